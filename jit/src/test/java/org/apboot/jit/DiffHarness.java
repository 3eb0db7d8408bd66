package org.apboot.jit;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apboot.core.cpu.Cpu;
import org.apboot.core.decode.AttSyntax;
import org.apboot.core.decode.Decoder;
import org.apboot.core.decode.Insn;
import org.apboot.core.engine.EngineWorker;
import org.apboot.core.engine.ExitReason;
import org.apboot.core.fault.Vectors;
import org.apboot.core.interp.BlockCache;
import org.apboot.core.interp.Interpreter;
import org.apboot.core.mem.PhysicalMemory;
import org.apboot.core.semantics.Flags;

/**
 * Runs generated instruction streams ({@link StreamGenerator}) on the interpreter and on the
 * translator from the same initial state and requires identical final state: the 16 general
 * registers, RIP, RFLAGS (arithmetic flags through {@link Flags#rflags}), CR2, the halted and
 * shut-down flags, the retired-instruction count, and every byte of guest RAM (data, stack,
 * code rewritten by the case, page-table accessed/dirty bits, and the exception frame of a
 * guest exception, which holds the vector's handler RIP, the error code and the faulting RIP).
 *
 * <p>Seeds: {@code -Dapboot.diff.seed=N} replaces the fixed base seed, {@code
 * -Dapboot.diff.cases=N} the number of cases, {@code -Dapboot.diff.case=K} runs case K alone
 * (printing it), {@code -Dapboot.diff.reported=N} reports up to N failing cases in full (5),
 * {@code -Dapboot.diff.threads=N} runs cases on N threads (2, or 1 on a one-core machine). Each failure prints the seed, the case's source, its disassembly with the form
 * the translator gives each instruction, both final states and their differences.
 */
final class DiffHarness {
    static final long DEFAULT_SEED = 0x5EED_D1FFL;
    private static final long MAX_INSTRUCTIONS = 200_000;
    /** Failing cases reported in full ({@code -Dapboot.diff.reported=N} for more). */
    private static final int MAX_REPORTED = Integer.getInteger("apboot.diff.reported", 5);

    /** How the translator is configured and how often each case runs on one engine. */
    record Variant(String name, JitSettings settings, int runs) {
        /** Threshold 0: every block is translated before its first run. */
        static final Variant AT_ONCE = new Variant("threshold 0", JitSettings.DEFAULT.withThreshold(0), 1);
        /**
         * The default threshold: a case runs three times on one engine (RAM reloaded between
         * runs, which invalidates its blocks), so blocks start interpreted and are translated
         * once hot, loops switch from interpreted to translated iterations, and the third run
         * meets retranslated code.
         */
        static final Variant DEFAULT = new Variant("default threshold", JitSettings.DEFAULT, 3);
        /**
         * Threshold 0 and a code cache of 2 blocks: translating a third block drops the whole
         * generation, also under running and chained blocks.
         */
        static final Variant TINY_CACHE = new Variant("threshold 0, 2-block code cache",
                JitSettings.DEFAULT.withThreshold(0).withMaxBlocks(2), 1);
    }

    private DiffHarness() {
    }

    /** CPU time of the calling thread (the machine is shared: wall time says little). */
    static long cpuNanos() {
        return java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
    }

    static long baseSeed() {
        String s = System.getProperty("apboot.diff.seed");
        return s == null || s.isBlank() ? DEFAULT_SEED : Long.decode(s.trim());
    }

    static long caseSeed(long base, DiffMode mode, Variant v, int k) {
        long x = base * 0x9E37_79B9_7F4A_7C15L + mode.ordinal() * 0x1_0000_0001L + v.name().hashCode() * 31L + k;
        x ^= x >>> 33;
        x *= 0xFF51_AFD7_ED55_8CCDL;
        x ^= x >>> 33;
        x *= 0xC4CE_B9FE_1A85_EC53L;
        return x ^ (x >>> 33);
    }

