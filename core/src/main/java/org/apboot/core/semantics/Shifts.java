package org.apboot.core.semantics;

import org.apboot.core.cpu.Cpu;

/**
 * ROL, ROR, RCL, RCR, SHL (= SAL), SHR, SAR, SHLD, SHRD on plain values.
 *
 * <p>The count is masked to 5 bits (6 bits for 64-bit operands) as the hardware does; a masked
 * count of 0 returns the operand unchanged and leaves every flag untouched. RCL/RCR rotate
 * through CF over 9 / 17 bits for byte / word operands (count mod 9 / mod 17 after masking).
 *
 * <p>Flags: shifts set CF to the last bit shifted out and SF/ZF/PF from the result; OF is the
 * sign change of the last one-bit step (the manual's count-1 rule; undefined above 1); AF
 * (undefined) is set, as on the host of the oracle tests (see {@link Flags}).
 * Rotates change only CF and OF (OF by the count-1 rule for every count); when an RCL/RCR count
 * reduces to 0 modulo 9/17 the value and CF stay as they are and OF follows the same rule.
 * SHLD/SHRD with a 16-bit operand and a count of 17..31 (result undefined) shift through the
 * 48-bit pattern dst:src:dst, and set CF to the last bit that left it.
 */
public final class Shifts {
    private Shifts() {
    }

    /** The count the hardware uses: {@code count} masked to 5 bits (6 for 64-bit operands). */
    public static int maskCount(int size, long count) {
        return (int) (count & (size == 8 ? 63 : 31));
    }

    // ---------------------------------------------------------------- values

    /*
     * The value layer (see Alu): results and flag records of SHL/SHR/SAR and ROL/ROR for a
     * masked, non-zero count {@code c}, as pure functions, so translated code calls the same
     * definitions as the Cpu-field methods below. {@code a} may carry bits above the size.
     */

    /** The lazy-flag kind a shift records: {@code Flags.SHL}, {@code SHR} or {@code SAR}. */
    public static final int SHL = Flags.SHL, SHR = Flags.SHR, SAR = Flags.SAR;

    /** Result of shift {@code kind} of {@code a} by masked non-zero count {@code c} at {@code size}. */
    public static long shiftResult(int kind, int size, long a, int c) {
        if (size == 4) {
            return shiftResult32(kind, (int) a, c) & 0xFFFF_FFFFL;
        }
        long m = Flags.mask(size);
        switch (kind) {
            case Flags.SHL: return ((a & m) << c) & m;
            case Flags.SHR: return (a & m) >>> c;
            default: return (Flags.signExtend(a, size) >> c) & m;
        }
    }

    /** {@link #shiftResult} at 32 bits on an {@code int} (the definition it uses for that size). */
    public static int shiftResult32(int kind, int a, int c) {
        switch (kind) {
            case Flags.SHL: return a << c;
            case Flags.SHR: return a >>> c;
            default: return a >> c;
        }
    }

    /** The {@code dst} a shift's flag record keeps: the operand masked, or sign-extended for SAR. */
    public static long shiftRecordedDst(int kind, int size, long a) {
        return kind == Flags.SAR ? Flags.signExtend(a, size) : a & Flags.mask(size);
    }

    /** Result of ROL ({@code left}) or ROR of {@code a} by masked non-zero count {@code c}. */
    public static long rotateResult(boolean left, int size, long a, int c) {
        if (size == 4) {
            return rotateResult32(left, (int) a, c) & 0xFFFF_FFFFL;
        }
        long m = Flags.mask(size);
        long x = a & m;
        int bits = size * 8;
        int n = c & (bits - 1);
        if (n == 0) {
            return x;
        }
        return left ? ((x << n) | (x >>> (bits - n))) & m : ((x >>> n) | (x << (bits - n))) & m;
    }

    /** {@link #rotateResult} at 32 bits on an {@code int} (the definition it uses for that size). */
    public static int rotateResult32(boolean left, int a, int c) {
        return left ? Integer.rotateLeft(a, c) : Integer.rotateRight(a, c);
    }

    /** CF and OF (at their RFLAGS positions) after ROL ({@code left}) or ROR gave {@code r}. */
    public static long rotateFlags(boolean left, int size, long r) {
        int bits = size * 8;
        boolean msb = ((r >>> (bits - 1)) & 1) != 0;
        boolean cf = left ? (r & 1) != 0 : msb;
        boolean of = left ? msb ^ cf : msb ^ (((r >>> (bits - 2)) & 1) != 0);
        return (cf ? Cpu.CF : 0) | (of ? Cpu.OF : 0);
    }

    // ---------------------------------------------------------------- Cpu fields

    public static long shl(Cpu cpu, int size, long a, long count) {
        return shift(cpu, Flags.SHL, size, a, count);
    }

    public static long shr(Cpu cpu, int size, long a, long count) {
        return shift(cpu, Flags.SHR, size, a, count);
    }

    public static long sar(Cpu cpu, int size, long a, long count) {
        return shift(cpu, Flags.SAR, size, a, count);
    }

