package org.apboot.jit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apboot.GuestPrograms;
import org.apboot.RunResult;
import org.apboot.RunLimits;
import org.apboot.X86Machine;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Code outside low RAM (a ROM and its alias at the reset vector, RAM regions at 0xE0000000 and
 * above 4 GiB) and instructions that span two pages are decoded once and kept, on both engines,
 * and translated by the translator; every change to their bytes (a host write to ROM, a guest
 * store into a region, a remapped second page) runs the new bytes. Expected registers follow
 * from the guest code; the statistics show what was decoded and translated, and would show a
 * decode per execution (hundreds of blocks) if code there were not kept.
 */
class CodeOutsideLowRamTest {
    // ---------------------------------------------------------------- ROM at the reset vector

    /**
     * 64 KiB of ROM: at 0xFFF0 {@code jmp 0x100}; at 0x100 (16-bit code) {@code xor %eax,%eax;
     * mov $1000,%ecx; 1: add %ecx,%eax; dec %ecx; jne 1b; hlt}, the loop count's immediate at
     * 0x105.
     */
    private static byte[] resetRom() {
        byte[] rom = new byte[0x10000];
        byte[] jmp = GuestPrograms.bytes(0xe9, 0x0d, 0x01); // 0xFFF3 + 0x010D = 0x0100 (mod 64 KiB)
        System.arraycopy(jmp, 0, rom, 0xFFF0, jmp.length);
        byte[] loop = GuestPrograms.bytes(0x66, 0x31, 0xc0, 0x66, 0xb9, 0xe8, 0x03, 0x00, 0x00, 0x66, 0x01, 0xc8, 0x66,
                0x49, 0x75, 0xf9, 0xf4);
        System.arraycopy(loop, 0, rom, 0x100, loop.length);
        return rom;
    }

    /**
     * The ROM mapped at 0xFFFF0000 with an alias at 0xF0000 (in low RAM, shadowed there), or the
     * other way round: either way the reset vector's code runs from 0xFFFF0000 and up, outside
     * low RAM. A host write through the alias in low RAM changes the code at the reset vector.
     */
    @ParameterizedTest
    @CsvSource({"interp,high", "jit,high", "interp,low", "jit,low"})
    void romLoopAtTheResetVectorIsKeptAndAHostWriteToTheRomReplacesIt(String engine, String romAt) {
        X86Machine m = EmbeddingApiTest.machine(engine).build();
        if (romAt.equals("high")) {
            m.mapRom(0xFFFF_0000L, resetRom()).alias(0xF0000, 0xFFFF_0000L, 0x10000);
        } else {
            m.mapRom(0xF0000, resetRom()).alias(0xFFFF_0000L, 0xF0000, 0x10000);
        }
        m.vcpu(0).reset();
        RunResult r = m.runVcpu(0, RunLimits.none());
        assertEquals("hlt", r.exit());
        assertEquals(500_500, m.vcpu(0).get("rax"));
        assertEquals(3004, r.instructions()); // jmp, xor, mov, 1000 x (add, dec, jne), hlt
        assertEquals(0x111, m.vcpu(0).get("rip"));
        X86Machine.Statistics s = m.statistics();
        // four blocks: the jump, the loop's set-up and first pass, the loop, the hlt
        assertTrue(s.blocksBuilt() <= 5, s.toString());
        assertEquals(0, s.invalidations(), s.toString());
        if (engine.equals("jit")) {
            assertTrue(s.counter("blocks translated") >= 3, s.toString());
            assertEquals(0, s.counter("interpreted blocks"), s.toString());
        }

        m.load(0xF0105, GuestPrograms.bytes(10, 0, 0, 0)); // the loop count, through the alias in low RAM
        m.vcpu(0).reset();
        r = m.runVcpu(0, RunLimits.none());
        assertEquals("hlt", r.exit());
        assertEquals(55, m.vcpu(0).get("rax"));
        assertEquals(34, r.instructions());
        s = m.statistics();
        assertTrue(s.invalidations() >= 1, s.toString());
        if (engine.equals("jit")) {
            assertTrue(s.counter("translated blocks invalidated") >= 1, s.toString());
        }
    }

