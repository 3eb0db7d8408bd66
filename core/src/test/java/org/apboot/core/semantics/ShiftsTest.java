package org.apboot.core.semantics;

import static org.apboot.core.semantics.TestCpus.assertFlags;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apboot.core.cpu.Cpu;
import org.junit.jupiter.api.Test;

class ShiftsTest {
    private final Cpu cpu = TestCpus.real();

    @Test
    void countZeroLeavesFlagsAlone() {
        Flags.setArith(cpu, Cpu.CF | Cpu.OF | Cpu.ZF);
        assertEquals(0x81, Shifts.shl(cpu, 1, 0x81, 0));
        assertEquals(0x81, Shifts.rol(cpu, 1, 0x81, 32)); // masked to 0
        assertEquals(0x1234, Shifts.sar(cpu, 2, 0x1234, 0x20));
        assertEquals(5L, Shifts.shr(cpu, 8, 5, 64)); // 6-bit mask for 64-bit operands
        assertFlags(cpu, "CF ZF OF");
    }

    @Test
    void shlEverySize() {
        assertEquals(0x02, Shifts.shl(cpu, 1, 0x81, 1)); // CF = old bit 7, OF = MSB xor CF
        assertFlags(cpu, "CF AF OF");
        assertEquals(0x0000, Shifts.shl(cpu, 2, 0x8001, 16)); // last bit out = bit 0
        assertFlags(cpu, "CF PF AF ZF OF");
        assertEquals(0x8000_0000L, Shifts.shl(cpu, 4, 1, 31));
        assertFlags(cpu, "PF AF SF OF");
        assertEquals(Long.MIN_VALUE, Shifts.shl(cpu, 8, 3, 63));
        assertFlags(cpu, "CF PF AF SF");
        assertEquals(0x40, Shifts.shl(cpu, 1, 0x01, 0x26)); // count masked to 6
    }

    @Test
    void shrAndSarEverySize() {
        assertEquals(0x40, Shifts.shr(cpu, 1, 0x81, 1));
        assertFlags(cpu, "CF AF OF");
        assertEquals(0xC0, Shifts.sar(cpu, 1, 0x81, 1));
        assertFlags(cpu, "CF PF AF SF");
        assertEquals(0xFFFF, Shifts.sar(cpu, 2, 0x8000, 31)); // the sign fills everything
        assertFlags(cpu, "CF PF AF SF");
        assertEquals(0x0001, Shifts.shr(cpu, 4, 0x8000_0000L, 31));
        assertFlags(cpu, "AF");
        assertEquals(-1L, Shifts.sar(cpu, 8, Long.MIN_VALUE, 63));
        assertFlags(cpu, "PF AF SF");
    }

    @Test
    void rotatesChangeOnlyCarryAndOverflow() {
        Flags.setArith(cpu, Cpu.ZF | Cpu.PF);
        assertEquals(0x03, Shifts.rol(cpu, 1, 0x81, 1)); // CF = new bit 0, OF = MSB xor CF
        assertFlags(cpu, "CF PF ZF OF");
        assertEquals(0x8000, Shifts.ror(cpu, 2, 0x0001, 1)); // CF = new MSB, OF = top two differ
        assertFlags(cpu, "CF PF ZF OF");
        assertEquals(0x2345_6781L, Shifts.rol(cpu, 4, 0x1234_5678L, 4));
        assertEquals(0x8123_4567_89AB_CDEFL, Shifts.ror(cpu, 8, 0x1234_5678_9ABC_DEF8L, 4));
        assertEquals(0x81, Shifts.rol(cpu, 1, 0x81, 8)); // a whole turn still sets CF from bit 0
        assertFlags(cpu, "CF PF ZF");
    }

    @Test
    void rotateThroughCarryUsesNineAndSeventeenBits() {
        Flags.setArith(cpu, 0);
        assertEquals(0x80, Shifts.rcl(cpu, 1, 0x80, 9)); // 9 mod 9 = 0: nothing moves, CF kept
        assertFlags(cpu, "OF"); // (undefined) OF by the count-1 rule: MSB xor CF
        assertEquals(0x00, Shifts.rcl(cpu, 1, 0x80, 1));
        assertFlags(cpu, "CF OF");
        assertEquals(0x8000, Shifts.rcl(cpu, 2, 0x8000, 17)); // CF = 1 stays, value unchanged
        assertFlags(cpu, "CF");
        assertEquals(0x8000, Shifts.rcl(cpu, 2, 0x0001, 16)); // = rotate right by one through CF
        assertFlags(cpu, "CF");
        Flags.setArith(cpu, 0);
        assertEquals(0, Shifts.rcr(cpu, 4, 1, 1));
        assertFlags(cpu, "CF");
        assertEquals(6L, Shifts.rcr(cpu, 8, 1, 63)); // 65-bit rotate right by 63 = left by 2
        assertFlags(cpu, "");
        Flags.setArith(cpu, Cpu.CF);
        assertEquals(0x80, Shifts.rcr(cpu, 1, 0x00, 1));
        assertFlags(cpu, "OF");
    }

    @Test
    void doublePrecisionShifts() {
        assertEquals(0x234A, Shifts.shld(cpu, 2, 0x1234, 0xABCD, 4));
        assertFlags(cpu, "CF AF OF");
        assertEquals(0xF012_3456L, Shifts.shrd(cpu, 4, 0x1234_5678L, 0x9ABC_DEF0L, 8));
        assertFlags(cpu, "PF AF SF");
        assertEquals(3L, Shifts.shld(cpu, 8, 1, Long.MIN_VALUE, 1));
        assertFlags(cpu, "PF AF");
        assertEquals(0xABCD, Shifts.shld(cpu, 2, 0x1234, 0xABCD, 16));
        Flags.setArith(cpu, Cpu.OF);
        assertEquals(0x1234, Shifts.shrd(cpu, 4, 0x1234, 0xFFFF, 32)); // masked count 0
        assertFlags(cpu, "OF");
    }
}
