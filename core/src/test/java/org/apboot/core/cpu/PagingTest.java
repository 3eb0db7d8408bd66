package org.apboot.core.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.apboot.core.fault.CpuException;
import org.apboot.core.fault.TestCpus;
import org.apboot.core.fault.Vectors;
import org.junit.jupiter.api.Test;

/**
 * Page walks of every paging mode with the #PF error codes of Intel SDM vol. 3 section 4.7 (bit 0
 * P, 1 W/R, 2 U/S, 3 RSVD, 4 I/D) and the accessed/dirty bits of section 4.8.
 */
class PagingTest {
    private static final long A = 0x20, D = 0x40;

    private static int pfError(Cpu cpu, long lin, int access, boolean user) {
        CpuException e = assertThrows(CpuException.class, () -> cpu.mmu.translate(lin, access, user));
        assertEquals(Vectors.PF, e.vector);
        assertEquals(lin, e.faultAddress);
        return e.errorCode;
    }

    // ---------------------------------------------------------------- 32-bit paging

    private static Cpu paging32() {
        Cpu cpu = TestCpus.real();
        cpu.cr3 = 0x20000;
        cpu.ram.write32(0x20000 + 4 * 1, 0x21000 | 7);          // PDE[1] -> PT at 0x21000, U/W/P
        cpu.ram.write32(0x21000 + 4 * 0x23, 0x5000 | 7);        // 0x423000 -> 0x5000
        cpu.ram.write32(0x21000 + 4 * 0x24, 0x6000 | 3);        // 0x424000 supervisor
        cpu.ram.write32(0x21000 + 4 * 0x25, 0x7000 | 5);        // 0x425000 read-only user
        cpu.cr0 |= Cpu.CR0_PE | Cpu.CR0_PG;
        return cpu;
    }

    @Test
    void walk32SetsAccessedThenDirty() {
        Cpu cpu = paging32();
        assertEquals(0x5ABCL, cpu.mmu.translate(0x423ABC, Mmu.READ, false));
        assertEquals(0x21027, cpu.ram.read32(0x20004));
        assertEquals(0x5027, cpu.ram.read32(0x21000 + 4 * 0x23));
        assertEquals(0x5ABCL, cpu.mmu.translate(0x423ABC, Mmu.WRITE, true));
        assertEquals(0x5067, cpu.ram.read32(0x21000 + 4 * 0x23));
        assertEquals(0x21027, cpu.ram.read32(0x20004), "D is set only in the entry that maps the page");
    }

    @Test
    void errorCodes32() {
        Cpu cpu = paging32();
        assertEquals(0, pfError(cpu, 0x800000, Mmu.READ, false));
        assertEquals(6, pfError(cpu, 0x800000, Mmu.WRITE, true));
        assertEquals(4, pfError(cpu, 0x800000, Mmu.FETCH, true), "no I/D bit without PAE+NXE or SMEP");
        assertEquals(5, pfError(cpu, 0x424000, Mmu.READ, true));
        assertEquals(7, pfError(cpu, 0x424000, Mmu.WRITE, true));
        assertEquals(0x6003, cpu.ram.read32(0x21000 + 4 * 0x24), "a faulting access sets no accessed bit");
        assertEquals(7, pfError(cpu, 0x425000, Mmu.WRITE, true));
        assertEquals(0x7000L, cpu.mmu.translate(0x425000, Mmu.WRITE, false), "CR0.WP=0: supervisor writes anywhere");
        cpu.cr0 |= Cpu.CR0_WP;
        assertEquals(3, pfError(cpu, 0x425000, Mmu.WRITE, false));
    }

    @Test
    void smepSetsInstructionBit() {
        Cpu cpu = paging32();
        cpu.cr4 |= Cpu.CR4_SMEP;
        assertEquals(0x11, pfError(cpu, 0x423000, Mmu.FETCH, false));
        assertEquals(0x6000L, cpu.mmu.translate(0x424000, Mmu.FETCH, false));
        assertEquals(0x10, pfError(cpu, 0x800000, Mmu.FETCH, false));
    }

    @Test
    void pse4MiBPagesWithPse36() {
        Cpu cpu = paging32();
        cpu.ram.write32(0x20000 + 4 * 3, 0x400000 | (0x12 << 13) | 0x83);
        cpu.ram.write32(0x20000 + 4 * 4, 0x600000 | 0x83); // bit 21 set: reserved
        cpu.cr4 |= Cpu.CR4_PSE;
        assertEquals(0x12_0040_0123L, cpu.mmu.translate(0xC00123, Mmu.READ, false));
        assertEquals(0x400000 | (0x12 << 13) | 0x83 | 0x20, cpu.ram.read32(0x20000 + 4 * 3));
        assertEquals(9, pfError(cpu, 0x1000000, Mmu.READ, false));
        assertEquals(0xB, pfError(cpu, 0x1000000, Mmu.WRITE, false));
    }

    @Test
    void psIgnoredWithoutCr4Pse() {
        Cpu cpu = paging32();
        cpu.ram.write32(0x20000 + 4 * 3, 0x400000 | 0x83);
        // PS is ignored: the PDE points at a page table at 0x400000, which is empty
        assertEquals(0, pfError(cpu, 0xC00123, Mmu.READ, false));
    }

    // ---------------------------------------------------------------- PAE

