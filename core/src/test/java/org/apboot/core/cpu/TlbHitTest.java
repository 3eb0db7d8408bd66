package org.apboot.core.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apboot.core.fault.TestCpus;
import org.junit.jupiter.api.Test;

/**
 * {@link Mmu#hit}, the walk-free probe fast paths use: it answers with the physical address
 * exactly when {@link Mmu#translate} would answer from the TLB, and otherwise -1 (so the caller
 * takes the complete path), never walking, setting a bit or faulting itself.
 */
class TlbHitTest {
    private static final int PT = 0x21000;

    /** 32-bit paging: 0x400000 -> 0x5000 (user, writable), 0x401000 -> 0x6000 (supervisor, read-only). */
    private static Cpu cpu() {
        Cpu cpu = TestCpus.real();
        cpu.cr3 = 0x20000;
        cpu.ram.write32(0x20000 + 4, PT | 7);
        cpu.ram.write32(PT, 0x5000 | 0x67);          // P, R/W, U/S, accessed, dirty
        cpu.ram.write32(PT + 4, 0x6000 | 0x21);      // P, accessed; supervisor, read-only
        cpu.cr0 |= Cpu.CR0_PE | Cpu.CR0_PG | Cpu.CR0_WP;
        return cpu;
    }

    @Test
    void missesUntilTheTlbHoldsThePageThenAnswersWithoutWalking() {
        Cpu cpu = cpu();
        assertEquals(-1, cpu.mmu.hit(0x400010, 4, Mmu.READ, false), "nothing cached yet");
        assertEquals(0, cpu.mmu.misses(), "the probe does not walk");
        assertEquals(0x5010L, cpu.mmu.translate(0x400010, Mmu.READ, false));
        long misses = cpu.mmu.misses();
        assertEquals(0x5ff8L, cpu.mmu.hit(0x400ff8, 8, Mmu.READ, false));
        assertEquals(0x5ff8L, cpu.mmu.hit(0x400ff8, 8, Mmu.WRITE, true), "dirty, user, writable");
        assertEquals(misses, cpu.mmu.misses());
    }

    @Test
    void anAccessThatSpansTwoPagesNeverHits() {
        Cpu cpu = cpu();
        cpu.mmu.translate(0x400000, Mmu.READ, false);
        cpu.mmu.translate(0x401000, Mmu.READ, false);
        assertEquals(0x5ffcL, cpu.mmu.hit(0x400ffc, 4, Mmu.READ, false));
        assertEquals(-1, cpu.mmu.hit(0x400ffd, 4, Mmu.READ, false));
        assertEquals(-1, cpu.mmu.hit(0x400fff, 2, Mmu.READ, false));
    }

    @Test
    void missingRightsMissInsteadOfFaulting() {
        Cpu cpu = cpu();
        assertEquals(0x6000L, cpu.mmu.translate(0x401000, Mmu.READ, false));
        assertEquals(0x6000L, cpu.mmu.hit(0x401000, 1, Mmu.READ, false));
        assertEquals(-1, cpu.mmu.hit(0x401000, 1, Mmu.READ, true), "supervisor page, user access");
        assertEquals(-1, cpu.mmu.hit(0x401000, 1, Mmu.WRITE, false), "read-only page with CR0.WP");
    }

    @Test
    void aControlRegisterChangeOrAFlushMakesItMissUntilTranslateRevalidates() {
        Cpu cpu = cpu();
        cpu.mmu.translate(0x400000, Mmu.READ, false);
        cpu.cr0 &= ~Cpu.CR0_WP;
        assertEquals(-1, cpu.mmu.hit(0x400000, 4, Mmu.READ, false), "CR0 changed since the TLB was validated");
        assertEquals(0x5000L, cpu.mmu.translate(0x400000, Mmu.READ, false));
        assertEquals(0x5000L, cpu.mmu.hit(0x400000, 4, Mmu.READ, false));
        cpu.mmu.flush();
        assertEquals(-1, cpu.mmu.hit(0x400000, 4, Mmu.READ, false));
    }

    @Test
    void withPagingOffThereIsNothingToProbe() {
        Cpu cpu = TestCpus.real();
        assertEquals(0x1234L, cpu.mmu.translate(0x1234, Mmu.READ, false));
        assertEquals(-1, cpu.mmu.hit(0x1234, 1, Mmu.READ, false));
    }

    @Test
    void quickAnswersWithPagingOffAndAsHitWithPagingOn() {
        Cpu cpu = TestCpus.real();
        cpu.mmu.translate(0, Mmu.READ, false); // control registers seen
        assertEquals(0xF_1234L, cpu.mmu.quick(0xF_1234, 4, Mmu.WRITE, true), "paging off: the address itself");
        assertEquals(0x1234L, cpu.mmu.quick(0x1_0000_1234L, 2, Mmu.READ, false), "32 bits of linear address");
        assertEquals(-1, cpu.mmu.quick(0xFFE, 4, Mmu.READ, false), "spans two pages");
        Cpu paged = cpu();
        assertEquals(-1, paged.mmu.quick(0x400010, 4, Mmu.READ, false), "CR0 not seen yet: paging may have changed");
        assertEquals(0x5010L, paged.mmu.translate(0x400010, Mmu.READ, false));
        assertEquals(0x5ff8L, paged.mmu.quick(0x400ff8, 8, Mmu.WRITE, true));
        assertEquals(-1, paged.mmu.quick(0x401000, 1, Mmu.READ, false), "not in the TLB");
        paged.cr0 &= ~Cpu.CR0_PG;
        assertEquals(-1, paged.mmu.quick(0x400010, 4, Mmu.READ, false), "paging turned off, not yet seen");
        assertEquals(0x400010L, paged.mmu.translate(0x400010, Mmu.READ, false));
        assertEquals(0x400010L, paged.mmu.quick(0x400010, 4, Mmu.READ, false));
    }
}
