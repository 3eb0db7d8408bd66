package org.apboot.core.semantics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.fault.CpuException;
import org.apboot.core.fault.Vectors;
import org.junit.jupiter.api.Test;

/**
 * MUL, IMUL and IDIV cases worked out by hand from the SDM (vol. 2): operands carrying bits
 * above their size, the 64-bit signed high half with CF = OF = 1 exactly when it is not the
 * sign extension of the low half, #DE for a zero divisor and for quotients that do not fit.
 */
class MultiplyDivideEdgesTest {
    private final Cpu cpu = TestCpus.real();

    private static void de(Runnable r) {
        CpuException e = assertThrows(CpuException.class, r::run);
        assertEquals(Vectors.DE, e.vector, e.toString());
    }

    private long cfOf() {
        return Flags.arith(cpu) & (Cpu.CF | Cpu.OF);
    }

    @Test
    void productsOfTheLowBytesOnly() {
        assertEquals(0x0F, MulDiv.mulLow(1, 0x1234_5603L, 0xFF05L));
        assertEquals(0xFFFE_0001L & 0xFFFF, MulDiv.mulLow(2, 0x7_FFFFL, 0x3_FFFFL));
        assertEquals(0xFE, MulDiv.imulLow(1, 0xABFFL, 0x02L)); // -1 * 2
        assertEquals(0x0001, MulDiv.imulLow(2, 0xFFFFL, 0x1_FFFFL)); // -1 * -1
    }

    @Test
    void signedHighHalfAt64Bits() {
        assertEquals(-1L, MulDiv.imulHigh(cpu, 8, -2, 3)); // -6: the high half is all sign
        assertEquals(0, cfOf());
        assertEquals(1L, MulDiv.imulHigh(cpu, 8, 0x4000_0000_0000_0000L, 4)); // 2^64
        assertEquals(Cpu.CF | Cpu.OF, cfOf());
        assertEquals(0L, MulDiv.imulHigh(cpu, 8, 0x4000_0000_0000_0000L, 2)); // 2^63: not a signed 64-bit value
        assertEquals(Cpu.CF | Cpu.OF, cfOf());
        assertEquals(-1L, MulDiv.imulHigh(cpu, 8, 0xC000_0000_0000_0000L, 2)); // -2^63 fits
        assertEquals(0, cfOf());
    }

    @Test
    void signedHighHalfBelow64Bits() {
        assertEquals(0xFF, MulDiv.imulHigh(cpu, 1, 0xFF, 0x02)); // -2: AH all sign
        assertEquals(0, cfOf());
        assertEquals(0x3F, MulDiv.imulHigh(cpu, 1, 0x7F, 0x7F)); // 0x3F01
        assertEquals(Cpu.CF | Cpu.OF, cfOf());
        assertEquals(0xFFFF_FFFFL, MulDiv.imulHigh(cpu, 4, 0x8000_0000L, 0x1)); // -2^31 fits
        assertEquals(0, cfOf());
    }

    @Test
    void idivByZeroIsADivideError() {
        de(() -> MulDiv.idivQuotient(2, 0, 5, 0));
        de(() -> MulDiv.idivQuotient(1, 0, 5, 0x100)); // the divisor is its low byte: 0
        de(() -> MulDiv.idivQuotient(8, 0, 5, 0));
    }

    @Test
    void idivQuotientsThatDoNotFit() {
        de(() -> MulDiv.idivQuotient(4, 0x8000_0000L, 0, 0xFFFF_FFFFL)); // -2^63 / -1
        de(() -> MulDiv.idivQuotient(8, 1, 0, 1)); // 2^64 / 1
        de(() -> MulDiv.idivQuotient(8, -2, 0, -1)); // -2^65 / -1
        assertEquals(0x8000_0000_0000_0001L, MulDiv.idivQuotient(8, 0, 0x7FFF_FFFF_FFFF_FFFFL, -1L)); // fits
    }

    @Test
    void idivRemainderUsesOnlyTheOperandBytes() {
        // AX = 0x00F9 = 249 (AH 0, AL 0xF9 under garbage): 249 = 62 * 4 + 1
        assertEquals(1, MulDiv.idivRemainder(1, 0x1200, 0x34F9, 0x04));
        assertEquals(62, MulDiv.idivQuotient(1, 0x1200, 0x34F9, 0x04)); // 0x3E fits a byte
        // DX:AX = 0xFFFF:0xFFF9 = -7: -7 = -1 * 4 - 3
        assertEquals(0xFFFD, MulDiv.idivRemainder(2, 0xAB_FFFFL, 0xCD_FFF9L, 0x4));
    }
}
