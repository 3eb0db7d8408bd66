package org.apboot.core.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.CpuModel;
import org.apboot.core.cpu.CpuProfile;
import org.apboot.core.image.BootParams.WakePath;
import org.apboot.core.interp.Interpreter;
import org.apboot.core.mem.PhysicalMemory;
import org.apboot.core.scenario.BootConfig;
import org.apboot.core.scenario.BootReport;
import org.apboot.core.scenario.BootScenario;
import org.apboot.core.semantics.Msrs;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Trampoline blobs built from a real kernel tree. {@code APBOOT_KERNEL_RM_DIR} names one or more
 * (separated by {@code :}) {@code arch/x86/realmode/rm} directories of kernel builds; every one is
 * loaded (with and without its ELF) and booted with 256 APs over both wake-up paths and both paging
 * depths. Unset: the kernel tests are skipped. guest/README.md says how to build such a directory.
 */
class KernelTreeBlobTest {
    static final String ENV = "APBOOT_KERNEL_RM_DIR";
    static final int APS = 256;

    static final String UNSET = ENV + " is not set (point it at a kernel build's arch/x86/realmode/rm, several"
            + " separated by ':'; see guest/README.md): skipping the kernel-blob tests";

    /** The directories named by the environment, empty when it names none. */
    private static List<Path> kernelDirs() {
        String v = System.getenv(ENV);
        List<Path> dirs = new ArrayList<>();
        if (v == null) {
            return dirs;
        }
        for (String s : v.split(File.pathSeparator)) {
            if (!s.isBlank()) {
                Path d = Path.of(s.trim());
                assertTrue(Files.isRegularFile(d.resolve("realmode.bin")), ENV + ": no realmode.bin in " + d);
                dirs.add(d);
            }
        }
        return dirs;
    }

    /** One skipped test carrying the reason when no kernel build is named. */
    private static List<DynamicTest> orSkipped(List<DynamicTest> tests) {
        return tests.isEmpty() ? List.of(dynamicTest("kernel blob", () -> assumeTrue(false, UNSET))) : tests;
    }

    private static String label(Path dir) {
        // .../<build>/arch/x86/realmode/rm -> <build>
        Path p = dir.toAbsolutePath().normalize();
        return p.getNameCount() >= 5 && p.endsWith(Path.of("arch", "x86", "realmode", "rm"))
                ? p.getName(p.getNameCount() - 5).toString() : p.toString();
    }

