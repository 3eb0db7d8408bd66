package org.apboot.core.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.interp.Interpreter;
import org.junit.jupiter.api.Test;

/**
 * A vCPU that parks gives its TLB storage back, unless it parked before in the run and fewer than
 * eight parked vCPUs keep theirs: twenty APs that each park twice end with exactly eight holding
 * theirs, and every AP that runs again is no longer counted.
 */
class ParkedTlbTest {
    private static final long TIMEOUT = 60_000_000_000L;
    private static final long FIRST = 0x20000, SECOND = 0x20040, AP_CODE = 0x1000, BSP_CODE = 0x1100;
    /* .code32, eax = 1: 1: pause; cmpl %eax, (%ebx); jne 1b; 2: pause; cmpl %eax, (%ecx); jne 2b; hlt */
    private static final byte[] WAIT_TWICE = {(byte) 0xf3, (byte) 0x90, 0x39, 0x03, 0x75, (byte) 0xfa,
        (byte) 0xf3, (byte) 0x90, 0x39, 0x01, 0x75, (byte) 0xfa, (byte) 0xf4};
    /* .code32: movl $1, 0x20000; hlt */
    private static final byte[] RELEASE_FIRST = {(byte) 0xc7, 0x05, 0x00, 0x00, 0x02, 0x00, 0x01, 0x00, 0x00, 0x00,
        (byte) 0xf4};

    @Test
    void onlyVcpusThatParkAgainKeepTheirTlbAndNoMoreThanEight() {
        int aps = 20;
        Machine m = new Machine(MachineConfig.builder().ramBytes(1 << 20).cpus(aps + 1).deterministic(true).build());
        m.ram().load(AP_CODE, WAIT_TWICE);
        m.ram().load(BSP_CODE, RELEASE_FIRST);
        for (int i = 1; i <= aps; i++) {
            Cpu c = m.vcpu(i).cpu;
            ParkWakeStressTest.flat32(c, AP_CODE);
            c.r[Cpu.RAX] = 1;
            c.r[Cpu.RBX] = FIRST;
            c.r[Cpu.RCX] = SECOND;
            m.start(i); // queued ahead of the BSP: each parks on the first word before it is written
        }
        ParkWakeStressTest.flat32(m.vcpu(0).cpu, BSP_CODE);
        m.start(0);
        assertFalse(m.run(new Interpreter(m.ram()), TIMEOUT), "timed out");
        Scheduler s = m.scheduler();
        assertEquals(aps, s.parkedCount(), "every AP waits on the second word");
        assertEquals(2L * aps, s.total(Scheduler.PARKS));
        int kept = 0;
        for (int i = 1; i <= aps; i++) {
            Vcpu v = m.vcpu(i);
            assertEquals(Vcpu.PARKED, v.state());
            kept += v.keptTlb ? 1 : 0;
        }
        assertEquals(8, kept, "APs parked a second time holding their TLB");
        assertEquals(8, s.keptTlbCount());
        assertEquals(Vcpu.HALTED, m.vcpu(0).state());
    }
}
