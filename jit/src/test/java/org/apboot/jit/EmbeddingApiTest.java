package org.apboot.jit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apboot.GuestFault;
import org.apboot.GuestPrograms;
import org.apboot.MemoryRegion;
import org.apboot.MmioHandler;
import org.apboot.RunLimits;
import org.apboot.RunResult;
import org.apboot.SegmentState;
import org.apboot.VcpuHandle;
import org.apboot.X86Machine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The embedding API on both engines, chosen by name: the memory map (RAM anywhere, ROM with
 * aliases, MMIO), registers by name and the mode presets, runs until an address, a count, a
 * timeout or a stop from another thread, and the PC ports. Expected values follow from the
 * guest code and the SDM, never from a run.
 */
class EmbeddingApiTest {
    /** The translator at threshold 0, so every block it can translate is translated at once. */
    static X86Machine.Builder machine(String engine) {
        X86Machine.Builder b = X86Machine.builder().engine(engine).ramBytes(4 << 20);
        return engine.equals("jit") ? b.engineSetting("threshold", "0").engineSetting("background", "false") : b;
    }

    /** xor %rax,%rax; mov $100,%ecx; 1: add %rcx,%rax; dec %ecx; jne 1b; hlt (303 instructions). */
    private static final byte[] SUM_LOOP_64 = GuestPrograms.bytes(0x48, 0x31, 0xc0, 0xb9, 0x64, 0, 0, 0, 0x48, 0x01,
            0xc8, 0xff, 0xc9, 0x75, 0xf9, 0xf4);

    // ---------------------------------------------------------------- engines by name

