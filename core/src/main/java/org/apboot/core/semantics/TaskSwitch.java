package org.apboot.core.semantics;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.Segment;
import org.apboot.core.decode.Insn;
import org.apboot.core.fault.CpuException;

/**
 * Hardware task switching (Intel SDM vol. 3 chapter 8 "Task Management"): far JMP/CALL to a TSS
 * descriptor or a task gate, an interrupt or exception through a task gate in the IDT, and IRET
 * with EFLAGS.NT = 1 (return to the back-link task). Protected mode only: in IA-32e mode the
 * callers raise #GP before getting here.
 *
 * <p>A switch runs in three phases, following the manual's commit point:
 * <ol>
 * <li>Checks and reads, with nothing changed: the source-specific privilege, type, busy and
 * present checks (done by the entry points), the new TSS limit (&gt;= 0x67 for a 32-bit TSS,
 * &gt;= 0x2B for a 16-bit one: #TS(new TSS)), the current TSS limit covering its dynamic fields
 * (#TS(current TSS)), and every field of the new TSS read under the current CR3.</li>
 * <li>Saving: the dynamic fields (general registers, segment selectors, EFLAGS, EIP) are written
 * to the current TSS (NT cleared in the saved image for IRET), and for CALL and events the old
 * TR selector is written to the new TSS's previous-task link. A fault up to here belongs to the
 * old task, whose registers are untouched. Static fields (CR3, LDT selector, ring stacks) of the
 * current TSS are not written.</li>
 * <li>Commit and load: JMP and IRET clear the old TSS's busy bit, JMP/CALL/events set the new
 * one's; TR gets the new TSS; CR0.TS is set; a 32-bit TSS loads CR3 when paging is enabled
 * (flushing non-global TLB entries; a 16-bit TSS keeps CR3); EFLAGS (NT set for CALL and events),
 * EIP and the general registers are loaded; then LDTR, SS, CS and DS/ES/FS/GS are loaded with the
 * checks of SDM table 8-1. Before the descriptor checks every segment register holds its new
 * selector with an unusable cache, so a fault leaves the registers not yet validated unusable.
 * After the switch the error code of an exception is pushed on the new stack and EIP is checked
 * against the CS limit (#GP(0)).</li>
 * </ol>
 *
 * <p>Faults of the third phase are delivered in the context of the new task, as the manual
 * says: for a switch started by an instruction (JMP, CALL, IRET, INT n) the fault is delivered
 * here and the instruction completes; for a switch started by a hardware event the fault is
 * thrown to the event delivery loop, whose double-fault rules apply (so a fault while switching
 * to a #DF task shuts the CPU down).
 *
 * <p>A 16-bit TSS holds only the low 16 bits of EIP, EFLAGS and the general registers; loading
 * one zero-extends them (the manual leaves the upper halves undefined) and makes FS and GS null
 * (unusable), since the 16-bit TSS has no fields for them.
 *
 * <p>Entering a 32-bit TSS whose debug trap bit (T, offset 0x64) is set requests a #DB with
 * DR6.BT before the new task's first instruction; every switch clears DR7's local breakpoint
 * enables (L0-L3, LE). The I/O permission bitmap base is not read here.
 */
public final class TaskSwitch {
    /** What started the switch: they decide busy bits, nesting (NT, back link) and fault handling. */
    public static final int JMP = 0, CALL = 1, IRET = 2, EVENT = 3;

    /** Byte offsets in a 32-bit TSS. */
    static final int T32_CR3 = 0x1C, T32_EIP = 0x20, T32_EFLAGS = 0x24, T32_EAX = 0x28, T32_ES = 0x48,
            T32_LDT = 0x60, T32_TRAP = 0x64;
    /** Byte offsets in a 16-bit TSS. */
    static final int T16_IP = 0x0E, T16_FLAGS = 0x10, T16_AX = 0x12, T16_ES = 0x22, T16_LDT = 0x2A;
    /** Minimum limits of a new TSS (SDM table 8-1 check 3). */
    static final int MIN_LIMIT32 = 0x67, MIN_LIMIT16 = 0x2B;
    /** Segment registers in TSS order: ES, CS, SS, DS, FS, GS (the {@link Insn} numbering). */
    private static final int[] TSS_SREGS = {Insn.ES, Insn.CS, Insn.SS, Insn.DS, Insn.FS, Insn.GS};

