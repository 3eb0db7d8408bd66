package org.apboot.jit;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.apboot.core.cpu.Cpu;
import org.apboot.core.engine.EngineWorker;
import org.apboot.core.fault.TestCpus;
import org.apboot.core.interp.Interpreter;
import org.apboot.core.decode.Insn;
import org.apboot.core.semantics.Flags;
import org.junit.jupiter.api.Test;

/**
 * Random bytes as guest code under the translator, in real mode, flat 32-bit protected mode and
 * 64-bit mode with paging (the CPUs of core's {@link TestCpus}, as {@code InterpreterFuzzTest}
 * uses them).
 *
 * <p>{@link #onlyGuestExceptions}: with interrupt tables pointing into the junk, so faults keep
 * executing it, whatever the code does (mode switches, garbage descriptor tables, wild jumps,
 * writes over its own code, page tables and interrupt table), the translator raises only guest
 * exceptions, never a Java exception.
 *
 * <p>{@link #sameStateAsInterpreter}: every exception vector leads to a HLT, so an episode ends at
 * the first exception the junk raises (or a HLT in it, or a triple fault); both engines run it
 * from the same state (registers partly pointing into the junk, so it rewrites itself) and must
 * end in the same state: registers, RIP, RFLAGS, CR0/CR2/CR3/CR4/EFER, mode, retired count and
 * all of RAM. Episodes the interpreter does not finish within a cap are not compared (counted).
 */
class JitFuzzTest {
    private static final long WINDOW = 0x100000, WINDOW_SIZE = 0x40000;
    private static final long REAL_WINDOW = 0x20000, REAL_WINDOW_SIZE = 0x10000;
    private static final long IDT = 0x4000, STUBS = 0x6000;
    /** Instructions an episode of the comparison may run before it counts as unfinished. */
    private static final long MAX_INSTRUCTIONS = 20_000;
    /** Comparison episodes per mode. */
    private static final int EPISODES = 100;
    /** Robustness: instructions per mode (fresh junk every 30 restarts). */
    private static final long ROBUSTNESS_INSTRUCTIONS = 150_000;
    /** Either loop also stops after this long (the machine is shared; the counts are what is meant). */
    private static final long DEADLINE_NANOS = 4_000_000_000L;

    @Test
    void onlyGuestExceptions() {
        robustness("real16", TestCpus::real, 0x5EED_F016L, true);
        robustness("prot32", TestCpus::prot32, 0x5EED_F032L, false);
        robustness("long64", TestCpus::long64, 0x5EED_F064L, false);
    }

    @Test
    void sameStateAsInterpreter() {
        List<String> failures = new ArrayList<>();
        compare("real16", TestCpus::real, 0x5EED_C016L, true, failures);
        compare("prot32", TestCpus::prot32, 0x5EED_C032L, false, failures);
        compare("long64", TestCpus::long64, 0x5EED_C064L, false, failures);
        assertTrue(failures.isEmpty(), String.join("\n\n", failures));
    }

    private static long seed(long dflt) {
        String s = System.getProperty("apboot.diff.seed");
        return s == null || s.isBlank() ? dflt : Long.decode(s.trim()) ^ dflt;
    }

    // ---------------------------------------------------------------- robustness

    /** Interrupt gates for all 256 vectors into the random code: faults keep executing junk. */
    private static void randomIdt(Cpu cpu, Random rnd) {
        boolean wide = cpu.codeSize == 64;
        for (int v = 0; v < 256; v++) {
            long target = WINDOW + rnd.nextInt((int) WINDOW_SIZE);
            long gate = TestCpus.gate(target, wide ? TestCpus.CODE64 : TestCpus.CODE32, 0x8E, 0);
            if (wide) {
                cpu.ram.write64(IDT + 16L * v, gate);
                cpu.ram.write64(IDT + 16L * v + 8, target >>> 32);
            } else {
                cpu.ram.write64(IDT + 8L * v, gate);
            }
        }
        cpu.idtrBase = IDT;
        cpu.idtrLimit = wide ? 256 * 16 - 1 : 256 * 8 - 1;
    }

