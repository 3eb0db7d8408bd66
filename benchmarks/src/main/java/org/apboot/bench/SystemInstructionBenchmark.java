package org.apboot.bench;

import java.util.HexFormat;
import java.util.Map;
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
 * Nanoseconds per pass of a loop around one of the system instructions an AP's bring-up runs,
 * on each engine, one host thread, 64-bit mode with paging: {@code 1: BODY; dec %r15; jnz 1b}.
 * Subtract {@code baseline} (a NOP) to get what the body costs. On bare work an AP spends
 * most of its time in such instructions, whose semantics both engines share; this is where
 * their cost is read one by one.
 *
 * <p>Each body is listed with its instructions ({@link #BODIES}; the bytes were assembled by
 * GNU {@code as} with {@code ld -Ttext=0x100000}, and {@code SystemInstructionBodiesTest}
 * disassembles them against the text). Setup: flat code and data descriptors at 0x08 and 0x10
 * in a GDT at 0x305000 (its pseudo-descriptor for LGDT at 0x310000), a stack below 0x400000,
 * RBX pointing at data at 0x380000, none of them sharing a TLB slot with the code page. Each
 * invocation runs {@link #PASSES} passes and checks that the loop ended in its HLT after
 * exactly the instructions it should have retired; the translator translates the loop in
 * setup.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SystemInstructionBenchmark {
    static final long CODE = 0x100000, GDT = 0x305000, GDT_POINTER = 0x310000, DATA = 0x380000, STACK = 0x400000;
    static final int PASSES = 100_000;

    /** A loop body: its instructions (AT&T, as objdump prints them), their count, the loop's bytes. */
    record Body(String text, int instructions, String hex) {
    }

    /** Every body by name; each loop is the body, {@code dec %r15; jnz} back to it, then HLT. */
    static final Map<String, Body> BODIES = Map.ofEntries(
            Map.entry("baseline", new Body("nop", 1, "9049ffcf75faf4")),
            Map.entry("movDs", new Body("mov $0x10,%eax; mov %eax,%ds", 2, "b8100000008ed849ffcf75f4f4")),
            Map.entry("movSs", new Body("mov $0x10,%eax; mov %eax,%ss", 2, "b8100000008ed049ffcf75f4f4")),
            Map.entry("cpuid", new Body("mov $0x1,%eax; cpuid", 2, "b8010000000fa249ffcf75f4f4")),
            Map.entry("rdmsrEfer", new Body("mov $0xc0000080,%ecx; rdmsr", 2, "b9800000c00f3249ffcf75f4f4")),
            Map.entry("wrmsrEfer", new Body("mov $0xc0000080,%ecx; rdmsr; wrmsr", 3, "b9800000c00f320f3049ffcf75f2f4")),
            Map.entry("wrmsrGsBase", new Body("mov $0xc0000101,%ecx; xor %eax,%eax; xor %edx,%edx; wrmsr", 4,
                    "b9010100c031c031d20f3049ffcf75f0f4")),
            Map.entry("movCr0", new Body("mov %cr0,%rax; mov %rax,%cr0", 2, "0f20c00f22c049ffcf75f5f4")),
            Map.entry("movCr4", new Body("mov %cr4,%rax; mov %rax,%cr4", 2, "0f20e00f22e049ffcf75f5f4")),
            Map.entry("movCr3", new Body("mov %cr3,%rax; mov %rax,%cr3", 2, "0f20d80f22d849ffcf75f5f4")),
            Map.entry("movCr3Load", new Body("mov %cr3,%rax; mov %rax,%cr3; mov (%rbx),%eax", 3,
                    "0f20d80f22d88b0349ffcf75f3f4")),
            Map.entry("lgdt", new Body("lgdt 0x310000", 1, "0f0114250000310049ffcf75f3f4")),
            Map.entry("pushfPopf", new Body("pushf; popf", 2, "9c9d49ffcf75f9f4")),
            Map.entry("farJump", new Body("ljmp *0x0(%rip)", 1, "ff2d000000000c001000080049ffcf75eff4")),
            Map.entry("farReturn", new Body("push $0x8; lea 0x3(%rip),%rax; push %rax; lretq", 4,
                    "6a08488d05030000005048cb49ffcf75eff4")),
            Map.entry("callRet", new Body("call 0x100007; jmp 0x100008; ret", 3, "e802000000eb01c349ffcf75f3f4")),
            Map.entry("lockBts", new Body("lock btsq $0x0,(%rbx)", 1, "f0480fba2b0049ffcf75f5f4")),
            Map.entry("lockXadd", new Body("mov $0x1,%eax; lock xadd %eax,(%rbx)", 2,
                    "b801000000f00fc10349ffcf75f2f4")),
            Map.entry("load", new Body("mov (%rbx),%eax", 1, "8b0349ffcf75f9f4")),
            Map.entry("store", new Body("mov %eax,(%rbx)", 1, "890349ffcf75f9f4")),
            Map.entry("jump", new Body("jmp 0x100002", 1, "eb0049ffcf75f9f4")));

    @Param({"interp", "jit"})
    public String engine;

    @Param({"baseline", "movDs", "movSs", "cpuid", "rdmsrEfer", "wrmsrEfer", "wrmsrGsBase", "movCr0", "movCr4",
        "movCr3", "movCr3Load", "lgdt", "pushfPopf", "farJump", "farReturn", "callRet", "lockBts", "lockXadd",
        "load", "store", "jump"})
    public String body;

    private Cpu cpu;
    private EngineWorker worker;
    private long expected;

    @Setup(Level.Trial)
    public void setup() {
        Body b = BODIES.get(body);
        if (b == null) {
            throw new IllegalArgumentException("body must be one of " + new java.util.TreeSet<>(BODIES.keySet())
                    + ", got '" + body + "'");
        }
        cpu = BenchCpus.long64();
        cpu.ram.write(GDT + 8, 8, 0x00AF_9B00_0000_FFFFL);  // 64-bit code, selector 0x08
        cpu.ram.write(GDT + 16, 8, 0x00CF_9300_0000_FFFFL); // flat data, selector 0x10
        cpu.gdtrBase = GDT;
        cpu.gdtrLimit = 0x17;
        cpu.ram.write(GDT_POINTER, 2, 0x17);
        cpu.ram.write(GDT_POINTER + 2, 8, GDT);
        cpu.ram.load(CODE, HexFormat.of().parseHex(b.hex()));
        expected = (long) PASSES * (b.instructions() + 2) + 1;
        worker = Engines.byName(engine).create(cpu.ram).newWorker();
        for (int i = 0; i < 3; i++) { // the translator translates the loop on a later run
            runOnce();
        }
    }

    private void runOnce() {
        Cpu c = cpu;
        c.halted = false;
        c.rip = CODE;
        c.r[15] = PASSES;
        c.r[Cpu.RSP] = STACK;
        c.r[Cpu.RBX] = DATA;
        c.ram.soleWriter(Thread.currentThread()); // the one thread running vCPUs, as on a one-thread machine
        long before = c.instructions;
        int exit;
        do {
            exit = worker.run(c, Long.MAX_VALUE);
        } while (exit == ExitReason.BUDGET);
        long n = c.instructions - before;
        if (exit != ExitReason.HALT || n != expected) {
            throw new IllegalStateException(body + " on " + engine + ": exit " + ExitReason.name(exit) + " after " + n
                    + " instructions, expected halt after " + expected
                    + (c.faultChain == null ? "" : ", faults " + c.faultChain));
        }
    }

    @Benchmark
    @OperationsPerInvocation(PASSES)
    public long pass() {
        runOnce();
        return cpu.r[Cpu.RAX];
    }
}
