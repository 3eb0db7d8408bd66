package org.apboot.bench;

import java.util.concurrent.TimeUnit;
import org.apboot.Snapshot;
import org.apboot.X86Machine;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What a restore costs as a function of what changed: each op writes one 8-byte value into each
 * of {@code pages} pages of a 64 MiB machine's RAM (from the host, as a fuzzer writes its input)
 * and restores the snapshot taken at the start, which copies those pages back. With the cost
 * proportional to the pages written, ops/s falls with {@code pages} and not with RAM size.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class SnapshotBenchmark {
    static final long RAM = 64L << 20;

    @Param({"1", "16", "256"})
    public int pages;

    private X86Machine machine;
    private Snapshot start;

    @Setup
    public void setup() {
        machine = X86Machine.builder().ramBytes(RAM).build();
        start = machine.snapshot();
    }

    @Benchmark
    public int writeAndRestore() {
        X86Machine m = machine;
        for (int p = 0; p < pages; p++) {
            m.write(0x100000 + p * 4096L, 8, p + 1);
        }
        return m.restore(start);
    }
}
