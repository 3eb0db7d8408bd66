package org.apboot.core.semantics;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.Segment;
import org.apboot.core.decode.Insn;
import org.apboot.core.fault.CpuException;

/**
 * Loading segment registers, LDTR and TR with the architectural checks (Intel SDM vol. 2 MOV,
 * POP, LDS/LES/LFS/LGS/LSS, LLDT, LTR; vol. 3 chapter 5), and the descriptor-query instructions
 * LAR, LSL, VERR, VERW, ARPL.
 *
 * <p>Every method checks everything before changing any state, so a fault leaves the CPU as it
 * was. In real mode a load sets selector and base (selector * 16) and keeps the cached limit and
 * attributes ("unreal mode"); in virtual-8086 mode it also sets the v86 limit and attributes.
 * A null selector in DS, ES, FS or GS makes the register unusable (attributes 0); in 64-bit mode
 * that load also clears the base, as Intel processors do.
 */
public final class SegmentLoads {
    /** Attributes of a v86-mode segment: present, DPL 3, read/write data, accessed. */
    public static final int V86_ATTRS = Segment.P | Segment.S | (3 << Segment.DPL_SHIFT)
            | Segment.TYPE_READ_OR_WRITE | Segment.TYPE_ACCESSED;

    private SegmentLoads() {
    }

    /** True in protected mode outside virtual-8086 mode: descriptors are used. */
    public static boolean descriptorMode(Cpu cpu) {
        return (cpu.cr0 & Cpu.CR0_PE) != 0 && (cpu.sysFlags & Cpu.VM) == 0;
    }

    /**
     * MOV/POP/LxS to ES, SS, DS, FS or GS (CS is not loadable this way). Calls
     * {@link Cpu#updateMode()} after an SS load.
     */
    public static void load(Cpu cpu, int sreg, int selector) {
        selector &= 0xFFFF;
        Segment s = cpu.seg[sreg];
        if (!descriptorMode(cpu)) {
            s.loadReal(selector);
            if (cpu.v86()) {
                s.limit = 0xFFFF;
                s.attrs = V86_ATTRS;
            }
            if (sreg == Insn.SS) {
                cpu.updateMode();
            }
            return;
        }
        if (sreg == Insn.SS) {
            loadStack(cpu, selector);
            return;
        }
        if (Descriptors.isNull(selector)) {
            loadNull(cpu, sreg, selector);
            return;
        }
        long d = Descriptors.read(cpu, selector);
        checkData(cpu, sreg, selector, d);
        Descriptors.setAccessed(cpu, selector, d);
        Descriptors.load(s, selector, d);
        s.attrs |= Segment.TYPE_ACCESSED;
    }

    /**
     * MOV Sreg, r/m16: loads ES, SS, DS, FS or GS (MOV to CS is #UD). A load of SS holds off
     * interrupts, NMIs and debug traps until the next instruction ends (the interrupt shadow:
     * SDM MOV), so a following load of rSP completes before an event can use the stack.
     */
    public static void movToSegment(Cpu cpu, int sreg, int selector) {
        if (sreg == Insn.CS) {
            throw CpuException.ud("MOV to CS");
        }
        load(cpu, sreg, selector);
        if (sreg == Insn.SS) {
            cpu.interruptShadow = true;
        }
    }

    /**
     * POP Sreg at operand size {@code size}: the selector is the low 16 bits of the top of the
     * stack; rSP moves only after the load succeeded (a faulting load leaves it), and POP SS
     * opens the interrupt shadow as MOV SS does. POP CS is #UD.
     */
    public static void popSegment(Cpu cpu, int sreg, int size) {
        if (sreg == Insn.CS) {
            throw CpuException.ud("POP CS");
        }
        long v = Stack.peek(cpu, size, 0);
        long sp = StackFrames.spAfter(cpu, size);
        load(cpu, sreg, (int) v & 0xFFFF);
        cpu.r[Cpu.RSP] = sp;
        if (sreg == Insn.SS) {
            cpu.interruptShadow = true;
        }
    }

