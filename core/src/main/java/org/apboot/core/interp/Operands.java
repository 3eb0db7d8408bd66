package org.apboot.core.interp;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.decode.Insn;
import org.apboot.core.semantics.Mem;

/**
 * Reads and writes the operands an {@link Insn} names, following the operand conventions of
 * {@code org.apboot.core.decode}: effective-address computation, register merge rules, memory
 * through {@link Mem}.
 */
public final class Operands {
    private Operands() {
    }

    /** Effective address (offset within the segment) of the memory operand, wrapped to addrSize. */
    public static long ea(Cpu cpu, Insn i) {
        long a;
        if (i.ripRel) {
            a = cpu.rip + i.disp;
        } else {
            a = i.disp;
            if (i.base >= 0) {
                a += cpu.r[i.base];
            }
            if (i.index >= 0) {
                a += cpu.r[i.index] << i.scale;
            }
        }
        return wrap(i.addrSize, a);
    }

    /** An effective address {@code a} wrapped to the address size ({@code addrSize} bytes). */
    public static long wrap(int addrSize, long a) {
        switch (addrSize) {
            case 2: return a & 0xFFFF;
            case 4: return a & 0xFFFF_FFFFL;
            default: return a;
        }
    }

    /** Reads an operand of kind {@code kind} at {@code size} bytes, zero-extended. */
    public static long read(Cpu cpu, Insn i, byte kind, int size) {
        switch (kind) {
            case Insn.K_REG:
                return cpu.getReg(i.reg, size);
            case Insn.K_RM:
                if (i.rmReg >= 0) {
                    return cpu.getReg(i.rmReg, size);
                }
                return Mem.read(cpu, i.seg, ea(cpu, i), size);
            case Insn.K_IMM:
                return size == 8 ? i.imm : i.imm & ((1L << (size * 8)) - 1);
            case Insn.K_ONE:
                return 1;
            case Insn.K_CL:
                return cpu.r[Cpu.RCX] & 0xFF;
            case Insn.K_DX:
                return cpu.r[Cpu.RDX] & 0xFFFF;
            default:
                throw new IllegalStateException("operand kind " + kind + " cannot be read for " + i.op);
        }
    }

    /** Writes an operand of kind {@code kind} (register or r/m) at {@code size} bytes. */
    public static void write(Cpu cpu, Insn i, byte kind, int size, long v) {
        if (kind == Insn.K_REG) {
            cpu.setReg(i.reg, size, v);
        } else if (kind == Insn.K_RM) {
            if (i.rmReg >= 0) {
                cpu.setReg(i.rmReg, size, v);
            } else {
                Mem.write(cpu, i.seg, ea(cpu, i), size, v);
            }
        } else {
            throw new IllegalStateException("operand kind " + kind + " cannot be written for " + i.op);
        }
    }

    /** Reads the destination operand at the operand size. */
    public static long dst(Cpu cpu, Insn i) {
        return read(cpu, i, i.dst, i.opSize);
    }

    /** Reads the source operand at the operand size. */
    public static long src(Cpu cpu, Insn i) {
        return read(cpu, i, i.src, i.opSize);
    }

    public static void writeDst(Cpu cpu, Insn i, long v) {
        write(cpu, i, i.dst, i.opSize, v);
    }

    /**
     * General register 0-15 named by an operand of kind {@code kind} (register or r/m), or -1
     * when the operand is memory, another kind, or AH..BH (which engines leave to the executor).
     */
    public static int generalRegister(Insn i, byte kind) {
        int r;
        if (kind == Insn.K_REG) {
            r = i.reg;
        } else if (kind == Insn.K_RM) {
            r = i.rmReg;
        } else {
            return -1;
        }
        return r >= 0 && r < 16 ? r : -1;
    }

    /** True when the operand of kind {@code kind} is the memory operand. */
    public static boolean isMemory(Insn i, byte kind) {
        return kind == Insn.K_RM && i.rmReg < 0;
    }

    /** True when the destination is a memory operand (LOCK applies). */
    public static boolean dstIsMemory(Insn i) {
        return i.dst == Insn.K_RM && i.rmReg < 0;
    }
}
