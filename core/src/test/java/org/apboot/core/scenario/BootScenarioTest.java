package org.apboot.core.scenario;


import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.CpuProfile;
import org.apboot.core.image.BootParams.WakePath;
import org.apboot.core.image.BootParams.WorkMode;
import org.apboot.core.image.KernelLayout;
import org.apboot.core.interp.Interpreter;
import org.apboot.core.machine.Vcpu;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Mass bring-up through the real guest code on the interpreter: every path, paging depth, thread count. */
class BootScenarioTest {
    private static BootReport boot(BootConfig cfg) {
        return new BootScenario(cfg, Interpreter::new).run(null);
    }

    private static BootConfig base(int aps, WakePath path) {
        return BootConfig.defaults().withAps(aps).withPath(path).withTimeout(120);
    }

    @ParameterizedTest(name = "{0} APs over {1}, {2}-level paging, {3} thread(s)")
    @CsvSource({
        "4096, SIPI, 4, 1",
        "4096, SIPI, 4, 2",
        "4096, MAILBOX64, 4, 1",
        "4096, MAILBOX64, 4, 2",
        "4096, SIPI, 5, 1",
        "4096, SIPI, 5, 2",
        "4096, MAILBOX64, 5, 1",
        "4096, MAILBOX64, 5, 2",
    })
    void everyApComesOnlineInTheStateTheStubLeaves(int aps, WakePath path, int paging, int threads) {
        BootScenario s = new BootScenario(base(aps, path).withPaging(paging).withThreads(threads), Interpreter::new);
        BootReport r = s.run(null);
        assertEquals(List.of(), r.failures(), "failures");
        assertEquals(aps, r.online());
        assertTrue(r.success());
        assertEquals("apboot: " + aps + " APs online\n", r.console());
        boolean five = paging == 5;
        for (int i = 1; i <= aps; i++) {
            Cpu c = s.machine().vcpu(i).cpu;
            assertEquals("long64", c.modeName(), "AP " + i);
            assertEquals(KernelLayout.KERNEL_CR0, c.cr0, "CR0 of AP " + i);
            assertEquals(KernelLayout.kernelCr4(five), c.cr4, "CR4 of AP " + i);
            assertEquals(KernelLayout.kernelCr3(five), c.cr3, "CR3 of AP " + i);
            assertEquals(KernelLayout.KERNEL_EFER, c.efer, "EFER of AP " + i);
            assertEquals(KernelLayout.KERNEL_CS, c.seg[1].selector, "CS of AP " + i);
            assertEquals(KernelLayout.KERNEL_GDT, c.gdtrBase, "GDTR of AP " + i);
            assertEquals(0, c.idtrBase, "IDT base of AP " + i);
            assertEquals(Vcpu.HALTED, s.machine().vcpu(i).state(), "AP " + i);
        }
        // the online bitmap holds exactly cpus 0 (the BSP marks itself) .. N
        int bits = 0;
        for (int b = 0; b < (aps + 8) / 8 + 1; b++) {
            bits += Integer.bitCount(s.machine().ram().read8(KernelLayout.ONLINE_BITMAP + b));
        }
        assertEquals(aps + 1, bits);
        assertEquals(1, s.machine().ram().read8(KernelLayout.ONLINE_BITMAP) & 1, "BSP bit");
    }

    @Test
    void realModeEntryRunsEachApThroughEveryMode() {
        BootReport r = boot(base(8, WakePath.SIPI));
        long[] m = r.instructionsByMode();
        assertTrue(m[0] > 0, "real16");
        assertTrue(m[2] > 0, "prot32");
        assertTrue(m[4] > 0, "long64");
        // between CR0.PG (long mode becomes active) and the far jump to startup_64 the AP is in
        // compatibility mode for exactly that one far jump
        assertEquals(8, m[3], "one compatibility-mode instruction per AP");
    }

    @Test
    void mailboxEntryGearsDownThroughCompatibilityMode() {
        BootReport r = boot(base(8, WakePath.MAILBOX64));
        long[] m = r.instructionsByMode();
        assertEquals(0, m[0], "no real mode on the mailbox path");
        assertTrue(m[3] > 0, "compat");
        assertTrue(m[2] > 0, "prot32");
        assertTrue(m[4] > 0, "long64");
    }