    /**
     * LDS, LES, LSS, LFS, LGS: the far pointer at {@code seg:off} (offset of {@code size} bytes,
     * then the selector, {@link Mem#farSelector}) loads segment register {@code sreg}
     * and then general register {@code reg}, so a faulting segment load changes no register.
     * Loading CS this way is #UD. LSS does not open an interrupt shadow (only MOV SS and POP SS
     * do).
     */
    public static void loadFarPointer(Cpu cpu, int sreg, int reg, int size, int seg, long off) {
        if (sreg == Insn.CS) {
            throw CpuException.ud("far pointer load into CS");
        }
        long offset = Mem.read(cpu, seg, off, size);
        int selector = Mem.farSelector(cpu, seg, off, size);
        load(cpu, sreg, selector);
        cpu.setReg(reg, size, offset);
    }

    /** Checks a descriptor for DS/ES/FS/GS: #GP(sel) on type or privilege, #NP(sel) if absent. */
    private static void checkData(Cpu cpu, int sreg, int selector, long d) {
        String name = Mem.segName(sreg);
        if (!Descriptors.readable(d)) {
            throw CpuException.gp(Descriptors.errorCode(selector), String.format(
                    "selector 0x%04x for %s is not a data or readable code segment", selector, name));
        }
        if (!Descriptors.conforming(d)) {
            int dpl = Descriptors.dpl(d);
            if ((selector & 3) > dpl || cpu.cpl > dpl) {
                throw CpuException.gp(Descriptors.errorCode(selector), String.format(
                        "selector 0x%04x for %s: DPL %d below CPL %d / RPL %d", selector, name, dpl, cpu.cpl, selector & 3));
            }
        }
        if (!Descriptors.present(d)) {
            throw CpuException.np(Descriptors.errorCode(selector), String.format(
                    "segment 0x%04x for %s not present", selector, name));
        }
    }

    /** Makes a data segment register unusable with a null selector. */
    public static void loadNull(Cpu cpu, int sreg, int selector) {
        Segment s = cpu.seg[sreg];
        if (cpu.codeSize == 64 && sreg >= Insn.FS) {
            s.set(selector & 0xFFFF, 0, 0, 0);
        } else {
            s.set(selector & 0xFFFF, s.base, s.limit, 0);
        }
    }

    private static void loadStack(Cpu cpu, int selector) {
        int cpl = cpu.cpl;
        if (Descriptors.isNull(selector)) {
            if (cpu.codeSize == 64 && cpl != 3 && (selector & 3) == cpl) {
                loadNullStack(cpu, selector);
                cpu.updateMode();
                return;
            }
            throw CpuException.gp(0, "null selector loaded into SS");
        }
        if ((selector & 3) != cpl) {
            throw CpuException.gp(Descriptors.errorCode(selector), String.format(
                    "SS selector 0x%04x RPL differs from CPL %d", selector, cpl));
        }
        long d = Descriptors.read(cpu, selector);
        if (!Descriptors.writableData(d) || Descriptors.dpl(d) != cpl) {
            throw CpuException.gp(Descriptors.errorCode(selector), String.format(
                    "SS selector 0x%04x is not a writable data segment of DPL %d", selector, cpl));
        }
        if (!Descriptors.present(d)) {
            throw CpuException.ss(Descriptors.errorCode(selector), String.format(
                    "stack segment 0x%04x not present", selector));
        }
        Descriptors.setAccessed(cpu, selector, d);
        Descriptors.load(cpu.seg[Insn.SS], selector, d);
        cpu.seg[Insn.SS].attrs |= Segment.TYPE_ACCESSED;
        cpu.updateMode();
    }