    private static void robustness(String mode, Supplier<Cpu> fresh, long defaultSeed, boolean real) {
        long seed = seed(defaultSeed);
        Random rnd = new Random(seed);
        List<String> failures = new ArrayList<>();
        long executed = 0;
        int episodes = 0;
        long deadline = System.nanoTime() + DEADLINE_NANOS;
        while (executed < ROBUSTNESS_INSTRUCTIONS && failures.size() < 5 && System.nanoTime() < deadline) {
            episodes++;
            Cpu cpu = fresh.get();
            byte[] junk = new byte[(int) (real ? REAL_WINDOW_SIZE : WINDOW_SIZE)];
            rnd.nextBytes(junk);
            cpu.ram.load(real ? REAL_WINDOW : WINDOW, junk);
            if (real) {
                byte[] ivt = new byte[0x400];
                rnd.nextBytes(ivt);
                cpu.ram.load(0, ivt); // exceptions and INT n jump to random places
                cpu.seg[1].set(0x2000, REAL_WINDOW, 0xFFFF, cpu.seg[1].attrs);
            } else {
                randomIdt(cpu, rnd);
            }
            JitSettings settings = rnd.nextBoolean() ? JitSettings.DEFAULT.withThreshold(0) : JitSettings.DEFAULT;
            EngineWorker w = new JitEngine(cpu.ram, settings).newWorker();
            for (int slot = 0; slot < 30 && !cpu.shutdown && executed < ROBUSTNESS_INSTRUCTIONS; slot++) {
                cpu.halted = false;
                cpu.rip = real ? rnd.nextInt((int) REAL_WINDOW_SIZE) : WINDOW + rnd.nextInt((int) WINDOW_SIZE);
                long before = cpu.instructions;
                long startRip = cpu.rip;
                try {
                    w.run(cpu, 2_000);
                } catch (Throwable t) {
                    StackTraceElement[] st = t.getStackTrace();
                    failures.add(String.format("%s episode %d (seed 0x%x, %s): %s at %s (started at rip 0x%x, now %s rip 0x%x)",
                            mode, episodes, seed, settings, t, st.length > 0 ? st[0] : "?", startRip, cpu.modeName(),
                            cpu.rip));
                    break;
                }
                executed += cpu.instructions - before;
            }
        }
        System.out.printf("translator fuzz %s: %,d instructions in %d episodes%n", mode, executed, episodes);
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }

    // ---------------------------------------------------------------- comparison

    /** Gates (IVT entries in real mode) for all 256 vectors to a HLT each. */
    private static void haltingHandlers(Cpu cpu, boolean real) {
        boolean wide = cpu.codeSize == 64;
        for (int v = 0; v < 256; v++) {
            long target = STUBS + v;
            cpu.ram.write8(target, 0xF4);
            if (real) {
                cpu.ram.write32(4L * v, (int) target);
            } else if (wide) {
                cpu.ram.write64(IDT + 16L * v, TestCpus.gate(target, TestCpus.CODE64, 0x8E, 0));
                cpu.ram.write64(IDT + 16L * v + 8, 0);
            } else {
                cpu.ram.write64(IDT + 8L * v, TestCpus.gate(target, TestCpus.CODE32, 0x8E, 0));
            }
        }
        if (!real) {
            cpu.idtrBase = IDT;
            cpu.idtrLimit = wide ? 256 * 16 - 1 : 256 * 8 - 1;
        }
    }

    /** One episode's starting point: junk, registers, RIP. */
    private record Episode(byte[] junk, long[] regs, long rip, long flags) {
    }

    private static Cpu start(Supplier<Cpu> fresh, Episode e, boolean real) {
        Cpu cpu = fresh.get();
        cpu.ram.load(real ? REAL_WINDOW : WINDOW, e.junk);
        if (real) {
            // code and data in the junk's segment (it rewrites itself, not the IVT); stack at 0:8000
            for (int s : new int[] {Insn.CS, Insn.DS, Insn.ES}) {
                cpu.seg[s].set(0x2000, REAL_WINDOW, 0xFFFF, cpu.seg[s].attrs);
            }
        }
        haltingHandlers(cpu, real);
        System.arraycopy(e.regs, 0, cpu.r, 0, 16);
        cpu.rip = e.rip;
        Flags.setArith(cpu, e.flags);
        return cpu;
    }

