package org.apboot.jit;

/**
 * Translator settings.
 *
 * @param threshold executions of a block in the interpreter before it is translated (0:
 *     translate at first sight)
 * @param maxBlocks translated blocks the code cache holds before it drops them all and starts a
 *     new generation (running blocks finish; their classes unload once unreferenced)
 * @param batch blocks translated together into one class: a block that became hot waits in the
 *     interpreter until this many are hot, or until it has run {@code batch} more times (with
 *     threshold 0 nothing waits)
 * @param background translate on a background thread while the vCPUs keep running the blocks in
 *     the interpreter, as HotSpot compiles in the background (with threshold 0 translation is
 *     always synchronous)
 */
public record JitSettings(int threshold, int maxBlocks, int batch, boolean background) {
    /**
     * Translate after 2 interpreted runs, in batches of up to 16, in the background; 16,384 blocks
     * per generation.
     */
    public static final JitSettings DEFAULT = new JitSettings(2, 16_384, 16, true);

    public JitSettings(int threshold, int maxBlocks) {
        this(threshold, maxBlocks, DEFAULT_BATCH, true);
    }

    public JitSettings(int threshold, int maxBlocks, int batch) {
        this(threshold, maxBlocks, batch, true);
    }

    private static final int DEFAULT_BATCH = 16;

    public JitSettings {
        if (threshold < 0) {
            throw new IllegalArgumentException("threshold must be >= 0, got " + threshold);
        }
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be >= 1, got " + batch);
        }
        if (maxBlocks < 1) {
            throw new IllegalArgumentException("maxBlocks must be >= 1, got " + maxBlocks);
        }
    }

    public JitSettings withThreshold(int t) {
        return new JitSettings(t, maxBlocks, batch, background);
    }

    public JitSettings withBatch(int n) {
        return new JitSettings(threshold, maxBlocks, n, background);
    }

    /** Translation on a background thread (true) or by the vCPU that found the block hot. */
    public JitSettings withBackground(boolean b) {
        return new JitSettings(threshold, maxBlocks, batch, b);
    }

    public JitSettings withMaxBlocks(int n) {
        return new JitSettings(threshold, n, batch, background);
    }
}
