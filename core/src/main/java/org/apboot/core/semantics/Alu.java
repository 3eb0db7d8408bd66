package org.apboot.core.semantics;

import org.apboot.core.cpu.Cpu;

/**
 * ADD, ADC, SUB, SBB, AND, OR, XOR, CMP, TEST, INC, DEC, NEG, NOT on plain values.
 *
 * <p>Every method takes the operand size in bytes (1, 2, 4, 8) and operands that may carry bits
 * above that size; it returns the result masked to the size and records the flags lazily in
 * {@link Flags}. CMP and TEST return nothing; NOT leaves the flags alone. AND/OR/XOR/TEST clear
 * CF and OF, set SF/ZF/PF from the result and clear the undefined AF.
 */
public final class Alu {
    /** Operation codes of {@link #binary}. */
    public static final int OP_ADD = 0, OP_OR = 1, OP_ADC = 2, OP_SBB = 3, OP_AND = 4, OP_SUB = 5,
            OP_XOR = 6, OP_CMP = 7, OP_TEST = 8;

    private Alu() {
    }

    public static long add(Cpu cpu, int size, long a, long b) {
        long r = (a + b) & Flags.mask(size);
        Flags.record(cpu, Flags.ADD, size, a, b, r);
        return r;
    }

    public static long adc(Cpu cpu, int size, long a, long b) {
        long cin = Flags.carry(cpu) ? 1 : 0;
        long r = (a + b + cin) & Flags.mask(size);
        Flags.record(cpu, Flags.ADC, size, a, b, r);
        return r;
    }

    public static long sub(Cpu cpu, int size, long a, long b) {
        long r = (a - b) & Flags.mask(size);
        Flags.record(cpu, Flags.SUB, size, a, b, r);
        return r;
    }

    public static long sbb(Cpu cpu, int size, long a, long b) {
        long bin = Flags.carry(cpu) ? 1 : 0;
        long r = (a - b - bin) & Flags.mask(size);
        Flags.record(cpu, Flags.SBB, size, a, b, r);
        return r;
    }

    public static long and(Cpu cpu, int size, long a, long b) {
        long r = a & b & Flags.mask(size);
        Flags.record(cpu, Flags.LOGIC, size, r, 0, r);
        return r;
    }

    public static long or(Cpu cpu, int size, long a, long b) {
        long r = (a | b) & Flags.mask(size);
        Flags.record(cpu, Flags.LOGIC, size, r, 0, r);
        return r;
    }

    public static long xor(Cpu cpu, int size, long a, long b) {
        long r = (a ^ b) & Flags.mask(size);
        Flags.record(cpu, Flags.LOGIC, size, r, 0, r);
        return r;
    }

    public static void cmp(Cpu cpu, int size, long a, long b) {
        sub(cpu, size, a, b);
    }

    public static void test(Cpu cpu, int size, long a, long b) {
        and(cpu, size, a, b);
    }

    /** INC: CF unchanged. */
    public static long inc(Cpu cpu, int size, long a) {
        long r = (a + 1) & Flags.mask(size);
        Flags.recordKeepCarry(cpu, Flags.INC, size, a, r);
        return r;
    }

    /** DEC: CF unchanged. */
    public static long dec(Cpu cpu, int size, long a) {
        long r = (a - 1) & Flags.mask(size);
        Flags.recordKeepCarry(cpu, Flags.DEC, size, a, r);
        return r;
    }

    /** NEG: CF = (operand != 0), flags as 0 - operand. */
    public static long neg(Cpu cpu, int size, long a) {
        long r = (-a) & Flags.mask(size);
        Flags.record(cpu, Flags.NEG, size, a, 0, r);
        return r;
    }

    /** NOT: no flags. */
    public static long not(int size, long a) {
        return ~a & Flags.mask(size);
    }

    /**
     * The eight classic binary operations (plus TEST) by code, for table-driven callers; CMP and
     * TEST return the first operand unchanged (nothing is written back).
     */
    public static long binary(Cpu cpu, int op, int size, long a, long b) {
        switch (op) {
            case OP_ADD: return add(cpu, size, a, b);
            case OP_OR: return or(cpu, size, a, b);
            case OP_ADC: return adc(cpu, size, a, b);
            case OP_SBB: return sbb(cpu, size, a, b);
            case OP_AND: return and(cpu, size, a, b);
            case OP_SUB: return sub(cpu, size, a, b);
            case OP_XOR: return xor(cpu, size, a, b);
            case OP_CMP: sub(cpu, size, a, b); return a;
            default: and(cpu, size, a, b); return a;
        }
    }
}
