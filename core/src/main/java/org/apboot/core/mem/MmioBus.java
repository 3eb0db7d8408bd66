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

    /**
     * A locked compare-and-exchange of {@code size} bytes (values zero-extended); returns the
     * value found. Devices have no atomicity to offer: read, compare, write.
     */
    default long compareAndExchange(int cpuIndex, long phys, int size, long expect, long update) {
        long found = read(cpuIndex, phys, size);
        if (found == expect) {
            write(cpuIndex, phys, size, update);
        }
        return found;
    }

    /**
     * Copies up to {@code len} bytes of code at {@code phys} into {@code dst} for instruction
     * fetch; returns how many bytes are there (0: nothing to execute, the fetch reads open bus).
     */
    default int fetch(int cpuIndex, long phys, byte[] dst, int len) {
        return 0;
    }

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
