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
        long cf = cpu.flagOp == EAGER ? cpu.flagBits & Cpu.CF : (carry(cpu) ? Cpu.CF : 0);
        cpu.flagBits = cf;
        record(cpu, op, size, dst, 1, res);
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

    /** Replaces the arithmetic flags selected by {@code which} with {@code bits}; others kept. */
    public static void update(Cpu cpu, long which, long bits) {
        materialize(cpu);
        cpu.flagBits = (cpu.flagBits & ~which) | (bits & which & Cpu.ARITH_FLAGS);
    }

    /** Sets CF only (BT family, CLC/STC/CMC); the other arithmetic flags are kept. */
    public static void setCarry(Cpu cpu, boolean cf) {
        update(cpu, Cpu.CF, cf ? Cpu.CF : 0);
    }

    // ---------------------------------------------------------------- reading

    public static boolean carry(Cpu cpu) {
        switch (cpu.flagOp) {
            case EAGER: return (cpu.flagBits & Cpu.CF) != 0;
            case ADD: {
                long m = mask(cpu.flagSize);
                return Long.compareUnsigned(cpu.flagRes & m, cpu.flagDst & m) < 0;
            }
            case ADC: return adcCarry(cpu, mask(cpu.flagSize));
            case SUB: {
                long m = mask(cpu.flagSize);
                return Long.compareUnsigned(cpu.flagDst & m, cpu.flagSrc & m) < 0;
            }
            case SBB: return sbbBorrow(cpu, mask(cpu.flagSize));
            case LOGIC: return false;
            case INC: case DEC: return (cpu.flagBits & Cpu.CF) != 0;
            case NEG: return (cpu.flagDst & mask(cpu.flagSize)) != 0;
            case SHL: return shlCarry(cpu);
            case SHR: case SAR: return ((cpu.flagDst >>> (cpu.flagSrc - 1)) & 1) != 0;
            case MUL: return cpu.flagSrc != 0;
            default: throw new IllegalStateException("flag op " + cpu.flagOp);
        }
    }

    private static boolean adcCarry(Cpu cpu, long m) {
        // flagSrc holds the second operand; the carry-in is recovered from the result
        long a = cpu.flagDst & m, b = cpu.flagSrc & m, r = cpu.flagRes & m;
        long cin = (r - a - b) & m;
        return cin == 0 ? Long.compareUnsigned(r, a) < 0 : Long.compareUnsigned(r, a) <= 0;
    }

    private static boolean sbbBorrow(Cpu cpu, long m) {
        long a = cpu.flagDst & m, b = cpu.flagSrc & m, r = cpu.flagRes & m;
        long bin = (a - b - r) & m;
        return bin == 0 ? Long.compareUnsigned(a, b) < 0 : Long.compareUnsigned(a, b) <= 0;
    }

    private static boolean shlCarry(Cpu cpu) {
        int bits = cpu.flagSize * 8;
        long count = cpu.flagSrc;
        if (count > bits) {
            return false;
        }
        return ((cpu.flagDst >>> (bits - count)) & 1) != 0;
    }

    public static boolean zero(Cpu cpu) {
        if (cpu.flagOp == EAGER) {
            return (cpu.flagBits & Cpu.ZF) != 0;
        }
        return (cpu.flagRes & mask(cpu.flagSize)) == 0;
    }

    public static boolean sign(Cpu cpu) {
        if (cpu.flagOp == EAGER) {
            return (cpu.flagBits & Cpu.SF) != 0;
        }
        return (cpu.flagRes & signBit(cpu.flagSize)) != 0;
    }

    public static boolean parity(Cpu cpu) {
        if (cpu.flagOp == EAGER) {
            return (cpu.flagBits & Cpu.PF) != 0;
        }
        return PARITY[(int) (cpu.flagRes & 0xFF)] != 0;
    }

    public static boolean adjust(Cpu cpu) {
        switch (cpu.flagOp) {
            case EAGER: return (cpu.flagBits & Cpu.AF) != 0;
            case LOGIC: case MUL: return false; // undefined for logic and multiply: chosen clear
            case SHL: case SHR: case SAR: return true; // undefined: set, as the oracle host does
            case NEG: return ((cpu.flagDst ^ cpu.flagRes) & 0x10) != 0;
            default: return ((cpu.flagDst ^ cpu.flagSrc ^ cpu.flagRes) & 0x10) != 0;
        }
    }

    public static boolean overflow(Cpu cpu) {
        long sb = signBit(cpu.flagSize);
        long d = cpu.flagDst, s = cpu.flagSrc, r = cpu.flagRes;
        switch (cpu.flagOp) {
            case EAGER: return (cpu.flagBits & Cpu.OF) != 0;
            case ADD: case ADC: case INC: return ((d ^ r) & (s ^ r) & sb) != 0;
            case SUB: case SBB: case DEC: return ((d ^ s) & (d ^ r) & sb) != 0;
            case LOGIC: return false;
            case NEG: return (r & mask(cpu.flagSize)) == sb;
            case SHL: return (((r & sb) != 0) ^ carry(cpu));
            // the sign change of the last one-bit step: the two top bits of the result differ
            // (count 1: SHR gives MSB(operand), SHRD gives MSB(operand) XOR MSB(result))
            case SHR: return (((r << 1) ^ r) & sb) != 0;
            case SAR: return false;
            case MUL: return s != 0;
            default: throw new IllegalStateException("flag op " + cpu.flagOp);
        }
    }

    /** The six arithmetic flags at their RFLAGS positions. */
    public static long arith(Cpu cpu) {
        if (cpu.flagOp == EAGER) {
            return cpu.flagBits;
        }
        long f = 0;
        if (carry(cpu)) f |= Cpu.CF;
        if (parity(cpu)) f |= Cpu.PF;
        if (adjust(cpu)) f |= Cpu.AF;
        if (zero(cpu)) f |= Cpu.ZF;
        if (sign(cpu)) f |= Cpu.SF;
        if (overflow(cpu)) f |= Cpu.OF;
        return f;
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
        if (cpu.flagOp == SUB) {
            // CMP/SUB followed by a condition: compare the operands directly
            int size = cpu.flagSize;
            long m = mask(size);
            long a = cpu.flagDst & m, b = cpu.flagSrc & m;
            boolean r;
            switch (cc >> 1) {
                case 1: r = Long.compareUnsigned(a, b) < 0; break;
                case 2: r = a == b; break;
                case 3: r = Long.compareUnsigned(a, b) <= 0; break;
                case 6: r = signExtend(a, size) < signExtend(b, size); break;
                case 7: r = signExtend(a, size) <= signExtend(b, size); break;
                default: return condSlow(cpu, cc);
            }
            return (cc & 1) != 0 ? !r : r;
        }
        return condSlow(cpu, cc);
    }

    private static boolean condSlow(Cpu cpu, int cc) {
        boolean r;
        switch (cc >> 1) {
            case 0: r = overflow(cpu); break;
            case 1: r = carry(cpu); break;
            case 2: r = zero(cpu); break;
            case 3: r = carry(cpu) || zero(cpu); break;
            case 4: r = sign(cpu); break;
            case 5: r = parity(cpu); break;
            case 6: r = sign(cpu) != overflow(cpu); break;
            default: r = zero(cpu) || sign(cpu) != overflow(cpu); break;
        }
        return (cc & 1) != 0 ? !r : r;
    }
}
