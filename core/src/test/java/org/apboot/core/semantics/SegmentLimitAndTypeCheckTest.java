package org.apboot.core.semantics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.Segment;
import org.apboot.core.decode.Insn;
import org.apboot.core.fault.CpuException;
import org.apboot.core.fault.Vectors;
import org.junit.jupiter.api.Test;

/**
 * The limit and type checks a data access makes through a loaded segment register (Intel SDM
 * vol. 3 sections 5.3 and 5.4; vol. 2, "Protected Mode Exceptions" of MOV): the last byte of the
 * access must lie within the limit (for an expand-down segment, above the limit and at most
 * 0xFFFF or 0xFFFFFFFF by the B flag); writes need a writable data segment, reads a data or
 * readable code segment. A violation is #SS(0) through SS and #GP(0) through the others. In
 * 64-bit mode only FS and GS add their base, nothing is limit-checked, and a stack address must
 * be canonical (#SS(0)).
 */
class SegmentLimitAndTypeCheckTest {
    private static final int PRESENT_DATA = Segment.P | Segment.S | Segment.TYPE_ACCESSED | Segment.DB;
    private static final int RW = Segment.TYPE_READ_OR_WRITE;

    private static void fault(int vector, Runnable access) {
        CpuException e = assertThrows(CpuException.class, access::run);
        assertEquals(vector, e.vector, e.toString());
        assertEquals(0, e.errorCode, e.toString());
    }

    private static Cpu prot32With(int s, long limit, int attrs) {
        Cpu cpu = TestCpus.prot32(0);
        cpu.seg[s].set(0x10, 0, limit, attrs);
        return cpu;
    }

    @Test
    void theLimitIsTheLastValidByteOfAWritableDataSegment() {
        Cpu cpu = prot32With(Insn.DS, 0xFFF, PRESENT_DATA | RW);
        cpu.ram.write32(0xFFC, 0x1234_5678);
        assertEquals(0x1234_5678L, Mem.read(cpu, Insn.DS, 0xFFC, 4));
        Mem.write(cpu, Insn.DS, 0xFFF, 1, 0xAB);
        assertEquals(0xAB, cpu.ram.read8(0xFFF));
        fault(Vectors.GP, () -> Mem.read(cpu, Insn.DS, 0xFFD, 4));
        fault(Vectors.GP, () -> Mem.write(cpu, Insn.DS, 0x1000, 1, 0));
    }

    @Test
    void theStackSegmentFaultsWithSs() {
        Cpu cpu = prot32With(Insn.SS, 0xFFF, PRESENT_DATA | RW);
        assertEquals(0, Mem.read(cpu, Insn.SS, 0xFFC, 4));
        fault(Vectors.SS, () -> Mem.read(cpu, Insn.SS, 0xFFD, 4));
        fault(Vectors.SS, () -> Mem.write(cpu, Insn.SS, 0xFFF, 2, 0));
        cpu.seg[Insn.SS].attrs = PRESENT_DATA; // read-only
        fault(Vectors.SS, () -> Mem.write(cpu, Insn.SS, 0x100, 2, 0));
    }

    @Test
    void aReadOnlyDataSegmentIsReadUpToItsLimitAndNeverWritten() {
        Cpu cpu = prot32With(Insn.ES, 0xFFF, PRESENT_DATA);
        cpu.ram.write32(0xFFC, 0xCAFE_F00D);
        assertEquals(0xCAFE_F00DL, Mem.read(cpu, Insn.ES, 0xFFC, 4));
        fault(Vectors.GP, () -> Mem.read(cpu, Insn.ES, 0xFFD, 4));
        fault(Vectors.GP, () -> Mem.write(cpu, Insn.ES, 0x100, 1, 0));
        assertEquals(0xCAFE_F00DL, cpu.ram.read32(0xFFC) & 0xFFFF_FFFFL);
    }

    @Test
    void codeSegmentsAreReadOnlyIfReadableAndUnreadableOtherwise() {
        Cpu cpu = prot32With(Insn.FS, 0xFFFF, PRESENT_DATA | Segment.TYPE_CODE | RW);
        cpu.ram.write16(0x200, 0x4321);
        assertEquals(0x4321, Mem.read(cpu, Insn.FS, 0x200, 2));
        fault(Vectors.GP, () -> Mem.write(cpu, Insn.FS, 0x200, 2, 0));
        cpu.seg[Insn.FS].attrs = PRESENT_DATA | Segment.TYPE_CODE; // execute-only
        fault(Vectors.GP, () -> Mem.read(cpu, Insn.FS, 0x200, 2));
        fault(Vectors.GP, () -> Mem.write(cpu, Insn.FS, 0x200, 2, 0));
        cpu.seg[Insn.FS].attrs = PRESENT_DATA | Segment.TYPE_CODE | Segment.TYPE_CONFORMING_OR_EXPAND_DOWN | RW;
        assertEquals(0x4321, Mem.read(cpu, Insn.FS, 0x200, 2), "conforming readable code: no expand-down rule");
        fault(Vectors.GP, () -> Mem.read(cpu, Insn.FS, 0xFFFF, 2));
        assertEquals(0x4321, cpu.ram.read16(0x200));
    }

