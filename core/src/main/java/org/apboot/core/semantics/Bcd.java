package org.apboot.core.semantics;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.fault.CpuException;

/**
 * Decimal adjust and ASCII adjust instructions (legacy modes only): DAA, DAS, AAA, AAS, AAM,
 * AAD, and the undocumented SALC.
 *
 * <p>Each takes AL or AX as a value and returns the new AL or AX. The flags the manual leaves
 * undefined are set as Intel processors set them (an Intel host agrees on every input, see
 * {@code BcdHardwareTest}): DAA/DAS clear OF; AAA/AAS set SF, ZF, PF from the final AL and
 * clear OF; AAM clears CF, AF, OF; AAD sets CF, AF, OF as the 8-bit addition
 * AL + (AH * imm8 AND FFH) that computes it does.
 */
public final class Bcd {
    private Bcd() {
    }

    /** DAA: decimal adjust AL after addition; returns the new AL. */
    public static long daa(Cpu cpu, long al) {
        long f = Flags.arith(cpu);
        boolean oldCf = (f & Cpu.CF) != 0;
        boolean af = (f & Cpu.AF) != 0;
        long old = al & 0xFF;
        long v = old;
        boolean cf = false;
        if ((v & 0xF) > 9 || af) {
            v += 6;
            cf = oldCf || v > 0xFF;
            v &= 0xFF;
            af = true;
        } else {
            af = false;
        }
        if (old > 0x99 || oldCf) {
            v = (v + 0x60) & 0xFF;
            cf = true;
        } else {
            cf = false;
        }
        Flags.setArith(cpu, Flags.szp(1, v) | (cf ? Cpu.CF : 0) | (af ? Cpu.AF : 0));
        return v;
    }

    /** DAS: decimal adjust AL after subtraction; returns the new AL. */
    public static long das(Cpu cpu, long al) {
        long f = Flags.arith(cpu);
        boolean oldCf = (f & Cpu.CF) != 0;
        boolean af = (f & Cpu.AF) != 0;
        long old = al & 0xFF;
        long v = old;
        boolean cf = false;
        if ((v & 0xF) > 9 || af) {
            cf = oldCf || v < 6;
            v = (v - 6) & 0xFF;
            af = true;
        } else {
            af = false;
        }
        if (old > 0x99 || oldCf) {
            v = (v - 0x60) & 0xFF;
            cf = true;
        }
        Flags.setArith(cpu, Flags.szp(1, v) | (cf ? Cpu.CF : 0) | (af ? Cpu.AF : 0));
        return v;
    }

    /**
     * AAA: ASCII adjust after addition; takes and returns AX. AX := AX + 106H as the current SDM
     * states it: a carry out of AL reaches AH.
     */
    public static long aaa(Cpu cpu, long ax) {
        boolean af = Flags.adjust(cpu);
        long v = ax & 0xFFFF;
        boolean adjust = (v & 0xF) > 9 || af;
        if (adjust) {
            v = (v + 0x106) & 0xFFFF;
        }
        v &= 0xFF0F;
        Flags.setArith(cpu, Flags.szp(1, v) | (adjust ? Cpu.CF | Cpu.AF : 0));
        return v;
    }

    /**
     * AAS: ASCII adjust after subtraction; takes and returns AX. As the current SDM states it,
     * AX := AX - 6 is a 16-bit subtraction (when AL < 6 its borrow decrements AH), then
     * AH := AH - 1; the 80386 manual's AL := AL - 6 left AH out of the first step.
     */
    public static long aas(Cpu cpu, long ax) {
        boolean af = Flags.adjust(cpu);
        long v = ax & 0xFFFF;
        boolean adjust = (v & 0xF) > 9 || af;
        if (adjust) {
            v = (v - 6) & 0xFFFF;
            v = (v - 0x100) & 0xFFFF;
        }
        v &= 0xFF0F;
        Flags.setArith(cpu, Flags.szp(1, v) | (adjust ? Cpu.CF | Cpu.AF : 0));
        return v;
    }

    /** AAM imm8: AH = AL / base, AL = AL mod base; #DE when base is 0. Returns AX. */
    public static long aam(Cpu cpu, long al, int base) {
        int b = base & 0xFF;
        if (b == 0) {
            throw CpuException.de();
        }
        long a = al & 0xFF;
        long nal = a % b;
        Flags.setArith(cpu, Flags.szp(1, nal));
        return (a / b) << 8 | nal;
    }

    /** AAD imm8: AL = (AL + AH * base) mod 256, AH = 0, flags of that 8-bit addition. Returns AX. */
    public static long aad(Cpu cpu, long ax, int base) {
        long al = ax & 0xFF, ah = (ax >>> 8) & 0xFF;
        return Alu.add(cpu, 1, al, (ah * (base & 0xFF)) & 0xFF);
    }

    /** SALC: AL = CF ? 0xFF : 0; flags unchanged. */
    public static long salc(Cpu cpu) {
        return Flags.carry(cpu) ? 0xFF : 0;
    }
}