    /**
     * The null SS of 64-bit mode (SYSCALL-free privilege changes, IRETQ to CPL 0..2): usable as a
     * flat writable 4 GiB segment at DPL = RPL, as processors keep it.
     */
    public static void loadNullStack(Cpu cpu, int selector) {
        int rpl = selector & 3;
        cpu.seg[Insn.SS].set(selector & 0xFFFF, 0, 0xFFFF_FFFFL, Segment.P | Segment.S
                | Segment.TYPE_READ_OR_WRITE | Segment.TYPE_ACCESSED | (rpl << Segment.DPL_SHIFT) | Segment.DB | Segment.G);
    }

    /**
     * Validates a stack segment for a privilege change (far CALL through a gate, interrupt,
     * IRET/RET to an outer level) and returns its descriptor. Faults: {@code tsFaults} selects
     * #TS (stack from the TSS) instead of #GP (stack from the return frame); a not-present
     * segment is #SS. {@code ext} is added to error codes.
     */
    public static long checkStack(Cpu cpu, int selector, int newCpl, boolean tsFaults, int ext) {
        if (Descriptors.isNull(selector)) {
            throw tsFaults ? CpuException.ts(ext, "null stack selector in the TSS")
                    : CpuException.gp(0, "null SS selector in the return frame");
        }
        int err = Descriptors.errorCode(selector) | ext;
        if ((selector & 3) != newCpl) {
            throw stackFault(tsFaults, err, String.format("SS 0x%04x RPL differs from the new CPL %d", selector, newCpl));
        }
        long addr = Descriptors.address(cpu, selector, 8);
        if (addr < 0) {
            throw stackFault(tsFaults, err, String.format("SS selector 0x%04x beyond the descriptor table limit", selector));
        }
        long d = Descriptors.read(cpu, selector);
        if (!Descriptors.writableData(d) || Descriptors.dpl(d) != newCpl) {
            throw stackFault(tsFaults, err, String.format(
                    "SS 0x%04x is not a writable data segment of DPL %d", selector, newCpl));
        }
        if (!Descriptors.present(d)) {
            throw CpuException.ss(err, String.format("stack segment 0x%04x not present", selector));
        }
        return d;
    }

    private static CpuException stackFault(boolean ts, int err, String why) {
        return ts ? CpuException.ts(err, why) : CpuException.gp(err, why);
    }

    /** Commits a checked SS descriptor (sets the accessed bit) and refreshes the mode. */
    public static void commitStack(Cpu cpu, int selector, long d) {
        Descriptors.setAccessed(cpu, selector, d);
        Descriptors.load(cpu.seg[Insn.SS], selector, d);
        cpu.seg[Insn.SS].attrs |= Segment.TYPE_ACCESSED;
        cpu.updateMode();
    }

    /**
     * Commits a checked code descriptor to CS with RPL = {@code cpl} (sets the accessed bit) and
     * refreshes the mode (CPL, code size).
     */
    public static void commitCode(Cpu cpu, int selector, long d, int cpl) {
        Descriptors.setAccessed(cpu, selector, d);
        Segment cs = cpu.seg[Insn.CS];
        Descriptors.load(cs, (selector & 0xFFFC) | cpl, d);
        cs.attrs |= Segment.TYPE_ACCESSED;
        cpu.updateMode();
    }

    /** Real-mode / v86 CS load: base = selector * 16. */
    public static void loadCodeReal(Cpu cpu, int selector) {
        Segment cs = cpu.seg[Insn.CS];
        cs.loadReal(selector & 0xFFFF);
        if (cpu.v86()) {
            cs.limit = 0xFFFF;
            cs.attrs = V86_ATTRS | Segment.TYPE_CODE;
        }
        cpu.updateMode();
    }

