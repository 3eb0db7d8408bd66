package org.apboot.bench;

import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.apboot.core.decode.Decoder;
import org.apboot.core.decode.Insn;
import org.apboot.core.decode.Op;
import org.openjdk.jmh.annotations.AuxCounters;
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
 * Guest code decoded per second ({@link Decoder#decode} into a reused {@link Insn}) in each
 * code size, over the kind of code apboot's guests run in that mode. Read the secondary results:
 * {@code bytes} (ops/s = bytes decoded per second) and {@code instructions} (instructions decoded
 * per second); the primary score is passes over the whole mix per second.
 *
 * <ul>
 * <li>{@code 16}: real-mode trampoline code (32 instructions, 93 bytes): segment moves,
 *     {@code lock bts} with operand-size prefix, {@code pause}, {@code lidtl}/{@code lgdtl},
 *     MOV to and from CR0, a 32-bit far jump, string, port I/O, 16-bit addressing.
 * <li>{@code 32}: {@code startup_32}-like code (34 instructions, 113 bytes): segment loads, CR3/CR4,
 *     RDMSR/WRMSR, far return, CPUID, SIB addressing, {@code lock inc}, call and Jcc rel32.
 * <li>{@code 64}: 64-bit kernel code (34 instructions, 129 bytes, the mix of
 *     {@code DecoderBenchmark}): REX, SIB, RIP-relative, imm64, {@code lock cmpxchg}, GS
 *     override, SETcc, long NOPs.
 * </ul>
 *
 * <p>The timed part is decoding only: no fetch from guest memory (the bytes are a Java array), no
 * execution, no block building.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class DecodeBenchmark {
    static final String MIX16 = "fa0f098cc88ed88ec08ed0bc001066b87856341266f00fba6f20007202f3906631f6e81d00b810006"
            + "60f011e3000660f011640000f20c00c010f22c066ea0020000010008b540401da83f90575f6555d0fb601f3abe492e680c1e002c3";
    static final String MIX32 = "b8180000008ed88ec08ed08ba3001000000f20e083c8200f22e08d83002000000f22d8b9800000c00f320f"
            + "bae8080f30b8330005800f22c06a108d830001000050cb0fa2f7c200000020740e0fb60e01c883f9200f87fa00000089449704"
            + "f0ff03e8fb0f00002500f0ffffc1e80c31d2c3";

    @Param({"16", "32", "64"})
    public int mode;

    private byte[] code;
    private int insns;
    private final Insn insn = new Insn();

    /** Counted per invocation; JMH reports OPERATIONS counters as rates (per second). */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Decoded {
        public long bytes;
        public long instructions;
    }

    @Setup
    public void setup() {
        switch (mode) {
            case 16: code = HexFormat.of().parseHex(MIX16); break;
            case 32: code = HexFormat.of().parseHex(MIX32); break;
            case 64: code = DecoderBenchmark.MIX64.clone(); break;
            default: throw new IllegalArgumentException("mode must be 16, 32 or 64, got " + mode);
        }
        int p = 0;
        insns = 0;
        while (p < code.length) {
            int len = Decoder.decode(code, p, Math.min(15, code.length - p), mode, insn.clear());
            if (len == 0 || insn.op == Op.INVALID || insn.op == Op.UNIMPLEMENTED) {
                throw new IllegalStateException(mode + "-bit mix does not decode at byte " + p + ": " + insn.op);
            }
            p += len;
            insns++;
        }
    }

    /** Instructions in the mix of this mode. */
    int instructions() {
        return insns;
    }

    @Benchmark
    public int decode(Decoded counters) {
        byte[] c = code;
        Insn out = insn;
        int m = mode;
        int p = 0;
        int sum = 0;
        while (p < c.length) {
            int len = Decoder.decode(c, p, Math.min(15, c.length - p), m, out);
            sum += out.opSize;
            p += len;
        }
        counters.bytes += c.length;
        counters.instructions += insns;
        return sum;
    }
}