    @Test
    void anExpandDownSegmentWithBClearSpansLimitPlusOneTo0xFFFF() {
        Cpu cpu = prot32With(Insn.GS, 0xFFF, Segment.P | Segment.S | Segment.TYPE_CONFORMING_OR_EXPAND_DOWN | RW);
        cpu.ram.write16(0x1000, 0x5A5A);
        assertEquals(0x5A5A, Mem.read(cpu, Insn.GS, 0x1000, 2));
        assertEquals(0, Mem.read(cpu, Insn.GS, 0xFFFE, 2));
        Mem.write(cpu, Insn.GS, 0xFFFF, 1, 0x77);
        assertEquals(0x77, cpu.ram.read8(0xFFFF));
        fault(Vectors.GP, () -> Mem.read(cpu, Insn.GS, 0xFFF, 1));
        fault(Vectors.GP, () -> Mem.read(cpu, Insn.GS, 0xFFFF, 2));
        fault(Vectors.GP, () -> Mem.read(cpu, Insn.GS, 0, 1));
    }

    @Test
    void anExpandDownSegmentWithBSetSpansLimitPlusOneTo0xFFFFFFFF() {
        Cpu cpu = prot32With(Insn.SS, 0xFFF, PRESENT_DATA | Segment.TYPE_CONFORMING_OR_EXPAND_DOWN | RW);
        Mem.write(cpu, Insn.SS, 0xFFFE, 4, 0x1122_3344);
        assertEquals(0x1122_3344L, Mem.read(cpu, Insn.SS, 0xFFFE, 4));
        Mem.read(cpu, Insn.SS, 0xFFFF_FFFCL, 4);
        fault(Vectors.SS, () -> Mem.read(cpu, Insn.SS, 0xFFFF_FFFDL, 4));
        fault(Vectors.SS, () -> Mem.read(cpu, Insn.SS, 0xFFE, 2));
        fault(Vectors.SS, () -> Mem.read(cpu, Insn.SS, 0xFFF, 1));
    }

    @Test
    void aSystemSegmentOrANullSelectorCannotBeUsedForData() {
        Cpu cpu = prot32With(Insn.ES, 0xFFFF, Segment.P | 0x2); // an LDT descriptor
        fault(Vectors.GP, () -> Mem.read(cpu, Insn.ES, 0, 1));
        cpu.seg[Insn.DS].set(3, 0, 0, 0); // null selector with RPL 3
        fault(Vectors.GP, () -> Mem.read(cpu, Insn.DS, 0, 1));
        fault(Vectors.GP, () -> Mem.write(cpu, Insn.DS, 0, 1, 0));
    }

    @Test
    void theProtectedModeLinearAddressWrapsAt4GiB() {
        Cpu cpu = TestCpus.prot32(0);
        cpu.seg[Insn.DS].base = 0xFFFF_F000L;
        assertEquals(0x10, Mem.linear(cpu, Insn.DS, 0x1010, 4, false));
        cpu.ram.write32(0x10, 0x600D_CAFE);
        assertEquals(0x600D_CAFEL, Mem.read(cpu, Insn.DS, 0x1010, 4));
    }

    @Test
    void realModeChecksOnlyTheLimit() {
        Cpu cpu = TestCpus.real();
        cpu.seg[Insn.DS].set(0x1000, 0x10000, 0xFFFF, 0);  // attributes play no part
        cpu.ram.write16(0x1FFFE, 0xBEEF);
        assertEquals(0xBEEF, Mem.read(cpu, Insn.DS, 0xFFFE, 2));
        assertEquals(0x1FFFE, Mem.linear(cpu, Insn.DS, 0xFFFE, 2, true));
        fault(Vectors.GP, () -> Mem.read(cpu, Insn.DS, 0xFFFF, 2));
        cpu.seg[Insn.SS].set(0, 0, 0xFFFF, 0);
        fault(Vectors.SS, () -> Mem.write(cpu, Insn.SS, 0xFFFF, 2, 0));
    }

    @Test
    void virtual8086ModeChecksOnlyTheLimit() {
        Cpu cpu = TestCpus.prot32(3);
        cpu.sysFlags |= Cpu.VM;
        cpu.updateMode();
        cpu.seg[Insn.ES].set(0x2000, 0x20000, 0xFFFF, 0); // attributes as a v86 load leaves them
        Mem.write(cpu, Insn.ES, 0x10, 2, 0x7E57);
        assertEquals(0x7E57, cpu.ram.read16(0x20010));
        fault(Vectors.GP, () -> Mem.read(cpu, Insn.ES, 0xFFFF, 2));
    }

