package org.apboot.core.interp;

import java.util.function.BiConsumer;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.decode.Insn;
import org.apboot.core.decode.Op;
import org.apboot.core.fault.CpuException;
import org.apboot.core.semantics.Alu;
import org.apboot.core.semantics.Bcd;
import org.apboot.core.semantics.Bits;
import org.apboot.core.semantics.DataOps;
import org.apboot.core.semantics.Flags;
import org.apboot.core.semantics.Mem;
import org.apboot.core.semantics.Rmw;

/**
 * Executors of data movement (MOV, LEA, MOVZX/MOVSX/MOVSXD, XCHG, CMPXCHG, CMPXCHG8B/16B,
 * XADD, CBW/CWD, LAHF/SAHF, XLAT, SETcc, CMOVcc), bit operations (BT*, BSF/BSR, TZCNT, LZCNT,
 * POPCNT, BSWAP), the BCD adjustments and NOP/PAUSE.
 */
final class DataExecutors implements ExecutorTable.ExecutorFamily {
    private static final int BT = 0, BTS = 1, BTR = 2, BTC = 3;

    @Override
    public void register(BiConsumer<Op, Executor> t) {
        t.accept(Op.MOV, (cpu, i) -> Operands.writeDst(cpu, i, Operands.src(cpu, i)));
        t.accept(Op.LEA, (cpu, i) -> cpu.setReg(i.reg, i.opSize, Operands.ea(cpu, i)));
        t.accept(Op.MOVZX, (cpu, i) -> cpu.setReg(i.reg, i.opSize,
                DataOps.movzx(i.srcSize, Operands.read(cpu, i, i.src, i.srcSize))));
        Executor movsx = (cpu, i) -> cpu.setReg(i.reg, i.opSize,
                DataOps.movsx(i.srcSize, Operands.read(cpu, i, i.src, i.srcSize)));
        t.accept(Op.MOVSX, movsx);
        t.accept(Op.MOVSXD, movsx);
        t.accept(Op.XCHG, DataExecutors::xchg);
        t.accept(Op.CMPXCHG, DataExecutors::cmpxchg);
        t.accept(Op.CMPXCHG8B, DataExecutors::cmpxchg8b);
        t.accept(Op.XADD, DataExecutors::xadd);
        t.accept(Op.CBW, (cpu, i) -> cpu.setReg(Cpu.RAX, i.opSize, DataOps.cbw(i.opSize, cpu.r[Cpu.RAX])));
        t.accept(Op.CWD, (cpu, i) -> cpu.setReg(Cpu.RDX, i.opSize, DataOps.cwd(i.opSize, cpu.r[Cpu.RAX])));
        t.accept(Op.LAHF, (cpu, i) -> cpu.setReg(Insn.AH, 1, DataOps.lahf(cpu)));
        t.accept(Op.SAHF, (cpu, i) -> DataOps.sahf(cpu, cpu.r[Cpu.RAX] >>> 8));
        t.accept(Op.XLAT, (cpu, i) -> cpu.setReg(Cpu.RAX, 1, DataOps.xlat(cpu, i.seg, i.addrSize)));
        t.accept(Op.SETCC, (cpu, i) -> Operands.write(cpu, i, i.dst, 1, DataOps.setcc(cpu, i.cond)));
        t.accept(Op.CMOVCC, (cpu, i) -> {
            long src = Operands.read(cpu, i, i.src, i.opSize);
            cpu.setReg(i.reg, i.opSize, DataOps.cmov(cpu, i.cond, cpu.getReg(i.reg, i.opSize), src));
        });
        t.accept(Op.BSWAP, (cpu, i) -> cpu.setReg(i.reg, i.opSize, Bits.bswap(i.opSize, cpu.getReg(i.reg, i.opSize))));

        t.accept(Op.BT, (cpu, i) -> bitTest(cpu, i, BT));
        t.accept(Op.BTS, (cpu, i) -> bitTest(cpu, i, BTS));
        t.accept(Op.BTR, (cpu, i) -> bitTest(cpu, i, BTR));
        t.accept(Op.BTC, (cpu, i) -> bitTest(cpu, i, BTC));
        t.accept(Op.BSF, (cpu, i) -> bitScan(cpu, i, false));
        t.accept(Op.BSR, (cpu, i) -> bitScan(cpu, i, true));
        t.accept(Op.TZCNT, (cpu, i) -> cpu.setReg(i.reg, i.opSize,
                Bits.tzcnt(cpu, i.opSize, Operands.read(cpu, i, i.src, i.opSize))));
        t.accept(Op.LZCNT, (cpu, i) -> cpu.setReg(i.reg, i.opSize,
                Bits.lzcnt(cpu, i.opSize, Operands.read(cpu, i, i.src, i.opSize))));
        t.accept(Op.POPCNT, (cpu, i) -> cpu.setReg(i.reg, i.opSize,
                Bits.popcnt(cpu, i.opSize, Operands.read(cpu, i, i.src, i.opSize))));

        t.accept(Op.DAA, (cpu, i) -> cpu.setReg(Cpu.RAX, 1, Bcd.daa(cpu, cpu.r[Cpu.RAX])));
        t.accept(Op.DAS, (cpu, i) -> cpu.setReg(Cpu.RAX, 1, Bcd.das(cpu, cpu.r[Cpu.RAX])));
        t.accept(Op.AAA, (cpu, i) -> cpu.setReg(Cpu.RAX, 2, Bcd.aaa(cpu, cpu.r[Cpu.RAX])));
        t.accept(Op.AAS, (cpu, i) -> cpu.setReg(Cpu.RAX, 2, Bcd.aas(cpu, cpu.r[Cpu.RAX])));
        t.accept(Op.AAM, (cpu, i) -> cpu.setReg(Cpu.RAX, 2, Bcd.aam(cpu, cpu.r[Cpu.RAX], (int) i.imm)));
        t.accept(Op.AAD, (cpu, i) -> cpu.setReg(Cpu.RAX, 2, Bcd.aad(cpu, cpu.r[Cpu.RAX], (int) i.imm)));
        t.accept(Op.SALC, (cpu, i) -> cpu.setReg(Cpu.RAX, 1, Bcd.salc(cpu)));

        Executor nothing = (cpu, i) -> { };
        t.accept(Op.NOP, nothing);
        t.accept(Op.PAUSE, nothing);
    }

