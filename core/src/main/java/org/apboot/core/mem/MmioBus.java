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

    /**
     * The RAM or ROM region code at {@code phys} is fetched from, when a cache may keep what it
     * decodes there: every change to its bytes (a guest store, a host write or load, a restored
     * snapshot) reaches the listeners of {@link #addCodeListener}. Null for devices, unbacked
     * addresses and anything else whose code must be fetched afresh each time it runs.
     */
    default MemoryMap.Region codeRegion(int cpuIndex, long phys) {
        return null;
    }

    /**
     * Makes {@code listener} hear of every change to the bytes of the regions
     * {@link #codeRegion} returns, by guest physical address, at each address they are visible at
     * (an alias too). Adding the same listener again changes nothing.
     */
    default void addCodeListener(PhysicalMemory.WriteListener listener) {
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
