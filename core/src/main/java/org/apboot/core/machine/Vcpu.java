package org.apboot.core.machine;

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import org.apboot.core.cpu.Cpu;
import org.apboot.core.engine.WaitLoop;

/**
 * One logical processor of a {@link Machine}: its architectural state, its local APIC registers
 * and its scheduling state. Small on purpose: a parked vCPU costs only this object and its
 * {@link Cpu}.
 */
public final class Vcpu {
    /** Waiting for INIT/SIPI (an AP before bring-up). */
    public static final int WAIT_SIPI = 0;
    /** On a run queue or running. */
    public static final int RUNNABLE = 1;
    /** Parked in a PAUSE wait loop: woken by a write that satisfies the loop, or by an event. */
    public static final int PARKED = 2;
    /** Executed HLT. */
    public static final int HALTED = 3;
    /** Triple fault. */
    public static final int SHUTDOWN = 4;

    private static final AtomicIntegerFieldUpdater<Vcpu> STATE =
            AtomicIntegerFieldUpdater.newUpdater(Vcpu.class, "state");

    public final Cpu cpu;
    volatile int state;

    // local APIC
    /** IA32_APIC_BASE: base address, EN (bit 11), EXTD (bit 10), BSP (bit 8). */
    long apicBase;
    int apicSvr = 0xFF;
    int apicTpr;
    int apicIcrHigh;
    /** xAPIC logical destination (bits 31:24 used) and destination format registers. */
    int apicLdr;
    int apicDfr = 0xFFFF_FFFF;
    /** Error status: {@code apicEsr} is what reads return, latched from the pending bits on write. */
    int apicEsr;
    volatile int apicEsrPending;
    /** An NMI was sent and not yet taken (NMIs do not queue: a second one merges). */
    volatile boolean nmiPending;
    /** The APIC timer, allocated by the first initial-count write. */
    ApicTimer timer;
    /** Local vector table as written (null: every entry masked, never written). */
    int[] lvt;
    /** IRR and ISR, allocated by the first interrupt sent to this vCPU. */
    private volatile InterruptRegisters irq;
    private static final java.util.concurrent.atomic.AtomicReferenceFieldUpdater<Vcpu, InterruptRegisters> IRQ =
            java.util.concurrent.atomic.AtomicReferenceFieldUpdater.newUpdater(Vcpu.class, InterruptRegisters.class, "irq");
    /** INIT and SIPI received; a SIPI starts the AP only as the first one after an INIT. */
    int sipiCount;
    int initCount;
    /**
     * The vector of a STARTUP IPI that arrived while an INIT sent before it was still pending
     * (the vCPU had not reached a boundary to take it), or -1. On hardware INIT takes effect at
     * once, so that SIPI finds the CPU waiting for it: it is applied with the INIT. Guarded by
     * this vCPU's monitor.
     */
    int latchedSipi = -1;

    // the word a parked vCPU waits on (set when its PAUSE exit named a wait loop; see Scheduler)
    long parkPhys;
    int parkSize;
    /** The relation the word must satisfy with {@link #parkValue} for the wait loop to go on. */
    WaitLoop.Until parkUntil;
    long parkValue;
    /** The poll it waits in takes what it waits for (see {@link WaitLoop.Poll#takes}). */
    boolean parkTakes;
    /** The vCPU's last PAUSE exit found a wait loop to park on (the park fields are set). */
    boolean parkReady;
    /**
     * It parked before on this machine, in any run (see Scheduler#keepOrReleaseTlb); only the
     * worker running it writes it.
     */
    boolean parkedBefore;
    /** It keeps its TLB storage while parked, counted in the scheduler's kept TLBs. */
    boolean keptTlb;

    // the run-queue link and membership, guarded by the RunQueue's monitor
    Vcpu queueNext;
    boolean queued;

    // links in the waiter lists of a LineWaiters, guarded by that object's monitor
    LineWaiters waitLine;
    Vcpu waitNext, waitPrev;
    int waitWord;

    Vcpu(Cpu cpu, boolean bsp) {
        this.cpu = cpu;
        this.apicBase = LocalApic.DEFAULT_BASE | LocalApic.BASE_ENABLE | (bsp ? LocalApic.BASE_BSP : 0);
        this.state = bsp ? RUNNABLE : WAIT_SIPI;
    }

    private static final AtomicIntegerFieldUpdater<Vcpu> ESR_PENDING =
            AtomicIntegerFieldUpdater.newUpdater(Vcpu.class, "apicEsrPending");

    /** Records an APIC error ({@code IpiRouter.ESR_*} bits) from any thread. */
    void esrError(int bits) {
        ESR_PENDING.getAndAccumulate(this, bits, (a, b) -> a | b);
    }

    /** The errors recorded since the last ESR write, cleared (an ESR write latches them). */
    int takeEsrErrors() {
        return ESR_PENDING.getAndSet(this, 0);
    }

    /** The interrupt registers, or null while no interrupt was ever sent here. */
    InterruptRegisters irqOrNull() {
        return irq;
    }

    /** Replaces the interrupt registers (a restore, while no vCPU runs); null: none yet. */
    void setIrq(InterruptRegisters r) {
        irq = r;
    }

    /** The interrupt registers, allocated on first use (any thread). */
    InterruptRegisters irq() {
        InterruptRegisters r = irq;
        if (r == null) {
            IRQ.compareAndSet(this, null, new InterruptRegisters());
            r = irq;
        }
        return r;
    }

    /** INIT: the APIC's interrupt state back to its reset value (the ID and base are kept). */
    void resetApic() {
        InterruptRegisters r = irq;
        if (r != null) {
            r.clear();
        }
        nmiPending = false;
        apicTpr = 0;
        apicSvr = 0xFF;
        apicLdr = 0;
        apicDfr = 0xFFFF_FFFF;
        apicEsr = 0;
        apicEsrPending = 0;
        lvt = null;
        timer = null;
        cpu.clearEvents(Cpu.EVENT_INTR | Cpu.EVENT_NMI | Cpu.EVENT_INIT);
    }

    public int state() {
        return state;
    }

    boolean casState(int expect, int update) {
        return STATE.compareAndSet(this, expect, update);
    }

    void setState(int s) {
        state = s;
    }

    public static String stateName(int s) {
        switch (s) {
            case WAIT_SIPI: return "wait-for-SIPI";
            case RUNNABLE: return "runnable";
            case PARKED: return "parked";
            case HALTED: return "halted";
            default: return "shutdown";
        }
    }

    /** True when the APIC is in x2APIC mode (EN and EXTD set). */
    public boolean x2apic() {
        return (apicBase & (LocalApic.BASE_ENABLE | LocalApic.BASE_EXTD)) == (LocalApic.BASE_ENABLE | LocalApic.BASE_EXTD);
    }

    /**
     * What this parked vCPU waits for, in words: the polled word and the relation that keeps it
     * waiting, or null when it waits for an interrupt (or is not parked).
     */
    public String parkedOn() {
        if (state() != PARKED || parkUntil == null) {
            return null;
        }
        return String.format("the %d-byte word at 0x%x %s", parkSize, parkPhys, parkUntil.describe(parkValue));
    }

    /** Sets IA32_APIC_BASE from a saved state; the BSP flag follows this vCPU's index, not the saved value. */
    public void restoreApicBase(long saved) {
        apicBase = (saved & ~LocalApic.BASE_BSP) | (cpu.index == 0 ? LocalApic.BASE_BSP : 0);
    }
}
