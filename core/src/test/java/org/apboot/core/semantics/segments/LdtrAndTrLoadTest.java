package org.apboot.core.semantics.segments;

import static org.apboot.core.fault.TestCpus.assertFault;
import static org.apboot.core.fault.TestCpus.putDescriptor;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.fault.TestCpus;
import org.apboot.core.fault.Vectors;
import org.apboot.core.semantics.SegmentLoads;
import org.junit.jupiter.api.Test;

/**
 * LLDT, LTR and the SLDT/STR privilege check (Intel SDM vol. 2 LLDT, LTR, SLDT, STR): #UD
 * outside protected mode, #GP(0) above CPL 0 (and for SLDT/STR with CR4.UMIP above CPL 0),
 * #GP(sel) for a selector into the LDT or a descriptor of the wrong type (a system type: a data
 * or code descriptor whose type nibble happens to equal it does not count), #NP(sel) when not
 * present; in IA-32e mode the descriptors are 16 bytes and give a 64-bit base.
 */
class LdtrAndTrLoadTest {
    private static final int SLOT = 0x60, SLOT2 = 0x70;

    private static Cpu prot32() {
        Cpu cpu = TestCpus.prot32();
        cpu.gdtrLimit = 0xFF;
        return cpu;
    }

    private static Cpu user() {
        Cpu cpu = prot32();
        SegmentLoads.commitCode(cpu, TestCpus.UCODE32, cpu.ram.read64(TestCpus.GDT + 0x30), 3);
        return cpu;
    }

    @Test
    void onlyProtectedModeAtCplZero() {
        Cpu real = TestCpus.real();
        assertFault(Vectors.UD, 0, () -> SegmentLoads.lldt(real, 0));
        assertFault(Vectors.UD, 0, () -> SegmentLoads.ltr(real, TestCpus.TSS));
        assertFault(Vectors.UD, 0, () -> SegmentLoads.checkStore(real, "SLDT"));
        Cpu user = user();
        putDescriptor(user, SLOT, TestCpus.seg(0x5000, 0xFF, 0x82, 0x0));
        assertFault(Vectors.GP, 0, () -> SegmentLoads.lldt(user, SLOT));
        assertFault(Vectors.GP, 0, () -> SegmentLoads.ltr(user, TestCpus.TSS));
        assertEquals(0x89, user.ram.read8(TestCpus.GDT + TestCpus.TSS + 5), "not marked busy");
    }

    @Test
    void sldtAndStrFaultAboveCplZeroOnlyWithUmip() {
        Cpu user = user();
        SegmentLoads.checkStore(user, "STR");
        user.cr4 |= Cpu.CR4_UMIP;
        assertFault(Vectors.GP, 0, () -> SegmentLoads.checkStore(user, "STR"));
        Cpu kernel = prot32();
        kernel.cr4 |= Cpu.CR4_UMIP;
        SegmentLoads.checkStore(kernel, "SLDT");
        SegmentLoads.commitCode(kernel, TestCpus.CODE32 | 1, kernel.ram.read64(TestCpus.GDT + 8), 1);
        assertFault(Vectors.GP, 0, () -> SegmentLoads.checkStore(kernel, "SLDT"));
    }

    @Test
    void lldtRejectsLdtSelectorsDataDescriptorsOfTypeTwoAndAbsentLdts() {
        Cpu cpu = prot32();
        putDescriptor(cpu, SLOT, TestCpus.seg(0x5000, 0xFF, 0x82, 0x0));
        cpu.ram.write64(0x5000, TestCpus.seg(0x6000, 0xFF, 0x82, 0x0)); // an LDT descriptor inside the LDT
        SegmentLoads.lldt(cpu, SLOT);
        assertFault(Vectors.GP, 0x04, () -> SegmentLoads.lldt(cpu, 0x04));
        assertEquals(0x5000, cpu.ldtr.base);
        putDescriptor(cpu, SLOT2, TestCpus.seg(0x7000, 0xFF, 0x92, 0x0));        // data, read/write: type 2
        assertFault(Vectors.GP, SLOT2, () -> SegmentLoads.lldt(cpu, SLOT2));
        putDescriptor(cpu, SLOT2, TestCpus.seg(0x7000, 0xFF, 0x02, 0x0));        // LDT, not present
        assertFault(Vectors.NP, SLOT2, () -> SegmentLoads.lldt(cpu, SLOT2 | 3));
        assertEquals(SLOT, cpu.ldtr.selector);
    }

