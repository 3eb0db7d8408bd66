package org.apboot.core.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The translation epoch engines use to keep a translation they looked up (the interpreter's block
 * links): a fill of another page keeps it, since a processor may go on using a translation it
 * cached until software invalidates it (SDM vol. 3, 4.10.4); everything that invalidates
 * translations ends it.
 */
class TranslationEpochTest {
    private static Cpu cpu() {
        return TlbTest.cpu();
    }

    @Test
    void aFillKeepsTheEpoch() {
        Cpu cpu = cpu();
        assertEquals(0x5000L, cpu.mmu.translate(0x400000, Mmu.FETCH, false));
        int e = cpu.mmu.epoch();
        long misses = cpu.mmu.misses();
        assertEquals(0x6000L, cpu.mmu.translate(0x401000, Mmu.READ, false));
        assertEquals(misses + 1, cpu.mmu.misses(), "the second page was walked and filled");
        assertTrue(cpu.mmu.unchangedSince(e));
    }

    @Test
    void everyInvalidationEndsIt() {
        Cpu cpu = cpu();
        cpu.mmu.translate(0x400000, Mmu.FETCH, false);
        int e = cpu.mmu.epoch();
        cpu.mmu.invalidate(0x401000); // INVLPG of another page: over-invalidation is allowed
        assertFalse(cpu.mmu.unchangedSince(e), "INVLPG");
        e = cpu.mmu.epoch();
        cpu.mmu.flush();
        assertFalse(cpu.mmu.unchangedSince(e), "MOV to CR3");
        e = cpu.mmu.epoch();
        cpu.mmu.flushAll();
        assertFalse(cpu.mmu.unchangedSince(e), "a global flush");
        cpu.mmu.translate(0x400000, Mmu.FETCH, false);
        e = cpu.mmu.epoch();
        cpu.cr4 ^= Cpu.CR4_PGE;
        assertFalse(cpu.mmu.unchangedSince(e), "CR4 changed");
        cpu.mmu.translate(0x400000, Mmu.FETCH, false);
        e = cpu.mmu.epoch();
        cpu.mmu.release();
        assertFalse(cpu.mmu.unchangedSince(e), "the TLB's storage released");
    }
}
