package org.apboot.core.semantics.system;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.Mmu;
import org.apboot.core.semantics.ControlRegs;
import org.junit.jupiter.api.Test;

/**
 * Which control-register writes drop cached translations (Intel SDM vol. 3 section 4.10.4.1):
 * MOV to CR3 drops every non-global one (global pages, CR4.PGE with G, survive); MOV to CR0
 * that clears PG, and MOV to CR4 that changes PGE or PAE, drop everything. The TLB is observed
 * the way software would: a page-table entry is changed without INVLPG, and the linear address
 * is translated again; a stale translation means nothing was dropped.
 *
 * <p>Toggling a bit off and on again with no access in between is how kernels flush global
 * pages (CR4.PGE) or change tables with paging off (CR0.PG): the TLB must not rely on seeing the
 * intermediate value.
 */
class ControlRegTlbTest {
    private static final long PD = 0x20000, PT = 0x21000;
    private static final long PAGE = 0x400000, GLOBAL_PAGE = 0x401000;

    /** 32-bit paging, CR4.PGE set: PAGE -> 0x5000, GLOBAL_PAGE -> 0x6000 (G). */
    private static Cpu cpu() {
        Cpu cpu = SysCpus.prot32(0);
        cpu.ram.write32(PD + 4, (int) PT | 7);
        cpu.ram.write32(PT, 0x5000 | 7);
        cpu.ram.write32(PT + 4, 0x6000 | 0x107);
        ControlRegs.writeCr3(cpu, PD);
        ControlRegs.writeCr4(cpu, Cpu.CR4_PGE | Cpu.CR4_PSE);
        ControlRegs.writeCr0(cpu, cpu.cr0 | Cpu.CR0_PG);
        // fill the TLB, then retarget both pages behind its back
        assertEquals(0x5000, read(cpu, PAGE));
        assertEquals(0x6000, read(cpu, GLOBAL_PAGE));
        cpu.ram.write32(PT, 0x8000 | 7);
        cpu.ram.write32(PT + 4, 0x9000 | 0x107);
        assertEquals(0x5000, read(cpu, PAGE), "stale until something invalidates it");
        return cpu;
    }

    private static long read(Cpu cpu, long linear) {
        return cpu.mmu.translate(linear, Mmu.READ, false);
    }

    @Test
    void cr3WriteDropsNonGlobalKeepsGlobal() {
        Cpu cpu = cpu();
        ControlRegs.writeCr(cpu, 3, cpu.cr3); // the same value still flushes
        assertEquals(0x8000, read(cpu, PAGE));
        assertEquals(0x6000, read(cpu, GLOBAL_PAGE), "global page kept across MOV to CR3");
    }

    @Test
    void cr3WriteDropsGPagesWhenPgeIsClear() {
        Cpu cpu = cpu();
        // PGE off (drops everything), refill, retarget again
        ControlRegs.writeCr4(cpu, Cpu.CR4_PSE);
        assertEquals(0x9000, read(cpu, GLOBAL_PAGE));
        cpu.ram.write32(PT + 4, 0xA000 | 0x107);
        ControlRegs.writeCr3(cpu, cpu.cr3);
        assertEquals(0xA000, read(cpu, GLOBAL_PAGE), "G means nothing without CR4.PGE");
    }

    @Test
    void cr4PgeToggleDropsGlobalPages() {
        Cpu cpu = cpu();
        ControlRegs.writeCr4(cpu, cpu.cr4 & ~Cpu.CR4_PGE);
        ControlRegs.writeCr4(cpu, cpu.cr4 | Cpu.CR4_PGE);
        assertEquals(0x9000, read(cpu, GLOBAL_PAGE));
        assertEquals(0x8000, read(cpu, PAGE));
    }

    @Test
    void cr4PseToggleDropsEverything() {
        Cpu cpu = cpu();
        ControlRegs.writeCr4(cpu, cpu.cr4 & ~Cpu.CR4_PSE);
        ControlRegs.writeCr4(cpu, cpu.cr4 | Cpu.CR4_PSE);
        assertEquals(0x9000, read(cpu, GLOBAL_PAGE));
    }

    @Test
    void cr4PaeChangeDropsEverything() {
        Cpu cpu = cpu();
        // PAE tables for the same linear page: PDPT at 0x30000, PD 0x31000, PT 0x32000 -> 0xA000
        cpu.ram.write64(0x30000, 0x31000 | 1);
        cpu.ram.write64(0x31000 + 8 * 2, 0x32000 | 7);
        cpu.ram.write64(0x32000 + 8, 0xA000 | 0x107);
        cpu.cr3 = 0x30000; // behind the TLB's back: only the CR4 write may flush
        ControlRegs.writeCr4(cpu, cpu.cr4 | Cpu.CR4_PAE);
        assertEquals(0xA000, read(cpu, GLOBAL_PAGE));
    }

    @Test
    void cr4WriteOfOtherBitsKeepsTranslations() {
        Cpu cpu = cpu();
        ControlRegs.writeCr4(cpu, cpu.cr4 | Cpu.CR4_TSD | Cpu.CR4_OSFXSR);
        assertEquals(0x5000, read(cpu, PAGE));
        assertEquals(0x6000, read(cpu, GLOBAL_PAGE));
    }

    @Test
    void cr0PagingOffAndOnDropsEverything() {
        Cpu cpu = cpu();
        ControlRegs.writeCr0(cpu, cpu.cr0 & ~Cpu.CR0_PG);
        ControlRegs.writeCr0(cpu, cpu.cr0 | Cpu.CR0_PG);
        assertEquals(0x8000, read(cpu, PAGE));
        assertEquals(0x9000, read(cpu, GLOBAL_PAGE));
    }

    @Test
    void cr0PagingOffTranslatesIdentically() {
        Cpu cpu = cpu();
        ControlRegs.writeCr0(cpu, cpu.cr0 & ~Cpu.CR0_PG);
        assertEquals(PAGE, read(cpu, PAGE));
    }

    @Test
    void cr0WriteOfOtherBitsKeepsTranslations() {
        Cpu cpu = cpu();
        ControlRegs.writeCr0(cpu, cpu.cr0 | Cpu.CR0_TS | Cpu.CR0_MP);
        ControlRegs.clts(cpu);
        assertEquals(0x5000, read(cpu, PAGE));
        assertEquals(0x6000, read(cpu, GLOBAL_PAGE));
    }

    @Test
    void lmswSetsPeButCannotClearIt() {
        Cpu cpu = SysCpus.real();
        ControlRegs.lmsw(cpu, 1);
        assertEquals(Cpu.CR0_PE, cpu.cr0 & Cpu.CR0_PE);
        assertEquals("prot16", cpu.modeName());
        assertEquals(0x123456L, read(cpu, 0x123456));
        ControlRegs.lmsw(cpu, 0); // PE cannot be cleared by LMSW
        assertEquals(Cpu.CR0_PE, cpu.cr0 & Cpu.CR0_PE);
    }
}