    private static long shift(Cpu cpu, int kind, int size, long a, long count) {
        int c = maskCount(size, count);
        if (c == 0) {
            return a & Flags.mask(size);
        }
        long r = shiftResult(kind, size, a, c);
        Flags.record(cpu, kind, size, shiftRecordedDst(kind, size, a), c, r);
        return r;
    }

    public static long rol(Cpu cpu, int size, long a, long count) {
        return rotate(cpu, true, size, a, count);
    }

    public static long ror(Cpu cpu, int size, long a, long count) {
        return rotate(cpu, false, size, a, count);
    }

    private static long rotate(Cpu cpu, boolean left, int size, long a, long count) {
        int c = maskCount(size, count);
        if (c == 0) {
            return a & Flags.mask(size);
        }
        long r = rotateResult(left, size, a, c);
        Flags.updateCarryOverflow(cpu, rotateFlags(left, size, r));
        return r;
    }

    private static void setCfOf(Cpu cpu, boolean cf, boolean of) {
        Flags.updateCarryOverflow(cpu, (cf ? Cpu.CF : 0) | (of ? Cpu.OF : 0));
    }

    /** Effective RCL/RCR rotation for a non-zero masked count. */
    private static int rcCount(int size, int c) {
        switch (size) {
            case 1: return c % 9;
            case 2: return c % 17;
            default: return c;
        }
    }

    public static long rcl(Cpu cpu, int size, long a, long count) {
        long m = Flags.mask(size);
        int c = maskCount(size, count);
        long x = a & m;
        if (c == 0) {
            return x;
        }
        int bits = size * 8;
        int n = rcCount(size, c);
        boolean cfIn = Flags.carry(cpu);
        long r;
        boolean cf;
        if (n == 0) {
            r = x;
            cf = cfIn;
        } else {
            r = (x << n) | ((cfIn ? 1L : 0L) << (n - 1));
            if (n > 1) {
                r |= x >>> (bits - n + 1);
            }
            r &= m;
            cf = ((x >>> (bits - n)) & 1) != 0;
        }
        boolean of = ((r >>> (bits - 1)) & 1) != 0 ^ cf;
        setCfOf(cpu, cf, of);
        return r;
    }

    public static long rcr(Cpu cpu, int size, long a, long count) {
        long m = Flags.mask(size);
        int c = maskCount(size, count);
        long x = a & m;
        if (c == 0) {
            return x;
        }
        int bits = size * 8;
        int n = rcCount(size, c);
        boolean cfIn = Flags.carry(cpu);
        long r;
        boolean cf;
        if (n == 0) {
            r = x;
            cf = cfIn;
        } else {
            r = (x >>> n) | ((cfIn ? 1L : 0L) << (bits - n));
            if (n > 1) {
                r |= x << (bits - n + 1);
            }
            r &= m;
            cf = ((x >>> (n - 1)) & 1) != 0;
        }
        boolean msb = ((r >>> (bits - 1)) & 1) != 0;
        boolean next = ((r >>> (bits - 2)) & 1) != 0;
        setCfOf(cpu, cf, msb ^ next);
        return r;
    }

    /** SHLD dst, src, count: shifts dst left, filling from the top bits of src. */
    public static long shld(Cpu cpu, int size, long dst, long src, long count) {
        long m = Flags.mask(size);
        int c = maskCount(size, count);
        long x = dst & m, y = src & m;
        if (c == 0) {
            return x;
        }
        int bits = size * 8;
        if (c > bits) {
            long v = (x << 32) | (y << 16) | x; // 16-bit operands only
            long r = (v >>> (32 - c)) & m;
            boolean cf = ((v >>> (48 - c)) & 1) != 0;
            // OF as a shift by one would set it (bit 15 of dst against bit 14), AF clear: what an
            // Intel host does (DoubleShiftBeyondWidthTest)
            boolean of = (((x >>> 15) ^ (x >>> 14)) & 1) != 0;
            Flags.setArith(cpu, Flags.szp(size, r) | (cf ? Cpu.CF : 0) | (of ? Cpu.OF : 0));
            return r;
        }
        long r = c == bits ? y : ((x << c) | (y >>> (bits - c))) & m;
        Flags.record(cpu, Flags.SHL, size, x, c, r);
        return r;
    }

    /** SHRD dst, src, count: shifts dst right, filling from the low bits of src. */
    public static long shrd(Cpu cpu, int size, long dst, long src, long count) {
        long m = Flags.mask(size);
        int c = maskCount(size, count);
        long x = dst & m, y = src & m;
        if (c == 0) {
            return x;
        }
        int bits = size * 8;
        if (c > bits) {
            long v = x | (y << 16) | (x << 32); // 16-bit operands only
            long r = (v >>> c) & m;
            boolean cf = ((v >>> (c - 1)) & 1) != 0;
            // OF as a shift by one would set it (bit 15 of dst against bit 0 of src), AF clear
            boolean of = (((x >>> 15) ^ y) & 1) != 0;
            Flags.setArith(cpu, Flags.szp(size, r) | (cf ? Cpu.CF : 0) | (of ? Cpu.OF : 0));
            return r;
        }
        long r = c == bits ? y : ((x >>> c) | (y << (bits - c))) & m;
        Flags.record(cpu, Flags.SHR, size, x, c, r);
        return r;
    }
}
