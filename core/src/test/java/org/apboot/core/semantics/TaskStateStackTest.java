package org.apboot.core.semantics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.Segment;
import org.apboot.core.fault.CpuException;
import org.apboot.core.fault.Vectors;
import org.junit.jupiter.api.Test;

/**
 * The inner stacks a task-state segment holds (SDM vol. 3 figures 8-2, 8-11 and 8-12): a 32-bit
 * TSS keeps ESPn at 4 + 8n and SSn at 8 + 8n, a 16-bit one SPn at 2 + 4n and SSn at 4 + 4n, a
 * 64-bit one RSPn at 4 + 8n and ISTn at 0x24 + 8(n-1); a TSS whose limit does not cover the whole
 * field, or that is not present, raises #TS(TSS selector + EXT).
 */
class TaskStateStackTest {
    private static final long BASE = 0x6000;
    private final Cpu cpu = TestCpus.prot32(0);

    private void tr(int type, long limit) {
        cpu.tr.set(0x28, BASE, limit, Segment.P | type);
    }

    private void ts(int err, Runnable r) {
        CpuException e = assertThrows(CpuException.class, r::run);
        assertEquals(Vectors.TS, e.vector, e.toString());
        assertEquals(err, e.errorCode, e.toString());
    }

    @Test
    void thirtyTwoBitTssFields() {
        for (int n = 0; n < 3; n++) {
            cpu.ram.write32(BASE + 4 + 8L * n, 0x1111_0000 + n);
            cpu.ram.write16(BASE + 8 + 8L * n, 0x10 + 8 * n);
        }
        for (int type : new int[] {Descriptors.TSS32_AVAIL, Descriptors.TSS32_BUSY}) {
            tr(type, 0x67);
            assertArrayEquals(new long[] {0x10, 0x1111_0000L}, TaskState.legacyStack(cpu, 0, 0));
            assertArrayEquals(new long[] {0x18, 0x1111_0001L}, TaskState.legacyStack(cpu, 1, 0));
            assertArrayEquals(new long[] {0x20, 0x1111_0002L}, TaskState.legacyStack(cpu, 2, 0));
        }
    }

    @Test
    void sixteenBitTssFields() {
        for (int n = 0; n < 3; n++) {
            cpu.ram.write16(BASE + 2 + 4L * n, 0x2220 + n);
            cpu.ram.write16(BASE + 4 + 4L * n, 0x30 + 8 * n);
        }
        tr(1, 0x2B);
        assertArrayEquals(new long[] {0x30, 0x2220}, TaskState.legacyStack(cpu, 0, 0));
        assertArrayEquals(new long[] {0x38, 0x2221}, TaskState.legacyStack(cpu, 1, 0));
        tr(3, 0x2B);
        assertArrayEquals(new long[] {0x40, 0x2222}, TaskState.legacyStack(cpu, 2, 0));
    }

    @Test
    void theLimitMustCoverTheWholeField() {
        tr(Descriptors.TSS32_BUSY, 0x19); // SS2 at 0x18..0x19
        TaskState.legacyStack(cpu, 2, 0);
        tr(Descriptors.TSS32_BUSY, 0x18);
        ts(0x28, () -> TaskState.legacyStack(cpu, 2, 0));
        tr(Descriptors.TSS32_BUSY, 0x17); // ESP2 at 0x14..0x17, SS2 beyond
        ts(0x29, () -> TaskState.legacyStack(cpu, 2, 1));
        tr(1, 0x9); // 16-bit: SS1 at 8..9
        TaskState.legacyStack(cpu, 1, 0);
        tr(1, 0x8);
        ts(0x28, () -> TaskState.legacyStack(cpu, 1, 0));
        tr(1, 0x7); // SP1 at 6..7
        ts(0x28, () -> TaskState.legacyStack(cpu, 1, 0));
        tr(Descriptors.TSS32_BUSY, 0x67);
        cpu.tr.attrs &= ~Segment.P;
        ts(0x29, () -> TaskState.legacyStack(cpu, 0, 1));
    }

    @Test
    void sixtyFourBitStacks() {
        cpu.ram.write64(BASE + TaskState.RSP0 + 16, 0xFFFF_8000_0000_2000L); // RSP2
        cpu.ram.write64(BASE + TaskState.IST1 + 8, 0xFFFF_8000_0000_3000L); // IST2
        tr(Descriptors.TSS32_BUSY, 0x67);
        assertEquals(0xFFFF_8000_0000_2000L, TaskState.stack64(cpu, TaskState.RSP0 + 16, 0));
        assertEquals(0xFFFF_8000_0000_3000L, TaskState.stack64(cpu, TaskState.IST1 + 8, 0));
        tr(Descriptors.TSS32_BUSY, 0x1B); // RSP2 at 0x14..0x1B
        TaskState.stack64(cpu, TaskState.RSP0 + 16, 0);
        tr(Descriptors.TSS32_BUSY, 0x1A);
        ts(0x29, () -> TaskState.stack64(cpu, TaskState.RSP0 + 16, 1));
        tr(Descriptors.TSS32_BUSY, 0x67);
        cpu.tr.attrs &= ~Segment.P;
        ts(0x28, () -> TaskState.stack64(cpu, TaskState.RSP0, 0));
    }
}
