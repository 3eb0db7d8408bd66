package org.apboot.core.semantics.system;

import static org.apboot.core.semantics.system.SysCpus.gp;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.InterruptSource;
import org.apboot.core.semantics.ControlRegs;
import org.junit.jupiter.api.Test;

/**
 * MOV to CR8 (SDM vol. 3 section 10.8.6.1): the task priority takes bits 3:0, bits 63:4 are
 * reserved (#GP(0)), and the interrupt controller hears of every change, since a lower priority
 * may let a pending interrupt through.
 */
class Cr8PriorityTest {
    @Test
    void aWriteReachesTheInterruptController() {
        Cpu cpu = SysCpus.long64(0);
        int[] told = {0};
        cpu.interrupts = new InterruptSource() {
            @Override
            public int acknowledge(Cpu c) {
                return -1;
            }

            @Override
            public void handledByHost(Cpu c) {
            }

            @Override
            public boolean takeNmi(Cpu c) {
                return false;
            }

            @Override
            public void priorityChanged(Cpu c) {
                told[0]++;
            }
        };
        ControlRegs.writeCr8(cpu, 0xA);
        assertEquals(0xA, cpu.cr8);
        assertEquals(1, told[0]);
        gp(() -> ControlRegs.writeCr8(cpu, 0x10));
        assertEquals(0xA, cpu.cr8);
        assertEquals(1, told[0]);
    }
}
