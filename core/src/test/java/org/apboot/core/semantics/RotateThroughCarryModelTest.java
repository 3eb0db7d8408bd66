package org.apboot.core.semantics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apboot.core.cpu.Cpu;
import org.junit.jupiter.api.Test;

/**
 * ROL, ROR, RCL, RCR, SHLD and SHRD against the SDM's pseudo-code run one bit at a time (vol. 2,
 * "RCL/RCR/ROL/ROR" and "SHLD", "SHRD"), written here independently of {@link Shifts}: the
 * result and CF for every count up to the operand width, OF where it is defined (count 1), and
 * a masked count of 0 leaving every flag alone. SAR at 32 bits from its definition.
 */
class RotateThroughCarryModelTest {
    private final Cpu cpu = TestCpus.real();

    private static final long[] VALUES = {0x0L, 0x1L, 0x80L, 0x81L, 0xA5L, 0x8001L, 0xC0DEL, 0x8000_0001L,
        0x7FFF_FFFFL, 0xDEAD_BEEFL, 0x8000_0000_0000_0001L, 0x0123_4567_89AB_CDEFL, -1L, 0xF0F0_F0F0_F0F0_F0F0L};

    private static long mask(int size) {
        return size == 8 ? -1L : (1L << (8 * size)) - 1;
    }

    private static boolean msb(long v, int size) {
        return ((v >>> (8 * size - 1)) & 1) != 0;
    }

    /** {result, CF (0/1), OF of a count of 1 (0/1)} by the SDM's loop. */
    private static long[] model(String op, int size, long dest, boolean cf, int count) {
        long m = mask(size);
        int bits = 8 * size;
        long d = dest & m;
        int temp;
        switch (op) {
            case "RCL":
            case "RCR":
                temp = size == 1 ? count % 9 : size == 2 ? count % 17 : count;
                break;
            default:
                temp = count % bits;
                break;
        }
        boolean of = false;
        if (op.equals("RCR") && count == 1) {
            of = msb(d, size) ^ cf;
        }
        for (; temp > 0; temp--) {
            switch (op) {
                case "RCL": {
                    boolean t = msb(d, size);
                    d = ((d << 1) | (cf ? 1 : 0)) & m;
                    cf = t;
                    break;
                }
                case "RCR": {
                    boolean t = (d & 1) != 0;
                    d = (d >>> 1) | ((cf ? 1L : 0L) << (bits - 1));
                    cf = t;
                    break;
                }
                case "ROL": {
                    boolean t = msb(d, size);
                    d = ((d << 1) | (t ? 1 : 0)) & m;
                    break;
                }
                default: { // ROR
                    boolean t = (d & 1) != 0;
                    d = (d >>> 1) | ((t ? 1L : 0L) << (bits - 1));
                    break;
                }
            }
        }
        if (op.equals("ROL")) {
            cf = (d & 1) != 0;
        } else if (op.equals("ROR")) {
            cf = msb(d, size);
        }
        if (count == 1) {
            switch (op) {
                case "RCL": case "ROL": of = msb(d, size) ^ cf; break;
                case "ROR": of = msb(d, size) ^ (((d >>> (bits - 2)) & 1) != 0); break;
                default: break;
            }
        }
        return new long[] {d, cf ? 1 : 0, of ? 1 : 0};
    }

    private long[] run(String op, int size, long dest, boolean cf, int count) {
        Flags.setArith(cpu, cf ? Cpu.CF : 0);
        long r;
        switch (op) {
            case "RCL": r = Shifts.rcl(cpu, size, dest, count); break;
            case "RCR": r = Shifts.rcr(cpu, size, dest, count); break;
            case "ROL": r = Shifts.rol(cpu, size, dest, count); break;
            default: r = Shifts.ror(cpu, size, dest, count); break;
        }
        long f = Flags.arith(cpu);
        return new long[] {r, (f & Cpu.CF) != 0 ? 1 : 0, (f & Cpu.OF) != 0 ? 1 : 0};
    }

