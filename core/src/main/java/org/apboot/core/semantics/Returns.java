package org.apboot.core.semantics;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.decode.Insn;
import org.apboot.core.fault.CpuException;

/**
 * IRET / IRETD / IRETQ (Intel SDM vol. 2 IRET): real mode, virtual-8086 mode (IOPL 3, or a
 * 16-bit IRET with IOPL &lt; 3 under CR4.VME, which restores VIF from the popped IF), protected
 * mode to the same or an outer privilege level, return to virtual-8086 mode from CPL 0, and
 * IA-32e mode (in 64-bit mode SS:RSP are always popped).
 *
 * <p>With NT = 1 in protected mode IRET returns to the back-link task ({@link TaskSwitch}); in
 * IA-32e mode it raises #GP(0) as specified.
 */
public final class Returns {
    /** RFLAGS bits a real-mode 32-bit IRET may change (VM, VIF, VIP are kept). */
    static final long REAL32_WRITABLE = 0x25_7FD5L;

    private Returns() {
    }

    /** IRET of any size in any mode; a completed IRET also ends NMI blocking. */
    public static void iret(Cpu cpu, int opSize) {
        iretFrame(cpu, opSize);
        cpu.nmiBlocked = false;
    }

    private static void iretFrame(Cpu cpu, int opSize) {
        long m = FarTransfers.opMask(opSize);
        if ((cpu.cr0 & Cpu.CR0_PE) == 0) {
            realIret(cpu, opSize, opSize == 4 ? REAL32_WRITABLE : 0xFFFF);
            return;
        }
        if (cpu.v86()) {
            if (((cpu.sysFlags & Cpu.IOPL) >> 12) < 3) {
                if (opSize == 2 && FlagOps.vmeVirtual(cpu)) {
                    vmeIret(cpu);
                    return;
                }
                throw CpuException.gp(0, "IRET in virtual-8086 mode with IOPL < 3");
            }
            realIret(cpu, opSize, (opSize == 4 ? REAL32_WRITABLE : 0xFFFF) & ~Cpu.IOPL);
            return;
        }
        boolean lma = cpu.longModeActive();
        if ((cpu.sysFlags & Cpu.NT) != 0) {
            if (lma) {
                throw CpuException.gp(0, "IRET with NT set in IA-32e mode");
            }
            TaskSwitch.nestedReturn(cpu);
            return;
        }
        long rip = StackFrames.peek(cpu, opSize, 0) & m;
        int cs = (int) StackFrames.peek(cpu, opSize, opSize) & 0xFFFF;
        long flags = StackFrames.peek(cpu, opSize, 2L * opSize) & m;
        int cpl = cpu.cpl;
        if (!lma && opSize == 4 && (flags & Cpu.VM) != 0 && cpl == 0) {
            toV86(cpu, rip, cs, flags);
            return;
        }
        int rpl = cs & 3;
        long d = FarTransfers.returnCode(cpu, cs, cpl);
        long writable = Cpu.CF | Cpu.PF | Cpu.AF | Cpu.ZF | Cpu.SF | Cpu.TF | Cpu.DF | Cpu.OF | Cpu.NT
                | Cpu.RF | Cpu.AC | Cpu.ID;
        if (cpl <= ((cpu.sysFlags & Cpu.IOPL) >> 12)) {
            writable |= Cpu.IF;
        }
        if (cpl == 0) {
            writable |= Cpu.IOPL | Cpu.VIF | Cpu.VIP;
        }
        if (opSize == 2) {
            writable &= 0xFFFF;
        }
        if (cpu.codeSize == 64 || rpl > cpl) {
            long newSp = StackFrames.peek(cpu, opSize, 3L * opSize) & m;
            int ss = (int) StackFrames.peek(cpu, opSize, 4L * opSize) & 0xFFFF;
            boolean to64 = lma && Descriptors.longCode(d);
            long ssD = FarTransfers.outerStack(cpu, ss, rpl, to64);
            long target = FarTransfers.targetOffset(cpu, d, rip);
            Flags.setRflags(cpu, flags, writable);
            FarTransfers.commitOuter(cpu, cs, d, rpl, ss, ssD, newSp, opSize);
            cpu.rip = target;
            return;
        }
        long target = FarTransfers.targetOffset(cpu, d, rip);
        long sp = StackFrames.spAfter(cpu, 3L * opSize);
        Flags.setRflags(cpu, flags, writable);
        SegmentLoads.commitCode(cpu, cs, d, cpl);
        cpu.r[Cpu.RSP] = sp;
        cpu.rip = target;
    }

    private static void realIret(Cpu cpu, int opSize, long writable) {
        long m = FarTransfers.opMask(opSize);
        long ip = StackFrames.peek(cpu, opSize, 0) & m;
        int cs = (int) StackFrames.peek(cpu, opSize, opSize) & 0xFFFF;
        long flags = StackFrames.peek(cpu, opSize, 2L * opSize) & m;
        FarTransfers.checkRealLimit(cpu, ip);
        StackFrames.setSp(cpu, cpu.r[Cpu.RSP] + 3L * opSize);
        Flags.setRflags(cpu, flags, writable);
        SegmentLoads.loadCodeReal(cpu, cs);
        cpu.rip = ip;
    }

    /**
     * 16-bit IRET in virtual-8086 mode with IOPL &lt; 3 and CR4.VME: IF and IOPL stay, VIF takes the
     * popped IF; #GP(0) when the popped TF is set or the popped IF is set while VIP is.
     */
    private static void vmeIret(Cpu cpu) {
        long ip = StackFrames.peek(cpu, 2, 0) & 0xFFFF;
        int cs = (int) StackFrames.peek(cpu, 2, 2) & 0xFFFF;
        long flags = StackFrames.peek(cpu, 2, 4) & 0xFFFF;
        FarTransfers.checkRealLimit(cpu, ip);
        FlagOps.popVirtual(cpu, flags, "IRET");
        StackFrames.setSp(cpu, cpu.r[Cpu.RSP] + 6);
        Flags.setRflags(cpu, flags, 0xFFFF & ~(Cpu.IF | Cpu.IOPL));
        SegmentLoads.loadCodeReal(cpu, cs);
        cpu.rip = ip;
    }

    /** IRETD at CPL 0 with VM set in the popped EFLAGS: the v86 frame adds ESP, SS, ES, DS, FS, GS. */
    private static void toV86(Cpu cpu, long eip, int cs, long flags) {
        long esp = StackFrames.peek(cpu, 4, 12);
        int ss = (int) StackFrames.peek(cpu, 4, 16) & 0xFFFF;
        int es = (int) StackFrames.peek(cpu, 4, 20) & 0xFFFF;
        int ds = (int) StackFrames.peek(cpu, 4, 24) & 0xFFFF;
        int fs = (int) StackFrames.peek(cpu, 4, 28) & 0xFFFF;
        int gs = (int) StackFrames.peek(cpu, 4, 32) & 0xFFFF;
        Flags.setRflags(cpu, flags, 0x3F_7FD5L);
        SegmentLoads.loadCodeReal(cpu, cs);
        SegmentLoads.load(cpu, Insn.SS, ss);
        SegmentLoads.load(cpu, Insn.ES, es);
        SegmentLoads.load(cpu, Insn.DS, ds);
        SegmentLoads.load(cpu, Insn.FS, fs);
        SegmentLoads.load(cpu, Insn.GS, gs);
        cpu.r[Cpu.RSP] = esp & 0xFFFF_FFFFL;
        cpu.rip = eip & 0xFFFF;
    }
}
