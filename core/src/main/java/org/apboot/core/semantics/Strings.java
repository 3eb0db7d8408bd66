package org.apboot.core.semantics;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.decode.Insn;

/**
 * String instructions MOVS, STOS, LODS, CMPS, SCAS, with and without REP/REPE/REPNE, in every
 * address size.
 *
 * <p>rSI, rDI and rCX are used and updated at the address size (16-bit updates keep the upper
 * bits, 32-bit ones zero-extend); DF picks the direction. The destination is always ES:rDI (no
 * override); the source segment ({@code srcSeg}) is DS or the override.
 *
 * <p>A repeated instruction runs at most {@link #ITERATIONS_PER_STEP} iterations per call and
 * returns false when iterations remain: the engine then leaves RIP at the instruction
 * ({@link #restartUnlessDone}), so the next execution resumes it, and events (interrupts, the scheduler's quantum) can come in
 * between, as hardware lets them between iterations. Registers are written back after every
 * iteration, so a fault in the middle leaves rSI, rDI and rCX exactly as after the last
 * completed iteration, as hardware does; the engine reports the fault with RIP at the
 * instruction, and re-executing it resumes the remaining iterations. A REP prefix on MOVS, STOS
 * and LODS repeats them whether encoded F3 or F2; CMPS and SCAS stop on ZF = 0 (F3) or ZF = 1
 * (F2).
 */
public final class Strings {
    private Strings() {
    }

    /** Iterations a repeated string instruction runs before it returns to the engine. */
    public static final long ITERATIONS_PER_STEP = 4096;

    /**
     * The REP restart protocol, for every engine: called after a string (or INS/OUTS) step with
     * RIP already at the next instruction, it points RIP back at the instruction of
     * {@code length} bytes unless the step reported {@code done}, wrapping at the code size
     * (IP at 16 bits, EIP at 32).
     */
    public static void restartUnlessDone(Cpu cpu, int length, boolean done) {
        if (!done) {
            long mask = cpu.codeSize == 64 ? -1L : cpu.codeSize == 32 ? 0xFFFF_FFFFL : 0xFFFF;
            cpu.rip = (cpu.rip - length) & mask;
        }
    }

    private static long delta(Cpu cpu, int size) {
        return (cpu.sysFlags & Cpu.DF) != 0 ? -size : size;
    }

    public static boolean movs(Cpu cpu, int size, int addrSize, int srcSeg, int rep) {
        long d = delta(cpu, size);
        long am = Flags.mask(addrSize);
        if (rep == Insn.REP_NONE) {
            long v = Mem.read(cpu, srcSeg, cpu.r[Cpu.RSI] & am, size);
            Mem.write(cpu, Insn.ES, cpu.r[Cpu.RDI] & am, size, v);
            cpu.setReg(Cpu.RSI, addrSize, cpu.r[Cpu.RSI] + d);
            cpu.setReg(Cpu.RDI, addrSize, cpu.r[Cpu.RDI] + d);
            return true;
        }
        long n = cpu.r[Cpu.RCX] & am;
        if (n == 0) {
            noIterations(cpu, addrSize, true, true);
        }
        for (long budget = ITERATIONS_PER_STEP; n != 0; budget--) {
            if (budget == 0) {
                return false;
            }
            long v = Mem.read(cpu, srcSeg, cpu.r[Cpu.RSI] & am, size);
            Mem.write(cpu, Insn.ES, cpu.r[Cpu.RDI] & am, size, v);
            cpu.setReg(Cpu.RSI, addrSize, cpu.r[Cpu.RSI] + d);
            cpu.setReg(Cpu.RDI, addrSize, cpu.r[Cpu.RDI] + d);
            n--;
            cpu.setReg(Cpu.RCX, addrSize, n);
        }
        return true;
    }

    public static boolean stos(Cpu cpu, int size, int addrSize, int rep) {
        long d = delta(cpu, size);
        long am = Flags.mask(addrSize);
        long v = cpu.r[Cpu.RAX];
        if (rep == Insn.REP_NONE) {
            Mem.write(cpu, Insn.ES, cpu.r[Cpu.RDI] & am, size, v);
            cpu.setReg(Cpu.RDI, addrSize, cpu.r[Cpu.RDI] + d);
            return true;
        }
        long n = cpu.r[Cpu.RCX] & am;
        if (n == 0) {
            noIterations(cpu, addrSize, false, true);
        }
        for (long budget = ITERATIONS_PER_STEP; n != 0; budget--) {
            if (budget == 0) {
                return false;
            }
            Mem.write(cpu, Insn.ES, cpu.r[Cpu.RDI] & am, size, v);
            cpu.setReg(Cpu.RDI, addrSize, cpu.r[Cpu.RDI] + d);
            n--;
            cpu.setReg(Cpu.RCX, addrSize, n);
        }
        return true;
    }

