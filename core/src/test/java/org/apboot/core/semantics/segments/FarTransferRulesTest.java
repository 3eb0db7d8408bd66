package org.apboot.core.semantics.segments;

import static org.apboot.core.fault.TestCpus.assertFault;
import static org.apboot.core.fault.TestCpus.putDescriptor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.decode.Insn;
import org.apboot.core.fault.TestCpus;
import org.apboot.core.fault.Vectors;
import org.apboot.core.semantics.FarTransfers;
import org.apboot.core.semantics.SegmentLoads;
import org.junit.jupiter.api.Test;

/**
 * The checks and frames of far JMP, far CALL and far RET (Intel SDM vol. 2 JMP, CALL and RET
 * "Operation" and "Protected Mode Exceptions"; vol. 3 sections 5.8.1 to 5.8.6): offsets cut to
 * the operand size and checked against the code segment limit, the RPL/DPL/CPL rules for
 * conforming and non-conforming code and for call gates, #GP(0) for a null selector, #GP(sel)
 * for a wrong type or privilege and #NP(sel) for a segment not present, 64-bit call gates and
 * the IA-32e rules (L and D both set is reserved, 64-bit targets must be canonical).
 */
class FarTransferRulesTest {
    private static final int CONF0 = 0xA0, ABSENT_CODE = 0x98, CODE64_DPL1 = 0xD0, STACK16_DPL3 = 0xC8;

    /** Flat protected mode at CPL 0 with more GDT slots: conforming DPL-0 code, absent code, ... */
    private static Cpu prot32() {
        Cpu cpu = TestCpus.prot32();
        cpu.gdtrLimit = 0xFF;
        putDescriptor(cpu, CONF0, TestCpus.seg(0, 0xFFFFF, 0x9E, 0xC));
        putDescriptor(cpu, ABSENT_CODE, TestCpus.seg(0, 0xFFFFF, 0x1A, 0xC));
        putDescriptor(cpu, STACK16_DPL3, TestCpus.seg(0x10000, 0xFFFF, 0xF2, 0x0));
        putDescriptor(cpu, CODE64_DPL1, TestCpus.seg(0, 0xFFFFF, 0xBA, 0xA));
        return cpu;
    }

    private static void toUser(Cpu cpu) {
        SegmentLoads.commitCode(cpu, TestCpus.UCODE32, cpu.ram.read64(TestCpus.GDT + TestCpus.UCODE32 - 3), 3);
        SegmentLoads.load(cpu, Insn.SS, TestCpus.UDATA32);
        assertEquals(3, cpu.cpl);
    }

    // ---------------------------------------------------------------- real mode

    @Test
    void realModeFarJumpCutsTheOffsetToTheOperandSizeAndChecksTheCsLimit() {
        Cpu cpu = TestCpus.real();
        FarTransfers.jmpFar(cpu, 0x2000, 0x1_2345, 2);
        assertEquals(0x2345, cpu.rip);
        assertEquals(0x2000, cpu.seg[Insn.CS].selector);
        assertEquals(0x20000, cpu.seg[Insn.CS].base);
        FarTransfers.jmpFar(cpu, 0x3000, 0xFFFF, 4);
        assertEquals(0xFFFF, cpu.rip);
        assertFault(Vectors.GP, 0, () -> FarTransfers.jmpFar(cpu, 0x4000, 0x10000, 4));
        assertEquals(0x3000, cpu.seg[Insn.CS].selector);
        assertEquals(0xFFFF, cpu.rip);
    }

    @Test
    void realModeFarCallAndReturnWithDwordOperands() {
        Cpu cpu = TestCpus.real();
        SegmentLoads.loadCodeReal(cpu, 0x1000);
        SegmentLoads.load(cpu, Insn.SS, 0);
        cpu.r[Cpu.RSP] = 0x8000;
        cpu.rip = 0x105;
        assertFault(Vectors.GP, 0, () -> FarTransfers.callFar(cpu, 0x2000, 0x10000, 4));
        assertEquals(0x8000, cpu.r[Cpu.RSP]);
        assertEquals(0, cpu.ram.read32(0x7FFC), "nothing pushed");
        FarTransfers.callFar(cpu, 0x2000, 0x10, 4);
        assertEquals(0x7FF8, cpu.r[Cpu.RSP]);
        assertEquals(0x105, cpu.ram.read32(0x7FF8));
        assertEquals(0x1000, cpu.ram.read32(0x7FFC));
        assertEquals(0x20000, cpu.seg[Insn.CS].base);
        assertEquals(0x10, cpu.rip);
        FarTransfers.retFar(cpu, 4, 6);
        assertEquals(0x8006, cpu.r[Cpu.RSP], "RET imm16 releases its bytes too");
        assertEquals(0x1000, cpu.seg[Insn.CS].selector);
        assertEquals(0x105, cpu.rip);
    }