    /** XCHG: with a memory operand always atomic (implicitly locked). */
    private static void xchg(Cpu cpu, Insn i) {
        int size = i.opSize;
        if (Operands.dstIsMemory(i)) {
            long v = Operands.read(cpu, i, i.src, size);
            long off = Operands.ea(cpu, i);
            long h = Rmw.prepare(cpu, i.seg, off, size);
            long old = DataOps.exchangeLocked(cpu, h, i.seg, off, size, v);
            Operands.write(cpu, i, i.src, size, old);
            return;
        }
        long a = Operands.read(cpu, i, i.dst, size);
        long b = Operands.read(cpu, i, i.src, size);
        Operands.write(cpu, i, i.dst, size, b);
        Operands.write(cpu, i, i.src, size, a);
    }

    /**
     * CMPXCHG: equal: ZF = 1 and dst = src (the accumulator is not written, so its upper half
     * survives a 32-bit compare); not equal: ZF = 0 and the accumulator is loaded with the
     * destination. A memory destination is written back with its own value on failure (the
     * access is a write either way); a register destination is left untouched on failure, upper
     * half included, as the AMD host of the oracle tests does (Intel documents a write-back,
     * which would zero-extend a 32-bit register).
     */
    private static void cmpxchg(Cpu cpu, Insn i) {
        int size = i.opSize;
        long acc = cpu.getReg(Cpu.RAX, size);
        long src = cpu.getReg(i.reg, size);
        if (Operands.dstIsMemory(i)) {
            long off = Operands.ea(cpu, i);
            long h = Rmw.prepare(cpu, i.seg, off, size);
            long found;
            if (i.lock) {
                found = DataOps.cmpxchgLocked(cpu, h, i.seg, off, size, acc, src);
            } else {
                found = Rmw.read(cpu, h, i.seg, off, size);
                boolean eq = DataOps.cmpxchgCompare(cpu, size, acc, found);
                Rmw.write(cpu, h, i.seg, off, size, eq ? src : found);
            }
            if (found != acc) {
                cpu.setReg(Cpu.RAX, size, found);
            }
            return;
        }
        if (i.lock) {
            throw CpuException.ud("lock prefix on a register destination");
        }
        long d = cpu.getReg(i.rmReg, size);
        if (DataOps.cmpxchgCompare(cpu, size, acc, d)) {
            cpu.setReg(i.rmReg, size, src);
        } else {
            cpu.setReg(Cpu.RAX, size, d);
        }
    }

