package org.apboot.core.semantics;

import static org.apboot.core.semantics.TestCpus.assertFlags;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.decode.Insn;
import org.junit.jupiter.api.Test;

/**
 * MOVS, STOS, LODS, CMPS, SCAS with and without repeat prefixes (SDM vol. 2 and the REP page):
 * the data moved, rSI/rDI stepped by the operand size in the direction DF gives, rCX counted at
 * the address size (a 16-bit count keeps the bits above, a 32-bit one zero-extends), REPE/REPNE
 * stopping on ZF, and a long repeat handing back to the engine after
 * {@link Strings#ITERATIONS_PER_STEP} iterations. Real mode: DS and ES at base 0, 64 KiB limits.
 */
class StringInstructionsTest {
    private final Cpu cpu = TestCpus.real();

    /** {@code a} at DS:0x1000 (RSI), {@code b} at ES:0x2000 (RDI), RCX = {@code count}. */
    private void compareAt(String a, String b, long count) {
        bytes(0x1000, a);
        bytes(0x2000, b);
        cpu.r[Cpu.RSI] = 0x1000;
        cpu.r[Cpu.RDI] = 0x2000;
        cpu.r[Cpu.RCX] = count;
    }

    private void bytes(long at, String s) {
        for (int i = 0; i < s.length(); i++) {
            cpu.ram.write8(at + i, s.charAt(i));
        }
    }

    @Test
    void movsCopiesOneElementAndStepsBothIndexes() {
        cpu.ram.write16(0x1000, 0xBEEF);
        cpu.r[Cpu.RSI] = 0xABCD_0000_1000L; // upper bits are kept at a 16-bit address size
        cpu.r[Cpu.RDI] = 0x2000;
        assertTrue(Strings.movs(cpu, 2, 2, Insn.DS, Insn.REP_NONE));
        assertEquals(0xBEEF, cpu.ram.read16(0x2000));
        assertEquals(0xABCD_0000_1002L, cpu.r[Cpu.RSI]);
        assertEquals(0x2002, cpu.r[Cpu.RDI]);
        FlagOps.std(cpu);
        cpu.ram.write32(0x1002, 0x1234_5678);
        assertTrue(Strings.movs(cpu, 4, 4, Insn.DS, Insn.REP_NONE));
        assertEquals(0x1234_5678, cpu.ram.read32(0x2002));
        assertEquals(0x0FFE, cpu.r[Cpu.RSI]); // 32-bit address size: zero-extended
        assertEquals(0x1FFE, cpu.r[Cpu.RDI]);
    }

    @Test
    void repMovsCopiesRcxElements() {
        bytes(0x1000, "abcdef");
        cpu.r[Cpu.RSI] = 0x1000;
        cpu.r[Cpu.RDI] = 0x2000;
        cpu.r[Cpu.RCX] = 0x7_0004L; // CX = 4
        assertTrue(Strings.movs(cpu, 1, 2, Insn.DS, Insn.REP));
        assertEquals(0x6463_6261, cpu.ram.read32(0x2000));
        assertEquals(0, cpu.ram.read8(0x2004));
        assertEquals(0x7_0000L, cpu.r[Cpu.RCX]);
        assertEquals(0x1004, cpu.r[Cpu.RSI]);
        assertEquals(0x2004, cpu.r[Cpu.RDI]);
    }

    @Test
    void stosStoresTheAccumulator() {
        cpu.r[Cpu.RAX] = 0x1122_3344_5566_7788L;
        cpu.r[Cpu.RDI] = 0x3000;
        assertTrue(Strings.stos(cpu, 4, 2, Insn.REP_NONE));
        assertEquals(0x5566_7788, cpu.ram.read32(0x3000));
        assertEquals(0x3004, cpu.r[Cpu.RDI]);
        FlagOps.std(cpu);
        cpu.r[Cpu.RCX] = 0xFFFF_FFFF_0000_0003L; // ECX = 3
        assertTrue(Strings.stos(cpu, 1, 4, Insn.REPNE)); // F2 repeats STOS like F3
        assertEquals(0x88, cpu.ram.read8(0x3004));
        assertEquals(0x88, cpu.ram.read8(0x3003));
        assertEquals(0x88, cpu.ram.read8(0x3002));
        assertEquals(0x77, cpu.ram.read8(0x3001)); // the first STOS's second byte, left alone
        assertEquals(0, cpu.r[Cpu.RCX]);
        assertEquals(0x3001, cpu.r[Cpu.RDI]);
    }

