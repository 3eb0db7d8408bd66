package org.apboot.core.mem;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The 4 KiB pages of one {@link PhysicalMemory} written since a snapshot: a bit per page, set by
 * the first write to it, and the pages in the order they were first written, so that a restore
 * visits exactly the written pages and clearing costs as much as there is to clear.
 *
 * <p>Any host thread may {@link #mark} (every store of a vCPU does, while a snapshot exists);
 * {@link #count}, {@link #page} and {@link #clear} run only while no vCPU runs (the machine's run
 * loop starts and joins its threads, which orders them with the marks).
 */
final class DirtyPages {
    private static final VarHandle BITS = MethodHandles.arrayElementVarHandle(long[].class);

    /**
     * Bit {@code p & 63} of word {@code p >>> 6}: page {@code p} was written. The store path
     * reads it directly (plainly) to skip {@link #mark} for pages already recorded.
     */
    final long[] bits;
    /** The written pages, first {@link #count} entries, in the order first written. */
    private final int[] pages;
    private final AtomicInteger count = new AtomicInteger();

    DirtyPages(int pageCount) {
        this.bits = new long[(pageCount + 63) >>> 6];
        this.pages = new int[pageCount];
    }

    /**
     * Records a write to page {@code page}. After the first write to a page this is one plain
     * load and a branch: a stale zero seen by a racing writer only sends it to the atomic path,
     * which lets exactly one writer list the page.
     */
    void mark(int page) {
        long bit = 1L << page;
        if ((bits[page >>> 6] & bit) == 0) {
            markFirst(page, bit);
        }
    }

    private void markFirst(int page, long bit) {
        long old = (long) BITS.getAndBitwiseOr(bits, page >>> 6, bit);
        if ((old & bit) == 0) {
            pages[count.getAndIncrement()] = page;
        }
    }

    /** Pages written since the last {@link #clear}. */
    int count() {
        return count.get();
    }

    /** The {@code i}-th page written (0 &lt;= i &lt; {@link #count}). */
    int page(int i) {
        return pages[i];
    }

    /** Forgets every written page, in time proportional to their number. */
    void clear() {
        int n = count.get();
        for (int i = 0; i < n; i++) {
            bits[pages[i] >>> 6] = 0;
        }
        count.set(0);
        VarHandle.fullFence();
    }
}
