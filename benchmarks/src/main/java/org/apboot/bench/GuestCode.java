package org.apboot.bench;

import java.util.HexFormat;
import org.apboot.core.cpu.Cpu;
import org.apboot.core.engine.EngineWorker;
import org.apboot.core.engine.ExitReason;
import org.apboot.core.mem.PhysicalMemory;

/**
 * Writes small guest programs into RAM (hex bytes, rel32 jumps) and runs a CPU on an engine's
 * worker until it halts, checking how many instructions it retired.
 */
final class GuestCode {
    private GuestCode() {
    }

    /** Writes {@code hex} at {@code at}; returns the address after it. */
    static long put(PhysicalMemory m, long at, String hex) {
        byte[] b = HexFormat.of().parseHex(hex);
        m.load(at, b);
        return at + b.length;
    }

    /** {@code jmp rel32} at {@code at} to {@code target}; returns the address after it. */
    static long jmp(PhysicalMemory m, long at, long target) {
        m.write8(at, 0xE9);
        m.write32(at + 1, (int) (target - (at + 5)));
        return at + 5;
    }

    /** {@code jnz rel32} at {@code at} to {@code target}; returns the address after it. */
    static long jnz(PhysicalMemory m, long at, long target) {
        m.write8(at, 0x0F);
        m.write8(at + 1, 0x85);
        m.write32(at + 2, (int) (target - (at + 6)));
        return at + 6;
    }

    /** Runs {@code cpu} from {@code rip} until it halts; returns the exit reason. */
    static int runToHalt(EngineWorker worker, Cpu cpu, long rip) {
        cpu.halted = false;
        cpu.rip = rip;
        int exit;
        do {
            exit = worker.run(cpu, Long.MAX_VALUE);
        } while (exit == ExitReason.BUDGET);
        return exit;
    }

    /**
     * Runs {@code run} {@code times} times (the translator translates a block on its third
     * execution, so the first runs build the code the timed runs use) and checks that each ends
     * in HLT after exactly {@code expected} instructions.
     */
    static void check(String what, Cpu cpu, int times, long expected, java.util.function.IntSupplier run) {
        for (int i = 0; i < times; i++) {
            long before = cpu.instructions;
            int exit = run.getAsInt();
            long n = cpu.instructions - before;
            if (exit != ExitReason.HALT || n != expected) {
                throw new IllegalStateException(what + ": exit " + ExitReason.name(exit) + " after " + n
                        + " instructions, expected halt after " + expected);
            }
        }
    }
}
