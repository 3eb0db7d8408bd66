package org.apboot.core.semantics;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.InterruptTakeover;
import org.apboot.core.fault.Vectors;

/**
 * Takes external events at an instruction boundary: NMIs first, then the highest-priority
 * maskable interrupt when RFLAGS.IF is set (Intel SDM vol. 3 section 6.9, priority among
 * simultaneous events). Engines call {@link #service} between blocks when
 * {@link Cpu#eventDeliverable()} is true and no interrupt shadow is active, and for a halted CPU,
 * which an accepted event wakes.
 */
public final class ExternalEvents {
    private ExternalEvents() {
    }

    /** {@link #service}: the embedder handled the event ({@link Cpu#interruptTakeover}); nothing was delivered. */
    public static final int HANDLED_BY_HOST = -2;

    /**
     * Delivers at most one pending event through the IVT/IDT (return address {@code cpu.rip}).
     * Returns the vector taken (2 for an NMI), -1 when none could be, or
     * {@link #HANDLED_BY_HOST} when the embedder took the event over. After an event the CPU
     * is no longer halted; a fault while delivering it went through the double-fault rules and
     * may have shut the CPU down.
     */
    public static int service(Cpu cpu) {
        int ev = cpu.events();
        if ((ev & Cpu.EVENT_NMI) != 0 && !cpu.nmiBlocked) {
            // clear the request before looking, so a request raised meanwhile is not lost
            cpu.clearEvents(Cpu.EVENT_NMI);
            if (cpu.interrupts.takeNmi(cpu)) {
                if (hostTakesOver(cpu, Vectors.NMI, InterruptTakeover.NMI)) {
                    // no handler runs, so no IRET will end NMI blocking: it is not set
                    return HANDLED_BY_HOST;
                }
                cpu.nmiBlocked = true;
                ExceptionDelivery.deliverExternal(cpu, Vectors.NMI);
                return Vectors.NMI;
            }
        }
        if ((ev & Cpu.EVENT_INTR) != 0 && (cpu.sysFlags & Cpu.IF) != 0) {
            cpu.clearEvents(Cpu.EVENT_INTR);
            int vector = cpu.interrupts.acknowledge(cpu);
            if (vector >= 0) {
                if (hostTakesOver(cpu, vector, InterruptTakeover.EXTERNAL)) {
                    cpu.interrupts.handledByHost(cpu);
                    return HANDLED_BY_HOST;
                }
                ExceptionDelivery.deliverExternal(cpu, vector);
                return vector;
            }
        }
        return -1;
    }

    /**
     * Asks the embedder, if it installed handlers, to take the event over. A handled event
     * wakes a halted CPU as the guest's handler would (it returns past the HLT) and ends an
     * interrupt shadow as delivery does.
     */
    private static boolean hostTakesOver(Cpu cpu, int vector, int kind) {
        InterruptTakeover t = cpu.interruptTakeover;
        if (t == null || !t.takeOver(cpu, vector, kind)) {
            return false;
        }
        cpu.halted = false;
        cpu.interruptShadow = false;
        return true;
    }
}
