package org.apboot.bench;

import java.util.concurrent.TimeUnit;
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
 * {@link BootBenchmark} under the {@code tdx} CPU profile, which starts APs only through the
 * wake-up mailbox: the path is always {@code mailbox64}, so the impossible tdx/sipi
 * combination does not exist here. Every AP runs the TDX-safe trampoline (EFER compared before
 * any WRMSR, CR0.PE and NE kept), with the profile's checks on every CR0 write and WRMSR. Read
 * {@code bringUp:apsOnline} (APs per second).
 *
 * <p>Timed and not timed exactly as in {@link BootBenchmark}: the guest run (BSP, every AP,
 * scheduler on {@code threads} host threads, wake-ups, APICs, with {@code cache=cold} the
 * engine's decoding and translation) is timed; building the machine and the per-AP state check
 * are not. {@code cache=cold} runs with {@code -p cache=cold}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "-Xmn1g"})
public class BootTdxBenchmark extends BringUpBenchmark {
    @Param({"64", "4096"})
    public int aps;

    @Param({"interp", "jit"})
    public String engine;

    @Param({"warm"})
    public String cache;

    @Param({"none", "calibrate"})
    public String work;

    @Param({"1", "2"})
    public int threads;

    @Setup(Level.Trial)
    public void configure() {
        bringUp = new BringUp(BringUp.config("mailbox64", aps, work, threads, "tdx", null), engine, cache);
    }
}
