package org.apboot.core.semantics;

import static org.apboot.core.semantics.TestCpus.assertFlags;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apboot.core.cpu.Cpu;
import org.junit.jupiter.api.Test;

class BitsTest {
    private final Cpu cpu = TestCpus.real();

    @Test
    void bitTestFamilySetsOnlyCarry() {
        Flags.setArith(cpu, Cpu.ZF | Cpu.SF);
        Bits.bt(cpu, 0x8000, Bits.bitIndex(2, 15));
        assertFlags(cpu, "CF ZF SF");
        assertEquals(0x8001, Bits.bts(cpu, 0x8000, 0));
        assertFlags(cpu, "ZF SF");
        assertEquals(0x0000_0000L, Bits.btr(cpu, 0x8000_0000L, Bits.bitIndex(4, 63))); // 63 mod 32
        assertFlags(cpu, "CF ZF SF");
        assertEquals(Long.MIN_VALUE, Bits.btc(cpu, 0, Bits.bitIndex(8, 127)));
        assertFlags(cpu, "ZF SF");
    }

    @Test
    void bitStringDisplacementIsSignedAndOperandSized() {
        assertEquals(0, Bits.bitStringDisplacement(2, 15));
        assertEquals(2, Bits.bitStringDisplacement(2, 16));
        assertEquals(-2, Bits.bitStringDisplacement(2, 0xFFFF)); // -1 -> previous word
        assertEquals(-4, Bits.bitStringDisplacement(4, 0xFFFF_FFFFL));
        assertEquals(4 * 3, Bits.bitStringDisplacement(4, 100));
        assertEquals(-8, Bits.bitStringDisplacement(8, -64));
        assertEquals(-16, Bits.bitStringDisplacement(8, -65));
        assertEquals(31, Bits.bitIndex(4, -1));
    }

    @Test
    void scansKeepTheDestinationForZero() {
        Flags.setArith(cpu, Cpu.CF);
        assertEquals(0x1234L, Bits.bsf(cpu, 4, 0, 0x1234));
        assertFlags(cpu, "CF ZF");
        assertEquals(4, Bits.bsf(cpu, 2, 0xFFF0, 0));
        assertFlags(cpu, "CF");
        assertEquals(15, Bits.bsr(cpu, 2, 0x8001, 0));
        assertEquals(63, Bits.bsr(cpu, 8, -1L, 0));
        assertEquals(0, Bits.bsr(cpu, 8, 1, 99));
        assertFlags(cpu, "CF");
    }

    @Test
    void countingInstructions() {
        Flags.setArith(cpu, Cpu.OF);
        assertEquals(16, Bits.tzcnt(cpu, 2, 0));
        assertFlags(cpu, "CF OF"); // OF (undefined) kept
        assertEquals(0, Bits.tzcnt(cpu, 4, 1));
        assertFlags(cpu, "ZF OF");
        assertEquals(64, Bits.lzcnt(cpu, 8, 0));
        assertFlags(cpu, "CF OF");
        assertEquals(0, Bits.lzcnt(cpu, 2, 0x8000));
        assertFlags(cpu, "ZF OF");
        assertEquals(31, Bits.lzcnt(cpu, 4, 1));
        assertFlags(cpu, "OF");
        assertEquals(0, Bits.popcnt(cpu, 8, 0));
        assertFlags(cpu, "ZF");
        assertEquals(8, Bits.popcnt(cpu, 2, 0xF00F));
        assertFlags(cpu, "");
        assertEquals(64, Bits.popcnt(cpu, 8, -1L));
    }

    @Test
    void byteSwap() {
        assertEquals(0x7856_3412L, Bits.bswap(4, 0x1234_5678L));
        assertEquals(0xEFCD_AB89_6745_2301L, Bits.bswap(8, 0x0123_4567_89AB_CDEFL));
        assertEquals(0, Bits.bswap(2, 0x1234)); // undefined: zero, as hardware gives
    }
}
