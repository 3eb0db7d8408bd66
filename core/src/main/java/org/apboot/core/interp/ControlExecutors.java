package org.apboot.core.interp;

import java.util.function.BiConsumer;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.decode.Insn;
import org.apboot.core.decode.Op;
import org.apboot.core.semantics.Branches;
import org.apboot.core.semantics.FlagOps;
import org.apboot.core.semantics.Stack;

/**
 * Executors of near control transfers (Jcc, JMP, CALL, RET, LOOP*, JrCXZ), stack operations
 * (PUSH, POP, PUSHA, POPA, ENTER, LEAVE, PUSHF, POPF) and flag control (CLC, STC, CMC, CLD, STD,
 * CLI, STI).
 */
final class ControlExecutors implements ExecutorTable.ExecutorFamily {
    @Override
    public void register(BiConsumer<Op, Executor> t) {
        t.accept(Op.JCC, (cpu, i) -> Branches.jcc(cpu, i.cond, i.opSize, i.imm));
        t.accept(Op.JMP, (cpu, i) -> Branches.jmp(cpu, i.opSize, branchTarget(cpu, i)));
        t.accept(Op.CALL, (cpu, i) -> Branches.call(cpu, i.opSize, branchTarget(cpu, i)));
        t.accept(Op.RET, (cpu, i) -> Branches.ret(cpu, i.opSize, (int) i.imm));
        t.accept(Op.LOOP, (cpu, i) -> Branches.loop(cpu, Branches.LOOP, i.opSize, i.addrSize, i.imm));
        t.accept(Op.LOOPE, (cpu, i) -> Branches.loop(cpu, Branches.LOOPE, i.opSize, i.addrSize, i.imm));
        t.accept(Op.LOOPNE, (cpu, i) -> Branches.loop(cpu, Branches.LOOPNE, i.opSize, i.addrSize, i.imm));
        t.accept(Op.JRCXZ, (cpu, i) -> Branches.jrcxz(cpu, i.opSize, i.addrSize, i.imm));

        t.accept(Op.PUSH, (cpu, i) -> Stack.push(cpu, i.opSize, Operands.read(cpu, i, i.src, i.opSize)));
        t.accept(Op.POP, ControlExecutors::pop);
        t.accept(Op.PUSHA, (cpu, i) -> Stack.pusha(cpu, i.opSize));
        t.accept(Op.POPA, (cpu, i) -> Stack.popa(cpu, i.opSize));
        t.accept(Op.ENTER, (cpu, i) -> Stack.enter(cpu, i.opSize, (int) i.imm, i.imm2));
        t.accept(Op.LEAVE, (cpu, i) -> Stack.leave(cpu, i.opSize));
        t.accept(Op.PUSHF, (cpu, i) -> Stack.push(cpu, i.opSize, FlagOps.pushfValue(cpu, i.opSize)));
        t.accept(Op.POPF, (cpu, i) -> {
            FlagOps.checkPopf(cpu);
            long v = Stack.peek(cpu, i.opSize, 0);
            FlagOps.popf(cpu, i.opSize, v);
            Stack.setSp(cpu, cpu.r[Cpu.RSP] + i.opSize);
        });

        t.accept(Op.CLC, (cpu, i) -> FlagOps.clc(cpu));
        t.accept(Op.STC, (cpu, i) -> FlagOps.stc(cpu));
        t.accept(Op.CMC, (cpu, i) -> FlagOps.cmc(cpu));
        t.accept(Op.CLD, (cpu, i) -> FlagOps.cld(cpu));
        t.accept(Op.STD, (cpu, i) -> FlagOps.std(cpu));
        t.accept(Op.CLI, (cpu, i) -> FlagOps.cli(cpu));
        t.accept(Op.STI, (cpu, i) -> FlagOps.sti(cpu));
    }

    /** Relative: next RIP + displacement; indirect: the r/m operand at the operand size. */
    private static long branchTarget(Cpu cpu, Insn i) {
        if (i.src == Insn.K_IMM) {
            return cpu.rip + i.imm;
        }
        return Operands.read(cpu, i, i.src, i.opSize);
    }

    /** POP: to memory through the semantics' two parts (rSP moves first, and back on a fault). */
    private static void pop(Cpu cpu, Insn i) {
        int size = i.opSize;
        if (Operands.dstIsMemory(i)) {
            long oldRsp = cpu.r[Cpu.RSP];
            long v = Stack.popForMemory(cpu, size);
            Stack.storePopped(cpu, i.seg, Operands.ea(cpu, i), size, v, oldRsp);
            return;
        }
        long v = Stack.peek(cpu, size, 0);
        Stack.setSp(cpu, cpu.r[Cpu.RSP] + size);
        Operands.write(cpu, i, i.dst, size, v);
    }
}
