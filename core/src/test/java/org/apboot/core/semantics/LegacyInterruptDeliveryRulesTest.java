package org.apboot.core.semantics;

import static org.apboot.core.fault.TestCpus.assertFault;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.decode.Insn;
import org.apboot.core.fault.TestCpus;
import org.apboot.core.fault.Vectors;
import org.junit.jupiter.api.Test;

/**
 * The checks of interrupt and exception delivery outside IA-32e mode (Intel SDM vol. 3 sections
 * 6.11 to 6.13, 20.3 and 20.4; vol. 2 INT n "Operation"): the IVT and IDT limits, the gate types
 * an IDT may hold, the DPL check that only software interrupts make, the handler code segment
 * (#GP or #NP with the selector and the EXT bit), 16-bit gates, the stack switch to a 16-bit
 * stack, delivery from virtual-8086 mode (IOPL, the DPL-0 handler, the segment registers pushed
 * and cleared) and the CR4.VME redirection bitmap.
 */
class LegacyInterruptDeliveryRulesTest {
    private static final long IDT = 0x2000;
    private static final int CODE_DPL1 = 0x60, ABSENT_CODE = 0x68;

    private static void gate(Cpu cpu, int vector, long offset, int sel, int access) {
        cpu.ram.write64(IDT + 8L * vector, TestCpus.gate(offset, sel, access, 0));
    }

    private static Cpu prot32() {
        Cpu cpu = TestCpus.prot32();
        cpu.gdtrLimit = 0x6F;
        cpu.ram.write64(TestCpus.GDT + CODE_DPL1, TestCpus.seg(0, 0xFFFFF, 0xBA, 0xC));
        cpu.ram.write64(TestCpus.GDT + ABSENT_CODE, TestCpus.seg(0, 0xFFFFF, 0x1A, 0xC));
        cpu.idtrBase = IDT;
        cpu.idtrLimit = 0x7FF;
        cpu.rip = 0x1234;
        return cpu;
    }

    private static Cpu user(long ss0) {
        Cpu cpu = prot32();
        cpu.ram.write32(0x3004, 0x9000);
        cpu.ram.write32(0x3008, (int) ss0);
        SegmentLoads.ltr(cpu, TestCpus.TSS);
        SegmentLoads.commitCode(cpu, TestCpus.UCODE32, cpu.ram.read64(TestCpus.GDT + 0x30), 3);
        SegmentLoads.load(cpu, Insn.SS, TestCpus.UDATA32);
        cpu.r[Cpu.RSP] = 0x7000;
        Flags.setRflags(cpu, Cpu.IF, -1L);
        return cpu;
    }

    @Test
    void theIvtEntryMustLieWithinTheIdtrLimit() {
        Cpu cpu = TestCpus.real();
        cpu.idtrBase = 0;
        cpu.idtrLimit = 0x43;
        cpu.ram.write32(0x40, 0x2000_0010);
        SegmentLoads.load(cpu, Insn.SS, 0x500);
        cpu.r[Cpu.RSP] = 0x100;
        ExceptionDelivery.deliverSoftwareInterrupt(cpu, 0x10, 0x102);
        assertEquals(0x10, cpu.rip);
        cpu.idtrLimit = 0x42;
        assertFault(Vectors.GP, 0x10 * 8 + 2, () -> ExceptionDelivery.deliverSoftwareInterrupt(cpu, 0x10, 0x102));
    }

    @Test
    void theIdtEntryMustLieWithinTheIdtrLimit() {
        Cpu cpu = prot32();
        gate(cpu, 0x10, 0x4000, TestCpus.CODE32, 0xEE);
        cpu.idtrLimit = 0x10 * 8 + 7;
        ExceptionDelivery.deliverSoftwareInterrupt(cpu, 0x10, 0x1236);
        assertEquals(0x4000, cpu.rip);
        cpu.idtrLimit = 0x10 * 8 + 6;
        assertFault(Vectors.GP, 0x10 * 8 + 2, () -> ExceptionDelivery.deliverSoftwareInterrupt(cpu, 0x10, 0x1236));
    }

