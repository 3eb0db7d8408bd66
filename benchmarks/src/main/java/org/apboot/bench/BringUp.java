package org.apboot.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.apboot.core.cpu.CpuProfile;
import org.apboot.core.engine.EngineFactory;
import org.apboot.core.image.BootParams.WakePath;
import org.apboot.core.image.BootParams.WorkMode;
import org.apboot.core.interp.Interpreter;
import org.apboot.core.machine.Machine;
import org.apboot.core.machine.Vcpu;
import org.apboot.core.scenario.BootConfig;
import org.apboot.core.scenario.BootReport;
import org.apboot.core.scenario.BootScenario;
import org.apboot.jit.JitEngine;

/**
 * One benchmarked bring-up, shared by the bring-up benchmarks: the configuration from the JMH
 * parameters, the engine (fresh per machine, or kept across machines: the translator with its
 * code cache, the interpreter with its decoded blocks), a machine
 * built outside the timed part, and the timed guest run.
 *
 * <p>The timed part ({@link #run}) is {@link Machine#run}: the BSP's guest code waking every AP,
 * every AP's guest code from its first instruction to its HLT, the scheduler, parking and
 * wake-ups, the APICs, and (cold) the engine's decoding or translation. It leaves out building
 * the machine (RAM, images, initial states, {@link BootScenario}'s heap measurement with its
 * full GC) and the full per-AP state check of {@link BootScenario#run} (with its GC); a run
 * counts only when the guest's online counter reaches {@code aps}, else the benchmark fails.
 */
final class BringUp {
    /** System property naming a kernel build's {@code arch/x86/realmode/rm} directory. */
    static final String BLOB_PROPERTY = "apboot.blob";
    private static final long TIMEOUT_NANOS = 600_000_000_000L;

    private final BootConfig config;
    private final EngineFactory factory;
    private BootScenario scenario;

    BringUp(BootConfig config, String engine, String cache) {
        this.config = config;
        if (!cache.equals("warm") && !cache.equals("cold")) {
            throw new IllegalArgumentException("cache must be warm or cold, got '" + cache + "'");
        }
        EngineFactory f = Engines.byName(engine);
        if (cache.equals("warm")) {
            f = engine.equals("jit") ? JitEngine.keptAcrossMachines() : Interpreter.keptAcrossMachines();
        }
        this.factory = f;
    }

    /**
     * The configuration for the benchmark parameters: {@code path} sipi|mailbox64 (either case),
     * {@code work} none|calibrate[:ITER], {@code cpu} generic|tdx, and an optional blob directory.
     * An impossible combination fails here, before any iteration, with the reason.
     */
    static BootConfig config(String path, int aps, String work, int threads, String cpu, Path blob) {
        WakePath p;
        switch (path.toLowerCase(Locale.ROOT)) {
            case "sipi": p = WakePath.SIPI; break;
            case "mailbox64": p = WakePath.MAILBOX64; break;
            default: throw new IllegalArgumentException("path must be sipi or mailbox64, got '" + path + "'");
        }
        CpuProfile profile;
        try {
            profile = CpuProfile.parse(cpu);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("cpu must be generic or tdx, got '" + cpu + "'");
        }
        if (profile.tdx && p == WakePath.SIPI) {
            throw new IllegalArgumentException("cpu=tdx starts APs only through the mailbox: run it with -p path=mailbox64"
                    + " (BootTdxBenchmark does)");
        }
        WorkMode w;
        long iter = 0;
        if (work.equals("none")) {
            w = WorkMode.NONE;
        } else if (work.equals("calibrate") || work.startsWith("calibrate:")) {
            w = WorkMode.CALIBRATE;
            iter = work.equals("calibrate") ? BootConfig.DEFAULT_CALIBRATE_ITERATIONS
                    : Long.parseLong(work.substring("calibrate:".length()));
        } else {
            throw new IllegalArgumentException("work must be none or calibrate[:ITER], got '" + work + "'");
        }
        BootConfig c = BootConfig.defaults().toBuilder().aps(aps).path(p).profile(profile).work(w, iter)
                .hostThreads(threads).build();
        return blob == null ? c : c.withBlob(blob);
    }

    /** The blob directory named by {@value #BLOB_PROPERTY}, or null when none is given. */
    static Path blobFromProperty() {
        String s = System.getProperty(BLOB_PROPERTY);
        if (s == null || s.isBlank()) {
            return null;
        }
        Path p = Path.of(s);
        if (!Files.isDirectory(p)) {
            throw new IllegalArgumentException("-D" + BLOB_PROPERTY + "=" + s + ": not a directory");
        }
        return p;
    }

    /** Builds the next machine (outside the timed part). */
    void prepare() {
        scenario = null; // let the previous machine go before the next is built
        scenario = new BootScenario(config, factory);
    }

    /** The timed part: runs the prepared machine; returns the APs brought online. */
    int run() {
        BootScenario s = scenario;
        boolean timedOut = s.machine().run(s.engine(), TIMEOUT_NANOS);
        int online = s.onlineSoFar();
        if (timedOut || online != config.aps()) {
            throw new IllegalStateException("bring-up failed: " + online + "/" + config.aps() + " APs online"
                    + (timedOut ? ", timed out" : "") + firstProblem(s.machine()));
        }
        return online;
    }

    /**
     * The whole checked bring-up as {@code apboot boot} runs it ({@link BootScenario#run}): the
     * guest run, the heap measurement with its full GC, and the per-AP state check. Returns the
     * APs brought online; fails when the report has a failure.
     */
    int runChecked() {
        BootReport r = scenario.run(null);
        if (!r.success()) {
            throw new IllegalStateException("bring-up failed: " + r.online() + "/" + r.aps() + " online, "
                    + r.failed() + " failed" + (r.timedOut() ? ", timed out" : "")
                    + (r.failures().isEmpty() ? "" : "; first: " + r.failures().get(0)));
        }
        return r.online();
    }

    /** The first AP that did not end halted, as guest facts. */
    private static String firstProblem(Machine m) {
        for (int i = 1; i < m.cpuCount(); i++) {
            Vcpu v = m.vcpu(i);
            if (v.state() != Vcpu.HALTED) {
                return "; first: AP " + i + " " + Vcpu.stateName(v.state()) + " in " + v.cpu.modeName()
                        + " at " + BootScenario.instructionAt(v.cpu)
                        + (v.cpu.faultChain == null ? "" : ", faults " + v.cpu.faultChain);
            }
        }
        return "";
    }
}