    /**
     * After a return to an outer privilege level: data segment registers whose descriptor is
     * not accessible at the new CPL (data or non-conforming code with DPL &lt; CPL) become null.
     */
    public static void nullInaccessibleDataSegments(Cpu cpu) {
        int cpl = cpu.cpl;
        for (int sreg : new int[] {Insn.ES, Insn.DS, Insn.FS, Insn.GS}) {
            Segment s = cpu.seg[sreg];
            boolean conformingCode = (s.attrs & Segment.S) != 0
                    && (s.attrs & (Segment.TYPE_CODE | Segment.TYPE_CONFORMING_OR_EXPAND_DOWN))
                    == (Segment.TYPE_CODE | Segment.TYPE_CONFORMING_OR_EXPAND_DOWN);
            if ((s.attrs & Segment.P) != 0 && !conformingCode && s.dpl() < cpl) {
                loadNull(cpu, sreg, 0);
            }
        }
    }

    // ---------------------------------------------------------------- LDTR and TR

    private static void requireProtected(Cpu cpu, String what) {
        if (!descriptorMode(cpu)) {
            throw CpuException.ud(what + " is not recognised in real or virtual-8086 mode");
        }
    }

    /** LLDT: CPL 0 only; a null selector leaves LDTR unusable. */
    public static void lldt(Cpu cpu, int selector) {
        requireProtected(cpu, "LLDT");
        if (cpu.cpl != 0) {
            throw CpuException.gp(0, "LLDT at CPL " + cpu.cpl);
        }
        selector &= 0xFFFF;
        if (Descriptors.isNull(selector)) {
            cpu.ldtr.set(selector, cpu.ldtr.base, cpu.ldtr.limit, 0);
            return;
        }
        int err = Descriptors.errorCode(selector);
        if ((selector & 4) != 0) {
            throw CpuException.gp(err, String.format("LLDT selector 0x%04x points into the LDT", selector));
        }
        long d = Descriptors.read(cpu, selector);
        if (Descriptors.codeOrData(d) || Descriptors.type(d) != Descriptors.LDT) {
            throw CpuException.gp(err, String.format("LLDT selector 0x%04x is not an LDT descriptor", selector));
        }
        long high = cpu.longModeActive() ? Descriptors.readHigh(cpu, selector) : 0;
        if (!Descriptors.present(d)) {
            throw CpuException.np(err, String.format("LDT 0x%04x not present", selector));
        }
        Descriptors.load(cpu.ldtr, selector, d);
        cpu.ldtr.base |= (high & 0xFFFF_FFFFL) << 32;
    }

    /** LTR: CPL 0 only; loads an available TSS and marks it busy. */
    public static void ltr(Cpu cpu, int selector) {
        requireProtected(cpu, "LTR");
        if (cpu.cpl != 0) {
            throw CpuException.gp(0, "LTR at CPL " + cpu.cpl);
        }
        selector &= 0xFFFF;
        if (Descriptors.isNull(selector)) {
            throw CpuException.gp(0, "LTR with a null selector");
        }
        int err = Descriptors.errorCode(selector);
        if ((selector & 4) != 0) {
            throw CpuException.gp(err, String.format("LTR selector 0x%04x points into the LDT", selector));
        }
        long d = Descriptors.read(cpu, selector);
        int type = Descriptors.type(d);
        boolean lma = cpu.longModeActive();
        boolean ok = !Descriptors.codeOrData(d)
                && (type == Descriptors.TSS32_AVAIL || (!lma && type == Descriptors.TSS16_AVAIL));
        if (!ok) {
            throw CpuException.gp(err, String.format("LTR selector 0x%04x is not an available TSS", selector));
        }
        long high = lma ? Descriptors.readHigh(cpu, selector) : 0;
        if (!Descriptors.present(d)) {
            throw CpuException.np(err, String.format("TSS 0x%04x not present", selector));
        }
        Descriptors.setBusy(cpu, selector);
        Descriptors.load(cpu.tr, selector, d);
        cpu.tr.attrs |= 2;
        cpu.tr.base |= (high & 0xFFFF_FFFFL) << 32;
    }

    /** SLDT/STR privilege: #UD outside protected mode, #GP(0) with CR4.UMIP at CPL &gt; 0. */
    public static void checkStore(Cpu cpu, String what) {
        requireProtected(cpu, what);
        if ((cpu.cr4 & Cpu.CR4_UMIP) != 0 && cpu.cpl > 0) {
            throw CpuException.gp(0, what + " at CPL " + cpu.cpl + " with CR4.UMIP");
        }
    }

