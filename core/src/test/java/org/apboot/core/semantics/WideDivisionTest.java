package org.apboot.core.semantics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigInteger;
import java.util.SplittableRandom;
import org.apboot.core.fault.CpuException;
import org.apboot.core.fault.Vectors;
import org.junit.jupiter.api.Test;

/**
 * 64-bit DIV and IDIV of RDX:RAX (Intel SDM vol. 2 DIV, IDIV): quotient truncated toward zero,
 * remainder with the sign of the dividend, #DE for a zero divisor or a quotient that does not fit
 * 64 bits. The expected values come from {@link BigInteger} arithmetic on the 128-bit dividend,
 * for divisors and dividends chosen to reach the corrections of a two-digit long division (digit
 * estimates one and two too large) and the edges of the signed range.
 */
class WideDivisionTest {
    private static final BigInteger TWO64 = BigInteger.ONE.shiftLeft(64);

    private static BigInteger unsigned(long v) {
        return new BigInteger(Long.toUnsignedString(v));
    }

    private static BigInteger dividend(long hi, long lo, boolean signed) {
        BigInteger n = unsigned(hi).shiftLeft(64).or(unsigned(lo));
        return signed && hi < 0 ? n.subtract(TWO64.shiftLeft(64)) : n;
    }

    private static void checkUnsigned(long hi, long lo, long d) {
        BigInteger[] qr = dividend(hi, lo, false).divideAndRemainder(unsigned(d));
        String what = Long.toHexString(hi) + ":" + Long.toHexString(lo) + " / " + Long.toHexString(d);
        if (qr[0].compareTo(TWO64) >= 0) {
            CpuException e = assertThrows(CpuException.class, () -> MulDiv.divQuotient(8, hi, lo, d), what);
            assertEquals(Vectors.DE, e.vector);
            return;
        }
        assertEquals(qr[0].longValue(), MulDiv.divQuotient(8, hi, lo, d), what);
        assertEquals(qr[1].longValue(), MulDiv.divRemainder(8, hi, lo, d), what);
    }

    private static void checkSigned(long hi, long lo, long d) {
        BigInteger n = dividend(hi, lo, true), dv = BigInteger.valueOf(d);
        BigInteger[] qr = n.divideAndRemainder(dv); // truncates toward zero, remainder takes the dividend's sign
        String what = Long.toHexString(hi) + ":" + Long.toHexString(lo) + " / " + d;
        if (qr[0].bitLength() > 63) {
            CpuException e = assertThrows(CpuException.class, () -> MulDiv.idivQuotient(8, hi, lo, d), what);
            assertEquals(Vectors.DE, e.vector);
            return;
        }
        assertEquals(qr[0].longValue(), MulDiv.idivQuotient(8, hi, lo, d), what);
        assertEquals(qr[1].longValue(), MulDiv.idivRemainder(8, hi, lo, d), what);
    }

    @Test
    void unsignedAgainstBigInteger() {
        long[] edges = {1, 2, 3, 0xFFFF_FFFFL, 0x1_0000_0000L, 0x1_0000_0001L, 0x7FFF_FFFF_FFFF_FFFFL,
            0x8000_0000_0000_0000L, 0x8000_0000_0000_0001L, 0xFFFF_FFFF_0000_0000L, -2, -1};
        for (long d : edges) {
            for (long hi : edges) {
                for (long lo : edges) {
                    checkUnsigned(hi, lo, d);
                }
                checkUnsigned(0, hi, d);
            }
        }
        SplittableRandom r = new SplittableRandom(0x5EED);
        for (int i = 0; i < 20000; i++) {
            long d = r.nextLong() >>> r.nextInt(64);
            if (d == 0) {
                continue;
            }
            long hi = Long.remainderUnsigned(r.nextLong(), d);
            checkUnsigned(hi, r.nextLong(), d);
            // divisor with a full top digit and a small bottom one: the estimates need correcting
            long d2 = 0x8000_0000_0000_0000L | (r.nextLong() & 0xFFFF_FFFFL);
            checkUnsigned(Long.remainderUnsigned(r.nextLong(), d2), r.nextLong(), d2);
        }
        assertThrows(CpuException.class, () -> MulDiv.divQuotient(8, 0, 1, 0));
    }

    @Test
    void signedAgainstBigInteger() {
        long[] divisors = {1, -1, 2, -2, 3, -3, 7, Long.MAX_VALUE, Long.MIN_VALUE, Long.MIN_VALUE + 1, 0x1_0000_0000L};
        long[][] dividends = {{0, 5}, {-1, -5}, {0, Long.MAX_VALUE}, {-1, Long.MIN_VALUE}, {0, Long.MIN_VALUE},
            {-1, Long.MAX_VALUE}, {1, 0}, {-2, 0}, {-1, 0}, {0x3FFF_FFFF_FFFF_FFFFL, -1}, {0xC000_0000_0000_0000L, 0},
            {0xC000_0000_0000_0000L, 1}};
        for (long d : divisors) {
            for (long[] n : dividends) {
                checkSigned(n[0], n[1], d);
            }
        }
        SplittableRandom r = new SplittableRandom(0xD1F);
        for (int i = 0; i < 20000; i++) {
            long d = r.nextLong() >> r.nextInt(64);
            if (d == 0) {
                continue;
            }
            long lo = r.nextLong();
            long hi = r.nextBoolean() ? lo >> 63 : r.nextLong() >> r.nextInt(1, 64);
            checkSigned(hi, lo, d);
        }
    }
}
