package org.apboot.core.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.apboot.core.fault.CpuException;
import org.apboot.core.fault.TestCpus;
import org.junit.jupiter.api.Test;

/**
 * TLB semantics (Intel SDM vol. 3 section 4.10): translations are cached until invalidated; MOV
 * to CR3 keeps global translations (CR4.PGE and G), INVLPG drops one page even when global, and
 * changes to CR0.PG/WP, CR4.PGE/PAE/PSE/SMEP/LA57 and EFER.NXE drop everything.
 */
class TlbTest {
    private static final int PT = 0x21000;

    /**
     * Paging on, CR4.PGE set: 0x400000 -> 0x5000, 0x401000 -> 0x6000 (global), 0x402000 -> 0x7000
     * (read-only).
     */
    static Cpu cpu() {
        Cpu cpu = TestCpus.real();
        cpu.cr3 = 0x20000;
        cpu.ram.write32(0x20000 + 4, PT | 7);
        cpu.ram.write32(PT, 0x5000 | 7);             // 0x400000 -> 0x5000
        cpu.ram.write32(PT + 4, 0x6000 | 0x107);     // 0x401000 -> 0x6000, global
        cpu.ram.write32(PT + 8, 0x7000 | 5);         // 0x402000 -> 0x7000 read-only
        cpu.cr4 |= Cpu.CR4_PGE;
        cpu.cr0 |= Cpu.CR0_PE | Cpu.CR0_PG;
        return cpu;
    }

    @Test
    void cachedUntilFlushed() {
        Cpu cpu = cpu();
        assertEquals(0x5010L, cpu.mmu.translate(0x400010, Mmu.READ, false));
        cpu.ram.write32(PT, 0x8000 | 7);
        assertEquals(0x5010L, cpu.mmu.translate(0x400010, Mmu.READ, false), "stale until invalidated");
        long misses = cpu.mmu.misses();
        cpu.mmu.translate(0x400020, Mmu.READ, false);
        assertEquals(misses, cpu.mmu.misses(), "a hit does not walk");
        cpu.mmu.flush();
        assertEquals(0x8010L, cpu.mmu.translate(0x400010, Mmu.READ, false));
    }

    @Test
    void globalSurvivesCr3FlushButNotFlushAllOrInvlpg() {
        Cpu cpu = cpu();
        assertEquals(0x6000L, cpu.mmu.translate(0x401000, Mmu.READ, false));
        cpu.ram.write32(PT + 4, 0x9000 | 0x107);
        cpu.mmu.flush();
        assertEquals(0x6000L, cpu.mmu.translate(0x401000, Mmu.READ, false));
        cpu.mmu.flushAll();
        assertEquals(0x9000L, cpu.mmu.translate(0x401000, Mmu.READ, false));
        cpu.ram.write32(PT + 4, 0xA000 | 0x107);
        cpu.mmu.invalidate(0x401FFF);
        assertEquals(0xA000L, cpu.mmu.translate(0x401000, Mmu.READ, false));
    }

    @Test
    void notGlobalWithoutPge() {
        Cpu cpu = cpu();
        cpu.cr4 &= ~Cpu.CR4_PGE;
        assertEquals(0x6000L, cpu.mmu.translate(0x401000, Mmu.READ, false));
        cpu.ram.write32(PT + 4, 0x9000 | 0x107);
        cpu.mmu.flush();
        assertEquals(0x9000L, cpu.mmu.translate(0x401000, Mmu.READ, false));
    }

    @Test
    void invlpgDropsOnlyThatPage() {
        Cpu cpu = cpu();
        cpu.mmu.translate(0x400000, Mmu.READ, false);
        cpu.mmu.translate(0x402000, Mmu.READ, false);
        cpu.ram.write32(PT, 0x8000 | 7);
        cpu.ram.write32(PT + 8, 0xB000 | 5);
        cpu.mmu.invalidate(0x400000);
        assertEquals(0x8000L, cpu.mmu.translate(0x400000, Mmu.READ, false));
        assertEquals(0x7000L, cpu.mmu.translate(0x402000, Mmu.READ, false));
    }

    @Test
    void firstWriteToACleanCachedPageSetsDirty() {
        Cpu cpu = cpu();
        cpu.mmu.translate(0x400000, Mmu.READ, false);
        assertEquals(0x5027, cpu.ram.read32(PT));
        cpu.mmu.translate(0x400000, Mmu.WRITE, false);
        assertEquals(0x5067, cpu.ram.read32(PT));
    }

    @Test
    void permissionsRecheckedOnHit() {
        Cpu cpu = cpu();
        cpu.ram.write32(PT + 12, 0xC000 | 3);        // 0x403000 supervisor only
        cpu.mmu.translate(0x403000, Mmu.READ, false);
        CpuException e = assertThrows(CpuException.class, () -> cpu.mmu.translate(0x403000, Mmu.READ, true));
        assertEquals(5, e.errorCode);
    }

    @Test
    void wpChangeIsNoticed() {
        Cpu cpu = cpu();
        assertEquals(0x7000L, cpu.mmu.translate(0x402000, Mmu.WRITE, false));
        cpu.cr0 |= Cpu.CR0_WP;
        CpuException e = assertThrows(CpuException.class, () -> cpu.mmu.translate(0x402000, Mmu.WRITE, false));
        assertEquals(3, e.errorCode);
    }

    @Test
    void largePageInvalidation() {
        Cpu cpu = cpu();
        cpu.cr4 |= Cpu.CR4_PSE;
        cpu.ram.write32(0x20000 + 8, 0x800000 | 0x83);    // 0x800000 4 MiB -> 0x800000
        assertEquals(0x801000L, cpu.mmu.translate(0x801000, Mmu.READ, false));
        assertEquals(0x9FF000L, cpu.mmu.translate(0x9FF000, Mmu.READ, false));
        cpu.ram.write32(0x20000 + 8, 0xC00000 | 0x83);
        cpu.mmu.invalidate(0x800000);
        assertEquals(0xDFF000L, cpu.mmu.translate(0x9FF000, Mmu.READ, false),
                "INVLPG of any address in a large page drops the whole page");
    }

    @Test
    void releasedStorageServesNoOldTranslationToItsNextOwner() {
        for (int round = 0; round < 300; round++) { // more than the pool holds: every array is reused
            Cpu a = cpu();
            assertEquals(0x6000L, a.mmu.translate(0x401000, Mmu.READ, false)); // global entry
            assertEquals(0x5000L, a.mmu.translate(0x400000, Mmu.READ, false));
            a.mmu.release();
            Cpu b = cpu();
            b.ram.write32(PT, 0x8000 | 7);
            b.ram.write32(PT + 4, 0x9000 | 0x107);
            assertEquals(0x8000L, b.mmu.translate(0x400000, Mmu.READ, false));
            assertEquals(0x9000L, b.mmu.translate(0x401000, Mmu.READ, false));
            b.mmu.release();
            assertEquals(0x5000L, a.mmu.translate(0x400000, Mmu.READ, false), "a walks again after release");
            a.mmu.release();
        }
    }
}
