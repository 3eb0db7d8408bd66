package org.apboot.bench;

import java.util.concurrent.TimeUnit;
import org.apboot.core.mem.PhysicalMemory;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Guest RAM accesses per second through {@link PhysicalMemory}, one host thread: ordinary
 * (TSO) loads and stores of 1, 4 and 8 bytes, aligned and not, and a locked compare-and-exchange.
 * Each invocation makes {@link #N} accesses to consecutive elements of a 4 KiB page (nothing
 * watched), so one op is one guest access.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class PhysicalMemoryBenchmark {
    static final int N = 256;
    static final long BASE = 0x10000;

    private PhysicalMemory ram;
    /** The same contents, with a snapshot taken: its stores record the pages they write. */
    private PhysicalMemory tracked;

    @Setup
    public void setup() {
        ram = new PhysicalMemory(1 << 20);
        tracked = new PhysicalMemory(1 << 20);
        for (int i = 0; i < 4096; i += 8) {
            ram.write64(BASE + i, 0x0123_4567_89AB_CDEFL * (i + 1));
            tracked.write64(BASE + i, 0x0123_4567_89AB_CDEFL * (i + 1));
        }
        tracked.snapshot();
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public long read32Aligned() {
        PhysicalMemory m = ram;
        long sum = 0;
        for (int i = 0; i < N; i++) {
            sum += m.read32(BASE + 4L * i);
        }
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public long read64Aligned() {
        PhysicalMemory m = ram;
        long sum = 0;
        for (int i = 0; i < N; i++) {
            sum += m.read64(BASE + 8L * i);
        }
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public long read32Unaligned() {
        PhysicalMemory m = ram;
        long sum = 0;
        for (int i = 0; i < N; i++) {
            sum += m.read32(BASE + 3 + 4L * i);
        }
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public long read8() {
        PhysicalMemory m = ram;
        long sum = 0;
        for (int i = 0; i < N; i++) {
            sum += m.read8(BASE + i);
        }
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public void write32Aligned() {
        PhysicalMemory m = ram;
        for (int i = 0; i < N; i++) {
            m.write32(BASE + 4L * i, i);
        }
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public void write64Aligned() {
        PhysicalMemory m = ram;
        for (int i = 0; i < N; i++) {
            m.write64(BASE + 8L * i, i);
        }
    }

    /**
     * {@link #write64Aligned} while a snapshot exists: after the page's first store, each store
     * also finds its page already recorded (a load and a branch).
     */
    @Benchmark
    @OperationsPerInvocation(N)
    public void write64AlignedAfterSnapshot() {
        PhysicalMemory m = tracked;
        for (int i = 0; i < N; i++) {
            m.write64(BASE + 8L * i, i);
        }
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public void write32Unaligned() {
        PhysicalMemory m = ram;
        for (int i = 0; i < N; i++) {
            m.write32(BASE + 3 + 4L * i, i);
        }
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public void write8() {
        PhysicalMemory m = ram;
        for (int i = 0; i < N; i++) {
            m.write8(BASE + i, i);
        }
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public long lockedCas32() {
        PhysicalMemory m = ram;
        long sum = 0;
        for (int i = 0; i < N; i++) {
            long a = BASE + 4L * i;
            sum += m.compareAndExchange(a, 4, m.read32(a) & 0xFFFF_FFFFL, i);
        }
        return sum;
    }
}