    @Test
    void lodsLoadsTheAccumulatorAtTheOperandSize() {
        cpu.ram.write16(0x1000, 0x4241);
        cpu.ram.write8(0x1002, 0x43);
        cpu.r[Cpu.RAX] = 0xFFFF_FFFF_FFFF_FFFFL;
        cpu.r[Cpu.RSI] = 0x1000;
        assertTrue(Strings.lods(cpu, 2, 2, Insn.DS, Insn.REP_NONE));
        assertEquals(0xFFFF_FFFF_FFFF_4241L, cpu.r[Cpu.RAX]);
        assertEquals(0x1002, cpu.r[Cpu.RSI]);
        cpu.r[Cpu.RSI] = 0x1000;
        cpu.r[Cpu.RCX] = 3;
        assertTrue(Strings.lods(cpu, 1, 2, Insn.DS, Insn.REP));
        assertEquals(0xFFFF_FFFF_FFFF_4243L, cpu.r[Cpu.RAX]); // the last byte loaded
        assertEquals(0x1003, cpu.r[Cpu.RSI]);
        assertEquals(0, cpu.r[Cpu.RCX]);
    }

    @Test
    void cmpsComparesSourceWithDestination() {
        cpu.ram.write8(0x1000, 5);
        cpu.ram.write8(0x2000, 7);
        cpu.r[Cpu.RSI] = 0x1000;
        cpu.r[Cpu.RDI] = 0x2000;
        assertTrue(Strings.cmps(cpu, 1, 2, Insn.DS, Insn.REP_NONE));
        assertFlags(cpu, "CF AF SF"); // 5 - 7 = 0xFE
        assertEquals(0x1001, cpu.r[Cpu.RSI]);
        assertEquals(0x2001, cpu.r[Cpu.RDI]);
    }

    @Test
    void repeCmpsStopsAtTheFirstDifference() {
        compareAt("abcXef", "abcYef", 10);
        assertTrue(Strings.cmps(cpu, 1, 2, Insn.DS, Insn.REP));
        assertEquals(6, cpu.r[Cpu.RCX]);
        assertEquals(0x1004, cpu.r[Cpu.RSI]);
        assertEquals(0x2004, cpu.r[Cpu.RDI]);
        assertFlags(cpu, "CF PF AF SF"); // 'X' - 'Y' = 0xFF
    }

    @Test
    void repneCmpsStopsAtTheFirstMatch() {
        compareAt("abcd", "xyzd", 10);
        assertTrue(Strings.cmps(cpu, 1, 2, Insn.DS, Insn.REPNE));
        assertEquals(6, cpu.r[Cpu.RCX]);
        assertEquals(0x1004, cpu.r[Cpu.RSI]);
        assertFlags(cpu, "PF ZF");
    }

    @Test
    void repeCmpsOfEqualStringsRunsTheCountOut() {
        compareAt("same", "same", 2);
        assertTrue(Strings.cmps(cpu, 2, 2, Insn.DS, Insn.REP));
        assertEquals(0, cpu.r[Cpu.RCX]);
        assertEquals(0x1004, cpu.r[Cpu.RSI]);
        assertEquals(0x2004, cpu.r[Cpu.RDI]);
        assertFlags(cpu, "PF ZF");
    }

    @Test
    void scasComparesTheAccumulatorAtTheOperandSize() {
        cpu.ram.write8(0x2000, 0x41);
        cpu.r[Cpu.RAX] = 0x7700_0041L; // only AL takes part
        cpu.r[Cpu.RDI] = 0x2000;
        assertTrue(Strings.scas(cpu, 1, 2, Insn.REP_NONE));
        assertFlags(cpu, "PF ZF");
        assertEquals(0x2001, cpu.r[Cpu.RDI]);
    }

