package org.apboot.core.interp;

import java.util.function.BiConsumer;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.decode.Insn;
import org.apboot.core.decode.Op;
import org.apboot.core.semantics.Strings;

/**
 * Executors of MOVS, STOS, LODS, CMPS, SCAS. A repeated instruction runs a bounded number of
 * iterations per execution and, when more remain, leaves RIP at itself ({@link Strings#restartUnlessDone}),
 * so the next execution resumes it; a fault part-way leaves rSI/rDI/rCX after the last completed
 * iteration and RIP at the instruction (see {@link Strings}). Repeated string instructions end
 * their block, so resuming one never runs the instructions after it first.
 */
final class StringExecutors implements ExecutorTable.ExecutorFamily {
    @Override
    public void register(BiConsumer<Op, Executor> t) {
        t.accept(Op.MOVS, (cpu, i) -> again(cpu, i, Strings.movs(cpu, i.opSize, i.addrSize, i.seg, i.rep)));
        t.accept(Op.STOS, (cpu, i) -> again(cpu, i, Strings.stos(cpu, i.opSize, i.addrSize, i.rep)));
        t.accept(Op.LODS, (cpu, i) -> again(cpu, i, Strings.lods(cpu, i.opSize, i.addrSize, i.seg, i.rep)));
        t.accept(Op.CMPS, (cpu, i) -> again(cpu, i, Strings.cmps(cpu, i.opSize, i.addrSize, i.seg, i.rep)));
        t.accept(Op.SCAS, (cpu, i) -> again(cpu, i, Strings.scas(cpu, i.opSize, i.addrSize, i.rep)));
    }

    /** {@link Strings#restartUnlessDone} for the instruction {@code i}. */
    static void again(Cpu cpu, Insn i, boolean done) {
        Strings.restartUnlessDone(cpu, i.length, done);
    }

    /** True for the string instructions a REP prefix repeats. */
    static boolean repeated(Insn i) {
        if (i.rep == Insn.REP_NONE) {
            return false;
        }
        switch (i.op) {
            case MOVS: case STOS: case LODS: case CMPS: case SCAS: case INS: case OUTS:
                return true;
            default:
                return false;
        }
    }
}
