package org.apboot.core.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apboot.core.fault.CpuException;
import org.apboot.core.mem.PhysicalMemory;
import org.junit.jupiter.api.Test;

/**
 * A vCPU walks on its host thread's walker until it has walked often, then on one of its own:
 * which walker walks never shows in a translation or a fault, also when two vCPUs of one memory
 * walk in turn on one thread.
 */
class WalkerOwnershipTest {
    private static final long LINEAR = 0x400000;

    /** 32-bit paging: {@code LINEAR} maps through page table {@code pt} (entry 0). */
    private static Cpu paged(PhysicalMemory ram, int index, long pd, long pt) {
        Cpu cpu = new Cpu(index, CpuModel.standard(false), CpuProfile.GENERIC, ram);
        cpu.cr3 = pd;
        ram.write32(pd + 4, (int) pt | 7);
        cpu.cr0 |= Cpu.CR0_PE | Cpu.CR0_PG;
        return cpu;
    }

    @Test
    void twoVcpusWalkingInTurnKeepTheirOwnTranslations() {
        PhysicalMemory ram = new PhysicalMemory(16 << 20);
        Cpu a = paged(ram, 0, 0x20000, 0x21000);
        Cpu b = paged(ram, 1, 0x30000, 0x31000);
        for (int i = 0; i < 200; i++) {
            long frameA = 0x100000 + i * 0x1000L;
            long frameB = 0x800000 + i * 0x1000L;
            ram.write32(0x21000, (int) frameA | 7);
            a.mmu.flush();
            ram.write32(0x31000, (int) frameB | 7);
            b.mmu.flush();
            assertEquals(frameA | 0x123, a.mmu.translate(LINEAR + 0x123, Mmu.READ, false), "walk " + i);
            assertEquals(frameB | 0x456, b.mmu.translate(LINEAR + 0x456, Mmu.READ, false), "walk " + i);
        }
        assertEquals(200, a.mmu.misses(), "every translation walked");
        assertTrue(a.mmu.hasOwnWalker());
        assertTrue(b.mmu.hasOwnWalker());
    }

    @Test
    void aFaultFromItsOwnWalkerIsTheSame() {
        PhysicalMemory ram = new PhysicalMemory(16 << 20);
        Cpu a = paged(ram, 0, 0x20000, 0x21000);
        for (int i = 0; i < 100; i++) {
            ram.write32(0x21000, (int) (0x100000 + i * 0x1000L) | 7);
            a.mmu.flush();
            a.mmu.translate(LINEAR, Mmu.READ, false);
        }
        assertTrue(a.mmu.hasOwnWalker());
        ram.write32(0x21000, 0);
        a.mmu.flush();
        CpuException e = assertThrows(CpuException.class, () -> a.mmu.translate(LINEAR + 8, Mmu.WRITE, false));
        assertEquals(14, e.vector);
        assertEquals(2, e.errorCode, "not present, write, supervisor");
        assertEquals(LINEAR + 8, e.faultAddress);
    }

    @Test
    void aVcpuThatWalksLittleKeepsNone() {
        PhysicalMemory ram = new PhysicalMemory(16 << 20);
        Cpu a = paged(ram, 0, 0x20000, 0x21000);
        ram.write32(0x21000, 0x100000 | 7);
        for (int i = 0; i < 10; i++) {
            a.mmu.flush();
            assertEquals(0x100000L, a.mmu.translate(LINEAR, Mmu.READ, false));
        }
        assertFalse(a.mmu.hasOwnWalker());
    }
}
