package org.apboot.core.interp;

import java.util.function.BiConsumer;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.decode.Insn;
import org.apboot.core.decode.Op;
import org.apboot.core.fault.CpuException;
import org.apboot.core.semantics.Bound;
import org.apboot.core.semantics.SegmentLoads;
import org.apboot.core.semantics.Stack;

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
        t.accept(Op.POP_SEG, (cpu, i) -> SegmentLoads.popSegment(cpu, checkSreg(i.reg), i.opSize));
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
        SegmentLoads.movToSegment(cpu, checkSreg(i.reg), (int) Operands.read(cpu, i, i.src, 2));
    }

    private static void loadFarPtr(Cpu cpu, Insn i) {
        if (i.rmReg >= 0) {
            throw CpuException.ud("far pointer load from a register");
        }
        SegmentLoads.loadFarPointer(cpu, checkSreg(i.sreg), i.reg, i.opSize, i.seg, Operands.ea(cpu, i));
    }

    private static void bound(Cpu cpu, Insn i) {
        if (i.rmReg >= 0) {
            throw CpuException.ud("BOUND with a register operand");
        }
        Bound.check(cpu, i.seg, Operands.ea(cpu, i), i.opSize, cpu.getReg(i.reg, i.opSize));
    }
}
