package org.apboot.bench;

import java.util.concurrent.TimeUnit;
import org.apboot.RunLimits;
import org.apboot.RunResult;
import org.apboot.X86Machine;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Firmware speed: a real-mode loop run from the reset vector of a 64 KiB ROM mapped at
 * 0xFFFF0000 (aliased at 0xF0000, as a PC's firmware), against the same image at the same
 * offsets of a code segment in low RAM. The score (ops/s) is guest instructions per second,
 * through {@link X86Machine#runVcpu} (one run per invocation). The ratio of {@code rom} to
 * {@code low} in one run is the price of running from ROM.
 *
 * <p>The image: at 0xFFF0 {@code jmp 0x100}; at 0x100 {@code xor %eax,%eax; mov $N,%ecx;
 * 1: add %ecx,%eax; dec %ecx; jne 1b; hlt} (32-bit operands in 16-bit code).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class RomLoopBenchmark {
    static final int PASSES = 1_000_000;
    /** jmp, xor, mov, the passes (add, dec, jne), hlt. */
    static final int INSNS = 4 + 3 * PASSES;

    @Param({"interp", "jit"})
    public String engine;

    /** {@code rom}: the reset vector of the ROM; {@code low}: the same image at 0x10000 in low RAM. */
    @Param({"rom", "low"})
    public String where;

    private X86Machine machine;

    static byte[] image() {
        byte[] rom = new byte[0x10000];
        byte[] jmp = {(byte) 0xe9, 0x0d, 0x01};
        System.arraycopy(jmp, 0, rom, 0xFFF0, jmp.length);
        int n = PASSES;
        byte[] loop = {0x66, 0x31, (byte) 0xc0, 0x66, (byte) 0xb9, (byte) n, (byte) (n >>> 8), (byte) (n >>> 16),
            (byte) (n >>> 24), 0x66, 0x01, (byte) 0xc8, 0x66, 0x49, 0x75, (byte) 0xf9, (byte) 0xf4};
        System.arraycopy(loop, 0, rom, 0x100, loop.length);
        return rom;
    }

    @Setup(Level.Trial)
    public void setup() {
        machine = X86Machine.builder().engine(engine).ramBytes(4 << 20).build();
        if (where.equals("rom")) {
            machine.mapRom(0xFFFF_0000L, image()).alias(0xF0000, 0xFFFF_0000L, 0x10000);
        } else {
            machine.load(0x10000, image());
        }
        for (int i = 0; i < 3; i++) { // the translator translates the loop on a later run
            RunResult r = runOnce();
            if (!r.exit().equals("hlt") || r.instructions() != INSNS) {
                throw new IllegalStateException(where + " on " + engine + ": " + r.exit() + " after "
                        + r.instructions() + " instructions, expected hlt after " + INSNS);
            }
        }
    }

    private RunResult runOnce() {
        if (where.equals("rom")) {
            machine.vcpu(0).reset();
        } else {
            machine.vcpu(0).realMode(0x1000, 0xFFF0);
        }
        return machine.runVcpu(0, RunLimits.none());
    }

    @Benchmark
    @OperationsPerInvocation(INSNS)
    public long loop() {
        return runOnce().instructions();
    }
}
