package org.apboot.core.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apboot.core.mem.PhysicalMemory;
import org.junit.jupiter.api.Test;

/**
 * TLB entries that stand for a walk (their walk key) and the victim slot: a flushed entry, or
 * one a previous owner of the array left, is used without walking only when a walk now would
 * find the same translation and change nothing (Intel SDM vol. 3 sections 4.10.2 and 4.10.4:
 * after a flush or INVLPG the processor must use the paging structures as they are now).
 */
class WalkKeyedTlbTest {
    private static final long PML4 = 0x10000, PDPT = 0x11000, PD = 0x12000, PT = 0x13000;
    private static final long OTHER_PML4 = 0x20000, OTHER_PDPT = 0x21000, OTHER_PD = 0x22000;
    private static final long A = 0x20, D = 0x40, PS = 0x80;
    private static final long LIN = 0x40_1000L; // PML4[0] PDPT[0] PD[2] PT[1]
    /** 256 pages above {@link #LIN}, so in the same TLB slot: PD[2], PT[257]. */
    private static final long SAME_SLOT = LIN + (256L << 12);
    private static final long LARGE = 0x60_0000L; // PD[3], a 2 MiB page

    private static PhysicalMemory tables() {
        PhysicalMemory ram = new PhysicalMemory(16 << 20);
        ram.write64(PML4, PDPT | 7 | A);
        ram.write64(PDPT, PD | 7 | A);
        ram.write64(PD + 8 * 2, PT | 7 | A);
        ram.write64(PT + 8 * 1, 0x5000 | 3 | A | D);
        ram.write64(PT + 8 * 257, 0x7000 | 3 | A | D);
        ram.write64(PD + 8 * 3, 0x80_0000L | 3 | PS | A | D);
        // a second address space mapping LIN elsewhere
        ram.write64(OTHER_PML4, OTHER_PDPT | 7 | A);
        ram.write64(OTHER_PDPT, OTHER_PD | 7 | A);
        ram.write64(OTHER_PD + 8 * 2, 0xA0_0000L | 3 | PS | A | D);
        return ram;
    }

    /** One model for every vCPU, as in a machine (contexts compare models by identity). */
    private static final CpuModel MODEL = CpuModel.standard(false);

    private static Cpu cpu(PhysicalMemory ram, int index, long cr3) {
        Cpu c = new Cpu(index, MODEL, CpuProfile.GENERIC, ram);
        c.cr3 = cr3;
        c.cr4 |= Cpu.CR4_PAE;
        c.efer |= Cpu.EFER_LME | Cpu.EFER_LMA;
        c.cr0 |= Cpu.CR0_PE | Cpu.CR0_PG;
        return c;
    }

    /** Translates after a flush until the walk is one the walk cache keeps (it marks lines first). */
    private static void warm(Cpu c, long lin) {
        for (int round = 0; round < 3; round++) {
            c.mmu.flush();
            c.mmu.translate(lin, Mmu.READ, false);
        }
    }

    @Test
    void aCr3ReloadDoesNotWalkAgainWhileTheTablesAreUnchanged() {
        Cpu c = cpu(tables(), 0, PML4);
        warm(c, LIN);
        long walks = c.mmu.misses();
        c.mmu.flush();
        assertEquals(0x5123L, c.mmu.translate(LIN + 0x123, Mmu.READ, false));
        assertEquals(walks, c.mmu.misses(), "the flushed entry stands for the walk");
    }

    @Test
    void theNextOwnerOfAReleasedArrayUsesItsEntriesInTheSameContextOnly() {
        PhysicalMemory ram = tables();
        Cpu first = cpu(ram, 0, PML4);
        warm(first, LIN);
        first.mmu.release(); // to this thread's pool, which hands it out next
        Cpu same = cpu(ram, 1, PML4);
        assertEquals(0x5123L, same.mmu.translate(LIN + 0x123, Mmu.READ, false));
        assertEquals(0, same.mmu.misses(), "same CR3 and control bits: no walk");
        same.mmu.release();
        Cpu other = cpu(ram, 2, OTHER_PML4);
        assertEquals(0xA0_1123L, other.mmu.translate(LIN + 0x123, Mmu.READ, false));
        assertEquals(1, other.mmu.misses(), "another CR3 walks its own tables");
    }

