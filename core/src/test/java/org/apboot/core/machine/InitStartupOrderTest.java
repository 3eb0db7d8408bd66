package org.apboot.core.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.interp.Interpreter;
import org.junit.jupiter.api.Test;

/**
 * INIT then STARTUP to a vCPU that is runnable but has not run since the INIT arrived (it waits
 * in the run queue, or another host thread runs it): on hardware the INIT takes effect at once,
 * so the STARTUP finds the CPU waiting for it and starts it. Only the first STARTUP after an
 * INIT counts.
 */
class InitStartupOrderTest {
    private static final long TIMEOUT = 60_000_000_000L;
    /* at 0x8000: 1: incw 0x600; jmp 1b (busy, never halts) */
    private static final byte[] BUSY_LOOP = {(byte) 0xff, 0x06, 0x00, 0x06, (byte) 0xeb, (byte) 0xfa};
    /* at 0x9000: movw $0x55, 0x602; cli; hlt */
    private static final byte[] AFTER_STARTUP = {(byte) 0xc7, 0x06, 0x02, 0x06, 0x55, 0x00, (byte) 0xfa, (byte) 0xf4};
    /* at 0xA000: movw $0x66, 0x602; cli; hlt */
    private static final byte[] WRONG_STARTUP = {(byte) 0xc7, 0x06, 0x02, 0x06, 0x66, 0x00, (byte) 0xfa, (byte) 0xf4};

    private static Machine pair() {
        Machine m = new Machine(MachineConfig.builder().ramBytes(1 << 20).cpus(2).deterministic(true).build());
        m.ram().load(0x7C00, new byte[] {(byte) 0xf4}); // the BSP: hlt
        m.ram().load(0x8000, BUSY_LOOP);
        m.ram().load(0x9000, AFTER_STARTUP);
        m.ram().load(0xA000, WRONG_STARTUP);
        m.vcpu(0).cpu.resetToRealMode(0, 0x7C00);
        m.vcpu(1).cpu.resetToRealMode(0, 0x8000);
        m.start(1);
        return m;
    }

    @Test
    void aStartupBehindAPendingInitStartsTheVcpu() {
        Machine m = pair();
        Vcpu ap = m.vcpu(1);
        m.deliverInitOrStartup(ap, true, 0);   // pending: the AP is queued, not halted or waiting
        assertEquals(Vcpu.RUNNABLE, ap.state());
        m.deliverInitOrStartup(ap, false, 0x09);
        m.deliverInitOrStartup(ap, false, 0x0A); // a second STARTUP changes nothing
        assertFalse(m.run(new Interpreter(m.ram()), TIMEOUT), "timed out");
        assertEquals(0x55, m.ram().read16(0x602), "the AP ran the code of the first STARTUP");
        assertEquals(0, m.ram().read16(0x600), "the AP took the INIT before running its old code");
        assertEquals(Vcpu.HALTED, ap.state());
        assertEquals(0x9000, ap.cpu.seg[1].base);
        assertEquals(AFTER_STARTUP.length, ap.cpu.rip);
        assertEquals(1, ap.initCount);
        assertEquals(1, ap.sipiCount);
    }

    @Test
    void aStartupWithNoInitBeforeItIsIgnored() {
        Machine m = pair();
        Vcpu ap = m.vcpu(1);
        m.deliverInitOrStartup(ap, false, 0x09); // a running AP with no INIT pending
        assertEquals(-1, ap.latchedSipi);
        assertEquals(0, ap.sipiCount);
        assertEquals(Vcpu.RUNNABLE, ap.state());
        assertEquals(0x8000, ap.cpu.rip);
        assertEquals(0, ap.cpu.events() & Cpu.EVENT_INIT);
    }
}