    @Test
    void rotatesMatchTheBitByBitDefinition() {
        for (String op : new String[] {"RCL", "RCR", "ROL", "ROR"}) {
            for (int size : new int[] {1, 2, 4, 8}) {
                int max = size == 8 ? 63 : 31;
                for (int count = 1; count <= max; count++) {
                    for (long v : VALUES) {
                        for (boolean cf : new boolean[] {false, true}) {
                            long[] want = model(op, size, v, cf, count);
                            long[] got = run(op, size, v, cf, count);
                            String what = op + " size " + size + " count " + count + " of 0x" + Long.toHexString(v)
                                    + " CF " + cf;
                            assertEquals(want[0], got[0], what + ": result");
                            assertEquals(want[1], got[1], what + ": CF");
                            if (count == 1) {
                                assertEquals(want[2], got[2], what + ": OF");
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void aMaskedCountOfZeroChangesNoFlag() {
        for (int size : new int[] {1, 2, 4, 8}) {
            int count = size == 8 ? 64 : 32; // masked to 0
            Flags.setArith(cpu, Cpu.CF | Cpu.OF | Cpu.ZF);
            assertEquals(0x81, Shifts.rcl(cpu, size, 0x81, count));
            assertEquals(0x81, Shifts.rcr(cpu, size, 0x81, count));
            assertEquals(0x81, Shifts.rol(cpu, size, 0x81, count));
            assertEquals(0x81, Shifts.shld(cpu, size, 0x81, -1L, count));
            assertEquals(0x81, Shifts.shrd(cpu, size, 0x81, -1L, count));
            assertEquals(Cpu.CF | Cpu.OF | Cpu.ZF, Flags.arith(cpu), "size " + size);
        }
    }

    /** SHLD/SHRD of {@code dest} with bits from {@code src}, by the SDM's bit loop: {result, CF}. */
    private static long[] doubleShiftModel(boolean left, int size, long dest, long src, int count) {
        int bits = 8 * size;
        long m = mask(size);
        long d = dest & m, s = src & m;
        boolean cf = false;
        for (int i = 0; i < count; i++) {
            if (left) {
                cf = msb(d, size);
                d = ((d << 1) | (msb(s, size) ? 1 : 0)) & m;
                s = (s << 1) & m;
            } else {
                cf = (d & 1) != 0;
                d = (d >>> 1) | ((s & 1) << (bits - 1));
                s >>>= 1;
            }
        }
        return new long[] {d, cf ? 1 : 0};
    }

    @Test
    void doubleShiftsUpToTheWidthMatchTheBitByBitDefinition() {
        for (int size : new int[] {2, 4, 8}) {
            int max = size == 2 ? 16 : size == 4 ? 31 : 63;
            for (int count = 1; count <= max; count++) {
                for (long d : VALUES) {
                    for (long s : new long[] {0, -1L, 0x8000_0000_0000_0001L, 0x1234_5678_9ABC_DEF0L}) {
                        for (boolean left : new boolean[] {true, false}) {
                            long[] want = doubleShiftModel(left, size, d, s, count);
                            long r = left ? Shifts.shld(cpu, size, d, s, count) : Shifts.shrd(cpu, size, d, s, count);
                            String what = (left ? "SHLD" : "SHRD") + " size " + size + " count " + count + " 0x"
                                    + Long.toHexString(d) + ", 0x" + Long.toHexString(s);
                            assertEquals(want[0], r, what);
                            assertEquals(want[1], Flags.arith(cpu) & Cpu.CF, what + ": CF");
                            if (count == 1) {
                                boolean of = msb(d & mask(size), size) != msb(r, size);
                                assertEquals(of ? Cpu.OF : 0, Flags.arith(cpu) & Cpu.OF, what + ": OF");
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void sarAtThirtyTwoBitsCopiesTheSign() {
        assertEquals(0xF800_0000L, Shifts.sar(cpu, 4, 0x8000_0000L, 4));
        assertEquals(0xFFFF_FFFFL, Shifts.sar(cpu, 4, 0x8000_0000L, 31));
        assertEquals(0x0000_0001L, Shifts.sar(cpu, 4, 0x4000_0000L, 30));
        assertEquals(0xF800_0000, Shifts.shiftResult32(Shifts.SAR, 0x8000_0000, 4));
        assertEquals(0x0800_0000, Shifts.shiftResult32(Shifts.SHR, 0x8000_0000, 4));
        assertEquals(0x0000_0010, Shifts.shiftResult32(Shifts.SHL, 0x8000_0001, 4));
    }
}