    private TaskSwitch() {
    }

    // ---------------------------------------------------------------- entry points

    /** True for the descriptor types a far JMP/CALL hands to this class (outside IA-32e mode). */
    public static boolean isTaskTarget(long d) {
        if (Descriptors.codeOrData(d)) {
            return false;
        }
        int t = Descriptors.type(d);
        return t == Descriptors.TASK_GATE || isTss(t);
    }

    private static boolean isTss(int type) {
        return type == Descriptors.TSS16_AVAIL || type == Descriptors.TSS16_BUSY
                || type == Descriptors.TSS32_AVAIL || type == Descriptors.TSS32_BUSY;
    }

    /**
     * Far JMP or CALL ({@code call}) to the TSS descriptor or task gate {@code d} named by
     * {@code selector} (GDT or LDT). The return EIP saved in the old TSS is {@code cpu.rip}.
     */
    public static void farTransfer(Cpu cpu, int selector, long d, boolean call) {
        int err = Descriptors.errorCode(selector);
        int cpl = cpu.cpl;
        int dpl = Descriptors.dpl(d);
        int rpl = selector & 3;
        int tssSel;
        long tss;
        String what = call ? "CALL" : "JMP";
        if (Descriptors.type(d) == Descriptors.TASK_GATE) {
            if (dpl < cpl || dpl < rpl) {
                throw CpuException.gp(err, String.format("%s through task gate 0x%04x of DPL %d at CPL %d / RPL %d",
                        what, selector, dpl, cpl, rpl));
            }
            if (!Descriptors.present(d)) {
                throw CpuException.np(err, String.format("task gate 0x%04x not present", selector));
            }
            tssSel = Descriptors.gateSelector(d);
            tss = availableTss(cpu, tssSel, 0, what);
        } else {
            int type = Descriptors.type(d);
            if (dpl < cpl || dpl < rpl) {
                throw CpuException.gp(err, String.format("%s to TSS 0x%04x of DPL %d at CPL %d / RPL %d",
                        what, selector, dpl, cpl, rpl));
            }
            if (type == Descriptors.TSS16_BUSY || type == Descriptors.TSS32_BUSY) {
                throw CpuException.gp(err, String.format("%s to busy TSS 0x%04x", what, selector));
            }
            if ((selector & 4) != 0) {
                throw CpuException.gp(err, String.format("%s to a TSS descriptor in the LDT (0x%04x)", what, selector));
            }
            if (!Descriptors.present(d)) {
                throw CpuException.np(err, String.format("TSS 0x%04x not present", selector));
            }
            tssSel = selector;
            tss = d;
        }
        switchTask(cpu, tssSel, tss, call ? CALL : JMP, cpu.rip, Flags.rflags(cpu), 0, true, false, 0);
    }

    /**
     * An interrupt or exception through the task gate {@code gate} of the IDT (already checked for
     * type, DPL and presence). {@code ext} is the EXT bit of error codes; {@code instruction} is
     * true when an instruction raised the event (INT n, INT3, INTO, INT1), false for hardware
     * events; {@code savedFlags} is the EFLAGS image the old task keeps.
     */
    public static void taskGateEvent(Cpu cpu, long gate, boolean hasErr, int err, long returnRip, long savedFlags,
                                     int ext, boolean instruction) {
        int tssSel = Descriptors.gateSelector(gate);
        long tss = availableTss(cpu, tssSel, ext, "task gate in the IDT");
        switchTask(cpu, tssSel, tss, EVENT, returnRip, savedFlags, ext, instruction, hasErr, err);
    }