    @Test
    void realModeWordCallPushesWordsAndCutsBothOffsets() {
        Cpu cpu = TestCpus.real();
        SegmentLoads.loadCodeReal(cpu, 0x1000);
        SegmentLoads.load(cpu, Insn.SS, 0);
        cpu.r[Cpu.RSP] = 0x8000;
        cpu.rip = 0x1_0105;
        FarTransfers.callFar(cpu, 0x2000, 0x1_0010, 2);
        assertEquals(0x10, cpu.rip);
        assertEquals(0x7FFC, cpu.r[Cpu.RSP]);
        assertEquals(0x0105, cpu.ram.read16(0x7FFC));
        assertEquals(0x1000, cpu.ram.read16(0x7FFE));
    }

    @Test
    void realModeFarReturnBeyondTheCsLimitFaultsAndPopsNothing() {
        Cpu cpu = TestCpus.real();
        SegmentLoads.loadCodeReal(cpu, 0x1000);
        SegmentLoads.load(cpu, Insn.SS, 0);
        cpu.r[Cpu.RSP] = 0x8000;
        cpu.ram.write32(0x8000, 0x1_0000);
        cpu.ram.write32(0x8004, 0x2000);
        assertFault(Vectors.GP, 0, () -> FarTransfers.retFar(cpu, 4, 0));
        assertEquals(0x8000, cpu.r[Cpu.RSP]);
        assertEquals(0x1000, cpu.seg[Insn.CS].selector);
    }

    // ---------------------------------------------------------------- direct, protected mode

    @Test
    void aNullTargetSelectorFaultsWhateverTheFirstGdtSlotHolds() {
        Cpu cpu = prot32();
        putDescriptor(cpu, 0, TestCpus.seg(0, 0xFFFFF, 0x9A, 0xC));
        assertFault(Vectors.GP, 0, () -> FarTransfers.jmpFar(cpu, 0, 0x100, 4));
        assertFault(Vectors.GP, 0, () -> FarTransfers.callFar(cpu, 3, 0x100, 4));
        assertEquals(0x8000, cpu.r[Cpu.RSP]);
        cpu.r[Cpu.RSP] = 0x7000;
        cpu.ram.write32(0x7000, 0x100);
        cpu.ram.write32(0x7004, 0);
        assertFault(Vectors.GP, 0, () -> FarTransfers.retFar(cpu, 4, 0));
        assertEquals(TestCpus.CODE32, cpu.seg[Insn.CS].selector);
    }

    @Test
    void nonConformingCodeNeedsRplAtMostCplAndDplEqualToCpl() {
        Cpu cpu = prot32();
        assertFault(Vectors.GP, TestCpus.CODE32, () -> FarTransfers.jmpFar(cpu, TestCpus.CODE32 | 1, 0x100, 4));
        assertFault(Vectors.GP, TestCpus.CODE32, () -> FarTransfers.callFar(cpu, TestCpus.CODE32 | 2, 0x100, 4));
        assertFault(Vectors.GP, TestCpus.UCODE32 & ~3, () -> FarTransfers.callFar(cpu, TestCpus.UCODE32 & ~3, 0x100, 4));
        assertFault(Vectors.GP, TestCpus.DATA32, () -> FarTransfers.callFar(cpu, TestCpus.DATA32, 0x100, 4));
        assertEquals(0x8000, cpu.r[Cpu.RSP], "nothing pushed");
        assertEquals(0, cpu.ram.read32(0x7FFC));
    }

    @Test
    void conformingCodeIsEnteredFromItsOwnOrAnOuterLevelAndKeepsTheCpl() {
        Cpu cpu = prot32();
        FarTransfers.jmpFar(cpu, CONF0, 0x100, 4);
        assertEquals(CONF0, cpu.seg[Insn.CS].selector);
        assertEquals(0x100, cpu.rip);
        assertEquals(0, cpu.cpl);
        toUser(cpu);
        cpu.r[Cpu.RSP] = 0x7000;
        cpu.rip = 0x1007;
        FarTransfers.callFar(cpu, CONF0, 0x200, 4);
        assertEquals(3, cpu.cpl);
        assertEquals(CONF0 | 3, cpu.seg[Insn.CS].selector);
        assertEquals(0x200, cpu.rip);
        assertEquals(0x6FF8, cpu.r[Cpu.RSP]);
        assertEquals(0x1007, cpu.ram.read32(0x6FF8));
        assertEquals(TestCpus.UCODE32, cpu.ram.read32(0x6FFC));
    }

