package org.apboot.jit;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.decode.Insn;
import org.apboot.core.interp.ExecutorTable;

/**
 * Runs one instruction the translator does not lower through the interpreter's executor, in the
 * middle of translated code. Generated code writes its locals back before the call (and sets
 * {@code cpu.rip} to the next instruction, the executor contract) and reloads them after.
 */
public final class Fallback {
    private Fallback() {
    }

    public static void execute(Cpu cpu, Insn insn) {
        ExecutorTable.get(insn.op).execute(cpu, insn);
    }
}
