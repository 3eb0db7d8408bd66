package org.apboot.core.cpu;

import java.util.ArrayList;
import java.util.List;

/**
 * A saved copy of everything a {@link Cpu} holds that is not wiring: registers, flags (lazy
 * record included, so flags read afterwards come out the same), segment and descriptor-table
 * caches, control and debug registers, the MSRs the core owns, pending events and debug traps,
 * the halted, shut-down and interrupt-shadow state, the retired-instruction counters and the
 * idle ticks that make up the vCPU's clock, and the fault chain. The buses, hooks and interrupt
 * source a machine wires in are not state and are left alone.
 *
 * <p>Immutable once taken; {@link #restoreTo} may apply it any number of times. Take and apply
 * it only while the vCPU does not run.
 */
public final class CpuState {
    private final int apicId;
    private final long[] r;
    private final long rip;
    private final Segment[] seg;
    private final Segment ldtr;
    private final Segment tr;
    private final long gdtrBase, idtrBase;
    private final int gdtrLimit, idtrLimit;
    private final long cr0, cr2, cr3, cr4, cr8;
    private final long[] dr;
    private final long efer;
    private final long kernelGsBase, star, lstar, cstar, sfmask, sysenterCs, sysenterEsp, sysenterEip;
    private final long miscEnable, tscAux, pat, mtrrDefType, tscOffset, idleTicks;
    private final int flagOp, flagSize;
    private final long flagDst, flagSrc, flagRes, flagBits, sysFlags;
    private final boolean halted, shutdown, interruptShadow, insnBreakpoints, dataBreakpoints, debugActive,
            nmiBlocked;
    private final long pendingDebug;
    private final int events;
    private final long instructions;
    private final long[] modeInstructions;
    private final List<String> faultChain;
    private final String shutdownReason;

    private CpuState(Cpu c) {
        apicId = c.apicId;
        r = c.r.clone();
        rip = c.rip;
        seg = new Segment[c.seg.length];
        for (int i = 0; i < seg.length; i++) {
            seg[i] = copy(c.seg[i]);
        }
        ldtr = copy(c.ldtr);
        tr = copy(c.tr);
        gdtrBase = c.gdtrBase;
        idtrBase = c.idtrBase;
        gdtrLimit = c.gdtrLimit;
        idtrLimit = c.idtrLimit;
        cr0 = c.cr0;
        cr2 = c.cr2;
        cr3 = c.cr3;
        cr4 = c.cr4;
        cr8 = c.cr8;
        dr = c.dr.clone();
        efer = c.efer;
        kernelGsBase = c.kernelGsBase;
        star = c.star;
        lstar = c.lstar;
        cstar = c.cstar;
        sfmask = c.sfmask;
        sysenterCs = c.sysenterCs;
        sysenterEsp = c.sysenterEsp;
        sysenterEip = c.sysenterEip;
        miscEnable = c.miscEnable;
        tscAux = c.tscAux;
        pat = c.pat;
        mtrrDefType = c.mtrrDefType;
        tscOffset = c.tscOffset;
        idleTicks = c.idleTicks;
        flagOp = c.flagOp;
        flagSize = c.flagSize;
        flagDst = c.flagDst;
        flagSrc = c.flagSrc;
        flagRes = c.flagRes;
        flagBits = c.flagBits;
        sysFlags = c.sysFlags;
        halted = c.halted;
        shutdown = c.shutdown;
        interruptShadow = c.interruptShadow;
        insnBreakpoints = c.insnBreakpoints;
        dataBreakpoints = c.dataBreakpoints;
        debugActive = c.debugActive;
        nmiBlocked = c.nmiBlocked;
        pendingDebug = c.pendingDebug;
        events = c.eventsVolatile();
        instructions = c.instructions;
        modeInstructions = c.modeInstructions.clone();
        faultChain = c.faultChain == null ? null : List.copyOf(c.faultChain);
        shutdownReason = c.shutdownReason;
    }

    /** The state of {@code cpu} now. */
    public static CpuState of(Cpu cpu) {
        return new CpuState(cpu);
    }

    private static Segment copy(Segment s) {
        Segment c = new Segment();
        c.copyFrom(s);
        return c;
    }

    /**
     * Puts {@code c} back in this state. The derived mode fields are recomputed and every TLB
     * entry dropped (the page tables and CR3 may differ from what the TLB was filled from).
     */
    public void restoreTo(Cpu c) {
        c.apicId = apicId;
        System.arraycopy(r, 0, c.r, 0, r.length);
        c.rip = rip;
        for (int i = 0; i < seg.length; i++) {
            c.seg[i].copyFrom(seg[i]);
        }
        c.ldtr.copyFrom(ldtr);
        c.tr.copyFrom(tr);
        c.gdtrBase = gdtrBase;
        c.idtrBase = idtrBase;
        c.gdtrLimit = gdtrLimit;
        c.idtrLimit = idtrLimit;
        c.cr0 = cr0;
        c.cr2 = cr2;
        c.cr3 = cr3;
        c.cr4 = cr4;
        c.cr8 = cr8;
        System.arraycopy(dr, 0, c.dr, 0, dr.length);
        c.efer = efer;
        c.kernelGsBase = kernelGsBase;
        c.star = star;
        c.lstar = lstar;
        c.cstar = cstar;
        c.sfmask = sfmask;
        c.sysenterCs = sysenterCs;
        c.sysenterEsp = sysenterEsp;
        c.sysenterEip = sysenterEip;
        c.miscEnable = miscEnable;
        c.tscAux = tscAux;
        c.pat = pat;
        c.mtrrDefType = mtrrDefType;
        c.tscOffset = tscOffset;
        c.idleTicks = idleTicks;
        c.flagOp = flagOp;
        c.flagSize = flagSize;
        c.flagDst = flagDst;
        c.flagSrc = flagSrc;
        c.flagRes = flagRes;
        c.flagBits = flagBits;
        c.sysFlags = sysFlags;
        c.halted = halted;
        c.shutdown = shutdown;
        c.interruptShadow = interruptShadow;
        c.insnBreakpoints = insnBreakpoints;
        c.dataBreakpoints = dataBreakpoints;
        c.debugActive = debugActive;
        c.nmiBlocked = nmiBlocked;
        c.pendingDebug = pendingDebug;
        c.clearEvents(-1);
        if (events != 0) {
            c.raiseEvents(events);
        }
        c.instructions = instructions;
        System.arraycopy(modeInstructions, 0, c.modeInstructions, 0, modeInstructions.length);
        c.faultChain = faultChain == null ? null : new ArrayList<>(faultChain);
        c.shutdownReason = shutdownReason;
        c.updateMode();
        c.mmu.flushAll();
    }

    /** Retired instructions when the state was taken. */
    public long instructions() {
        return instructions;
    }
}
