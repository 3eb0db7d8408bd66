package org.apboot.core.semantics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.InterruptSource;
import org.apboot.core.cpu.InterruptTakeover;
import org.apboot.core.decode.Insn;
import org.junit.jupiter.api.Test;

/**
 * Servicing pending external events between instructions (SDM vol. 3 sections 6.7-6.9): an NMI
 * first unless NMIs are blocked, then a maskable interrupt only with IF set; the event is
 * delivered through the real-mode IVT (FLAGS, CS, IP pushed; IF cleared), an NMI blocks further
 * NMIs, and an embedder that takes the event over gets it instead of the guest.
 */
class ExternalEventServiceTest {
    private final Cpu cpu = TestCpus.real();
    private final List<String> log = new ArrayList<>();
    private int vector = 0x20;
    private boolean nmiAvailable = true;

    ExternalEventServiceTest() {
        cpu.interrupts = new InterruptSource() {
            @Override
            public int acknowledge(Cpu c) {
                log.add("ack");
                return vector;
            }

            @Override
            public void handledByHost(Cpu c) {
                log.add("host");
            }

            @Override
            public boolean takeNmi(Cpu c) {
                log.add("nmi");
                return nmiAvailable;
            }

            @Override
            public void priorityChanged(Cpu c) {
            }
        };
        cpu.ram.write16(2 * 4, 0x0200); // NMI -> 0500:0200
        cpu.ram.write16(2 * 4 + 2, 0x0500);
        cpu.ram.write16(0x20 * 4, 0x0300); // vector 0x20 -> 0600:0300
        cpu.ram.write16(0x20 * 4 + 2, 0x0600);
        cpu.idtrBase = 0;
        cpu.idtrLimit = 0x3FF;
        cpu.r[Cpu.RSP] = 0x1000;
        cpu.rip = 0x0123;
        Flags.setRflags(cpu, Cpu.IF, Cpu.IF);
    }

    @Test
    void nothingPendingDeliversNothing() {
        assertEquals(-1, ExternalEvents.service(cpu));
        assertEquals(List.of(), log);
    }

    @Test
    void anNmiIsDeliveredAndBlocksFurtherNmis() {
        cpu.raiseEvents(Cpu.EVENT_NMI | Cpu.EVENT_INTR);
        cpu.halted = true;
        assertEquals(2, ExternalEvents.service(cpu));
        assertTrue(cpu.nmiBlocked);
        assertFalse(cpu.halted);
        assertEquals(0x0200, cpu.rip);
        assertEquals(0x0500, cpu.seg[Insn.CS].selector);
        assertEquals(0x0FFA, cpu.r[Cpu.RSP]);
        assertEquals(0x0123, cpu.ram.read16(0x0FFA));
        assertEquals(Cpu.IF | 2, cpu.ram.read16(0x0FFE));
        assertEquals(List.of("nmi"), log);
        assertEquals(Cpu.EVENT_INTR, cpu.events(), "the interrupt stays pending");
    }

    @Test
    void aBlockedNmiWaitsAndTheInterruptGoesFirst() {
        cpu.nmiBlocked = true;
        cpu.raiseEvents(Cpu.EVENT_NMI | Cpu.EVENT_INTR);
        assertEquals(0x20, ExternalEvents.service(cpu));
        assertEquals(0x0300, cpu.rip);
        assertEquals(0x0600, cpu.seg[Insn.CS].selector);
        assertEquals(0, Flags.rflags(cpu) & Cpu.IF);
        assertEquals(List.of("ack"), log);
        assertEquals(Cpu.EVENT_NMI, cpu.events());
    }

    @Test
    void anNmiTheSourceNoLongerHasIsDropped() {
        nmiAvailable = false;
        cpu.raiseEvents(Cpu.EVENT_NMI);
        assertEquals(-1, ExternalEvents.service(cpu));
        assertFalse(cpu.nmiBlocked);
        assertEquals(0, cpu.events());
        assertEquals(0x0123, cpu.rip);
    }

    @Test
    void interruptsWaitForIf() {
        Flags.setRflags(cpu, 0, Cpu.IF);
        cpu.raiseEvents(Cpu.EVENT_INTR);
        assertEquals(-1, ExternalEvents.service(cpu));
        assertEquals(Cpu.EVENT_INTR, cpu.events());
        assertEquals(List.of(), log);
    }

    @Test
    void aSpuriousAcknowledgeDeliversNothing() {
        vector = -1;
        cpu.raiseEvents(Cpu.EVENT_INTR);
        assertEquals(-1, ExternalEvents.service(cpu));
        assertEquals(0, cpu.events());
        assertEquals(0x0123, cpu.rip);
        assertEquals(0x1000, cpu.r[Cpu.RSP]);
    }

    @Test
    void vectorZeroIsAnInterruptLikeAnyOther() {
        vector = 0;
        cpu.ram.write16(0, 0x0400); // vector 0 -> 0700:0400
        cpu.ram.write16(2, 0x0700);
        cpu.raiseEvents(Cpu.EVENT_INTR);
        assertEquals(0, ExternalEvents.service(cpu));
        assertEquals(0x0400, cpu.rip);
        assertEquals(0x0700, cpu.seg[Insn.CS].selector);
    }

    @Test
    void theHostCanTakeEventsOver() {
        List<String> asked = new ArrayList<>();
        cpu.interruptTakeover = (c, v, kind) -> {
            asked.add(v + "/" + kind);
            return true;
        };
        cpu.halted = true;
        cpu.interruptShadow = true;
        cpu.raiseEvents(Cpu.EVENT_NMI);
        assertEquals(ExternalEvents.HANDLED_BY_HOST, ExternalEvents.service(cpu));
        assertFalse(cpu.nmiBlocked, "no handler runs, so no IRET would unblock");
        assertFalse(cpu.halted);
        assertFalse(cpu.interruptShadow);
        cpu.raiseEvents(Cpu.EVENT_INTR);
        assertEquals(ExternalEvents.HANDLED_BY_HOST, ExternalEvents.service(cpu));
        assertEquals(List.of("2/" + InterruptTakeover.NMI, "32/" + InterruptTakeover.EXTERNAL), asked);
        assertEquals(List.of("nmi", "ack", "host"), log);
        assertEquals(0x0123, cpu.rip);
        assertEquals(0x1000, cpu.r[Cpu.RSP]);
    }

    @Test
    void aHostThatDeclinesLeavesTheEventToTheGuest() {
        cpu.interruptTakeover = (c, v, kind) -> false;
        cpu.halted = true;
        cpu.raiseEvents(Cpu.EVENT_INTR);
        assertEquals(0x20, ExternalEvents.service(cpu));
        assertEquals(0x0300, cpu.rip);
        assertFalse(cpu.halted);
        assertEquals(List.of("ack"), log);
    }
}