    @Test
    void repneScasFindsTheTerminator() {
        bytes(0x2000, "hello\0world");
        cpu.r[Cpu.RAX] = 0x1200; // AL = 0
        cpu.r[Cpu.RDI] = 0x2000;
        cpu.r[Cpu.RCX] = 100;
        assertTrue(Strings.scas(cpu, 1, 2, Insn.REPNE));
        assertEquals(94, cpu.r[Cpu.RCX]);
        assertEquals(0x2006, cpu.r[Cpu.RDI]);
        assertFlags(cpu, "PF ZF");
    }

    @Test
    void repeScasSkipsARun() {
        bytes(0x2000, "aaab");
        cpu.r[Cpu.RAX] = 'a';
        cpu.r[Cpu.RDI] = 0x2000;
        cpu.r[Cpu.RCX] = 10;
        assertTrue(Strings.scas(cpu, 1, 2, Insn.REP));
        assertEquals(6, cpu.r[Cpu.RCX]);
        assertEquals(0x2004, cpu.r[Cpu.RDI]);
        assertFlags(cpu, "CF PF AF SF"); // 'a' - 'b' = 0xFF
        FlagOps.std(cpu);
        cpu.r[Cpu.RCX] = 5;
        cpu.r[Cpu.RDI] = 0x2002; // backwards over "aaa" to the 0 below it
        assertTrue(Strings.scas(cpu, 1, 2, Insn.REP));
        assertEquals(1, cpu.r[Cpu.RCX]);
        assertEquals(0x1FFE, cpu.r[Cpu.RDI]);
        assertFlags(cpu, ""); // 'a' - 0 = 0x61, three bits set
    }

    @Test
    void aZeroCountDoesNothing() {
        cpu.r[Cpu.RCX] = 0xFFFF_0000L; // CX = 0
        cpu.r[Cpu.RSI] = 0x1000;
        cpu.r[Cpu.RDI] = 0x2000;
        Flags.setArith(cpu, Cpu.CF);
        assertTrue(Strings.movs(cpu, 1, 2, Insn.DS, Insn.REP));
        assertTrue(Strings.stos(cpu, 1, 2, Insn.REP));
        assertTrue(Strings.lods(cpu, 1, 2, Insn.DS, Insn.REP));
        assertTrue(Strings.cmps(cpu, 1, 2, Insn.DS, Insn.REP));
        assertTrue(Strings.scas(cpu, 1, 2, Insn.REPNE));
        assertEquals(0xFFFF_0000L, cpu.r[Cpu.RCX]);
        assertEquals(0x1000, cpu.r[Cpu.RSI]);
        assertEquals(0x2000, cpu.r[Cpu.RDI]);
        assertFlags(cpu, "CF");
    }

    /** A repeat of {@code ITERATIONS_PER_STEP + 3} returns false with 3 left, then finishes. */
    private void resumes(java.util.function.BooleanSupplier step, long start) {
        long n = Strings.ITERATIONS_PER_STEP + 3;
        cpu.r[Cpu.RCX] = n;
        cpu.r[Cpu.RSI] = start;
        cpu.r[Cpu.RDI] = start;
        assertFalse(step.getAsBoolean());
        assertEquals(3, cpu.r[Cpu.RCX]);
        assertTrue(step.getAsBoolean());
        assertEquals(0, cpu.r[Cpu.RCX]);
    }

    @Test
    void longRepeatsHandBackAndResume() {
        resumes(() -> Strings.movs(cpu, 1, 4, Insn.DS, Insn.REP), 0x4000);
        assertEquals(0x4000 + Strings.ITERATIONS_PER_STEP + 3, cpu.r[Cpu.RSI]);
        resumes(() -> Strings.stos(cpu, 1, 4, Insn.REP), 0x4000);
        assertEquals(0x4000 + Strings.ITERATIONS_PER_STEP + 3, cpu.r[Cpu.RDI]);
        resumes(() -> Strings.lods(cpu, 1, 4, Insn.DS, Insn.REP), 0x4000);
        assertEquals(0x4000 + Strings.ITERATIONS_PER_STEP + 3, cpu.r[Cpu.RSI]);
        resumes(() -> Strings.cmps(cpu, 1, 4, Insn.DS, Insn.REP), 0x4000); // a string equal to itself
        assertEquals(0x4000 + Strings.ITERATIONS_PER_STEP + 3, cpu.r[Cpu.RDI]);
        cpu.r[Cpu.RAX] = 1; // memory there is 0: REPNE SCAS for 1 runs the count out
        resumes(() -> Strings.scas(cpu, 1, 4, Insn.REPNE), 0x4000);
        assertEquals(0x4000 + Strings.ITERATIONS_PER_STEP + 3, cpu.r[Cpu.RDI]);
    }

