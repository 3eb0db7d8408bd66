package org.apboot.core.interp;

import java.util.function.BiConsumer;

import org.apboot.core.decode.Op;
import org.apboot.core.semantics.Strings;

/**
 * Executors of MOVS, STOS, LODS, CMPS, SCAS. A repeated instruction runs to completion in one
 * execution; a fault part-way leaves rSI/rDI/rCX after the last completed iteration and RIP at
 * the instruction, so re-executing it finishes the job (see {@link Strings}).
 */
final class StringExecutors implements ExecutorTable.ExecutorFamily {
    @Override
    public void register(BiConsumer<Op, Executor> t) {
        t.accept(Op.MOVS, (cpu, i) -> Strings.movs(cpu, i.opSize, i.addrSize, i.seg, i.rep));
        t.accept(Op.STOS, (cpu, i) -> Strings.stos(cpu, i.opSize, i.addrSize, i.rep));
        t.accept(Op.LODS, (cpu, i) -> Strings.lods(cpu, i.opSize, i.addrSize, i.seg, i.rep));
        t.accept(Op.CMPS, (cpu, i) -> Strings.cmps(cpu, i.opSize, i.addrSize, i.seg, i.rep));
        t.accept(Op.SCAS, (cpu, i) -> Strings.scas(cpu, i.opSize, i.addrSize, i.rep));
    }
}
