package org.apboot.core.semantics;

import org.apboot.core.cpu.Cpu;

/**
 * BT, BTS, BTR, BTC, BSF, BSR, TZCNT, LZCNT, POPCNT and BSWAP on plain values.
 *
 * <h2>Bit strings in memory</h2>
 * With a register bit offset and a memory operand the offset is signed and selects a bit
 * anywhere around the effective address: the operand accessed is the {@code size}-byte word at
 * {@code ea + }{@link #bitStringDisplacement} and the bit inside it is
 * {@link #bitIndex}. With an immediate offset (or a register operand) only
 * {@link #bitIndex} applies (the offset is taken modulo the operand width).
 *
 * <h2>Flags</h2>
 * BT/BTS/BTR/BTC set CF to the selected bit and keep every other arithmetic flag (ZF is
 * defined as unaffected; OF, SF, AF, PF are undefined and chosen unchanged).
 * BSF/BSR set ZF when the source is zero and then leave the destination unchanged (the manual
 * says undefined; hardware keeps it, and so do we, the whole register included); CF, OF, SF, AF,
 * PF (undefined) are kept. TZCNT/LZCNT set CF when the source is zero and ZF when the result is
 * zero, clear the undefined SF, AF, PF and keep the undefined OF. POPCNT clears all flags but
 * ZF (source zero). These choices match the host CPU of the oracle tests.
 */
public final class Bits {
    private Bits() {
    }

    /** Bit number inside a {@code size}-byte operand (offset modulo the width). */
    public static int bitIndex(int size, long offset) {
        return (int) (offset & (size * 8 - 1));
    }

    /**
     * Byte displacement from the effective address of the {@code size}-byte word that holds
     * bit {@code offset} (the register offset sign-extended from the operand size).
     */
    public static long bitStringDisplacement(int size, long offset) {
        long o = Flags.signExtend(offset, size);
        int shift = Integer.numberOfTrailingZeros(size * 8);
        return (o >> shift) * size;
    }

    /** BT: CF = bit {@code bit} of {@code value}. */
    public static void bt(Cpu cpu, long value, int bit) {
        Flags.setCarry(cpu, ((value >>> bit) & 1) != 0);
    }

    /** BTS: CF = bit, then the bit is set; returns the new value. */
    public static long bts(Cpu cpu, long value, int bit) {
        Flags.setCarry(cpu, ((value >>> bit) & 1) != 0);
        return value | (1L << bit);
    }

    /** BTR: CF = bit, then the bit is cleared; returns the new value. */
    public static long btr(Cpu cpu, long value, int bit) {
        Flags.setCarry(cpu, ((value >>> bit) & 1) != 0);
        return value & ~(1L << bit);
    }

    /** BTC: CF = bit, then the bit is complemented; returns the new value. */
    public static long btc(Cpu cpu, long value, int bit) {
        Flags.setCarry(cpu, ((value >>> bit) & 1) != 0);
        return value ^ (1L << bit);
    }

    /** BSF: index of the lowest set bit, or {@code oldDst} when the source is zero (ZF = 1). */
    public static long bsf(Cpu cpu, int size, long src, long oldDst) {
        long x = src & Flags.mask(size);
        if (x == 0) {
            Flags.update(cpu, Cpu.ZF, Cpu.ZF);
            return oldDst;
        }
        Flags.update(cpu, Cpu.ZF, 0);
        return Long.numberOfTrailingZeros(x);
    }

    /** BSR: index of the highest set bit, or {@code oldDst} when the source is zero (ZF = 1). */
    public static long bsr(Cpu cpu, int size, long src, long oldDst) {
        long x = src & Flags.mask(size);
        if (x == 0) {
            Flags.update(cpu, Cpu.ZF, Cpu.ZF);
            return oldDst;
        }
        Flags.update(cpu, Cpu.ZF, 0);
        return 63 - Long.numberOfLeadingZeros(x);
    }

    /** TZCNT: trailing zero count (the width when the source is zero). */
    public static long tzcnt(Cpu cpu, int size, long src) {
        long x = src & Flags.mask(size);
        long r = x == 0 ? size * 8 : Long.numberOfTrailingZeros(x);
        Flags.update(cpu, Cpu.ARITH_FLAGS & ~Cpu.OF, (x == 0 ? Cpu.CF : 0) | (r == 0 ? Cpu.ZF : 0));
        return r;
    }

    /** LZCNT: leading zero count within the operand width. */
    public static long lzcnt(Cpu cpu, int size, long src) {
        long x = src & Flags.mask(size);
        long r = Long.numberOfLeadingZeros(x) - (64 - size * 8);
        Flags.update(cpu, Cpu.ARITH_FLAGS & ~Cpu.OF, (x == 0 ? Cpu.CF : 0) | (r == 0 ? Cpu.ZF : 0));
        return r;
    }

    /** POPCNT: number of set bits. */
    public static long popcnt(Cpu cpu, int size, long src) {
        long x = src & Flags.mask(size);
        Flags.setArith(cpu, x == 0 ? Cpu.ZF : 0);
        return Long.bitCount(x);
    }

    /**
     * BSWAP: byte order reversed for 4- and 8-byte operands. With a 16-bit operand the result is
     * undefined; hardware produces 0 in the low word, and so do we.
     */
    public static long bswap(int size, long v) {
        switch (size) {
            case 8: return Long.reverseBytes(v);
            case 4: return Integer.reverseBytes((int) v) & 0xFFFF_FFFFL;
            default: return 0;
        }
    }
}