    @TestFactory
    List<DynamicTest> kernelBlobLoads() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path dir : kernelDirs()) {
            tests.add(dynamicTest(label(dir) + ": header, relocations, lock", () -> checkLoad(dir)));
        }
        return orSkipped(tests);
    }

    private static void checkLoad(Path dir) throws IOException {
        RealModeBlob blob = RealModeBlob.fromDirectory(dir);
        assertTrue(blob.hasEndSignature(), "realmode.bin ends with the kernel's signature");
        // the header layout and the lock follow from the ELF symbols; the heuristics must agree
        RealModeBlob bare = RealModeBlob.parse("bare", Files.readAllBytes(dir.resolve("realmode.bin")),
                Files.readAllBytes(dir.resolve("realmode.relocs")), null);
        if (blob.symbols().size() > 0) {
            assertEquals(blob.headerLayout(), bare.headerLayout(), "layout from symbols vs heuristic");
            assertEquals(blob.lockOffset(), bare.lockOffset(), "tr_lock from symbols vs code scan");
            if (blob.headerLayout().hasSevEs()) {
                assertEquals(blob.symbols().find("sev_es_trampoline_start").getAsLong(),
                        blob.sevEsTrampolineStartOffset());
            }
        }

        PhysicalMemory mem = new PhysicalMemory(2 << 20);
        long base = 0x10000;
        TrampolineSetup setup = KernelLayout.trampolineSetup(false);
        InstalledTrampoline tr = blob.install(mem, base, setup);
        assertEquals(0, tr.trampolineStart() & 0xFFF);
        assertEquals(tr.trampolineStart() >> 12, tr.sipiVector());
        assertTrue(tr.trampolineStart64() > tr.base() && tr.trampolineStart64() < tr.base() + tr.size());
        // every header field but the selector is relocated to a physical address
        List<String> fields = blob.headerLayout().fields();
        for (int i = 0; i < fields.size() - 1; i++) {
            assertEquals(base + blob.headerField(fields.get(i)), mem.read32(base + 4L * i) & 0xFFFF_FFFFL, fields.get(i));
        }
        assertEquals(0x08, mem.read32(base + 4L * (fields.size() - 1)), "machine_real_restart_seg = __KERNEL32_CS");
        // what setup_real_mode() writes
        assertEquals(setup.kernelEntry(), mem.read64(tr.header()), "trampoline_header.start");
        assertEquals(setup.efer() & ~KernelLayout.EFER_LMA, mem.read64(tr.header() + 8), "trampoline_header.efer");
        assertEquals(setup.cr4(), mem.read32(tr.header() + 16) & 0xFFFF_FFFFL, "trampoline_header.cr4");
        assertEquals(setup.pgdEntry0(), mem.read64(tr.pgd()), "trampoline_pgd[0]");
        if (tr.hasLock()) {
            assertEquals(tr.header() + RealModeBlob.HEADER_SIZE_NO_LOCK, tr.lock());
            assertEquals(0, mem.read32(tr.lock()));
        }
        System.out.println("kernel blob: " + blob + " (" + blob.lockEvidence() + ")");
    }

    @TestFactory
    List<DynamicTest> everyApComesOnlineThroughTheKernelTrampoline() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path dir : kernelDirs()) {
            for (WakePath path : WakePath.values()) {
                for (int paging : new int[] {4, 5}) {
                    for (int threads : new int[] {1, 2}) {
                        BootConfig cfg = BootConfig.defaults().withBlob(dir).withAps(APS).withPath(path)
                                .withPaging(paging).withThreads(threads).withTimeout(120);
                        tests.add(dynamicTest(String.format("%s: %s, %d-level paging, %d thread(s)",
                                label(dir), path, paging, threads), () -> bootAndCheck(cfg, null)));
                    }
                }
            }
            // TDX: APs start only through the mailbox; CR0.PE/NE stay set, EFER is never written
            for (int paging : new int[] {4, 5}) {
                BootConfig cfg = BootConfig.defaults().withBlob(dir).withAps(APS).withPath(WakePath.MAILBOX64)
                        .withProfile(CpuProfile.TDX).withPaging(paging).withTimeout(120);
                tests.add(dynamicTest(String.format("%s: tdx, mailbox64, %d-level paging", label(dir), paging),
                        () -> bootAndCheck(cfg, null)));
            }
            // firmware left execute-disable on (MISC_ENABLE bit 34): the kernel's verify_cpu clears it
            BootConfig xd = BootConfig.defaults().withBlob(dir).withAps(APS).withPath(WakePath.SIPI).withTimeout(120);
            tests.add(dynamicTest(label(dir) + ": sipi with MISC_ENABLE.XD_DISABLE set by firmware",
                    () -> bootAndCheck(xd, Msrs.MISC_XD_DISABLE)));
        }
        return orSkipped(tests);
    }

    private static void bootAndCheck(BootConfig cfg, Long miscEnableSet) {
        BootScenario s = new BootScenario(cfg, Interpreter::new);
        if (miscEnableSet != null) {
            for (int i = 1; i <= cfg.aps(); i++) {
                s.machine().vcpu(i).cpu.miscEnable |= miscEnableSet;
            }
        }
        BootReport r = s.run(null);
        assertEquals(List.of(), r.failures(), "failed APs");
        assertTrue(r.success(), "every AP online");
        assertEquals(cfg.aps(), r.online());
        assertEquals("apboot: " + cfg.aps() + " APs online\n", r.console());
        boolean five = cfg.pagingLevels() == 5;
        for (int i = 1; i <= cfg.aps(); i++) {
            Cpu c = s.machine().vcpu(i).cpu;
            assertEquals("long64", c.modeName(), "AP " + i);
            assertEquals(KernelLayout.KERNEL_CR0, c.cr0, "CR0 of AP " + i);
            assertEquals(KernelLayout.kernelCr4(five), c.cr4, "CR4 of AP " + i);
            assertEquals(KernelLayout.kernelCr3(five), c.cr3, "CR3 of AP " + i);
            assertEquals(KernelLayout.KERNEL_EFER, c.efer, "EFER of AP " + i);
            if (miscEnableSet != null) {
                assertEquals(0, c.miscEnable & Msrs.MISC_XD_DISABLE, "XD_DISABLE cleared on AP " + i);
            }
        }
    }

    /**
     * What an x86-64 kernel's verify_cpu (run by trampoline_start in real mode) requires of CPUID,
     * and the MSR path it takes: the standard model must pass it on its own merits.
     */
    @Test
    void standardModelPassesTheKernelsVerifyCpu() {
        for (boolean la57 : new boolean[] {false, true}) {
            CpuModel m = CpuModel.standard(la57);
            // REQUIRED_MASK0 as assembled into the 6.1 and 6.12 x86_64 defconfig blobs (the operand of
            // `and $0x7008169, %edx` after CPUID 1): FPU PSE MSR PAE CX8 CMOV FXSR SSE SSE2, no PGE
            int mask0 = CpuModel.FPU | CpuModel.PSE | CpuModel.MSR | CpuModel.PAE | CpuModel.CX8
                    | CpuModel.CMOV | CpuModel.FXSR | CpuModel.SSE | CpuModel.SSE2;
            assertEquals(0x0700_8169, mask0);
            assertEquals(mask0, m.features1Edx & mask0, "CPUID.1:EDX required bits");
            // REQUIRED_MASK1: long mode
            assertEquals(CpuModel.EXT_LM, m.extEdx & CpuModel.EXT_LM, "CPUID.80000001:EDX.LM");
            // GenuineIntel family 6 model >= 0xd: verify_cpu reads MISC_ENABLE and writes it back only
            // when it has to clear XD_DISABLE (bit 34)
            assertEquals("GenuineIntel", m.vendor);
            assertTrue(m.family > 6 || (m.family == 6 && m.model >= 0xd), "MISC_ENABLE path taken");
            // the kernel's EFER has NXE, so NX must be reported
            assertTrue((m.extEdx & CpuModel.EXT_NX) != 0, "CPUID.80000001:EDX.NX");
        }
        assertEquals(0, new Cpu(1, CpuModel.standard(false), CpuProfile.GENERIC, new PhysicalMemory(1 << 20)).miscEnable & Msrs.MISC_XD_DISABLE,
                "XD_DISABLE is clear at reset");
    }
}
