package org.apboot.core.semantics;

import org.apboot.core.cpu.Cpu;

/**
 * Lazy RFLAGS: arithmetic operations record their kind, operands and result in
 * {@link org.apboot.core.cpu.FlagState}; the six arithmetic flags are computed only when read.
 *
 * <h2>Recording conventions</h2>
 * {@code flagRes} is always masked to {@code flagSize}; {@code flagDst}/{@code flagSrc} may carry
 * bits above the size (every reader masks or looks only at bits inside the size), except:
 * <ul>
 * <li>{@link #SHL}, {@link #SHR}: {@code flagDst} is the operand masked to the size,
 *     {@code flagSrc} the masked, non-zero count.
 * <li>{@link #SAR}: {@code flagDst} is the operand sign-extended to 64 bits (so the carry of a
 *     count at or beyond the width is the sign).
 * <li>{@link #MUL}: {@code flagSrc} is 1 when CF = OF = 1 (the product did not fit), else 0.
 * <li>{@link #INC}, {@link #DEC}: {@code flagBits} holds the preserved CF.
 * </ul>
 *
 * <h2>Undefined flags</h2>
 * Where the manual leaves a flag undefined the choice is fixed here and documented per operation;
 * tests against the host CPU compare defined flags only.
 * <ul>
 * <li>AND/OR/XOR/TEST: AF cleared.
 * <li>SHL/SHR/SAR/SHLD/SHRD: AF set; OF for counts above 1 is the sign change of the last
 *     one-bit step: SHL/SHLD = MSB(result) XOR CF, SHR/SHRD = MSB(result) XOR the bit below
 *     it, SAR = 0;
 *     CF of SHL/SHR with a count at or above the width = the last bit shifted out of an
 *     infinitely wide register (0 beyond the width, bit 0 at exactly the width for SHL).
 * <li>MUL/IMUL: SF, ZF, PF from the low half of the product, AF cleared.
 * </ul>
 */
public final class Flags {
    /** {@code flagBits} holds the arithmetic flags directly. */
    public static final int EAGER = 0;
    public static final int ADD = 1, ADC = 2, SUB = 3, SBB = 4, LOGIC = 5, INC = 6, DEC = 7,
            NEG = 8, SHL = 9, SHR = 10, SAR = 11, MUL = 12;

    private static final byte[] PARITY = new byte[256];

    static {
        for (int i = 0; i < 256; i++) {
            PARITY[i] = (byte) ((Integer.bitCount(i) & 1) == 0 ? 1 : 0);
        }
    }

    private Flags() {
    }

    public static long mask(int size) {
        return size == 8 ? -1L : (1L << (size * 8)) - 1;
    }

    public static long signBit(int size) {
        return 1L << (size * 8 - 1);
    }

    /** Sign-extends the low {@code size} bytes of {@code v} to 64 bits. */
    public static long signExtend(long v, int size) {
        int sh = 64 - size * 8;
        return (v << sh) >> sh;
    }

    /** PF for a result: set when its low byte has an even number of one bits. */
    public static boolean parityOf(long v) {
        return PARITY[(int) (v & 0xFF)] != 0;
    }

    /** ZF, SF and PF of a {@code size}-byte result, at their RFLAGS positions. */
    public static long szp(int size, long res) {
        long f = 0;
        if ((res & mask(size)) == 0) f |= Cpu.ZF;
        if ((res & signBit(size)) != 0) f |= Cpu.SF;
        if (parityOf(res)) f |= Cpu.PF;
        return f;
    }

    // ---------------------------------------------------------------- recording

    /** Records a flag-setting operation ({@code res} masked to {@code size} by the caller). */
    public static void record(Cpu cpu, int op, int size, long dst, long src, long res) {
        cpu.flagOp = op;
        cpu.flagSize = size;
        cpu.flagDst = dst;
        cpu.flagSrc = src;
        cpu.flagRes = res;
    }

    /** Records INC/DEC, which keep CF. */
    public static void recordKeepCarry(Cpu cpu, int op, int size, long dst, long res) {
        cpu.flagBits = keptCarry(cpu.flagOp, cpu.flagSize, cpu.flagDst, cpu.flagSrc, cpu.flagRes, cpu.flagBits);
        record(cpu, op, size, dst, INC_DEC_SRC, res);
    }

    /** The {@code src} an INC or DEC record keeps (the 1 added or subtracted). */
    public static final long INC_DEC_SRC = 1;

    /**
     * The {@code bits} of an INC/DEC record that follows the record (op .. bits): the CF it keeps,
     * at its RFLAGS position.
     */
    public static long keptCarry(int op, int size, long dst, long src, long res, long bits) {
        return carryOf(op, size, dst, src, res, bits) ? Cpu.CF : 0;
    }

