package org.apboot.bench;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link BootBenchmark} through a kernel build's trampoline: the {@code realmode.bin} and
 * {@code realmode.relocs} (and {@code realmode.elf} when present) of the directory named by
 * {@code -Dapboot.blob=DIR}, loaded and relocated as the kernel's {@code setup_real_mode()} does.
 * Without the property the benchmark jar's main class leaves this benchmark out of the run and
 * says so; run directly without it, the setup fails at once naming the property. Read
 * {@code bringUp:apsOnline} (APs per second).
 *
 * <p>Timed and not timed exactly as in {@link BootBenchmark} (the guest run is timed; loading and
 * relocating the blob, building the machine and the per-AP state check are not). A blob without
 * the real-mode stack lock (kernels before 6.5) brings the APs up one at a time, as those kernels
 * do.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "-Xmn1g"})
public class BootBlobBenchmark extends BringUpBenchmark {
    @Param({"sipi", "mailbox64"})
    public String path;

    @Param({"64", "4096"})
    public int aps;

    @Param({"interp", "jit"})
    public String engine;

    @Param({"warm"})
    public String cache;

    @Setup(Level.Trial)
    public void configure() {
        Path blob = BringUp.blobFromProperty();
        if (blob == null) {
            throw new IllegalStateException("no kernel blob: run with -D" + BringUp.BLOB_PROPERTY
                    + "=DIR (a kernel build's arch/x86/realmode/rm directory)");
        }
        bringUp = new BringUp(BringUp.config(path, aps, "none", 1, "generic", blob), engine, cache);
    }
}
