package org.apboot.bench;

import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.apboot.core.cpu.Cpu;
import org.apboot.core.engine.EngineWorker;
import org.apboot.core.engine.ExitReason;
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
 * Guest instructions per second of each engine on the loops a user would measure, one host
 * thread. Each invocation retires {@link #INSNS} guest instructions (the loop, then HLT) through the
 * engine's worker with an unlimited budget; the score (ops/s) is guest instructions per second.
 * The timed part is only the guest loop (the engine and its code cache are created in setup,
 * and one checked run before timing translates the loop).
 *
 * <ul>
 * <li>{@code decjnz64}, {@code decjnz32}: {@code 1: dec %ecx; jnz 1b} in 64-bit mode (paging)
 *     and flat 32-bit protected mode.
 * <li>{@code alu64}, {@code alu32}: the 8-instruction loop with live flags
 *     {@code add %ecx,%eax; xor %eax,%edx; shl $1,%edx; adc %edx,%ebx; rol $3,%eax;
 *     sub %ebx,%esi; dec %ecx; jnz}.
 * <li>{@code mem64}: guest memory on the TLB-hit path, 64-bit mode with paging: the 8-instruction
 *     loop {@code mov (%rbx,%rdi,8),%rax; add %rdx,%rax; mov %rax,(%rbx,%rdi,8); add %rax,%rsi;
 *     inc %edi; and $0x7f,%edi; dec %ecx; jnz} over a 1 KiB array (a load and a store each pass).
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class GuestLoopBenchmark {
    /** Guest instructions per invocation: 8 million in the loop, plus the HLT. */
    static final int INSNS = 8_000_001;
    static final long CODE = 0x100000;
    private static final String ALU = "01c831c2d1e211d3c1c00329deffc975eff4";
    private static final String ALU32 = "01c831c2d1e211d3c1c00329de4975f0f4";
    private static final String DECJNZ = "ffc975fcf4";
    private static final String DECJNZ32 = "4975fdf4";
    private static final String MEM64 = "488b04fb4801d0488904fb4801c6ffc783e77fffc975e9f4";
    private static final long DATA = 0x180000;

    @Param({"interp", "jit"})
    public String engine;

    @Param({"decjnz64", "alu64", "decjnz32", "alu32", "mem64"})
    public String loop;

    private Cpu cpu;
    private EngineWorker worker;
    private int iterations;

    @Setup(Level.Trial)
    public void setup() {
        boolean long64 = loop.endsWith("64");
        cpu = long64 ? BenchCpus.long64() : BenchCpus.prot32();
        String hex = loop.equals("mem64") ? MEM64
                : loop.startsWith("alu") ? (long64 ? ALU : ALU32) : (long64 ? DECJNZ : DECJNZ32);
        iterations = (INSNS - 1) / (loop.startsWith("dec") ? 2 : 8);
        cpu.ram.load(CODE, HexFormat.of().parseHex(hex));
        worker = Engines.byName(engine).create(cpu.ram).newWorker();
        for (int i = 0; i < 3; i++) { // the translator translates the loop on a later run
            long before = cpu.instructions;
            int exit = runOnce();
            long n = cpu.instructions - before;
            if (exit != ExitReason.HALT || n != INSNS) {
                throw new IllegalStateException(loop + " on " + engine + ": exit " + ExitReason.name(exit)
                        + " after " + n + " instructions, expected halt after " + INSNS);
            }
        }
    }

    private int runOnce() {
        Cpu c = cpu;
        c.halted = false;
        c.rip = CODE;
        c.r[Cpu.RCX] = iterations;
        c.ram.soleWriter(Thread.currentThread()); // the one thread running vCPUs, as on a one-thread machine
        if (loop.equals("mem64")) {
            c.r[Cpu.RBX] = DATA;
            c.r[Cpu.RDI] = 0;
        }
        int exit;
        do {
            exit = worker.run(c, Long.MAX_VALUE);
        } while (exit == ExitReason.BUDGET);
        return exit;
    }

    @Benchmark
    @OperationsPerInvocation(INSNS)
    public long loop() {
        runOnce();
        return cpu.r[Cpu.RAX] + cpu.r[Cpu.RSI];
    }
}
