package org.apboot.jit;

/**
 * Translator settings.
 *
 * @param threshold executions of a block in the interpreter before it is translated (0:
 *     translate at first sight)
 * @param maxBlocks translated blocks the code cache holds before it drops them all and starts a
 *     new generation (running blocks finish; their classes unload once unreferenced)
 */
public record JitSettings(int threshold, int maxBlocks) {
    /** Translate after 2 interpreted runs; 16,384 blocks per generation. */
    public static final JitSettings DEFAULT = new JitSettings(2, 16_384);

    public JitSettings {
        if (threshold < 0) {
            throw new IllegalArgumentException("threshold must be >= 0, got " + threshold);
        }
        if (maxBlocks < 1) {
            throw new IllegalArgumentException("maxBlocks must be >= 1, got " + maxBlocks);
        }
    }

    public JitSettings withThreshold(int t) {
        return new JitSettings(t, maxBlocks);
    }

    public JitSettings withMaxBlocks(int n) {
        return new JitSettings(threshold, n);
    }
}
