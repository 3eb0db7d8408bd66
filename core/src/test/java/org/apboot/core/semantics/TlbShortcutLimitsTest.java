package org.apboot.core.semantics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.Segment;
import org.apboot.core.decode.Insn;
import org.apboot.core.fault.TestCpus;
import org.apboot.core.fault.Vectors;
import org.apboot.core.mem.MmioBus;
import org.junit.jupiter.api.Test;

/**
 * Segmented reads and writes whose page the TLB already holds must still honour everything the
 * architecture asks of them: the segment base outside 64-bit mode and of FS and GS in it (SDM
 * vol. 3 section 3.4.4), the user/supervisor bit of the page at CPL 3 (section 4.6), devices
 * behind a page, data breakpoints (section 18.2.4) and the memory hooks. Each test first makes
 * an access that fills the TLB, then one that a translation taken from the TLB alone would get
 * wrong. Paging is the identity map of {@link TestCpus#identityMap} (2 MiB pages).
 */
class TlbShortcutLimitsTest {
    private static final long PAGE = 0x40_0000, OTHER = 0x60_0000;

    /** 64-bit mode with a marker value at {@link #PAGE} and another at {@link #OTHER}. */
    private static Cpu long64() {
        Cpu cpu = TestCpus.long64();
        cpu.ram.write64(PAGE, 0x1111);
        cpu.ram.write64(OTHER, 0x2222);
        return cpu;
    }

    @Test
    void fsAndGsAddTheirBaseWhenTheOffsetsPageIsCached() {
        for (int s : new int[] {Insn.FS, Insn.GS}) {
            Cpu cpu = long64();
            cpu.seg[s].base = OTHER - PAGE;
            assertEquals(0x1111, Mem.read(cpu, Insn.DS, PAGE, 8), "DS: no base; fills the TLB for PAGE");
            assertEquals(0x2222, Mem.read(cpu, s, PAGE, 8), "FS/GS: base + offset");
            Mem.write(cpu, s, PAGE, 8, 0x3333);
            assertEquals(0x3333, cpu.ram.read64(OTHER));
            assertEquals(0x1111, cpu.ram.read64(PAGE));
        }
    }

    /** Compatibility mode: paging through the same tables, but DS has a base again. */
    @Test
    void outsideSixtyFourBitModeTheSegmentBaseApplies() {
        Cpu cpu = long64();
        cpu.seg[Insn.CS].attrs = (cpu.seg[Insn.CS].attrs & ~Segment.L) | Segment.DB;
        cpu.updateMode();
        assertEquals(32, cpu.codeSize);
        assertEquals(0x1111, Mem.read(cpu, Insn.ES, PAGE, 8), "ES base 0; fills the TLB for PAGE");
        cpu.seg[Insn.DS].base = OTHER - PAGE;
        assertEquals(0x2222, Mem.read(cpu, Insn.DS, PAGE, 8));
        Mem.write(cpu, Insn.DS, PAGE, 8, 0x3333);
        assertEquals(0x3333, cpu.ram.read64(OTHER));
        assertEquals(0x1111, cpu.ram.read64(PAGE));
    }

    /**
     * A supervisor page (U/S clear in its directory entry) read at CPL 0 is in the TLB; the same
     * read at CPL 3 is a page fault with error code 5 (present, read, user), a write code 7.
     */
    @Test
    void aUserAccessToACachedSupervisorPageFaults() {
        Cpu cpu = long64();
        cpu.ram.write64(TestCpus.PML4 + 0x2000 + 8L * (PAGE >>> 21), PAGE | 0x83); // P, R/W, PS; U/S clear
        assertEquals(0x1111, Mem.read(cpu, Insn.DS, PAGE, 8));
        Mem.write(cpu, Insn.DS, PAGE, 8, 0x1111);
        cpu.seg[Insn.CS].selector |= 3; // CPL 3 (the CPL is CS.RPL)
        cpu.updateMode();
        assertEquals(3, cpu.cpl);
        TestCpus.assertFault(Vectors.PF, 5, () -> Mem.read(cpu, Insn.DS, PAGE, 8));
        TestCpus.assertFault(Vectors.PF, 7, () -> Mem.write(cpu, Insn.DS, PAGE, 8, 0));
    }

