package org.apboot.core.engine;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.semantics.ExternalEvents;

/**
 * The parts of an engine's run loop every engine must do the same way, so that interrupts,
 * interrupt shadows and retired-instruction counts never depend on which engine runs a vCPU.
 *
 * <p>Call order at each block boundary: {@link #takeEvent} when {@link Cpu#events()} is non-zero
 * (return {@link ExitReason#INIT} first when {@link Cpu#EVENT_INIT} is set), then check
 * {@link Cpu#halted} and the budget, then run a block and {@link #retire} what it retired.
 */
public final class RunLoop {
    private RunLoop() {
    }

    /**
     * At a block boundary with events requested: takes one if it can be taken now. Never right
     * after an STI / MOV SS / POP SS (the interrupt shadow); a halted CPU has retired the HLT
     * that followed it, so the shadow no longer applies. Returns true when an event was
     * delivered (the tracer, if any, is told) or the embedder took it over.
     */
    public static boolean takeEvent(Cpu cpu, Tracer tracer) {
        if ((cpu.halted || !cpu.interruptShadow) && cpu.eventDeliverable()) {
            int vector = ExternalEvents.service(cpu);
            if (vector >= 0) {
                if (tracer != null) {
                    tracer.interrupt(cpu, vector);
                }
                return true;
            }
            if (vector == ExternalEvents.HANDLED_BY_HOST) {
                return true; // the embedder may have moved RIP or changed the mode
            }
        }
        return false;
    }

    /** {@link #boundary}: run the next block. */
    public static final int RUN = -1;
    /** {@link #boundary}: an event was delivered; look at the CPU again. */
    public static final int EVENT_TAKEN = -2;

    /**
     * The checks every engine makes before each block, in this order: shutdown, INIT, an event
     * that can be taken now, HALT, the budget. Returns an {@link ExitReason} to return, or
     * {@link #RUN} or {@link #EVENT_TAKEN}.
     */
    public static int boundary(Cpu cpu, Tracer tracer, long executed, long budget) {
        if (cpu.shutdown) {
            return ExitReason.SHUTDOWN;
        }
        int ev = cpu.events();
        if (ev != 0) {
            if ((ev & Cpu.EVENT_INIT) != 0) {
                return ExitReason.INIT;
            }
            if (takeEvent(cpu, tracer)) {
                return EVENT_TAKEN;
            }
        }
        if (cpu.halted) {
            return ExitReason.HALT;
        }
        return executed >= budget ? ExitReason.BUDGET : RUN;
    }

    /**
     * Counts what a block (or step) retired in mode {@code mode} ({@link Cpu#modeIndex} when the
     * block began), per block so the TSC, derived from the count, stays current. {@code done} is
     * negated for a PAUSE exit. Returns the count.
     */
    public static int retire(Cpu cpu, int mode, int done) {
        int n = done < 0 ? -done : done;
        cpu.instructions += n;
        cpu.modeInstructions[mode] += n;
        return n;
    }

    /**
     * True when an interrupt shadow holds a waiting event back at the start of a block: STI, MOV
     * SS and POP SS end their block, so the shadow covers exactly the next block's first
     * instruction; with an event waiting only that instruction runs and the event is taken right
     * after it, as on hardware (the classic {@code sti; nop; cli} window). Either way the shadow
     * ends at this block: the caller clears {@link Cpu#interruptShadow}.
     */
    public static boolean shadowHoldsEvent(Cpu cpu) {
        return cpu.interruptShadow && cpu.events() != 0;
    }

    /**
     * True when the next block must run one instruction at a time with the debug checks:
     * RFLAGS.TF or RF set, or breakpoints armed / a debug trap pending.
     */
    public static boolean debugStepping(Cpu cpu) {
        return (cpu.sysFlags & (Cpu.TF | Cpu.RF)) != 0 || cpu.debugActive;
    }
}
