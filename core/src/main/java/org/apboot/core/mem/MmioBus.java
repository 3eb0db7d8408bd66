package org.apboot.core.mem;

/**
 * Physical addresses claimed by devices rather than RAM. The lookup is on the slow path only:
 * the MMU marks translations that hit MMIO so RAM accesses never consult the bus.
 */
public interface MmioBus {
    /** True if the physical address belongs to a device (for this vCPU: the local APIC is per CPU). */
    boolean claims(int cpuIndex, long phys);

    long read(int cpuIndex, long phys, int size);

    void write(int cpuIndex, long phys, int size, long value);

    MmioBus EMPTY = new MmioBus() {
        @Override
        public boolean claims(int cpuIndex, long phys) {
            return false;
        }

        @Override
        public long read(int cpuIndex, long phys, int size) {
            return PhysicalMemory.mask(size);
        }

        @Override
        public void write(int cpuIndex, long phys, int size, long value) {
        }
    };
}
