package org.apboot.core.machine;

import java.util.List;
import org.apboot.core.cpu.CpuState;
import org.apboot.core.engine.WaitLoop;

/**
 * A saved copy of a {@link Machine}'s vCPUs: each one's architectural state ({@link CpuState}),
 * its local APIC (base, TPR, SVR, ICR, LDR, DFR, ESR, LVT, timer, IRR and ISR, pending NMI, INIT
 * and SIPI counts) and its scheduling state (waiting for SIPI, runnable, parked on which word,
 * halted, shut down), plus the order of the run queue, so that a deterministic machine put back
 * in this state runs the same interleaving again. Guest memory and devices are saved elsewhere.
 *
 * <p>Immutable once taken; {@link Machine#restoreState} may apply it any number of times. Take
 * and apply it only while the machine does not run.
 */
public final class MachineState {
    final Machine owner;
    final VcpuState[] vcpus;
    /** Indices of the queued vCPUs, in queue order. */
    final int[] queue;
    final boolean bspQueued;

    MachineState(Machine owner, VcpuState[] vcpus, int[] queue, boolean bspQueued) {
        this.owner = owner;
        this.vcpus = vcpus;
        this.queue = queue;
        this.bspQueued = bspQueued;
    }

    static MachineState of(Machine m, List<Vcpu> queued, boolean bspQueued) {
        VcpuState[] vs = new VcpuState[m.cpuCount()];
        for (int i = 0; i < vs.length; i++) {
            vs[i] = new VcpuState(m.vcpu(i));
        }
        int[] q = new int[queued.size()];
        for (int i = 0; i < q.length; i++) {
            q[i] = queued.get(i).cpu.index;
        }
        return new MachineState(m, vs, q, bspQueued);
    }

    /** The saved state of one vCPU. */
    static final class VcpuState {
        final CpuState cpu;
        final int state;
        final long apicBase;
        final int apicSvr, apicTpr, apicIcrHigh, apicLdr, apicDfr, apicEsr, apicEsrPending;
        final boolean nmiPending;
        final ApicTimer timer;
        final int[] lvt;
        /** IRR then ISR words, or null while no interrupt was ever sent. */
        final long[] irq;
        final int sipiCount, initCount, latchedSipi;
        final long parkPhys;
        final int parkSize;
        final WaitLoop.Until parkUntil;
        final long parkValue;
        final boolean parkTakes;
        final boolean parkReady;

        VcpuState(Vcpu v) {
            cpu = CpuState.of(v.cpu);
            state = v.state();
            apicBase = v.apicBase;
            apicSvr = v.apicSvr;
            apicTpr = v.apicTpr;
            apicIcrHigh = v.apicIcrHigh;
            apicLdr = v.apicLdr;
            apicDfr = v.apicDfr;
            apicEsr = v.apicEsr;
            apicEsrPending = v.apicEsrPending;
            nmiPending = v.nmiPending;
            timer = v.timer == null ? null : v.timer.copy();
            lvt = v.lvt == null ? null : v.lvt.clone();
            InterruptRegisters r = v.irqOrNull();
            irq = r == null ? null : r.save();
            sipiCount = v.sipiCount;
            initCount = v.initCount;
            latchedSipi = v.latchedSipi;
            parkPhys = v.parkPhys;
            parkSize = v.parkSize;
            parkUntil = v.parkUntil;
            parkValue = v.parkValue;
            parkTakes = v.parkTakes;
            parkReady = v.parkReady;
        }

        /** Puts {@code v} back in this state (not its queue or waiter links: see the machine). */
        void restoreTo(Vcpu v) {
            cpu.restoreTo(v.cpu);
            v.setState(state);
            v.apicBase = apicBase;
            v.apicSvr = apicSvr;
            v.apicTpr = apicTpr;
            v.apicIcrHigh = apicIcrHigh;
            v.apicLdr = apicLdr;
            v.apicDfr = apicDfr;
            v.apicEsr = apicEsr;
            v.apicEsrPending = apicEsrPending;
            v.nmiPending = nmiPending;
            v.timer = timer == null ? null : timer.copy();
            v.lvt = lvt == null ? null : lvt.clone();
            if (irq == null) {
                v.setIrq(null);
            } else {
                InterruptRegisters r = v.irqOrNull();
                if (r == null) {
                    r = new InterruptRegisters();
                }
                r.restore(irq);
                v.setIrq(r);
            }
            v.sipiCount = sipiCount;
            v.initCount = initCount;
            v.latchedSipi = latchedSipi;
            v.parkPhys = parkPhys;
            v.parkSize = parkSize;
            v.parkUntil = parkUntil;
            v.parkValue = parkValue;
            v.parkTakes = parkTakes;
            v.parkReady = parkReady;
        }
    }
}
