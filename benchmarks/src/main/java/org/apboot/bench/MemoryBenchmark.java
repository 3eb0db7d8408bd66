package org.apboot.bench;

import java.util.concurrent.TimeUnit;
import org.apboot.core.cpu.Cpu;
import org.apboot.core.engine.EngineWorker;
import org.apboot.core.mem.PhysicalMemory;
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
 * Guest memory accesses through each engine, measured by guest loops on one CPU in 64-bit mode
 * (4-level paging; the data lies in a 2 MiB region mapped with 4 KiB pages), one host thread.
 * One op is one loop iteration; each invocation runs {@link #ITERATIONS} of them, then HLT.
 *
 * <ul>
 * <li>{@code hit}: {@code mov (%rbx,%rdi),%rax; add %rax,%rdx; mov %rdx,(%rbx,%rdi);
 *     add %rsi,%rdi; and %r8,%rdi; dec %ecx; jnz} with an 8-byte stride inside one page: a load
 *     and a store per iteration, both TLB hits (7 instructions).
 * <li>{@code miss}: the same loop with a stride of one page plus 8 bytes over 512 pages, twice
 *     the TLB's 256 direct-mapped entries: every load misses the TLB and walks the four levels
 *     of page tables (the store after it hits the entry the walk filled).
 * <li>{@code lockadd}: {@code lock add %eax,(%rbx,%rdi); add %rsi,%rdi; and %r8,%rdi; dec %ecx;
 *     jnz} over one page: an uncontended locked read-modify-write (compare-and-set on guest RAM)
 *     per iteration (5 instructions).
 * <li>{@code lockxadd}: the same with {@code lock xadd %rax,(%rbx,%rdi)}.
 * </ul>
 *
 * <p>The timed part is only the guest loop through the engine's worker; building the page
 * tables, the engine and the checked runs that translate the loop are left out. The loop's own
 * ALU and branch instructions are part of every op: compare {@code hit} with {@code miss} for
 * the cost of a walk, and with {@code GuestLoopBenchmark} for the cost of the accesses.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class MemoryBenchmark {
    /** Loop iterations per invocation. */
    static final int ITERATIONS = 1 << 20;
    static final long CODE = 0x100000;
    /** The data region: 2 MiB at 4 MiB, mapped with 4 KiB pages. */
    static final long DATA = 0x400000;
    static final long PAGE_TABLE = BenchCpus.PT_BASE + 0x3000;

    @Param({"interp", "jit"})
    public String engine;

    @Param({"hit", "miss", "lockadd", "lockxadd"})
    public String access;

    private Cpu cpu;
    private EngineWorker worker;
    private long base;
    private long stride;
    private long mask;

    @Setup(Level.Trial)
    public void setup() {
        cpu = BenchCpus.long64();
        PhysicalMemory m = cpu.ram;
        // PD entry 2 (4..6 MiB) points to a page table of 512 4 KiB pages, accessed and dirty
        m.write64(BenchCpus.PT_BASE + 0x2000 + 8 * 2, PAGE_TABLE | 3);
        for (int i = 0; i < 512; i++) {
            m.write64(PAGE_TABLE + 8L * i, (DATA + 0x1000L * i) | 0x63);
        }
        String body;
        int perIteration;
        switch (access) {
            case "hit":
            case "miss":
                body = "488b043b4801c24889143b";
                perIteration = 7;
                break;
            case "lockadd":
                body = "f001043b";
                perIteration = 5;
                break;
            case "lockxadd":
                body = "f0480fc1043b";
                perIteration = 5;
                break;
            default:
                throw new IllegalArgumentException("unknown access " + access + " (hit, miss, lockadd, lockxadd)");
        }
        // body; add %rsi,%rdi; and %r8,%rdi; dec %ecx; jnz top; hlt
        long end = GuestCode.put(m, CODE, body + "4801f74c21c7ffc9");
        GuestCode.put(m, GuestCode.jnz(m, end, CODE), "f4");
        // one page whose TLB entry the code page (entry 0) does not share, or all 512 pages
        base = access.equals("miss") ? DATA : DATA + 0x10_000;
        stride = access.equals("miss") ? 0x1008 : 8;
        mask = access.equals("miss") ? 0x1F_FFFF : 0xFF8;
        worker = Engines.byName(engine).create(m).newWorker();
        GuestCode.check("memory " + access + " on " + engine, cpu, 3, (long) perIteration * ITERATIONS + 1, this::runOnce);
    }

    private int runOnce() {
        Cpu c = cpu;
        c.r[Cpu.RAX] = 1;
        c.r[Cpu.RBX] = base;
        c.r[Cpu.RDI] = 0;
        c.r[Cpu.RSI] = stride;
        c.r[8] = mask;
        c.r[Cpu.RCX] = ITERATIONS;
        return GuestCode.runToHalt(worker, c, CODE);
    }

    /** TLB misses of the CPU so far (the checked runs' walks, for tests). */
    long tlbMisses() {
        return cpu.mmu.misses();
    }

    @Benchmark
    @OperationsPerInvocation(ITERATIONS)
    public long loop() {
        runOnce();
        return cpu.r[Cpu.RDX] + cpu.r[Cpu.RAX];
    }
}