    @Test
    void restartPointsBackAtTheInstructionWrappingAtTheCodeSize() {
        cpu.rip = 1;
        Strings.restartUnlessDone(cpu, 2, true);
        assertEquals(1, cpu.rip);
        Strings.restartUnlessDone(cpu, 2, false);
        assertEquals(0xFFFF, cpu.rip);
        Cpu p = TestCpus.prot32(0);
        p.rip = 1;
        Strings.restartUnlessDone(p, 3, false);
        assertEquals(0xFFFF_FFFEL, p.rip);
        Cpu l = TestCpus.long64();
        l.rip = 0x1_0000_0001L;
        Strings.restartUnlessDone(l, 2, false);
        assertEquals(0xFFFF_FFFFL, l.rip);
        l.rip = 1;
        Strings.restartUnlessDone(l, 2, false);
        assertEquals(-1L, l.rip);
    }

    /**
     * A zero count with a 32-bit address size: no element moves, but rCX, and the pointers of
     * MOVS and STOS, are written at that size (upper halves cleared), as an Intel host does
     * (family 6 model 0xA7, {@code 67 F3 A4} and the rest run natively with ECX = 0 and garbage
     * in the upper halves). A 16-bit address size keeps the bits above.
     */
    @Test
    void aZeroCountWritesTheCounterAndTheStoringPointersAtTheAddressSize() {
        long rcx = 0xDEAD_BEEF_0000_0000L, rsi = 0x1234_5678_0000_1000L, rdi = 0x8765_4321_0000_2000L;
        cpu.ram.write8(0x2000, 0x77);
        String[] ops = {"movs", "stos", "lods", "cmps", "scas"};
        long[][] want = { // rcx, rsi, rdi after the instruction
            {0, 0x1000, 0x2000}, {0, rsi, 0x2000}, {0, rsi, rdi}, {0, rsi, rdi}, {0, rsi, rdi}};
        for (int i = 0; i < ops.length; i++) {
            for (int addrSize : new int[] {4, 2}) {
                cpu.r[Cpu.RCX] = addrSize == 4 ? rcx : rcx | 0xFFFF_0000L;
                cpu.r[Cpu.RSI] = rsi;
                cpu.r[Cpu.RDI] = rdi;
                cpu.r[Cpu.RAX] = 0x55;
                int rep = i >= 3 ? Insn.REPNE : Insn.REP;
                boolean done;
                switch (ops[i]) {
                    case "movs": done = Strings.movs(cpu, 1, addrSize, Insn.DS, rep); break;
                    case "stos": done = Strings.stos(cpu, 1, addrSize, rep); break;
                    case "lods": done = Strings.lods(cpu, 1, addrSize, Insn.DS, rep); break;
                    case "cmps": done = Strings.cmps(cpu, 1, addrSize, Insn.DS, rep); break;
                    default: done = Strings.scas(cpu, 1, addrSize, rep); break;
                }
                String what = "rep " + ops[i] + " a" + addrSize * 8;
                assertTrue(done, what);
                if (addrSize == 4) {
                    assertEquals(want[i][0], cpu.r[Cpu.RCX], what + " rcx");
                    assertEquals(want[i][1], cpu.r[Cpu.RSI], what + " rsi");
                    assertEquals(want[i][2], cpu.r[Cpu.RDI], what + " rdi");
                } else {
                    assertEquals(rcx | 0xFFFF_0000L, cpu.r[Cpu.RCX], what + " rcx");
                    assertEquals(rsi, cpu.r[Cpu.RSI], what + " rsi");
                    assertEquals(rdi, cpu.r[Cpu.RDI], what + " rdi");
                }
                assertEquals(0x55, cpu.r[Cpu.RAX], what + " rax");
                assertEquals(0x77, cpu.ram.read8(0x2000), what + " memory");
            }
        }
    }
}
