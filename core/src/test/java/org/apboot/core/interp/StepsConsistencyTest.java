package org.apboot.core.interp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.apboot.core.cpu.Cpu;
import org.apboot.core.decode.Decoder;
import org.apboot.core.decode.Insn;
import org.apboot.core.engine.EngineWorker;
import org.apboot.core.engine.ExitReason;
import org.apboot.core.fault.CpuException;
import org.apboot.core.semantics.Alu;
import org.apboot.core.semantics.Flags;
import org.apboot.core.semantics.TestCpus;
import org.junit.jupiter.api.Test;

/**
 * A consistency check, not an oracle: random instructions of the forms {@link Steps} specialises
 * (register, immediate and memory operands of ALU, TEST, CMP, MOV, INC, DEC, shifts and
 * rotates) run through the
 * chosen step and through the generic executor of {@link ExecutorTable} on identical CPUs; the
 * full state must agree afterwards. What the generic executors compute is checked against the
 * host CPU by {@code HostCpuOracleTest}. Choosing a step must never throw.
 */
class StepsConsistencyTest {
    private static final int MEM = 0x10000;
    private static final long RIP = 0x5000;

    @Test
    void specialisedStepsAgreeWithTheExecutorTableIn64BitMode() {
        run(64, 0x5EED64);
    }

    @Test
    void specialisedStepsAgreeWithTheExecutorTableIn32BitMode() {
        run(32, 0x5EED32);
    }

    private static void run(int mode, long seed) {
        Random rnd = new Random(seed);
        Map<String, Integer> seen = new HashMap<>();
        Insn insn = new Insn();
        int compared = 0;
        Cpu a = cpu(mode);
        Cpu b = cpu(mode);
        for (int trial = 0; trial < 25_000; trial++) {
            byte[] code = encode(rnd, mode == 64);
            int len = Decoder.decode(code, 0, code.length, mode, insn);
            if (len == 0 || insn.op == null) {
                continue;
            }
            Step step = Steps.of(insn); // an exception here fails the test
            if (step instanceof Step.Generic) {
                continue;
            }
            seen.merge(step.getClass().getSimpleName(), 1, Integer::sum);
            long stateSeed = rnd.nextLong();
            setUp(a, stateSeed);
            setUp(b, stateSeed);
            String ra = outcome(() -> step.run(a, insn));
            String rb = outcome(() -> ExecutorTable.get(insn.op).execute(b, insn));
            String what = insn.op + " " + hex(code, len) + " (" + step.getClass().getSimpleName() + ")";
            assertEquals(rb, ra, what);
            assertArrayEquals(b.r, a.r, what);
            assertEquals(b.rip, a.rip, what);
            assertEquals(Flags.rflags(b), Flags.rflags(a), what);
            assertArrayEquals(bytes(b.ram), bytes(a.ram), what);
            compared++;
        }
        assertTrue(compared > 8_000, "compared " + compared);
        for (String s : new String[] {"AluLoad", "CompareMem", "MovLoad", "MovLoad4", "MovStoreReg", "MovStoreImm",
                "AddRR", "AddRI", "CmpRI", "TestRR", "IncR", "DecR", "MovRI", "Jcc", "JccZ",
                "AdcRR", "AdcRI", "SbbRR", "SbbRI", "ShlR", "ShrR", "SarR", "RolR", "RorR"}) {
            assertTrue(seen.getOrDefault(s, 0) > 20, s + " exercised: " + seen);
        }
        if (mode == 64) {
            assertTrue(seen.getOrDefault("MovLoad8", 0) > 20, "MovLoad8 exercised: " + seen);
            assertTrue(seen.getOrDefault("MovStoreReg8", 0) > 20, "MovStoreReg8 exercised: " + seen);
        }
    }

    /** The first {@code MEM} bytes of guest RAM. */
    private static byte[] bytes(org.apboot.core.mem.PhysicalMemory ram) {
        byte[] b = new byte[MEM];
        ram.copyOut(0, b, 0, MEM);
        return b;
    }