    @Test
    void aCodeSegmentNotPresentIsNp() {
        Cpu cpu = prot32();
        assertFault(Vectors.NP, ABSENT_CODE, () -> FarTransfers.jmpFar(cpu, ABSENT_CODE, 0x100, 4));
        assertFault(Vectors.NP, ABSENT_CODE, () -> FarTransfers.callFar(cpu, ABSENT_CODE, 0x100, 4));
        assertEquals(0x8000, cpu.r[Cpu.RSP]);
        cpu.r[Cpu.RSP] = 0x7000;
        cpu.ram.write32(0x7000, 0x100);
        cpu.ram.write32(0x7004, ABSENT_CODE);
        assertFault(Vectors.NP, ABSENT_CODE, () -> FarTransfers.retFar(cpu, 4, 0));
    }

    @Test
    void theTargetMayBeTheLastByteOfTheSegment() {
        Cpu cpu = prot32();
        FarTransfers.callFar(cpu, TestCpus.CODE16, 0xFFFF, 2);
        assertEquals(0xFFFF, cpu.rip);
        assertEquals(0x7FFC, cpu.r[Cpu.RSP], "a 16-bit far call pushes two words");
        FarTransfers.jmpFar(cpu, TestCpus.CODE16, 0xFFFF, 4);
        assertEquals(0xFFFF, cpu.rip);
    }

    @Test
    void ia32eModeRejectsCodeWithLAndDAndChecksCanonicalTargets() {
        Cpu cpu = TestCpus.long64();
        cpu.gdtrLimit = 0xFF;
        putDescriptor(cpu, 0x60, TestCpus.seg(0, 0xFFFFF, 0x9A, 0xE)); // G, D and L
        assertFault(Vectors.GP, 0x60, () -> FarTransfers.jmpFar(cpu, 0x60, 0x1000, 4));
        assertFault(Vectors.GP, 0x60, () -> FarTransfers.callFar(cpu, 0x60, 0x1000, 8));
        cpu.ram.write64(0x7000, 0x1000);
        cpu.ram.write64(0x7008, 0x60);
        cpu.r[Cpu.RSP] = 0x7000;
        assertFault(Vectors.GP, 0x60, () -> FarTransfers.retFar(cpu, 8, 0));
        assertFault(Vectors.GP, 0, () -> FarTransfers.jmpFar(cpu, TestCpus.CODE64, 0x0000_8000_0000_0000L, 8));
        FarTransfers.jmpFar(cpu, TestCpus.CODE64, 0xFFFF_8000_0000_1000L, 8);
        assertEquals(0xFFFF_8000_0000_1000L, cpu.rip);
        FarTransfers.jmpFar(cpu, TestCpus.CODE32, 0x1_0000_2000L, 8);
        assertEquals(0x2000, cpu.rip, "a compatibility-mode target takes 32 bits");
        assertEquals(32, cpu.codeSize);
    }

    // ---------------------------------------------------------------- call gates

    private static final int GATE3 = 0x60, GATE16 = 0x68, GATE2 = 0x70, GATE_ABSENT = 0x78, GATE_NULL = 0x80,
            GATE_DATA = 0x88, GATE_TO_ABSENT = 0x90, GATE_CONF0 = 0xA8, GATE_CONF3 = 0xB0, GATE_USER = 0xB8,
            GATE_PARAM = 0xC0;

    private static Cpu gates() {
        Cpu cpu = prot32();
        putDescriptor(cpu, GATE3, TestCpus.gate(0x4000, TestCpus.CODE32, 0xEC, 0));
        putDescriptor(cpu, GATE16, TestCpus.gate(0x1_4000, TestCpus.CODE32, 0x84, 0)); // offset bits 31:16 are not used
        putDescriptor(cpu, GATE2, TestCpus.gate(0x4000, TestCpus.CODE32, 0xCC, 0));
        putDescriptor(cpu, GATE_ABSENT, TestCpus.gate(0x4000, TestCpus.CODE32, 0x6C, 0));
        putDescriptor(cpu, GATE_NULL, TestCpus.gate(0x4000, 0, 0xEC, 0));
        putDescriptor(cpu, GATE_DATA, TestCpus.gate(0x4000, TestCpus.DATA32, 0xEC, 0));
        putDescriptor(cpu, GATE_TO_ABSENT, TestCpus.gate(0x4000, ABSENT_CODE, 0xEC, 0));
        putDescriptor(cpu, GATE_CONF0, TestCpus.gate(0x5000, CONF0, 0xEC, 0));
        putDescriptor(cpu, GATE_CONF3, TestCpus.gate(0x5000, TestCpus.CODE32_DPL3_CONF, 0xEC, 0));
        putDescriptor(cpu, GATE_USER, TestCpus.gate(0x6000, TestCpus.UCODE32, 0xEC, 0));
        putDescriptor(cpu, GATE_PARAM, TestCpus.gate(0x4000, TestCpus.CODE32, 0xEC, 1));
        putDescriptor(cpu, 0, TestCpus.seg(0, 0xFFFFF, 0x9A, 0xC)); // must never be used as the null target
        cpu.rip = 0x1007;
        return cpu;
    }