    // ---------------------------------------------------------------- RAM regions

    /**
     * At offset 0 (code addressing its data through %rsi, the region's linear base):
     * {@code xor %ebx,%ebx; mov $1000,%ecx; 1: mov %ecx,0x800(%rsi); add %ecx,%ebx; dec %ecx;
     * jne 1b; hlt}: a store on every pass to the code's own page, 0x800 bytes away.
     * At 0x100: {@code xor %ebx,%ebx; mov $3,%ecx; 1: mov $1,%eax; add %eax,%ebx;
     * mov %cl,0x108(%rsi); dec %ecx; jne 1b; hlt}: each pass stores its count into the
     * immediate of the {@code mov} the next pass runs, so the passes add 1, 3 and 2; the third
     * runs bytes the second already ran and then rewrote.
     */
    private static final byte[] DATA_LOOP = GuestPrograms.bytes(0x31, 0xdb, 0xb9, 0xe8, 0x03, 0x00, 0x00, 0x89, 0x8e,
            0x00, 0x08, 0x00, 0x00, 0x01, 0xcb, 0xff, 0xc9, 0x75, 0xf4, 0xf4);
    private static final byte[] REWRITING_LOOP = GuestPrograms.bytes(0x31, 0xdb, 0xb9, 0x03, 0x00, 0x00, 0x00, 0xb8,
            0x01, 0x00, 0x00, 0x00, 0x01, 0xc3, 0x88, 0x8e, 0x08, 0x01, 0x00, 0x00, 0xff, 0xc9, 0x75, 0xef, 0xf4);

    @ParameterizedTest
    @CsvSource({"interp,0xE0000000", "jit,0xE0000000", "interp,0x100000000", "jit,0x100000000"})
    void codeInARegionIsKeptStoresBesideItInvalidateNothingAndRewrittenCodeRuns(String engine, String at) {
        long region = Long.decode(at);
        X86Machine m = EmbeddingApiTest.machine(engine).build();
        m.mapRam(region, 64 << 10);
        m.load(region, DATA_LOOP);
        m.load(region + 0x100, REWRITING_LOOP);

        RunResult r = run(m, region, 0);
        assertEquals("hlt", r.exit());
        assertEquals(500_500, m.vcpu(0).get("rbx"));
        assertEquals(4003, r.instructions()); // xor, mov, 1000 x (mov, add, dec, jne), hlt
        assertEquals(1, m.read(region + 0x800, 4));
        X86Machine.Statistics s = m.statistics();
        assertEquals(0, s.invalidations(), s.toString());
        assertTrue(s.blocksBuilt() <= 4, s.toString()); // the set-up and first pass, the loop, the hlt
        if (engine.equals("jit")) {
            assertTrue(s.counter("blocks translated") >= 2, s.toString());
            assertEquals(0, s.counter("translated blocks invalidated"), s.toString());
        }

        r = run(m, region, 0x100);
        assertEquals("hlt", r.exit());
        assertEquals(1 + 3 + 2, m.vcpu(0).get("rbx"));
        assertEquals(18, r.instructions()); // xor, mov, 3 x (mov, add, mov, dec, jne), hlt
        assertEquals(1, m.read(region + 0x108, 4));
        s = m.statistics();
        assertTrue(s.invalidations() >= 1, s.toString());
        if (engine.equals("jit")) {
            assertTrue(s.counter("translated blocks invalidated") >= 1, s.toString());
        }
    }

