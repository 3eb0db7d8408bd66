package org.apboot.core.semantics;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.InterruptTakeover;
import org.apboot.core.cpu.Segment;
import org.apboot.core.decode.Insn;
import org.apboot.core.fault.CpuException;
import org.apboot.core.fault.FaultChain;
import org.apboot.core.fault.Vectors;

/**
 * Delivers exceptions and interrupts (Intel SDM vol. 3 chapter 6, AMD APM vol. 2 chapter 8):
 * through the IVT in real mode, 8-byte IDT gates in protected mode (16- and 32-bit interrupt and
 * trap gates, stack switch from the TSS ring stacks, virtual-8086 frames), and 16-byte gates in
 * IA-32e mode (always a 64-bit frame with SS:RSP, IST stacks, 16-byte alignment).
 *
 * <p>Delivery is transactional for registers: everything is checked and the frame written before
 * CS, rIP, SS, rSP or RFLAGS change, so a fault during delivery leaves the interrupted state as
 * it was. Faults during delivery follow the double-fault rules (SDM table 6-5): contributory
 * after contributory, or contributory / page-fault class after a page-fault class exception
 * (#PF, #VE), becomes #DF; any fault while delivering #DF shuts the CPU down (triple fault).
 * Other combinations deliver the second exception serially.
 *
 * <p>{@link Cpu#faultChain} is started afresh by each exception delivered through
 * {@link #deliver} and lists, oldest first, every exception raised while delivering it, the #DF
 * it turned into, and "triple fault" when the CPU shut down. It is kept after a successful
 * delivery (the last event's history) and replaced by the next one.
 *
 * <p>In virtual-8086 mode with CR4.VME, INT n whose bit in the TSS's software-interrupt
 * redirection bitmap is clear goes to the program's own interrupt table at linear address 0;
 * with the bit set it goes through the IDT (IOPL 3) or raises #GP(0) (IOPL &lt; 3). INT3, INTO and
 * INT1 are not redirected.
 *
 * <p>A task gate in the IDT switches tasks ({@link TaskSwitch}): the interrupted task's state is
 * saved in its TSS (EFLAGS with RF set for fault-class exceptions), the new task runs nested (NT,
 * back link) and an exception's error code is pushed on the new task's stack. Faults while
 * loading the new task are delivered in its context; for hardware events they go through the
 * double-fault rules here. Fault-class exceptions push RFLAGS with RF set, as processors do.
 */
public final class ExceptionDelivery {
    /** Event kinds: they decide the EXT bit, the gate DPL check and the v86 IOPL check. */
    public static final int HARDWARE = 0, SOFTWARE_INT = 1, SOFTWARE_EXCEPTION = 2, ICEBP = 3, EXTERNAL = 4;

    private static final int MAX_NESTING = 16;

    private ExceptionDelivery() {
    }

    // ---------------------------------------------------------------- entry points

    /**
     * Delivers an exception raised by the instruction at {@code cpu.rip} (faults; the caller has
     * restored RIP) or after it (traps: the caller set RIP to the next instruction). Never throws:
     * an undeliverable exception ends in a triple fault ({@link Cpu#shutdown}).
     */
    public static void deliver(Cpu cpu, CpuException e) {
        cpu.faultChain = FaultChain.restart(cpu.faultChain);
        record(cpu, e);
        CpuException current = e;
        for (int depth = 0; ; depth++) {
            if (current.unimplemented && depth > 0) {
                shutdown(cpu, "cannot deliver " + Vectors.name(current.vector) + ": " + current.reason);
                return;
            }
            try {
                if (current.vector == Vectors.PF) {
                    cpu.cr2 = current.faultAddress;
                }
                event(cpu, current.vector, current.hasErrorCode, current.errorCode, cpu.rip, HARDWARE,
                        faultClass(current.vector));
                cpu.halted = false;
                cpu.interruptShadow = false;
                return;
            } catch (CpuException next) {
                record(cpu, next);
                if (next.unimplemented) {
                    shutdown(cpu, "cannot deliver " + Vectors.name(current.vector) + ": " + next.reason);
                    return;
                }
                if (current.vector == Vectors.DF || depth >= MAX_NESTING) {
                    shutdown(cpu, "triple fault: " + next + " while delivering " + Vectors.name(current.vector));
                    return;
                }
                if (becomesDoubleFault(current.vector, next.vector)) {
                    current = new CpuException(Vectors.DF, true, 0, 0, false,
                            Vectors.name(next.vector) + " while delivering " + Vectors.name(current.vector));
                    record(cpu, current);
                } else {
                    current = next;
                }
            }
        }
    }

