package org.apboot.core.semantics.segments;

import static org.apboot.core.fault.TestCpus.assertFault;
import static org.apboot.core.fault.TestCpus.putDescriptor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.Segment;
import org.apboot.core.decode.Insn;
import org.apboot.core.fault.TestCpus;
import org.apboot.core.fault.Vectors;
import org.apboot.core.semantics.Flags;
import org.apboot.core.semantics.SegmentLoads;
import org.junit.jupiter.api.Test;

/**
 * Segment register loads and the stack checks of privilege changes (Intel SDM vol. 2 MOV, POP,
 * LDS; vol. 3 sections 5.8.5 and 6.12.1): the accessed bit set in the descriptor, the CPL as
 * well as the RPL checked against a data segment's DPL, a null selector making DS..GS unusable
 * (in 64-bit mode a null FS or GS also gets base 0), the v86 attributes, the new stack of a call
 * gate or interrupt (#TS) or of a return (#GP), not present #SS, and the data segment
 * registers a return to an outer level makes null.
 */
class SegmentRegisterLoadRulesTest {
    private static final int FRESH_DATA = 0x60, CONF0_CODE = 0x68, USER_STACK16 = 0x70, RO_DATA0 = 0x78,
            ABSENT_DATA0 = 0x80, DATA1 = 0x88;

    private static Cpu prot32() {
        Cpu cpu = TestCpus.prot32();
        cpu.gdtrLimit = 0x8F;
        putDescriptor(cpu, FRESH_DATA, TestCpus.seg(0x4000, 0xFFFF, 0x92, 0x4));
        putDescriptor(cpu, CONF0_CODE, TestCpus.seg(0, 0xFFFFF, 0x9E, 0xC));
        putDescriptor(cpu, USER_STACK16, TestCpus.seg(0x10000, 0xFFFF, 0xF2, 0x0));
        putDescriptor(cpu, RO_DATA0, TestCpus.seg(0, 0xFFFFF, 0x90, 0xC));
        putDescriptor(cpu, ABSENT_DATA0, TestCpus.seg(0, 0xFFFFF, 0x12, 0xC));
        putDescriptor(cpu, DATA1, TestCpus.seg(0, 0xFFFFF, 0xB2, 0xC));
        return cpu;
    }

    @Test
    void aDataLoadSetsTheAccessedBitInTheDescriptorAndTheCache() {
        Cpu cpu = prot32();
        SegmentLoads.load(cpu, Insn.FS, FRESH_DATA);
        assertEquals(0x93, cpu.ram.read8(TestCpus.GDT + FRESH_DATA + 5));
        assertEquals(0x4000, cpu.seg[Insn.FS].base);
        assertEquals(Segment.TYPE_ACCESSED, cpu.seg[Insn.FS].attrs & Segment.TYPE_ACCESSED);
    }

    @Test
    void theCplCountsAsWellAsTheRpl() {
        Cpu cpu = prot32();
        SegmentLoads.commitCode(cpu, TestCpus.CODE32 | 2, cpu.ram.read64(TestCpus.GDT + 8), 2);
        assertFault(Vectors.GP, DATA1, () -> SegmentLoads.load(cpu, Insn.DS, DATA1));
        assertFault(Vectors.GP, TestCpus.DATA32, () -> SegmentLoads.load(cpu, Insn.ES, TestCpus.DATA32));
        SegmentLoads.load(cpu, Insn.GS, CONF0_CODE); // conforming code: no privilege check
        assertEquals(CONF0_CODE, cpu.seg[Insn.GS].selector);
    }

    @Test
    void aNullSelectorInSixtyFourBitModeClearsTheFsAndGsBasesOnly() {
        Cpu cpu = TestCpus.long64();
        cpu.seg[Insn.FS].base = 0x1234_5000L;
        cpu.seg[Insn.DS].base = 0x5678_0000L;
        SegmentLoads.load(cpu, Insn.FS, 3);
        assertEquals(3, cpu.seg[Insn.FS].selector);
        assertEquals(0, cpu.seg[Insn.FS].base);
        assertEquals(0, cpu.seg[Insn.FS].attrs);
        SegmentLoads.load(cpu, Insn.DS, 2);
        assertEquals(2, cpu.seg[Insn.DS].selector);
        assertEquals(0x5678_0000L, cpu.seg[Insn.DS].base);
        assertEquals(0, cpu.seg[Insn.DS].attrs);
    }

