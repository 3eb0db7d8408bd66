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
    /** {@link #steps} with Jcc pairs (see {@code PairSteps.paired}), for the path without tracing or checks. */
    final Step[] pairedSteps;
    /** Total bytes of all instructions. */
    public final int byteLength;
    /** False once guest code wrote to these bytes; the block is then rebuilt on next lookup. */
    public volatile boolean valid = true;
    /** The block holds one instruction spanning two pages: it is never cached. */
    public final boolean crossesPage;
    /**
     * Every step works on registers and flags only (no memory, no system state): running the
     * block changes neither the mode, CS, paging, the debug state nor its own bytes.
     */
    final boolean registerOnly;
    /** Some instruction is longer than 15 bytes (#GP when it is reached). */
    final boolean overlong;
    /** The last instruction is PAUSE. */
    final boolean endsInPause;

    public DecodedBlock(long phys, int modeKey, Insn[] insns, int byteLength, boolean crossesPage) {
        this.phys = phys;
        this.modeKey = modeKey;
        this.insns = insns;
        this.steps = Steps.of(insns);
        this.pairedSteps = PairSteps.paired(insns, steps);
        this.byteLength = byteLength;
        this.crossesPage = crossesPage;
        boolean registers = true;
        boolean longer = false;
        for (int k = 0; k < insns.length; k++) {
            registers &= !steps[k].touchesMemory;
            longer |= insns[k].length > 15;
        }
        this.registerOnly = registers;
        this.overlong = longer;
        this.endsInPause = insns.length > 0 && insns[insns.length - 1].op == org.apboot.core.decode.Op.PAUSE;
    }

    /** True if the block's bytes overlap [addr, addr+len). */
    public boolean overlaps(long addr, int len) {
        return addr < phys + byteLength && phys < addr + len;
    }
}
