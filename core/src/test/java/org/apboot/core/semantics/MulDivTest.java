package org.apboot.core.semantics;

import static org.apboot.core.semantics.TestCpus.assertFlags;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigInteger;
import java.util.Random;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.fault.CpuException;
import org.apboot.core.fault.Vectors;
import org.junit.jupiter.api.Test;

class MulDivTest {
    private final Cpu cpu = TestCpus.real();

    @Test
    void unsignedMultiplyEverySize() {
        assertEquals(0x01, MulDiv.mulLow(1, 0xFF, 0xFF)); // 0xFE01
        assertEquals(0xFE, MulDiv.mulHigh(cpu, 1, 0xFF, 0xFF));
        assertEquals(Cpu.CF | Cpu.OF, Flags.arith(cpu) & (Cpu.CF | Cpu.OF));
        assertEquals(0x0001, MulDiv.mulLow(2, 0xFFFF, 0xFFFF));
        assertEquals(0xFFFE, MulDiv.mulHigh(cpu, 2, 0xFFFF, 0xFFFF));
        assertEquals(0x0000_0001L, MulDiv.mulLow(4, 0xFFFF_FFFFL, 0xFFFF_FFFFL));
        assertEquals(0xFFFF_FFFEL, MulDiv.mulHigh(cpu, 4, 0xFFFF_FFFFL, 0xFFFF_FFFFL));
        assertEquals(1L, MulDiv.mulLow(8, -1L, -1L));
        assertEquals(-2L, MulDiv.mulHigh(cpu, 8, -1L, -1L));
        assertEquals(0, MulDiv.mulHigh(cpu, 8, 3, 5));
        assertEquals(0, Flags.arith(cpu) & (Cpu.CF | Cpu.OF));
    }

    @Test
    void signedMultiplyFlagsWhenTheProductDoesNotFit() {
        assertEquals(0xFF, MulDiv.imulHigh(cpu, 1, 0xFF, 0x02)); // -1 * 2 = -2: fits in AL
        assertEquals(0, Flags.arith(cpu) & (Cpu.CF | Cpu.OF));
        assertEquals(0x00, MulDiv.imulHigh(cpu, 1, 0x40, 0x02)); // 128 does not fit a signed byte
        assertEquals(Cpu.CF | Cpu.OF, Flags.arith(cpu) & (Cpu.CF | Cpu.OF));
        assertEquals(0x8000, MulDiv.imul(cpu, 2, 0x4000, 2));
        assertEquals(Cpu.CF | Cpu.OF, Flags.arith(cpu) & (Cpu.CF | Cpu.OF));
        assertEquals(0xFFFF_FFFEL, MulDiv.imul(cpu, 4, 0xFFFF_FFFFL, 2));
        assertEquals(0, Flags.arith(cpu) & (Cpu.CF | Cpu.OF));
        assertEquals(Long.MIN_VALUE, MulDiv.imul(cpu, 8, Long.MIN_VALUE, 1));
        assertEquals(0, Flags.arith(cpu) & (Cpu.CF | Cpu.OF));
        assertEquals(0, MulDiv.imul(cpu, 8, Long.MIN_VALUE, 2));
        assertEquals(Cpu.CF | Cpu.OF, Flags.arith(cpu) & (Cpu.CF | Cpu.OF));
        assertEquals(-1L, MulDiv.imulHigh(cpu, 8, -1L, 1));
        // chosen undefined flags: SF/ZF/PF from the low half, AF clear
        MulDiv.mulHigh(cpu, 1, 0, 5);
        assertFlags(cpu, "PF ZF");
    }

    @Test
    void divideEverySizeAndDivideErrors() {
        // AX = 0x0105 / 0x10 = 0x10 rem 5
        assertEquals(0x10, MulDiv.divQuotient(1, 0x01, 0x05, 0x10));
        assertEquals(0x05, MulDiv.divRemainder(1, 0x01, 0x05, 0x10));
        assertEquals(0xFFFF, MulDiv.divQuotient(2, 0xFFFE, 0xFFFF, 0xFFFF));
        assertEquals(0xFFFE, MulDiv.divRemainder(2, 0xFFFE, 0xFFFF, 0xFFFF));
        assertEquals(0x8000_0000L, MulDiv.divQuotient(4, 1, 0, 2));
        assertEquals(0, MulDiv.divRemainder(4, 1, 0, 2));
        assertEquals(Long.MIN_VALUE, MulDiv.divQuotient(8, 1, 0, 2));
        CpuException e = assertThrows(CpuException.class, () -> MulDiv.divQuotient(4, 5, 0, 0));
        assertEquals(Vectors.DE, e.vector);
        assertThrows(CpuException.class, () -> MulDiv.divQuotient(1, 0x10, 0, 0x10)); // quotient 0x100
        assertThrows(CpuException.class, () -> MulDiv.divQuotient(8, 7, 0, 7));
    }

    @Test
    void signedDivideTruncatesTowardZero() {
        // -7 / 2 = -3 rem -1 (AX = 0xFFF9)
        assertEquals(0xFD, MulDiv.idivQuotient(1, 0xFF, 0xF9, 2));
        assertEquals(0xFF, MulDiv.idivRemainder(1, 0xFF, 0xF9, 2));
        assertEquals(0xFFFD, MulDiv.idivQuotient(2, 0xFFFF, 0xFFF9, 2));
        assertEquals(3, MulDiv.idivQuotient(4, 0xFFFF_FFFFL, 0xFFFF_FFF9L, 0xFFFF_FFFEL));
        assertEquals(0xFFFF_FFFFL, MulDiv.idivRemainder(4, 0xFFFF_FFFFL, 0xFFFF_FFF9L, 0xFFFF_FFFEL));
        assertEquals(-3L, MulDiv.idivQuotient(8, -1L, -7L, 2));
        assertEquals(-1L, MulDiv.idivRemainder(8, -1L, -7L, 2));
        // -128 / -1 = 128 does not fit: #DE; the 64-bit minimum likewise
        assertThrows(CpuException.class, () -> MulDiv.idivQuotient(1, 0xFF, 0x80, 0xFF));
        assertThrows(CpuException.class, () -> MulDiv.idivQuotient(8, -1L, Long.MIN_VALUE, -1L));
        assertThrows(CpuException.class, () -> MulDiv.idivQuotient(2, 0, 0x8000, 1)); // +32768
        assertEquals(0x8000, MulDiv.idivQuotient(2, 0xFFFF, 0x8000, 1)); // -32768 fits
        assertEquals(Long.MIN_VALUE, MulDiv.idivQuotient(8, -1L, Long.MIN_VALUE, 1));
    }

    @Test
    void wideDivisionAgreesWithBigInteger() {
        Random r = new Random(7);
        BigInteger two64 = BigInteger.ONE.shiftLeft(64);
        for (int k = 0; k < 20000; k++) {
            long d = r.nextLong() >>> r.nextInt(64);
            if (d == 0) {
                continue;
            }
            long hi = Long.remainderUnsigned(r.nextLong() >>> r.nextInt(64), d);
            long lo = r.nextLong();
            BigInteger n = new BigInteger(Long.toUnsignedString(hi)).shiftLeft(64).add(new BigInteger(Long.toUnsignedString(lo)));
            BigInteger[] qr = n.divideAndRemainder(new BigInteger(Long.toUnsignedString(d)));
            assertEquals(qr[0].mod(two64).longValue(), MulDiv.divQuotient(8, hi, lo, d));
            assertEquals(qr[1].longValue(), MulDiv.divRemainder(8, hi, lo, d));
        }
    }
}
