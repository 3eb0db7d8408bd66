package org.apboot.core.semantics;

import static org.apboot.core.semantics.TestCpus.assertFlags;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apboot.core.cpu.Cpu;
import org.junit.jupiter.api.Test;

/** ALU results and all six flags, every operand size, from the manual's flag definitions. */
class AluTest {
    private final Cpu cpu = TestCpus.real();

    @Test
    void addSignedAndUnsignedOverflowPerSize() {
        // 0x7F + 1 = 0x80: signed overflow, half carry, sign, odd parity (one bit set)
        assertEquals(0x80, Alu.add(cpu, 1, 0x7F, 1));
        assertFlags(cpu, "AF SF OF");
        assertEquals(0x8000, Alu.add(cpu, 2, 0x7FFF, 1));
        assertFlags(cpu, "AF SF PF OF");
        assertEquals(0x8000_0000L, Alu.add(cpu, 4, 0x7FFF_FFFFL, 1));
        assertFlags(cpu, "AF SF PF OF");
        assertEquals(Long.MIN_VALUE, Alu.add(cpu, 8, Long.MAX_VALUE, 1));
        assertFlags(cpu, "AF SF PF OF");
        // 0xFF + 1 = 0 with carry, at every size the all-ones value wraps
        assertEquals(0, Alu.add(cpu, 1, 0xFF, 1));
        assertFlags(cpu, "CF PF AF ZF");
        assertEquals(0, Alu.add(cpu, 2, 0xFFFF, 1));
        assertFlags(cpu, "CF PF AF ZF");
        assertEquals(0, Alu.add(cpu, 4, 0xFFFF_FFFFL, 1));
        assertFlags(cpu, "CF PF AF ZF");
        assertEquals(0, Alu.add(cpu, 8, -1L, 1));
        assertFlags(cpu, "CF PF AF ZF");
        // 0x80 + 0x80 = 0 with carry and overflow
        assertEquals(0, Alu.add(cpu, 1, 0x80, 0x80));
        assertFlags(cpu, "CF PF ZF OF");
    }

    @Test
    void adcUsesAndProducesCarry() {
        Flags.setArith(cpu, Cpu.CF);
        assertEquals(0, Alu.adc(cpu, 1, 0xFF, 0)); // 0xFF + 0 + 1
        assertFlags(cpu, "CF PF AF ZF");
        assertEquals(0x8000, Alu.adc(cpu, 2, 0x7FFF, 0)); // carry in from the previous ADC
        assertFlags(cpu, "PF AF SF OF");
        Flags.setArith(cpu, Cpu.CF);
        assertEquals(0xFFFF_FFFFL, Alu.adc(cpu, 4, 0xFFFF_FFFFL, 0xFFFF_FFFFL)); // -1 + -1 + 1
        assertFlags(cpu, "CF PF AF SF");
        Flags.setArith(cpu, 0);
        assertEquals(1, Alu.adc(cpu, 8, 0, 1));
        assertFlags(cpu, "");
    }

    @Test
    void subAndSbbBorrow() {
        assertEquals(0xFF, Alu.sub(cpu, 1, 0, 1));
        assertFlags(cpu, "CF PF AF SF");
        assertEquals(0x7FFF, Alu.sub(cpu, 2, 0x8000, 1));
        assertFlags(cpu, "PF AF OF");
        assertEquals(0, Alu.sub(cpu, 4, 0x1234_5678, 0x1234_5678));
        assertFlags(cpu, "PF ZF");
        assertEquals(Long.MAX_VALUE, Alu.sub(cpu, 8, Long.MIN_VALUE, 1));
        assertFlags(cpu, "PF AF OF");
        Flags.setArith(cpu, Cpu.CF);
        assertEquals(0xFF, Alu.sbb(cpu, 1, 0, 0)); // 0 - 0 - 1
        assertFlags(cpu, "CF PF AF SF");
        assertEquals(0xFFFE, Alu.sbb(cpu, 2, 0, 1)); // borrow in from the previous SBB
        assertFlags(cpu, "CF AF SF");
        Flags.setArith(cpu, Cpu.CF);
        assertEquals(0xFFFF_FFFFL, Alu.sbb(cpu, 4, 5, 5)); // equal operands still borrow
        assertFlags(cpu, "CF PF AF SF");
        Flags.setArith(cpu, 0);
        assertEquals(0, Alu.sbb(cpu, 8, 7, 7));
        assertFlags(cpu, "PF ZF");
    }

