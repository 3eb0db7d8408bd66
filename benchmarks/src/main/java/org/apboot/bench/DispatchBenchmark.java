package org.apboot.bench;

import java.util.concurrent.TimeUnit;
import org.apboot.core.cpu.Cpu;
import org.apboot.core.engine.Engine;
import org.apboot.core.engine.EngineStats;
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
 * Block exits per second: how fast each engine gets from the end of one guest block to the start
 * of the next, measured through guest code shaped so that every exit takes one path. One op is
 * one block exit (the block's own instructions included: see {@code shape}); each invocation
 * runs {@link #EXITS} of them, then HLT, on one CPU in 64-bit mode with 2 MiB identity paging,
 * one host thread.
 *
 * <p>The timed part is only the guest run through the engine's worker. Building the engine,
 * writing the code and the checked runs that translate it (before timing) are left out; so are
 * the scheduler, the APIC and every other vCPU (this is one CPU on a worker, not a machine).
 *
 * <ul>
 * <li>{@code chained}: a ring of 16 blocks on one 4 KiB page, each {@code inc %eax; jmp next}
 *     (the last {@code dec %ecx; jnz first}). Direct exits to the same page: the translator
 *     follows the link it stored in the exit slot (no lookup, no page walk); the interpreter
 *     follows its block's link to the block that ran after it in the page (no lookup, checked
 *     against the fetch translation of its last lookup).
 * <li>{@code jumpcache}: the same ring with every block on its own page. Direct exits that
 *     cross a page are not chained: both engines translate the fetch address (a TLB hit) and
 *     find the block in the per-thread jump cache.
 * <li>{@code lookup}: the same ring at addresses that all fall on one jump-cache entry
 *     ({@code 0x1001 * k}): every exit misses the jump cache and is served by the shared block
 *     cache (hash lookup keyed by physical address and mode).
 * <li>{@code indirect}: 16 blocks on one page, each {@code mov (%rsi,%rdi,8),%rax; inc %edi;
 *     and $15,%edi; dec %ecx; cmovz %rbx,%rax; jmp *%rax}: an indirect exit to a target read from
 *     a table (6 instructions per exit). Each block's target is the same on every pass: the
 *     interpreter follows its block's link (the target is in the same page), the translator
 *     follows the exit's indirect link (the last successor, checked by one TLB probe of the
 *     target).
 * <li>{@code ret}: the same blocks ending in {@code push %rax; ret} (7 instructions per exit).
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class DispatchBenchmark {
    /** Block exits per invocation. */
    static final int EXITS = 1 << 20;
    static final int RING = 16;
    static final long CODE = 0x100000;
    static final long TABLE = 0x180000;
    static final long HLT = CODE + 0x800;
    static final long STACK = 0x1F0000;

    @Param({"interp", "jit"})
    public String engine;

    @Param({"chained", "jumpcache", "lookup", "indirect", "ret"})
    public String shape;

    private Cpu cpu;
    private Engine eng;
    private EngineWorker worker;
    private long entry;
    private long instructions;

    @Setup(Level.Trial)
    public void setup() {
        cpu = BenchCpus.long64();
        PhysicalMemory m = cpu.ram;
        switch (shape) {
            case "chained": ring(m, k -> CODE + 64L * k); break;
            case "jumpcache": ring(m, k -> CODE + 0x1040L * k); break;
            case "lookup": ring(m, k -> 0x1001L * (RING + k)); break;
            case "indirect": indirect(m, "ffe0", 6); break;
            case "ret": indirect(m, "50c3", 7); break;
            default: throw new IllegalArgumentException("unknown shape " + shape + " (chained, jumpcache, lookup, indirect, ret)");
        }
        eng = Engines.byName(engine).create(m);
        worker = eng.newWorker();
        GuestCode.check("dispatch " + shape + " on " + engine, cpu, 3, instructions, this::runOnce);
    }

    /** A ring of direct jumps: 15 blocks {@code inc %eax; jmp next}, then {@code dec %ecx; jnz first; hlt}. */
    private void ring(PhysicalMemory m, java.util.function.IntToLongFunction at) {
        for (int k = 0; k < RING - 1; k++) {
            GuestCode.jmp(m, GuestCode.put(m, at.applyAsLong(k), "ffc0"), at.applyAsLong(k + 1));
        }
        long last = GuestCode.put(m, at.applyAsLong(RING - 1), "ffc9");
        GuestCode.put(m, GuestCode.jnz(m, last, at.applyAsLong(0)), "f4");
        entry = at.applyAsLong(0);
        instructions = 2L * EXITS + 1;
    }

    /** 16 blocks ending in an indirect branch ({@code tail}) to the next target of a table. */
    private void indirect(PhysicalMemory m, String tail, int perExit) {
        for (int k = 0; k < RING; k++) {
            // mov (%rsi,%rdi,8),%rax; inc %edi; and $15,%edi; dec %ecx; cmovz %rbx,%rax; <tail>
            GuestCode.put(m, CODE + 64L * k, "488b04feffc783e70fffc9480f44c3" + tail);
            m.write64(TABLE + 8L * k, CODE + 64L * ((k * 5 + 3) % RING)); // every block, not in address order
        }
        GuestCode.put(m, HLT, "f4");
        entry = CODE;
        instructions = (long) perExit * EXITS + 1;
    }

    private int runOnce() {
        Cpu c = cpu;
        c.r[Cpu.RAX] = 0;
        c.r[Cpu.RBX] = HLT;
        c.r[Cpu.RSI] = TABLE;
        c.r[Cpu.RDI] = 0;
        c.r[Cpu.RSP] = STACK;
        c.r[Cpu.RCX] = shape.equals("indirect") || shape.equals("ret") ? EXITS : EXITS / RING;
        return GuestCode.runToHalt(worker, c, entry);
    }

    /** The engine's counters (what the checked runs went through), for tests and curious users. */
    EngineStats stats() {
        return eng.stats();
    }

    @Benchmark
    @OperationsPerInvocation(EXITS)
    public long exits() {
        runOnce();
        return cpu.r[Cpu.RAX] + cpu.r[Cpu.RDI];
    }
}
