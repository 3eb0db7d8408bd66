package org.apboot.core.interp;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.decode.Insn;
import org.apboot.core.decode.Op;

/** Hand-built decoded instructions for executor tests (the decoder is not involved). */
final class Insns {
    private Insns() {
    }

    static Insn of(Op op, int opSize, int addrSize) {
        Insn i = new Insn();
        i.op = op;
        i.opSize = opSize;
        i.srcSize = opSize;
        i.addrSize = addrSize;
        i.mode = addrSize * 8;
        return i;
    }

    /** dst = r/m register {@code rm}, src = register {@code reg}. */
    static Insn rmReg(Op op, int size, int rm, int reg) {
        Insn i = of(op, size, 4);
        i.dst = Insn.K_RM;
        i.rmReg = rm;
        i.src = Insn.K_REG;
        i.reg = reg;
        return i;
    }

    /** dst = memory [disp] (no base/index) in segment {@code seg}, src = register {@code reg}. */
    static Insn memReg(Op op, int size, int addrSize, int seg, long disp, int reg) {
        Insn i = of(op, size, addrSize);
        i.dst = Insn.K_RM;
        i.rmReg = -1;
        i.seg = seg;
        i.disp = disp;
        i.src = reg < 0 ? Insn.K_NONE : Insn.K_REG;
        i.reg = reg;
        return i;
    }

    /** A relative branch with displacement {@code disp}. */
    static Insn rel(Op op, int opSize, int addrSize, long disp) {
        Insn i = of(op, opSize, addrSize);
        i.src = Insn.K_IMM;
        i.imm = disp;
        return i;
    }

    static void exec(Cpu cpu, Insn i) {
        ExecutorTable.get(i.op).execute(cpu, i);
    }
}
