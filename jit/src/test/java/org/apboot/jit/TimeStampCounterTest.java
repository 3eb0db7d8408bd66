package org.apboot.jit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import org.apboot.core.cpu.Cpu;
import org.apboot.core.engine.Engine;
import org.apboot.core.interp.Interpreter;
import org.apboot.core.mem.PhysicalMemory;
import org.apboot.core.semantics.Flags;
import org.junit.jupiter.api.Test;

/**
 * RDTSC reads the same time-stamp counter under both engines. The TSC is the retired-instruction
 * count (plus offsets, {@code Msrs.tsc}), which engines advance when a block returns, so an
 * RDTSC in the middle of a block reads the count at the block's start: the translator's blocks
 * must start where the interpreter's do as far as that count is concerned.
 *
 * <p>Self-loops: the interpreter runs every pass of a loop whose block branches back to its own
 * start as one block run; the translator runs all passes in one JVM loop. Each pass stores the
 * TSC it read, and the readings must match. The loop, in every mode:
 * <pre>
 *       mov  $6, %ecx
 *   1:  rdtsc
 *       mov  %eax, 0x100(,%ecx,4)     (DS-relative: 0x20100 + 4*ecx, or 0x100 + 4*ecx in DS 0x2000)
 *       dec  %ecx
 *       jnz  1b
 *       hlt
 * </pre>
 *
 * <p>Blocks compiled in parts: a straight block whose method would exceed the translator's size
 * limit is translated as a prefix and the rest (the interpreter runs the decoded block whole);
 * an RDTSC in the rest must still read the count at the decoded block's start.
 *
 * <p>Found by the differential tests (with the default seed, for example
 * {@code DifferentialLongModeTest} cases 627 and 1112 of {@code translatedAtOnceMatchesInterpreter}).
 */
class TimeStampCounterTest {
    private static final int PASSES = 6;

    /** 64-bit and 32-bit code: the encodings agree (no REX). */
    private static final byte[] CODE_32_64 = bytes(
            0xb9, PASSES, 0, 0, 0,                  // mov $6, %ecx
            0x0f, 0x31,                             // 1: rdtsc
            0x89, 0x04, 0x8d, 0x00, 0x01, 0x02, 0x00, // mov %eax, 0x20100(,%ecx,4)
            0xff, 0xc9,                             // dec %ecx
            0x75, 0xf3,                             // jnz 1b
            0xf4);                                  // hlt

    /** Real mode: 32-bit operand and address through prefixes; DS base 0x20000. */
    private static final byte[] CODE_16 = bytes(
            0x66, 0xb9, PASSES, 0, 0, 0,            // mov $6, %ecx
            0x0f, 0x31,                             // 1: rdtsc
            0x67, 0x66, 0x89, 0x04, 0x8d, 0x00, 0x01, 0x00, 0x00, // mov %eax, 0x100(,%ecx,4)
            0x66, 0x49,                             // dec %ecx
            0x75, 0xf1,                             // jnz 1b
            0xf4);                                  // hlt

    @Test
    void selfLoopInLongMode() {
        selfLoop(DiffMode.LONG64, DiffHarness.Variant.AT_ONCE);
    }

    @Test
    void selfLoopInProtectedMode() {
        selfLoop(DiffMode.PROT32, DiffHarness.Variant.AT_ONCE);
    }

    @Test
    void selfLoopInRealMode() {
        selfLoop(DiffMode.REAL16, DiffHarness.Variant.AT_ONCE);
    }

    @Test
    void selfLoopTranslatedWhenHot() {
        selfLoop(DiffMode.LONG64, DiffHarness.Variant.DEFAULT);
    }