    @Test
    void aCallGateToTheSameLevelPushesCsAndEipAndTakesTheGateOffset() {
        Cpu cpu = gates();
        FarTransfers.callFar(cpu, GATE3, 0xDEAD, 4);
        assertEquals(0x4000, cpu.rip);
        assertEquals(0x7FF8, cpu.r[Cpu.RSP]);
        assertEquals(0x1007, cpu.ram.read32(0x7FF8));
        assertEquals(TestCpus.CODE32, cpu.ram.read32(0x7FFC));
        assertEquals(TestCpus.DATA32, cpu.seg[Insn.SS].selector);
        assertEquals(0, cpu.cpl);
    }

    @Test
    void aSixteenBitCallGatePushesWordsAndUsesASixteenBitOffset() {
        Cpu cpu = gates();
        FarTransfers.callFar(cpu, GATE16, 0xDEAD, 4);
        assertEquals(0x4000, cpu.rip);
        assertEquals(0x7FFC, cpu.r[Cpu.RSP]);
        assertEquals(0x1007, cpu.ram.read16(0x7FFC));
        assertEquals(TestCpus.CODE32, cpu.ram.read16(0x7FFE));
    }

    @Test
    void aJumpThroughACallGateNeverChangesPrivilege() {
        Cpu cpu = gates();
        FarTransfers.jmpFar(cpu, GATE3, 0xDEAD, 4);
        assertEquals(0x4000, cpu.rip);
        assertEquals(0x8000, cpu.r[Cpu.RSP]);
        assertFault(Vectors.GP, TestCpus.CODE32_DPL3_CONF, () -> FarTransfers.jmpFar(cpu, GATE_CONF3, 0, 4));
        assertFault(Vectors.GP, TestCpus.UCODE32 & ~3, () -> FarTransfers.jmpFar(cpu, GATE_USER, 0, 4));
        toUser(cpu);
        assertFault(Vectors.GP, TestCpus.CODE32, () -> FarTransfers.jmpFar(cpu, GATE3 | 3, 0, 4));
        FarTransfers.jmpFar(cpu, GATE_CONF0 | 3, 0, 4);
        assertEquals(0x5000, cpu.rip);
        assertEquals(3, cpu.cpl);
        assertEquals(CONF0 | 3, cpu.seg[Insn.CS].selector);
    }

    @Test
    void aCallGateCannotLeadToALessPrivilegedSegment() {
        Cpu cpu = gates();
        assertFault(Vectors.GP, TestCpus.UCODE32 & ~3, () -> FarTransfers.callFar(cpu, GATE_USER, 0, 4));
        assertFault(Vectors.GP, TestCpus.CODE32_DPL3_CONF, () -> FarTransfers.callFar(cpu, GATE_CONF3, 0, 4));
        assertEquals(0x8000, cpu.r[Cpu.RSP]);
    }

    @Test
    void theGateDplMustBeAtLeastCplAndRpl() {
        Cpu cpu = gates();
        assertFault(Vectors.GP, GATE2, () -> FarTransfers.callFar(cpu, GATE2 | 3, 0, 4));
        FarTransfers.callFar(cpu, GATE2 | 2, 0, 4);
        assertEquals(0x4000, cpu.rip);
        toUser(cpu);
        assertFault(Vectors.GP, GATE16, () -> FarTransfers.callFar(cpu, GATE16 | 3, 0, 4));
        assertFault(Vectors.GP, GATE2, () -> FarTransfers.callFar(cpu, GATE2 | 3, 0, 4));
    }

    @Test
    void gateAndTargetFaults() {
        Cpu cpu = gates();
        assertFault(Vectors.NP, GATE_ABSENT, () -> FarTransfers.callFar(cpu, GATE_ABSENT, 0, 4));
        assertFault(Vectors.GP, 0, () -> FarTransfers.callFar(cpu, GATE_NULL, 0, 4));
        assertFault(Vectors.GP, TestCpus.DATA32, () -> FarTransfers.callFar(cpu, GATE_DATA, 0, 4));
        assertFault(Vectors.NP, ABSENT_CODE, () -> FarTransfers.callFar(cpu, GATE_TO_ABSENT, 0, 4));
        assertFault(Vectors.NP, GATE_ABSENT, () -> FarTransfers.jmpFar(cpu, GATE_ABSENT, 0, 4));
        assertEquals(0x8000, cpu.r[Cpu.RSP]);
        assertEquals(TestCpus.CODE32, cpu.seg[Insn.CS].selector);
    }

