package org.apboot.core.semantics;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.decode.Insn;
import org.apboot.core.fault.CpuException;

/**
 * Far JMP, far CALL and far RET (Intel SDM vol. 2 JMP/CALL/RET, vol. 3 chapter 5.8): real and
 * virtual-8086 mode, protected mode to conforming and non-conforming code segments, call gates
 * (with privilege change, TSS stack and parameter copy), and IA-32e mode transfers between
 * 64-bit and compatibility-mode code segments. IRET and the fast system calls live in
 * {@link Returns} and {@link SystemCalls}.
 *
 * <p>On entry {@code cpu.rip} is the next instruction (the return address). All checks happen
 * before any register changes; a fault leaves the CPU as it was.
 *
 * <p>Far JMP/CALL to a TSS descriptor or a task gate outside IA-32e mode switches tasks
 * ({@link TaskSwitch}); in IA-32e mode it raises #GP(selector).
 */
public final class FarTransfers {
    private FarTransfers() {
    }

    static long opMask(int opSize) {
        return opSize == 2 ? 0xFFFF : opSize == 4 ? 0xFFFF_FFFFL : -1L;
    }

    /** JMP ptr16:16/32 or m16:16/32/64. */
    public static void jmpFar(Cpu cpu, int selector, long offset, int opSize) {
        selector &= 0xFFFF;
        if (!SegmentLoads.descriptorMode(cpu)) {
            offset &= opMask(opSize);
            checkRealLimit(cpu, offset);
            SegmentLoads.loadCodeReal(cpu, selector);
            cpu.rip = offset;
            return;
        }
        long d = targetDescriptor(cpu, selector);
        if (!cpu.longModeActive() && TaskSwitch.isTaskTarget(d)) {
            TaskSwitch.farTransfer(cpu, selector, d, false);
            return;
        }
        if (Descriptors.codeOrData(d)) {
            checkDirectCode(cpu, selector, d);
            long rip = targetOffset(cpu, d, offset & opMask(opSize));
            SegmentLoads.commitCode(cpu, selector, d, cpu.cpl);
            cpu.rip = rip;
            return;
        }
        Gate g = callGate(cpu, selector, d);
        if (Descriptors.conforming(g.code) ? Descriptors.dpl(g.code) > cpu.cpl : Descriptors.dpl(g.code) != cpu.cpl) {
            throw CpuException.gp(Descriptors.errorCode(g.selector), String.format(
                    "JMP through a call gate to code segment 0x%04x of DPL %d at CPL %d",
                    g.selector, Descriptors.dpl(g.code), cpu.cpl));
        }
        long rip = targetOffset(cpu, g.code, g.offset);
        SegmentLoads.commitCode(cpu, g.selector, g.code, cpu.cpl);
        cpu.rip = rip;
    }

    /** CALL ptr16:16/32 or m16:16/32/64; the return address is {@code cpu.rip}. */
    public static void callFar(Cpu cpu, int selector, long offset, int opSize) {
        selector &= 0xFFFF;
        long ret = cpu.rip;
        int oldCs = cpu.seg[Insn.CS].selector;
        if (!SegmentLoads.descriptorMode(cpu)) {
            offset &= opMask(opSize);
            checkRealLimit(cpu, offset);
            long sp = StackFrames.pushCurrent(cpu, opSize, StackFrames.values(cpu, oldCs, ret & opMask(opSize)), 2);
            StackFrames.setSp(cpu, sp);
            SegmentLoads.loadCodeReal(cpu, selector);
            cpu.rip = offset;
            return;
        }
        long d = targetDescriptor(cpu, selector);
        if (!cpu.longModeActive() && TaskSwitch.isTaskTarget(d)) {
            TaskSwitch.farTransfer(cpu, selector, d, true);
            return;
        }
        if (Descriptors.codeOrData(d)) {
            checkDirectCode(cpu, selector, d);
            long rip = targetOffset(cpu, d, offset & opMask(opSize));
            long sp = StackFrames.pushCurrent(cpu, opSize, StackFrames.values(cpu, oldCs, ret & opMask(opSize)), 2);
            StackFrames.setSp(cpu, sp);
            SegmentLoads.commitCode(cpu, selector, d, cpu.cpl);
            cpu.rip = rip;
            return;
        }
        Gate g = callGate(cpu, selector, d);
        int cpl = cpu.cpl;
        int dpl = Descriptors.dpl(g.code);
        if (dpl > cpl) {
            throw CpuException.gp(Descriptors.errorCode(g.selector), String.format(
                    "call gate target 0x%04x has DPL %d above CPL %d", g.selector, dpl, cpl));
        }
        long rip = targetOffset(cpu, g.code, g.offset);
        boolean lma = cpu.longModeActive();
        int width = lma ? 8 : g.width;
        if (!Descriptors.conforming(g.code) && dpl < cpl) {
            callGateInner(cpu, g, dpl, width, ret, rip, lma);
            return;
        }
        long sp = StackFrames.pushCurrent(cpu, width, StackFrames.values(cpu, oldCs, ret & opMask(width)), 2);
        StackFrames.setSp(cpu, sp);
        SegmentLoads.commitCode(cpu, g.selector, g.code, cpl);
        cpu.rip = rip;
    }