    private static Cpu cpu(int mode) {
        return mode == 64 ? TestCpus.long64() : TestCpus.prot32(0);
    }

    private static void setUp(Cpu cpu, long seed) {
        Random rnd = new Random(seed);
        for (int k = 0; k < 16; k++) {
            // mostly small values so memory operands land in RAM, sometimes anything
            cpu.r[k] = rnd.nextInt(4) == 0 ? rnd.nextLong() : 0x100 + rnd.nextInt(0x1000);
        }
        byte[] ram = new byte[MEM];
        for (int k = 0; k < MEM; k += 8) {
            long v = rnd.nextLong();
            for (int j = 0; j < 8; j++) {
                ram[k + j] = (byte) (v >>> (8 * j));
            }
        }
        cpu.ram.load(0, ram);
        if (rnd.nextBoolean()) {
            Flags.setArith(cpu, rnd.nextLong() & (Cpu.CF | Cpu.PF | Cpu.AF | Cpu.ZF | Cpu.SF | Cpu.OF));
        } else {
            // lazy flags left by an ALU operation, often with a zero result
            int[] codes = {Alu.OP_ADD, Alu.OP_SUB, Alu.OP_AND, Alu.OP_XOR, Alu.OP_CMP, Alu.OP_ADC};
            int size = 1 << rnd.nextInt(4);
            long x = rnd.nextLong();
            long y = rnd.nextInt(3) == 0 ? x : rnd.nextLong();
            Alu.binary(cpu, codes[rnd.nextInt(codes.length)], size, x & Flags.mask(size), y & Flags.mask(size));
        }
        cpu.rip = RIP;
    }

    private static String outcome(Runnable r) {
        try {
            r.run();
            return "ok";
        } catch (CpuException e) {
            return "#" + e.vector;
        } catch (RuntimeException e) {
            return e.getClass().getSimpleName();
        }
    }

    private static final int[] OPCODES = {
        0x00, 0x01, 0x02, 0x03, 0x08, 0x09, 0x0A, 0x0B, 0x10, 0x11, 0x12, 0x13, 0x18, 0x19, 0x1A, 0x1B,
        0x20, 0x21, 0x22, 0x23, 0x28, 0x29, 0x2A, 0x2B, 0x30, 0x31, 0x32, 0x33, 0x38, 0x39, 0x3A, 0x3B,
        0x84, 0x85, 0x80, 0x81, 0x83, 0xF6, 0xF7, 0x88, 0x89, 0x8A, 0x8B, 0xC6, 0xC7, 0xFE, 0xFF,
        0xC0, 0xC1, 0xD0, 0xD1, 0xD2, 0xD3,
    };

    /** Prefixes, an opcode of the specialised families, ModRM, SIB, a small displacement, immediates. */
    private static byte[] encode(Random rnd, boolean x64) {
        byte[] c = new byte[24];
        int p = 0;
        if (rnd.nextInt(5) == 0) {
            c[p++] = 0x66;
        }
        if (x64 && rnd.nextInt(5) < 3) {
            c[p++] = (byte) (0x40 | rnd.nextInt(16));
        }
        int op;
        if (!x64 && rnd.nextInt(10) == 0) {
            op = 0x40 + rnd.nextInt(16); // INC/DEC r32
        } else if (rnd.nextInt(12) == 0) {
            op = 0xB0 + rnd.nextInt(16); // MOV r, imm
        } else if (rnd.nextInt(10) == 0) {
            c[p++] = (byte) (0x70 + rnd.nextInt(16)); // Jcc rel8
            c[p++] = (byte) rnd.nextInt(256);
            return c;
        } else {
            op = OPCODES[rnd.nextInt(OPCODES.length)];
        }
        c[p++] = (byte) op;
        int mod = rnd.nextInt(4);
        int reg = rnd.nextInt(8);
        if (op == 0xF6 || op == 0xF7 || op == 0xC6 || op == 0xC7) {
            reg = 0;
        } else if (op == 0xFE || op == 0xFF) {
            reg = rnd.nextInt(2);
        }
        int rm = rnd.nextInt(8);
        c[p++] = (byte) (mod << 6 | reg << 3 | rm);
        if (mod != 3 && rm == 4) {
            c[p++] = (byte) rnd.nextInt(256);
        }
        // displacement bytes (disp8 or disp32, whichever the ModRM asks for), kept small
        c[p++] = (byte) rnd.nextInt(256);
        c[p++] = (byte) rnd.nextInt(16);
        c[p++] = 0;
        c[p++] = 0;
        while (p < c.length) {
            c[p++] = (byte) rnd.nextInt(256);
        }
        return c;
    }

