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

    // ---------------------------------------------------------------- values

    /*
     * The value layer: results and flag records as pure functions of the operands, so generated
     * code that keeps registers and the lazy-flag record in JVM locals calls the same
     * definitions (with constant op and size, which HotSpot folds) as the Cpu-field methods below.
     */

    /**
     * The result of binary operation {@code op} ({@code OP_*}) at {@code size} bytes, masked;
     * {@code carryIn} is CF for ADC and SBB (ignored otherwise). CMP yields the difference and
     * TEST the conjunction (what their flags are computed from).
     */
    public static long result(int op, int size, long a, long b, boolean carryIn) {
        if (size == 4) {
            return result32(op, (int) a, (int) b, carryIn ? 1 : 0) & 0xFFFF_FFFFL;
        }
        long r;
        switch (op) {
            case OP_ADD: r = a + b; break;
            case OP_OR: r = a | b; break;
            case OP_ADC: r = a + b + (carryIn ? 1 : 0); break;
            case OP_SBB: r = a - b - (carryIn ? 1 : 0); break;
            case OP_AND: case OP_TEST: r = a & b; break;
            case OP_XOR: r = a ^ b; break;
            default: r = a - b; break; // SUB, CMP
        }
        return r & Flags.mask(size);
    }

    /**
     * {@link #result} at 32 bits on {@code int} values: the definition {@code result} uses for
     * 32-bit operands, and what translated code calls when it keeps a register in an {@code int}.
     * {@code carry} is CF as 0 or 1 (see {@code Flags.carryBitOf}).
     */
    public static int result32(int op, int a, int b, int carry) {
        switch (op) {
            case OP_ADD: return a + b;
            case OP_OR: return a | b;
            case OP_ADC: return a + b + carry;
            case OP_SBB: return a - b - carry;
            case OP_AND: case OP_TEST: return a & b;
            case OP_XOR: return a ^ b;
            default: return a - b; // SUB, CMP
        }
    }

    /** The {@code OP_*} code of a binary ALU operation (ADD ... CMP, TEST for anything else). */
    public static int codeOf(org.apboot.core.decode.Op op) {
        switch (op) {
            case ADD: return OP_ADD;
            case OR: return OP_OR;
            case ADC: return OP_ADC;
            case SBB: return OP_SBB;
            case AND: return OP_AND;
            case SUB: return OP_SUB;
            case XOR: return OP_XOR;
            case CMP: return OP_CMP;
            default: return OP_TEST;
        }
    }

    /** The lazy-flag kind ({@code Flags.ADD} ...) binary operation {@code op} records. */
    public static int flagKind(int op) {
        switch (op) {
            case OP_ADD: return Flags.ADD;
            case OP_ADC: return Flags.ADC;
            case OP_SBB: return Flags.SBB;
            case OP_SUB: case OP_CMP: return Flags.SUB;
            default: return Flags.LOGIC;
        }
    }

    /** True when binary operation {@code op} reads CF (ADC, SBB). */
    public static boolean readsCarry(int op) {
        return op == OP_ADC || op == OP_SBB;
    }

    /** True when binary operation {@code op} writes its result back (all but CMP and TEST). */
    public static boolean writesResult(int op) {
        return op != OP_CMP && op != OP_TEST;
    }

    /** The first operand a flag record of {@code kind} keeps: the result itself for logic operations. */
    public static long recordedDst(int kind, long a, long r) {
        return kind == Flags.LOGIC ? r : a;
    }

    /** The second operand a flag record of {@code kind} keeps: 0 for logic operations. */
    public static long recordedSrc(int kind, long b) {
        return kind == Flags.LOGIC ? 0 : b;
    }

    /** INC's result at {@code size} bytes (flags: {@code Flags.INC}, dst a, src 1, CF kept). */
    public static long incResult(int size, long a) {
        return size == 4 ? incResult32((int) a) & 0xFFFF_FFFFL : (a + 1) & Flags.mask(size);
    }

    /** INC's result at 32 bits on an {@code int}. */
    public static int incResult32(int a) {
        return a + 1;
    }

    /** DEC's result at {@code size} bytes (flags: {@code Flags.DEC}, dst a, src 1, CF kept). */
    public static long decResult(int size, long a) {
        return size == 4 ? decResult32((int) a) & 0xFFFF_FFFFL : (a - 1) & Flags.mask(size);
    }

    /** DEC's result at 32 bits on an {@code int}. */
    public static int decResult32(int a) {
        return a - 1;
    }

    // ---------------------------------------------------------------- Cpu fields

    public static long add(Cpu cpu, int size, long a, long b) {
        long r = result(OP_ADD, size, a, b, false);
        Flags.record(cpu, Flags.ADD, size, a, b, r);
        return r;
    }

    public static long adc(Cpu cpu, int size, long a, long b) {
        long r = result(OP_ADC, size, a, b, Flags.carry(cpu));
        Flags.record(cpu, Flags.ADC, size, a, b, r);
        return r;
    }

    public static long sub(Cpu cpu, int size, long a, long b) {
        long r = result(OP_SUB, size, a, b, false);
        Flags.record(cpu, Flags.SUB, size, a, b, r);
        return r;
    }

    public static long sbb(Cpu cpu, int size, long a, long b) {
        long r = result(OP_SBB, size, a, b, Flags.carry(cpu));
        Flags.record(cpu, Flags.SBB, size, a, b, r);
        return r;
    }

    public static long and(Cpu cpu, int size, long a, long b) {
        long r = result(OP_AND, size, a, b, false);
        Flags.record(cpu, Flags.LOGIC, size, r, 0, r);
        return r;
    }

    public static long or(Cpu cpu, int size, long a, long b) {
        long r = result(OP_OR, size, a, b, false);
        Flags.record(cpu, Flags.LOGIC, size, r, 0, r);
        return r;
    }

    public static long xor(Cpu cpu, int size, long a, long b) {
        long r = result(OP_XOR, size, a, b, false);
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
        long r = incResult(size, a);
        Flags.recordKeepCarry(cpu, Flags.INC, size, a, r);
        return r;
    }

    /** DEC: CF unchanged. */
    public static long dec(Cpu cpu, int size, long a) {
        long r = decResult(size, a);
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