    /** Sets the six arithmetic flags directly (bits at RFLAGS positions; other bits ignored). */
    public static void setArith(Cpu cpu, long bits) {
        cpu.flagOp = EAGER;
        cpu.flagBits = bits & Cpu.ARITH_FLAGS;
    }

    /** Makes the flags eager (materialises the lazy record) so single bits can be changed. */
    public static void materialize(Cpu cpu) {
        if (cpu.flagOp != EAGER) {
            cpu.flagBits = arith(cpu);
            cpu.flagOp = EAGER;
        }
    }

    /**
     * The {@code bits} of an eager record that replaces the flags selected by {@code which} of the
     * record (op .. bits) with {@code newBits} and keeps the others (value form of {@link #update}).
     */
    public static long updatedBits(int op, int size, long dst, long src, long res, long bits, long which, long newBits) {
        return (arithOf(op, size, dst, src, res, bits) & ~which) | (newBits & which & Cpu.ARITH_FLAGS);
    }

    /** Replaces the arithmetic flags selected by {@code which} with {@code bits}; others kept. */
    public static void update(Cpu cpu, long which, long bits) {
        materialize(cpu);
        cpu.flagBits = (cpu.flagBits & ~which) | (bits & which & Cpu.ARITH_FLAGS);
    }

    /**
     * Replaces CF and OF with those of {@code bits} and keeps the other four (rotates): what
     * {@code update(cpu, CF | OF, bits)} does, without working out the CF and OF it replaces.
     */
    public static void updateCarryOverflow(Cpu cpu, long bits) {
        cpu.flagBits = keptByCarryOverflowOf(cpu.flagOp, cpu.flagSize, cpu.flagDst, cpu.flagSrc, cpu.flagRes,
                cpu.flagBits) | (bits & (Cpu.CF | Cpu.OF));
        cpu.flagOp = EAGER;
    }

    /** PF, AF, ZF and SF of the record (every arithmetic flag but CF and OF) at their RFLAGS positions. */
    public static long keptByCarryOverflowOf(int op, int size, long dst, long src, long res, long bits) {
        if (op == EAGER) {
            return bits & (Cpu.PF | Cpu.AF | Cpu.ZF | Cpu.SF);
        }
        long f = 0;
        if (parityOf(op, res, bits)) f |= Cpu.PF;
        if (adjustOf(op, dst, src, res, bits)) f |= Cpu.AF;
        if (zeroOf(op, size, res, bits)) f |= Cpu.ZF;
        if (signOf(op, size, res, bits)) f |= Cpu.SF;
        return f;
    }

    /** Sets CF only (BT family, CLC/STC/CMC); the other arithmetic flags are kept. */
    public static void setCarry(Cpu cpu, boolean cf) {
        update(cpu, Cpu.CF, cf ? Cpu.CF : 0);
    }

    // ---------------------------------------------------------------- reading

    /*
     * Every flag is defined once, as a pure function of a lazy-flag record (op, size, dst, src,
     * res, bits) held anywhere: in the Cpu fields (the interpreter) or in JVM locals (translated
     * code, which passes constants for op and size so the switch folds away). The Cpu-field
     * readers below are thin wrappers.
     */

    /*
     * The readers below are kept small (HotSpot inlines a hot method of up to 325 bytes of
     * bytecode, and translated code relies on that for the switch on a constant op to fold):
     * each operation's rule is its own small method.
     */

    /** CF of the record. */
    public static boolean carryOf(int op, int size, long dst, long src, long res, long bits) {
        switch (op) {
            case EAGER: case INC: case DEC: return (bits & Cpu.CF) != 0;
            case ADD: return Long.compareUnsigned(res & mask(size), dst & mask(size)) < 0;
            case ADC: return adcCarry(size, dst, src, res);
            case SUB: return Long.compareUnsigned(dst & mask(size), src & mask(size)) < 0;
            case SBB: return sbbBorrow(size, dst, src, res);
            case LOGIC: return false;
            case NEG: return (dst & mask(size)) != 0;
            case SHL: return shlCarryBit(size, dst, src) != 0;
            case SHR: case SAR: return shrCarryBit(dst, src) != 0;
            case MUL: return src != 0;
            default: throw badOp(op);
        }
    }