    /**
     * Delivers INT n (vector 0-255) with {@code nextRip} as the return address, with the gate
     * DPL check (#GP(vector * 8 + 2)) and, in virtual-8086 mode, the IOPL check (#GP(0)).
     *
     * @throws CpuException when delivery faults; the interrupted state is unchanged and the
     *                      exception belongs to the INT instruction (a fault)
     */
    public static void deliverSoftwareInterrupt(Cpu cpu, int vector, long nextRip) {
        deliverSoftwareInterrupt(cpu, vector, nextRip, SOFTWARE_INT);
    }

    /**
     * Software-generated events: {@link #SOFTWARE_INT} (INT n), {@link #SOFTWARE_EXCEPTION}
     * (INT3, INTO: same checks as INT n), {@link #ICEBP} (INT1: no DPL or IOPL check, EXT set).
     * The embedder's {@link Cpu#interruptTakeover}, if any, is asked first, before any check:
     * when it handles the interrupt the instruction completes without a delivery.
     */
    public static void deliverSoftwareInterrupt(Cpu cpu, int vector, long nextRip, int kind) {
        InterruptTakeover t = cpu.interruptTakeover;
        if (t != null && t.takeOver(cpu, vector & 0xFF, InterruptTakeover.SOFTWARE)) {
            return;
        }
        event(cpu, vector & 0xFF, false, 0, nextRip, kind, false);
        cpu.interruptShadow = false;
    }

    /**
     * Delivers an external interrupt (or NMI, vector 2) between instructions: the return address
     * is {@code cpu.rip}. A fault during delivery is delivered as an exception (EXT set in its
     * error code). Wakes a halted CPU.
     */
    public static void deliverExternal(Cpu cpu, int vector) {
        cpu.halted = false;
        try {
            event(cpu, vector & 0xFF, false, 0, cpu.rip, EXTERNAL, false);
            cpu.interruptShadow = false;
        } catch (CpuException e) {
            deliver(cpu, e);
        }
    }

    /** SDM table 6-5. */
    static boolean becomesDoubleFault(int first, int second) {
        boolean firstPf = first == Vectors.PF || first == Vectors.VE;
        boolean secondPf = second == Vectors.PF || second == Vectors.VE;
        if (Vectors.contributory(first)) {
            return Vectors.contributory(second);
        }
        return firstPf && (Vectors.contributory(second) || secondPf);
    }

    /** Fault-class exceptions (RF is set in the pushed RFLAGS image). */
    static boolean faultClass(int v) {
        switch (v) {
            case Vectors.DE: case Vectors.BR: case Vectors.UD: case Vectors.NM: case Vectors.TS:
            case Vectors.NP: case Vectors.SS: case Vectors.GP: case Vectors.PF: case Vectors.MF:
            case Vectors.AC: case Vectors.XM: case Vectors.VE: case Vectors.CP:
                return true;
            default:
                return false;
        }
    }

    private static void record(Cpu cpu, CpuException e) {
        chain(cpu).addException(e, cpu.modeName(), cpu.seg[Insn.CS].selector, cpu.rip);
    }

    /** The CPU's fault chain, made a {@link FaultChain} if it is not one yet. */
    private static FaultChain chain(Cpu cpu) {
        FaultChain c = FaultChain.continuing(cpu.faultChain);
        cpu.faultChain = c;
        return c;
    }

    private static void shutdown(Cpu cpu, String reason) {
        chain(cpu).addLine("triple fault");
        cpu.shutdown = true;
        cpu.halted = true;
        cpu.shutdownReason = reason;
    }

    // ---------------------------------------------------------------- one delivery attempt

