package org.apboot.bench;

import java.util.concurrent.TimeUnit;
import org.apboot.core.cpu.Cpu;
import org.apboot.core.engine.EngineWorker;
import org.apboot.core.engine.ExitReason;
import org.apboot.core.interp.Interpreter;
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
 * Guest instructions per second of the interpreter on simple integer loops, one host thread.
 *
 * <p>Each invocation runs one loop of {@link #ITERATIONS} iterations of exactly
 * {@link #LOOP_INSNS} guest instructions, then a HLT, through the interpreter's
 * {@link EngineWorker}. The score (ops/s) is guest instructions per second: divide by 10^6 for
 * MIPS. Timed: the loop through the interpreter's worker (block lookup, dispatch, semantics,
 * memory accesses). Not timed: building the CPU and the code, and the checked run that decodes
 * the loop before timing; no machine, scheduler or APIC is involved.
 *
 * <ul>
 * <li>{@code alu64}: 64-bit mode with paging; add/sub/xor/inc/add-imm/cmp/jnz on registers.
 * <li>{@code mem64}: 64-bit mode with paging; load, add, store through [rbx+rdi*8] over a
 *     1 KiB array, inc/and index, dec/jnz.
 * <li>{@code alu32}: flat 32-bit protected mode, paging off; the same ALU loop as alu64.
 * </ul>
 *
 * <p>The loops users compare with other emulators ({@code dec %ecx; jnz} and the 8-instruction
 * ALU loop with live flags, each in 64-bit and flat 32-bit mode) are in
 * {@link GuestLoopBenchmark}, which runs them on both engines ({@code -p engine=interp} for this
 * one alone) and is what the README's figures against Bochs and Unicorn come from.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class InterpreterLoopBenchmark {
    static final int ITERATIONS = 100_000;
    static final int LOOP_INSNS = 7;
    /** Instructions per invocation: the loop body times the iterations, plus the final HLT. */
    static final int INSNS = ITERATIONS * LOOP_INSNS + 1;

    static final long CODE = 0x100000;
    static final long DATA = 0x180000;

    @Param({"alu64", "mem64", "alu32"})
    public String loop;

    private Cpu cpu;
    private EngineWorker worker;

    @Setup(Level.Trial)
    public void setup() {
        byte[] code;
        switch (loop) {
            case "alu64":
                cpu = BenchCpus.long64();
                code = BenchCpus.bytes(
                        0x01, 0xD8,             // add eax, ebx
                        0x29, 0xC2,             // sub edx, eax
                        0x48, 0x31, 0xD6,       // xor rsi, rdx
                        0x48, 0xFF, 0xC7,       // inc rdi
                        0x48, 0x83, 0xC3, 0x03, // add rbx, 3
                        0x48, 0x39, 0xCF,       // cmp rdi, rcx
                        0x75, 0xED,             // jnz top
                        0xF4);                  // hlt
                break;
            case "mem64":
                cpu = BenchCpus.long64();
                code = BenchCpus.bytes(
                        0x48, 0x8B, 0x04, 0xFB, // mov rax, [rbx+rdi*8]
                        0x48, 0x01, 0xD0,       // add rax, rdx
                        0x48, 0x89, 0x04, 0xFB, // mov [rbx+rdi*8], rax
                        0xFF, 0xC7,             // inc edi
                        0x83, 0xE7, 0x7F,       // and edi, 0x7f
                        0xFF, 0xC9,             // dec ecx
                        0x75, 0xEC,             // jnz top
                        0xF4);                  // hlt
                break;
            case "alu32":
                cpu = BenchCpus.prot32();
                code = BenchCpus.bytes(
                        0x01, 0xD8,             // add eax, ebx
                        0x29, 0xC2,             // sub edx, eax
                        0x31, 0xD6,             // xor esi, edx
                        0x47,                   // inc edi
                        0x83, 0xC3, 0x03,       // add ebx, 3
                        0x39, 0xCF,             // cmp edi, ecx
                        0x75, 0xF2,             // jnz top
                        0xF4);                  // hlt
                break;
            default:
                throw new IllegalArgumentException("unknown loop " + loop);
        }
        cpu.ram.load(CODE, code);
        worker = new Interpreter(cpu.ram).newWorker();
        // one checked run: the loop must retire exactly INSNS instructions and halt
        long before = cpu.instructions;
        int exit = runOnce();
        long n = cpu.instructions - before;
        if (exit != ExitReason.HALT || n != INSNS) {
            throw new IllegalStateException(loop + ": exit " + ExitReason.name(exit) + " after " + n
                    + " instructions, expected halt after " + INSNS);
        }
    }

    private int runOnce() {
        Cpu c = cpu;
        c.halted = false;
        c.rip = CODE;
        c.r[Cpu.RDI] = 0;
        c.r[Cpu.RBX] = loop.equals("mem64") ? DATA : 1;
        c.r[Cpu.RCX] = ITERATIONS;
        return worker.run(c, Long.MAX_VALUE);
    }

    @Benchmark
    @OperationsPerInvocation(INSNS)
    public long loop() {
        runOnce();
        return cpu.r[Cpu.RAX] + cpu.r[Cpu.RSI];
    }
}
