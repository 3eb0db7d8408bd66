package org.apboot.core.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.apboot.core.fault.CpuException;
import org.apboot.core.mem.PhysicalMemory;
import org.junit.jupiter.api.Test;

/**
 * Walk results shared between the vCPUs of one RAM: a vCPU that reuses another's walk must see
 * exactly what its own walk would (Intel SDM vol. 3 sections 4.5 and 4.8): table writes made
 * before its TLB was flushed, accessed flags set again after the guest cleared them, the dirty
 * flag on the first write, and its own access rights and faults.
 */
class SharedWalkTest {
    private static final long PML4 = 0x10000, PDPT = 0x11000, PD = 0x12000, PT = 0x13000;
    private static final long A = 0x20, D = 0x40;
    private static final long LIN = 0x40_1000L; // PML4[0] PDPT[0] PD[2] PT[1]

    private static Cpu[] twoCpus() {
        PhysicalMemory ram = new PhysicalMemory(16 << 20);
        ram.write64(PML4, PDPT | 7);
        ram.write64(PDPT, PD | 7);
        ram.write64(PD + 8 * 2, PT | 7);
        ram.write64(PT + 8 * 1, 0x5000 | 3); // supervisor, writable
        Cpu[] cpus = new Cpu[2];
        for (int i = 0; i < 2; i++) {
            Cpu c = new Cpu(i, CpuModel.standard(false), CpuProfile.GENERIC, ram);
            c.cr3 = PML4;
            c.cr4 |= Cpu.CR4_PAE;
            c.efer |= Cpu.EFER_LME | Cpu.EFER_LMA;
            c.cr0 |= Cpu.CR0_PE | Cpu.CR0_PG;
            cpus[i] = c;
        }
        return cpus;
    }

    @Test
    void tableWriteIsSeenAfterFlushByEveryVcpu() {
        Cpu[] c = twoCpus();
        for (int round = 0; round < 3; round++) { // the first walks mark the lines, later ones are kept
            c[0].mmu.flush();
            c[1].mmu.flush();
            assertEquals(0x5123L, c[0].mmu.translate(LIN + 0x123, Mmu.READ, false));
            assertEquals(0x5123L, c[1].mmu.translate(LIN + 0x123, Mmu.READ, false));
        }
        c[0].ram.write64(PT + 8 * 1, 0x9000 | 3 | A);
        c[1].mmu.flush();
        assertEquals(0x9123L, c[1].mmu.translate(LIN + 0x123, Mmu.READ, false));
        c[0].ram.write64(PD + 8 * 2, 0); // not present any more
        c[0].mmu.flush();
        CpuException e = assertThrows(CpuException.class, () -> c[0].mmu.translate(LIN, Mmu.READ, false));
        assertEquals(0, e.errorCode);
    }

    @Test
    void accessedAndDirtyFlagsAreSetAgainAfterTheGuestClearsThem() {
        Cpu[] c = twoCpus();
        for (int round = 0; round < 3; round++) {
            c[round & 1].mmu.flush();
            c[round & 1].mmu.translate(LIN, Mmu.READ, false);
        }
        assertEquals(0x5000 | 3 | A, c[0].ram.read64(PT + 8));
        c[0].ram.write64(PT + 8, 0x5000 | 3); // the guest clears A
        c[1].mmu.flush();
        c[1].mmu.translate(LIN, Mmu.READ, false);
        assertEquals(0x5000 | 3 | A, c[0].ram.read64(PT + 8), "a walk sets A again");
        c[0].mmu.flush();
        c[0].mmu.translate(LIN, Mmu.WRITE, false);
        assertEquals(0x5000 | 3 | A | D, c[0].ram.read64(PT + 8), "the first write sets D");
    }

    @Test
    void rightsAreCheckedPerAccess() {
        Cpu[] c = twoCpus();
        for (int round = 0; round < 3; round++) {
            c[0].mmu.flush();
            c[0].mmu.translate(LIN, Mmu.READ, false);
        }
        CpuException e = assertThrows(CpuException.class, () -> c[1].mmu.translate(LIN, Mmu.READ, true));
        assertEquals(1 | 4, e.errorCode, "a user read of a supervisor page: P and U/S");
        c[1].cr0 |= Cpu.CR0_WP;
        c[0].ram.write64(PT + 8, 0x5000 | 1 | A | D); // read-only
        c[1].mmu.flush();
        e = assertThrows(CpuException.class, () -> c[1].mmu.translate(LIN, Mmu.WRITE, false));
        assertEquals(1 | 2, e.errorCode, "CR0.WP: a supervisor write to a read-only page");
    }
}
