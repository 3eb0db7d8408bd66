package org.apboot.bench;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apboot.core.cpu.Cpu;
import org.apboot.core.decode.Decoder;
import org.apboot.core.decode.Insn;
import org.apboot.core.interp.DecodedBlock;
import org.apboot.jit.CompiledBlock;
import org.apboot.jit.Translator;
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
 * The translator's cost per block: {@code bytes} is code generation alone (ASM, frames
 * computed), {@code load} adds defining the hidden class and instantiating the block (what a
 * cache miss costs, decoding excluded). Per guest byte: divide by the block's length
 * ({@code alu32}: 16 bytes, 8 instructions; {@code mixed64}: 31 bytes, 10 instructions with
 * loads, stores, an interpreter-run PUSH and a Jcc). The first execution of the new class by
 * HotSpot's own interpreter and its later compilation are not included.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "-XX:MaxMetaspaceSize=512m")
public class TranslateBenchmark {
    private static final String ALU32 = "01c831c2d1e211d3c1c00329de4975f0";
    /*
     * mov (%rbx,%rdi,8),%rax; add $1,%rax; mov %rax,(%rbx,%rdi,8); lea 8(%rsp),%rdx; push %rax;
     * mov 0x10(%rsi),%ecx; xor %ecx,%eax; cmp $5,%ecx; mov %eax,0x20(%rsi); jne .
     */
    private static final String MIXED64 = "488b04fb4883c001488904fb488d542408508b4e1031c883f90589462075fe";

    @Param({"alu32", "mixed64"})
    public String block;

    private DecodedBlock decoded;
    private int codeSize;

    @Setup
    public void setup() {
        codeSize = block.equals("alu32") ? 32 : 64;
        byte[] code = HexFormat.of().parseHex(block.equals("alu32") ? ALU32 : MIXED64);
        List<Insn> list = new ArrayList<>();
        int p = 0;
        while (p < code.length) {
            Insn i = new Insn();
            int len = Decoder.decode(code, p, code.length - p, codeSize, i);
            if (len == 0) {
                throw new IllegalStateException("cannot decode " + block + " at " + p);
            }
            list.add(i);
            p += len;
        }
        int key = codeSize == 64 ? Cpu.MK_PE | Cpu.MK_PG | Cpu.MK_LMA | Cpu.MK_CS_L : Cpu.MK_PE | Cpu.MK_CS_D;
        decoded = new DecodedBlock(0x1000, key, list.toArray(new Insn[0]), p);
    }

    @Benchmark
    public byte[] bytes() {
        return Translator.classBytes(decoded, codeSize);
    }

    @Benchmark
    public CompiledBlock load() {
        return Translator.translate(decoded, codeSize);
    }
}