    private static String hex(byte[] b, int len) {
        StringBuilder s = new StringBuilder();
        for (int k = 0; k < len; k++) {
            s.append(String.format("%02x ", b[k] & 0xFF));
        }
        return s.toString().trim();
    }

    // ---------------------------------------------------------------- Jcc pairs

    @Test
    void jccPairsAgreeWithTheirTwoStepsIn64BitMode() {
        pairs(64, 0x5EED_9A64L);
    }

    @Test
    void jccPairsAgreeWithTheirTwoStepsIn32BitMode() {
        pairs(32, 0x5EED_9A32L);
    }

    /**
     * A random register-only instruction followed by a random Jcc: the pair step must leave the
     * state the two generic executors leave, with the Jcc's next RIP set as the interpreter sets
     * it. Some RIPs and CS limits make a taken Jcc fault (a non-canonical target in 64-bit mode,
     * one beyond the CS limit in 32-bit mode): then the pair stops after the first instruction
     * (returns 1, RIP at the Jcc) and the Jcc's own step raises the fault.
     */
    private static void pairs(int mode, long seed) {
        Random rnd = new Random(seed);
        Map<String, Integer> seen = new HashMap<>();
        int stopped = 0;
        int compared = 0;
        Cpu a = cpu(mode);
        Cpu b = cpu(mode);
        for (int trial = 0; trial < 20_000; trial++) {
            byte[] code = encode(rnd, mode == 64);
            Insn first = new Insn();
            int len = Decoder.decode(code, 0, code.length, mode, first);
            if (len == 0 || first.op == null) {
                continue;
            }
            byte[] jccBytes = {(byte) (0x70 + rnd.nextInt(16)), (byte) rnd.nextInt(256)};
            Insn jcc = new Insn();
            int jlen = Decoder.decode(jccBytes, 0, 2, mode, jcc);
            Insn[] insns = {first, jcc};
            Step[] paired = PairSteps.paired(insns, Steps.of(insns));
            if (!(paired[0] instanceof PairSteps.JccPair)) {
                continue;
            }
            seen.merge(paired[0].getClass().getSimpleName(), 1, Integer::sum);
            long stateSeed = rnd.nextLong();
            setUp(a, stateSeed);
            setUp(b, stateSeed);
            long rip = rnd.nextInt(4) == 0 ? (mode == 64 ? 0x7FFF_FFFF_FFC0L : 0x4000) : RIP;
            if (mode == 32 && rip != RIP) {
                a.seg[Insn.CS].limit = b.seg[Insn.CS].limit = rip + len + jlen + 8;
            }
            long jccAt = rip + len;
            a.rip = jccAt;
            int[] ran = new int[1];
            String ra = outcome(() -> ran[0] = paired[0].run(a, first));
            b.rip = jccAt;
            String rb = outcome(() -> {
                ExecutorTable.get(first.op).execute(b, first);
                b.rip = jccAt + jlen;
                ExecutorTable.get(jcc.op).execute(b, jcc);
            });
            String what = first.op + " " + hex(code, len) + " then " + hex(jccBytes, 2) + " at 0x"
                    + Long.toHexString(rip) + " (" + paired[0].getClass().getSimpleName() + ")";
            assertEquals("ok", ra, what);
            if (rb.equals("ok")) {
                assertEquals(2, ran[0], what);
                assertEquals(b.rip, a.rip, what);
            } else {
                assertEquals("#13", rb, what);
                assertEquals(1, ran[0], what);
                assertEquals(jccAt, a.rip, what);
                stopped++;
            }
            assertArrayEquals(b.r, a.r, what);
            assertEquals(Flags.rflags(b), Flags.rflags(a), what);
            a.seg[Insn.CS].limit = b.seg[Insn.CS].limit = 0xFFFF_FFFFL;
            compared++;
        }
        assertTrue(compared > 3_000, "compared " + compared);
        assertTrue(stopped > 20, "stopped at a faulting Jcc " + stopped);
        for (String s : new String[] {"DecJcc", "CmpRRJcc", "CmpRIJcc", "TestRRJcc", "ThenJcc"}) {
            assertTrue(seen.getOrDefault(s, 0) > 20, s + " exercised: " + seen);
        }
    }

