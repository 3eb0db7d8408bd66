package org.apboot.core.interp;

import java.util.function.BiConsumer;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.decode.Insn;
import org.apboot.core.decode.Op;
import org.apboot.core.fault.CpuException;
import org.apboot.core.semantics.Bcd;
import org.apboot.core.semantics.Bits;
import org.apboot.core.semantics.DataOps;
import org.apboot.core.semantics.Flags;
import org.apboot.core.semantics.Mem;
import org.apboot.core.semantics.Rmw;
import org.apboot.core.semantics.RmwOps;

/**
 * Executors of data movement (MOV, LEA, MOVZX/MOVSX/MOVSXD, XCHG, CMPXCHG, CMPXCHG8B/16B,
 * XADD, CBW/CWD, LAHF/SAHF, XLAT, SETcc, CMOVcc), bit operations (BT*, BSF/BSR, TZCNT, LZCNT,
 * POPCNT, BSWAP), the BCD adjustments and NOP/PAUSE.
 */
final class DataExecutors implements ExecutorTable.ExecutorFamily {
    /** BT only reads; the others are {@link RmwOps} codes. */
    private static final int BT = -1;

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
        t.accept(Op.BTS, (cpu, i) -> bitTest(cpu, i, RmwOps.BTS));
        t.accept(Op.BTR, (cpu, i) -> bitTest(cpu, i, RmwOps.BTR));
        t.accept(Op.BTC, (cpu, i) -> bitTest(cpu, i, RmwOps.BTC));
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
        if (Operands.dstIsMemory(i)) {
            DataOps.xchgMemory(cpu, i.seg, Operands.ea(cpu, i), i.opSize, i.reg);
        } else {
            DataOps.xchgRegisters(cpu, i.rmReg, i.reg, i.opSize);
        }
    }

    private static void cmpxchg(Cpu cpu, Insn i) {
        long src = cpu.getReg(i.reg, i.opSize);
        if (Operands.dstIsMemory(i)) {
            DataOps.cmpxchgMemory(cpu, i.seg, Operands.ea(cpu, i), i.opSize, src, i.lock);
            return;
        }
        noLockOnRegister(i);
        DataOps.cmpxchgRegister(cpu, i.rmReg, i.opSize, src);
    }

    /** CMPXCHG8B (opSize 8) and CMPXCHG16B (opSize 16). */
    private static void cmpxchg8b(Cpu cpu, Insn i) {
        if (!Operands.dstIsMemory(i)) {
            throw CpuException.ud("cmpxchg8b with a register operand");
        }
        if (i.opSize == 16) {
            DataOps.cmpxchg16bMemory(cpu, i.seg, Operands.ea(cpu, i));
        } else {
            DataOps.cmpxchg8bMemory(cpu, i.seg, Operands.ea(cpu, i));
        }
    }

    private static void xadd(Cpu cpu, Insn i) {
        if (Operands.dstIsMemory(i)) {
            DataOps.xaddMemory(cpu, i.seg, Operands.ea(cpu, i), i.opSize, i.reg, i.lock);
            return;
        }
        noLockOnRegister(i);
        DataOps.xaddRegister(cpu, i.rmReg, i.reg, i.opSize);
    }

    private static void noLockOnRegister(Insn i) {
        if (i.lock) {
            throw CpuException.ud("lock prefix on a register destination");
        }
    }

    /** BT/BTS/BTR/BTC, with bit-string addressing for a register offset into memory. */
    private static void bitTest(Cpu cpu, Insn i, int op) {
        int size = i.opSize;
        long offset = Operands.read(cpu, i, i.src, size);
        int bit = Bits.bitIndex(size, offset);
        if (Operands.dstIsMemory(i)) {
            long off = Operands.ea(cpu, i);
            if (i.src == Insn.K_REG) {
                off = (off + Bits.bitStringDisplacement(size, offset)) & Flags.mask(i.addrSize);
            }
            if (op == BT) {
                Bits.bt(cpu, Mem.read(cpu, i.seg, off, size), bit);
            } else {
                Rmw.update(cpu, op, size, i.seg, off, bit, 0, i.lock);
            }
            return;
        }
        noLockOnRegister(i);
        long a = Operands.read(cpu, i, i.dst, size);
        if (op == BT) {
            Bits.bt(cpu, a, bit);
        } else {
            Operands.write(cpu, i, i.dst, size, RmwOps.compute(cpu, op, size, a, bit, 0));
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