    /** IRET with NT = 1 in protected mode: back to the task named by the current TSS's link field. */
    public static void nestedReturn(Cpu cpu) {
        Segment tr = cpu.tr;
        int link = (int) Mem.readSystem(cpu, tr.base & 0xFFFF_FFFFL, 2);
        int err = Descriptors.errorCode(link);
        if (Descriptors.isNull(link) || (link & 4) != 0 || Descriptors.address(cpu, link, 8) < 0) {
            throw CpuException.ts(err, String.format("IRET to task 0x%04x: not a GDT selector within the limit", link));
        }
        long d = Descriptors.read(cpu, link);
        int type = Descriptors.type(d);
        if (Descriptors.codeOrData(d) || (type != Descriptors.TSS16_BUSY && type != Descriptors.TSS32_BUSY)) {
            throw CpuException.ts(err, String.format("IRET to task 0x%04x: not a busy TSS (type 0x%x)", link, type));
        }
        if (!Descriptors.present(d)) {
            throw CpuException.np(err, String.format("IRET to task 0x%04x: TSS not present", link));
        }
        switchTask(cpu, link, d, IRET, cpu.rip, Flags.rflags(cpu) & ~Cpu.NT, 0, true, false, 0);
    }

    /**
     * The TSS a task gate names: #GP(sel + EXT) when it is in the LDT, beyond the GDT limit, not a
     * TSS or busy; #NP(sel + EXT) when absent.
     */
    private static long availableTss(Cpu cpu, int sel, int ext, String via) {
        int err = Descriptors.errorCode(sel) | ext;
        if ((sel & 4) != 0 || Descriptors.isNull(sel) || Descriptors.address(cpu, sel, 8) < 0) {
            throw CpuException.gp(err, String.format("%s: TSS selector 0x%04x is not a GDT selector within the limit",
                    via, sel));
        }
        long d = Descriptors.read(cpu, sel);
        int type = Descriptors.type(d);
        if (Descriptors.codeOrData(d) || (type != Descriptors.TSS16_AVAIL && type != Descriptors.TSS32_AVAIL)) {
            throw CpuException.gp(err, String.format("%s: selector 0x%04x is not an available TSS (type 0x%x)",
                    via, sel, type));
        }
        if (!Descriptors.present(d)) {
            throw CpuException.np(err, String.format("%s: TSS 0x%04x not present", via, sel));
        }
        return d;
    }

    // ---------------------------------------------------------------- the switch

    /** The state read from the new TSS before anything changes. */
    private static final class NewState {
        long cr3;
        long eip;
        long eflags;
        final long[] gpr = new long[8];
        final int[] sreg = new int[6];
        int ldt;
        boolean debugTrap;
    }

    private static boolean tss32(int type) {
        return type == Descriptors.TSS32_AVAIL || type == Descriptors.TSS32_BUSY;
    }

