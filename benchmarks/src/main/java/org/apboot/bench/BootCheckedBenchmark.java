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
 * APs per second of a whole checked bring-up as {@code apboot boot} runs it: one op is
 * {@code BootScenario.run} on a fresh machine of {@code aps} APs, one host thread, warm engine
 * (read the secondary result {@code apsOnline}).
 *
 * <p><b>Timed:</b> what {@link BootBenchmark} times (the guest run), then the heap measurement
 * {@code apboot boot} makes after it (a full GC) and the check of every AP's final state
 * (online bit, halted, long mode, control registers, CS, GDTR). <b>Not timed:</b> building the
 * machine. This is the measurement the core issue took its interpreter baseline with (tree
 * df50074's {@code BootBenchmark}, the same timed part), so the two can be run side by side; the
 * fork runs with {@code -Xmx2g} as that one did. Most of the time beyond the guest run is the
 * full GC, whose cost follows the heap a machine keeps, not the engine.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
public class BootCheckedBenchmark extends BringUpBenchmark {
    @Param({"sipi", "mailbox64"})
    public String path;

    @Param({"64", "4096"})
    public int aps;

    @Param({"interp", "jit"})
    public String engine;

    @Setup(Level.Trial)
    public void configure() {
        bringUp = new BringUp(BringUp.config(path, aps, "none", 1, "generic", null), engine, "warm");
    }

    /** The guest run, then the heap measurement and the check of every AP ({@link BringUp#runChecked}). */
    @Override
    int bringUpOnce() {
        return bringUp.runChecked();
    }
}
