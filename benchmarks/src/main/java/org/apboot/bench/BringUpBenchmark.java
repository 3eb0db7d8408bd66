package org.apboot.bench;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * What every bring-up benchmark shares: a new machine before each invocation (outside the timed
 * part), one timed bring-up per op, and the APs it brought online counted as the secondary
 * result {@code apsOnline} (ops/s = APs per second). A subclass sets {@link #bringUp} in its own
 * trial-level setup, from its parameters, and may time more than the guest run
 * ({@link #bringUpOnce}).
 */
@State(Scope.Thread)
public abstract class BringUpBenchmark {
    /** The benchmark's bring-up, set by the subclass's trial-level setup. */
    BringUp bringUp;

    /** Counted per iteration; JMH reports OPERATIONS counters as a rate (APs per second). */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Online {
        public long apsOnline;
    }

    @Setup(Level.Invocation)
    public void build() {
        bringUp.prepare();
    }

    @Benchmark
    public int bringUp(Online counter) {
        int online = bringUpOnce();
        counter.apsOnline += online;
        return online;
    }

    /** The timed part: the guest run ({@link BringUp#run}); returns the APs brought online. */
    int bringUpOnce() {
        return bringUp.run();
    }
}