    @Test
    void sixtyFourBitModeAddsOnlyTheFsAndGsBases() {
        Cpu cpu = TestCpus.long64();
        for (int s = 0; s < 6; s++) {
            cpu.seg[s].base = 0x1000L * (s + 1);
            cpu.seg[s].limit = 0;
        }
        assertEquals(0x7_0000_0000L, Mem.linear(cpu, Insn.DS, 0x7_0000_0000L, 8, false));
        assertEquals(0x7_0000_0000L, Mem.linear(cpu, Insn.ES, 0x7_0000_0000L, 8, true));
        assertEquals(0x7_0000_0000L, Mem.linear(cpu, Insn.SS, 0x7_0000_0000L, 8, true));
        assertEquals(0x7_0000_5000L, Mem.linear(cpu, Insn.FS, 0x7_0000_0000L, 8, false));
        assertEquals(0x7_0000_6000L, Mem.linear(cpu, Insn.GS, 0x7_0000_0000L, 8, false));
        cpu.ram.write64(0x5008, 0x0102_0304_0506_0708L);
        assertEquals(0x0102_0304_0506_0708L, Mem.read(cpu, Insn.FS, 8, 8));
    }

    @Test
    void aStackAddressMustBeCanonicalForTheLinearAddressWidth() {
        Cpu cpu = TestCpus.long64();
        long bit47 = 0x0000_8000_0000_0000L, bit56 = 0x0100_0000_0000_0000L;
        fault(Vectors.SS, () -> Mem.linear(cpu, Insn.SS, bit47, 8, false));
        fault(Vectors.SS, () -> Mem.linear(cpu, Insn.SS, 0x00FF_FFFF_FFFF_F000L, 8, false));
        assertEquals(0xFFFF_8000_0000_0000L, Mem.linear(cpu, Insn.SS, 0xFFFF_8000_0000_0000L, 8, false));
        assertEquals(0x0000_7FFF_FFFF_F000L, Mem.linear(cpu, Insn.SS, 0x0000_7FFF_FFFF_F000L, 8, false));
        cpu.cr4 |= Cpu.CR4_LA57;
        assertEquals(bit47, Mem.linear(cpu, Insn.SS, bit47, 8, false), "57-bit addresses: bit 47 is an address bit");
        assertEquals(0x00FF_FFFF_FFFF_F000L, Mem.linear(cpu, Insn.SS, 0x00FF_FFFF_FFFF_F000L, 8, false));
        fault(Vectors.SS, () -> Mem.linear(cpu, Insn.SS, bit56, 8, false));
        assertEquals(0xFF00_0000_0000_0000L, Mem.linear(cpu, Insn.SS, 0xFF00_0000_0000_0000L, 8, false));
    }

    @Test
    void canonicalAddressesForFourAndFiveLevelPaging() {
        Cpu cpu = TestCpus.long64();
        assertTrue(Mem.canonical(cpu, 0x0000_7FFF_FFFF_FFFFL));
        assertTrue(Mem.canonical(cpu, 0xFFFF_8000_0000_0000L));
        assertFalse(Mem.canonical(cpu, 0x0000_8000_0000_0000L));
        assertFalse(Mem.canonical(cpu, 0xFFFF_7FFF_FFFF_FFFFL));
        cpu.cr4 |= Cpu.CR4_LA57;
        assertTrue(Mem.canonical(cpu, 0x0000_8000_0000_0000L));
        assertTrue(Mem.canonical(cpu, 0x00FF_FFFF_FFFF_FFFFL));
        assertTrue(Mem.canonical(cpu, 0xFF00_0000_0000_0000L));
        assertFalse(Mem.canonical(cpu, 0x0100_0000_0000_0000L));
        assertFalse(Mem.canonical(cpu, 0xFEFF_FFFF_FFFF_FFFFL));
    }

    @Test
    void aSegmentNotPresentCannotBeUsedWhateverItsOtherAttributes() {
        Cpu cpu = prot32With(Insn.DS, 0xFFFF_FFFFL, Segment.S | RW | Segment.DB | Segment.G);
        fault(Vectors.GP, () -> Mem.read(cpu, Insn.DS, 0x100, 4));
        cpu.seg[Insn.SS].set(0x10, 0, 0xFFFF_FFFFL, Segment.S | RW | Segment.DB | Segment.G);
        fault(Vectors.SS, () -> Mem.write(cpu, Insn.SS, 0x100, 4, 0));
    }

    @Test
    void sixtyFourBitWritesAddTheFsBaseAndCheckStackAddresses() {
        Cpu cpu = TestCpus.long64();
        cpu.seg[Insn.FS].base = 0x5000;
        Mem.write(cpu, Insn.FS, 0x10, 8, 0x1122_3344_5566_7788L);
        assertEquals(0x1122_3344_5566_7788L, cpu.ram.read64(0x5010));
        assertEquals(0, cpu.ram.read64(0x10));
        fault(Vectors.SS, () -> Mem.write(cpu, Insn.SS, 0x0000_8000_0000_0000L, 8, 0));
    }
}