    @Test
    void aNullStackInSixtyFourBitModeIsAWritableSegmentAtTheRplPrivilege() {
        Cpu cpu = TestCpus.long64();
        SegmentLoads.load(cpu, Insn.SS, 0);
        assertEquals(Segment.P | Segment.S | Segment.TYPE_READ_OR_WRITE | Segment.TYPE_ACCESSED | Segment.DB | Segment.G,
                cpu.seg[Insn.SS].attrs);
        assertEquals(0xFFFF_FFFFL, cpu.seg[Insn.SS].limit);
        SegmentLoads.loadNullStack(cpu, 2);
        assertEquals(2, cpu.seg[Insn.SS].dpl());
        assertEquals(2, cpu.seg[Insn.SS].selector);
    }

    @Test
    void stackLoadsRefreshTheStackSize() {
        Cpu cpu = prot32();
        assertTrue((cpu.modeKey & Cpu.MK_SS_B) != 0);
        SegmentLoads.load(cpu, Insn.SS, TestCpus.DATA16);
        assertEquals(0, cpu.modeKey & Cpu.MK_SS_B);
        SegmentLoads.commitStack(cpu, TestCpus.DATA32, cpu.ram.read64(TestCpus.GDT + TestCpus.DATA32));
        assertTrue((cpu.modeKey & Cpu.MK_SS_B) != 0);
        SegmentLoads.commitStack(cpu, FRESH_DATA, cpu.ram.read64(TestCpus.GDT + FRESH_DATA));
        assertEquals(0x93, cpu.ram.read8(TestCpus.GDT + FRESH_DATA + 5), "accessed");
    }

    @Test
    void virtual8086LoadsGiveTheV86LimitAndAttributes() {
        Cpu cpu = prot32();
        cpu.sysFlags |= Cpu.VM;
        SegmentLoads.loadCodeReal(cpu, 0x1234);
        assertEquals(16, cpu.codeSize);
        assertEquals(3, cpu.cpl);
        assertEquals(0x12340, cpu.seg[Insn.CS].base);
        assertEquals(0xFFFF, cpu.seg[Insn.CS].limit);
        SegmentLoads.load(cpu, Insn.SS, 0x2000);
        assertEquals(0x20000, cpu.seg[Insn.SS].base);
        assertEquals(0xFFFF, cpu.seg[Insn.SS].limit);
        assertEquals(SegmentLoads.V86_ATTRS, cpu.seg[Insn.SS].attrs);
        assertEquals(0, cpu.modeKey & Cpu.MK_SS_B);
    }

    @Test
    void theNewStackOfAPrivilegeChange() {
        Cpu cpu = prot32();
        assertFault(Vectors.TS, 1, () -> SegmentLoads.checkStack(cpu, 0, 0, true, 1));
        assertFault(Vectors.GP, 0, () -> SegmentLoads.checkStack(cpu, 3, 3, false, 0));
        assertFault(Vectors.TS, TestCpus.DATA32 | 1, () -> SegmentLoads.checkStack(cpu, TestCpus.DATA32 | 1, 0, true, 1));
        assertFault(Vectors.GP, TestCpus.DATA32, () -> SegmentLoads.checkStack(cpu, TestCpus.DATA32, 3, false, 0));
        assertFault(Vectors.TS, 0x100, () -> SegmentLoads.checkStack(cpu, 0x100, 0, true, 0));
        assertFault(Vectors.GP, 0x100, () -> SegmentLoads.checkStack(cpu, 0x100, 0, false, 0));
        assertFault(Vectors.TS, RO_DATA0, () -> SegmentLoads.checkStack(cpu, RO_DATA0, 0, true, 0));
        assertFault(Vectors.TS, TestCpus.CODE32, () -> SegmentLoads.checkStack(cpu, TestCpus.CODE32, 0, true, 0));
        assertFault(Vectors.GP, TestCpus.UDATA32 & ~3, () -> SegmentLoads.checkStack(cpu, TestCpus.UDATA32 & ~3, 0, false, 0));
        assertFault(Vectors.SS, ABSENT_DATA0 | 1, () -> SegmentLoads.checkStack(cpu, ABSENT_DATA0, 0, true, 1));
        assertFault(Vectors.SS, ABSENT_DATA0, () -> SegmentLoads.checkStack(cpu, ABSENT_DATA0, 0, false, 0));
        assertEquals(cpu.ram.read64(TestCpus.GDT + USER_STACK16), SegmentLoads.checkStack(cpu, USER_STACK16 | 3, 3, false, 0));
    }