    /**
     * A store from another vCPU reaches code in a region: vCPU 0 spins in
     * {@code 1: mov $1,%eax; cmp $2,%eax; jne 1b; hlt} at 0xE0000000 (its loop decoded, and
     * translated by the translator, while vCPU 1 counts down) until vCPU 1 runs
     * {@code mov $100000,%ecx; 1: dec %ecx; jne 1b; movb $2,0xE0000001; hlt}, which turns the
     * spin loop's {@code mov $1} into {@code mov $2}. Round robin on one host thread, in quanta
     * far shorter than the count-down.
     */
    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void aStoreFromAnotherVcpuRewritesRegionCodeThatIsRunning(String engine) {
        X86Machine m = EmbeddingApiTest.machine(engine).cpus(2).deterministic(true).build();
        m.mapRam(0xE000_0000L, 64 << 10);
        m.load(0xE000_0000L, GuestPrograms.bytes(0xb8, 0x01, 0x00, 0x00, 0x00, 0x83, 0xf8, 0x02, 0x75, 0xf6, 0xf4));
        m.load(0x20000, GuestPrograms.bytes(0xb9, 0xa0, 0x86, 0x01, 0x00, 0xff, 0xc9, 0x75, 0xfc, 0xc6, 0x05, 0x01, 0x00,
                0x00, 0xe0, 0x02, 0xf4));
        m.vcpu(0).flat32(0xE000_0000L, 0x9000);
        m.vcpu(1).flat32(0x20000, 0x9000);
        m.start(1);
        RunResult r = m.run(RunLimits.none().maxInstructions(10_000_000));
        assertEquals("hlt", r.exit());
        assertEquals(2, m.vcpu(0).get("rax"));
        assertTrue(m.vcpu(0).halted() && m.vcpu(1).halted());
        assertEquals(0xE000_000BL, m.vcpu(0).get("rip"));
        assertEquals(0, m.vcpu(1).get("rcx"));
        assertTrue(m.statistics().invalidations() >= 1, m.statistics().toString());
    }

    /**
     * A restored snapshot brings back region code the host rewrote after it was taken: the code
     * made from the rewritten bytes is dropped. {@code mov $1,%eax; hlt} at 0x1000 of a region
     * at 0xE0000000, its immediate set to 2 after the snapshot.
     */
    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void aRestoredSnapshotRunsTheRegionCodeItHeld(String engine) {
        X86Machine m = EmbeddingApiTest.machine(engine).build();
        long code = 0xE000_1000L;
        m.mapRam(0xE000_0000L, 64 << 10);
        m.load(code, GuestPrograms.bytes(0xb8, 0x01, 0x00, 0x00, 0x00, 0xf4));
        org.apboot.Snapshot taken = m.snapshot();
        m.write(code + 1, 4, 2);
        m.vcpu(0).flat32(code, 0x9000, false);
        assertEquals("hlt", m.runVcpu(0, RunLimits.none()).exit());
        assertEquals(2, m.vcpu(0).get("rax"));

        m.restore(taken);
        m.vcpu(0).flat32(code, 0x9000, false);
        assertEquals("hlt", m.runVcpu(0, RunLimits.none()).exit());
        assertEquals(1, m.vcpu(0).get("rax"));
        assertTrue(m.statistics().invalidations() >= 1, m.statistics().toString());
    }

    /**
     * Runs the code at {@code offset} in the region at {@code region}: in flat 32-bit mode at its
     * physical address when it lies below 4 GiB, else in long mode with the first 2 MiB of linear
     * addresses mapped to it. %rsi holds the region's linear address.
     */
    private static RunResult run(X86Machine m, long region, long offset) {
        if (region < 1L << 32) {
            m.vcpu(0).flat32(region + offset, 0x9000, false).set("rsi", region);
        } else {
            m.vcpu(0).long64(0x10000, 0x8000, false);
            m.write(m.reservedPageTables() + 0x2000, 8, region | 0x87); // linear 0..2 MiB -> the region
            m.vcpu(0).set("cr3", m.vcpu(0).get("cr3")).set("rip", offset).set("rsi", 0);
        }
        return m.runVcpu(0, RunLimits.none().maxInstructions(100_000));
    }

    // ---------------------------------------------------------------- an instruction across two pages