    /** CMPXCHG8B (opSize 8) and CMPXCHG16B (opSize 16). */
    private static void cmpxchg8b(Cpu cpu, Insn i) {
        if (!Operands.dstIsMemory(i)) {
            throw CpuException.ud("cmpxchg8b with a register operand");
        }
        long off = Operands.ea(cpu, i);
        if (i.opSize == 16) {
            long[] found = new long[2];
            if (!DataOps.cmpxchg16b(cpu, i.seg, off, cpu.r[Cpu.RAX], cpu.r[Cpu.RDX],
                    cpu.r[Cpu.RBX], cpu.r[Cpu.RCX], found)) {
                cpu.r[Cpu.RAX] = found[0];
                cpu.r[Cpu.RDX] = found[1];
            }
            return;
        }
        long h = Rmw.prepare(cpu, i.seg, off, 8);
        long expect = (cpu.r[Cpu.RDX] << 32) | (cpu.r[Cpu.RAX] & 0xFFFF_FFFFL);
        long update = (cpu.r[Cpu.RCX] << 32) | (cpu.r[Cpu.RBX] & 0xFFFF_FFFFL);
        long found = DataOps.cmpxchg8b(cpu, h, i.seg, off, expect, update);
        if (found != expect) {
            cpu.setReg(Cpu.RAX, 4, found);
            cpu.setReg(Cpu.RDX, 4, found >>> 32);
        }
    }

    /** XADD: dst = dst + src, src = old dst (src written first, so XADD r, r ends with the sum). */
    private static void xadd(Cpu cpu, Insn i) {
        int size = i.opSize;
        long s = cpu.getReg(i.reg, size);
        if (Operands.dstIsMemory(i)) {
            long off = Operands.ea(cpu, i);
            long h = Rmw.prepare(cpu, i.seg, off, size);
            long old;
            if (i.lock) {
                old = DataOps.xaddLocked(cpu, h, i.seg, off, size, s);
            } else {
                old = Rmw.read(cpu, h, i.seg, off, size);
                Rmw.write(cpu, h, i.seg, off, size, Alu.add(cpu, size, old, s));
            }
            cpu.setReg(i.reg, size, old);
            return;
        }
        if (i.lock) {
            throw CpuException.ud("lock prefix on a register destination");
        }
        long d = cpu.getReg(i.rmReg, size);
        long sum = Alu.add(cpu, size, d, s);
        cpu.setReg(i.reg, size, d);
        cpu.setReg(i.rmReg, size, sum);
    }

    /** BT/BTS/BTR/BTC, with bit-string addressing for a register offset into memory. */
    private static void bitTest(Cpu cpu, Insn i, int kind) {
        int size = i.opSize;
        long offset = Operands.read(cpu, i, i.src, size);
        int bit = Bits.bitIndex(size, offset);
        if (Operands.dstIsMemory(i)) {
            long off = Operands.ea(cpu, i);
            if (i.src == Insn.K_REG) {
                off = (off + Bits.bitStringDisplacement(size, offset)) & Flags.mask(i.addrSize);
            }
            if (kind == BT) {
                Bits.bt(cpu, Mem.read(cpu, i.seg, off, size), bit);
                return;
            }
            long h = Rmw.prepare(cpu, i.seg, off, size);
            if (i.lock) {
                while (true) {
                    long a = Rmw.read(cpu, h, i.seg, off, size);
                    long r = bitOp(cpu, kind, a, bit);
                    if (Rmw.cas(cpu, h, i.seg, off, size, a, r) == a) {
                        return;
                    }
                }
            }
            long a = Rmw.read(cpu, h, i.seg, off, size);
            Rmw.write(cpu, h, i.seg, off, size, bitOp(cpu, kind, a, bit));
            return;
        }
        if (i.lock) {
            throw CpuException.ud("lock prefix on a register destination");
        }
        long a = Operands.read(cpu, i, i.dst, size);
        if (kind == BT) {
            Bits.bt(cpu, a, bit);
        } else {
            Operands.write(cpu, i, i.dst, size, bitOp(cpu, kind, a, bit));
        }
    }

    private static long bitOp(Cpu cpu, int kind, long a, int bit) {
        switch (kind) {
            case BTS: return Bits.bts(cpu, a, bit);
            case BTR: return Bits.btr(cpu, a, bit);
            default: return Bits.btc(cpu, a, bit);
        }
    }

    /** BSF/BSR: a zero source sets ZF and leaves the destination register entirely unchanged. */
    private static void bitScan(Cpu cpu, Insn i, boolean reverse) {
        int size = i.opSize;
        long src = Operands.read(cpu, i, i.src, size);
        long old = cpu.getReg(i.reg, size);
        long r = reverse ? Bits.bsr(cpu, size, src, old) : Bits.bsf(cpu, size, src, old);
        if ((src & Flags.mask(size)) != 0) {
            cpu.setReg(i.reg, size, r);
        }
    }
}