    /** Runs {@code defaultCases} cases (or the overrides) of {@code mode} under {@code v}. */
    static void check(DiffMode mode, Variant v, int defaultCases, String testName) {
        assumeTrue(GnuAs.available(), "GNU binutils (as, objcopy, nm, objdump) not found on PATH: "
                + "differential tests of the translator skipped");
        long t0 = System.nanoTime();
        long c0 = cpuNanos();
        long base = baseSeed();
        Integer only = Integer.getInteger("apboot.diff.case");
        int n = Integer.getInteger("apboot.diff.cases", defaultCases);
        StreamGenerator g = new StreamGenerator(mode);
        List<StreamGenerator.Case> cases = new ArrayList<>();
        for (int k = only != null ? only : 0; k < (only != null ? only + 1 : n); k++) {
            cases.add(g.generate(k, caseSeed(base, mode, v, k)));
        }
        List<String> labels = new ArrayList<>();
        List<List<String>> sources = new ArrayList<>();
        for (StreamGenerator.Case c : cases) {
            labels.add(c.label);
            sources.add(c.lines);
        }
        long tGen = cpuNanos();
        long wAsm = System.nanoTime();
        List<byte[]> code;
        try {
            code = GnuAs.assemble(mode.bits, labels, sources);
        } catch (Exception e) {
            throw new AssertionError("assembling the " + mode.label + " cases failed (seed 0x"
                    + Long.toHexString(base) + "): " + e.getMessage(), e);
        }
        wAsm = System.nanoTime() - wAsm;
        for (int i = 0; i < cases.size(); i++) {
            StreamGenerator.Case c = cases.get(i);
            c.code = code.get(i);
            StreamGenerator.place(c, new Random(c.seed));
        }
        String forms = formMix(mode, cases);
        int threads = Integer.getInteger("apboot.diff.threads", Math.min(2, Runtime.getRuntime().availableProcessors()));
        List<Outcome> outcomes = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Outcome>> futures = new ArrayList<>();
            for (StreamGenerator.Case c : cases) {
                futures.add(pool.submit(() -> compare(mode, v, c)));
            }
            for (Future<Outcome> f : futures) {
                outcomes.add(f.get());
            }
        } catch (InterruptedException | ExecutionException e) {
            throw new AssertionError("differential run failed: " + e, e);
        } finally {
            pool.shutdownNow();
        }
        Summary summary = new Summary();
        List<String> failures = new ArrayList<>();
        int failed = 0;
        for (int i = 0; i < cases.size(); i++) {
            StreamGenerator.Case c = cases.get(i);
            Outcome o = outcomes.get(i);
            summary.add(c, o);
            if (o.problem != null) {
                failed++;
                if (failures.size() < MAX_REPORTED) {
                    failures.add(report(mode, v, c, base, testName, o.problem));
                }
            } else if (only != null) {
                System.out.println(report(mode, v, c, base, testName, "(no disagreement)\n  " + o.refDescription + "\n"));
            }
        }
        long t1 = System.nanoTime();
        System.out.printf("differential %s, %s: %,d cases (seed 0x%x), %s; %,d guest instructions run; ended %s; "
                        + "translator %s; %.1f s on %d threads (assembly %.1f s; CPU time: generation %.1f s, "
                        + "interpreter runs %.1f s, translator runs %.1f s)%n",
                mode.label, v.name(), cases.size(), base, forms, summary.instructions, summary.endings, summary.counters,
                (t1 - t0) / 1e9, threads, wAsm / 1e9, (tGen - c0) / 1e9, summary.interpNanos / 1e9,
                summary.jitNanos / 1e9);
        if (summary.notHalted > 0) {
            failures.add(summary.notHalted + " case(s) did not halt within " + MAX_INSTRUCTIONS
                    + " instructions on the interpreter (a generator bug), first: case " + summary.firstNotHalted);
        }
        if (!failures.isEmpty()) {
            fail(String.format("%s, %s: %d of %d cases disagree (seed 0x%x)%n%n%s", mode.label, v.name(), failed,
                    cases.size(), base, String.join("\n\n", failures)));
        }
    }

    /** What one case showed. */
    static final class Outcome {
        String problem;
        String ending;
        String refDescription;
        long instructions, interpNanos, jitNanos;
        boolean notHalted;
        Map<String, Long> counters;
    }

    /** Aggregates over a run: how cases ended, instructions, translator counters. */
    static final class Summary {
        final Map<String, Integer> endings = new TreeMap<>();
        final Map<String, Long> counters = new LinkedHashMap<>();
        long instructions, interpNanos, jitNanos;
        int notHalted;
        int firstNotHalted = -1;

        void add(StreamGenerator.Case c, Outcome o) {
            for (Map.Entry<String, Long> m : o.counters.entrySet()) {
                counters.merge(m.getKey(), m.getValue(), Long::sum);
            }
            endings.merge(o.ending, 1, Integer::sum);
            instructions += o.instructions;
            interpNanos += o.interpNanos;
            jitNanos += o.jitNanos;
            if (o.notHalted && notHalted++ == 0) {
                firstNotHalted = c.index;
            }
        }
    }

    /** The final state of one run. */
    static final class State {
        final long[] r;
        final long rip, rflags, cr2, instructions;
        final boolean halted, shutdown;
        final byte[] ram;
        final List<String> faultChain;
        final String error;
        final String modeName;

        State(Cpu cpu, String error) {
            this.r = cpu.r.clone();
            this.rip = cpu.rip;
            this.rflags = Flags.rflags(cpu);
            this.cr2 = cpu.cr2;
            this.instructions = cpu.instructions;
            this.halted = cpu.halted;
            this.shutdown = cpu.shutdown;
            this.ram = new byte[(int) cpu.ram.size()]; // a copy: the RAM is reused by the next case
            cpu.ram.copyOut(0, this.ram, 0, this.ram.length);
            this.faultChain = cpu.faultChain == null ? List.of() : List.copyOf(cpu.faultChain);
            this.error = error;
            this.modeName = cpu.modeName();
        }
    }

    /** Runs the case on both engines and compares each translator run with the interpreter's. */
    static Outcome compare(DiffMode mode, Variant v, StreamGenerator.Case c) {
        Outcome o = new Outcome();
        byte[] image = mode.image(c.data, c.code, c.load);
        long t0 = cpuNanos();
        PhysicalMemory iram = new PhysicalMemory(DiffMode.RAM);
        State ref = execute(new Interpreter(iram).newWorker(), start(mode, iram, image, c), null);
        long t1 = cpuNanos();
        PhysicalMemory jram = new PhysicalMemory(DiffMode.RAM);
        JitEngine jit = new JitEngine(jram, v.settings());
        EngineWorker w = jit.newWorker();
        StringBuilder sb = new StringBuilder();
        // half the cases run the translator in small random slices: blocks and self-loops leave
        // on their budget checks and resume, which must not change the outcome
        Random budgets = (c.seed & 1) == 0 ? new Random(c.seed) : null;
        for (int i = 0; i < v.runs(); i++) {
            State got = execute(w, start(mode, jram, image, c), budgets);
            List<String> d = differences(ref, got);
            if (!d.isEmpty()) {
                sb.append(v.runs() > 1 ? "run " + (i + 1) + " of " + v.runs() + " on one translator: " : "")
                        .append("interpreter vs translator differ in ").append(String.join("; ", d)).append('\n');
                sb.append("  interpreter: ").append(describe(mode, ref)).append('\n');
                sb.append("  translator:  ").append(describe(mode, got)).append('\n');
                break;
            }
        }
        o.jitNanos = cpuNanos() - t1;
        o.interpNanos = t1 - t0;
        if (ref.error != null) {
            sb.append("the interpreter threw a Java exception: ").append(ref.error).append('\n');
        }
        o.notHalted = !ref.halted && !ref.shutdown && ref.error == null;
        if (o.notHalted && !sb.toString().contains("Java exception")) {
            sb.setLength(0); // a generator problem, reported as such: engines may stop such a run apart
        }
        o.problem = sb.length() == 0 ? null : sb.toString();
        o.ending = ending(mode, ref);
        o.refDescription = describe(mode, ref);
        o.instructions = ref.instructions;
        o.counters = jit.stats().counters();
        return o;
    }

    /** Loads the case's image into {@code ram} (invalidating what was translated from it) and sets up the CPU. */
    private static Cpu start(DiffMode mode, PhysicalMemory ram, byte[] image, StreamGenerator.Case c) {
        ram.load(0, image);
        Cpu cpu = mode.cpu(ram, c.cs, c.ip0);
        System.arraycopy(c.regs, 0, cpu.r, 0, 16);
        cpu.flagOp = Flags.EAGER;
        cpu.flagBits = c.flags & Cpu.ARITH_FLAGS;
        cpu.sysFlags = 0x2 | (c.flags & Cpu.DF);
        return cpu;
    }

    /**
     * Runs until HLT, shutdown or {@link #MAX_INSTRUCTIONS}, in calls of 20,000 instructions or,
     * with {@code budgets}, of 1-40; a Java exception is recorded.
     */
    static State execute(EngineWorker w, Cpu cpu, Random budgets) {
        return execute(w, cpu, budgets, MAX_INSTRUCTIONS);
    }

    /** {@link #execute(EngineWorker, Cpu, Random)} with a cap of {@code max} instructions. */
    static State execute(EngineWorker w, Cpu cpu, Random budgets, long max) {
        String error = null;
        try {
            for (int i = 0; i < max && !cpu.halted && !cpu.shutdown && cpu.instructions < max; i++) {
                long budget = budgets == null ? 20_000 : 1 + budgets.nextInt(40);
                long before = cpu.instructions;
                int reason = w.run(cpu, budget);
                if (cpu.instructions - before > budget + BlockCache.MAX_INSNS) {
                    // EngineWorker.run: "may stop early at a block boundary, never much later"
                    error = String.format("run(cpu, %d) retired %d instructions (more than a block beyond its budget)",
                            budget, cpu.instructions - before);
                    break;
                }
                if (reason == ExitReason.INIT) {
                    break;
                }
            }
        } catch (Throwable t) {
            StringWriter sw = new StringWriter();
            t.printStackTrace(new PrintWriter(sw));
            String[] lines = sw.toString().split("\n");
            error = String.join("\n      ", Arrays.copyOf(lines, Math.min(lines.length, 12)));
        }
        return new State(cpu, error);
    }

    private static final String[] R64 = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10",
        "r11", "r12", "r13", "r14", "r15"};

    static List<String> differences(State a, State b) {
        List<String> d = new ArrayList<>();
        if (b.error != null) {
            d.add("the translator threw a Java exception: " + b.error);
        }
        for (int i = 0; i < 16; i++) {
            if (a.r[i] != b.r[i]) {
                d.add(String.format("%s (0x%x vs 0x%x)", R64[i], a.r[i], b.r[i]));
            }
        }
        if (a.rip != b.rip) {
            d.add(String.format("rip (0x%x vs 0x%x)", a.rip, b.rip));
        }
        if (a.rflags != b.rflags) {
            d.add(String.format("rflags (0x%x vs 0x%x: %s differ)", a.rflags, b.rflags, flagNames(a.rflags ^ b.rflags)));
        }
        if (a.cr2 != b.cr2) {
            d.add(String.format("cr2 (0x%x vs 0x%x)", a.cr2, b.cr2));
        }
        if (a.halted != b.halted || a.shutdown != b.shutdown) {
            d.add("halted/shutdown (" + a.halted + "/" + a.shutdown + " vs " + b.halted + "/" + b.shutdown + ")");
        }
        if (a.instructions != b.instructions) {
            d.add(String.format("retired instructions (%d vs %d)", a.instructions, b.instructions));
        }
        int at = Arrays.mismatch(a.ram, b.ram);
        if (at >= 0) {
            StringBuilder sb = new StringBuilder("memory");
            int shown = 0, total = 0;
            for (int i = at; i < a.ram.length; i++) {
                if (a.ram[i] != b.ram[i]) {
                    total++;
                    if (shown++ < 12) {
                        sb.append(String.format(" [0x%x] %02x vs %02x", i, a.ram[i] & 0xFF, b.ram[i] & 0xFF));
                    }
                }
            }
            sb.append(" (").append(total).append(" bytes differ)");
            d.add(sb.toString());
        }
        return d;
    }

    private static String flagNames(long x) {
        String[] names = {"CF", "", "PF", "", "AF", "", "ZF", "SF", "TF", "IF", "DF", "OF"};
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < names.length; i++) {
            if ((x & (1L << i)) != 0 && !names[i].isEmpty()) {
                sb.append(sb.length() == 0 ? "" : ",").append(names[i]);
            }
        }
        return sb.length() == 0 ? "0x" + Long.toHexString(x) : sb.toString();
    }

    /** How a run ended: at the case's final HLT, in an exception's stub, shut down, or not at all. */
    static String ending(DiffMode mode, State s) {
        if (s.error != null) {
            return "java-exception";
        }
        if (s.shutdown) {
            return "shutdown";
        }
        if (!s.halted) {
            return "running";
        }
        int v = vector(mode, s);
        return v < 0 ? "hlt" : v < 32 ? Vectors.name(v) : "INT n";
    }

    /** The vector whose stub the run halted in (the stubs are at 0x4000 + vector), or -1. */
    private static int vector(DiffMode mode, State s) {
        long off = s.rip - DiffMode.STUBS - 1;
        return s.halted && off >= 0 && off < 256 ? (int) off : -1;
    }

    /** One state in words: where it stopped, the exception and its frame, the registers. */
    static String describe(DiffMode mode, State s) {
        StringBuilder sb = new StringBuilder();
        sb.append(s.modeName).append(", ").append(ending(mode, s));
        int v = vector(mode, s);
        if (v >= 0) {
            long sp = s.r[4];
            int slot = mode.bits / 8;
            long lin = mode.bits == 16 ? (DiffMode.REAL_DS << 4) + (sp & 0xFFFF) : sp & 0xFFFF_FFFFL;
            if (lin >= 0 && lin + 2 * slot < s.ram.length) {
                boolean err = mode.bits != 16 && Vectors.hasErrorCode(v);
                if (err) {
                    sb.append(String.format(" error 0x%x", read(s.ram, lin, slot)));
                    lin += slot;
                }
                sb.append(String.format(" at rip 0x%x", read(s.ram, lin, slot)));
            }
            if (v == 14) {
                sb.append(String.format(" cr2 0x%x", s.cr2));
            }
            if (!s.faultChain.isEmpty()) {
                sb.append(" ").append(s.faultChain);
            }
        }
        sb.append(String.format("; rip 0x%x rflags 0x%x, %d retired%n     ", s.rip, s.rflags, s.instructions));
        for (int i = 0; i < 16; i++) {
            sb.append(String.format("%s=%x ", R64[i], s.r[i]));
        }
        if (s.error != null) {
            sb.append("\n     Java exception: ").append(s.error);
        }
        return sb.toString();
    }

    private static long read(byte[] ram, long at, int size) {
        long v = 0;
        for (int i = size - 1; i >= 0; i--) {
            v = (v << 8) | (ram[(int) at + i] & 0xFF);
        }
        return v;
    }

    /** The failure report of one case: how to replay it, its source, disassembly, the differences. */
    static String report(DiffMode mode, Variant v, StreamGenerator.Case c, long base, String testName, String problem) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("=== %s, %s, case %d (case seed 0x%x), code at 0x%x (cs 0x%x ip 0x%x)%n", mode.label,
                v.name(), c.index, c.seed, c.load, c.cs, c.ip0));
        sb.append(String.format("replay: mvn -B -ntp verify -pl jit -am -Dsurefire.failIfNoSpecifiedTests=false "
                + "-Dtest='%s' -Dapboot.diff.seed=0x%x -Dapboot.diff.case=%d%n", testName, base, c.index));
        sb.append(problem);
        sb.append("initial registers:");
        for (int i = 0; i < 16; i++) {
            sb.append(String.format(" %s=%x", R64[i], c.regs[i]));
        }
        sb.append(String.format(" flags=%x%n", c.flags));
        sb.append("source:\n");
        for (String l : c.lines) {
            sb.append("  ").append(l).append('\n');
        }
        sb.append("disassembly (translator form in brackets):\n").append(disassemble(mode, c));
        return sb.toString();
    }

    /** How the generated instructions divide among the translator's forms (static count). */
    static String formMix(DiffMode mode, List<StreamGenerator.Case> cases) {
        Map<Form, Integer> count = new java.util.EnumMap<>(Form.class);
        int all = 0;
        Insn insn = new Insn();
        for (StreamGenerator.Case c : cases) {
            for (int off = 0; off < c.code.length; ) {
                int len = Decoder.decode(c.code, off, c.code.length - off, mode.bits, insn);
                if (len <= 0) {
                    break;
                }
                count.merge(Form.of(insn), 1, Integer::sum);
                all++;
                off += len;
            }
        }
        int fallback = count.getOrDefault(Form.FALLBACK, 0);
        return String.format("%,d instructions generated, %.0f%% in native forms %s", all,
                100.0 * (all - fallback) / Math.max(1, all), count);
    }

    static String disassemble(DiffMode mode, StreamGenerator.Case c) {
        StringBuilder sb = new StringBuilder();
        byte[] b = c.code;
        long ipBase = c.ip0;
        int off = 0;
        Insn insn = new Insn();
        while (off < b.length) {
            int len = Decoder.decode(b, off, b.length - off, mode.bits, insn);
            if (len <= 0) {
                sb.append(String.format("  %6x: %02x (undecodable)%n", ipBase + off, b[off] & 0xFF));
                off++;
                continue;
            }
            StringBuilder hex = new StringBuilder();
            for (int i = 0; i < len; i++) {
                hex.append(String.format("%02x ", b[off + i] & 0xFF));
            }
            sb.append(String.format("  %6x: %-36s %-40s [%s]%n", ipBase + off, hex, AttSyntax.render(insn, ipBase + off),
                    Form.of(insn) == Form.FALLBACK ? "interp" : Form.of(insn).name()));
            off += len;
        }
        return sb.toString();
    }
}