    /**
     * CF of the record as 0 or 1, what ADC and SBB add or subtract: for the operations whose CF
     * is a bit of an operand, that bit itself (no compare and no boolean in between).
     */
    public static int carryBitOf(int op, int size, long dst, long src, long res, long bits) {
        switch (op) {
            case EAGER: case INC: case DEC: return (int) (bits & Cpu.CF); // CF is bit 0
            case SHL: return shlCarryBit(size, dst, src);
            case SHR: case SAR: return shrCarryBit(dst, src);
            default: return carryOf(op, size, dst, src, res, bits) ? 1 : 0;
        }
    }

    private static IllegalStateException badOp(int op) {
        return new IllegalStateException("flag op " + op);
    }

    /** ADC's carry: {@code src} holds the second operand; the carry-in is recovered from the result. */
    private static boolean adcCarry(int size, long dst, long src, long res) {
        long m = mask(size);
        long a = dst & m, b = src & m, r = res & m;
        long cin = (r - a - b) & m;
        return cin == 0 ? Long.compareUnsigned(r, a) < 0 : Long.compareUnsigned(r, a) <= 0;
    }

    private static boolean sbbBorrow(int size, long dst, long src, long res) {
        long m = mask(size);
        long a = dst & m, b = src & m, r = res & m;
        long bin = (a - b - r) & m;
        return bin == 0 ? Long.compareUnsigned(a, b) < 0 : Long.compareUnsigned(a, b) <= 0;
    }

    /** SHL's carry: the last bit shifted out (0 for counts beyond the width). */
    private static int shlCarryBit(int size, long dst, long count) {
        int width = size * 8;
        return count <= width ? (int) (dst >>> (width - count)) & 1 : 0;
    }

    /** SHR's and SAR's carry: the last bit shifted out (of a sign-extended operand for SAR). */
    private static int shrCarryBit(long dst, long count) {
        return (int) (dst >>> (count - 1)) & 1;
    }

    /** ZF of the record. */
    public static boolean zeroOf(int op, int size, long res, long bits) {
        return op == EAGER ? (bits & Cpu.ZF) != 0 : (res & mask(size)) == 0;
    }

    /** SF of the record. */
    public static boolean signOf(int op, int size, long res, long bits) {
        return op == EAGER ? (bits & Cpu.SF) != 0 : (res & signBit(size)) != 0;
    }

    /** PF of the record. */
    public static boolean parityOf(int op, long res, long bits) {
        return op == EAGER ? (bits & Cpu.PF) != 0 : PARITY[(int) (res & 0xFF)] != 0;
    }

    /** AF of the record. */
    public static boolean adjustOf(int op, long dst, long src, long res, long bits) {
        switch (op) {
            case EAGER: return (bits & Cpu.AF) != 0;
            case LOGIC: case MUL: return false; // undefined for logic and multiply: chosen clear
            case SHL: case SHR: case SAR: return true; // undefined: set, as the oracle host does
            case NEG: return ((dst ^ res) & 0x10) != 0;
            default: return ((dst ^ src ^ res) & 0x10) != 0;
        }
    }

    /** OF of the record. */
    public static boolean overflowOf(int op, int size, long dst, long src, long res, long bits) {
        switch (op) {
            case EAGER: return (bits & Cpu.OF) != 0;
            case ADD: case ADC: case INC: return ((dst ^ res) & (src ^ res) & signBit(size)) != 0;
            case SUB: case SBB: case DEC: return ((dst ^ src) & (dst ^ res) & signBit(size)) != 0;
            case LOGIC: case SAR: return false;
            case NEG: return (res & mask(size)) == signBit(size);
            case SHL: return ((res & signBit(size)) != 0) ^ (shlCarryBit(size, dst, src) != 0);
            // the sign change of the last one-bit step: the two top bits of the result differ
            // (count 1: SHR gives MSB(operand), SHRD gives MSB(operand) XOR MSB(result))
            case SHR: return (((res << 1) ^ res) & signBit(size)) != 0;
            case MUL: return src != 0;
            default: throw badOp(op);
        }
    }

    /** The six arithmetic flags of the record at their RFLAGS positions. */
    public static long arithOf(int op, int size, long dst, long src, long res, long bits) {
        if (op == EAGER) {
            return bits & Cpu.ARITH_FLAGS;
        }
        long f = 0;
        if (carryOf(op, size, dst, src, res, bits)) f |= Cpu.CF;
        if (parityOf(op, res, bits)) f |= Cpu.PF;
        if (adjustOf(op, dst, src, res, bits)) f |= Cpu.AF;
        if (zeroOf(op, size, res, bits)) f |= Cpu.ZF;
        if (signOf(op, size, res, bits)) f |= Cpu.SF;
        if (overflowOf(op, size, dst, src, res, bits)) f |= Cpu.OF;
        return f;
    }