    /**
     * A call gate to an inner level with a 16-bit stack segment: ESP is loaded whole from the TSS
     * and the pushes move SP only, so ESP[31:16] are those of ESP0, not of the caller's ESP.
     */
    @Test
    void aCallToAnInnerLevelWithASixteenBitStackTakesTheUpperEspBitsFromTheTss() {
        Cpu cpu = gates();
        cpu.ram.write32(0x3004, 0x9000);
        cpu.ram.write32(0x3008, TestCpus.DATA16);
        SegmentLoads.ltr(cpu, TestCpus.TSS);
        toUser(cpu);
        cpu.r[Cpu.RSP] = 0x2_7000;
        cpu.ram.write32(0x2_7000, 0xAAAA_BBBB);
        cpu.rip = 0x1007;
        FarTransfers.callFar(cpu, GATE_PARAM | 3, 0, 4);
        assertEquals(0, cpu.cpl);
        assertEquals(0x4000, cpu.rip);
        assertEquals(TestCpus.DATA16, cpu.seg[Insn.SS].selector);
        assertEquals(0x8FEC, cpu.r[Cpu.RSP]);
        assertEquals(0x1007, cpu.ram.read32(0x8FEC));
        assertEquals(TestCpus.UCODE32, cpu.ram.read32(0x8FF0));
        assertEquals(0xAAAA_BBBBL, cpu.ram.read32(0x8FF4) & 0xFFFF_FFFFL);
        assertEquals(0x2_7000, cpu.ram.read32(0x8FF8));
        assertEquals(TestCpus.UDATA32, cpu.ram.read32(0x8FFC));
    }

    // ---------------------------------------------------------------- IA-32e call gates

    private static Cpu long64Gates() {
        Cpu cpu = TestCpus.long64();
        cpu.gdtrLimit = 0xFF;
        putDescriptor(cpu, ABSENT_CODE, TestCpus.seg(0, 0xFFFFF, 0x1A, 0xA));
        // 16-byte call gates: 0x60 to CODE64 at 0xFFFF800000004000, 0x70 with a non-zero upper type,
        // 0x80 to 32-bit code, 0x90 with a non-canonical offset, 0xA0 a 16-bit gate
        putDescriptor(cpu, 0x60, TestCpus.gate(0x4000, TestCpus.CODE64, 0xEC, 0));
        putDescriptor(cpu, 0x68, 0xFFFF_8000L);
        putDescriptor(cpu, 0x70, TestCpus.gate(0x4000, TestCpus.CODE64, 0xEC, 0));
        putDescriptor(cpu, 0x78, 0x0C00_0000_0000L);
        putDescriptor(cpu, 0x80, TestCpus.gate(0x4000, TestCpus.CODE32, 0xEC, 0));
        putDescriptor(cpu, 0x90, TestCpus.gate(0x4000, TestCpus.CODE64, 0xEC, 0));
        putDescriptor(cpu, 0x98, 0x8000L);
        putDescriptor(cpu, 0xA0, TestCpus.gate(0x4000, TestCpus.CODE64, 0xE4, 0));
        putDescriptor(cpu, 0xB0, TestCpus.gate(0x4000, TestCpus.CODE32, 0xE5, 0)); // a task gate
        cpu.ram.write64(0x3004, 0x9000);
        SegmentLoads.ltr(cpu, TestCpus.TSS);
        return cpu;
    }

    @Test
    void aSixtyFourBitCallGateToAnInnerLevelSwitchesToRsp0AndANullSs() {
        Cpu cpu = long64Gates();
        SegmentLoads.commitCode(cpu, TestCpus.UCODE64, cpu.ram.read64(TestCpus.GDT + 0x40), 3);
        SegmentLoads.load(cpu, Insn.SS, TestCpus.UDATA32);
        cpu.r[Cpu.RSP] = 0x7000;
        cpu.rip = 0x1007;
        FarTransfers.callFar(cpu, 0x63, 0, 4);
        assertEquals(0, cpu.cpl);
        assertEquals(0xFFFF_8000_0000_4000L, cpu.rip);
        assertEquals(TestCpus.CODE64, cpu.seg[Insn.CS].selector);
        assertEquals(0, cpu.seg[Insn.SS].selector);
        assertEquals(0x8FE0, cpu.r[Cpu.RSP]);
        assertEquals(0x1007, cpu.ram.read64(0x8FE0));
        assertEquals(TestCpus.UCODE64, cpu.ram.read64(0x8FE8));
        assertEquals(0x7000, cpu.ram.read64(0x8FF0));
        assertEquals(TestCpus.UDATA32, cpu.ram.read64(0x8FF8));
    }