    /** A device behind a mapped page: each access reaches it, not RAM, also once the page is cached. */
    @Test
    void aCachedPageOutsideRamStillReachesTheDevice() {
        Cpu cpu = long64();
        long device = 0x3000_0000L; // mapped by the identity map, beyond the 16 MiB of RAM
        List<String> log = new ArrayList<>();
        cpu.mmio = new MmioBus() {
            @Override
            public boolean claims(int cpuIndex, long phys) {
                return phys >= device;
            }

            @Override
            public long read(int cpuIndex, long phys, int size) {
                log.add("read " + Long.toHexString(phys));
                return 0x55;
            }

            @Override
            public void write(int cpuIndex, long phys, int size, long value) {
                log.add("write " + Long.toHexString(phys) + "=" + Long.toHexString(value));
            }
        };
        for (int i = 0; i < 2; i++) {
            assertEquals(0x55, Mem.read(cpu, Insn.DS, device + 8, 8));
            Mem.write(cpu, Insn.DS, device + 8, 8, 0x66 + i);
        }
        assertEquals(List.of("read 30000008", "write 30000008=66", "read 30000008", "write 30000008=67"), log);
    }

    /** DR0 on a read/write breakpoint at PAGE (RW = 11, LEN = 11): a cached page still traps. */
    @Test
    void aDataBreakpointMatchesAccessesToACachedPage() {
        Cpu cpu = long64();
        assertEquals(0x1111, Mem.read(cpu, Insn.DS, PAGE, 8));
        cpu.dr[0] = PAGE;
        cpu.dr[7] = 1 | 3L << 16 | 3L << 18;
        Debug.dr7Changed(cpu);
        Mem.read(cpu, Insn.DS, PAGE, 4);
        assertEquals(Debug.DR6_B0, cpu.pendingDebug, "read");
        cpu.pendingDebug = 0;
        Mem.write(cpu, Insn.DS, PAGE, 4, 0x1111);
        assertEquals(Debug.DR6_B0, cpu.pendingDebug, "write");
    }

    @Test
    void theMemoryHooksSeeAccessesToACachedPage() {
        Cpu cpu = long64();
        assertEquals(0x1111, Mem.read(cpu, Insn.DS, PAGE, 8));
        MmioAndMemoryHookRoutingTest.Hooks hooks = new MmioAndMemoryHookRoutingTest.Hooks();
        cpu.memoryHooks = hooks;
        assertEquals(0x1111, Mem.read(cpu, Insn.DS, PAGE, 8));
        Mem.write(cpu, Insn.DS, PAGE, 4, 0x7777);
        assertEquals(List.of("read 400000/8=1111", "write 400000/4=7777"), hooks.log);
    }

    /**
     * 64-bit mode skips segment checks, but not the canonical check, which names the stack: a
     * non-canonical address through SS is #SS(0), through another segment #GP(0) (SDM vol. 1
     * section 3.3.7.1).
     */
    @Test
    void aNonCanonicalAddressThroughSsIsAStackFault() {
        Cpu cpu = long64();
        long bad = 0x0000_8000_0000_0000L;
        TestCpus.assertFault(Vectors.SS, 0, () -> Mem.read(cpu, Insn.SS, bad, 8));
        TestCpus.assertFault(Vectors.SS, 0, () -> Mem.write(cpu, Insn.SS, bad, 8, 0));
        TestCpus.assertFault(Vectors.GP, 0, () -> Mem.read(cpu, Insn.DS, bad, 8));
        TestCpus.assertFault(Vectors.GP, 0, () -> Mem.write(cpu, Insn.ES, bad, 8, 0));
    }
}