    @Test
    void ltrRejectsLdtSelectorsCodeOfTypeNineAndAbsentTss() {
        Cpu cpu = prot32();
        putDescriptor(cpu, SLOT, TestCpus.seg(0x5000, 0xFF, 0x82, 0x0));
        cpu.ram.write64(0x5000, TestCpus.seg(0x3000, 0x67, 0x89, 0x0)); // a TSS descriptor inside the LDT
        SegmentLoads.lldt(cpu, SLOT);
        assertFault(Vectors.GP, 0x04, () -> SegmentLoads.ltr(cpu, 0x04));
        putDescriptor(cpu, SLOT2, TestCpus.seg(0x7000, 0xFFFF, 0x99, 0x0));     // code, execute-only, accessed: type 9
        assertFault(Vectors.GP, SLOT2, () -> SegmentLoads.ltr(cpu, SLOT2));
        putDescriptor(cpu, SLOT2, TestCpus.seg(0x7000, 0x67, 0x09, 0x0));       // TSS, not present
        assertFault(Vectors.NP, SLOT2, () -> SegmentLoads.ltr(cpu, SLOT2));
        assertEquals(0x09, cpu.ram.read8(TestCpus.GDT + SLOT2 + 5), "not marked busy");
        putDescriptor(cpu, SLOT2, TestCpus.seg(0x7000, 0x2B, 0x81, 0x0));       // 16-bit TSS, available
        SegmentLoads.ltr(cpu, SLOT2);
        assertEquals(0x83, cpu.ram.read8(TestCpus.GDT + SLOT2 + 5), "marked busy");
        assertEquals(3, cpu.tr.attrs & 0xF);
        assertEquals(0x7000, cpu.tr.base);
    }

    @Test
    void ia32eModeDescriptorsAreSixteenBytesWithA64BitBase() {
        Cpu cpu = TestCpus.long64();
        cpu.gdtrLimit = 0xFF;
        putDescriptor(cpu, SLOT, TestCpus.seg(0x5000, 0xFF, 0x82, 0x0));
        putDescriptor(cpu, SLOT + 8, 0x0000_0001L);
        SegmentLoads.lldt(cpu, SLOT);
        assertEquals(0x1_0000_5000L, cpu.ldtr.base);
        putDescriptor(cpu, SLOT2, TestCpus.seg(0x7000, 0x67, 0x89, 0x0));
        putDescriptor(cpu, SLOT2 + 8, 0xFFFF_8000L);
        SegmentLoads.ltr(cpu, SLOT2);
        assertEquals(0xFFFF_8000_0000_7000L, cpu.tr.base);
        assertEquals(0xB, cpu.tr.attrs & 0xF);
        putDescriptor(cpu, 0x80, TestCpus.seg(0x7000, 0x2B, 0x81, 0x0));        // a 16-bit TSS is no TSS here
        assertFault(Vectors.GP, 0x80, () -> SegmentLoads.ltr(cpu, 0x80));
    }

    @Test
    void lldtRefusesOtherSystemDescriptorsAndLtrTheNullSelectorWhateverSlotZeroHolds() {
        Cpu cpu = prot32();
        assertFault(Vectors.GP, TestCpus.TSS, () -> SegmentLoads.lldt(cpu, TestCpus.TSS));
        putDescriptor(cpu, 0, TestCpus.seg(0x3000, 0x67, 0x89, 0x0));
        assertFault(Vectors.GP, 0, () -> SegmentLoads.ltr(cpu, 0));
        assertFault(Vectors.GP, 0, () -> SegmentLoads.ltr(cpu, 3));
        assertEquals(0x89, cpu.ram.read8(TestCpus.GDT + 5));
    }
}