    @Test
    void aSixtyFourBitCallGateToTheSameLevelPushesQuadwords() {
        Cpu cpu = long64Gates();
        cpu.rip = 0x1007;
        FarTransfers.callFar(cpu, 0x60, 0, 4);
        assertEquals(0xFFFF_8000_0000_4000L, cpu.rip);
        assertEquals(0x7FF0, cpu.r[Cpu.RSP]);
        assertEquals(0x1007, cpu.ram.read64(0x7FF0));
        assertEquals(TestCpus.CODE64, cpu.ram.read64(0x7FF8));
    }

    @Test
    void ia32eModeGateFaults() {
        Cpu cpu = long64Gates();
        assertFault(Vectors.GP, 0x70, () -> FarTransfers.callFar(cpu, 0x70, 0, 4));
        assertFault(Vectors.GP, TestCpus.CODE32, () -> FarTransfers.callFar(cpu, 0x80, 0, 4));
        assertFault(Vectors.GP, 0, () -> FarTransfers.callFar(cpu, 0x90, 0, 4));
        assertFault(Vectors.GP, 0xA0, () -> FarTransfers.callFar(cpu, 0xA0, 0, 4));
        assertFault(Vectors.GP, 0xB0, () -> FarTransfers.jmpFar(cpu, 0xB0, 0, 4));
        assertFault(Vectors.GP, TestCpus.TSS, () -> FarTransfers.callFar(cpu, TestCpus.TSS, 0, 4));
        assertEquals(0x8000, cpu.r[Cpu.RSP]);
    }

    // ---------------------------------------------------------------- far RET

    private static void frame(Cpu cpu, int width, long... slots) {
        for (int i = 0; i < slots.length; i++) {
            if (width == 8) {
                cpu.ram.write64(cpu.r[Cpu.RSP] + 8L * i, slots[i]);
            } else if (width == 4) {
                cpu.ram.write32(cpu.r[Cpu.RSP] + 4L * i, (int) slots[i]);
            } else {
                cpu.ram.write16(cpu.r[Cpu.RSP] + 2L * i, (int) slots[i]);
            }
        }
    }

    @Test
    void aSameLevelReturnReleasesTheImmediateBytes() {
        Cpu cpu = prot32();
        cpu.r[Cpu.RSP] = 0x7000;
        frame(cpu, 4, 0x1234, TestCpus.CODE32);
        FarTransfers.retFar(cpu, 4, 8);
        assertEquals(0x1234, cpu.rip);
        assertEquals(0x7010, cpu.r[Cpu.RSP]);
    }

    @Test
    void theReturnCodeSegmentChecks() {
        Cpu cpu = prot32();
        cpu.r[Cpu.RSP] = 0x7000;
        frame(cpu, 4, 0x1234, TestCpus.CODE32_DPL3_CONF);       // conforming, DPL 3 > RPL 0
        assertFault(Vectors.GP, TestCpus.CODE32_DPL3_CONF, () -> FarTransfers.retFar(cpu, 4, 0));
        frame(cpu, 4, 0x1234, TestCpus.CODE32 | 3);              // non-conforming, DPL 0 != RPL 3
        assertFault(Vectors.GP, TestCpus.CODE32, () -> FarTransfers.retFar(cpu, 4, 0));
        toUser(cpu);
        cpu.r[Cpu.RSP] = 0x7000;
        frame(cpu, 4, 0x1234, TestCpus.CODE32);                  // RPL 0 < CPL 3
        assertFault(Vectors.GP, TestCpus.CODE32, () -> FarTransfers.retFar(cpu, 4, 0));
        frame(cpu, 4, 0x1234, TestCpus.UDATA32);                 // not code
        assertFault(Vectors.GP, TestCpus.UDATA32 & ~3, () -> FarTransfers.retFar(cpu, 4, 0));
        assertEquals(0x7000, cpu.r[Cpu.RSP]);
        assertEquals(3, cpu.cpl);
    }