    @Test
    void onlyGatesMayStandInTheIdt() {
        Cpu cpu = prot32();
        gate(cpu, 0x30, 0x4000, TestCpus.CODE32, 0xEC);                           // a call gate
        assertFault(Vectors.GP, 0x30 * 8 + 2, () -> ExceptionDelivery.deliverSoftwareInterrupt(cpu, 0x30, 0));
        cpu.ram.write64(IDT + 8 * 0x31, TestCpus.seg(0, 0xFFFFF, 0xFE, 0xC));    // code, type nibble 0xE
        assertFault(Vectors.GP, 0x31 * 8 + 2, () -> ExceptionDelivery.deliverSoftwareInterrupt(cpu, 0x31, 0));
        cpu.ram.write64(IDT + 8 * 0x32, TestCpus.seg(0, 0xFFFFF, 0xF5, 0xC));    // data, type nibble 5
        assertFault(Vectors.GP, 0x32 * 8 + 2, () -> ExceptionDelivery.deliverSoftwareInterrupt(cpu, 0x32, 0));
        gate(cpu, 0x33, 0x4000, TestCpus.CODE32, 0xE2);                           // an LDT descriptor
        assertFault(Vectors.GP, 0x33 * 8 + 3,
                () -> ExceptionDelivery.deliverSoftwareInterrupt(cpu, 0x33, 0, ExceptionDelivery.EXTERNAL));
    }

    @Test
    void sixteenBitGatesPushWordsAndUseTheLowOffset() {
        Cpu cpu = prot32();
        gate(cpu, 0x40, 0x1_4000, TestCpus.CODE32, 0xE6);                         // 16-bit interrupt gate
        gate(cpu, 0x41, 0x4100, TestCpus.CODE32, 0xE7);                           // 16-bit trap gate
        Flags.setRflags(cpu, Cpu.IF | Cpu.CF, -1L);
        ExceptionDelivery.deliverSoftwareInterrupt(cpu, 0x40, 0x1236);
        assertEquals(0x4000, cpu.rip);
        assertEquals(0x7FFA, cpu.r[Cpu.RSP]);
        assertEquals(0x1236, cpu.ram.read16(0x7FFA));
        assertEquals(TestCpus.CODE32, cpu.ram.read16(0x7FFC));
        assertEquals(Cpu.IF | Cpu.CF | 2, cpu.ram.read16(0x7FFE));
        assertFalse((Flags.rflags(cpu) & Cpu.IF) != 0, "an interrupt gate clears IF");
        Flags.setRflags(cpu, Cpu.IF, -1L);
        ExceptionDelivery.deliverSoftwareInterrupt(cpu, 0x41, 0x4000);
        assertEquals(0x4100, cpu.rip);
        assertTrue((Flags.rflags(cpu) & Cpu.IF) != 0, "a trap gate keeps IF");
    }

    @Test
    void theHandlerOffsetMayBeTheLastByteOfTheSegment() {
        Cpu cpu = prot32();
        gate(cpu, 0x42, 0xFFFF, TestCpus.CODE16, 0xEE);
        ExceptionDelivery.deliverSoftwareInterrupt(cpu, 0x42, 0x1236);
        assertEquals(0xFFFF, cpu.rip);
        gate(cpu, 0x43, 0x1_0000, TestCpus.CODE16, 0xEE);
        assertFault(Vectors.GP, 0, () -> ExceptionDelivery.deliverSoftwareInterrupt(cpu, 0x43, 0x1236));
    }

    @Test
    void onlySoftwareInterruptsCheckTheGateDpl() {
        Cpu cpu = user(TestCpus.DATA32);
        gate(cpu, 0x50, 0x4000, TestCpus.CODE32, 0x8E);
        assertFault(Vectors.GP, 0x50 * 8 + 2, () -> ExceptionDelivery.deliverSoftwareInterrupt(cpu, 0x50, 0x1236,
                ExceptionDelivery.SOFTWARE_EXCEPTION));
        ExceptionDelivery.deliverSoftwareInterrupt(cpu, 0x50, 0x1236, ExceptionDelivery.ICEBP);
        assertEquals(0, cpu.cpl);
        assertEquals(0x4000, cpu.rip);
    }

