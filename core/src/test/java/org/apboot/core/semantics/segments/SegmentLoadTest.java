package org.apboot.core.semantics.segments;

import static org.apboot.core.fault.TestCpus.assertFault;
import static org.apboot.core.fault.TestCpus.putDescriptor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.decode.Insn;
import org.apboot.core.fault.TestCpus;
import org.apboot.core.fault.Vectors;
import org.apboot.core.semantics.Mem;
import org.apboot.core.semantics.SegmentLoads;
import org.junit.jupiter.api.Test;

/**
 * Segment-register loads with the checks and error codes of Intel SDM vol. 2 (MOV, LLDT, LTR,
 * LAR, LSL, VERR/VERW, ARPL): #GP(selector with RPL cleared), #NP(selector), #SS(selector).
 */
class SegmentLoadTest {
    private static final int SLOT12 = 0x60, SLOT13 = 0x68, SLOT14 = 0x70;

    @Test
    void dataSegmentFaults() {
        Cpu cpu = TestCpus.prot32();
        assertFault(Vectors.GP, 0x80, () -> SegmentLoads.load(cpu, Insn.DS, 0x80));
        assertFault(Vectors.GP, 0x80, () -> SegmentLoads.load(cpu, Insn.DS, 0x83));
        putDescriptor(cpu, SLOT12, TestCpus.seg(0, 0xFFFFF, 0x12, 0xC));     // data, not present
        assertFault(Vectors.NP, SLOT12, () -> SegmentLoads.load(cpu, Insn.ES, SLOT12));
        putDescriptor(cpu, SLOT13, TestCpus.seg(0, 0xFFFFF, 0x98, 0xC));     // execute-only code
        assertFault(Vectors.GP, SLOT13, () -> SegmentLoads.load(cpu, Insn.FS, SLOT13));
        putDescriptor(cpu, SLOT14, TestCpus.seg(0, 0xFFFFF, 0x82, 0x0));     // LDT descriptor
        assertFault(Vectors.GP, SLOT14, () -> SegmentLoads.load(cpu, Insn.GS, SLOT14));
        SegmentLoads.load(cpu, Insn.DS, TestCpus.CODE32);           // readable code is fine
        assertEquals(TestCpus.CODE32, cpu.seg[Insn.DS].selector);
        // RPL 3 > DPL 0
        assertFault(Vectors.GP, TestCpus.DATA32, () -> SegmentLoads.load(cpu, Insn.DS, TestCpus.DATA32 | 3));
    }

    @Test
    void privilegeAtCpl3() {
        Cpu cpu = TestCpus.prot32();
        SegmentLoads.commitCode(cpu, TestCpus.UCODE32, cpu.ram.read64(TestCpus.GDT + 0x30), 3);
        assertEquals(3, cpu.cpl);
        assertFault(Vectors.GP, TestCpus.DATA32, () -> SegmentLoads.load(cpu, Insn.DS, TestCpus.DATA32 | 3));
        SegmentLoads.load(cpu, Insn.DS, TestCpus.UDATA32);
        SegmentLoads.load(cpu, Insn.ES, TestCpus.CODE32_DPL3_CONF); // conforming code: no DPL check
    }

    @Test
    void stackSegmentRules() {
        Cpu cpu = TestCpus.prot32();
        assertFault(Vectors.GP, 0, () -> SegmentLoads.load(cpu, Insn.SS, 0));
        assertFault(Vectors.GP, 0, () -> SegmentLoads.load(cpu, Insn.SS, 3));
        assertFault(Vectors.GP, TestCpus.DATA32, () -> SegmentLoads.load(cpu, Insn.SS, TestCpus.DATA32 | 1));
        assertFault(Vectors.GP, TestCpus.UDATA32 & ~3, () -> SegmentLoads.load(cpu, Insn.SS, TestCpus.UDATA32 & ~3));
        putDescriptor(cpu, SLOT12, TestCpus.seg(0, 0xFFFFF, 0x90, 0xC));     // read-only data
        assertFault(Vectors.GP, SLOT12, () -> SegmentLoads.load(cpu, Insn.SS, SLOT12));
        putDescriptor(cpu, SLOT13, TestCpus.seg(0, 0xFFFFF, 0x12, 0xC));     // writable, not present
        assertFault(Vectors.SS, SLOT13, () -> SegmentLoads.load(cpu, Insn.SS, SLOT13));
        putDescriptor(cpu, SLOT14, TestCpus.seg(0, 0xFFFF, 0x92, 0x0));      // 16-bit stack
        SegmentLoads.load(cpu, Insn.SS, SLOT14);
        assertEquals(2, cpu.stackAddrSize());
        assertEquals(0x93, cpu.ram.read8(TestCpus.GDT + SLOT14 + 5), "accessed bit set in the GDT");
    }

    @Test
    void nullSelectorUse() {
        Cpu cpu = TestCpus.prot32();
        SegmentLoads.load(cpu, Insn.DS, 0);
        assertFault(Vectors.GP, 0, () -> Mem.read(cpu, Insn.DS, 0x100, 4));
        SegmentLoads.load(cpu, Insn.ES, TestCpus.DATA16);
        assertFault(Vectors.GP, 0, () -> Mem.read(cpu, Insn.ES, 0xFFFF, 2));
        assertFault(Vectors.SS, 0, () -> {
            SegmentLoads.load(cpu, Insn.SS, TestCpus.DATA16);
            Mem.write(cpu, Insn.SS, 0xFFFE, 4, 0);
        });
    }

