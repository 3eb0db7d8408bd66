package org.apboot.core.interp;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.decode.Insn;

/**
 * One instruction of a decoded block, resolved once when the block is built: either a step
 * specialised for the instruction's operand form (see {@link Steps}) or the generic
 * {@link Executor} of its operation. Same contract as {@link Executor}: {@code cpu.rip} holds
 * the next instruction on entry, and a fault is thrown before any state the instruction changes
 * was changed.
 *
 * <p>An abstract class rather than an interface: the interpreter's call site sees dozens of
 * step classes, and a virtual call through the vtable is cheaper than an interface call there.
 */
abstract class Step {
    /**
     * False for steps that work on general registers, flags and RIP only (register and
     * immediate operands, shifts, Jcc): they cannot write to their own block's bytes, so the
     * interpreter skips the self-modification check after them, and they change no mode,
     * segment, paging or debug state, so a block made of them alone can be re-entered without
     * looking it up again (see {@code DecodedBlock.registerOnly}).
     */
    final boolean touchesMemory;

    Step() {
        this(true);
    }

    Step(boolean touchesMemory) {
        this.touchesMemory = touchesMemory;
    }

    /**
     * Runs the instruction; returns how many instructions of the block ran: 1, or 2 for a step
     * that runs an instruction together with the Jcc after it (see {@code PairSteps.JccPair}).
     */
    abstract int run(Cpu cpu, Insn insn);

    /** The table's executor for the operation: every form the specialised steps do not cover. */
    static final class Generic extends Step {
        private final Executor executor;

        Generic(Executor executor) {
            this.executor = executor;
        }

        @Override
        int run(Cpu cpu, Insn insn) {
            executor.execute(cpu, insn);
            return 1;
        }
    }
}
