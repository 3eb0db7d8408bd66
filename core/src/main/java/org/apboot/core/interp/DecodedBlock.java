package org.apboot.core.interp;

import org.apboot.core.decode.Insn;

/**
 * A guest basic block decoded once for every vCPU: the instructions from {@link #phys} up to and
 * including the first one that ends a block (a branch, a mode change, PAUSE, HLT, an invalid or
 * unimplemented instruction) or the end of the page. Immutable after construction except for
 * {@link #valid}, which a guest write to the block's bytes clears.
 */
public final class DecodedBlock {
    /** Physical address of the first byte. */
    public final long phys;
    /** Mode key the instructions were decoded under. */
    public final int modeKey;
    public final Insn[] insns;
    /** The step that executes each instruction, resolved once (parallel to {@link #insns}). */
    final Step[] steps;
    /** Total bytes of all instructions. */
    public final int byteLength;
    /** False once guest code wrote to these bytes; the block is then rebuilt on next lookup. */
    public volatile boolean valid = true;
    /** The block holds one instruction spanning two pages: it is never cached. */
    public final boolean crossesPage;

    public DecodedBlock(long phys, int modeKey, Insn[] insns, int byteLength, boolean crossesPage) {
        this.phys = phys;
        this.modeKey = modeKey;
        this.insns = insns;
        this.steps = Steps.of(insns);
        this.byteLength = byteLength;
        this.crossesPage = crossesPage;
    }

    /** True if the block's bytes overlap [addr, addr+len). */
    public boolean overlaps(long addr, int len) {
        return addr < phys + byteLength && phys < addr + len;
    }
}
