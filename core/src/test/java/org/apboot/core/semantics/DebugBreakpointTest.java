package org.apboot.core.semantics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apboot.core.cpu.Cpu;
import org.junit.jupiter.api.Test;

/**
 * Debug-register breakpoints (SDM vol. 3 section 18.2): DR7 enables Ln/Gn at bits 2n and 2n+1,
 * R/Wn at bits 16+4n (00 execute, 01 write, 10 I/O, 11 read or write) and LENn at bits 18+4n
 * (00 one byte, 01 two, 10 eight, 11 four); a data breakpoint covers its length-aligned range;
 * hits are reported in DR6 bits 0-3.
 */
class DebugBreakpointTest {
    private final Cpu cpu = TestCpus.prot32(0);

    private static long rw(int n, int rw) {
        return (long) rw << (16 + 4 * n);
    }

    private static long len(int n, int code) {
        return (long) code << (18 + 4 * n);
    }

    private static long local(int n) {
        return 1L << (2 * n);
    }

    private static long global(int n) {
        return 2L << (2 * n);
    }

    @Test
    void instructionBreakpointsMatchTheirLinearAddress() {
        cpu.dr[0] = 0x1000;
        cpu.dr[1] = 0x1000; // not enabled
        cpu.dr[2] = 0x2000;
        cpu.dr[3] = 0x1000; // a data breakpoint
        cpu.dr[7] = local(0) | global(2) | local(3) | rw(3, 1);
        assertEquals(0b0001, Debug.instructionHits(cpu, 0x1000));
        assertEquals(0b0100, Debug.instructionHits(cpu, 0x2000));
        assertEquals(0, Debug.instructionHits(cpu, 0x1001));
        cpu.dr[0] = 0x1_0000_1000L; // outside 64-bit mode only the low 32 bits count
        assertEquals(0b0001, Debug.instructionHits(cpu, 0x1000));
        Cpu l = TestCpus.long64();
        l.dr[0] = 0x1_0000_1000L;
        l.dr[7] = local(0);
        assertEquals(0, Debug.instructionHits(l, 0x1000));
        assertEquals(0b0001, Debug.instructionHits(l, 0x1_0000_1000L));
    }

    private long hits(long linear, int size, boolean write) {
        cpu.pendingDebug = 0;
        Debug.dataAccess(cpu, linear, size, write);
        return cpu.pendingDebug;
    }

    @Test
    void dataBreakpointsCoverTheirAlignedRange() {
        cpu.dr[1] = 0x3001; // two bytes: 0x3000-0x3001
        cpu.dr[7] = local(1) | rw(1, 3) | len(1, 1);
        assertEquals(0, hits(0x2FFF, 1, false));
        assertEquals(0b10, hits(0x3001, 1, false));
        assertEquals(0b10, hits(0x2FFE, 4, true));
        assertEquals(0, hits(0x2FFE, 2, false));
        assertEquals(0, hits(0x3002, 1, true));
        cpu.dr[1] = 0x4005; // eight bytes: 0x4000-0x4007
        cpu.dr[7] = global(1) | rw(1, 3) | len(1, 2);
        assertEquals(0b10, hits(0x4007, 1, false));
        assertEquals(0b10, hits(0x4000, 1, false));
        assertEquals(0, hits(0x4008, 1, false));
        cpu.dr[1] = 0x5006; // four bytes: 0x5004-0x5007
        cpu.dr[7] = local(1) | rw(1, 3) | len(1, 3);
        assertEquals(0b10, hits(0x5007, 1, false));
        assertEquals(0b10, hits(0x5004, 1, false));
        assertEquals(0, hits(0x5008, 1, false));
        assertEquals(0, hits(0x5003, 1, false));
        cpu.dr[1] = 0x6001; // one byte
        cpu.dr[7] = local(1) | rw(1, 3);
        assertEquals(0b10, hits(0x6001, 1, false));
        assertEquals(0, hits(0x6000, 1, false));
        assertEquals(0, hits(0x6002, 1, false));
    }

    @Test
    void writeBreakpointsIgnoreReadsAndIoAndExecuteOnesIgnoreData() {
        cpu.dr[0] = 0x3000;
        cpu.dr[7] = local(0) | rw(0, 1);
        assertEquals(0, hits(0x3000, 1, false));
        assertEquals(0b1, hits(0x3000, 1, true));
        cpu.dr[7] = local(0) | rw(0, 2);
        assertEquals(0, hits(0x3000, 1, true));
        cpu.dr[7] = local(0) | rw(0, 0);
        assertEquals(0, hits(0x3000, 1, true));
        cpu.dr[7] = rw(0, 3); // not enabled
        assertEquals(0, hits(0x3000, 1, true));
    }

    @Test
    void aHitArmsTheTrap() {
        cpu.dr[2] = 0x3000;
        cpu.dr[7] = local(2) | rw(2, 3) | len(2, 3);
        cpu.debugActive = false;
        Debug.dataAccess(cpu, 0x3002, 2, false);
        assertEquals(0b100, cpu.pendingDebug);
        assertTrue(cpu.debugActive);
    }

    @Test
    void dr7ChangesArmInstructionAndDataBreakpoints() {
        cpu.dr[7] = local(0);
        Debug.dr7Changed(cpu);
        assertTrue(cpu.insnBreakpoints);
        assertFalse(cpu.dataBreakpoints);
        assertTrue(cpu.debugActive);
        cpu.dr[7] = global(1) | rw(1, 3);
        Debug.dr7Changed(cpu);
        assertFalse(cpu.insnBreakpoints);
        assertTrue(cpu.dataBreakpoints);
        cpu.dr[7] = local(3) | rw(3, 1);
        Debug.dr7Changed(cpu);
        assertTrue(cpu.dataBreakpoints);
        cpu.dr[7] = local(2) | rw(2, 2); // I/O: neither
        Debug.dr7Changed(cpu);
        assertFalse(cpu.insnBreakpoints);
        assertFalse(cpu.dataBreakpoints);
        assertFalse(cpu.debugActive);
        cpu.dr[7] = rw(0, 3) | rw(1, 0); // fields without enables
        Debug.dr7Changed(cpu);
        assertFalse(cpu.insnBreakpoints);
        assertFalse(cpu.dataBreakpoints);
        assertFalse(cpu.debugActive);
    }

    @Test
    void theLocalAndGlobalExactBitsAreNoBreakpoint() {
        cpu.dr[4] = 0; // DR4 aliases DR6: no fifth breakpoint
        cpu.dr[7] = 3L << 8; // LE and GE
        Debug.dr7Changed(cpu);
        assertFalse(cpu.insnBreakpoints);
        assertFalse(cpu.dataBreakpoints);
        assertEquals(0, Debug.instructionHits(cpu, 0));
    }

    @Test
    void aPendingTrapKeepsDebugActiveUntilTaken() {
        cpu.dr[7] = 0;
        Debug.dr7Changed(cpu);
        Debug.requestTrap(cpu, Debug.DR6_BS);
        Debug.refresh(cpu);
        assertTrue(cpu.debugActive);
        cpu.dr[6] = 0xFFFF_0FF0L | Debug.DR6_B0;
        assertEquals(Debug.DR6_BS, Debug.takePending(cpu));
        assertEquals(0, cpu.pendingDebug);
        assertFalse(cpu.debugActive);
        assertEquals(0xFFFF_0FF0L | Debug.DR6_B0 | Debug.DR6_BS, cpu.dr[6]);
    }
}
