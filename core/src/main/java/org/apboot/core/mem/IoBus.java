package org.apboot.core.mem;

/** The I/O-port address space (IN/OUT/INS/OUTS). */
public interface IoBus {
    /** Reads {@code size} (1, 2 or 4) bytes from {@code port}; unclaimed ports read all ones. */
    int in(int cpuIndex, int port, int size);

    /** Writes {@code size} bytes to {@code port}; unclaimed ports ignore the write. */
    void out(int cpuIndex, int port, int size, int value);

    /** A bus with no devices. */
    IoBus EMPTY = new IoBus() {
        @Override
        public int in(int cpuIndex, int port, int size) {
            return size == 4 ? -1 : (1 << (size * 8)) - 1;
        }

        @Override
        public void out(int cpuIndex, int port, int size, int value) {
        }
    };
}