    /** A page table for linear 0..2 MiB, in low RAM. */
    private static final long PAGE_TABLE = 0x20_0000;

    /**
     * Long mode, linear 0..2 MiB mapped by 4 KiB pages (identity, except linear page 0x11000,
     * which {@code secondPage} gives): {@code xor %ebx,%ebx; mov $100,%ecx; nop x 6;
     * 1: mov $imm32,%eax} at 0x10FFD, whose last two bytes are on the next page, then
     * {@code add %eax,%ebx; dec %ecx; jne 1b; hlt} there. Physical 0x11000 holds 0x0001 as the
     * immediate's high half, physical 0x21000 holds 0x0002 and the same code after it.
     */
    private static X86Machine pageCrossingMachine(String engine) {
        X86Machine m = EmbeddingApiTest.machine(engine).build();
        m.load(0x10FF0, GuestPrograms.bytes(0x31, 0xdb, 0xb9, 0x64, 0x00, 0x00, 0x00, 0x90, 0x90, 0x90, 0x90, 0x90,
                0x90, 0xb8, 0x34, 0x12));
        byte[] rest = GuestPrograms.bytes(0x01, 0x00, 0x01, 0xc3, 0xff, 0xc9, 0x75, 0xf5, 0xf4);
        m.load(0x11000, rest);
        rest[0] = 0x02;
        m.load(0x21000, rest);
        for (int i = 0; i < 512; i++) {
            m.write(PAGE_TABLE + 8L * i, 8, ((long) i << 12) | 0x7);
        }
        return m;
    }

    /** Runs the page-crossing loop with linear page 0x11000 mapped to {@code secondPage}. */
    private static RunResult runAcross(X86Machine m, long secondPage) {
        m.vcpu(0).long64(0x10FF0, 0x8000, false);
        m.write(PAGE_TABLE + 8L * 0x11, 8, secondPage | 0x7);
        m.write(m.reservedPageTables() + 0x2000, 8, PAGE_TABLE | 0x7); // linear 0..2 MiB -> the page table
        m.vcpu(0).set("cr3", m.vcpu(0).get("cr3")); // flushes the TLB
        return m.runVcpu(0, RunLimits.none().maxInstructions(10_000));
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void anInstructionAcrossTwoPagesIsKeptAndFollowsARemapOfItsSecondPage(String engine) {
        X86Machine m = pageCrossingMachine(engine);
        RunResult r = runAcross(m, 0x11000);
        assertEquals("hlt", r.exit());
        assertEquals(0x11234L * 100, m.vcpu(0).get("rbx"));
        assertEquals(409, r.instructions()); // xor, mov, 6 nops, 100 x (mov, add, dec, jne), hlt
        assertEquals(0x11009, m.vcpu(0).get("rip"));
        X86Machine.Statistics s = m.statistics();
        // the set-up, the spanning mov, the rest of the loop, the hlt: no decode per pass
        assertTrue(s.blocksBuilt() <= 6, s.toString());

        // the second page remapped (page table changed, TLB flushed): the new bytes run
        r = runAcross(m, 0x21000);
        assertEquals("hlt", r.exit());
        assertEquals(0x21234L * 100, m.vcpu(0).get("rbx"));
        assertEquals(409, r.instructions());
        long built = m.statistics().blocksBuilt();
        assertTrue(built <= s.blocksBuilt() + 6, m.statistics().toString());

        // and back: the first page's block is used again only with the second page it came from
        r = runAcross(m, 0x11000);
        assertEquals(0x11234L * 100, m.vcpu(0).get("rbx"));
        assertTrue(m.statistics().blocksBuilt() <= built + 6, m.statistics().toString());

        // a write to the instruction's bytes on the second page replaces it
        m.write(0x11000, 1, 0x03);
        r = runAcross(m, 0x11000);
        assertEquals("hlt", r.exit());
        assertEquals(0x31234L * 100, m.vcpu(0).get("rbx"));
        assertTrue(m.statistics().invalidations() >= 1, m.statistics().toString());
    }
}
