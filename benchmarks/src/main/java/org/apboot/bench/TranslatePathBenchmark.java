package org.apboot.bench;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apboot.core.cpu.Cpu;
import org.apboot.core.interp.DecodedBlock;
import org.apboot.core.interp.Interpreter;
import org.apboot.core.scenario.BootScenario;
import org.apboot.jit.CompiledBlock;
import org.apboot.jit.JitSettings;
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
 * What translating a whole bring-up path costs: every block a bring-up of a few APs decodes
 * (firmware, the BSP's wake-up loop, the trampoline in real, protected, compatibility and long
 * mode, the kernel entry stub; each block once per mode it runs in) is translated in batches of
 * the translator's default size, each batch into one hidden class that is defined and whose
 * blocks are instantiated, as a cold code cache does. The timed part is that translation, in µs
 * for the whole path; the block count and guest bytes are printed at setup (per block and per
 * byte: divide). Decoding, publication in the cache, and HotSpot's first runs and compilation of
 * the new classes are not included (the cold bring-up benchmark includes them).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "-XX:MaxMetaspaceSize=512m")
public class TranslatePathBenchmark {
    @Param({"sipi", "mailbox64"})
    public String path;

    private final List<DecodedBlock> blocks = new ArrayList<>();
    private int[] codeSizes;

    @Setup
    public void setup() {
        Interpreter[] engine = new Interpreter[1];
        BootScenario s = new BootScenario(BringUp.config(path, 4, "none", 1, "generic", BringUp.blobFromProperty()),
                ram -> engine[0] = new Interpreter(ram));
        if (s.machine().run(s.engine(), 60_000_000_000L) || s.onlineSoFar() != 4) {
            throw new IllegalStateException("the bring-up to collect blocks from did not finish");
        }
        engine[0].cache().forEach(blocks::add);
        blocks.sort(Comparator.comparingLong((DecodedBlock b) -> b.phys).thenComparingInt(b -> b.modeKey));
        codeSizes = new int[blocks.size()];
        int bytes = 0;
        for (int k = 0; k < codeSizes.length; k++) {
            codeSizes[k] = codeSize(blocks.get(k).modeKey);
            bytes += blocks.get(k).byteLength;
        }
        System.out.printf("%n%s: %d blocks, %d guest bytes, %d instructions%n", path, blocks.size(), bytes,
                blocks.stream().mapToInt(b -> b.insns.length).sum());
    }

    /** The code size a mode key stands for (its CS.L and CS.D bits, see {@link Cpu#updateMode}). */
    static int codeSize(int modeKey) {
        return (modeKey & Cpu.MK_CS_L) != 0 ? 64 : (modeKey & Cpu.MK_CS_D) != 0 ? 32 : 16;
    }

    @Benchmark
    public CompiledBlock[][] translateAll() {
        int batch = JitSettings.DEFAULT.batch();
        int n = blocks.size();
        CompiledBlock[][] out = new CompiledBlock[(n + batch - 1) / batch][];
        for (int from = 0, k = 0; from < n; from += batch, k++) {
            int to = Math.min(n, from + batch);
            out[k] = Translator.translate(blocks.subList(from, to), java.util.Arrays.copyOfRange(codeSizes, from, to));
        }
        return out;
    }
}
