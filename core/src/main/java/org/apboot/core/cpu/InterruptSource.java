package org.apboot.core.cpu;

/**
 * Where a vCPU's external events come from: its local APIC. The engine calls these on the vCPU's
 * own host thread, at an instruction boundary, after {@link Cpu#events()} said something may be
 * pending; other vCPUs only ever request events through {@link Cpu#raiseEvents}.
 */
public interface InterruptSource {
    /**
     * Accepts the highest-priority requested maskable interrupt whose priority class is above the
     * processor priority: moves it from "requested" to "in service" and returns its vector, or
     * returns -1 when nothing can be accepted now. The caller has checked RFLAGS.IF.
     */
    int acknowledge(Cpu cpu);

    /**
     * The embedder handled the interrupt just accepted in place of the guest's handler: ends it
     * as the handler's EOI would, so it no longer holds back interrupts of its priority class.
     */
    void handledByHost(Cpu cpu);

    /** Takes a pending NMI; false if there was none. */
    boolean takeNmi(Cpu cpu);

    /**
     * The task priority changed through CR8: re-evaluate whether a requested interrupt is now
     * above the processor priority.
     */
    void priorityChanged(Cpu cpu);

    /** No interrupt sources at all (a bare CPU). */
    InterruptSource NONE = new InterruptSource() {
        @Override
        public int acknowledge(Cpu cpu) {
            return -1;
        }

        @Override
        public void handledByHost(Cpu cpu) {
        }

        @Override
        public boolean takeNmi(Cpu cpu) {
            return false;
        }

        @Override
        public void priorityChanged(Cpu cpu) {
        }
    };
}