    public static boolean lods(Cpu cpu, int size, int addrSize, int srcSeg, int rep) {
        long d = delta(cpu, size);
        long am = Flags.mask(addrSize);
        if (rep == Insn.REP_NONE) {
            long v = Mem.read(cpu, srcSeg, cpu.r[Cpu.RSI] & am, size);
            cpu.setReg(Cpu.RAX, size, v);
            cpu.setReg(Cpu.RSI, addrSize, cpu.r[Cpu.RSI] + d);
            return true;
        }
        long n = cpu.r[Cpu.RCX] & am;
        if (n == 0) {
            noIterations(cpu, addrSize, false, false);
        }
        for (long budget = ITERATIONS_PER_STEP; n != 0; budget--) {
            if (budget == 0) {
                return false;
            }
            long v = Mem.read(cpu, srcSeg, cpu.r[Cpu.RSI] & am, size);
            cpu.setReg(Cpu.RAX, size, v);
            cpu.setReg(Cpu.RSI, addrSize, cpu.r[Cpu.RSI] + d);
            n--;
            cpu.setReg(Cpu.RCX, addrSize, n);
        }
        return true;
    }

    /** CMPS: flags of CMP [srcSeg:rSI], [ES:rDI]. */
    public static boolean cmps(Cpu cpu, int size, int addrSize, int srcSeg, int rep) {
        long d = delta(cpu, size);
        long am = Flags.mask(addrSize);
        if (rep == Insn.REP_NONE) {
            long a = Mem.read(cpu, srcSeg, cpu.r[Cpu.RSI] & am, size);
            long b = Mem.read(cpu, Insn.ES, cpu.r[Cpu.RDI] & am, size);
            Alu.sub(cpu, size, a, b);
            cpu.setReg(Cpu.RSI, addrSize, cpu.r[Cpu.RSI] + d);
            cpu.setReg(Cpu.RDI, addrSize, cpu.r[Cpu.RDI] + d);
            return true;
        }
        boolean whileEqual = rep == Insn.REP;
        long n = cpu.r[Cpu.RCX] & am;
        if (n == 0) {
            noIterations(cpu, addrSize, false, false);
        }
        for (long budget = ITERATIONS_PER_STEP; n != 0; budget--) {
            if (budget == 0) {
                return false;
            }
            long a = Mem.read(cpu, srcSeg, cpu.r[Cpu.RSI] & am, size);
            long b = Mem.read(cpu, Insn.ES, cpu.r[Cpu.RDI] & am, size);
            Alu.sub(cpu, size, a, b);
            cpu.setReg(Cpu.RSI, addrSize, cpu.r[Cpu.RSI] + d);
            cpu.setReg(Cpu.RDI, addrSize, cpu.r[Cpu.RDI] + d);
            n--;
            cpu.setReg(Cpu.RCX, addrSize, n);
            if (((a ^ b) == 0) != whileEqual) {
                break;
            }
        }
        return true;
    }

    /** SCAS: flags of CMP rAX, [ES:rDI]. */
    public static boolean scas(Cpu cpu, int size, int addrSize, int rep) {
        long d = delta(cpu, size);
        long am = Flags.mask(addrSize);
        long a = cpu.r[Cpu.RAX] & Flags.mask(size);
        if (rep == Insn.REP_NONE) {
            long b = Mem.read(cpu, Insn.ES, cpu.r[Cpu.RDI] & am, size);
            Alu.sub(cpu, size, a, b);
            cpu.setReg(Cpu.RDI, addrSize, cpu.r[Cpu.RDI] + d);
            return true;
        }
        boolean whileEqual = rep == Insn.REP;
        long n = cpu.r[Cpu.RCX] & am;
        if (n == 0) {
            noIterations(cpu, addrSize, false, false);
        }
        for (long budget = ITERATIONS_PER_STEP; n != 0; budget--) {
            if (budget == 0) {
                return false;
            }
            long b = Mem.read(cpu, Insn.ES, cpu.r[Cpu.RDI] & am, size);
            Alu.sub(cpu, size, a, b);
            cpu.setReg(Cpu.RDI, addrSize, cpu.r[Cpu.RDI] + d);
            n--;
            cpu.setReg(Cpu.RCX, addrSize, n);
            if ((a == b) != whileEqual) {
                break;
            }
        }
        return true;
    }

    /**
     * A repeated string instruction whose count is already zero runs no iteration, but the
     * Intel processor the model follows still writes rCX at the address size, and MOVS and STOS
     * their pointers (rSI and rDI, rDI): with a 32-bit address size in 64-bit mode their upper
     * halves become zero. LODS, CMPS and SCAS leave their pointers alone. (Measured on an Intel
     * host, family 6 model 0xA7; the SDM leaves it unsaid, and AMD processors write nothing.)
     */
    private static void noIterations(Cpu cpu, int addrSize, boolean rsi, boolean rdi) {
        cpu.setReg(Cpu.RCX, addrSize, cpu.r[Cpu.RCX]);
        if (rsi) {
            cpu.setReg(Cpu.RSI, addrSize, cpu.r[Cpu.RSI]);
        }
        if (rdi) {
            cpu.setReg(Cpu.RDI, addrSize, cpu.r[Cpu.RDI]);
        }
    }
}
