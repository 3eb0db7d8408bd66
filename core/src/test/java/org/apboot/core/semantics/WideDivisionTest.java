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

    /**
     * Dividends at the exact edge of the 64-bit quotient: {@code (d-1):(2^64-1)} is
     * {@code d * 2^64 - 1}, so the quotient is 2^64 - 1 and the remainder d - 1, the largest of
     * each; {@code d:0} needs a quotient of 2^64 and raises #DE.
     */
    @Test
    void quotientsAtTheTopOfTheRange() {
        long[] divisors = {1, 3, 0xFFFF_FFFFL, 0x1_0000_0001L, 0x8000_0000_0000_0000L, 0x8000_0000_0000_0001L,
            0xFFFF_FFFF_8000_0000L, -1};
        for (long d : divisors) {
            assertEquals(-1L, MulDiv.divQuotient(8, d - 1, -1, d), Long.toHexString(d));
            assertEquals(d - 1, MulDiv.divRemainder(8, d - 1, -1, d), Long.toHexString(d));
            checkUnsigned(d - 1, -1, d);
            checkUnsigned(d, 0, d);
            checkUnsigned(d - 1, 0, d);
        }
    }

    /**
     * The two-digit long division's digit estimate, corrected once, can leave its running
     * remainder at exactly 2^32 (the top divisor digit plus a remainder of 2^32 minus it); there
     * the correction must stop, since the next test would need 2^32 * 2^32, which no longer fits
     * 64 bits. High halves {@code k * (2^32-1) + 1} over divisor 2^64 - 1 reach it in both digits,
     * the others in the first; the expected values are {@link BigInteger}'s.
     */
    @Test
    void aCorrectedDigitWhoseRemainderReachesTwoToTheThirtyTwo() {
        long[][] cases = {
            {0x2_FFFF_FFFEL, 0, -1}, {0x4_FFFF_FFFCL, 0xFFFF_FFFFL, -1}, {0x1_2344_FFFE_DCBCL, 0, -1},
            {0xFFFE_FFFF_0001_0001L, 0xFFFF_FFFFL, -1}, {0x2_FFFF_FFFEL, 0, 0xFFFF_FFFF_8000_0000L},
            {0x1_2344_FFFE_DCBCL, 0, 0xFFFF_FFFF_1234_5678L}, {0xBFFF_4000_4000_0000L, 0, 0xC000_0000_8000_0000L},
        };
        for (long[] c : cases) {
            checkUnsigned(c[0], c[1], c[2]);
        }
        // by hand: h * 2^64 = h * (2^64 - 1) + h, so h:0 / (2^64 - 1) is h, remainder h
        assertEquals(0x4_FFFF_FFFCL, MulDiv.divQuotient(8, 0x4_FFFF_FFFCL, 0, -1));
        assertEquals(0x4_FFFF_FFFCL, MulDiv.divRemainder(8, 0x4_FFFF_FFFCL, 0, -1));
    }

    /**
     * IDIV where the dividend's magnitude has a high half equal to the divisor's magnitude: the
     * quotient is at least 2^64, #DE, for each sign of dividend and divisor
     * ({@code 3:(2^64-1)} is 2^66 - 1, {@code -4:1} is its negation).
     */
    @Test
    void signedMagnitudeWhoseHighHalfEqualsTheDivisor() {
        long[][] cases = {{3, -1, 3}, {3, -1, -3}, {-4, 1, 3}, {-4, 1, -3}, {5, -1, 5}, {0x3D4D, -1, 0x3D4D}};
        for (long[] c : cases) {
            assertThrows(CpuException.class, () -> MulDiv.idivQuotient(8, c[0], c[1], c[2]));
            checkSigned(c[0], c[1], c[2]);
        }
    }
}