    @Test
    void theHandlerCodeSegmentChecksCarryTheExtBit() {
        Cpu cpu = prot32();
        gate(cpu, 0x20, 0x4000, 0, 0x8E);
        assertFault(Vectors.GP, 1, () -> ExceptionDelivery.deliverSoftwareInterrupt(cpu, 0x20, 0, ExceptionDelivery.EXTERNAL));
        gate(cpu, 0x21, 0x4000, 0x100, 0x8E);                                     // beyond the GDT
        assertFault(Vectors.GP, 0x101, () -> ExceptionDelivery.deliverSoftwareInterrupt(cpu, 0x21, 0, ExceptionDelivery.EXTERNAL));
        gate(cpu, 0x22, 0x4000, TestCpus.DATA32, 0x8E);
        assertFault(Vectors.GP, TestCpus.DATA32 | 1,
                () -> ExceptionDelivery.deliverSoftwareInterrupt(cpu, 0x22, 0, ExceptionDelivery.EXTERNAL));
        gate(cpu, 0x23, 0x4000, ABSENT_CODE, 0xEE);
        assertFault(Vectors.NP, ABSENT_CODE, () -> ExceptionDelivery.deliverSoftwareInterrupt(cpu, 0x23, 0));
        gate(cpu, 0x24, 0x4000, TestCpus.UCODE32, 0xEE);                          // DPL 3 above CPL 0
        assertFault(Vectors.GP, TestCpus.UCODE32 & ~3, () -> ExceptionDelivery.deliverSoftwareInterrupt(cpu, 0x24, 0));
        assertEquals(0x8000, cpu.r[Cpu.RSP]);
    }

    @Test
    void ia32eModeHandlersMustBeSixtyFourBitCode() {
        Cpu cpu = TestCpus.long64();
        cpu.idtrBase = IDT;
        cpu.idtrLimit = 0xFFF;
        cpu.ram.write64(IDT + 16 * 0x20, TestCpus.gate(0x4000, TestCpus.CODE32, 0x8E, 0));
        cpu.ram.write64(IDT + 16 * 0x20 + 8, 0);
        assertFault(Vectors.GP, TestCpus.CODE32 | 1, () -> ExceptionDelivery.deliverSoftwareInterrupt(cpu, 0x20, 0,
                ExceptionDelivery.EXTERNAL));
        assertTrue(ExceptionDelivery.handlerCode(cpu, TestCpus.CODE64, 0, true) != 0);
        cpu.ram.write64(TestCpus.GDT + 0x60, TestCpus.seg(0, 0xFFFFF, 0x9A, 0xE));  // L and D
        cpu.gdtrLimit = 0x67;
        assertFault(Vectors.GP, 0x60, () -> ExceptionDelivery.handlerCode(cpu, 0x60, 0, true));
    }

    /**
     * An interrupt to an inner level with a 16-bit stack segment: ESP is loaded whole from the
     * TSS and the pushes move SP only, so ESP[31:16] are those of ESP0, not of the old ESP.
     */
    @Test
    void aStackSwitchToASixteenBitStackTakesTheUpperEspBitsFromTheTss() {
        Cpu cpu = user(TestCpus.DATA16);
        cpu.r[Cpu.RSP] = 0x2_7000;
        gate(cpu, 0x80, 0x4400, TestCpus.CODE32, 0xEE);
        ExceptionDelivery.deliverSoftwareInterrupt(cpu, 0x80, 0x5555);
        assertEquals(0, cpu.cpl);
        assertEquals(TestCpus.DATA16, cpu.seg[Insn.SS].selector);
        assertEquals(0x8FEC, cpu.r[Cpu.RSP]);
        assertEquals(0x5555, cpu.ram.read32(0x8FEC));
        assertEquals(0x33, cpu.ram.read32(0x8FF0));
        assertEquals(0x2_7000, cpu.ram.read32(0x8FF8));
        assertEquals(0x3B, cpu.ram.read32(0x8FFC));
    }

