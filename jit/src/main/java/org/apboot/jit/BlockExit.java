package org.apboot.jit;

/**
 * What a {@link CompiledBlock} reports besides its return value; one per worker, reused for
 * every block it runs (no allocation per block).
 */
public final class BlockExit {
    /** Direct branch taken (chaining slot 0). */
    public static final int TAKEN = 0;
    /** Fell through to the next instruction after the block (chaining slot 1). */
    public static final int FALLTHROUGH = 1;
    /** A Jcc inside the block taken: the block's side exit (chaining slot 2). */
    public static final int SIDE = 2;
    /** Anything else: indirect branch, interpreter-run last instruction, early exit. */
    public static final int INDIRECT = -1;

    /** How the last block left: {@link #TAKEN}, {@link #FALLTHROUGH}, {@link #SIDE} or {@link #INDIRECT}. */
    public int exit;
    /** Instructions a block retired before the instruction that faulted. */
    public int faultRetired;
}
