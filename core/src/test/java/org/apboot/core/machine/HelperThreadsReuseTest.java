package org.apboot.core.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apboot.core.interp.Interpreter;
import org.junit.jupiter.api.Test;

/**
 * Machines of two host threads run one after another (as benchmarks and {@code boot --repeat}
 * do) take their helper from the shared {@link HelperThreads}: once the first run has one, the
 * next runs start no thread. A run starts its helper only when it first hands a vCPU over.
 */
class HelperThreadsReuseTest {
    private static final long TIMEOUT = 60_000_000_000L;
    /* .code32: mov $200000, %ecx; 1: dec %ecx; jnz 1b; hlt (a thousand primary slices) */
    private static final byte[] COUNT_DOWN = {(byte) 0xb9, 0x40, 0x0d, 0x03, 0x00, 0x49, 0x75, (byte) 0xfd,
        (byte) 0xf4};

    private static void awaitIdleHelpers() throws InterruptedException {
        long until = System.nanoTime() + 10_000_000_000L;
        while (HelperThreads.busy() > 0) {
            assertTrue(System.nanoTime() < until, "a helper thread is still busy after its run");
            Thread.sleep(1);
        }
    }

    /* .code32: mov $16, %ecx; 1: dec %ecx; jnz 1b; hlt (well within one primary slice) */
    private static final byte[] SHORT_COUNT_DOWN = {(byte) 0xb9, 0x10, 0x00, 0x00, 0x00, 0x49, 0x75, (byte) 0xfd,
        (byte) 0xf4};

    /** A one-vCPU machine of two host threads that ran {@code code} at 0x1000 in flat 32-bit mode to its HLT. */
    private static Machine ran(byte[] code) {
        Machine m = new Machine(MachineConfig.builder().ramBytes(1 << 16).cpus(1).hostThreads(2)
                .quantum(2_000).build());
        m.ram().load(0x1000, code);
        ParkWakeStressTest.flat32(m.vcpu(0).cpu, 0x1000);
        m.start(0);
        assertFalse(m.run(new Interpreter(m.ram()), TIMEOUT), "timed out");
        assertEquals(Vcpu.HALTED, m.vcpu(0).state());
        assertEquals(0, m.vcpu(0).cpu.r[org.apboot.core.cpu.Cpu.RCX]);
        return m;
    }

    @Test
    void laterMachinesStartNoHelperThread() throws InterruptedException {
        long afterFirst = 0;
        for (int run = 0; run < 4; run++) {
            awaitIdleHelpers();
            if (run == 1) {
                afterFirst = HelperThreads.started();
            }
            Machine m = ran(COUNT_DOWN);
            assertTrue(m.scheduler().total(Scheduler.COMPUTE_HANDOFFS) > 0, "the loop was never handed over");
            assertTrue(m.scheduler().helpersStarted(), "the loop was handed over, but no helper started");
        }
        assertEquals(afterFirst, HelperThreads.started(), "helper threads started after the first run");
    }

    @Test
    void aRunThatHandsNothingOverStartsNoHelper() throws InterruptedException {
        awaitIdleHelpers();
        long before = HelperThreads.started();
        Machine m = ran(SHORT_COUNT_DOWN);
        assertEquals(0, m.scheduler().total(Scheduler.COMPUTE_HANDOFFS));
        assertFalse(m.scheduler().helpersStarted(), "a helper was started for a run with nothing to hand over");
        assertEquals(0, HelperThreads.busy(), "a helper thread is busy");
        assertEquals(before, HelperThreads.started());
    }
}