    // ---------------------------------------------------------------- virtual-8086 mode

    private static Cpu v86(int iopl) {
        Cpu cpu = user(TestCpus.DATA32);
        cpu.sysFlags |= Cpu.VM | ((long) iopl << 12);
        SegmentLoads.loadCodeReal(cpu, 0x100);
        for (int s : new int[] {Insn.ES, Insn.SS, Insn.DS, Insn.FS, Insn.GS}) {
            SegmentLoads.load(cpu, s, 0x500 + s);
        }
        cpu.r[Cpu.RSP] = 0x100;
        assertTrue(cpu.v86());
        return cpu;
    }

    @Test
    void aV86SoftwareInterruptNeedsIopl3() {
        Cpu cpu = v86(2);
        gate(cpu, 0x21, 0x4000, TestCpus.CODE32, 0xEE);
        assertFault(Vectors.GP, 0, () -> ExceptionDelivery.deliverSoftwareInterrupt(cpu, 0x21, 0x1236));
        assertTrue(cpu.v86());
    }

    @Test
    void aV86InterruptPushesTheDataSegmentsAndClearsThem() {
        Cpu cpu = v86(3);
        gate(cpu, 0x21, 0x4000, TestCpus.CODE32, 0xEE);
        ExceptionDelivery.deliverSoftwareInterrupt(cpu, 0x21, 0x1236);
        assertFalse(cpu.v86());
        assertEquals(0, cpu.cpl);
        assertEquals(0x4000, cpu.rip);
        assertEquals(0x8FDC, cpu.r[Cpu.RSP]);
        assertEquals(0x1236, cpu.ram.read32(0x8FDC));
        assertEquals(0x100, cpu.ram.read32(0x8FE0));
        assertTrue((cpu.ram.read32(0x8FE4) & Cpu.VM) != 0, "EFLAGS with VM");
        assertEquals(0x100, cpu.ram.read32(0x8FE8));
        assertEquals(0x500 + Insn.SS, cpu.ram.read32(0x8FEC));
        assertEquals(0x500 + Insn.ES, cpu.ram.read32(0x8FF0));
        assertEquals(0x500 + Insn.DS, cpu.ram.read32(0x8FF4));
        assertEquals(0x500 + Insn.FS, cpu.ram.read32(0x8FF8));
        assertEquals(0x500 + Insn.GS, cpu.ram.read32(0x8FFC));
        for (int s : new int[] {Insn.ES, Insn.DS, Insn.FS, Insn.GS}) {
            assertEquals(0, cpu.seg[s].selector);
            assertEquals(0, cpu.seg[s].attrs);
        }
    }

    @Test
    void aV86InterruptHandlerMustBeNonConformingDplZeroCode() {
        Cpu cpu = v86(3);
        gate(cpu, 0x21, 0x4000, CODE_DPL1, 0xEE);
        assertFault(Vectors.GP, CODE_DPL1, () -> ExceptionDelivery.deliverSoftwareInterrupt(cpu, 0x21, 0x1236));
        gate(cpu, 0x22, 0x4000, TestCpus.CODE32_DPL3_CONF, 0xEE);
        assertFault(Vectors.GP, TestCpus.CODE32_DPL3_CONF,
                () -> ExceptionDelivery.deliverSoftwareInterrupt(cpu, 0x22, 0x1236));
        assertFault(Vectors.GP, TestCpus.CODE32_DPL3_CONF | 1,
                () -> ExceptionDelivery.deliverSoftwareInterrupt(cpu, 0x22, 0x1236, ExceptionDelivery.EXTERNAL));
        assertTrue(cpu.v86());
        assertEquals(0x100, cpu.r[Cpu.RSP]);
    }