    @Test
    void calibrateWorkLeavesTheExpectedChecksumInEveryPerCpuArea() {
        BootScenario s = new BootScenario(base(64, WakePath.SIPI).withWork(WorkMode.CALIBRATE, 500), Interpreter::new);
        BootReport r = s.run(null);
        assertTrue(r.success(), () -> r.failures().toString());
        long perCpuBase = s.machine().ram().read64(KernelLayout.BOOT_PARAMS + 0x70);
        long stride = s.machine().ram().read64(KernelLayout.BOOT_PARAMS + 0x78);
        for (int cpu = 1; cpu <= 64; cpu++) {
            long area = perCpuBase + stride * cpu;
            assertEquals(KernelLayout.expectedChecksum(cpu), s.machine().ram().read64(area + KernelLayout.PC_CHECKSUM), "cpu " + cpu);
            assertEquals(500, s.machine().ram().read64(area + KernelLayout.PC_DELAY), "delay iterations of cpu " + cpu);
        }
    }

    @Test
    void deterministicRunsGiveTheSameInterleaving() {
        BootConfig cfg = base(256, WakePath.SIPI).withDeterministic(true).withWork(WorkMode.CALIBRATE, 100);
        BootScenario a = new BootScenario(cfg, Interpreter::new);
        BootScenario b = new BootScenario(cfg, Interpreter::new);
        BootReport ra = a.run(null);
        BootReport rb = b.run(null);
        assertTrue(ra.success());
        assertEquals(ra.guestInstructions(), rb.guestInstructions());
        for (int i = 0; i <= 256; i++) {
            assertEquals(a.machine().vcpu(i).cpu.instructions, b.machine().vcpu(i).cpu.instructions, "vCPU " + i);
            assertEquals(a.machine().vcpu(i).cpu.rip, b.machine().vcpu(i).cpu.rip, "vCPU " + i);
        }
    }

    @Test
    void tdxCannotStartApsThroughSipi() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> base(4, WakePath.SIPI).withProfile(CpuProfile.TDX));
        assertTrue(e.getMessage().contains("mailbox"), e.getMessage());
    }

    @Test
    void tdxBootsTheCorrectTrampolineThroughTheMailbox() {
        BootReport r = boot(base(64, WakePath.MAILBOX64).withProfile(CpuProfile.TDX));
        assertTrue(r.success(), () -> r.failures().toString());
    }

    @ParameterizedTest(name = "variant {0} boots on bare metal")
    @CsvSource({"efer-always", "cr0-no-ne", "no-lock"})
    void reviewerVariantsBootOnGeneric(String variant) {
        BootReport r = boot(base(32, WakePath.MAILBOX64).withVariant(variant));
        assertTrue(r.success(), () -> r.failures().toString());
        assertEquals("no-lock".equals(variant) ? "serial" : "parallel", r.policy());
    }

    @Test
    void eferWrittenUnconditionallyRaisesVeUnderTdxAndShutsDown() {
        BootReport r = boot(base(4, WakePath.MAILBOX64).withProfile(CpuProfile.TDX).withVariant("efer-always"));
        assertFalse(r.success());
        assertEquals(4, r.failed());
        BootReport.Failure f = r.failures().get(0);
        assertTrue(f.problem().startsWith("shut down"), f.problem());
        assertTrue(f.faultChain().get(0).startsWith("#VE"), f.faultChain().toString());
        assertTrue(f.instruction().startsWith("wrmsr"), f.instruction());
        assertTrue(f.faultChain().stream().anyMatch(s -> s.startsWith("#DF")), f.faultChain().toString());
    }

    @Test
    void cr0WithoutNeRaisesGpUnderTdxAndShutsDown() {
        BootReport r = boot(base(4, WakePath.MAILBOX64).withProfile(CpuProfile.TDX).withVariant("cr0-no-ne"));
        assertEquals(4, r.failed());
        BootReport.Failure f = r.failures().get(0);
        assertTrue(f.faultChain().get(0).startsWith("#GP"), f.faultChain().toString());
        assertTrue(f.faultChain().get(0).contains("NE"), f.faultChain().toString());
        assertTrue(f.instruction().startsWith("mov") && f.instruction().contains("%cr0"), f.instruction());
        assertEquals("compat32", f.mode());
    }

    @Test
    void sixByteIdtDescriptorLeavesAGarbageIdtBaseAndAWarning() {
        BootScenario s = new BootScenario(base(4, WakePath.MAILBOX64).withVariant("idt6"), Interpreter::new);
        BootReport r = s.run(null);
        assertTrue(r.success(), "it faults nowhere");
        // base 63:32 = the selector word (0x18) that follows the 6-byte descriptor
        assertEquals(0x18_0000_0000L, s.machine().vcpu(1).cpu.idtrBase, "upper IDT base bytes came from the following data");
        assertEquals(1, r.warnings().stream().filter(w -> w.contains("non-zero IDT base")).count(), r.warnings().toString());
        BootReport ok = boot(base(4, WakePath.MAILBOX64));
        assertTrue(ok.warnings().stream().noneMatch(w -> w.contains("IDT")), "10-byte form loads base 0");
    }
}
