package org.apboot.core.engine;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.decode.Insn;

/** Observes execution one instruction at a time (slow path: engines single-step while traced). */
public interface Tracer {
    /** Called before {@code insn} at linear address {@code cs.base + rip} executes. */
    void beforeInstruction(Cpu cpu, Insn insn, long rip);

    /**
     * Called before a basic block starts at {@code rip} ({@code size} bytes: up to and including
     * its first branch, or where the decoder's block-ending rule cut it), ahead of its first
     * instruction's {@link #beforeInstruction}. A decoded block that goes on past a Jcc is
     * reported as its basic blocks: the one after a Jcc when the Jcc falls through. Not called
     * for instructions single-stepped under RFLAGS.TF or breakpoints.
     */
    default void beforeBlock(Cpu cpu, long rip, int size) {
    }

    /** Called when a guest exception is raised (before delivery). */
    default void fault(Cpu cpu, org.apboot.core.fault.CpuException e) {
    }

    /**
     * Called right after {@link #fault}: true when the observer handled the exception itself, so
     * the engine does not deliver it. The CPU stays at the faulting instruction (its state as
     * before it) unless the observer changed RIP or whatever caused the fault.
     */
    default boolean handled(Cpu cpu, org.apboot.core.fault.CpuException e) {
        return false;
    }

    /** Called after an external interrupt or NMI ({@code vector} 2) was delivered: RIP is the handler's. */
    default void interrupt(Cpu cpu, int vector) {
    }

    /** Called after any instruction that changed {@code cpu.modeKey}. */
    default void modeChanged(Cpu cpu, int oldModeKey) {
    }
}