    /**
     * 64-bit: MOV $i to the 15 registers other than RSP (all of them live in the block's locals,
     * so every interpreter-run instruction writes back and reloads 15 registers), 24 NOT %RAX (run
     * by the interpreter's executor), RDTSC, HLT: 41 instructions in one decoded block.
     */
    @Test
    void blockCompiledInParts() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int r = 0; r < 16; r++) {
            if (r != Cpu.RSP) {
                b.writeBytes(bytes(r < 8 ? 0x48 : 0x49, 0xc7, 0xc0 + (r & 7), r, 0, 0, 0)); // mov $r, %r
            }
        }
        for (int i = 0; i < 24; i++) {
            b.writeBytes(bytes(0x48, 0xf7, 0xd0)); // not %rax
        }
        b.writeBytes(bytes(0x0f, 0x31, 0xf4)); // rdtsc; hlt
        DiffMode mode = DiffMode.LONG64;
        StreamGenerator.Case c = fixedCase(mode, b.toByteArray());
        byte[] image = mode.image(c.data, c.code, c.load);

        PhysicalMemory iram = new PhysicalMemory(DiffMode.RAM);
        DiffHarness.State interp = run(new Interpreter(iram), iram, mode, image, c);
        PhysicalMemory jram = new PhysicalMemory(DiffMode.RAM);
        JitEngine jit = new JitEngine(jram, DiffHarness.Variant.AT_ONCE.settings());
        DiffHarness.State got = run(jit, jram, mode, image, c);
        assumeTrue(jit.translatedBlocks() >= 2,
                "the block now fits one translated method: this test no longer splits it");
        assertTrue(interp.r[Cpu.RAX] == got.r[Cpu.RAX] && interp.r[Cpu.RDX] == got.r[Cpu.RDX], String.format(
                "long64, threshold 0: RDTSC, instruction 40 of a 41-instruction block the translator compiled as %d"
                        + " blocks, read TSC %d in the interpreter and %d in the translator (the translator's second"
                        + " part starts at the count its first part retired; the interpreter's block starts at 0)%n%s",
                jit.translatedBlocks(), interp.r[Cpu.RAX] | interp.r[Cpu.RDX] << 32,
                got.r[Cpu.RAX] | got.r[Cpu.RDX] << 32, DiffHarness.disassemble(mode, c)));
    }

    private static StreamGenerator.Case fixedCase(DiffMode mode, byte[] code) {
        StreamGenerator.Case c = new StreamGenerator.Case(0, 0, DiffMode.CODE + 0x100);
        c.ip0 = mode.bits == 16 ? 0x100 : c.load;
        c.cs = mode.bits == 16 ? DiffMode.REAL_CS : 0;
        c.code = code;
        c.data = new byte[(int) (DiffMode.DATA_END - DiffMode.DATA)];
        c.regs[Cpu.RSP] = mode.bits == 16 ? 0xF000 : 0x2F000;
        return c;
    }

    private static DiffHarness.State run(Engine engine, PhysicalMemory ram, DiffMode mode, byte[] image,
            StreamGenerator.Case c) {
        ram.load(0, image);
        Cpu cpu = mode.cpu(ram, c.cs, c.ip0);
        System.arraycopy(c.regs, 0, cpu.r, 0, 16);
        cpu.flagOp = Flags.EAGER;
        DiffHarness.State s = DiffHarness.execute(engine.newWorker(), cpu, null);
        assertTrue(s.error == null && s.halted && s.rip == c.ip0 + c.code.length,
                mode.label + " on " + engine.name() + " did not reach the final HLT: " + DiffHarness.describe(mode, s));
        return s;
    }

    private static void selfLoop(DiffMode mode, DiffHarness.Variant v) {
        byte[] code = mode.bits == 16 ? CODE_16 : CODE_32_64;
        StreamGenerator.Case c = fixedCase(mode, code);
        byte[] image = mode.image(c.data, c.code, c.load);

        PhysicalMemory iram = new PhysicalMemory(DiffMode.RAM);
        long[] interp = readings(new Interpreter(iram), iram, mode, image, c);
        PhysicalMemory jram = new PhysicalMemory(DiffMode.RAM);
        long[] jit = readings(new JitEngine(jram, v.settings()), jram, mode, image, c);

        // the clock counts retired instructions: before pass p's RDTSC, the MOV and p passes of
        // four instructions (rdtsc, mov, dec, jnz) have retired
        long[] exact = new long[PASSES];
        for (int p = 0; p < PASSES; p++) {
            exact[p] = 1 + 4L * p;
        }
        assertArrayEquals(exact, interp, "the interpreter's TSC is the count of instructions retired before each RDTSC");
        assertArrayEquals(interp, jit, String.format(
                "%s, %s: TSC read by RDTSC in passes 1..%d of a self-loop block (bytes %s at 0x%x):%n"
                        + "  interpreter %s%n  translator  %s%n"
                        + "The translator's in-method loop must retire each pass as the interpreter does.%n%s",
                mode.label, v.name(), PASSES, hex(code), c.load, Arrays.toString(interp), Arrays.toString(jit),
                DiffHarness.disassemble(mode, c)));
    }

    /** Runs the loop on {@code engine}; returns the TSC low halves it stored, first pass first. */
    private static long[] readings(Engine engine, PhysicalMemory ram, DiffMode mode, byte[] image,
            StreamGenerator.Case c) {
        run(engine, ram, mode, image, c);
        long[] r = new long[PASSES];
        for (int pass = 0; pass < PASSES; pass++) {
            r[pass] = ram.read32(DiffMode.DATA + 0x100 + 4L * (PASSES - pass)) & 0xFFFF_FFFFL;
        }
        return r;
    }

    private static byte[] bytes(int... b) {
        byte[] out = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = (byte) b[i];
        }
        return out;
    }

    private static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) {
            sb.append(String.format("%02x ", x & 0xFF));
        }
        return sb.toString().trim();
    }
}
