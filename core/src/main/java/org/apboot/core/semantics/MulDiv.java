package org.apboot.core.semantics;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.fault.CpuException;

/**
 * MUL, IMUL (one-, two- and three-operand forms), DIV and IDIV.
 *
 * <p>Results are returned as values so an engine can keep registers anywhere: the one-operand
 * multiplies come as a low half ({@link #mulLow}, {@link #imulLow}) and a high half
 * ({@link #mulHigh}, {@link #imulHigh}, which also record the flags); the divides as quotient and
 * remainder, where the quotient method raises #DE (divisor zero or quotient too large) and must
 * therefore be called before anything is written. For byte operands the "high half" is AH and
 * the "low half" AL; the dividend is {@code hi:lo} = AH:AL, DX:AX, EDX:EAX or RDX:RAX.
 *
 * <p>Flags: CF = OF = 1 when the product does not fit the low half (unsigned) or is not the
 * sign extension of it (signed); SF, ZF, PF (undefined) follow the low half, AF (undefined) is
 * cleared. DIV and IDIV (all flags undefined) clear SF, ZF, PF, set AF and keep CF and OF, as
 * the host CPU of the oracle tests does ({@link #divFlags}, applied after a successful divide).
 */
public final class MulDiv {
    private MulDiv() {
    }

    /** High 64 bits of the unsigned 128-bit product. */
    public static long unsignedMultiplyHigh(long a, long b) {
        return Math.multiplyHigh(a, b) + ((a >> 63) & b) + ((b >> 63) & a);
    }

    // ---------------------------------------------------------------- MUL

    /** Low half of the unsigned product (AL, AX, EAX, RAX). */
    public static long mulLow(int size, long a, long b) {
        long m = Flags.mask(size);
        return ((a & m) * (b & m)) & m;
    }

    /** High half of the unsigned product (AH, DX, EDX, RDX); records the flags. */
    public static long mulHigh(Cpu cpu, int size, long a, long b) {
        long m = Flags.mask(size);
        long x = a & m, y = b & m;
        long hi, lo;
        if (size == 8) {
            lo = x * y;
            hi = unsignedMultiplyHigh(x, y);
        } else {
            long p = x * y; // at most 64 bits for 32x32
            lo = p & m;
            hi = (p >>> (size * 8)) & m;
        }
        Flags.record(cpu, Flags.MUL, size, 0, hi != 0 ? 1 : 0, lo);
        return hi;
    }

    // ---------------------------------------------------------------- IMUL

    /** Low half of the signed one-operand product. */
    public static long imulLow(int size, long a, long b) {
        return (Flags.signExtend(a, size) * Flags.signExtend(b, size)) & Flags.mask(size);
    }

    /** High half of the signed one-operand product; records the flags. */
    public static long imulHigh(Cpu cpu, int size, long a, long b) {
        long x = Flags.signExtend(a, size), y = Flags.signExtend(b, size);
        long m = Flags.mask(size);
        long lo, hi;
        boolean fits;
        if (size == 8) {
            lo = x * y;
            hi = Math.multiplyHigh(x, y);
            fits = hi == (lo >> 63);
        } else {
            long p = x * y;
            lo = p & m;
            hi = (p >> (size * 8)) & m;
            fits = Flags.signExtend(p, size) == p;
        }
        Flags.record(cpu, Flags.MUL, size, 0, fits ? 0 : 1, lo & m);
        return hi;
    }

    /** Two- and three-operand IMUL: the truncated signed product; records the flags. */
    public static long imul(Cpu cpu, int size, long a, long b) {
        long x = Flags.signExtend(a, size), y = Flags.signExtend(b, size);
        long p = x * y;
        boolean fits;
        if (size == 8) {
            fits = Math.multiplyHigh(x, y) == (p >> 63);
        } else {
            fits = Flags.signExtend(p, size) == p;
        }
        long r = p & Flags.mask(size);
        Flags.record(cpu, Flags.MUL, size, 0, fits ? 0 : 1, r);
        return r;
    }

    // ---------------------------------------------------------------- DIV

    /** Unsigned quotient of {@code hi:lo / d}; #DE when d is zero or the quotient overflows. */
    public static long divQuotient(int size, long hi, long lo, long d) {
        long m = Flags.mask(size);
        hi &= m;
        lo &= m;
        d &= m;
        if (d == 0) {
            throw CpuException.de();
        }
        if (Long.compareUnsigned(hi, d) >= 0) {
            throw CpuException.de(); // the quotient does not fit the operand size
        }
        if (size == 8) {
            return divlu(hi, lo, d, false);
        }
        long n = (hi << (size * 8)) | lo;
        return Long.divideUnsigned(n, d);
    }