    /**
     * Condition code {@code cc} (0 = O ... 15 = G) of the record, as Jcc/SETcc/CMOVcc evaluate
     * it. After SUB/CMP the operands are compared directly (one compare, no flag work).
     */
    public static boolean condOf(int cc, int op, int size, long dst, long src, long res, long bits) {
        if (op == SUB) {
            long m = mask(size);
            long a = dst & m, b = src & m;
            boolean r;
            switch (cc >> 1) {
                case 1: r = Long.compareUnsigned(a, b) < 0; break;
                case 2: r = a == b; break;
                case 3: r = Long.compareUnsigned(a, b) <= 0; break;
                case 6: r = signExtend(a, size) < signExtend(b, size); break;
                case 7: r = signExtend(a, size) <= signExtend(b, size); break;
                default: return condSlow(cc, op, size, dst, src, res, bits);
            }
            return (cc & 1) != 0 ? !r : r;
        }
        return condSlow(cc, op, size, dst, src, res, bits);
    }

    /**
     * True when condition code {@code cc} reads CF (B, AE, BE, A): for the others {@link #condOf}
     * never looks at the CF an INC/DEC record keeps in {@code bits}.
     */
    public static boolean condReadsCarry(int cc) {
        int c = cc >> 1;
        return c == 1 || c == 3;
    }

    private static boolean condSlow(int cc, int op, int size, long dst, long src, long res, long bits) {
        boolean r;
        switch (cc >> 1) {
            case 0: r = overflowOf(op, size, dst, src, res, bits); break;
            case 1: r = carryOf(op, size, dst, src, res, bits); break;
            case 2: r = zeroOf(op, size, res, bits); break;
            case 3: r = carryOf(op, size, dst, src, res, bits) || zeroOf(op, size, res, bits); break;
            case 4: r = signOf(op, size, res, bits); break;
            case 5: r = parityOf(op, res, bits); break;
            case 6: r = signOf(op, size, res, bits) != overflowOf(op, size, dst, src, res, bits); break;
            default: r = zeroOf(op, size, res, bits)
                    || signOf(op, size, res, bits) != overflowOf(op, size, dst, src, res, bits); break;
        }
        return (cc & 1) != 0 ? !r : r;
    }

    public static boolean carry(Cpu cpu) {
        return carryOf(cpu.flagOp, cpu.flagSize, cpu.flagDst, cpu.flagSrc, cpu.flagRes, cpu.flagBits);
    }

    public static boolean zero(Cpu cpu) {
        return zeroOf(cpu.flagOp, cpu.flagSize, cpu.flagRes, cpu.flagBits);
    }

    public static boolean sign(Cpu cpu) {
        return signOf(cpu.flagOp, cpu.flagSize, cpu.flagRes, cpu.flagBits);
    }

    public static boolean parity(Cpu cpu) {
        return parityOf(cpu.flagOp, cpu.flagRes, cpu.flagBits);
    }

    public static boolean adjust(Cpu cpu) {
        return adjustOf(cpu.flagOp, cpu.flagDst, cpu.flagSrc, cpu.flagRes, cpu.flagBits);
    }

    public static boolean overflow(Cpu cpu) {
        return overflowOf(cpu.flagOp, cpu.flagSize, cpu.flagDst, cpu.flagSrc, cpu.flagRes, cpu.flagBits);
    }

    /** The six arithmetic flags at their RFLAGS positions. */
    public static long arith(Cpu cpu) {
        return arithOf(cpu.flagOp, cpu.flagSize, cpu.flagDst, cpu.flagSrc, cpu.flagRes, cpu.flagBits);
    }

    /** The whole RFLAGS value. */
    public static long rflags(Cpu cpu) {
        return cpu.sysFlags | arith(cpu) | 0x2;
    }

    /**
     * Writes RFLAGS bits selected by {@code writable} (privilege rules are the caller's), and
     * refreshes the mode if VM changed. Reserved bits stay at their fixed values.
     */
    public static void setRflags(Cpu cpu, long value, long writable) {
        long old = rflags(cpu);
        long v = (old & ~writable) | (value & writable);
        setArith(cpu, v);
        cpu.sysFlags = (v & ~Cpu.ARITH_FLAGS & 0x3F_7FD5L) | 0x2;
        if (((old ^ v) & Cpu.VM) != 0) {
            cpu.updateMode();
        }
    }

    /** Evaluates condition code {@code cc} (0 = O ... 15 = G) as Jcc/SETcc/CMOVcc do. */
    public static boolean cond(Cpu cpu, int cc) {
        return condOf(cc, cpu.flagOp, cpu.flagSize, cpu.flagDst, cpu.flagSrc, cpu.flagRes, cpu.flagBits);
    }
}
