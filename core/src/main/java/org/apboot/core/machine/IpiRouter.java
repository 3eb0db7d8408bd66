package org.apboot.core.machine;

import org.apboot.core.cpu.Cpu;

/**
 * Sends the IPIs written to a local APIC's interrupt command register: resolves the destination
 * (shorthand; physical APIC ID or broadcast; logical: x2APIC clusters, xAPIC flat and cluster
 * models) and applies the delivery mode to each target. INIT and STARTUP go to
 * {@link Machine#deliverInitOrStartup}; fixed and lowest-priority IPIs set the target's IRR and
 * NMIs its NMI latch, then {@link Machine#kick} wakes a halted or parked target that can take
 * them. Lowest-priority arbitration picks the target with the lowest TPR, then the lowest APIC
 * ID. SMI and ExtINT IPIs, fixed IPIs with a vector below 16 (an ESR send / receive "illegal
 * vector" error) and fixed IPIs to a software-disabled APIC are dropped and counted.
 */
final class IpiRouter {
    /** ICR delivery modes. */
    static final int DM_FIXED = 0, DM_LOWEST = 1, DM_SMI = 2, DM_NMI = 4, DM_INIT = 5, DM_STARTUP = 6;
    /** Error status register bits. */
    static final int ESR_SEND_ILLEGAL = 1 << 5, ESR_RECEIVE_ILLEGAL = 1 << 6;
    private final Machine machine;
    /** Fixed, lowest-priority and NMI IPIs sent and accepted by a target. */
    final java.util.concurrent.atomic.LongAdder interruptIpis = new java.util.concurrent.atomic.LongAdder();
    /** IPIs dropped: SMI, ExtINT, illegal vectors, software-disabled targets. */
    final java.util.concurrent.atomic.LongAdder droppedIpis = new java.util.concurrent.atomic.LongAdder();

    IpiRouter(Machine machine) {
        this.machine = machine;
    }

    /**
     * Decodes an ICR write (low dword, destination) and sends the IPI to every target the
     * destination shorthand, mode (physical or logical) and field select.
     */
    void send(Vcpu from, int low, int dest, boolean x2) {
        int vector = low & 0xFF;
        int mode = (low >>> 8) & 7;
        boolean logical = (low & (1 << 11)) != 0;
        boolean assertLevel = (low & (1 << 14)) != 0;
        boolean levelTriggered = (low & (1 << 15)) != 0;
        int shorthand = (low >>> 18) & 3;
        if (mode == DM_INIT && !assertLevel && levelTriggered) {
            return; // INIT level de-assert: no effect on modern processors
        }
        if (mode == DM_LOWEST && shorthand == 0) {
            Vcpu t = lowestPriority(dest, logical, x2);
            if (t != null) {
                fixed(from, t, vector);
            }
            return;
        }
        if (shorthand == 1) {
            deliver(from, from, mode, vector);
        } else if (shorthand != 0) {
            for (int i = 0; i < machine.cpuCount(); i++) {
                Vcpu t = machine.vcpu(i);
                if (shorthand == 2 || t != from) {
                    deliver(from, t, mode, vector);
                }
            }
        } else if (!logical && dest != (x2 ? -1 : 0xFF)) {
            Vcpu t = machine.byApicId(dest);
            if (t != null) {
                deliver(from, t, mode, vector);
            }
        } else {
            for (int i = 0; i < machine.cpuCount(); i++) {
                Vcpu t = machine.vcpu(i);
                if (!logical || matchesLogical(t, dest, x2)) {
                    deliver(from, t, mode, vector);
                }
            }
        }
    }

    private void deliver(Vcpu from, Vcpu t, int mode, int vector) {
        switch (mode) {
            case DM_FIXED: case DM_LOWEST:
                fixed(from, t, vector);
                break;
            case DM_NMI:
                interruptIpis.increment();
                t.nmiPending = true;
                t.cpu.raiseEvents(Cpu.EVENT_NMI);
                machine.kick(t);
                break;
            case DM_INIT: case DM_STARTUP:
                machine.deliverInitOrStartup(t, mode == DM_INIT, vector);
                break;
            default:
                droppedIpis.increment(); // SMI, ExtINT, reserved: no such sources here
                break;
        }
    }

    /** A fixed interrupt {@code vector} from {@code from} (null: an outside source) to {@code t}. */
    void fixed(Vcpu from, Vcpu t, int vector) {
        if (vector < 16) {
            if (from != null) {
                from.esrError(ESR_SEND_ILLEGAL);
            }
            t.esrError(ESR_RECEIVE_ILLEGAL);
            droppedIpis.increment();
            return;
        }
        if ((t.apicSvr & LocalApic.SVR_ENABLE) == 0) {
            droppedIpis.increment();
            return;
        }
        interruptIpis.increment();
        t.irq().request(vector);
        t.cpu.raiseEvents(Cpu.EVENT_INTR);
        machine.kick(t);
    }

    private static boolean matchesLogical(Vcpu t, int dest, boolean x2) {
        int id = t.cpu.apicId;
        if (x2) {
            return dest == -1 || ((dest >>> 16) == (id >>> 4) && (dest & (1 << (id & 0xF))) != 0);
        }
        int ldr = t.apicLdr >>> 24;
        if (dest == 0xFF) {
            return true;
        }
        if ((t.apicDfr >>> 28) == 0xF) {
            return (dest & ldr) != 0; // flat model
        }
        return (dest >>> 4) == (ldr >>> 4) && (dest & ldr & 0xF) != 0; // cluster model
    }

    private Vcpu lowestPriority(int dest, boolean logical, boolean x2) {
        if (!logical && dest != (x2 ? -1 : 0xFF)) {
            return machine.byApicId(dest);
        }
        Vcpu best = null;
        for (int i = 0; i < machine.cpuCount(); i++) {
            Vcpu t = machine.vcpu(i);
            if ((!logical || matchesLogical(t, dest, x2)) && (best == null || LocalApic.tpr(t) < LocalApic.tpr(best))) {
                best = t;
            }
        }
        return best;
    }
}