    private static void switchTask(Cpu cpu, int newSel, long newD, int source, long returnEip, long savedFlags,
                                   int ext, boolean instruction, boolean hasErr, int err) {
        // ---- phase 1: checks and reads (no state changes)
        boolean new32 = tss32(Descriptors.type(newD));
        long newBase = Descriptors.base(newD);
        long newLimit = Descriptors.limit(newD);
        if (newLimit < (new32 ? MIN_LIMIT32 : MIN_LIMIT16)) {
            throw CpuException.ts(Descriptors.errorCode(newSel) | ext, String.format(
                    "TSS 0x%04x limit 0x%x below the minimum 0x%x", newSel, newLimit, new32 ? MIN_LIMIT32 : MIN_LIMIT16));
        }
        Segment tr = cpu.tr;
        boolean old32 = tss32(tr.attrs & 0xF);
        int oldNeed = old32 ? T32_ES + 6 * 4 - 1 : T16_ES + 4 * 2 - 1;
        if (tr.limit < oldNeed) {
            throw CpuException.ts(Descriptors.errorCode(tr.selector) | ext, String.format(
                    "current TSS 0x%04x limit 0x%x too short to save the task state", tr.selector, tr.limit));
        }
        NewState n = readNew(cpu, newBase, new32);

        // ---- phase 2: save the old task (faults still belong to it)
        saveOld(cpu, tr.base, old32, returnEip, savedFlags);
        boolean nest = source == CALL || source == EVENT;
        if (nest) {
            Mem.writeSystem(cpu, newBase & 0xFFFF_FFFFL, 2, tr.selector);
        }

        // ---- phase 3: commit
        int oldSel = tr.selector;
        if ((source == JMP || source == IRET) && !Descriptors.isNull(oldSel) && (oldSel & 4) == 0
                && Descriptors.address(cpu, oldSel, 8) >= 0) {
            Descriptors.clearBusy(cpu, oldSel);
        }
        if (source != IRET) {
            Descriptors.setBusy(cpu, newSel);
        }
        Descriptors.load(tr, newSel, newD);
        tr.attrs |= 2;
        cpu.cr0 |= Cpu.CR0_TS;
        if (new32 && (cpu.cr0 & Cpu.CR0_PG) != 0) {
            ControlRegs.writeCr3(cpu, n.cr3);
        }
        long flags = nest ? n.eflags | Cpu.NT : n.eflags;
        Flags.setRflags(cpu, flags, 0x3F_7FD5L | Cpu.ARITH_FLAGS);
        cpu.rip = n.eip;
        for (int i = 0; i < 8; i++) {
            cpu.r[i] = n.gpr[i];
        }
        cpu.dr[7] &= ~Debug.DR7_LOCAL;
        Debug.dr7Changed(cpu);
        if (n.debugTrap) {
            Debug.requestTrap(cpu, Debug.DR6_BT);
        }
        try {
            loadSegments(cpu, n, ext);
            if (hasErr) {
                pushErrorCode(cpu, new32 ? 4 : 2, err, ext);
            }
            if (cpu.rip > cpu.seg[Insn.CS].limit) {
                throw CpuException.gp(ext, String.format("new task EIP 0x%x beyond the CS limit 0x%x",
                        cpu.rip, cpu.seg[Insn.CS].limit));
            }
        } catch (CpuException e) {
            if (!instruction) {
                throw e;
            }
            ExceptionDelivery.deliver(cpu, e);
        }
    }

    private static NewState readNew(Cpu cpu, long base, boolean is32) {
        NewState n = new NewState();
        if (is32) {
            n.cr3 = read(cpu, base, T32_CR3, 4);
            n.eip = read(cpu, base, T32_EIP, 4);
            n.eflags = read(cpu, base, T32_EFLAGS, 4);
            for (int i = 0; i < 8; i++) {
                n.gpr[i] = read(cpu, base, T32_EAX + 4 * i, 4);
            }
            for (int i = 0; i < 6; i++) {
                n.sreg[i] = (int) read(cpu, base, T32_ES + 4 * i, 2);
            }
            n.ldt = (int) read(cpu, base, T32_LDT, 2);
            n.debugTrap = (read(cpu, base, T32_TRAP, 2) & 1) != 0;
        } else {
            n.eip = read(cpu, base, T16_IP, 2);
            n.eflags = read(cpu, base, T16_FLAGS, 2);
            for (int i = 0; i < 8; i++) {
                n.gpr[i] = read(cpu, base, T16_AX + 2 * i, 2);
            }
            for (int i = 0; i < 4; i++) {
                n.sreg[i] = (int) read(cpu, base, T16_ES + 2 * i, 2);
            }
            n.ldt = (int) read(cpu, base, T16_LDT, 2);
        }
        return n;
    }

    private static long read(Cpu cpu, long base, int off, int size) {
        return Mem.readSystem(cpu, (base + off) & 0xFFFF_FFFFL, size);
    }