    // ---------------------------------------------------------------- block re-entry

    /**
     * A self-looping block whose store reaches its own immediate every 16th iteration: run as a
     * whole (the block re-entered directly while nothing changed) and instruction by instruction,
     * the two agree.
     */
    @Test
    void selfLoopReentryMatchesSingleSteppingWithSelfModifyingCode() {
        byte[] code = {
            (byte) 0x81, (byte) 0xC2, 3, 0, 0, 0,       // 0: add edx, 3 (immediate at 0x1002)
            (byte) 0x8B, 0x04, (byte) 0xFB,             // 6: mov eax, [ebx+edi*8]
            0x01, (byte) 0xD0,                          // 9: add eax, edx
            (byte) 0x89, 0x04, (byte) 0xFB,             // b: mov [ebx+edi*8], eax
            0x47,                                       // e: inc edi
            (byte) 0x83, (byte) 0xE7, 0x0F,             // f: and edi, 15
            0x49,                                       // 12: dec ecx
            0x75, (byte) 0xEB,                          // 13: jnz 0
            (byte) 0xF4,                                // 15: hlt
        };
        Cpu whole = loopCpu(code);
        Cpu stepped = loopCpu(code);
        EngineWorker w1 = new Interpreter(whole.ram).newWorker();
        int exit = ExitReason.BUDGET;
        while (exit == ExitReason.BUDGET) {
            exit = w1.run(whole, 1000);
        }
        EngineWorker w2 = new Interpreter(stepped.ram).newWorker();
        int exit2 = ExitReason.BUDGET;
        while (exit2 == ExitReason.BUDGET) {
            exit2 = w2.step(stepped);
        }
        assertEquals(ExitReason.HALT, exit);
        assertEquals(exit2, exit);
        assertEquals(stepped.instructions, whole.instructions);
        assertArrayEquals(stepped.r, whole.r);
        assertEquals(stepped.rip, whole.rip);
        assertEquals(Flags.rflags(stepped), Flags.rflags(whole));
        assertArrayEquals(bytes(stepped.ram), bytes(whole.ram));
        assertTrue(whole.ram.read32(0x1002) != 3, "the loop rewrote its immediate");
    }

    private static Cpu loopCpu(byte[] code) {
        Cpu cpu = TestCpus.prot32(0);
        cpu.ram.load(0x1000, code);
        cpu.rip = 0x1000;
        cpu.r[Cpu.RBX] = 0x1002 - 15 * 8; // entry 15 of the table is the immediate
        cpu.r[Cpu.RCX] = 100;
        cpu.r[Cpu.RDX] = 1;
        cpu.r[Cpu.RDI] = 0;
        return cpu;
    }
}
