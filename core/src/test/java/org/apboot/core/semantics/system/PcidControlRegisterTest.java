package org.apboot.core.semantics.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.CpuModel;
import org.apboot.core.cpu.CpuProfile;
import org.apboot.core.cpu.Mmu;
import org.apboot.core.fault.CpuException;
import org.apboot.core.mem.PhysicalMemory;
import org.apboot.core.semantics.ControlRegs;
import org.junit.jupiter.api.Test;

/**
 * CR4.PCIDE on a CPU model that advertises PCID (CPUID.1:ECX bit 17; the models apboot ships do
 * not). Facts from the Intel SDM: CR4.PCIDE can be set only in IA-32e mode and only while
 * CR3[11:0] is 0 (MOV to CR, #GP(0)); with PCIDE set, bit 63 of the value moved to CR3 asks the
 * processor not to invalidate the current PCID's translations, and is not stored in CR3 (it is
 * reserved and always 0); clearing PCIDE invalidates every translation (vol. 3 section
 * 4.10.4.1). As in {@code ControlRegTlbTest}, the TLB is observed by changing a page-table entry
 * without INVLPG: a stale translation means nothing was invalidated.
 */
class PcidControlRegisterTest {
    private static final long PCID_BIT = 1 << 17;
    /** The 2 MiB page at 4 MiB of the identity map, and the page it is retargeted to. */
    private static final long LINEAR = 0x400000, RETARGETED = 0x600000;
    private static final long PD_ENTRY = SysCpus.PT_BASE + 0x3000 + 8 * 2;

    private static Cpu pcidCpu() {
        CpuModel s = CpuModel.standard(false);
        CpuModel m = new CpuModel(s.vendor, s.family, s.model, s.stepping, s.features1Edx,
                s.features1Ecx | (int) PCID_BIT, s.extEdx, s.extEcx, s.leaf7Ebx, s.leaf7Ecx,
                s.physAddrBits, s.linearAddrBits, s.brand);
        return new Cpu(0, m, CpuProfile.GENERIC, new PhysicalMemory(16 << 20));
    }

    /** 64-bit mode at CPL 0 with the identity map of {@link SysCpus#identityTables}, PCIDE clear. */
    private static Cpu long64() {
        Cpu cpu = pcidCpu();
        SysCpus.toProt32(cpu, 0);
        cpu.cr3 = SysCpus.identityTables(cpu, false);
        cpu.cr4 = Cpu.CR4_PAE;
        cpu.efer = Cpu.EFER_LME | Cpu.EFER_LMA;
        cpu.cr0 |= Cpu.CR0_PG | Cpu.CR0_NE;
        SysCpus.loadCs(cpu, 0x08, SysCpus.CODE64);
        return cpu;
    }

    /** {@link #long64} with PCIDE set, the TLB holding LINEAR, and its entry retargeted behind the TLB's back. */
    private static Cpu withStaleTranslation() {
        Cpu cpu = long64();
        ControlRegs.writeCr4(cpu, Cpu.CR4_PAE | Cpu.CR4_PCIDE);
        assertEquals(LINEAR, read(cpu));
        cpu.ram.write(PD_ENTRY, 8, RETARGETED | 0x83);
        assertEquals(LINEAR, read(cpu), "stale until something invalidates it");
        return cpu;
    }

    private static long read(Cpu cpu) {
        return cpu.mmu.translate(LINEAR, Mmu.READ, false);
    }

    @Test
    void pcideCanBeSetOnlyInIa32eMode() {
        Cpu prot = pcidCpu();
        SysCpus.toProt32(prot, 0);
        SysCpus.gp(() -> ControlRegs.writeCr4(prot, Cpu.CR4_PCIDE));
        SysCpus.gp(() -> ControlRegs.writeCr4(prot, Cpu.CR4_PAE | Cpu.CR4_PCIDE));
        assertEquals(0, prot.cr4);
        Cpu lm = long64();
        ControlRegs.writeCr4(lm, Cpu.CR4_PAE | Cpu.CR4_PCIDE);
        assertEquals(Cpu.CR4_PAE | Cpu.CR4_PCIDE, lm.cr4);
    }