    private static void compare(String mode, Supplier<Cpu> fresh, long defaultSeed, boolean real, List<String> failures) {
        long seed = seed(defaultSeed);
        Random rnd = new Random(seed);
        int episodes = 0, compared = 0, unfinished = 0;
        long instructions = 0;
        Map<String, Integer> endings = new TreeMap<>();
        long deadline = System.nanoTime() + DEADLINE_NANOS;
        while (episodes < EPISODES && System.nanoTime() < deadline && failures.size() < 5) {
            episodes++;
            byte[] junk = new byte[(int) (real ? REAL_WINDOW_SIZE : WINDOW_SIZE)];
            rnd.nextBytes(junk);
            long[] regs = new long[16];
            for (int r = 0; r < 16; r++) {
                int w = rnd.nextInt(4);
                regs[r] = w == 0 ? rnd.nextLong() : w == 1 ? rnd.nextInt(0x100)
                        : real ? rnd.nextInt(0x10000) : WINDOW + rnd.nextInt((int) WINDOW_SIZE);
            }
            regs[Cpu.RSP] = real ? 0x8000 : 0x8000 + rnd.nextInt(0x100);
            long rip = real ? rnd.nextInt((int) REAL_WINDOW_SIZE) : WINDOW + rnd.nextInt((int) WINDOW_SIZE);
            Episode e = new Episode(junk, regs, rip, rnd.nextLong());

            Cpu icpu = start(fresh, e, real);
            DiffHarness.State ref = DiffHarness.execute(new Interpreter(icpu.ram).newWorker(), icpu, null, MAX_INSTRUCTIONS);
            JitSettings settings = rnd.nextBoolean() ? JitSettings.DEFAULT.withThreshold(0) : JitSettings.DEFAULT;
            Cpu jcpu = start(fresh, e, real);
            Random budgets = rnd.nextBoolean() ? new Random(rnd.nextLong()) : null;
            DiffHarness.State got = DiffHarness.execute(new JitEngine(jcpu.ram, settings).newWorker(), jcpu, budgets,
                    MAX_INSTRUCTIONS);
            instructions += ref.instructions;
            if (got.error != null) {
                failures.add(String.format("%s episode %d (seed 0x%x, %s, start rip 0x%x): the translator threw%n      %s",
                        mode, episodes, seed, settings, rip, got.error));
                continue;
            }
            if (ref.error != null || !(ref.halted || ref.shutdown)) {
                unfinished++;
                continue;
            }
            compared++;
            endings.merge(ref.shutdown ? "shutdown" : ref.faultChain.isEmpty() ? "hlt" : "exception", 1, Integer::sum);
            List<String> d = DiffHarness.differences(ref, got);
            addSystemDifferences(icpu, jcpu, d);
            if (!d.isEmpty()) {
                failures.add(String.format("%s episode %d (seed 0x%x, %s, %s budgets, start rip 0x%x): interpreter vs "
                                + "translator differ in %s%n  interpreter: %s %s rip 0x%x, %d retired, %s%n"
                                + "  translator:  %s %s rip 0x%x, %d retired, %s%n  code at the start: %s",
                        mode, episodes, seed, settings, budgets == null ? "large" : "small", rip, String.join("; ", d),
                        ref.modeName, ref.shutdown ? "shut down" : "halted", ref.rip, ref.instructions, ref.faultChain,
                        got.modeName, got.shutdown ? "shut down" : "halted", got.rip, got.instructions, got.faultChain,
                        hexAt(junk, (int) (rip - (real ? 0 : WINDOW)))));
            }
        }
        System.out.printf("translator vs interpreter on random code, %s: %d episodes, %d compared (%s), %d unfinished, "
                + "%,d instructions%n", mode, episodes, compared, endings, unfinished, instructions);
    }

    private static void addSystemDifferences(Cpu a, Cpu b, List<String> d) {
        long[][] pairs = {{a.cr0, b.cr0}, {a.cr3, b.cr3}, {a.cr4, b.cr4}, {a.efer, b.efer}, {a.modeKey, b.modeKey},
            {a.seg[1].selector, b.seg[1].selector}, {a.seg[2].selector, b.seg[2].selector}};
        String[] names = {"cr0", "cr3", "cr4", "efer", "mode key", "cs", "ss"};
        for (int i = 0; i < pairs.length; i++) {
            if (pairs[i][0] != pairs[i][1]) {
                d.add(String.format("%s (0x%x vs 0x%x)", names[i], pairs[i][0], pairs[i][1]));
            }
        }
    }

    private static String hexAt(byte[] junk, int off) {
        StringBuilder sb = new StringBuilder();
        for (int i = off; i < Math.min(junk.length, off + 16); i++) {
            sb.append(String.format("%02x ", junk[i] & 0xFF));
        }
        return sb.toString().trim();
    }
}
