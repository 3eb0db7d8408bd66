package org.apboot;

/**
 * A device behind a memory-mapped region ({@link X86Machine#mapMmio}): every guest access to the
 * region calls it, on the accessing vCPU's host thread, with the offset from the region's start
 * and a size of 1, 2, 4 or 8 bytes (accesses running past the region's end arrive byte by byte).
 * Several vCPUs may call it at once.
 */
public interface MmioHandler {
    /** The value of a guest read (only the low {@code size} bytes are used). */
    long read(long offset, int size);

    /** A guest write of the low {@code size} bytes of {@code value}. */
    void write(long offset, int size, long value);
}
