package org.apboot.core.interp;

import org.apboot.core.decode.Insn;

/**
 * A guest block decoded once for every vCPU: the instructions from {@link #phys} up to and
 * including the first one that ends a block (a branch, a mode change, PAUSE, HLT, an invalid or
 * unimplemented instruction) or the end of the page. A forward Jcc does not end it: the block
 * goes on along the Jcc's fall-through path, and when the Jcc is taken the engines leave the
 * block right after it (a side exit), so one block can hold several basic blocks, as a trace
 * of the path the code usually takes (the error checks of bring-up code branch forward and are
 * not taken). A backward Jcc (a loop's) still ends its block, so a loop body stays one block
 * that branches back to its own start. Immutable after construction except for
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
    /**
     * The bytes the block was decoded from ({@link #byteLength} of them, from its first byte),
     * set before a cache publishes it, for a later machine's cache to compare (see
     * {@code BlockCache.carriedOver}); null for a block no cache holds.
     */
    byte[] code;
    /** False once guest code wrote to these bytes; the block is then rebuilt on next lookup. */
    public volatile boolean valid = true;
    /**
     * The block that ran after this one last time, in the same page (a hint any thread may
     * overwrite): the interpreter takes it without a lookup when its address, mode and validity
     * check out. Plain: a stale or missing link costs only a lookup.
     */
    DecodedBlock successor;
    /**
     * For a block of one instruction that spans two pages: the physical address its bytes past
     * the first page's end were fetched from (the second page's translation when it was
     * decoded), else -1. Such a block is used only while that translation still holds.
     */
    public final long secondPage;
    /** The block's bytes on its first page (all of them unless {@link #secondPage} is set). */
    public final int firstPart;
    /**
     * False for code fetched from a device or from nothing (open bus): such a block is never
     * cached, and the code is fetched afresh each time it runs.
     */
    public final boolean cached;
    /**
     * Every step works on registers and flags only (no memory, no system state): running the
     * block changes neither the mode, CS, paging, the debug state nor its own bytes.
     */
    final boolean registerOnly;
    /** Some instruction is longer than 15 bytes (#GP when it is reached). */
    final boolean overlong;
    /** The last instruction is PAUSE. */
    final boolean endsInPause;
    /**
     * Some instruction before the last is a Jcc: the block goes on along its fall-through path,
     * and a taken Jcc leaves the block there (a side exit).
     */
    public final boolean innerBranches;

    /** A cacheable block whose bytes all lie on the page of {@code phys}. */
    public DecodedBlock(long phys, int modeKey, Insn[] insns, int byteLength) {
        this(phys, modeKey, insns, byteLength, -1, byteLength, true);
    }

    /**
     * A block whose first {@code firstPart} bytes are at {@code phys} and the rest at
     * {@code secondPage} (-1: all at {@code phys}); {@code cached} as {@link #cached}.
     */
    public DecodedBlock(long phys, int modeKey, Insn[] insns, int byteLength, long secondPage, int firstPart,
            boolean cached) {
        this.phys = phys;
        this.modeKey = modeKey;
        this.insns = insns;
        this.steps = Steps.of(insns);
        this.pairedSteps = PairSteps.paired(insns, steps);
        this.byteLength = byteLength;
        this.secondPage = secondPage;
        this.firstPart = secondPage < 0 ? byteLength : firstPart;
        this.cached = cached;
        boolean registers = true;
        boolean longer = false;
        boolean inner = false;
        for (int k = 0; k < insns.length; k++) {
            inner |= k + 1 < insns.length && insns[k].op == org.apboot.core.decode.Op.JCC;
            registers &= !steps[k].touchesMemory;
            longer |= insns[k].length > 15;
        }
        this.registerOnly = registers;
        this.innerBranches = inner;
        this.overlong = longer;
        this.endsInPause = insns.length > 0 && insns[insns.length - 1].op == org.apboot.core.decode.Op.PAUSE;
    }

    /** True when the block's one instruction spans two pages (see {@link #secondPage}). */
    public boolean crossesPage() {
        return secondPage >= 0;
    }

    /** True if the block's bytes, on either page, overlap physical [addr, addr+len). */
    public boolean overlaps(long addr, int len) {
        if (addr < phys + firstPart && phys < addr + len) {
            return true;
        }
        return secondPage >= 0 && addr < secondPage + (byteLength - firstPart) && secondPage < addr + len;
    }
}