    @Test
    void anArrayFromAnotherMachineNeverMatches() {
        // the same CR3, control bits and model, walk-cache generations both 0: only the
        // context number tells the two RAMs apart
        Cpu first = cpu(tables(), 0, PML4);
        warm(first, LIN);
        first.mmu.release();
        PhysicalMemory other = tables();
        other.write64(PT + 8 * 1, 0x6000 | 3 | A | D);
        Cpu second = cpu(other, 0, PML4);
        assertEquals(0x6123L, second.mmu.translate(LIN + 0x123, Mmu.READ, false));
        assertEquals(1, second.mmu.misses());
    }

    @Test
    void aTableWriteMakesEveryWalkKeyStale() {
        PhysicalMemory ram = tables();
        Cpu c = cpu(ram, 0, PML4);
        warm(c, LIN);
        long walks = c.mmu.misses();
        ram.write64(PT + 8 * 1, 0x9000 | 3 | A | D);
        c.mmu.flush();
        assertEquals(0x9123L, c.mmu.translate(LIN + 0x123, Mmu.READ, false));
        assertEquals(walks + 1, c.mmu.misses());
    }

    @Test
    void anEntryThatNeedsTheDirtyFlagStillWalksForTheFirstWrite() {
        PhysicalMemory ram = tables();
        ram.write64(PT + 8 * 1, 0x5000 | 3 | A); // clean
        Cpu c = cpu(ram, 0, PML4);
        warm(c, LIN);
        c.mmu.flush();
        c.mmu.translate(LIN, Mmu.WRITE, false);
        assertEquals(0x5000 | 3 | A | D, ram.read64(PT + 8), "the write walked and set D");
    }

    @Test
    void twoPagesSharingASlotStayCachedThroughTheVictimSlot() {
        Cpu c = cpu(tables(), 0, PML4);
        assertEquals((LIN >>> 12) & 0xFF, (SAME_SLOT >>> 12) & 0xFF);
        c.mmu.translate(LIN, Mmu.READ, false);
        c.mmu.translate(SAME_SLOT, Mmu.READ, false);
        long walks = c.mmu.misses();
        for (int i = 0; i < 4; i++) {
            assertEquals(0x5000L, c.mmu.translate(LIN, Mmu.READ, false));
            assertEquals(0x7000L, c.mmu.translate(SAME_SLOT, Mmu.READ, false));
        }
        assertEquals(walks, c.mmu.misses(), "each swaps with the other, neither walks");
        c.mmu.invalidate(SAME_SLOT);
        assertEquals(0x7000L, c.mmu.translate(SAME_SLOT, Mmu.READ, false));
        c.mmu.invalidate(LIN);
        assertEquals(0x5000L, c.mmu.translate(LIN, Mmu.READ, false));
        assertEquals(walks + 2, c.mmu.misses(), "INVLPG drops the page from either slot");
    }

    @Test
    void invlpgDropsEveryPieceOfALargePageRevivedByItsWalkKey() {
        PhysicalMemory ram = tables();
        Cpu c = cpu(ram, 0, PML4);
        long pieceA = LARGE, pieceB = LARGE + 0x1000;
        warm(c, pieceA);
        warm(c, pieceB);
        c.mmu.flushAll(); // both pieces stale by stamp; no large page cached as far as INVLPG knows
        assertEquals(0x80_0000L, c.mmu.translate(pieceA, Mmu.READ, false)); // revived by its key
        ram.write64(PD + 8 * 3, 0xC0_0000L | 3 | PS | A | D); // the guest moves the large page
        c.mmu.invalidate(pieceB); // INVLPG of any address in it drops the whole translation
        assertEquals(0xC0_0000L, c.mmu.translate(pieceA, Mmu.READ, false));
    }
}
