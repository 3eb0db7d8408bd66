package org.apboot.core.semantics;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.fault.CpuException;

/**
 * Near control transfers: Jcc, JMP, CALL, RET (with and without an immediate), LOOP, LOOPE,
 * LOOPNE, JCXZ/JECXZ/JRCXZ.
 *
 * <p>Every target is truncated to the branch operand size (a 16-bit IP wraps at 64 KiB) and then
 * checked: against the CS limit outside 64-bit mode, for canonical form in 64-bit mode; a
 * failing check raises #GP(0) before anything changed (CALL pushes only after the check, RET
 * moves the stack pointer only after it). {@code cpu.rip} holds the next instruction on entry.
 */
public final class Branches {
    private Branches() {
    }

    /** Truncates {@code t} to the operand size and checks it; returns the new RIP. */
    public static long target(Cpu cpu, int opSize, long t) {
        t = truncate(opSize, t);
        if (!targetOk(cpu, t)) {
            if (cpu.codeSize == 64) {
                throw CpuException.gp(0, "non-canonical branch target 0x" + Long.toHexString(t));
            }
            throw CpuException.gp(0, "branch target 0x" + Long.toHexString(t) + " beyond the CS limit");
        }
        return t;
    }

    /** A branch target {@code t} truncated to the operand size ({@code opSize} bytes). */
    public static long truncate(int opSize, long t) {
        switch (opSize) {
            case 2: return t & 0xFFFF;
            case 4: return t & 0xFFFF_FFFFL;
            default: return t;
        }
    }

    /**
     * True when a truncated target passes the check of {@link #target}: canonical in 64-bit
     * mode, within the CS limit otherwise.
     */
    public static boolean targetOk(Cpu cpu, long t) {
        if (cpu.codeSize == 64) {
            int width = (cpu.cr4 & Cpu.CR4_LA57) != 0 ? 57 : 48;
            int sh = 64 - width;
            return ((t << sh) >> sh) == t;
        }
        return t <= cpu.seg[1].limit;
    }

    /** Jcc: jumps to next RIP + {@code disp} when condition {@code cc} holds. */
    public static void jcc(Cpu cpu, int cc, int opSize, long disp) {
        if (Flags.cond(cpu, cc)) {
            cpu.rip = target(cpu, opSize, cpu.rip + disp);
        }
    }

    /** JMP to an absolute target (relative forms pass next RIP + displacement). */
    public static void jmp(Cpu cpu, int opSize, long t) {
        cpu.rip = target(cpu, opSize, t);
    }

    /** CALL to an absolute target: pushes the next RIP at the operand size. */
    public static void call(Cpu cpu, int opSize, long t) {
        long nt = target(cpu, opSize, t);
        Stack.push(cpu, opSize, cpu.rip);
        cpu.rip = nt;
    }

    /** RET / RET imm16: pops RIP and releases {@code release} more bytes. */
    public static void ret(Cpu cpu, int opSize, int release) {
        long rsp = cpu.r[Cpu.RSP];
        long nt = target(cpu, opSize, Stack.top(cpu, rsp, opSize));
        cpu.r[Cpu.RSP] = Stack.release(cpu, rsp, opSize + (release & 0xFFFF));
        cpu.rip = nt;
    }

    /** LOOP kinds for {@link #loop}. */
    public static final int LOOP = 0, LOOPE = 1, LOOPNE = 2;

    /**
     * LOOP/LOOPE/LOOPNE: decrements rCX (at the address size) and jumps while it is not zero
     * (and ZF is 1 / 0). The target is checked before rCX is written.
     */
    public static void loop(Cpu cpu, int kind, int opSize, int addrSize, long disp) {
        long n = (cpu.r[Cpu.RCX] - 1) & Flags.mask(addrSize);
        boolean taken = n != 0;
        if (taken && kind != LOOP) {
            taken = Flags.zero(cpu) == (kind == LOOPE);
        }
        if (taken) {
            long nt = target(cpu, opSize, cpu.rip + disp);
            cpu.setReg(Cpu.RCX, addrSize, n);
            cpu.rip = nt;
        } else {
            cpu.setReg(Cpu.RCX, addrSize, n);
        }
    }

    /** JCXZ/JECXZ/JRCXZ: jumps when rCX (at the address size) is zero. */
    public static void jrcxz(Cpu cpu, int opSize, int addrSize, long disp) {
        if ((cpu.r[Cpu.RCX] & Flags.mask(addrSize)) == 0) {
            cpu.rip = target(cpu, opSize, cpu.rip + disp);
        }
    }
}
