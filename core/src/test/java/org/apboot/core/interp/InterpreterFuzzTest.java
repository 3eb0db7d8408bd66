package org.apboot.core.interp;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import org.apboot.core.cpu.Cpu;
import org.apboot.core.engine.EngineWorker;
import org.apboot.core.fault.TestCpus;
import org.junit.jupiter.api.Test;

/**
 * Random bytes as guest code, in real mode, flat 32-bit protected mode and 64-bit mode with
 * paging: whatever the code does (mode switches, garbage descriptor tables, wild jumps, writes
 * over its own page tables and interrupt table), the interpreter must only ever raise guest
 * exceptions — which it delivers, up to triple faults — never a Java exception. A halted CPU is
 * restarted at a random place; a shut-down one starts a new episode.
 */
class InterpreterFuzzTest {
    private static final long WINDOW = 0x100000, WINDOW_SIZE = 0x40000;
    private static final long REAL_WINDOW = 0x20000, REAL_WINDOW_SIZE = 0x10000;
    /** The same fixed count in every mode (a wall-clock budget would give the slow modes fewer). */
    private static final long INSTRUCTIONS_PER_MODE = 1_000_000;
    private static final long IDT = 0x4000;

    @Test
    void realMode() {
        fuzz("real16", TestCpus::real, 0x5EED_0016L, true);
    }

    @Test
    void protectedMode32() {
        fuzz("prot32", TestCpus::prot32, 0x5EED_0032L, false);
    }

    @Test
    void longMode64() {
        fuzz("long64", TestCpus::long64, 0x5EED_0064L, false);
    }

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

    private static void fuzz(String mode, Supplier<Cpu> fresh, long seed, boolean real) {
        Random rnd = new Random(seed);
        List<String> failures = new ArrayList<>();
        long executed = 0;
        int episodes = 0;
        while (executed < INSTRUCTIONS_PER_MODE && failures.size() < 5) {
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
            EngineWorker w = new Interpreter(cpu.ram).newWorker();
            for (int slot = 0; slot < 50 && !cpu.shutdown; slot++) {
                if (cpu.halted) {
                    cpu.halted = false;
                }
                cpu.rip = real ? rnd.nextInt((int) REAL_WINDOW_SIZE) : WINDOW + rnd.nextInt((int) WINDOW_SIZE);
                long before = cpu.instructions;
                long startRip = cpu.rip;
                try {
                    w.run(cpu, 5_000);
                } catch (Throwable t) {
                    StackTraceElement[] st = t.getStackTrace();
                    failures.add(String.format("%s episode %d: %s at %s (started at rip 0x%x, now %s rip 0x%x)",
                            mode, episodes, t, st.length > 0 ? st[0] : "?", startRip, cpu.modeName(), cpu.rip));
                    break;
                }
                executed += cpu.instructions - before;
            }
        }
        System.out.printf("interpreter fuzz %s: %,d instructions in %d episodes%n", mode, executed, episodes);
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }
}
