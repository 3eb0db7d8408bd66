package org.apboot.core.interp;

import java.util.function.BiConsumer;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.decode.Insn;
import org.apboot.core.decode.Op;
import org.apboot.core.fault.CpuException;
import org.apboot.core.fault.Vectors;
import org.apboot.core.semantics.Mem;
import org.apboot.core.semantics.SegmentLoads;
import org.apboot.core.semantics.Stack;
import org.apboot.core.semantics.StackFrames;

/**
 * Executors of segment-register moves (MOV/PUSH/POP sreg, LDS/LES/LFS/LGS/LSS), LDTR/TR access
 * (LLDT, LTR, SLDT, STR), the descriptor queries (LAR, LSL, VERR, VERW, ARPL) and BOUND.
 */
final class SegmentExecutors implements ExecutorTable.ExecutorFamily {
    @Override
    public void register(BiConsumer<Op, Executor> t) {
        t.accept(Op.MOV_TO_SEG, SegmentExecutors::movToSeg);
        t.accept(Op.MOV_FROM_SEG, (cpu, i) -> {
            int sel = cpu.seg[checkSreg(i.reg)].selector;
            Operands.write(cpu, i, i.dst, i.rmReg >= 0 ? i.opSize : 2, sel);
        });
        t.accept(Op.PUSH_SEG, (cpu, i) -> Stack.push(cpu, i.opSize, cpu.seg[checkSreg(i.reg)].selector));
        t.accept(Op.POP_SEG, SegmentExecutors::popSeg);
        t.accept(Op.LOAD_FAR_PTR, SegmentExecutors::loadFarPtr);
        t.accept(Op.LLDT, (cpu, i) -> SegmentLoads.lldt(cpu, (int) Operands.read(cpu, i, i.src, 2)));
        t.accept(Op.LTR, (cpu, i) -> SegmentLoads.ltr(cpu, (int) Operands.read(cpu, i, i.src, 2)));
        t.accept(Op.SLDT, (cpu, i) -> {
            SegmentLoads.checkStore(cpu, "SLDT");
            Operands.write(cpu, i, i.dst, i.rmReg >= 0 ? i.opSize : 2, cpu.ldtr.selector);
        });
        t.accept(Op.STR, (cpu, i) -> {
            SegmentLoads.checkStore(cpu, "STR");
            Operands.write(cpu, i, i.dst, i.rmReg >= 0 ? i.opSize : 2, cpu.tr.selector);
        });
        t.accept(Op.LAR, (cpu, i) -> {
            long v = SegmentLoads.lar(cpu, (int) Operands.read(cpu, i, i.src, 2));
            if (v >= 0) {
                cpu.setReg(i.reg, i.opSize, i.opSize == 2 ? v & 0xFF00 : v);
            }
            SegmentLoads.setZf(cpu, v >= 0);
        });
        t.accept(Op.LSL, (cpu, i) -> {
            long v = SegmentLoads.lsl(cpu, (int) Operands.read(cpu, i, i.src, 2));
            if (v >= 0) {
                cpu.setReg(i.reg, i.opSize, v);
            }
            SegmentLoads.setZf(cpu, v >= 0);
        });
        t.accept(Op.VERR, (cpu, i) -> SegmentLoads.setZf(cpu,
                SegmentLoads.verify(cpu, (int) Operands.read(cpu, i, i.src, 2), false)));
        t.accept(Op.VERW, (cpu, i) -> SegmentLoads.setZf(cpu,
                SegmentLoads.verify(cpu, (int) Operands.read(cpu, i, i.src, 2), true)));
        t.accept(Op.ARPL, (cpu, i) -> {
            int dst = (int) Operands.read(cpu, i, i.dst, 2);
            int v = SegmentLoads.arpl(cpu, dst, (int) Operands.read(cpu, i, i.src, 2));
            if (v >= 0) {
                Operands.write(cpu, i, i.dst, 2, v);
            }
            SegmentLoads.setZf(cpu, v >= 0);
        });
        t.accept(Op.BOUND, SegmentExecutors::bound);
    }

    static int checkSreg(int reg) {
        if (reg < 0 || reg > Insn.GS) {
            throw CpuException.ud("segment register " + reg + " does not exist");
        }
        return reg;
    }

    private static void movToSeg(Cpu cpu, Insn i) {
        int sreg = checkSreg(i.reg);
        if (sreg == Insn.CS) {
            throw CpuException.ud("MOV to CS");
        }
        SegmentLoads.load(cpu, sreg, (int) Operands.read(cpu, i, i.src, 2));
        if (sreg == Insn.SS) {
            cpu.interruptShadow = true;
        }
    }

    private static void popSeg(Cpu cpu, Insn i) {
        int sreg = checkSreg(i.reg);
        if (sreg == Insn.CS) {
            throw CpuException.ud("POP CS");
        }
        long v = Stack.peek(cpu, i.opSize, 0);
        long sp = StackFrames.spAfter(cpu, i.opSize);
        SegmentLoads.load(cpu, sreg, (int) v & 0xFFFF);
        cpu.r[Cpu.RSP] = sp;
        if (sreg == Insn.SS) {
            cpu.interruptShadow = true;
        }
    }

    /** Address of the memory operand plus {@code add}, wrapped to the address size. */
    static long eaPlus(Cpu cpu, Insn i, long add) {
        long a = Operands.ea(cpu, i) + add;
        return i.addrSize == 2 ? a & 0xFFFF : i.addrSize == 4 ? a & 0xFFFF_FFFFL : a;
    }

    private static void loadFarPtr(Cpu cpu, Insn i) {
        if (i.rmReg >= 0) {
            throw CpuException.ud("far pointer load from a register");
        }
        int sreg = checkSreg(i.sreg);
        if (sreg == Insn.CS) {
            throw CpuException.ud("far pointer load into CS");
        }
        long offset = Mem.read(cpu, i.seg, Operands.ea(cpu, i), i.opSize);
        int sel = (int) Mem.read(cpu, i.seg, eaPlus(cpu, i, i.opSize), 2);
        SegmentLoads.load(cpu, sreg, sel);
        cpu.setReg(i.reg, i.opSize, offset);
    }

    private static void bound(Cpu cpu, Insn i) {
        if (i.rmReg >= 0) {
            throw CpuException.ud("BOUND with a register operand");
        }
        int size = i.opSize;
        int shift = 64 - size * 8;
        long lower = Mem.read(cpu, i.seg, Operands.ea(cpu, i), size) << shift >> shift;
        long upper = Mem.read(cpu, i.seg, eaPlus(cpu, i, size), size) << shift >> shift;
        long index = cpu.getReg(i.reg, size) << shift >> shift;
        if (index < lower || index > upper) {
            throw CpuException.of(Vectors.BR, "BOUND range exceeded");
        }
    }
}
