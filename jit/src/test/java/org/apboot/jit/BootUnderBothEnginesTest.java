package org.apboot.jit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.CpuProfile;
import org.apboot.core.engine.EngineFactory;
import org.apboot.core.image.BootParams.WakePath;
import org.apboot.core.image.BootParams.WorkMode;
import org.apboot.core.interp.Interpreter;
import org.apboot.core.machine.Machine;
import org.apboot.core.mem.PhysicalMemory;
import org.apboot.core.scenario.BootConfig;
import org.apboot.core.scenario.BootReport;
import org.apboot.core.scenario.BootScenario;
import org.apboot.core.semantics.Flags;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every boot scenario under the translator ends in exactly the state it reaches under the
 * interpreter: on one host thread (a deterministic interleaving) every vCPU's architectural
 * state, every retired-instruction count and all of guest RAM are identical; on two host
 * threads (interleavings differ run to run) every AP comes online in the checked state.
 */
class BootUnderBothEnginesTest {
    private static final EngineFactory INTERP = Interpreter::new;
    private static final EngineFactory JIT_AT_ONCE = ram -> new JitEngine(ram, JitSettings.DEFAULT.withThreshold(0));
    private static final EngineFactory JIT_TIERED = JitEngine::new;

    private static BootConfig config(int aps, WakePath path, int paging, CpuProfile cpu, String variant, WorkMode work) {
        return BootConfig.defaults().withAps(aps).withPath(path).withPaging(paging).withProfile(cpu)
                .withVariant(variant).withWork(work, 2_000).withThreads(1).withDeterministic(true).withTimeout(120);
    }

    @ParameterizedTest(name = "{0} APs, {1}, {2}-level, {3}, variant {4}, work {5}")
    @CsvSource({
        "64, SIPI, 4, GENERIC, default, NONE",
        "64, SIPI, 5, GENERIC, default, NONE",
        "64, MAILBOX64, 4, GENERIC, default, NONE",
        "64, MAILBOX64, 5, GENERIC, default, NONE",
        "64, MAILBOX64, 4, TDX, default, NONE",
        "64, MAILBOX64, 5, TDX, default, NONE",
        "32, SIPI, 4, GENERIC, default, CALIBRATE",
        "32, MAILBOX64, 4, TDX, default, CALIBRATE",
        "16, SIPI, 4, GENERIC, efer-always, NONE",
        "16, MAILBOX64, 4, TDX, efer-always, NONE",
        "16, SIPI, 4, GENERIC, cr0-no-ne, NONE",
        "16, MAILBOX64, 4, TDX, cr0-no-ne, NONE",
        "16, SIPI, 4, GENERIC, idt6, NONE",
        "16, MAILBOX64, 4, TDX, idt6, NONE",
        "16, SIPI, 4, GENERIC, no-lock, NONE",
        "16, MAILBOX64, 4, TDX, no-lock, NONE",
    })
    void deterministicBootEndsInTheInterpretersState(int aps, WakePath path, int paging, CpuProfile cpu,
                                                    String variant, WorkMode work) {
        BootConfig cfg = config(aps, path, paging, cpu, variant, work);
        Outcome reference = boot(cfg, INTERP);
        Outcome atOnce = boot(cfg, JIT_AT_ONCE);
        Outcome tiered = boot(cfg, JIT_TIERED);
        reference.assertSameAs(atOnce, "jit, threshold 0");
        reference.assertSameAs(tiered, "jit, default threshold");
    }

    @ParameterizedTest(name = "{0} APs, {1}, 2 host threads")
    @CsvSource({"1024, SIPI", "1024, MAILBOX64"})
    void twoHostThreadsBringEveryApOnline(int aps, WakePath path) {
        BootConfig cfg = BootConfig.defaults().withAps(aps).withPath(path).withThreads(2).withTimeout(120);
        BootReport r = new BootScenario(cfg, JIT_AT_ONCE).run(null);
        assertEquals(List.of(), r.failures());
        assertEquals(aps, r.online());
        assertTrue(r.success());
    }