    // ---------------------------------------------------------------- LAR, LSL, VERR, VERW, ARPL

    /** Descriptor for LAR/LSL/VERx or 0 when the selector is null or beyond the table. */
    private static long query(Cpu cpu, int selector) {
        if (Descriptors.isNull(selector)) {
            return 0;
        }
        return Descriptors.readOrZero(cpu, selector, 8);
    }

    /** The privilege test LAR, LSL and VERx share: conforming code passes, others need DPL >= CPL, RPL. */
    private static boolean visible(Cpu cpu, int selector, long d) {
        if (Descriptors.conforming(d)) {
            return true;
        }
        int dpl = Descriptors.dpl(d);
        return dpl >= cpu.cpl && dpl >= (selector & 3);
    }

    /**
     * LAR: the access rights (descriptor bytes 4-7 masked with 0x00F0FF00), or -1 when the
     * selector is not accessible (ZF = 0).
     */
    public static long lar(Cpu cpu, int selector) {
        requireProtected(cpu, "LAR");
        long d = query(cpu, selector & 0xFFFF);
        if (d == 0) {
            return -1;
        }
        if (!Descriptors.codeOrData(d)) {
            int t = Descriptors.type(d);
            boolean ok = cpu.longModeActive()
                    ? t == 2 || t == 9 || t == 0xB || t == 0xC
                    : t == 1 || t == 2 || t == 3 || t == 4 || t == 5 || t == 9 || t == 0xB || t == 0xC;
            if (!ok) {
                return -1;
            }
        }
        if (!visible(cpu, selector, d)) {
            return -1;
        }
        return (d >>> 32) & 0x00F0_FF00L;
    }

    /** LSL: the byte-granular segment limit, or -1 when not accessible (ZF = 0). */
    public static long lsl(Cpu cpu, int selector) {
        requireProtected(cpu, "LSL");
        long d = query(cpu, selector & 0xFFFF);
        if (d == 0) {
            return -1;
        }
        if (!Descriptors.codeOrData(d)) {
            int t = Descriptors.type(d);
            boolean ok = cpu.longModeActive()
                    ? t == 2 || t == 9 || t == 0xB
                    : t == 1 || t == 2 || t == 3 || t == 9 || t == 0xB;
            if (!ok) {
                return -1;
            }
        }
        if (!visible(cpu, selector, d)) {
            return -1;
        }
        return Descriptors.limit(d) & 0xFFFF_FFFFL;
    }

    /** VERR (write = false) or VERW (write = true): true when ZF is to be set. */
    public static boolean verify(Cpu cpu, int selector, boolean write) {
        requireProtected(cpu, write ? "VERW" : "VERR");
        long d = query(cpu, selector & 0xFFFF);
        if (d == 0 || !Descriptors.codeOrData(d)) {
            return false;
        }
        if (write ? !Descriptors.writableData(d) : !Descriptors.readable(d)) {
            return false;
        }
        if (write || !Descriptors.conforming(d)) {
            int dpl = Descriptors.dpl(d);
            return dpl >= cpu.cpl && dpl >= (selector & 3);
        }
        return true;
    }

    /**
     * ARPL: returns the adjusted destination selector, or -1 when the RPL was already at least
     * the source's (ZF = 0).
     */
    public static int arpl(Cpu cpu, int dst, int src) {
        requireProtected(cpu, "ARPL");
        if ((dst & 3) < (src & 3)) {
            return (dst & ~3 & 0xFFFF) | (src & 3);
        }
        return -1;
    }

    /** Sets or clears ZF, keeping the other arithmetic flags. */
    public static void setZf(Cpu cpu, boolean zf) {
        long a = Flags.arith(cpu);
        Flags.setArith(cpu, zf ? a | Cpu.ZF : a & ~Cpu.ZF);
    }
}