    /** Unsigned remainder of {@code hi:lo / d}; call {@link #divQuotient} first for #DE. */
    public static long divRemainder(int size, long hi, long lo, long d) {
        long m = Flags.mask(size);
        hi &= m;
        lo &= m;
        d &= m;
        if (size == 8) {
            return divlu(hi, lo, d, true);
        }
        long n = (hi << (size * 8)) | lo;
        return Long.remainderUnsigned(n, d);
    }

    /**
     * Divides the unsigned 128-bit value {@code u1:u0} by {@code v} (requires u1 < v unsigned, so
     * the quotient fits 64 bits), with 32-bit digits and normalisation (Knuth, algorithm D).
     */
    static long divlu(long u1, long u0, long v, boolean remainder) {
        final long b = 1L << 32;
        int s = Long.numberOfLeadingZeros(v);
        v <<= s;
        long vn1 = v >>> 32, vn0 = v & 0xFFFF_FFFFL;
        long un32 = s == 0 ? u1 : (u1 << s) | (u0 >>> (64 - s));
        long un10 = u0 << s;
        long un1 = un10 >>> 32, un0 = un10 & 0xFFFF_FFFFL;

        long q1 = Long.divideUnsigned(un32, vn1);
        long rhat = un32 - q1 * vn1;
        while (Long.compareUnsigned(q1, b) >= 0 || Long.compareUnsigned(q1 * vn0, b * rhat + un1) > 0) {
            q1--;
            rhat += vn1;
            if (Long.compareUnsigned(rhat, b) >= 0) {
                break;
            }
        }
        long un21 = un32 * b + un1 - q1 * v;
        long q0 = Long.divideUnsigned(un21, vn1);
        rhat = un21 - q0 * vn1;
        while (Long.compareUnsigned(q0, b) >= 0 || Long.compareUnsigned(q0 * vn0, b * rhat + un0) > 0) {
            q0--;
            rhat += vn1;
            if (Long.compareUnsigned(rhat, b) >= 0) {
                break;
            }
        }
        if (remainder) {
            return (un21 * b + un0 - q0 * v) >>> s;
        }
        return q1 * b + q0;
    }

    /** The flags after a DIV or IDIV that did not fault. */
    public static void divFlags(Cpu cpu) {
        Flags.update(cpu, Cpu.SF | Cpu.ZF | Cpu.PF | Cpu.AF, Cpu.AF);
    }

    // ---------------------------------------------------------------- IDIV

    /** Signed quotient of {@code hi:lo / d} (truncated toward zero); #DE on zero or overflow. */
    public static long idivQuotient(int size, long hi, long lo, long d) {
        long m = Flags.mask(size);
        long dv = Flags.signExtend(d, size);
        if (dv == 0) {
            throw CpuException.de();
        }
        if (size == 8) {
            return idiv128(hi, lo, dv, false);
        }
        long n = Flags.signExtend(((hi & m) << (size * 8)) | (lo & m), size * 2); // signed dividend
        if (n == Long.MIN_VALUE && dv == -1) {
            throw CpuException.de();
        }
        long q = n / dv;
        if (Flags.signExtend(q, size) != q) {
            throw CpuException.de();
        }
        return q & m;
    }

    /** Signed remainder (sign of the dividend); call {@link #idivQuotient} first for #DE. */
    public static long idivRemainder(int size, long hi, long lo, long d) {
        long m = Flags.mask(size);
        long dv = Flags.signExtend(d, size);
        if (size == 8) {
            return idiv128(hi, lo, dv, true);
        }
        long n = Flags.signExtend(((hi & m) << (size * 8)) | (lo & m), size * 2);
        if (dv == -1) {
            return 0;
        }
        return (n % dv) & m;
    }

    private static long idiv128(long hi, long lo, long d, boolean remainder) {
        boolean nneg = hi < 0;
        long ahi = hi, alo = lo;
        if (nneg) {
            alo = -lo;
            ahi = ~hi + (lo == 0 ? 1 : 0);
        }
        boolean dneg = d < 0;
        long ad = dneg ? -d : d; // 2^63 stays 0x8000... which is right as an unsigned value
        if (Long.compareUnsigned(ahi, ad) >= 0) {
            throw CpuException.de();
        }
        if (remainder) {
            long r = divlu(ahi, alo, ad, true);
            return nneg ? -r : r;
        }
        long q = divlu(ahi, alo, ad, false);
        if (nneg != dneg) {
            if (Long.compareUnsigned(q, Long.MIN_VALUE) > 0) {
                throw CpuException.de();
            }
            return -q;
        }
        if (q < 0) {
            throw CpuException.de();
        }
        return q;
    }
}
