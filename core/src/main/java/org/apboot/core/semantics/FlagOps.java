package org.apboot.core.semantics;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.fault.CpuException;

/**
 * Flag control: CLC, STC, CMC, CLD, STD, CLI, STI, PUSHF, POPF, with the privilege rules of
 * each mode (no VME/PVI: virtual-8086 mode with IOPL below 3 faults).
 */
public final class FlagOps {
    /** Flags POPF may change at CPL 0 with a 32/64-bit operand. */
    public static final long POPF_MASK = Cpu.CF | Cpu.PF | Cpu.AF | Cpu.ZF | Cpu.SF | Cpu.TF
            | Cpu.IF | Cpu.DF | Cpu.OF | Cpu.IOPL | Cpu.NT | Cpu.AC | Cpu.ID;

    private FlagOps() {
    }

    public static int iopl(Cpu cpu) {
        return (int) ((cpu.sysFlags >>> 12) & 3);
    }

    public static void clc(Cpu cpu) {
        Flags.setCarry(cpu, false);
    }

    public static void stc(Cpu cpu) {
        Flags.setCarry(cpu, true);
    }

    public static void cmc(Cpu cpu) {
        Flags.setCarry(cpu, !Flags.carry(cpu));
    }

    public static void cld(Cpu cpu) {
        cpu.sysFlags &= ~Cpu.DF;
    }

    public static void std(Cpu cpu) {
        cpu.sysFlags |= Cpu.DF;
    }

    /** #GP(0) unless the current privilege may change IF (CPL <= IOPL; IOPL 3 in v86). */
    private static void checkIfPrivilege(Cpu cpu, String what) {
        if (!cpu.protectedMode()) {
            return;
        }
        if (cpu.v86() ? iopl(cpu) < 3 : cpu.cpl > iopl(cpu)) {
            throw CpuException.gp(0, what + " at CPL " + cpu.cpl + " with IOPL " + iopl(cpu));
        }
    }

    public static void cli(Cpu cpu) {
        checkIfPrivilege(cpu, "cli");
        cpu.sysFlags &= ~Cpu.IF;
    }

    /** STI: sets IF; interrupts stay blocked for one more instruction when IF was clear. */
    public static void sti(Cpu cpu) {
        checkIfPrivilege(cpu, "sti");
        if ((cpu.sysFlags & Cpu.IF) == 0) {
            cpu.interruptShadow = true;
        }
        cpu.sysFlags |= Cpu.IF;
    }

    /** The value PUSHF pushes (VM and RF read as 0), at 64 bits; #GP(0) in v86 with IOPL < 3. */
    public static long pushfValue(Cpu cpu) {
        if (cpu.v86() && iopl(cpu) < 3) {
            throw CpuException.gp(0, "pushf in virtual-8086 mode with IOPL < 3");
        }
        return Flags.rflags(cpu) & ~(Cpu.VM | Cpu.RF);
    }

    /**
     * POPF with {@code value} popped at {@code size} bytes: IOPL changes only at CPL 0, IF only
     * when CPL <= IOPL, VM/VIP/VIF never change, RF is cleared, 16-bit forms touch bits 0-15
     * only; #GP(0) in v86 with IOPL < 3. Call before the stack pointer moves.
     */
    public static void popf(Cpu cpu, int size, long value) {
        long writable = POPF_MASK;
        if (cpu.protectedMode()) {
            if (cpu.v86()) {
                if (iopl(cpu) < 3) {
                    throw CpuException.gp(0, "popf in virtual-8086 mode with IOPL < 3");
                }
                writable &= ~Cpu.IOPL;
            } else {
                if (cpu.cpl > 0) {
                    writable &= ~Cpu.IOPL;
                }
                if (cpu.cpl > iopl(cpu)) {
                    writable &= ~Cpu.IF;
                }
            }
        }
        if (size == 2) {
            writable &= 0xFFFF;
        }
        Flags.setRflags(cpu, value, writable);
        cpu.sysFlags &= ~Cpu.RF;
    }

    /** Checks PUSHF/POPF are allowed (v86 with IOPL < 3 faults) without changing anything. */
    public static void checkPopf(Cpu cpu) {
        if (cpu.v86() && iopl(cpu) < 3) {
            throw CpuException.gp(0, "popf in virtual-8086 mode with IOPL < 3");
        }
    }
}
