package org.apboot.core.semantics;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.fault.CpuException;

/**
 * Flag control: CLC, STC, CMC, CLD, STD, CLI, STI, PUSHF, POPF, with the privilege rules of
 * each mode, including the virtual-interrupt extensions (Intel SDM vol. 3 chapter 20.3 and 20.4):
 *
 * <ul>
 * <li>Virtual-8086 mode with IOPL &lt; 3 and CR4.VME: CLI/STI clear/set VIF instead of IF (STI
 * with VIP set is #GP(0)); 16-bit PUSHF pushes FLAGS with IF replaced by VIF and IOPL as 3;
 * 16-bit POPF writes VIF from the popped IF and leaves IF and IOPL alone, and raises #GP(0) when
 * the popped TF is set or the popped IF is set while VIP is. The 32-bit forms raise #GP(0).</li>
 * <li>Protected mode at CPL 3 with IOPL &lt; 3 and CR4.PVI: CLI/STI work on VIF the same way;
 * PUSHF/POPF are unaffected.</li>
 * </ul>
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

    /**
     * Decides what CLI/STI change: true for IF, false for VIF (virtual-8086 mode with IOPL &lt; 3
     * and CR4.VME, or CPL 3 with IOPL &lt; 3 and CR4.PVI); #GP(0) when neither is allowed.
     */
    private static boolean realIf(Cpu cpu, String what) {
        if (!cpu.protectedMode()) {
            return true;
        }
        int iopl = iopl(cpu);
        if (cpu.v86()) {
            if (iopl == 3) {
                return true;
            }
            if ((cpu.cr4 & Cpu.CR4_VME) != 0) {
                return false;
            }
        } else {
            if (cpu.cpl <= iopl) {
                return true;
            }
            if (cpu.cpl == 3 && (cpu.cr4 & Cpu.CR4_PVI) != 0) {
                return false;
            }
        }
        throw CpuException.gp(0, what + " at CPL " + cpu.cpl + " with IOPL " + iopl);
    }

    /** True in virtual-8086 mode with IOPL &lt; 3 and CR4.VME: PUSHF/POPF/IRET/INT n virtualise IF. */
    public static boolean vmeVirtual(Cpu cpu) {
        return cpu.v86() && iopl(cpu) < 3 && (cpu.cr4 & Cpu.CR4_VME) != 0;
    }

    public static void cli(Cpu cpu) {
        if (realIf(cpu, "cli")) {
            cpu.sysFlags &= ~Cpu.IF;
        } else {
            cpu.sysFlags &= ~Cpu.VIF;
        }
    }

    /** STI: sets IF; interrupts stay blocked for one more instruction when IF was clear. */
    public static void sti(Cpu cpu) {
        if (!realIf(cpu, "sti")) {
            if ((cpu.sysFlags & Cpu.VIP) != 0) {
                throw CpuException.gp(0, "sti with a virtual interrupt pending (VIP)");
            }
            cpu.sysFlags |= Cpu.VIF;
            return;
        }
        if ((cpu.sysFlags & Cpu.IF) == 0) {
            cpu.interruptShadow = true;
        }
        cpu.sysFlags |= Cpu.IF;
    }

    /**
     * The FLAGS image virtual-8086 code sees with VME and IOPL &lt; 3 (PUSHF, INT n redirection):
     * IF replaced by VIF, IOPL reads as 3, bits 0-15 only.
     */
    public static long virtualFlags(Cpu cpu) {
        long f = Flags.rflags(cpu) & 0xFFFF & ~Cpu.IF;
        if ((cpu.sysFlags & Cpu.VIF) != 0) {
            f |= Cpu.IF;
        }
        return f | Cpu.IOPL;
    }

    /**
     * The value PUSHF with operand size {@code size} pushes (VM and RF read as 0); #GP(0) in v86
     * with IOPL &lt; 3, except the 16-bit form under CR4.VME, which pushes {@link #virtualFlags}.
     */
    public static long pushfValue(Cpu cpu, int size) {
        if (cpu.v86() && iopl(cpu) < 3) {
            if ((cpu.cr4 & Cpu.CR4_VME) != 0 && size == 2) {
                return virtualFlags(cpu);
            }
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
                    if (!vmeVirtual(cpu) || size != 2) {
                        throw CpuException.gp(0, "popf in virtual-8086 mode with IOPL < 3");
                    }
                    popVirtual(cpu, value, "popf");
                    Flags.setRflags(cpu, value, writable & 0xFFFF & ~(Cpu.IF | Cpu.IOPL));
                    cpu.sysFlags &= ~Cpu.RF;
                    return;
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

    /**
     * The VIF update of a 16-bit POPF or IRET under VME: #GP(0) when the popped TF is set or the
     * popped IF is set while VIP is; otherwise VIF takes the popped IF.
     */
    public static void popVirtual(Cpu cpu, long value, String what) {
        if ((value & Cpu.TF) != 0 || ((value & Cpu.IF) != 0 && (cpu.sysFlags & Cpu.VIP) != 0)) {
            throw CpuException.gp(0, what + " under VME with TF set or with IF set while VIP is pending");
        }
        if ((value & Cpu.IF) != 0) {
            cpu.sysFlags |= Cpu.VIF;
        } else {
            cpu.sysFlags &= ~Cpu.VIF;
        }
    }

    /**
     * Checks PUSHF/POPF are allowed (v86 with IOPL &lt; 3 faults unless CR4.VME is set; the
     * operand-size rule of VME is checked by {@link #popf}) without changing anything.
     */
    public static void checkPopf(Cpu cpu) {
        if (cpu.v86() && iopl(cpu) < 3 && (cpu.cr4 & Cpu.CR4_VME) == 0) {
            throw CpuException.gp(0, "popf in virtual-8086 mode with IOPL < 3");
        }
    }
}