    /** Far CALL through a call gate to a more privileged non-conforming segment. */
    private static void callGateInner(Cpu cpu, Gate g, int newCpl, int width, long ret, long rip, boolean lma) {
        int oldSs = cpu.seg[Insn.SS].selector;
        long oldSp = cpu.r[Cpu.RSP];
        int oldCs = cpu.seg[Insn.CS].selector;
        if (lma) {
            long rsp = TaskState.stack64(cpu, TaskState.RSP0 + newCpl * 8, 0);
            long[] frame = StackFrames.values(cpu, oldSs, oldSp, oldCs, ret);
            long sp = StackFrames.push(cpu, 0, -1, 0, 8, rsp, 8, frame, 4, false, 0);
            SegmentLoads.loadNullStack(cpu, newCpl);
            SegmentLoads.commitCode(cpu, g.selector, g.code, newCpl);
            cpu.r[Cpu.RSP] = sp;
            cpu.rip = rip;
            return;
        }
        long[] ssp = TaskState.legacyStack(cpu, newCpl, 0);
        int newSs = (int) ssp[0];
        long ssD = SegmentLoads.checkStack(cpu, newSs, newCpl, true, 0);
        long m = opMask(width);
        long[] frame = cpu.frame(4 + g.params);
        int n = 0;
        frame[n++] = oldSs;
        frame[n++] = oldSp & m;
        long curMask = StackFrames.mask(cpu.stackAddrSize());
        for (int i = g.params - 1; i >= 0; i--) {
            frame[n++] = Mem.read(cpu, Insn.SS, (oldSp + (long) i * width) & curMask, width);
        }
        frame[n++] = oldCs;
        frame[n++] = ret & m;
        int as = Descriptors.db(ssD) ? 4 : 2;
        long sp = StackFrames.push(cpu, Descriptors.base(ssD), Descriptors.limit(ssD), Descriptors.attrs(ssD), as,
                ssp[1], width, frame, n, false, Descriptors.errorCode(newSs));
        SegmentLoads.commitStack(cpu, newSs, ssD);
        if (as == 4) {
            cpu.r[Cpu.RSP] = sp;
        } else {
            // ESP is loaded whole from the TSS, then the pushes move SP only
            cpu.r[Cpu.RSP] = (ssp[1] & ~0xFFFFL) | sp;
        }
        SegmentLoads.commitCode(cpu, g.selector, g.code, newCpl);
        cpu.rip = rip;
    }

    /**
     * RET far with {@code release} bytes of parameters (RET imm16). Returns to the same or an
     * outer privilege level (then SS:rSP are popped too and inaccessible data segments nulled).
     */
    public static void retFar(Cpu cpu, int opSize, int release) {
        long m = opMask(opSize);
        long rip = StackFrames.peek(cpu, opSize, 0) & m;
        int sel = (int) StackFrames.peek(cpu, opSize, opSize) & 0xFFFF;
        if (!SegmentLoads.descriptorMode(cpu)) {
            checkRealLimit(cpu, rip);
            StackFrames.setSp(cpu, cpu.r[Cpu.RSP] + 2L * opSize + release);
            SegmentLoads.loadCodeReal(cpu, sel);
            cpu.rip = rip;
            return;
        }
        int cpl = cpu.cpl;
        int rpl = sel & 3;
        long d = returnCode(cpu, sel, cpl);
        if (rpl == cpl) {
            long target = targetOffset(cpu, d, rip);
            long sp = StackFrames.spAfter(cpu, 2L * opSize + release);
            SegmentLoads.commitCode(cpu, sel, d, cpl);
            cpu.r[Cpu.RSP] = sp;
            cpu.rip = target;
            return;
        }
        long newSp = StackFrames.peek(cpu, opSize, 2L * opSize + release);
        int newSs = (int) StackFrames.peek(cpu, opSize, 3L * opSize + release) & 0xFFFF;
        boolean to64 = cpu.longModeActive() && Descriptors.longCode(d);
        long ssD = outerStack(cpu, newSs, rpl, to64);
        long target = targetOffset(cpu, d, rip);
        commitOuter(cpu, sel, d, rpl, newSs, ssD, newSp + release, opSize);
        cpu.rip = target;
    }

