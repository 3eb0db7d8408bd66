package org.apboot.core.semantics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.InterruptTakeover;
import org.apboot.core.decode.Insn;
import org.junit.jupiter.api.Test;

/**
 * INT n and an embedder's interrupt takeover: the embedder is asked first, with the vector and
 * the kind {@link InterruptTakeover#SOFTWARE}; when it handles the interrupt nothing is pushed
 * and no handler is entered; when it declines, or there is none, the real-mode delivery of the
 * SDM (INT n: FLAGS, CS and IP pushed, CS:IP from the IVT entry at 4 * n) takes place.
 */
class SoftwareInterruptTakeoverTest {
    private static final int VECTOR = 0x21;
    private static final long NEXT_RIP = 0x0125;

    private final Cpu cpu = TestCpus.real();
    private final List<String> asked = new ArrayList<>();

    SoftwareInterruptTakeoverTest() {
        cpu.ram.write16(VECTOR * 4, 0x0400); // vector 0x21 -> 0700:0400
        cpu.ram.write16(VECTOR * 4 + 2, 0x0700);
        cpu.idtrBase = 0;
        cpu.idtrLimit = 0x3FF;
        cpu.seg[Insn.SS].set(0, 0, 0xFFFF, cpu.seg[Insn.SS].attrs);
        cpu.r[Cpu.RSP] = 0x1000;
        cpu.rip = NEXT_RIP;
    }

    private void takeover(boolean handles) {
        cpu.interruptTakeover = (c, v, kind) -> {
            asked.add(v + "/" + kind);
            return handles;
        };
    }

    @Test
    void anInterruptTheEmbedderHandlesIsNotDelivered() {
        takeover(true);
        int cs = cpu.seg[Insn.CS].selector;
        ExceptionDelivery.deliverSoftwareInterrupt(cpu, VECTOR, NEXT_RIP, ExceptionDelivery.SOFTWARE_INT);
        assertEquals(List.of(VECTOR + "/" + InterruptTakeover.SOFTWARE), asked);
        assertEquals(0x1000, cpu.r[Cpu.RSP], "nothing pushed");
        assertEquals(NEXT_RIP, cpu.rip);
        assertEquals(cs, cpu.seg[Insn.CS].selector);
        assertEquals(0, cpu.ram.read16(0x0FFA));
    }

    @Test
    void anInterruptTheEmbedderDeclinesGoesToTheGuest() {
        takeover(false);
        int cs = cpu.seg[Insn.CS].selector;
        ExceptionDelivery.deliverSoftwareInterrupt(cpu, VECTOR, NEXT_RIP, ExceptionDelivery.SOFTWARE_INT);
        assertEquals(List.of(VECTOR + "/" + InterruptTakeover.SOFTWARE), asked);
        delivered(cs);
    }

    @Test
    void withoutAnEmbedderTheInterruptGoesToTheGuest() {
        int cs = cpu.seg[Insn.CS].selector;
        ExceptionDelivery.deliverSoftwareInterrupt(cpu, VECTOR, NEXT_RIP, ExceptionDelivery.SOFTWARE_INT);
        delivered(cs);
    }

    private void delivered(int oldCs) {
        assertEquals(0x0400, cpu.rip);
        assertEquals(0x0700, cpu.seg[Insn.CS].selector);
        assertEquals(0x0FFA, cpu.r[Cpu.RSP]);
        assertEquals(NEXT_RIP, cpu.ram.read16(0x0FFA), "IP pushed last");
        assertEquals(oldCs, cpu.ram.read16(0x0FFC));
    }
}
