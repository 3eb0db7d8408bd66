package org.apboot.core.semantics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apboot.core.cpu.Cpu;
import org.junit.jupiter.api.Test;

/**
 * Two corners of the flag readers the other flag tests do not reach. ADD of zero: CF is the
 * carry out of the most significant bit (SDM vol. 2, ADD; vol. 1 appendix A), and adding 0 never
 * carries, whatever the other operand (0 included, where the result equals it). Flags loaded
 * whole (SAHF, POPF) after an arithmetic instruction: ZF and PF are the loaded bits, not those of
 * the earlier result, as Jcc/SETcc read them (JE on ZF, JP on PF).
 */
class FlagReaderCornerCasesTest {
    private static final int E = 4, P = 10, B = 2;

    @Test
    void addingZeroNeverCarries() {
        Cpu cpu = TestCpus.prot32(0);
        long[] values = {0, 1, 0x7F, 0x80, 0xFF, 0xFFFF, 0x8000_0000L, 0xFFFF_FFFFL, -1L, Long.MIN_VALUE};
        for (int size : new int[] {1, 2, 4, 8}) {
            long mask = size == 8 ? -1L : (1L << (8 * size)) - 1;
            for (long v : values) {
                long r = Alu.add(cpu, size, v & mask, 0);
                assertEquals(v & mask, r);
                assertFalse(Flags.carry(cpu), () -> size + "-byte " + Long.toHexString(v) + " + 0");
                assertFalse(Flags.cond(cpu, B), () -> "JB after " + size + "-byte " + Long.toHexString(v) + " + 0");
                assertEquals(0, Flags.rflags(cpu) & Cpu.CF);
            }
        }
    }

    @Test
    void zeroAndParityComeFromFlagsLoadedWholeNotFromTheEarlierResult() {
        Cpu cpu = TestCpus.prot32(0);
        Alu.add(cpu, 1, 0, 1);                      // result 1: ZF clear, odd parity (PF clear)
        Flags.setArith(cpu, Cpu.ZF);                // then ZF loaded set, PF clear
        assertTrue(Flags.zero(cpu));
        assertFalse(Flags.parity(cpu));
        assertTrue(Flags.cond(cpu, E));
        assertFalse(Flags.cond(cpu, P));
        Alu.add(cpu, 1, 0, 0);                      // result 0: ZF set, even parity (PF set)
        Flags.setArith(cpu, Cpu.PF);                // then PF loaded set, ZF clear
        assertFalse(Flags.zero(cpu));
        assertTrue(Flags.parity(cpu));
        assertFalse(Flags.cond(cpu, E));
        assertTrue(Flags.cond(cpu, P));
        Alu.add(cpu, 1, 0, 3);                      // result 3: ZF clear, even parity
        Flags.setArith(cpu, 0);                     // then both loaded clear
        assertFalse(Flags.zero(cpu));
        assertFalse(Flags.parity(cpu));
        Alu.add(cpu, 1, 0, 0);                      // a lazy record of result 0: ZF and PF set
        assertTrue(Flags.zero(cpu));
        assertTrue(Flags.parity(cpu));
        assertTrue(Flags.cond(cpu, E));
        assertTrue(Flags.cond(cpu, P));
    }
}