    /** CR4.VME: a clear bit in the redirection bitmap (32 bytes below the I/O map base) sends INT n to the IVT. */
    @Test
    void vmeRedirectsThroughTheIvtWhenTheBitmapBitIsClear() {
        Cpu cpu = v86(3);
        cpu.cr4 |= Cpu.CR4_VME;
        cpu.ram.write16(0x3066, 0x68);                    // I/O map base: the bitmap starts at 0x48
        cpu.ram.write32(0x21 * 4, 0x3000_0040);
        cpu.ram.write8(0x3000 + 0x48 + 4, 0xFD);           // every bit but that of vector 0x21
        ExceptionDelivery.deliverSoftwareInterrupt(cpu, 0x21, 0x1236);
        assertTrue(cpu.v86());
        assertEquals(0x3000, cpu.seg[Insn.CS].selector);
        assertEquals(0x40, cpu.rip);
        assertEquals(0xFA, cpu.r[Cpu.RSP]);
        assertEquals(0x1236, cpu.ram.read16(0x5020 + 0xFA));
    }

    @Test
    void vmeSendsInterruptsWithTheirBitSetToTheIdt() {
        Cpu cpu = v86(3);
        cpu.cr4 |= Cpu.CR4_VME;
        cpu.ram.write16(0x3066, 0x68);
        cpu.ram.write8(0x3000 + 0x48 + 4, 0x02);
        gate(cpu, 0x21, 0x4000, TestCpus.CODE32, 0xEE);
        ExceptionDelivery.deliverSoftwareInterrupt(cpu, 0x21, 0x1236);
        assertFalse(cpu.v86());
        assertEquals(0x4000, cpu.rip);
    }

    @Test
    void vmeNeedsA32BitTssCoveringTheBitmapByte() {
        Cpu cpu = v86(3);
        cpu.cr4 |= Cpu.CR4_VME;
        cpu.ram.write16(0x3066, 0x83);                    // the byte of vector 0x21 is the last, 0x67
        cpu.ram.write8(0x3067, 0x00);
        cpu.ram.write32(0x21 * 4, 0x3000_0040);
        ExceptionDelivery.deliverSoftwareInterrupt(cpu, 0x21, 0x1236);
        assertEquals(0x40, cpu.rip);
        Cpu past = v86(3);
        past.cr4 |= Cpu.CR4_VME;
        past.ram.write16(0x3066, 0x84);
        assertFault(Vectors.GP, 0, () -> ExceptionDelivery.deliverSoftwareInterrupt(past, 0x21, 0x1236));
        past.ram.write16(0x3066, 0x10);                   // below the start of the TSS
        assertFault(Vectors.GP, 0, () -> ExceptionDelivery.deliverSoftwareInterrupt(past, 0x21, 0x1236));
        past.tr.attrs = (past.tr.attrs & ~0xF) | Descriptors.TSS16_BUSY;
        past.ram.write16(0x3066, 0x68);
        assertFault(Vectors.GP, 0, () -> ExceptionDelivery.deliverSoftwareInterrupt(past, 0x21, 0x1236));
        past.tr.attrs = (past.tr.attrs & ~0xF) | Descriptors.TSS32_BUSY;
        past.tr.limit = 0x66;
        assertFault(Vectors.GP, 0, () -> ExceptionDelivery.deliverSoftwareInterrupt(past, 0x21, 0x1236));
    }

    @Test
    void aNullHandlerSelectorFaultsWhateverTheFirstGdtSlotHolds() {
        Cpu cpu = prot32();
        cpu.ram.write64(TestCpus.GDT, TestCpus.seg(0, 0xFFFFF, 0x9A, 0xC));
        gate(cpu, 0x20, 0x4000, 3, 0x8E);
        assertFault(Vectors.GP, 1, () -> ExceptionDelivery.deliverSoftwareInterrupt(cpu, 0x20, 0, ExceptionDelivery.EXTERNAL));
        assertEquals(0x1234, cpu.rip);
    }