    @Test
    void enginesAreFoundByNameWithTheirSettings() {
        assertEquals(List.of("interp", "jit"), List.copyOf(X86Machine.engines().keySet()));
        assertTrue(X86Machine.engines().get("jit").containsKey("threshold"));
        assertEquals("jit", machine("jit").build().statistics().engine());
        assertEquals("interp", X86Machine.builder().build().statistics().engine());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> X86Machine.builder().engine("qemu").build());
        assertEquals("unknown engine 'qemu' (known: interp, jit)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> X86Machine.builder().engine("jit").engineSetting("speed", "11").build());
        assertEquals("unknown jit setting 'speed' (known: background, batch, maxBlocks, threshold)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> X86Machine.builder().engine("jit").engineSetting("threshold", "-1").build());
        assertEquals("jit setting threshold must be a non-negative integer, got '-1'", e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> X86Machine.builder().engine("interp").engineSetting("threshold", "0").build());
    }

    @Test
    void theTranslatorChosenByNameTranslates() {
        X86Machine m = machine("jit").build();
        m.load(0x10000, SUM_LOOP_64);
        m.vcpu(0).long64(0x10000, 0x8000, false);
        RunResult r = m.runVcpu(0, RunLimits.none());
        assertEquals("hlt", r.exit());
        assertEquals(5050, m.vcpu(0).get("rax"));
        assertTrue(m.statistics().counter("blocks translated") > 0, m.statistics().toString());
    }

    // ---------------------------------------------------------------- memory map

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void ramRegionFarAboveLowRamCostsItsOwnSize(String engine) {
        long heapBefore = usedHeap();
        X86Machine m = machine(engine).build();
        m.mapRam(0xE000_0000L, 64 << 10);
        assertTrue(usedHeap() - heapBefore < 64L << 20, "a 64 KiB region at 3.5 GiB must not allocate GiBs");
        // mov $0x12345678,%eax; mov %eax,0xE0000010; mov 0xE0000010,%ebx; hlt
        m.load(0x1000, GuestPrograms.bytes(0xb8, 0x78, 0x56, 0x34, 0x12, 0xa3, 0x10, 0x00, 0x00, 0xe0, 0x8b, 0x1d, 0x10,
                0x00, 0x00, 0xe0, 0xf4));
        m.vcpu(0).flat32(0x1000, 0x9000, false);
        assertEquals("hlt", m.runVcpu(0, RunLimits.none()).exit());
        assertEquals(0x12345678L, m.vcpu(0).get("rbx"));
        assertEquals(0x12345678L, m.read(0xE000_0010L, 4));
        assertEquals(List.of(new MemoryRegion("ram", "low", 0, 4 << 20, false),
                new MemoryRegion("ram", "ram", 0xE000_0000L, 64 << 10, false)), m.memoryMap());
    }

    private static long usedHeap() {
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void codeRunsFromARamRegionOutsideLowRam(String engine) {
        X86Machine m = machine(engine).build();
        m.mapRam(0x1_0000_0000L, 1 << 20);
        m.load(0x1_0000_0000L, SUM_LOOP_64);
        m.vcpu(0).long64(0x10000, 0x8000, false);
        // identity paging covers 4 GiB: map the page of the region at linear 0x10000 instead
        long pd0 = m.reservedPageTables() + 0x2000;
        m.write(pd0 + 8 * 0, 8, 0x1_0000_0000L | 0x87); // first 2 MiB -> the region
        m.vcpu(0).set("cr3", m.vcpu(0).get("cr3"));
        m.vcpu(0).set("rip", 0);
        m.vcpu(0).set("rsp", 0x8000);
        RunResult r = m.runVcpu(0, RunLimits.none().maxInstructions(10_000));
        assertEquals("hlt", r.exit());
        assertEquals(5050, m.vcpu(0).get("rax"));
        assertEquals(303, r.instructions());
    }

    /**
     * Code above 4 GiB that rewrites itself: xor %ebx,%ebx; mov $2,%ecx; 1: mov $1,%eax;
     * add %eax,%ebx; movb $0x10,(the immediate of that mov)(%rip); dec %ecx; jne 1b; hlt. The
     * second pass must run the new immediate: %ebx = 1 + 0x10.
     */
    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void codeAbove4GibThatRewritesItselfRunsItsNewBytes(String engine) {
        X86Machine m = machine(engine).build();
        m.mapRam(0x1_0000_0000L, 1 << 20);
        m.load(0x1_0000_0000L, GuestPrograms.bytes(0x31, 0xdb, 0xb9, 0x02, 0x00, 0x00, 0x00, 0xb8, 0x01, 0x00, 0x00, 0x00,
                0x01, 0xc3, 0xc6, 0x05, 0xf3, 0xff, 0xff, 0xff, 0x10, 0xff, 0xc9, 0x75, 0xee, 0xf4));
        for (int run = 0; run < 2; run++) { // the same again, after the code ran (and was decoded) once
            m.vcpu(0).long64(0x10000, 0x8000, false); // a preset also ends the HLT of the run before
            m.write(m.reservedPageTables() + 0x2000, 8, 0x1_0000_0000L | 0x87); // linear 0..2 MiB -> the region
            m.vcpu(0).set("cr3", m.vcpu(0).get("cr3")).set("rip", 0);
            m.write(0x1_0000_0008L, 1, 0x01);
            RunResult r = m.runVcpu(0, RunLimits.none().maxInstructions(1_000));
            assertEquals("hlt", r.exit());
            assertEquals(0x11, m.vcpu(0).get("rbx"));
            assertEquals(0x10, m.read(0x1_0000_0008L, 1));
            assertEquals(13, r.instructions()); // xor, mov, 2 x (mov, add, movb, dec, jne), hlt
        }
    }

    /** A 32-bit loop in a ROM mapped only at 0xFFFF0000 (no alias below 1 MiB), run many times. */
    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void codeInAHighRomRuns(String engine) {
        X86Machine m = machine(engine).build();
        byte[] rom = new byte[0x1000];
        // xor %eax,%eax; mov $1000,%ecx; 1: add %ecx,%eax; dec %ecx; jne 1b; hlt
        byte[] loop = GuestPrograms.bytes(0x31, 0xc0, 0xb9, 0xe8, 0x03, 0x00, 0x00, 0x01, 0xc8, 0x49, 0x75, 0xfb, 0xf4);
        System.arraycopy(loop, 0, rom, 0x100, loop.length);
        m.mapRom(0xFFFF_0000L, rom);
        m.vcpu(0).flat32(0xFFFF_0100L, 0x9000, false);
        RunResult r = m.runVcpu(0, RunLimits.none());
        assertEquals("hlt", r.exit());
        assertEquals(500_500, m.vcpu(0).get("rax"));
        assertEquals(3003, r.instructions()); // xor, mov, 1000 x (add, dec, jne), hlt
        assertEquals(0xFFFF_010DL, m.vcpu(0).get("rip"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void romIgnoresGuestStoresAtItsAddressAndItsAliasInLowRam(String engine) {
        X86Machine m = machine(engine).build();
        byte[] rom = new byte[0x10000];
        for (int i = 0; i < rom.length; i++) {
            rom[i] = (byte) (i * 7);
        }
        m.mapRom(0xFFFF_0000L, rom).alias(0xF0000, 0xFFFF_0000L, 0x10000);
        // mov $0x11,%eax; movl $0x22,0xFFFF0100; movb $0x33,0xF0100; mov 0xFFFF0100,%ebx;
        // mov 0xF0100,%ecx; hlt
        m.load(0x1000, GuestPrograms.bytes(0xb8, 0x11, 0x00, 0x00, 0x00, 0xc7, 0x05, 0x00, 0x01, 0xff, 0xff, 0x22, 0x00,
                0x00, 0x00, 0xc6, 0x05, 0x00, 0x01, 0x0f, 0x00, 0x33, 0x8b, 0x1d, 0x00, 0x01, 0xff, 0xff, 0x8b, 0x0d,
                0x00, 0x01, 0x0f, 0x00, 0xf4));
        m.vcpu(0).flat32(0x1000, 0x9000, false);
        assertEquals("hlt", m.runVcpu(0, RunLimits.none()).exit());
        long expected = le32(rom, 0x100);
        assertEquals(expected, m.vcpu(0).get("rbx"));
        assertEquals(expected, m.vcpu(0).get("rcx"));
        assertEquals(2, m.ignoredRomWrites());
        assertArrayEquals(rom, m.readBytes(0xF0000, 0x10000));
        assertArrayEquals(rom, m.readBytes(0xFFFF_0000L, 0x10000));
        // the host may rewrite ROM: both views change
        m.load(0xFFFF_0100L, new byte[] {1, 2, 3, 4});
        assertEquals(0x04030201L, m.read(0xF0100, 4));
        assertEquals(0x04030201L, m.read(0xFFFF_0100L, 4));
    }

    private static long le32(byte[] b, int at) {
        return (b[at] & 0xFFL) | (b[at + 1] & 0xFFL) << 8 | (b[at + 2] & 0xFFL) << 16 | (b[at + 3] & 0xFFL) << 24;
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void mmioRegionCallsItsHandler(String engine) {
        X86Machine m = machine(engine).build();
        List<String> seen = new ArrayList<>();
        m.mapMmio(0xD000_0000L, 0x1000, new MmioHandler() {
            @Override
            public long read(long offset, int size) {
                seen.add("read " + offset + "/" + size);
                return 0xCAFE_0000L | offset;
            }

            @Override
            public void write(long offset, int size, long value) {
                seen.add("write " + offset + "/" + size + "=" + Long.toHexString(value));
            }
        });
        // movl $0x55,0xD0000004; mov 0xD0000008,%ebx; hlt
        m.load(0x1000, GuestPrograms.bytes(0xc7, 0x05, 0x04, 0x00, 0x00, 0xd0, 0x55, 0x00, 0x00, 0x00, 0x8b, 0x1d, 0x08,
                0x00, 0x00, 0xd0, 0xf4));
        m.vcpu(0).flat32(0x1000, 0x9000, false);
        assertEquals("hlt", m.runVcpu(0, RunLimits.none()).exit());
        assertEquals(List.of("write 4/4=55", "read 8/4"), seen);
        assertEquals(0xCAFE_0008L, m.vcpu(0).get("rbx"));
    }

    @Test
    void overlappingOrMisplacedRegionsAreRefusedInOneLine() {
        X86Machine m = X86Machine.builder().ramBytes(1 << 20).build();
        m.mapRam(0x1000_0000L, 0x10000);
        assertEquals("region 0x1000f000-0x1001efff overlaps ram ram 0x10000000-0x1000ffff",
                assertThrows(IllegalArgumentException.class, () -> m.mapRam(0x1000_F000L, 0x10000)).getMessage());
        assertEquals("RAM region at 0x80000 overlaps low RAM (0-0xfffff): only ROM may",
                assertThrows(IllegalArgumentException.class, () -> m.mapRam(0x80000, 0x1000)).getMessage());
        assertEquals("region 0xfee00000+0x1000 overlaps the local APIC page at 0xfee00000",
                assertThrows(IllegalArgumentException.class, () -> m.mapRam(0xFEE0_0000L, 0x1000)).getMessage());
        assertEquals("alias target 0x20000000+0x1000 is not inside RAM, a ROM or a device region",
                assertThrows(IllegalArgumentException.class, () -> m.alias(0x3000_0000L, 0x2000_0000L, 0x1000)).getMessage());
        assertEquals("physical 0x30000000 is not backed by RAM, ROM or a device",
                assertThrows(IllegalArgumentException.class, () -> m.load(0x3000_0000L, new byte[4])).getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void linearAccessesGoThroughTheMmuAndReportTheFault(String engine) {
        X86Machine m = machine(engine).build();
        VcpuHandle v = m.vcpu(0).long64(0x10000, 0x8000, false);
        m.write(0x5008, 8, 0x1122334455667788L);
        assertEquals(0x1122334455667788L, v.readLinear(0x5008, 8));
        assertEquals(0x5008, v.translate(0x5008));
        v.writeLinear(0x5010, 4, 0xAABBCCDDL);
        assertEquals(0xAABBCCDDL, m.read(0x5010, 4));
        // the identity map covers 4 GiB: above it the PDPT entry is not present (#PF, error 0)
        GuestFault f = assertThrows(GuestFault.class, () -> v.readLinear(0x1_0000_1000L, 4));
        assertEquals(14, f.vector());
        assertEquals(0, f.errorCode());
        assertEquals(0x1_0000_1000L, f.address());
        f = assertThrows(GuestFault.class, () -> v.writeLinear(0x1_0000_1000L, 4, 1));
        assertEquals(2, f.errorCode()); // W/R set, not present
        f = assertThrows(GuestFault.class, () -> v.readLinear(0x8000_0000_0000L, 4));
        assertEquals(13, f.vector()); // non-canonical
    }

    // ---------------------------------------------------------------- registers and presets

    @Test
    void everyRegisterIsReachableByName() {
        X86Machine m = X86Machine.builder().build();
        VcpuHandle v = m.vcpu(0);
        assertEquals(List.of("rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9"),
                VcpuHandle.registerNames().subList(0, 10));
        for (String n : List.of("rip", "rflags", "cs", "cs.base", "cs.limit", "cs.attrs", "ldtr.base", "tr.attrs",
                "gdtr.base", "gdtr.limit", "idtr.base", "idtr.limit", "cr0", "cr2", "cr3", "cr4", "cr8", "dr7", "efer",
                "fs_base", "gs_base", "kernel_gs_base", "lstar", "star", "sysenter_eip", "pat", "apic_base")) {
            assertTrue(VcpuHandle.registerNames().contains(n), n);
        }
        assertEquals(VcpuHandle.registerNames(), List.copyOf(v.registers().keySet()));
        v.set("r13", 0x1234_5678_9ABC_DEF0L).set("R14", 5);
        assertEquals(0x1234_5678_9ABC_DEF0L, v.get("r13"));
        assertEquals(5, v.get("r14"));
        // power-on values (SDM vol. 3 table 9-1): CS F000 base FFFF0000, IP FFF0, CR0 60000010,
        // RFLAGS 2, DR7 400, PAT 0007040600070406, the BSP's APIC base FEE00900
        v.reset();
        assertEquals(new SegmentState(0xF000, 0xFFFF_0000L, 0xFFFF, 0x9B), v.segment("cs"));
        assertEquals(0xFFF0, v.get("rip"));
        assertEquals(0x6000_0010L, v.get("cr0"));
        assertEquals(2, v.get("rflags"));
        assertEquals(0x400, v.get("dr7"));
        assertEquals(0x0007_0406_0007_0406L, v.get("pat"));
        assertEquals(0xFEE0_0900L, v.get("apic_base"));
        assertEquals(0xFFFF, v.get("gdtr.limit"));
        // real mode: a selector write sets the base too
        v.set("ds", 0x1234);
        assertEquals(0x12340, v.get("ds.base"));
        v.set("lstar", 0xFFFF_8000_0000_1000L);
        assertEquals(0xFFFF_8000_0000_1000L, v.msr(0xC000_0082));
        assertEquals("MSR 0xc0000082 cannot be set to 0x100000000000000: non-canonical value 0x100000000000000"
                + " written to MSR 0xc0000082",
                assertThrows(IllegalArgumentException.class, () -> v.msr(0xC000_0082, 1L << 56)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> v.get("xmm0"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void presetsAtCpl3RunUserCode(String engine) {
        X86Machine m = machine(engine).build();
        // mov $7,%eax; 1: inc %rcx; jmp 1b
        m.load(0x20000, GuestPrograms.bytes(0xb8, 0x07, 0x00, 0x00, 0x00, 0x48, 0xff, 0xc1, 0xeb, 0xfb));
        VcpuHandle v = m.vcpu(0).long64(0x20000, 0x30000, true);
        assertEquals("long64", v.mode());
        assertEquals(0x2B, v.get("cs"));
        assertEquals(0x23, v.get("ss"));
        RunResult r = m.runVcpu(0, RunLimits.none().maxInstructions(1001));
        assertEquals("limit", r.exit());
        assertEquals(1001, r.instructions());
        assertEquals(7, v.get("rax"));
        assertEquals(500, v.get("rcx"));
        assertEquals(3, v.get("cs") & 3);

        X86Machine m32 = machine(engine).build();
        m32.load(0x20000, GuestPrograms.bytes(0xeb, 0xfe)); // 1: jmp 1b
        VcpuHandle w = m32.vcpu(0).flat32(0x20000, 0x30000, true);
        assertEquals("prot32", w.mode());
        assertEquals(0x1B, w.get("cs"));
        assertEquals("limit", m32.runVcpu(0, RunLimits.none().maxInstructions(50)).exit());
        assertEquals(50, w.instructions());
    }

    // ---------------------------------------------------------------- running

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void runsStopAtAnExactInstructionCountAndAnAddress(String engine) {
        X86Machine m = machine(engine).build();
        m.load(0x10000, SUM_LOOP_64);
        VcpuHandle v = m.vcpu(0).long64(0x10000, 0x8000, false);
        RunResult r = m.runVcpu(0, RunLimits.none().maxInstructions(200));
        assertEquals("limit", r.exit());
        assertEquals(200, r.instructions());
        // 2 set-up instructions, then 3 per pass: after 200, 66 whole passes (rcx 100..35 added)
        assertEquals(sum(35, 100), v.get("rax"));
        assertEquals(34, v.get("rcx"));
        assertEquals(0x10008, v.get("rip"));
        // until the hlt (mid-block, after the loop's last jne)
        r = m.runVcpu(0, RunLimits.none().until(0x1000F));
        assertEquals("address", r.exit());
        assertEquals(302 - 200, r.instructions());
        assertEquals(5050, v.get("rax"));
        assertFalse(v.halted());
        r = m.runVcpu(0, RunLimits.none());
        assertEquals("hlt", r.exit());
        assertEquals(1, r.instructions());
        assertEquals(303, v.instructions());
        // until the loop head: after the two set-up instructions, then at once when already there
        m.vcpu(0).long64(0x10000, 0x8000, false);
        r = m.runVcpu(0, RunLimits.none().until(0x10008));
        assertEquals("address", r.exit());
        assertEquals(2, r.instructions());
        assertEquals(0x10008, v.get("rip"));
        assertEquals("address", m.runVcpu(0, RunLimits.none().until(0x10008)).exit());
        assertEquals(0, m.runVcpu(0, RunLimits.none().until(0x10008)).instructions());
    }

    private static long sum(long from, long to) {
        return (from + to) * (to - from + 1) / 2;
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void aTimeoutEndsAnEndlessLoop(String engine) {
        X86Machine m = machine(engine).build();
        m.load(0x1000, GuestPrograms.bytes(0xeb, 0xfe));
        m.vcpu(0).flat32(0x1000, 0x9000, false);
        RunResult r = m.runVcpu(0, RunLimits.none().timeout(Duration.ofMillis(100)));
        assertEquals("limit", r.exit());
        assertEquals(0x1000, m.vcpu(0).rip());
        assertTrue(r.instructions() > 0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void aStopFromAnotherThreadEndsALongRunAtAnInstructionBoundary(String engine) throws Exception {
        for (boolean wholeMachine : new boolean[] {false, true}) {
            X86Machine m = machine(engine).build();
            // mov $7,%eax; 1: inc %rcx; jmp 1b
            m.load(0x20000, GuestPrograms.bytes(0xb8, 0x07, 0x00, 0x00, 0x00, 0x48, 0xff, 0xc1, 0xeb, 0xfb));
            VcpuHandle v = m.vcpu(0).long64(0x20000, 0x30000, false);
            Thread stopper = new Thread(() -> {
                while (v.instructions() < 100_000) {
                    Thread.onSpinWait();
                }
                m.stop();
            });
            stopper.start();
            RunResult r = wholeMachine ? m.run(RunLimits.none().timeout(Duration.ofSeconds(60)))
                    : m.runVcpu(0, RunLimits.none().timeout(Duration.ofSeconds(60)));
            stopper.join();
            assertEquals("stop", r.exit());
            // at a boundary: RIP at one of the loop's two instructions, rcx counts the incs
            long rip = v.rip();
            assertTrue(rip == 0x20005 || rip == 0x20008, Long.toHexString(rip));
            long incs = (v.instructions() - 1 + (rip == 0x20008 ? 1 : 0)) / 2;
            assertEquals(incs, v.get("rcx"));
        }
    }

    // ---------------------------------------------------------------- PC ports

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void theExitPortEndsTheRunRightAfterTheWrite(String engine) {
        X86Machine m = machine(engine).build();
        // mov $0x2a,%al; out %al,$0xf4; mov $1,%bl; hlt
        m.load(0x1000, GuestPrograms.bytes(0xb0, 0x2a, 0xe6, 0xf4, 0xb3, 0x01, 0xf4));
        m.vcpu(0).flat32(0x1000, 0x9000, false);
        RunResult r = m.runVcpu(0, RunLimits.none());
        assertEquals("exit-port", r.exit());
        assertEquals(42, r.status());
        assertEquals(2, r.instructions());
        assertEquals(0x1004, m.vcpu(0).rip());
        assertEquals(0, m.vcpu(0).get("rbx"));
        assertFalse(m.vcpu(0).halted());
        // the same on the scheduler
        m.vcpu(0).flat32(0x1000, 0x9000, false);
        r = m.run(RunLimits.none());
        assertEquals("exit-port", r.exit());
        assertEquals(42, r.status());
        assertEquals(0, r.cpu());
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void picAndPitAcceptTheirProgrammingAndPostCodesAreLogged(String engine) {
        X86Machine m = machine(engine).build();
        List<Integer> post = new ArrayList<>();
        m.logPort(0x80, post::add);
        // ICW1 0x11, ICW2 0x20, ICW3 4, ICW4 1, mask 0xfb; in $0x21 -> %ebx; PIT mode 2 reload
        // 0x2e9c; POST 0x50, 0x51; hlt
        m.load(0x1000, GuestPrograms.bytes(0xb0, 0x11, 0xe6, 0x20, 0xb0, 0x20, 0xe6, 0x21, 0xb0, 0x04, 0xe6, 0x21, 0xb0,
                0x01, 0xe6, 0x21, 0xb0, 0xfb, 0xe6, 0x21, 0xe4, 0x21, 0x89, 0xc3, 0xb0, 0x36, 0xe6, 0x43, 0xb0, 0x9c,
                0xe6, 0x40, 0xb0, 0x2e, 0xe6, 0x40, 0xb0, 0x50, 0xe6, 0x80, 0xb0, 0x51, 0xe6, 0x80, 0xf4));
        m.vcpu(0).flat32(0x1000, 0x9000, false);
        assertEquals("hlt", m.runVcpu(0, RunLimits.none()).exit());
        assertEquals(0xFB, m.vcpu(0).get("rbx") & 0xFF);
        assertEquals(0xFB, m.picMasks() & 0xFF);
        assertEquals(List.of(0x50, 0x51), post);
    }

    // ---------------------------------------------------------------- hooks

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void portHooksAnswerInsAndSeeOutsAlsoInCodeRunBefore(String engine) {
        X86Machine m = machine(engine).build();
        // in $0x60,%al; mov %eax,%ebx; mov $0x1f0,%dx; in (%dx),%ax; mov %eax,%esi; mov $0x77,%al;
        // out %al,$0x70; out %ax,(%dx); hlt
        m.load(0x1000, GuestPrograms.bytes(0xe4, 0x60, 0x89, 0xc3, 0x66, 0xba, 0xf0, 0x01, 0x66, 0xed, 0x89, 0xc6, 0xb0,
                0x77, 0xe6, 0x70, 0x66, 0xef, 0xf4));
        VcpuHandle v = m.vcpu(0).flat32(0x1000, 0x9000, false);
        v.set("rax", 0);
        assertEquals("hlt", m.runVcpu(0, RunLimits.none()).exit());
        assertEquals(0xFF, v.get("rbx")); // nothing at port 0x60: open bus
        List<String> events = new ArrayList<>();
        m.onPortIn(0x60, 0x60, (cpu, port, size) -> {
            events.add(String.format("in %x/%d", port, size));
            return java.util.OptionalLong.of(0x5A);
        });
        m.onPortIn(0x1F0, 0x1F7, (cpu, port, size) -> {
            events.add(String.format("in %x/%d", port, size));
            return java.util.OptionalLong.of(0xBEEF);
        });
        m.onPortOut(0x70, 0x70, (cpu, port, size, value) -> events.add(String.format("out %x/%d=%x", port, size, value)));
        m.onPortOut(0x1F0, 0x1F0, (cpu, port, size, value) -> events.add(String.format("out %x/%d=%x", port, size, value)));
        m.onPortIn(0x61, 0x61, (cpu, port, size) -> java.util.OptionalLong.empty());
        v.flat32(0x1000, 0x9000, false).set("rax", 0);
        assertEquals("hlt", m.runVcpu(0, RunLimits.none()).exit());
        assertEquals(0x5A, v.get("rbx"));
        assertEquals(0xBEEF, v.get("rsi"));
        assertEquals(List.of("in 60/1", "in 1f0/2", "out 70/1=77", "out 1f0/2=be77"), events);
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void cpuidAndMsrHooksInstalledAfterARunTakeEffect(String engine) {
        X86Machine m = machine(engine).build();
        // xor %eax,%eax; xor %ecx,%ecx; cpuid; hlt
        m.load(0x1000, GuestPrograms.bytes(0x31, 0xc0, 0x31, 0xc9, 0x0f, 0xa2, 0xf4));
        VcpuHandle v = m.vcpu(0).flat32(0x1000, 0x9000, false);
        assertEquals("hlt", m.runVcpu(0, RunLimits.none()).exit());
        assertEquals(0x0B, v.get("rax")); // the model's highest basic leaf
        long vendorEbx = v.get("rbx");
        List<String> seen = new ArrayList<>();
        m.onCpuid((cpu, leaf, subleaf, regs) -> {
            seen.add("cpuid " + leaf + "." + subleaf);
            if (leaf == 0) {
                regs[1] = 0x11111111;
            }
        });
        v.flat32(0x1000, 0x9000, false);
        assertEquals("hlt", m.runVcpu(0, RunLimits.none()).exit());
        assertEquals(0x11111111, v.get("rbx"));
        assertEquals(0x0B, v.get("rax"));
        assertEquals(List.of("cpuid 0.0"), seen);
        assertTrue(vendorEbx != 0x11111111);

        // mov $0x1234,%ecx; rdmsr; mov $0x1235,%ecx; mov $5,%eax; mov $6,%edx; wrmsr; hlt
        m.load(0x2000, GuestPrograms.bytes(0xb9, 0x34, 0x12, 0x00, 0x00, 0x0f, 0x32, 0xb9, 0x35, 0x12, 0x00, 0x00, 0xb8,
                0x05, 0x00, 0x00, 0x00, 0xba, 0x06, 0x00, 0x00, 0x00, 0x0f, 0x30, 0xf4));
        v.flat32(0x2000, 0x9000, false);
        RunResult r = m.runVcpu(0, RunLimits.none());
        assertEquals("fault", r.exit()); // MSR 0x1234 does not exist: #GP, no IDT, triple fault
        m.onRdmsr((cpu, msr) -> msr == 0x1234 ? java.util.OptionalLong.of(0xAABBCCDD_11223344L)
                : java.util.OptionalLong.empty());
        m.onWrmsr((cpu, msr, value) -> {
            seen.add(String.format("wrmsr %x=%x", msr, value));
            return msr == 0x1235;
        });
        v.flat32(0x2000, 0x9000, false);
        r = m.runVcpu(0, RunLimits.none());
        assertEquals("hlt", r.exit(), String.valueOf(r.fault()));
        assertEquals(List.of("cpuid 0.0", "wrmsr 1235=600000005"), seen);
        // the host still reads the CPU's own MSRs, past the hooks
        assertThrows(IllegalArgumentException.class, () -> v.msr(0x1234));
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void memoryHooksSeeReadsAndWritesInTheirRangeAlsoInCodeRunBefore(String engine) {
        X86Machine m = machine(engine).build();
        // mov $0x5000,%ebx; movq $0x11,(%rbx); mov (%rbx),%rax; lock xadd %rax,(%rbx); push %rax;
        // pop %rcx; hlt
        m.load(0x10000, GuestPrograms.bytes(0xbb, 0x00, 0x50, 0x00, 0x00, 0x48, 0xc7, 0x03, 0x11, 0x00, 0x00, 0x00, 0x48,
                0x8b, 0x03, 0xf0, 0x48, 0x0f, 0xc1, 0x03, 0x50, 0x59, 0xf4));
        VcpuHandle v = m.vcpu(0).long64(0x10000, 0x8000, false);
        for (int run = 0; run < 2; run++) { // the first run translates, without hooks
            m.write(0x5000, 8, 0);
            List<String> events = new ArrayList<>();
            if (run == 1) {
                m.onMemoryRead(0x5000, 8, (cpu, a, size, value) -> events.add(String.format("r %x/%d=%x", a, size, value)));
                m.onMemoryWrite(0x5000, 8, (cpu, a, size, value) -> events.add(String.format("w %x/%d=%x", a, size, value)));
                m.onMemoryRead(0x7FF8, 8, (cpu, a, size, value) -> events.add(String.format("r %x/%d=%x", a, size, value)));
                m.onMemoryWrite(0x7FF8, 8, (cpu, a, size, value) -> events.add(String.format("w %x/%d=%x", a, size, value)));
            }
            m.vcpu(0).long64(0x10000, 0x8000, false);
            assertEquals("hlt", m.runVcpu(0, RunLimits.none()).exit());
            assertEquals(0x22, m.read(0x5000, 8));
            assertEquals(0x11, v.get("rcx"));
            if (run == 1) {
                // the store, the load, the locked add (read, then its store), the push, the pop
                assertEquals(List.of("w 5000/8=11", "r 5000/8=11", "r 5000/8=11", "w 5000/8=22", "w 7ff8/8=11",
                        "r 7ff8/8=11"), events);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void instructionHooksInARangeSeeOnlyTheirInstructionsAlsoInCodeRunBefore(String engine) {
        X86Machine m = machine(engine).build();
        m.load(0x10000, SUM_LOOP_64);
        m.vcpu(0).long64(0x10000, 0x8000, false);
        assertEquals("hlt", m.runVcpu(0, RunLimits.none()).exit()); // translated, unhooked
        List<String> seen = new ArrayList<>();
        m.onInstruction(0x1000B, 0x1000D, (cpu, rip, text) -> seen.add(Long.toHexString(rip) + " " + text));
        m.vcpu(0).long64(0x10000, 0x8000, false);
        assertEquals("hlt", m.runVcpu(0, RunLimits.none()).exit());
        assertEquals(200, seen.size()); // dec and jne, 100 passes each
        assertEquals("1000b dec    %ecx", seen.get(0));
        assertEquals("1000d jne    0x10008", seen.get(1));
        assertEquals(5050, m.vcpu(0).get("rax"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void blockHooksSeeEachBlockWithItsLengthAlsoInCodeRunBefore(String engine) {
        X86Machine m = machine(engine).build();
        m.load(0x10000, SUM_LOOP_64);
        m.vcpu(0).long64(0x10000, 0x8000, false);
        assertEquals("hlt", m.runVcpu(0, RunLimits.none()).exit()); // translated, unhooked
        List<String> all = new ArrayList<>();
        List<String> loop = new ArrayList<>();
        m.onBlock((cpu, rip, size) -> all.add(Long.toHexString(rip) + "+" + size));
        m.onBlock(0x10008, 0x10008, (cpu, rip, size) -> loop.add(Long.toHexString(rip) + "+" + size));
        m.vcpu(0).long64(0x10000, 0x8000, false);
        assertEquals("hlt", m.runVcpu(0, RunLimits.none()).exit());
        // xor, mov, add, dec, jne (15 bytes); the loop body add, dec, jne (7 bytes) for the other
        // 99 passes; hlt (1 byte)
        assertEquals(101, all.size());
        assertEquals("10000+15", all.get(0));
        assertEquals("10008+7", all.get(1));
        assertEquals("10008+7", all.get(99));
        assertEquals("1000f+1", all.get(100));
        assertEquals(99, loop.size());
        assertEquals(5050, m.vcpu(0).get("rax"));
    }

    /** mov $1,%eax; ud2; mov $2,%ebx; hlt (64-bit, at 0x10000). */
    private static final byte[] UD2_PROGRAM = GuestPrograms.bytes(0xb8, 1, 0, 0, 0, 0x0f, 0x0b, 0xbb, 2, 0, 0, 0, 0xf4);

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void aFaultHandlerThatHandlesAFaultStopsItsDelivery(String engine) {
        X86Machine m = machine(engine).build();
        m.load(0x10000, UD2_PROGRAM);
        List<String> seen = new ArrayList<>();
        m.handleFaults((cpu, fault) -> {
            seen.add(fault.vector() + "@" + Long.toHexString(cpu.get("rip")) + " eax=" + cpu.get("rax"));
            cpu.set("rip", cpu.get("rip") + 2); // skip the 2-byte ud2
            return true;
        });
        m.vcpu(0).long64(0x10000, 0x8000, false);
        RunResult r = m.runVcpu(0, RunLimits.none());
        assertEquals("hlt", r.exit());
        assertEquals(List.of("6@10005 eax=1"), seen);
        assertEquals(1, m.vcpu(0).get("rax"));
        assertEquals(2, m.vcpu(0).get("rbx"));
        assertEquals(0x1000D, m.vcpu(0).get("rip"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void aFaultHandlerThatDeclinesLeavesTheFaultToTheGuest(String engine) {
        X86Machine plain = machine(engine).build();
        plain.load(0x10000, UD2_PROGRAM);
        plain.vcpu(0).long64(0x10000, 0x8000, false);
        RunResult expected = plain.runVcpu(0, RunLimits.none());

        X86Machine m = machine(engine).build();
        m.load(0x10000, UD2_PROGRAM);
        List<Integer> seen = new ArrayList<>();
        m.handleFaults((cpu, fault) -> seen.add(fault.vector()) && false);
        m.vcpu(0).long64(0x10000, 0x8000, false);
        RunResult r = m.runVcpu(0, RunLimits.none());
        assertEquals(6, seen.get(0));
        assertEquals(expected.exit(), r.exit());
        assertEquals(expected.instructions(), r.instructions());
        assertEquals(plain.vcpu(0).get("rip"), m.vcpu(0).get("rip"));
        assertEquals(0, m.vcpu(0).get("rbx"), "the instruction after ud2 never ran");
    }
}
