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
 * The scaling sweep: APs brought online per second as the AP count grows from 1 to 100,000, on
 * each engine and on 1 and 2 host threads. Read {@code bringUp:apsOnline} (APs per second); a
 * flat curve means the cost per AP does not grow with the machine, a falling one shows where it
 * does (scheduler queues, parking, the BSP's wait loop, cache pressure).
 *
 * <p>Iterations are short (2 s): a 100,000-AP bring-up takes about a second, so the largest
 * counts get one or two bring-ups per iteration while the small ones get thousands. The
 * translator keeps its code cache across machines (warm, as {@code BootBenchmark}'s
 * {@code cache=warm}), so every point measures bring-up, not translation.
 *
 * <p><b>Timed:</b> the guest run ({@code Machine.run}): BSP and every AP over the {@code sipi}
 * path ({@code -p path=mailbox64} for the other), the scheduler on {@code threads} host threads
 * (their start and join included: they dominate at 1 AP), parking, wake-ups, APICs.
 * <b>Not timed:</b> building the machine (about 1 KiB of guest RAM and one vCPU object per AP),
 * the full GC before each build, and the per-AP state check. The forked JVM has a 3 GiB heap.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx3g"})
public class ScalingBenchmark extends BringUpBenchmark {
    @Param({"1", "10", "100", "1000", "10000", "100000"})
    public int aps;

    @Param({"interp", "jit"})
    public String engine;

    @Param({"1", "2"})
    public int threads;

    @Param({"sipi"})
    public String path;

    @Setup(Level.Trial)
    public void configure() {
        bringUp = new BringUp(BringUp.config(path, aps, "none", threads, "generic", null), engine, "warm");
    }
}