    @Test
    void aStackSwitchToAThirtyTwoBitStackAbove64KiB() {
        Cpu cpu = user(TestCpus.DATA32);
        cpu.ram.write32(0x3004, 0x2_0000);
        gate(cpu, 0x80, 0x4400, TestCpus.CODE32, 0xEE);
        ExceptionDelivery.deliverSoftwareInterrupt(cpu, 0x80, 0x5555);
        assertEquals(0x1_FFEC, cpu.r[Cpu.RSP]);
        assertEquals(0x5555, cpu.ram.read32(0x1_FFEC));
        assertEquals(0x3B, cpu.ram.read32(0x1_FFFC));
    }

    @Test
    void aNewStackTooSmallForTheFrameIsSsWithTheSelectorAndExt() {
        Cpu cpu = user(0x70);
        cpu.gdtrLimit = 0x77;
        cpu.ram.write64(TestCpus.GDT + 0x70, TestCpus.seg(0, 0xFFF, 0x92, 0x4));   // 4 KiB, B = 1
        cpu.ram.write32(0x3004, 0x10);                                             // room for 16 bytes
        gate(cpu, 0x20, 0x4000, TestCpus.CODE32, 0x8E);
        assertFault(Vectors.SS, 0x71, () -> ExceptionDelivery.deliverSoftwareInterrupt(cpu, 0x20, 0, ExceptionDelivery.EXTERNAL));
        assertEquals(3, cpu.cpl);
    }

    @Test
    void int3AndIntoInV86ModeNeedIopl3TooButExternalInterruptsDoNot() {
        Cpu cpu = v86(2);
        gate(cpu, 3, 0x4000, TestCpus.CODE32, 0xEE);
        assertFault(Vectors.GP, 0, () -> ExceptionDelivery.deliverSoftwareInterrupt(cpu, 3, 0x1236,
                ExceptionDelivery.SOFTWARE_EXCEPTION));
        gate(cpu, 0x20, 0x4000, TestCpus.CODE32, 0x8E);
        ExceptionDelivery.deliverExternal(cpu, 0x20);
        assertFalse(cpu.v86());
        assertEquals(0x4000, cpu.rip);
    }

    @Test
    void theBitmapMayStartAtTheFirstByteOfTheTss() {
        Cpu cpu = v86(3);
        cpu.cr4 |= Cpu.CR4_VME;
        cpu.ram.write16(0x3066, 0x20 - 4);            // the byte of vector 0x21 is byte 0
        cpu.ram.write8(0x3000, 0x00);
        cpu.ram.write32(0x21 * 4, 0x3000_0040);
        ExceptionDelivery.deliverSoftwareInterrupt(cpu, 0x21, 0x1236);
        assertEquals(0x40, cpu.rip);
    }

    @Test
    void ia32eModeIdtsHoldOnly64BitInterruptAndTrapGates() {
        Cpu cpu = TestCpus.long64();
        for (int type : new int[] {0x4, 0x5, 0x6, 0x7, 0xC, 0x9}) {
            long g = TestCpus.gate(0x4000, TestCpus.CODE64, 0x80 | type, 0);
            assertFault(Vectors.GP, 0x20 * 8 + 3,
                    () -> ExceptionDelivery.checkGate(cpu, 0x20, g, ExceptionDelivery.EXTERNAL, true));
        }
        ExceptionDelivery.checkGate(cpu, 0x20, TestCpus.gate(0x4000, TestCpus.CODE64, 0x8E, 0), ExceptionDelivery.EXTERNAL, true);
        ExceptionDelivery.checkGate(cpu, 0x20, TestCpus.gate(0x4000, TestCpus.CODE64, 0x8F, 0), ExceptionDelivery.EXTERNAL, true);
        Cpu legacy = prot32();
        for (int type : new int[] {0x5, 0x6, 0x7, 0xE, 0xF}) {
            ExceptionDelivery.checkGate(legacy, 0x20, TestCpus.gate(0x4000, TestCpus.CODE32, 0x80 | type, 0),
                    ExceptionDelivery.EXTERNAL, false);
        }
    }
}