    private static Cpu pae() {
        Cpu cpu = TestCpus.real();
        cpu.cr3 = 0x30000;
        cpu.ram.write64(0x30000, 0x31000 | 1);
        cpu.ram.write64(0x30008, 0x33000 | 3);                 // reserved bit 1
        cpu.ram.write64(0x31000 + 8 * 2, 0x200000 | 0x83);     // 0x400000: 2 MiB page at 0x200000
        cpu.ram.write64(0x31000 + 8 * 3, 0x32000 | 7);         // 0x600000: page table
        cpu.ram.write64(0x32000, (1L << 63) | 0x9000 | 7);     // 0x600000 -> 0x9000, XD
        cpu.ram.write64(0x31000 + 8 * 4, 0x34000 | 7 | (1L << 50)); // reserved address bit (M = 46)
        cpu.cr4 |= Cpu.CR4_PAE;
        cpu.cr0 |= Cpu.CR0_PE | Cpu.CR0_PG;
        return cpu;
    }

    @Test
    void paeLargePageAndNx() {
        Cpu cpu = pae();
        assertEquals(0x2ABCDEL, cpu.mmu.translate(0x4ABCDE, Mmu.READ, false));
        assertEquals(0x200000L | 0x83 | A, cpu.ram.read64(0x31000 + 8 * 2));
        assertEquals(0x31001L, cpu.ram.read64(0x30000), "PAE PDPTEs have no accessed flag");
        assertEquals(9, pfError(cpu, 0x600000, Mmu.READ, false), "XD with EFER.NXE=0 is reserved");
        assertEquals(0, pfError(cpu, 0x601000, Mmu.FETCH, false));
        cpu.efer |= Cpu.EFER_NXE;
        assertEquals(0x9000L, cpu.mmu.translate(0x600000, Mmu.READ, false));
        assertEquals(0x11, pfError(cpu, 0x600000, Mmu.FETCH, false));
        assertEquals(0x15, pfError(cpu, 0x600000, Mmu.FETCH, true));
        assertEquals(0x10, pfError(cpu, 0x601000, Mmu.FETCH, false));
        assertEquals(9, pfError(cpu, 0x40000000, Mmu.READ, false), "PDPTE reserved bits");
        assertEquals(9, pfError(cpu, 0x800000, Mmu.READ, false), "physical address bits above MAXPHYADDR");
    }

    // ---------------------------------------------------------------- 4- and 5-level

    private static Cpu long4() {
        Cpu cpu = TestCpus.real();
        TestCpus.identityMap(cpu);
        cpu.cr3 = TestCpus.PML4;
        cpu.cr4 |= Cpu.CR4_PAE;
        cpu.efer |= Cpu.EFER_LME | Cpu.EFER_LMA;
        cpu.cr0 |= Cpu.CR0_PE | Cpu.CR0_PG;
        return cpu;
    }

    @Test
    void fourLevel() {
        Cpu cpu = long4();
        long pdpt = TestCpus.PML4 + 0x1000, pd = TestCpus.PML4 + 0x2000;
        assertEquals(0x123456L, cpu.mmu.translate(0x123456, Mmu.READ, false));
        assertEquals(0x87L | A, cpu.ram.read64(pd));
        assertEquals(pd | 7 | A, cpu.ram.read64(pdpt));
        assertEquals(pdpt | 7 | A, cpu.ram.read64(TestCpus.PML4));
        cpu.mmu.translate(0x223456, Mmu.WRITE, true);
        assertEquals(0x200000L | 0x87 | A | D, cpu.ram.read64(pd + 8));

        cpu.ram.write64(pdpt + 8, 0x4000_0000L | 0x83);                  // 1 GiB page
        cpu.ram.write64(pdpt + 16, 0x8000_0000L | 0x83 | (1 << 13));     // reserved bit 13
        assertEquals(0x4000_1234L, cpu.mmu.translate(0x4000_1234L, Mmu.READ, false));
        assertEquals(9, pfError(cpu, 0x8000_0000L, Mmu.READ, false));
        cpu.ram.write64(TestCpus.PML4 + 8, pdpt | 0x87);                 // PS in a PML4E is reserved
        assertEquals(0xD, pfError(cpu, 1L << 39, Mmu.READ, true));
        assertEquals(0, pfError(cpu, 0xFFFF_8000_0000_0000L, Mmu.READ, false));
        CpuException gp = assertThrows(CpuException.class,
                () -> cpu.mmu.translate(0x0000_8000_0000_0000L, Mmu.READ, false));
        assertEquals(Vectors.GP, gp.vector);
        assertEquals(0, gp.errorCode);
    }

    @Test
    void fiveLevel() {
        Cpu cpu = long4();
        long pml5 = 0x40000;
        cpu.ram.write64(pml5 + 8, TestCpus.PML4 | 7);
        cpu.cr3 = pml5;
        cpu.cr4 |= Cpu.CR4_LA57;
        assertEquals(0x5555L, cpu.mmu.translate((1L << 48) | 0x5555, Mmu.READ, false));
        assertEquals(TestCpus.PML4 | 7 | A, cpu.ram.read64(pml5 + 8));
        assertEquals(0, pfError(cpu, 0x5555, Mmu.READ, false), "PML5E 0 is not present");
        assertEquals(Vectors.GP, assertThrows(CpuException.class,
                () -> cpu.mmu.translate(1L << 56, Mmu.READ, false)).vector);
        cpu.cr4 &= ~Cpu.CR4_LA57;
        cpu.cr3 = TestCpus.PML4;
        assertEquals(Vectors.GP, assertThrows(CpuException.class,
                () -> cpu.mmu.translate(1L << 48, Mmu.READ, false)).vector);
    }

    @Test
    void pagingOffIsIdentity() {
        Cpu cpu = TestCpus.real();
        assertEquals(0xFFFF_FFF0L, cpu.mmu.translate(0xFFFF_FFF0L, Mmu.FETCH, false));
    }
}