    private static void event(Cpu cpu, int vector, boolean hasErr, int err, long returnRip, int kind, boolean rf) {
        if ((cpu.cr0 & Cpu.CR0_PE) == 0) {
            real(cpu, vector, returnRip, kind);
        } else if (cpu.longModeActive()) {
            LongModeDelivery.deliver(cpu, vector, hasErr, err, returnRip, kind, rf);
        } else {
            legacy(cpu, vector, hasErr, err, returnRip, kind, rf);
        }
    }

    static int ext(int kind) {
        return kind == SOFTWARE_INT || kind == SOFTWARE_EXCEPTION ? 0 : 1;
    }

    static long pushedFlags(Cpu cpu, boolean rf) {
        long f = Flags.rflags(cpu);
        return rf ? f | Cpu.RF : f;
    }

    /** Real mode: IVT entry of 4 bytes, FLAGS/CS/IP pushed as 16-bit values. */
    private static void real(Cpu cpu, int vector, long returnRip, int kind) {
        if (vector * 4L + 3 > cpu.idtrLimit) {
            throw CpuException.gp(vector * 8 + 2 + ext(kind), String.format(
                    "interrupt %d beyond the IVT limit 0x%x", vector, cpu.idtrLimit));
        }
        long entry = Mem.readSystem(cpu, (cpu.idtrBase + vector * 4L) & 0xFFFF_FFFFL, 4);
        Segment cs = cpu.seg[Insn.CS];
        long[] frame = StackFrames.values(cpu, Flags.rflags(cpu) & 0xFFFF, cs.selector, returnRip & 0xFFFF);
        long sp = StackFrames.pushCurrent(cpu, 2, frame, 3);
        StackFrames.setSp(cpu, sp);
        Flags.setRflags(cpu, 0, Cpu.IF | Cpu.TF | Cpu.AC | Cpu.RF);
        SegmentLoads.loadCodeReal(cpu, (int) (entry >>> 16) & 0xFFFF);
        cpu.rip = entry & 0xFFFF;
    }

    /** Checks shared by both IDT formats; returns nothing, throws the architectural fault. */
    static void checkGate(Cpu cpu, int vector, long gate, int kind, boolean longMode) {
        int ext = ext(kind);
        int idtErr = vector * 8 + 2 + ext;
        int type = Descriptors.type(gate);
        boolean typeOk = !Descriptors.codeOrData(gate) && (longMode
                ? type == Descriptors.INT_GATE32 || type == Descriptors.TRAP_GATE32
                : type == Descriptors.TASK_GATE || type == Descriptors.INT_GATE16 || type == Descriptors.TRAP_GATE16
                        || type == Descriptors.INT_GATE32 || type == Descriptors.TRAP_GATE32);
        if (!typeOk) {
            throw CpuException.gp(idtErr, String.format("IDT entry %d is not a valid gate (type 0x%x)", vector, type));
        }
        if ((kind == SOFTWARE_INT || kind == SOFTWARE_EXCEPTION) && Descriptors.dpl(gate) < cpu.cpl) {
            throw CpuException.gp(vector * 8 + 2, String.format(
                    "INT %d: gate DPL %d below CPL %d", vector, Descriptors.dpl(gate), cpu.cpl));
        }
        if (!Descriptors.present(gate)) {
            throw CpuException.np(idtErr, String.format("IDT gate %d not present", vector));
        }
    }

    /** Reads and checks the handler's code segment; returns its descriptor. */
    static long handlerCode(Cpu cpu, int selector, int ext, boolean longMode) {
        if (Descriptors.isNull(selector)) {
            throw CpuException.gp(ext, "interrupt gate with a null code selector");
        }
        int err = Descriptors.errorCode(selector) | ext;
        long addr = Descriptors.address(cpu, selector, 8);
        if (addr < 0) {
            throw CpuException.gp(err, String.format("handler selector 0x%04x beyond the descriptor table", selector));
        }
        long d = Descriptors.read(cpu, selector);
        if (!Descriptors.isCode(d) || Descriptors.dpl(d) > cpu.cpl) {
            throw CpuException.gp(err, String.format(
                    "handler selector 0x%04x is not a code segment of DPL <= CPL %d", selector, cpu.cpl));
        }
        if (longMode && (!Descriptors.longCode(d) || Descriptors.db(d))) {
            throw CpuException.gp(err, String.format("handler selector 0x%04x is not a 64-bit code segment", selector));
        }
        if (!Descriptors.present(d)) {
            throw CpuException.np(err, String.format("handler code segment 0x%04x not present", selector));
        }
        return d;
    }

