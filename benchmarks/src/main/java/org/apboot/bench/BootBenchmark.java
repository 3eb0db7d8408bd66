package org.apboot.bench;

import java.util.concurrent.TimeUnit;
import org.apboot.core.image.BootParams.WakePath;
import org.apboot.core.engine.EngineFactory;
import org.apboot.jit.JitEngine;
import org.apboot.core.machine.BootConfig;
import org.apboot.core.machine.BootReport;
import org.apboot.core.machine.BootScenario;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * APs brought online per second by the main job: one op is one whole bring-up of {@code aps}
 * APs ({@link BootScenario#run}) on one host thread. The machine (RAM, images, initial states)
 * is built before each invocation, outside the measured time; the timed part is the guest run
 * (BSP and every AP, scheduler, wake-ups, APIC) and the final check of every AP.
 *
 * <p>{@code cache}: {@code cold} creates a fresh engine per bring-up, so the translator's
 * translations (and the interpreter's decoding) are timed; {@code warm} keeps the translator's
 * engine across bring-ups ({@link JitEngine#attach}: the next machine reuses every translation
 * after checking its bytes). The interpreter keeps nothing across machines: for it {@code warm}
 * is the same as {@code cold}.
 *
 * <p>Read the secondary result {@code apsOnline} (ops/s = APs per second); the primary score is
 * whole bring-ups per second.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
public class BootBenchmark {
    @Param({"SIPI", "MAILBOX64"})
    public String path;

    @Param({"1024"})
    public int aps;

    @Param({"interp", "jit"})
    public String engine;

    @Param({"warm", "cold"})
    public String cache;

    private BootScenario scenario;
    private JitEngine warmJit;

    /** Counted per iteration; JMH reports OPERATIONS counters as a rate (APs per second). */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Online {
        public long apsOnline;
    }

    @Setup(Level.Invocation)
    public void build() {
        BootConfig cfg = BootConfig.defaults().withAps(aps).withPath(WakePath.valueOf(path));
        EngineFactory f = Engines.byName(engine);
        if (engine.equals("jit") && cache.equals("warm")) {
            f = ram -> warmJit == null ? (warmJit = new JitEngine(ram)) : warmJit.attach(ram);
        }
        scenario = new BootScenario(cfg, f);
    }

    @Benchmark
    public BootReport bringUp(Online counter) {
        BootReport r = scenario.run(null);
        if (!r.success()) {
            throw new IllegalStateException("bring-up failed: " + r.online() + "/" + r.aps()
                    + " online, " + r.failed() + " failed, timed out " + r.timedOut());
        }
        counter.apsOnline += r.online();
        return r;
    }
}
