package org.apboot.core.semantics;

import org.apboot.core.cpu.Cpu;
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

    /**
     * Delivers at most one pending event through the IVT/IDT (return address {@code cpu.rip}).
     * Returns the vector taken (2 for an NMI), or -1 when none could be. After an event the CPU
     * is no longer halted; a fault while delivering it went through the double-fault rules and
     * may have shut the CPU down.
     */
    public static int service(Cpu cpu) {
        int ev = cpu.events();
        if ((ev & Cpu.EVENT_NMI) != 0 && !cpu.nmiBlocked) {
            // clear the request before looking, so a request raised meanwhile is not lost
            cpu.clearEvents(Cpu.EVENT_NMI);
            if (cpu.interrupts.takeNmi(cpu)) {
                cpu.nmiBlocked = true;
                ExceptionDelivery.deliverExternal(cpu, Vectors.NMI);
                return Vectors.NMI;
            }
        }
        if ((ev & Cpu.EVENT_INTR) != 0 && (cpu.sysFlags & Cpu.IF) != 0) {
            cpu.clearEvents(Cpu.EVENT_INTR);
            int vector = cpu.interrupts.acknowledge(cpu);
            if (vector >= 0) {
                ExceptionDelivery.deliverExternal(cpu, vector);
                return vector;
            }
        }
        return -1;
    }
}