    /** Protected mode (not IA-32e): 8-byte gates. */
    private static void legacy(Cpu cpu, int vector, boolean hasErr, int err, long returnRip, int kind, boolean rf) {
        int ext = ext(kind);
        boolean v86 = cpu.v86();
        if (v86 && kind == SOFTWARE_INT && (cpu.cr4 & Cpu.CR4_VME) != 0 && !redirectionBit(cpu, vector)) {
            redirectV86(cpu, vector, returnRip);
            return;
        }
        if (v86 && (kind == SOFTWARE_INT || kind == SOFTWARE_EXCEPTION) && ((cpu.sysFlags & Cpu.IOPL) >> 12) < 3) {
            throw CpuException.gp(0, "INT in virtual-8086 mode with IOPL < 3");
        }
        if (vector * 8L + 7 > cpu.idtrLimit) {
            throw CpuException.gp(vector * 8 + 2 + ext, String.format(
                    "IDT entry %d beyond the IDT limit 0x%x", vector, cpu.idtrLimit));
        }
        long gate = Mem.readSystem(cpu, (cpu.idtrBase + vector * 8L) & 0xFFFF_FFFFL, 8);
        checkGate(cpu, vector, gate, kind, false);
        int type = Descriptors.type(gate);
        if (type == Descriptors.TASK_GATE) {
            TaskSwitch.taskGateEvent(cpu, gate, hasErr, err, returnRip, pushedFlags(cpu, rf), ext,
                    kind == SOFTWARE_INT || kind == SOFTWARE_EXCEPTION || kind == ICEBP);
            return;
        }
        int sel = Descriptors.gateSelector(gate);
        long d = handlerCode(cpu, sel, ext, false);
        boolean gate32 = type >= Descriptors.INT_GATE32;
        int width = gate32 ? 4 : 2;
        long offset = gate32 ? Descriptors.gateOffset(gate) : gate & 0xFFFF;
        if (offset > Descriptors.limit(d)) {
            throw CpuException.gp(ext, String.format("handler offset 0x%x beyond the code segment limit", offset));
        }
        int cpl = cpu.cpl;
        int dpl = Descriptors.dpl(d);
        long flags = pushedFlags(cpu, rf);
        Segment cs = cpu.seg[Insn.CS];
        long m = width == 4 ? 0xFFFF_FFFFL : 0xFFFF;
        int newCpl;
        if (!Descriptors.conforming(d) && dpl < cpl) {
            if (v86 && dpl != 0) {
                throw CpuException.gp(Descriptors.errorCode(sel) | ext, "v86 interrupt handler not at DPL 0");
            }
            newCpl = dpl;
            long[] ssp = TaskState.legacyStack(cpu, newCpl, ext);
            int newSs = (int) ssp[0];
            long ssD = SegmentLoads.checkStack(cpu, newSs, newCpl, true, ext);
            long[] frame = cpu.frame(10);
            int n = 0;
            if (v86) {
                frame[n++] = cpu.seg[Insn.GS].selector;
                frame[n++] = cpu.seg[Insn.FS].selector;
                frame[n++] = cpu.seg[Insn.DS].selector;
                frame[n++] = cpu.seg[Insn.ES].selector;
            }
            frame[n++] = cpu.seg[Insn.SS].selector;
            frame[n++] = cpu.r[Cpu.RSP] & m;
            frame[n++] = flags & m;
            frame[n++] = cs.selector;
            frame[n++] = returnRip & m;
            if (hasErr) {
                frame[n++] = err & m;
            }
            int as = Descriptors.db(ssD) ? 4 : 2;
            long sp = StackFrames.push(cpu, Descriptors.base(ssD), Descriptors.limit(ssD), Descriptors.attrs(ssD),
                    as, ssp[1], width, frame, n, newCpl == 3, Descriptors.errorCode(newSs) | ext);
            // commit
            clearFlags(cpu, type);
            if (v86) {
                for (int s : new int[] {Insn.ES, Insn.DS, Insn.FS, Insn.GS}) {
                    cpu.seg[s].set(0, 0, 0, 0);
                }
            }
            SegmentLoads.commitStack(cpu, newSs, ssD);
            if (as == 4) {
                cpu.r[Cpu.RSP] = sp;
            } else {
                // ESP is loaded whole from the TSS, then the pushes move SP only
                cpu.r[Cpu.RSP] = (ssp[1] & ~0xFFFFL) | sp;
            }
        } else {
            if (v86) {
                throw CpuException.gp(Descriptors.errorCode(sel) | ext, "v86 interrupt to a handler at CPL 3");
            }
            newCpl = cpl;
            long[] frame = StackFrames.values(cpu, flags & m, cs.selector, returnRip & m, err & m);
            long sp = StackFrames.pushCurrent(cpu, width, frame, hasErr ? 4 : 3);
            clearFlags(cpu, type);
            StackFrames.setSp(cpu, sp);
        }
        SegmentLoads.commitCode(cpu, sel, d, newCpl);
        cpu.rip = offset;
    }