    @Test
    void cmpSetsFlagsOnly() {
        Alu.cmp(cpu, 1, 0x80, 0x01); // -128 - 1 overflows
        assertFlags(cpu, "AF OF");
        Alu.cmp(cpu, 2, 1, 2);
        assertFlags(cpu, "CF PF AF SF");
        Alu.cmp(cpu, 4, 0xFFFF_FFFFL, 0xFFFF_FFFFL);
        assertFlags(cpu, "PF ZF");
        Alu.cmp(cpu, 8, 0, Long.MIN_VALUE);
        assertFlags(cpu, "CF PF SF OF");
    }

    @Test
    void logicClearsCarryAndOverflow() {
        Flags.setArith(cpu, Cpu.ARITH_FLAGS);
        assertEquals(0, Alu.and(cpu, 1, 0xF0, 0x0F));
        assertFlags(cpu, "PF ZF");
        assertEquals(0xFFFF, Alu.or(cpu, 2, 0xFF00, 0x00FF));
        assertFlags(cpu, "PF SF");
        assertEquals(0x8000_0001L, Alu.xor(cpu, 4, 0xFFFF_FFFFL, 0x7FFF_FFFEL));
        assertFlags(cpu, "SF");
        Alu.test(cpu, 8, Long.MIN_VALUE, -1L);
        assertFlags(cpu, "PF SF");
        assertEquals(0x7F, Alu.not(1, 0x80));
        assertEquals(0xFFFF_FFFF_0000_0000L, Alu.not(8, 0xFFFF_FFFFL));
    }

    @Test
    void incDecKeepCarry() {
        Flags.setArith(cpu, Cpu.CF);
        assertEquals(0x80, Alu.inc(cpu, 1, 0x7F));
        assertFlags(cpu, "CF AF SF OF");
        assertEquals(0, Alu.inc(cpu, 2, 0xFFFF)); // wraps without touching CF
        assertFlags(cpu, "CF PF AF ZF");
        Flags.setArith(cpu, 0);
        assertEquals(0xFFFF_FFFFL, Alu.dec(cpu, 4, 0));
        assertFlags(cpu, "PF AF SF");
        assertEquals(Long.MAX_VALUE, Alu.dec(cpu, 8, Long.MIN_VALUE));
        assertFlags(cpu, "PF AF OF");
        // INC after a lazily recorded carry keeps it
        Alu.sub(cpu, 1, 0, 1);
        Alu.inc(cpu, 1, 1);
        assertFlags(cpu, "CF");
    }

    @Test
    void negCarryAndOverflow() {
        assertEquals(0, Alu.neg(cpu, 1, 0));
        assertFlags(cpu, "PF ZF");
        assertEquals(0x80, Alu.neg(cpu, 1, 0x80));
        assertFlags(cpu, "CF SF OF");
        assertEquals(0xFFFF, Alu.neg(cpu, 2, 1));
        assertFlags(cpu, "CF PF AF SF");
        assertEquals(0x8000_0000L, Alu.neg(cpu, 4, 0x8000_0000L));
        assertFlags(cpu, "CF PF SF OF");
        assertEquals(-5L, Alu.neg(cpu, 8, 5));
        assertFlags(cpu, "CF AF SF");
    }

    @Test
    void operandsWithUpperGarbageAreMasked() {
        assertEquals(0x01, Alu.add(cpu, 1, 0xABCD_FF00L | 0xFF, 0x1234_0002L));
        assertFlags(cpu, "CF AF");
    }
}
