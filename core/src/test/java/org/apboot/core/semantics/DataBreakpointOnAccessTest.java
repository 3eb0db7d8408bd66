package org.apboot.core.semantics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.decode.Insn;
import org.junit.jupiter.api.Test;

/**
 * Data breakpoints armed in DR7 are matched against the linear address of each data access
 * (after the segment base), writes against RW = 01 and reads or writes against RW = 11, and
 * reported as a trap after the instruction (Intel SDM vol. 3 sections 18.2.4 and 18.2.5).
 */
class DataBreakpointOnAccessTest {
    /** L0 with RW0 = {@code rw} and LEN0 = 11 (four bytes) on linear 0x1000. */
    private static Cpu armed(int rw) {
        Cpu cpu = TestCpus.prot32(0);
        cpu.dr[0] = 0x1000;
        cpu.dr[7] = 1 | (long) rw << 16 | 3L << 18;
        Debug.dr7Changed(cpu);
        cpu.seg[Insn.DS].base = 0x100;
        return cpu;
    }

    @Test
    void aWriteBreakpointTrapsOnWritesAtTheLinearAddressOnly() {
        Cpu cpu = armed(1);
        Mem.read(cpu, Insn.DS, 0xF00, 4);
        assertEquals(0, cpu.pendingDebug, "a read does not match RW = 01");
        Mem.write(cpu, Insn.DS, 0x1000, 4, 0);
        assertEquals(0, cpu.pendingDebug, "linear 0x1100: outside the breakpoint");
        Mem.write(cpu, Insn.DS, 0xF03, 1, 0);
        assertEquals(Debug.DR6_B0, cpu.pendingDebug);
    }

    @Test
    void aReadWriteBreakpointTrapsOnReads() {
        Cpu cpu = armed(3);
        Mem.read(cpu, Insn.DS, 0xEFE, 2);
        assertEquals(0, cpu.pendingDebug);
        Mem.read(cpu, Insn.DS, 0xEFE, 4);
        assertEquals(Debug.DR6_B0, cpu.pendingDebug);
    }

    @Test
    void aLockedCompareAndExchangeCountsAsAWrite() {
        Cpu cpu = armed(1);
        Mem.compareAndExchange(cpu, Insn.DS, 0xF00, 4, 1, 2); // no match, still a write access
        assertEquals(Debug.DR6_B0, cpu.pendingDebug);
    }
}
