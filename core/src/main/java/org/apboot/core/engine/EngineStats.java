package org.apboot.core.engine;

import java.util.concurrent.atomic.LongAdder;

/**
 * Engine counters, updated with {@link LongAdder}s by many host threads. Counted once per block
 * or per event, never per instruction.
 */
public final class EngineStats {
    /** Blocks decoded (interpreter) or translated (translator). */
    public final LongAdder blocksBuilt = new LongAdder();
    /** Block lookups served by a per-thread jump cache. */
    public final LongAdder jumpCacheHits = new LongAdder();
    /** Block lookups served by the shared cache. */
    public final LongAdder sharedCacheHits = new LongAdder();
    /** Block lookups that had to build the block. */
    public final LongAdder misses = new LongAdder();
    /** Blocks invalidated by guest writes to their bytes. */
    public final LongAdder invalidations = new LongAdder();

    /** Fraction of lookups that did not build a block. */
    public double hitRate() {
        long hits = jumpCacheHits.sum() + sharedCacheHits.sum();
        long all = hits + misses.sum();
        return all == 0 ? 0 : (double) hits / all;
    }
}
