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

    /** An engine's own counters, by name, in the order they were first asked for. */
    private final java.util.Map<String, LongAdder> named =
            java.util.Collections.synchronizedMap(new java.util.LinkedHashMap<>());

    /**
     * The engine-specific counter {@code name} (created on first use; look it up once and keep
     * the adder, not per event). Shown by {@code boot}, {@code --json} and the embedding
     * statistics.
     */
    public LongAdder counter(String name) {
        return named.computeIfAbsent(name, n -> new LongAdder());
    }

    /** The engine-specific counters and their current sums, in creation order. */
    public java.util.Map<String, Long> counters() {
        java.util.Map<String, Long> m = new java.util.LinkedHashMap<>();
        synchronized (named) {
            named.forEach((n, a) -> m.put(n, a.sum()));
        }
        return m;
    }

    /** Fraction of lookups that did not build a block. */
    public double hitRate() {
        long hits = jumpCacheHits.sum() + sharedCacheHits.sum();
        long all = hits + misses.sum();
        return all == 0 ? 0 : (double) hits / all;
    }
}
