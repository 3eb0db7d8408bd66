package org.apboot.core.semantics;

import static org.apboot.core.semantics.TestCpus.assertFlags;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apboot.core.cpu.Cpu;
import org.junit.jupiter.api.Test;

class FlagsTest {
    private final Cpu cpu = TestCpus.real();

    /**
     * Every condition code after CMP a, b, read from the lazy record and again after the flags
     * were materialised, against the comparison itself: B/AE unsigned a &lt; b, L/GE signed
     * a &lt; b, E equality, S the sign of a - b, O signed overflow of a - b, P the parity of its
     * low byte (Intel SDM vol. 1 appendix B).
     */
    @Test
    void conditionsAfterCompareMatchTheComparison() {
        long[] v = {0, 1, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFF_FFFFL, 0x8000_0000L, -1L, Long.MIN_VALUE};
        for (int size : new int[] {1, 2, 4, 8}) {
            int bits = size * 8;
            long m = bits == 64 ? -1L : (1L << bits) - 1;
            for (long a0 : v) {
                for (long b0 : v) {
                    long a = a0 & m, b = b0 & m;
                    long sa = a << (64 - bits) >> (64 - bits), sb = b << (64 - bits) >> (64 - bits);
                    long diff = (a - b) & m;
                    boolean below = Long.compareUnsigned(a, b) < 0;
                    boolean equal = a == b;
                    boolean less = sa < sb;
                    boolean sign = (diff >>> (bits - 1) & 1) != 0;
                    // overflow: the true signed difference does not fit the operand size
                    boolean overflow = java.math.BigInteger.valueOf(sa).subtract(java.math.BigInteger.valueOf(sb))
                            .bitLength() >= bits;
                    boolean parity = Long.bitCount(diff & 0xFF) % 2 == 0;
                    boolean[] want = {overflow, !overflow, below, !below, equal, !equal, below || equal,
                        !(below || equal), sign, !sign, parity, !parity, less, !less, less || equal, !(less || equal)};
                    for (int cc = 0; cc < 16; cc++) {
                        String what = "cc " + cc + " size " + size + " a=" + Long.toHexString(a) + " b=" + Long.toHexString(b);
                        Alu.cmp(cpu, size, a, b);
                        assertEquals(want[cc], Flags.cond(cpu, cc), what + " (lazy)");
                        Flags.materialize(cpu);
                        assertEquals(want[cc], Flags.cond(cpu, cc), what + " (materialised)");
                    }
                }
            }
        }
    }

    @Test
    void conditionsFromFlags() {
        Flags.setArith(cpu, Cpu.ZF);
        assertTrue(Flags.cond(cpu, 0x4)); // E
        assertTrue(Flags.cond(cpu, 0x6)); // BE
        assertTrue(Flags.cond(cpu, 0xE)); // LE
        assertFalse(Flags.cond(cpu, 0xF)); // G
        Flags.setArith(cpu, Cpu.SF);
        assertTrue(Flags.cond(cpu, 0xC)); // L: SF != OF
        Flags.setArith(cpu, Cpu.SF | Cpu.OF);
        assertTrue(Flags.cond(cpu, 0xD)); // GE
        assertTrue(Flags.cond(cpu, 0x0)); // O
        Flags.setArith(cpu, Cpu.PF);
        assertTrue(Flags.cond(cpu, 0xA)); // P
        assertTrue(Flags.cond(cpu, 0x3)); // AE
    }

    @Test
    void rflagsRoundTripKeepsReservedBits() {
        Flags.setRflags(cpu, -1L, -1L);
        long f = Flags.rflags(cpu);
        assertEquals(0, f & ((1 << 3) | (1 << 5) | (1 << 15) | (0xFFFF_FFFF_FFC0_0000L)));
        assertEquals(2, f & 2);
        assertEquals(Cpu.ARITH_FLAGS, f & Cpu.ARITH_FLAGS);
        Flags.setRflags(cpu, 0, Cpu.CF | Cpu.DF);
        assertEquals(0, Flags.rflags(cpu) & (Cpu.CF | Cpu.DF));
        assertFlags(cpu, "PF AF ZF SF OF");
    }

    @Test
    void updateChangesSelectedBitsOfALazyRecord() {
        Alu.sub(cpu, 1, 0, 1); // CF PF AF SF
        Flags.update(cpu, Cpu.CF | Cpu.ZF, Cpu.ZF);
        assertFlags(cpu, "PF AF ZF SF");
    }
}