    /**
     * Bit {@code vector} of the software-interrupt redirection bitmap of the current 32-bit TSS
     * (the 32 bytes below the I/O map base). #GP(0) when the TSS is not a 32-bit one or the byte
     * lies outside its limit.
     */
    static boolean redirectionBit(Cpu cpu, int vector) {
        Segment tr = cpu.tr;
        int type = tr.attrs & 0xF;
        if ((type != Descriptors.TSS32_BUSY && type != Descriptors.TSS32_AVAIL) || tr.limit < 0x67) {
            throw CpuException.gp(0, "INT n under CR4.VME without a 32-bit TSS holding the redirection bitmap");
        }
        long ioBase = Mem.readSystem(cpu, (tr.base + 0x66) & 0xFFFF_FFFFL, 2);
        long off = ioBase - 32 + (vector >>> 3);
        if (off < 0 || off > tr.limit) {
            throw CpuException.gp(0, String.format("redirection bitmap byte of INT 0x%x beyond the TSS limit", vector));
        }
        return (Mem.readSystem(cpu, (tr.base + off) & 0xFFFF_FFFFL, 1) & (1 << (vector & 7))) != 0;
    }

    /**
     * INT n redirected to the virtual-8086 program's own interrupt table at linear address 0
     * (SDM table 20-2, methods 5 and 6): FLAGS, CS, IP pushed on the v86 stack, CS:IP from the
     * table. With IOPL 3 the real FLAGS are pushed and IF is cleared; below 3 the pushed image has
     * IF = VIF and IOPL = 3, and VIF is cleared instead. TF, AC and RF are cleared either way.
     */
    private static void redirectV86(Cpu cpu, int vector, long returnRip) {
        boolean iopl3 = (cpu.sysFlags & Cpu.IOPL) == Cpu.IOPL;
        long entry = Mem.readLinear(cpu, vector * 4L, 4, true);
        long flags = iopl3 ? Flags.rflags(cpu) & 0xFFFF : FlagOps.virtualFlags(cpu);
        long[] frame = StackFrames.values(cpu, flags, cpu.seg[Insn.CS].selector, returnRip & 0xFFFF);
        long sp = StackFrames.pushCurrent(cpu, 2, frame, 3);
        StackFrames.setSp(cpu, sp);
        Flags.setRflags(cpu, 0, Cpu.TF | Cpu.AC | Cpu.RF | (iopl3 ? Cpu.IF : Cpu.VIF));
        SegmentLoads.loadCodeReal(cpu, (int) (entry >>> 16) & 0xFFFF);
        cpu.rip = entry & 0xFFFF;
    }

    /** Clears TF, NT, VM, RF (and IF for interrupt gates) after a gate was taken. */
    static void clearFlags(Cpu cpu, int gateType) {
        long clear = Cpu.TF | Cpu.NT | Cpu.VM | Cpu.RF;
        if (gateType == Descriptors.INT_GATE16 || gateType == Descriptors.INT_GATE32) {
            clear |= Cpu.IF;
        }
        Flags.setRflags(cpu, 0, clear);
    }
}
