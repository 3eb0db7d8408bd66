package org.apboot.core.semantics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apboot.core.cpu.Cpu;
import org.junit.jupiter.api.Test;

/**
 * The value-form readers of a lazy flag record that translated code calls (single flags,
 * CF as a bit, the flags a rotate keeps, a partial update, which conditions read CF), checked
 * against flag values worked out from the SDM definitions (vol. 1 appendix A, vol. 2 ADD, ADC,
 * SBB, SHL/SHR and Jcc), and the carry of ADC and SBB for every 8-bit operand pair and carry-in
 * against the sum or difference itself.
 */
class FlagRecordReadersTest {
    @Test
    void singleFlagReadersOfAnAddition() {
        Cpu cpu = TestCpus.prot32(0);
        Alu.add(cpu, 1, 0x7F, 0x01);           // 0x80: OF SF AF, odd parity
        assertFalse(Flags.carry(cpu));
        assertFalse(Flags.zero(cpu));
        assertTrue(Flags.sign(cpu));
        assertFalse(Flags.parity(cpu));
        assertTrue(Flags.adjust(cpu));
        assertTrue(Flags.overflow(cpu));
        Alu.add(cpu, 1, 0xFF, 0x01);           // 0x00: CF ZF AF PF
        assertTrue(Flags.carry(cpu));
        assertTrue(Flags.zero(cpu));
        assertFalse(Flags.sign(cpu));
        assertTrue(Flags.parity(cpu));
        assertFalse(Flags.overflow(cpu));
    }

    @Test
    void theFlagsARotateKeepsAndAPartialUpdate() {
        long of = Cpu.OF, sf = Cpu.SF, af = Cpu.AF, cf = Cpu.CF, pf = Cpu.PF, zf = Cpu.ZF;
        assertEquals(sf | af, Flags.keptByCarryOverflowOf(Flags.ADD, 1, 0x7F, 1, 0x80, 0));
        assertEquals(zf | af | pf, Flags.keptByCarryOverflowOf(Flags.ADD, 1, 0xFF, 1, 0x00, 0));
        assertEquals(pf | zf, Flags.keptByCarryOverflowOf(Flags.EAGER, 0, 0, 0, 0, pf | zf | cf | of));
        assertEquals(of | sf | af | cf,
                Flags.updatedBits(Flags.ADD, 1, 0x7F, 1, 0x80, 0, cf | Cpu.TF, -1L));
        assertEquals(sf | af, Flags.updatedBits(Flags.ADD, 1, 0x7F, 1, 0x80, 0, of, 0));
    }

    @Test
    void carryAsABit() {
        assertEquals(1, Flags.carryBitOf(Flags.EAGER, 0, 0, 0, 0, Cpu.CF | Cpu.ZF));
        assertEquals(0, Flags.carryBitOf(Flags.EAGER, 0, 0, 0, 0, Cpu.ZF));
        assertEquals(1, Flags.carryBitOf(Flags.INC, 1, 5, 1, 6, Cpu.CF));
        assertEquals(1, Flags.carryBitOf(Flags.SHL, 1, 0x81, 1, 0x02, 0));   // bit 7 shifted out
        assertEquals(0, Flags.carryBitOf(Flags.SHL, 1, 0x41, 1, 0x82, 0));
        assertEquals(1, Flags.carryBitOf(Flags.SHR, 1, 0x03, 1, 0x01, 0));   // bit 0 shifted out
        assertEquals(0, Flags.carryBitOf(Flags.SAR, 1, 0x82, 1, 0xC1, 0));
        assertEquals(1, Flags.carryBitOf(Flags.ADD, 1, 0xFF, 1, 0x00, 0));
        assertEquals(1, Flags.carryBitOf(Flags.SUB, 1, 0x00, 1, 0xFF, 0));   // borrow
        assertEquals(0, Flags.carryBitOf(Flags.ADD, 1, 0x01, 1, 0x02, 0));
    }

    @Test
    void theConditionsThatReadCf() {
        for (int cc = 0; cc < 16; cc++) {
            boolean reads = cc == 2 || cc == 3 || cc == 6 || cc == 7; // B, AE, BE, A
            assertEquals(reads, Flags.condReadsCarry(cc), "cc " + cc);
        }
    }

    @Test
    void adcAndSbbCarryForEveryByteAndCarryIn() {
        Cpu cpu = TestCpus.prot32(0);
        for (int cin = 0; cin < 2; cin++) {
            for (int a = 0; a < 256; a++) {
                for (int b = 0; b < 256; b++) {
                    Flags.setArith(cpu, cin == 1 ? Cpu.CF : 0);
                    long r = Alu.adc(cpu, 1, a, b);
                    assertEquals((a + b + cin) & 0xFF, r);
                    assertEquals(a + b + cin > 0xFF, Flags.carry(cpu), a + "+" + b + "+" + cin);
                    Flags.setArith(cpu, cin == 1 ? Cpu.CF : 0);
                    r = Alu.sbb(cpu, 1, a, b);
                    assertEquals((a - b - cin) & 0xFF, r);
                    assertEquals(a - b - cin < 0, Flags.carry(cpu), a + "-" + b + "-" + cin);
                }
            }
        }
    }

    @Test
    void writingVmThroughRflagsChangesTheMode() {
        Cpu cpu = TestCpus.prot32(0);
        Flags.setRflags(cpu, Cpu.VM, Cpu.VM);
        assertTrue(cpu.v86());
        assertEquals(3, cpu.cpl);
        assertEquals(16, cpu.codeSize);
        Flags.setRflags(cpu, 0, Cpu.VM);
        assertEquals(0, cpu.cpl);
        assertEquals(32, cpu.codeSize);
        Flags.setRflags(cpu, Cpu.CF | Cpu.AC, Cpu.CF | Cpu.AC);
        assertEquals(Cpu.CF | Cpu.AC | 2, Flags.rflags(cpu));
    }
}