    @Test
    void expandDownLimits() {
        Cpu cpu = TestCpus.prot32();
        putDescriptor(cpu, SLOT12, TestCpus.seg(0, 0xFFF, 0x96, 0x4));       // expand-down, B=1, limit 0xFFF
        SegmentLoads.load(cpu, Insn.ES, SLOT12);
        assertFault(Vectors.GP, 0, () -> Mem.read(cpu, Insn.ES, 0xFFF, 1));
        Mem.write(cpu, Insn.ES, 0x1000, 4, 0x1234);
        assertEquals(0x1234, Mem.read(cpu, Insn.ES, 0x1000, 4));
    }

    @Test
    void realModeKeepsCachedLimit() {
        Cpu cpu = TestCpus.real();
        cpu.seg[Insn.DS].limit = 0xFFFF_FFFFL;
        SegmentLoads.load(cpu, Insn.DS, 0x1234);
        assertEquals(0x12340, cpu.seg[Insn.DS].base);
        assertEquals(0xFFFF_FFFFL, cpu.seg[Insn.DS].limit);
    }

    @Test
    void longModeFsGsBase() {
        Cpu cpu = TestCpus.long64();
        putDescriptor(cpu, SLOT12, TestCpus.seg(0x12345678, 0xFFFFF, 0x92, 0xC));
        cpu.seg[Insn.FS].base = 0xFFFF_8880_0000_0000L;
        SegmentLoads.load(cpu, Insn.FS, SLOT12);
        assertEquals(0x12345678L, cpu.seg[Insn.FS].base);
        cpu.seg[Insn.GS].base = 0xFFFF_8880_0000_0000L;
        SegmentLoads.load(cpu, Insn.GS, 0);
        assertEquals(0, cpu.seg[Insn.GS].base);
        SegmentLoads.load(cpu, Insn.SS, 0);                         // null SS at CPL 0 in 64-bit mode
        assertEquals(0, cpu.seg[Insn.SS].selector);
        SegmentLoads.load(cpu, Insn.DS, 0);
        cpu.ram.write32(0x5000, 0xCAFE);
        assertEquals(0xCAFE, Mem.read(cpu, Insn.DS, 0x5000, 4), "64-bit mode ignores DS");
        assertFault(Vectors.SS, 0, () -> Mem.read(cpu, Insn.SS, 0x0000_8000_0000_0000L, 8));
        assertFault(Vectors.GP, 0, () -> Mem.read(cpu, Insn.DS, 0x0000_8000_0000_0000L, 8));
    }

    @Test
    void lldtAndLdtSelectors() {
        Cpu cpu = TestCpus.prot32();
        putDescriptor(cpu, SLOT14, TestCpus.seg(0x5000, 0xFF, 0x82, 0x0));
        cpu.ram.write64(0x5000, TestCpus.seg(0x100000, 0xFFFFF, 0x92, 0xC));
        SegmentLoads.lldt(cpu, SLOT14);
        assertEquals(0x5000, cpu.ldtr.base);
        SegmentLoads.load(cpu, Insn.ES, 0x04);
        assertEquals(0x100000, cpu.seg[Insn.ES].base);
        assertFault(Vectors.GP, 0x104, () -> SegmentLoads.load(cpu, Insn.ES, 0x107));
        assertFault(Vectors.GP, TestCpus.DATA32, () -> SegmentLoads.lldt(cpu, TestCpus.DATA32));
        assertFault(Vectors.GP, 0x04, () -> SegmentLoads.lldt(cpu, 0x04));
        SegmentLoads.lldt(cpu, 0);
        assertFault(Vectors.GP, 0x04, () -> SegmentLoads.load(cpu, Insn.ES, 0x04));
    }

    @Test
    void ltrMarksBusyAndRejectsBusy() {
        Cpu cpu = TestCpus.prot32();
        SegmentLoads.ltr(cpu, TestCpus.TSS);
        assertEquals(0x8B, cpu.ram.read8(TestCpus.GDT + TestCpus.TSS + 5));
        assertEquals(0xB, cpu.tr.attrs & 0xF);
        assertEquals(0x3000, cpu.tr.base);
        assertFault(Vectors.GP, TestCpus.TSS, () -> SegmentLoads.ltr(cpu, TestCpus.TSS));
        assertFault(Vectors.GP, 0, () -> SegmentLoads.ltr(cpu, 0));
    }

    @Test
    void descriptorQueries() {
        Cpu cpu = TestCpus.prot32();
        assertEquals(0x00C0_9B00L, SegmentLoads.lar(cpu, TestCpus.CODE32));
        assertEquals(0xFFFF_FFFFL, SegmentLoads.lsl(cpu, TestCpus.DATA32));
        assertEquals(0x67, SegmentLoads.lsl(cpu, TestCpus.TSS));
        assertEquals(-1, SegmentLoads.lar(cpu, 0));
        assertEquals(-1, SegmentLoads.lsl(cpu, 0x400));
        assertTrue(SegmentLoads.verify(cpu, TestCpus.CODE32, false));
        assertFalse(SegmentLoads.verify(cpu, TestCpus.CODE32, true));
        assertTrue(SegmentLoads.verify(cpu, TestCpus.DATA32, true));
        assertFalse(SegmentLoads.verify(cpu, TestCpus.DATA32 | 3, true), "RPL 3 above DPL 0");
        assertEquals(0x13, SegmentLoads.arpl(cpu, 0x10, 0x3B));
        assertEquals(-1, SegmentLoads.arpl(cpu, 0x13, 0x3A));
        Cpu real = TestCpus.real();
        assertFault(Vectors.UD, 0, () -> SegmentLoads.lar(real, 8));
    }
}