    private static void write(Cpu cpu, long base, int off, int size, long v) {
        Mem.writeSystem(cpu, (base + off) & 0xFFFF_FFFFL, size, v);
    }

    private static void saveOld(Cpu cpu, long base, boolean is32, long eip, long eflags) {
        if (is32) {
            write(cpu, base, T32_EIP, 4, eip);
            write(cpu, base, T32_EFLAGS, 4, eflags);
            for (int i = 0; i < 8; i++) {
                write(cpu, base, T32_EAX + 4 * i, 4, cpu.r[i]);
            }
            for (int i = 0; i < 6; i++) {
                write(cpu, base, T32_ES + 4 * i, 2, cpu.seg[TSS_SREGS[i]].selector);
            }
        } else {
            write(cpu, base, T16_IP, 2, eip);
            write(cpu, base, T16_FLAGS, 2, eflags);
            for (int i = 0; i < 8; i++) {
                write(cpu, base, T16_AX + 2 * i, 2, cpu.r[i]);
            }
            for (int i = 0; i < 4; i++) {
                write(cpu, base, T16_ES + 2 * i, 2, cpu.seg[TSS_SREGS[i]].selector);
            }
        }
    }

    // ---------------------------------------------------------------- loading the new task's segments

    private static void loadSegments(Cpu cpu, NewState n, int ext) {
        boolean v86 = (cpu.sysFlags & Cpu.VM) != 0;
        // the selectors are in place before any check; caches stay unusable until validated
        for (int i = 0; i < 6; i++) {
            cpu.seg[TSS_SREGS[i]].set(n.sreg[i] & 0xFFFF, 0, 0, 0);
        }
        cpu.ldtr.set(n.ldt & 0xFFFF, 0, 0, 0);
        cpu.updateMode();
        loadLdt(cpu, n.ldt & 0xFFFF, ext);
        if (v86) {
            for (int i = 0; i < 6; i++) {
                int s = TSS_SREGS[i];
                cpu.seg[s].set(n.sreg[i] & 0xFFFF, (long) (n.sreg[i] & 0xFFFF) << 4, 0xFFFF,
                        s == Insn.CS ? SegmentLoads.V86_ATTRS | Segment.TYPE_CODE : SegmentLoads.V86_ATTRS);
            }
            cpu.updateMode();
            return;
        }
        int cs = n.sreg[1] & 0xFFFF;
        int cpl = cs & 3;
        loadStack(cpu, n.sreg[2] & 0xFFFF, cpl, ext);
        loadCode(cpu, cs, ext);
        for (int i : new int[] {0, 3, 4, 5}) {
            loadData(cpu, TSS_SREGS[i], n.sreg[i] & 0xFFFF, cpl, ext);
        }
    }

    /** Reads a descriptor for the new task: #TS(sel + EXT) when beyond its table. */
    private static long descriptor(Cpu cpu, int sel, int ext, String what) {
        if (Descriptors.address(cpu, sel, 8) < 0) {
            throw CpuException.ts(Descriptors.errorCode(sel) | ext, String.format(
                    "new task's %s selector 0x%04x beyond the descriptor table limit", what, sel));
        }
        return Descriptors.read(cpu, sel);
    }

    private static void loadLdt(Cpu cpu, int sel, int ext) {
        if (Descriptors.isNull(sel)) {
            return;
        }
        int err = Descriptors.errorCode(sel) | ext;
        if ((sel & 4) != 0) {
            throw CpuException.ts(err, String.format("new task's LDT selector 0x%04x points into an LDT", sel));
        }
        long d = descriptor(cpu, sel, ext, "LDT");
        if (Descriptors.codeOrData(d) || Descriptors.type(d) != Descriptors.LDT) {
            throw CpuException.ts(err, String.format("new task's LDT selector 0x%04x is not an LDT descriptor", sel));
        }
        if (!Descriptors.present(d)) {
            throw CpuException.ts(err, String.format("new task's LDT 0x%04x not present", sel));
        }
        Descriptors.load(cpu.ldtr, sel, d);
    }

