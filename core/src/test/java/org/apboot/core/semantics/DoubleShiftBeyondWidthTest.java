package org.apboot.core.semantics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.apboot.core.cpu.Cpu;
import org.junit.jupiter.api.Test;

/**
 * SHLD/SHRD with a 16-bit operand and a masked count of 17..31, where the SDM leaves result and
 * flags undefined and Intel processors shift through the 48-bit pattern dst:src:dst. Written
 * here as two steps the manual does define: a shift by 16 moves all of src into dst, and the
 * remaining {@code c - 16} bits then come from the original dst. CF is the last bit shifted
 * out, SF/ZF/PF follow the result, AF is clear, and OF is what a shift by one would give: bit 15
 * of dst XOR bit 14 of dst (SHLD), bit 15 of dst XOR bit 0 of src (SHRD). Result and flags were
 * read off an Intel host (family 6 model 0xA7: 20,000 random cases per instruction, run
 * natively), where the host-CPU oracle compares the same cases; AMD processors (checked on an
 * AMD EPYC) fill both instructions differently, so there it leaves them to this test.
 */
class DoubleShiftBeyondWidthTest {
    private static long szp(long r) {
        long f = 0;
        if (r == 0) f |= Cpu.ZF;
        if ((r & 0x8000) != 0) f |= Cpu.SF;
        if (Long.bitCount(r & 0xFF) % 2 == 0) f |= Cpu.PF;
        return f;
    }

    /** SHLD r16 by c in 17..31: result in bits 15:0, flags above. */
    static long[] shld(int dst, int src, int c) {
        int k = c - 16; // after SHLD by 16, dst = src; k more bits come from dst's top
        long r = ((src << k) | (dst >>> (16 - k))) & 0xFFFF;
        boolean cf = ((src >>> (16 - k)) & 1) != 0; // the last bit that left src's top
        boolean of = (((dst >>> 15) ^ (dst >>> 14)) & 1) != 0;
        return new long[] {r, szp(r) | (cf ? Cpu.CF : 0) | (of ? Cpu.OF : 0)};
    }

    /** SHRD r16 by c in 17..31. */
    static long[] shrd(int dst, int src, int c) {
        int k = c - 16; // after SHRD by 16, dst = src; k more bits come from dst's bottom
        long r = ((src >>> k) | (dst << (16 - k))) & 0xFFFF;
        boolean cf = ((src >>> (k - 1)) & 1) != 0;
        boolean of = (((dst >>> 15) ^ src) & 1) != 0;
        return new long[] {r, szp(r) | (cf ? Cpu.CF : 0) | (of ? Cpu.OF : 0)};
    }

    @Test
    void everyCountAboveTheWidth() {
        Cpu cpu = TestCpus.real();
        SplittableRandom rnd = new SplittableRandom(0x5D);
        int[] edges = {0, 1, 0x7FFF, 0x8000, 0xFFFF, 0x5555, 0xAAAA, 0x0001, 0x8001};
        for (int c = 17; c <= 31; c++) {
            for (int n = 0; n < 400; n++) {
                int dst = n < 81 ? edges[n % 9] : rnd.nextInt(0x10000);
                int src = n < 81 ? edges[n / 9] : rnd.nextInt(0x10000);
                // counts with bits above the 5-bit mask, and garbage above the operand
                long count = c | (long) rnd.nextInt(8) << 5;
                long garbage = rnd.nextLong() << 16;
                String what = String.format("dst=%04x src=%04x count=%d", dst, src, c);
                Flags.setArith(cpu, rnd.nextLong() & Cpu.ARITH_FLAGS);
                long[] want = shld(dst, src, c);
                assertEquals(want[0], Shifts.shld(cpu, 2, garbage | dst, garbage | src, count), "SHLD " + what);
                assertEquals(want[1], Flags.arith(cpu), "SHLD flags " + what);
                Flags.setArith(cpu, rnd.nextLong() & Cpu.ARITH_FLAGS);
                want = shrd(dst, src, c);
                assertEquals(want[0], Shifts.shrd(cpu, 2, garbage | dst, garbage | src, count), "SHRD " + what);
                assertEquals(want[1], Flags.arith(cpu), "SHRD flags " + what);
            }
        }
    }

    @Test
    void countOfExactlyTheWidthGivesSrc() {
        // defined by the SDM: count 16 moves src into dst; CF is the last bit out of dst
        Cpu cpu = TestCpus.real();
        assertEquals(0x1234, Shifts.shld(cpu, 2, 0x8001, 0x1234, 16));
        assertEquals(Cpu.CF, Flags.arith(cpu) & Cpu.CF, "SHLD: CF = dst bit 0");
        assertEquals(0x1234, Shifts.shrd(cpu, 2, 0x8001, 0x1234, 16));
        assertEquals(Cpu.CF, Flags.arith(cpu) & Cpu.CF, "SHRD: CF = dst bit 15");
        assertEquals(0x1234, Shifts.shrd(cpu, 2, 0x0001, 0x1234, 16));
        assertEquals(0, Flags.arith(cpu) & Cpu.CF);
    }

    /** Rows read off the Intel host: dst, src, count, flags before, result, flags after. */
    @Test
    void casesAsTheIntelHostRanThem() {
        long[][] shld = {
            {0x4567, 0x23c6, 29, 0x853, 0xc8ac, 0x884}, {0xdc51, 0x5cff, 18, 0x8c6, 0x73ff, 0x005},
            {0x1f29, 0x7ccd, 19, 0x083, 0xe668, 0x081}, {0x41f2, 0x1efb, 25, 0x046, 0xf683, 0x881},
            {0x007c, 0x62c2, 24, 0x0d2, 0xc200, 0x084}, {0x231b, 0xe9e8, 29, 0x087, 0x0463, 0x005}};
        long[][] shrd = {
            {0x4567, 0x23c6, 29, 0x853, 0x2b39, 0x004}, {0xdc51, 0x5cff, 18, 0x8c6, 0x573f, 0x005},
            {0x1f29, 0x7ccd, 19, 0x083, 0x2f99, 0x805}, {0x41f2, 0x1efb, 25, 0x046, 0xf90f, 0x884},
            {0x007c, 0x62c2, 24, 0x0d2, 0x7c62, 0x001}, {0x231b, 0xe9e8, 29, 0x087, 0x18df, 0x000}};
        Cpu cpu = TestCpus.real();
        for (int left = 0; left < 2; left++) {
            for (long[] t : left == 1 ? shld : shrd) {
                String what = String.format("%s dst=%04x src=%04x count=%d", left == 1 ? "SHLD" : "SHRD",
                        t[0], t[1], t[2]);
                Flags.setArith(cpu, t[3] & Cpu.ARITH_FLAGS);
                long r = left == 1 ? Shifts.shld(cpu, 2, t[0], t[1], t[2]) : Shifts.shrd(cpu, 2, t[0], t[1], t[2]);
                assertEquals(t[4], r, what);
                assertEquals(t[5], Flags.arith(cpu), what + " flags");
            }
        }
    }
}