    // ---------------------------------------------------------------- shared checks

    /** Reads the descriptor of a far-transfer target: #GP(0) for null, #GP(sel) beyond the table. */
    static long targetDescriptor(Cpu cpu, int selector) {
        if (Descriptors.isNull(selector)) {
            throw CpuException.gp(0, "far transfer to a null selector");
        }
        return Descriptors.read(cpu, selector);
    }

    /** Direct far JMP/CALL to a code segment: the privilege rules for conforming and non-conforming code. */
    private static void checkDirectCode(Cpu cpu, int selector, long d) {
        int err = Descriptors.errorCode(selector);
        if (!Descriptors.isCode(d)) {
            throw CpuException.gp(err, String.format("far transfer to non-code segment 0x%04x", selector));
        }
        int cpl = cpu.cpl;
        int dpl = Descriptors.dpl(d);
        if (Descriptors.conforming(d)) {
            if (dpl > cpl) {
                throw CpuException.gp(err, String.format(
                        "far transfer to conforming segment 0x%04x of DPL %d at CPL %d", selector, dpl, cpl));
            }
        } else if ((selector & 3) > cpl || dpl != cpl) {
            throw CpuException.gp(err, String.format(
                    "far transfer to segment 0x%04x (DPL %d, RPL %d) at CPL %d", selector, dpl, selector & 3, cpl));
        }
        checkLongBits(cpu, selector, d);
        if (!Descriptors.present(d)) {
            throw CpuException.np(err, String.format("code segment 0x%04x not present", selector));
        }
    }

    /** In IA-32e mode a code segment with both L and D set is reserved. */
    private static void checkLongBits(Cpu cpu, int selector, long d) {
        if (cpu.longModeActive() && Descriptors.longCode(d) && Descriptors.db(d)) {
            throw CpuException.gp(Descriptors.errorCode(selector), String.format(
                    "code segment 0x%04x has both L and D set", selector));
        }
    }

    /**
     * The new instruction pointer: canonical check for a 64-bit target, limit check (and 32-bit
     * truncation) otherwise. Faults #GP(0).
     */
    static long targetOffset(Cpu cpu, long d, long offset) {
        if (cpu.longModeActive() && Descriptors.longCode(d)) {
            if (!Mem.canonical(cpu, offset)) {
                throw CpuException.gp(0, String.format("non-canonical far target 0x%x", offset));
            }
            return offset;
        }
        offset &= 0xFFFF_FFFFL;
        if (offset > Descriptors.limit(d)) {
            throw CpuException.gp(0, String.format("far target offset 0x%x beyond the code segment limit 0x%x",
                    offset, Descriptors.limit(d)));
        }
        return offset;
    }

    static void checkRealLimit(Cpu cpu, long offset) {
        if (offset > cpu.seg[Insn.CS].limit) {
            throw CpuException.gp(0, String.format("far target offset 0x%x beyond the CS limit", offset));
        }
    }

    /** Checks a return CS (RET far, IRET): #GP(0) null, #GP(sel) type/privilege, #NP(sel). */
    static long returnCode(Cpu cpu, int sel, int cpl) {
        if (Descriptors.isNull(sel)) {
            throw CpuException.gp(0, "return to a null code selector");
        }
        int err = Descriptors.errorCode(sel);
        int rpl = sel & 3;
        if (rpl < cpl) {
            throw CpuException.gp(err, String.format("return to CS 0x%04x with RPL below CPL %d", sel, cpl));
        }
        long d = Descriptors.read(cpu, sel);
        if (!Descriptors.isCode(d)) {
            throw CpuException.gp(err, String.format("return to non-code segment 0x%04x", sel));
        }
        int dpl = Descriptors.dpl(d);
        if (Descriptors.conforming(d) ? dpl > rpl : dpl != rpl) {
            throw CpuException.gp(err, String.format("return to CS 0x%04x: DPL %d does not match RPL %d", sel, dpl, rpl));
        }
        checkLongBits(cpu, sel, d);
        if (!Descriptors.present(d)) {
            throw CpuException.np(err, String.format("return code segment 0x%04x not present", sel));
        }
        return d;
    }