    private static void loadStack(Cpu cpu, int sel, int cpl, int ext) {
        if (Descriptors.isNull(sel)) {
            throw CpuException.ts(ext, "new task's SS selector is null");
        }
        int err = Descriptors.errorCode(sel) | ext;
        long d = descriptor(cpu, sel, ext, "SS");
        if (!Descriptors.writableData(d)) {
            throw CpuException.ts(err, String.format("new task's SS 0x%04x is not a writable data segment", sel));
        }
        if ((sel & 3) != cpl || Descriptors.dpl(d) != cpl) {
            throw CpuException.ts(err, String.format("new task's SS 0x%04x: DPL %d / RPL %d differ from CPL %d",
                    sel, Descriptors.dpl(d), sel & 3, cpl));
        }
        if (!Descriptors.present(d)) {
            throw CpuException.ss(err, String.format("new task's stack segment 0x%04x not present", sel));
        }
        SegmentLoads.commitStack(cpu, sel, d);
    }

    private static void loadCode(Cpu cpu, int sel, int ext) {
        if (Descriptors.isNull(sel)) {
            throw CpuException.ts(ext, "new task's CS selector is null");
        }
        int err = Descriptors.errorCode(sel) | ext;
        long d = descriptor(cpu, sel, ext, "CS");
        if (!Descriptors.isCode(d)) {
            throw CpuException.ts(err, String.format("new task's CS 0x%04x is not a code segment", sel));
        }
        int dpl = Descriptors.dpl(d);
        int rpl = sel & 3;
        if (Descriptors.conforming(d) ? dpl > rpl : dpl != rpl) {
            throw CpuException.ts(err, String.format("new task's CS 0x%04x: DPL %d does not match RPL %d", sel, dpl, rpl));
        }
        if (!Descriptors.present(d)) {
            throw CpuException.np(err, String.format("new task's code segment 0x%04x not present", sel));
        }
        SegmentLoads.commitCode(cpu, sel, d, rpl);
    }

    private static void loadData(Cpu cpu, int sreg, int sel, int cpl, int ext) {
        if (Descriptors.isNull(sel)) {
            SegmentLoads.loadNull(cpu, sreg, sel);
            return;
        }
        int err = Descriptors.errorCode(sel) | ext;
        String name = Mem.segName(sreg);
        long d = descriptor(cpu, sel, ext, name);
        if (!Descriptors.readable(d)) {
            throw CpuException.ts(err, String.format(
                    "new task's %s 0x%04x is not a data or readable code segment", name, sel));
        }
        if (!Descriptors.conforming(d)) {
            int dpl = Descriptors.dpl(d);
            if (dpl < cpl || dpl < (sel & 3)) {
                throw CpuException.ts(err, String.format("new task's %s 0x%04x: DPL %d below CPL %d / RPL %d",
                        name, sel, dpl, cpl, sel & 3));
            }
        }
        if (!Descriptors.present(d)) {
            throw CpuException.np(err, String.format("new task's %s segment 0x%04x not present", name, sel));
        }
        Descriptors.setAccessed(cpu, sel, d);
        Descriptors.load(cpu.seg[sreg], sel, d);
        cpu.seg[sreg].attrs |= Segment.TYPE_ACCESSED;
    }

    /** Pushes an exception's error code on the new task's stack: #SS(EXT) when it does not fit. */
    private static void pushErrorCode(Cpu cpu, int width, int err, int ext) {
        Segment ss = cpu.seg[Insn.SS];
        int as = cpu.stackAddrSize();
        long sp = StackFrames.push(cpu, ss.base, ss.limit, cpu.v86() ? SegmentLoads.V86_ATTRS : ss.attrs, as,
                cpu.r[Cpu.RSP], width, StackFrames.values(cpu, err & 0xFFFF_FFFFL), 1, cpu.cpl == 3, ext);
        StackFrames.setSp(cpu, sp);
    }
}