    @Test
    void kernelTreeBlobsBootTheSameUnderBothEngines() throws Exception {
        String dirs = System.getenv("APBOOT_KERNEL_RM_DIR");
        Assumptions.assumeTrue(dirs != null && !dirs.isBlank(),
                "APBOOT_KERNEL_RM_DIR is not set: no kernel-tree trampoline blob to boot (guest/README.md says how to build one)");
        for (String d : dirs.split(java.io.File.pathSeparator)) {
            Path dir = Path.of(d);
            Assumptions.assumeTrue(Files.isDirectory(dir), dir + " is not a directory");
            for (WakePath path : WakePath.values()) {
                BootConfig cfg = config(32, path, 4, CpuProfile.GENERIC, "default", WorkMode.NONE).withBlob(dir);
                boot(cfg, INTERP).assertSameAs(boot(cfg, JIT_AT_ONCE), "jit on " + dir + " over " + path);
            }
        }
    }

    /** What a boot leaves: the report and a rendering of every vCPU and of guest RAM. */
    private record Outcome(BootReport report, List<String> vcpus, long ramHash, long instructions) {
        void assertSameAs(Outcome o, String what) {
            assertEquals(report.online(), o.report.online(), what + ": APs online");
            assertEquals(report.failed(), o.report.failed(), what + ": APs failed");
            assertEquals(report.failures().toString(), o.report.failures().toString(), what + ": failures");
            assertEquals(instructions, o.instructions, what + ": guest instructions");
            for (int i = 0; i < vcpus.size(); i++) {
                assertEquals(vcpus.get(i), o.vcpus.get(i), what + ": vCPU " + i);
            }
            assertEquals(ramHash, o.ramHash, what + ": guest RAM");
        }
    }

    private static Outcome boot(BootConfig cfg, EngineFactory engine) {
        BootScenario s = new BootScenario(cfg, engine);
        BootReport r = s.run(null);
        Machine m = s.machine();
        List<String> states = new ArrayList<>();
        for (int i = 0; i < m.cpuCount(); i++) {
            states.add(render(m.vcpu(i).cpu) + " state " + m.vcpu(i).state());
        }
        return new Outcome(r, states, hash(m.ram()), r.guestInstructions());
    }

    static String render(Cpu c) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 16; i++) {
            sb.append(Long.toHexString(c.r[i])).append(' ');
        }
        sb.append("rip ").append(Long.toHexString(c.rip)).append(" rflags ").append(Long.toHexString(Flags.rflags(c)));
        for (int s = 0; s < 6; s++) {
            sb.append(" seg").append(s).append(' ').append(Integer.toHexString(c.seg[s].selector)).append('/')
                    .append(Long.toHexString(c.seg[s].base)).append('/').append(Long.toHexString(c.seg[s].limit))
                    .append('/').append(Integer.toHexString(c.seg[s].attrs));
        }
        sb.append(" cr0 ").append(Long.toHexString(c.cr0)).append(" cr2 ").append(Long.toHexString(c.cr2))
                .append(" cr3 ").append(Long.toHexString(c.cr3)).append(" cr4 ").append(Long.toHexString(c.cr4))
                .append(" efer ").append(Long.toHexString(c.efer))
                .append(" gdtr ").append(Long.toHexString(c.gdtrBase)).append('/').append(c.gdtrLimit)
                .append(" idtr ").append(Long.toHexString(c.idtrBase)).append('/').append(c.idtrLimit)
                .append(" gsbase ").append(Long.toHexString(c.kernelGsBase))
                .append(" halted ").append(c.halted).append(" shutdown ").append(c.shutdown)
                .append(" insns ").append(c.instructions).append(" modes ").append(java.util.Arrays.toString(c.modeInstructions))
                .append(" chain ").append(c.faultChain).append(" reason ").append(c.shutdownReason);
        return sb.toString();
    }

    private static long hash(PhysicalMemory ram) {
        long h = 1125899906842597L;
        for (long a = 0; a + 8 <= ram.size(); a += 8) {
            h = 31 * h + ram.read64(a);
        }
        return h;
    }
}