    /**
     * Checks the SS popped on a return to an outer level; in 64-bit mode a null SS is allowed
     * when returning to 64-bit code below CPL 3. Returns the descriptor, 0 for such a null SS.
     */
    static long outerStack(Cpu cpu, int ss, int rpl, boolean to64) {
        if (Descriptors.isNull(ss) && to64 && rpl != 3 && cpu.longModeActive()) {
            return 0;
        }
        return SegmentLoads.checkStack(cpu, ss, rpl, false, 0);
    }

    /** Commits CS, SS and rSP of a return to an outer (or, for IRETQ, possibly the same) level. */
    static void commitOuter(Cpu cpu, int cs, long csD, int rpl, int ss, long ssD, long sp, int opSize) {
        int oldCpl = cpu.cpl;
        SegmentLoads.commitCode(cpu, cs, csD, rpl);
        if (ssD == 0) {
            SegmentLoads.loadNullStack(cpu, ss);
            cpu.updateMode();
        } else {
            SegmentLoads.commitStack(cpu, ss, ssD);
        }
        if (cpu.codeSize == 64 || opSize == 8) {
            cpu.r[Cpu.RSP] = sp;
        } else if (cpu.seg[Insn.SS].db()) {
            cpu.r[Cpu.RSP] = sp & 0xFFFF_FFFFL;
        } else {
            cpu.r[Cpu.RSP] = (cpu.r[Cpu.RSP] & ~0xFFFFL) | (sp & 0xFFFF);
        }
        if (rpl > oldCpl) {
            SegmentLoads.nullInaccessibleDataSegments(cpu);
        }
    }

    /** A checked call gate: target code segment selector and descriptor, offset, width, parameters. */
    static final class Gate {
        int selector;
        long code;
        long offset;
        int width;
        int params;
    }

    private static Gate callGate(Cpu cpu, int selector, long d) {
        int err = Descriptors.errorCode(selector);
        int type = Descriptors.type(d);
        boolean lma = cpu.longModeActive();
        if (type == Descriptors.TASK_GATE || type == Descriptors.TSS16_AVAIL || type == Descriptors.TSS32_AVAIL) {
            throw CpuException.gp(err, "task switch in IA-32e mode");
        }
        boolean ok = lma ? type == Descriptors.CALL_GATE32 : type == Descriptors.CALL_GATE32 || type == Descriptors.CALL_GATE16;
        if (!ok) {
            throw CpuException.gp(err, String.format("far transfer to system descriptor 0x%04x of type 0x%x", selector, type));
        }
        int dpl = Descriptors.dpl(d);
        if (dpl < cpu.cpl || dpl < (selector & 3)) {
            throw CpuException.gp(err, String.format("call gate 0x%04x DPL %d below CPL %d / RPL %d",
                    selector, dpl, cpu.cpl, selector & 3));
        }
        if (!Descriptors.present(d)) {
            throw CpuException.np(err, String.format("call gate 0x%04x not present", selector));
        }
        Gate g = new Gate();
        g.selector = Descriptors.gateSelector(d);
        g.width = type == Descriptors.CALL_GATE32 ? 4 : 2;
        g.offset = g.width == 4 ? Descriptors.gateOffset(d) : d & 0xFFFF;
        g.params = lma ? 0 : (int) (d >>> 32) & 0x1F;
        if (lma) {
            long high = Descriptors.readHigh(cpu, selector);
            if (((high >>> 40) & 0x1F) != 0) {
                throw CpuException.gp(err, String.format("64-bit call gate 0x%04x: upper type field not zero", selector));
            }
            g.offset |= (high & 0xFFFF_FFFFL) << 32;
        }
        if (Descriptors.isNull(g.selector)) {
            throw CpuException.gp(0, String.format("call gate 0x%04x with a null code selector", selector));
        }
        long code = Descriptors.read(cpu, g.selector);
        int cerr = Descriptors.errorCode(g.selector);
        if (!Descriptors.isCode(code)) {
            throw CpuException.gp(cerr, String.format("call gate target 0x%04x is not code", g.selector));
        }
        if (lma && (!Descriptors.longCode(code) || Descriptors.db(code))) {
            throw CpuException.gp(cerr, String.format("64-bit call gate target 0x%04x is not 64-bit code", g.selector));
        }
        if (!Descriptors.present(code)) {
            throw CpuException.np(cerr, String.format("call gate target 0x%04x not present", g.selector));
        }
        g.code = code;
        return g;
    }
}