    /** Conforming code needs DPL at most RPL (SDM RET, the return-code-segment checks): DPL equal to RPL is allowed. */
    @Test
    void aReturnToConformingCodeWhoseDplEqualsTheRplIsAllowed() {
        Cpu cpu = prot32();
        cpu.r[Cpu.RSP] = 0x7000;
        frame(cpu, 4, 0x1234, CONF0);                            // conforming, DPL 0 = RPL 0 = CPL
        FarTransfers.retFar(cpu, 4, 0);
        assertEquals(0x1234, cpu.rip);
        assertEquals(CONF0, cpu.seg[Insn.CS].selector);
        assertEquals(0x7008, cpu.r[Cpu.RSP]);
        assertEquals(0, cpu.cpl);
    }

    @Test
    void aReturnToConformingCodeAtAnOuterLevelTakesTheRplAsCpl() {
        Cpu cpu = prot32();
        cpu.r[Cpu.RSP] = 0x7000;
        frame(cpu, 4, 0x1234, CONF0 | 3, 0x6000, TestCpus.UDATA32);
        FarTransfers.retFar(cpu, 4, 0);
        assertEquals(3, cpu.cpl);
        assertEquals(CONF0 | 3, cpu.seg[Insn.CS].selector);
        assertEquals(0x6000, cpu.r[Cpu.RSP]);
        assertEquals(TestCpus.UDATA32, cpu.seg[Insn.SS].selector);
    }

    /**
     * A return to an outer level nulls the data segment registers that point to a segment the new
     * level cannot use (SDM RET, "RETURN-TO-OUTER-PRIVILEGE-LEVEL"); a register that already holds
     * a null selector points to no segment and keeps its selector, RPL bits included.
     */
    @Test
    void aReturnToAnOuterLevelLeavesANullSelectorAsItIs() {
        Cpu cpu = prot32();
        SegmentLoads.load(cpu, Insn.DS, 3);
        assertEquals(3, cpu.seg[Insn.DS].selector);
        cpu.r[Cpu.RSP] = 0x7000;
        frame(cpu, 4, 0x1234, TestCpus.UCODE32, 0x6000, TestCpus.UDATA32);
        FarTransfers.retFar(cpu, 4, 0);
        assertEquals(3, cpu.cpl);
        assertEquals(3, cpu.seg[Insn.DS].selector, "null, untouched");
        assertEquals(0, cpu.seg[Insn.ES].selector, "DPL-0 data nulled");
    }

    /** The outer SS comes from its descriptor; with a 16-bit SS only SP is loaded. */
    @Test
    void aReturnToAnOuterSixteenBitStackLoadsItsDescriptorAndSp() {
        Cpu cpu = prot32();
        cpu.r[Cpu.RSP] = 0x00AB_7000;
        frame(cpu, 2, 0x1234, TestCpus.UCODE32, 0x5678, STACK16_DPL3 | 3);
        FarTransfers.retFar(cpu, 2, 0);
        assertEquals(3, cpu.cpl);
        assertEquals(STACK16_DPL3 | 3, cpu.seg[Insn.SS].selector);
        assertEquals(0x10000, cpu.seg[Insn.SS].base);
        assertEquals(0xFFFF, cpu.seg[Insn.SS].limit);
        assertEquals(0x00AB_5678, cpu.r[Cpu.RSP]);
    }

    @Test
    void aSixtyFourBitReturnBelowCpl3MayTakeANullSs() {
        Cpu cpu = TestCpus.long64();
        cpu.gdtrLimit = 0xFF;
        putDescriptor(cpu, CODE64_DPL1, TestCpus.seg(0, 0xFFFFF, 0xBA, 0xA));
        cpu.r[Cpu.RSP] = 0x7000;
        frame(cpu, 8, 0x1_0000_5000L, TestCpus.UCODE64, 0, 3);
        assertFault(Vectors.GP, 0, () -> FarTransfers.retFar(cpu, 8, 0));
        frame(cpu, 8, 0x1_0000_5000L, CODE64_DPL1 | 1, 0x1_0000_6000L, 1);
        FarTransfers.retFar(cpu, 8, 0);
        assertEquals(1, cpu.cpl);
        assertEquals(1, cpu.seg[Insn.SS].selector);
        assertEquals(1, cpu.seg[Insn.SS].dpl(), "the null SS keeps the new privilege");
        assertTrue(cpu.seg[Insn.SS].present());
        assertEquals(0x1_0000_6000L, cpu.r[Cpu.RSP]);
        assertEquals(0x1_0000_5000L, cpu.rip);
    }

    // ---------------------------------------------------------------- more gate cases