    @Test
    void pcideCanBeSetOnlyWhileCr3LowBitsAreClear() {
        Cpu cpu = long64();
        long pml4 = cpu.cr3;
        cpu.cr3 = pml4 | 0x008; // PWT: one of CR3[11:0]
        SysCpus.gp(() -> ControlRegs.writeCr4(cpu, Cpu.CR4_PAE | Cpu.CR4_PCIDE));
        assertEquals(Cpu.CR4_PAE, cpu.cr4);
        cpu.cr3 = pml4;
        ControlRegs.writeCr4(cpu, Cpu.CR4_PAE | Cpu.CR4_PCIDE);
        // once set, CR3[11:0] is the PCID: writing other CR4 bits is no "change from 0 to 1"
        cpu.cr3 = pml4 | 5;
        ControlRegs.writeCr4(cpu, Cpu.CR4_PAE | Cpu.CR4_PCIDE | Cpu.CR4_OSFXSR);
        assertEquals(Cpu.CR4_PAE | Cpu.CR4_PCIDE | Cpu.CR4_OSFXSR, cpu.cr4);
    }

    @Test
    void cr3BitSixtyThreeKeepsThePcidsTranslationsAndIsNotStored() {
        Cpu cpu = withStaleTranslation();
        long pml4 = cpu.cr3;
        ControlRegs.writeCr3(cpu, pml4 | 1L << 63);
        assertEquals(pml4, cpu.cr3, "bit 63 is not stored");
        assertEquals(LINEAR, read(cpu), "bit 63 set: the PCID's translations stay");
        ControlRegs.writeCr3(cpu, pml4);
        assertEquals(RETARGETED, read(cpu), "bit 63 clear: invalidated");
    }

    @Test
    void withoutPcideCr3BitSixtyThreeIsReserved() {
        Cpu cpu = long64();
        long pml4 = cpu.cr3;
        SysCpus.gp(() -> ControlRegs.writeCr3(cpu, pml4 | 1L << 63));
        assertEquals(pml4, cpu.cr3);
    }

    @Test
    void clearingPcideDropsEveryTranslationEvenWhenSetAgainAtOnce() {
        Cpu cpu = withStaleTranslation();
        ControlRegs.writeCr4(cpu, Cpu.CR4_PAE);
        ControlRegs.writeCr4(cpu, Cpu.CR4_PAE | Cpu.CR4_PCIDE);
        assertEquals(RETARGETED, read(cpu));
    }

    /**
     * SDM MOV to CR, protected-mode exceptions: #GP(0) for clearing CR0.PG while CR4.PCIDE = 1
     * (vol. 3 section 4.10.1). Compatibility mode is the one place paging may otherwise be
     * turned off in IA-32e mode; once PCIDE is cleared the same write leaves IA-32e mode.
     */
    @Test
    void pagingCannotBeTurnedOffWhilePcideIsSet() {
        Cpu cpu = long64();
        ControlRegs.writeCr4(cpu, Cpu.CR4_PAE | Cpu.CR4_PCIDE);
        SysCpus.loadCs(cpu, 0x18, SysCpus.CODE32);
        long cr0 = cpu.cr0;
        CpuException e = SysCpus.gp(() -> ControlRegs.writeCr0(cpu, cr0 & ~Cpu.CR0_PG));
        assertTrue(e.reason.contains("PCIDE"), e.reason);
        assertEquals(cr0, cpu.cr0, "CR0 unchanged");
        assertTrue(cpu.longModeActive(), "still in IA-32e mode");
        ControlRegs.writeCr0(cpu, cr0 & ~Cpu.CR0_NE); // a write that leaves PG set is allowed
        assertEquals(cr0 & ~Cpu.CR0_NE, cpu.cr0);
        ControlRegs.writeCr4(cpu, Cpu.CR4_PAE);
        ControlRegs.writeCr0(cpu, cr0 & ~Cpu.CR0_PG);
        assertFalse(cpu.longModeActive(), "PCIDE clear: paging off leaves IA-32e mode");
    }

    @Test
    void writingOtherCr4BitsWithPcideSetKeepsTranslations() {
        Cpu cpu = withStaleTranslation();
        ControlRegs.writeCr4(cpu, Cpu.CR4_PAE | Cpu.CR4_PCIDE | Cpu.CR4_OSFXSR);
        assertEquals(LINEAR, read(cpu));
    }
}
