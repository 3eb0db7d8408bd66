package org.apboot.bench;

import java.util.concurrent.TimeUnit;
import org.apboot.core.decode.Decoder;
import org.apboot.core.decode.Insn;
import org.apboot.core.decode.Op;
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
 * Instructions decoded per second ({@link Decoder#decode}) over a realistic 64-bit mix: register
 * and memory moves with REX prefixes, SIB and RIP-relative addressing, ALU with immediates,
 * push/pop, call/ret, Jcc, LEA, MOVZX, TEST/CMP, a locked CMPXCHG, SETcc, shifts and NOPs. One
 * op = one instruction decoded into a reused {@link Insn}. Timed: decoding only. Not timed: no
 * fetch from guest memory (the bytes are a Java array), no execution. {@code DecodeBenchmark}
 * measures bytes per second in each code size.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class DecoderBenchmark {
    static final int MIX_INSNS = 34;

    static final byte[] MIX64 = BenchCpus.bytes(
            0x55,                                     // push rbp
            0x48, 0x89, 0xE5,                         // mov rbp, rsp
            0x41, 0x57,                               // push r15
            0x53,                                     // push rbx
            0x48, 0x83, 0xEC, 0x20,                   // sub rsp, 0x20
            0x48, 0x8B, 0x47, 0x08,                   // mov rax, [rdi+8]
            0x8B, 0x4C, 0x24, 0x10,                   // mov ecx, [rsp+0x10]
            0x48, 0x8D, 0x14, 0x8D, 0x00, 0x00, 0x00, 0x00, // lea rdx, [rcx*4+0]
            0x48, 0x8B, 0x05, 0x78, 0x56, 0x34, 0x12, // mov rax, [rip+0x12345678]
            0x48, 0x85, 0xC0,                         // test rax, rax
            0x74, 0x10,                               // je +16
            0x0F, 0xB6, 0x0E,                         // movzx ecx, byte [rsi]
            0x83, 0xF9, 0x20,                         // cmp ecx, 0x20
            0x0F, 0x87, 0x00, 0x01, 0x00, 0x00,       // ja +0x100
            0x01, 0xC8,                               // add eax, ecx
            0x48, 0x31, 0xD2,                         // xor rdx, rdx
            0x48, 0xC1, 0xE0, 0x04,                   // shl rax, 4
            0x4C, 0x89, 0x44, 0xD3, 0x18,             // mov [rbx+rdx*8+0x18], r8
            0xF0, 0x48, 0x0F, 0xB1, 0x0F,             // lock cmpxchg [rdi], rcx
            0x0F, 0x94, 0xC0,                         // sete al
            0xC7, 0x47, 0x04, 0x01, 0x00, 0x00, 0x00, // mov dword [rdi+4], 1
            0xE8, 0x00, 0x10, 0x00, 0x00,             // call +0x1000
            0x48, 0xFF, 0xC1,                         // inc rcx
            0x48, 0x39, 0xD1,                         // cmp rcx, rdx
            0x75, 0xE0,                               // jne -32
            0x66, 0x0F, 0x1F, 0x44, 0x00, 0x00,       // nop word [rax+rax]
            0x48, 0xB8, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, // mov rax, imm64
            0x65, 0x48, 0x8B, 0x04, 0x25, 0x28, 0x00, 0x00, 0x00, // mov rax, gs:[0x28]
            0xF3, 0x90,                               // pause
            0x48, 0x83, 0xC4, 0x20,                   // add rsp, 0x20
            0x5B,                                     // pop rbx
            0x41, 0x5F,                               // pop r15
            0x5D,                                     // pop rbp
            0xC3);                                    // ret

    private final Insn insn = new Insn();

    @Setup
    public void check() {
        int p = 0;
        int n = 0;
        while (p < MIX64.length) {
            int len = Decoder.decode(MIX64, p, Math.min(15, MIX64.length - p), 64, insn.clear());
            if (len == 0 || insn.op == Op.INVALID || insn.op == Op.UNIMPLEMENTED) {
                throw new IllegalStateException("mix does not decode at byte " + p + ": " + insn.op);
            }
            p += len;
            n++;
        }
        if (n != MIX_INSNS) {
            throw new IllegalStateException("mix holds " + n + " instructions, expected " + MIX_INSNS);
        }
    }

    @Benchmark
    @OperationsPerInvocation(MIX_INSNS)
    public int decodeMix64() {
        byte[] code = MIX64;
        Insn out = insn;
        int p = 0;
        int sum = 0;
        while (p < code.length) {
            int len = Decoder.decode(code, p, Math.min(15, code.length - p), 64, out);
            sum += out.opSize;
            p += len;
        }
        return sum;
    }
}
