package org.apboot.bench;

import java.util.concurrent.TimeUnit;
import org.apboot.jit.JitEngine;
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
 * APs brought online per second by the main job: one op is one whole bring-up of {@code aps}
 * APs on a fresh machine. Read the secondary result {@code apsOnline} (ops/s = APs per second);
 * the primary score is whole bring-ups per second.
 *
 * <p><b>Timed:</b> the guest run ({@code Machine.run}): the BSP waking every AP over
 * {@code path}, every AP's firmware, trampoline and kernel-stub code from its first instruction
 * to its HLT, the {@code work} each AP does, the scheduler on {@code threads} host threads
 * (their start and join included), parking and wake-ups, the APICs, and with {@code cache=cold}
 * the engine's decoding and translation. <b>Not timed:</b> building the machine (guest RAM,
 * images, initial states, the full GC {@code BootScenario} does to measure the heap), and the
 * per-AP state check of {@code apboot boot}; a bring-up counts only when the guest's online
 * counter reaches {@code aps}, else the benchmark fails.
 *
 * <ul>
 * <li>{@code path}: {@code sipi} (INIT/SIPI, real-mode trampoline) or {@code mailbox64} (the
 *     ACPI wake-up mailbox, 64-bit trampoline entry).
 * <li>{@code aps}: 1, 64, 4096 (any 1..262,143 with {@code -p aps=N}; the growth of the cost
 *     is {@code ScalingBenchmark}'s job).
 * <li>{@code engine}: {@code interp} or {@code jit}. {@code cache}: {@code cold} creates the
 *     engine with each machine, so decoding (interp) and translation (jit) are timed;
 *     {@code warm} keeps the engine's code across machines: the translator's blocks
 *     ({@link JitEngine#attach}) and the interpreter's decoded blocks
 *     ({@code Interpreter.keptAcrossMachines}), each checked byte for byte against the new
 *     machine's RAM before it is reused.
 * <li>{@code work}: {@code none}, or {@code calibrate} (each AP runs a 10,000-iteration delay
 *     loop and clears and checksums its per-CPU area: the compute-bound case;
 *     {@code calibrate:N} for N iterations).
 * <li>{@code threads}: host threads running vCPUs (1 or 2).
 * <li>{@code cpu}: {@code generic}; {@code -p cpu=tdx} needs {@code -p path=mailbox64} and
 *     fails at once otherwise ({@code BootTdxBenchmark} covers tdx).
 * </ul>
 *
 * <p><b>Heap:</b> the forked JVM runs with {@code -Xmx2g -Xmn1g} (the other bring-up benchmarks
 * too). Each invocation builds a machine of about 14 MB for 4096 APs, 12 of them guest RAM in
 * one large array. With G1 sizing the young generation itself in a 2 GiB heap, those builds
 * kept the collector busy through the timed runs: about seven pauses and two concurrent marking
 * cycles per bring-up (running beside the guest run, with G1's marking barriers on), and the
 * interpreter's 4096-AP bring-up measured a third slower than with a fixed 1 GiB young
 * generation, where one pause per build remains, outside the run. The timed part is the guest
 * run either way; the fixed young generation keeps the collector's work on the builds out of it.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "-Xmn1g"})
public class BootBenchmark extends BringUpBenchmark {
    @Param({"sipi", "mailbox64"})
    public String path;

    @Param({"1", "64", "4096"})
    public int aps;

    @Param({"interp", "jit"})
    public String engine;

    @Param({"warm", "cold"})
    public String cache;

    @Param({"none", "calibrate"})
    public String work;

    @Param({"1", "2"})
    public int threads;

    @Param({"generic"})
    public String cpu;

    @Setup(Level.Trial)
    public void configure() {
        bringUp = new BringUp(BringUp.config(path, aps, work, threads, cpu, null), engine, cache);
    }
}