    @Test
    void aReturnToAnOuterLevelNullsDataRegistersTheNewLevelCannotUse() {
        Cpu cpu = prot32();
        SegmentLoads.load(cpu, Insn.ES, TestCpus.DATA32);            // data, DPL 0: nulled
        SegmentLoads.load(cpu, Insn.DS, CONF0_CODE);                 // conforming code: kept
        SegmentLoads.load(cpu, Insn.FS, TestCpus.CODE32);            // readable code, DPL 0: nulled
        SegmentLoads.load(cpu, Insn.GS, TestCpus.UDATA32);           // DPL 3: kept
        SegmentLoads.commitCode(cpu, TestCpus.UCODE32, cpu.ram.read64(TestCpus.GDT + 0x30), 3);
        SegmentLoads.nullInaccessibleDataSegments(cpu);
        assertEquals(0, cpu.seg[Insn.ES].attrs);
        assertEquals(0, cpu.seg[Insn.ES].selector);
        assertEquals(CONF0_CODE, cpu.seg[Insn.DS].selector);
        assertTrue(cpu.seg[Insn.DS].present());
        assertEquals(0, cpu.seg[Insn.FS].attrs);
        assertEquals(TestCpus.UDATA32, cpu.seg[Insn.GS].selector);
        assertTrue(cpu.seg[Insn.GS].present());
    }

    @Test
    void queriesIgnoreTheFirstGdtSlotAndHonourTheMode() {
        Cpu cpu = prot32();
        putDescriptor(cpu, 0, TestCpus.seg(0, 0xFFFFF, 0x92, 0xC));
        assertEquals(-1, SegmentLoads.lar(cpu, 0));
        assertEquals(-1, SegmentLoads.lsl(cpu, 3));
        assertFalse(SegmentLoads.verify(cpu, 0, false));
        assertFalse(SegmentLoads.verify(cpu, 0, true));
        Cpu real = TestCpus.real();
        assertFault(Vectors.UD, 0, () -> SegmentLoads.lsl(real, 8));
        assertFault(Vectors.UD, 0, () -> SegmentLoads.verify(real, 8, false));
        assertFault(Vectors.UD, 0, () -> SegmentLoads.verify(real, 8, true));
        assertFault(Vectors.UD, 0, () -> SegmentLoads.arpl(real, 1, 2));
    }

    @Test
    void arplLeavesAnEqualRplAlone() {
        Cpu cpu = prot32();
        assertEquals(-1, SegmentLoads.arpl(cpu, 0x12, 0x3A));
        assertEquals(0xFFFF, SegmentLoads.arpl(cpu, 0xFFFD, 0x3B) | 0);
    }

    @Test
    void settingOrClearingZfKeepsTheOtherFlags() {
        Cpu cpu = prot32();
        Flags.setArith(cpu, Cpu.CF | Cpu.SF);
        SegmentLoads.setZf(cpu, true);
        assertEquals(Cpu.CF | Cpu.SF | Cpu.ZF, Flags.arith(cpu));
        SegmentLoads.setZf(cpu, false);
        assertEquals(Cpu.CF | Cpu.SF, Flags.arith(cpu));
    }

    @Test
    void aNullStackSelectorFaultsWhateverTheFirstGdtSlotHolds() {
        Cpu cpu = prot32();
        putDescriptor(cpu, 0, TestCpus.seg(0, 0xFFFFF, 0x92, 0xC));
        assertFault(Vectors.TS, 1, () -> SegmentLoads.checkStack(cpu, 0, 0, true, 1));
        assertFault(Vectors.GP, 0, () -> SegmentLoads.checkStack(cpu, 0, 0, false, 0));
    }
}