    @Test
    void gatesToConformingCodeOfTheCurrentLevelAndWideOffsets() {
        Cpu cpu = gates();
        FarTransfers.jmpFar(cpu, GATE_CONF0, 0, 4);
        assertEquals(CONF0, cpu.seg[Insn.CS].selector);
        assertEquals(0x5000, cpu.rip);
        Cpu call = gates();
        FarTransfers.callFar(call, GATE_CONF0, 0, 4);
        assertEquals(CONF0, call.seg[Insn.CS].selector);
        assertEquals(0x5000, call.rip);
        assertEquals(0x7FF8, call.r[Cpu.RSP]);
        Cpu wide = gates();
        putDescriptor(wide, GATE3, TestCpus.gate(0x12_4000, TestCpus.CODE32, 0xEC, 0));
        FarTransfers.callFar(wide, GATE3, 0, 4);
        assertEquals(0x12_4000, wide.rip, "a 32-bit gate holds a 32-bit offset");
    }

    @Test
    void aSystemDescriptorThatIsNoGateIsRefused() {
        Cpu cpu = gates();
        putDescriptor(cpu, 0xD8, TestCpus.seg(0x5000, 0xFF, 0x82, 0x0));           // an LDT descriptor
        assertFault(Vectors.GP, 0xD8, () -> FarTransfers.callFar(cpu, 0xD8, 0, 4));
        assertFault(Vectors.GP, 0xD8, () -> FarTransfers.jmpFar(cpu, 0xD8, 0, 4));
        Cpu lm = long64Gates();
        putDescriptor(lm, 0xD8, TestCpus.seg(0x5000, 0xFF, 0x82, 0x0));
        putDescriptor(lm, 0xE0, 0);
        assertFault(Vectors.GP, 0xD8, () -> FarTransfers.callFar(lm, 0xD8, 0, 4));
    }

    @Test
    void aCallToAnInnerLevelOnAThirtyTwoBitStackAbove64KiB() {
        Cpu cpu = gates();
        cpu.ram.write32(0x3004, 0x2_0000);
        cpu.ram.write32(0x3008, TestCpus.DATA32);
        SegmentLoads.ltr(cpu, TestCpus.TSS);
        toUser(cpu);
        cpu.r[Cpu.RSP] = 0x7000;
        FarTransfers.callFar(cpu, GATE3 | 3, 0, 4);
        assertEquals(0x1_FFF0, cpu.r[Cpu.RSP]);
        assertEquals(0x1007, cpu.ram.read32(0x1_FFF0));
        assertEquals(TestCpus.UDATA32, cpu.ram.read32(0x1_FFFC));
    }

    @Test
    void aSixtyFourBitGateToRingOneUsesRsp1AndIgnoresTheParameterCountBits() {
        Cpu cpu = long64Gates();
        putDescriptor(cpu, 0xC0, TestCpus.seg(0, 0xFFFFF, 0xBA, 0xA));            // 64-bit code, DPL 1
        putDescriptor(cpu, 0xC8, TestCpus.gate(0x4000, 0xC0, 0xEC, 3));           // bits 36:32 = 3
        putDescriptor(cpu, 0xD0, 0);
        putDescriptor(cpu, 0xE8, TestCpus.seg(0, 0xFFFFF, 0x9A, 0xE));            // L and D
        putDescriptor(cpu, 0xF0, TestCpus.gate(0x4000, 0xE8, 0xEC, 0));
        putDescriptor(cpu, 0xF8, 0);
        cpu.gdtrLimit = 0xFF;
        cpu.ram.write64(0x300C, 0x6000);                                  // RSP1
        SegmentLoads.commitCode(cpu, TestCpus.UCODE64, cpu.ram.read64(TestCpus.GDT + 0x40), 3);
        SegmentLoads.load(cpu, Insn.SS, TestCpus.UDATA32);
        cpu.r[Cpu.RSP] = 0x7000;
        cpu.rip = 0x1007;
        assertFault(Vectors.GP, 0xE8, () -> FarTransfers.callFar(cpu, 0xF3, 0, 4));
        FarTransfers.callFar(cpu, 0xCB, 0, 4);
        assertEquals(1, cpu.cpl);
        assertEquals(0x5FE0, cpu.r[Cpu.RSP], "four quadwords, no parameters");
        assertEquals(0x1007, cpu.ram.read64(0x5FE0));
        assertEquals(0x7000, cpu.ram.read64(0x5FF0));
        assertEquals(1, cpu.seg[Insn.SS].selector);
    }

    @Test
    void aReturnToAnOuterThirtyTwoBitStackLoadsTheWholeEsp() {
        Cpu cpu = prot32();
        cpu.r[Cpu.RSP] = 0x7000;
        frame(cpu, 4, 0x1234, TestCpus.UCODE32, 0x2_6000, TestCpus.UDATA32);
        FarTransfers.retFar(cpu, 4, 0);
        assertEquals(0x2_6000, cpu.r[Cpu.RSP]);
        assertEquals(3, cpu.cpl);
    }
}
