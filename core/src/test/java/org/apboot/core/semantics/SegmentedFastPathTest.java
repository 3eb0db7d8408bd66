package org.apboot.core.semantics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.Mmu;
import org.apboot.core.cpu.Segment;
import org.apboot.core.decode.Insn;
import org.apboot.core.fault.CpuException;
import org.apboot.core.fault.Vectors;
import org.junit.jupiter.api.Test;

/**
 * {@link Mem#read} and {@link Mem#write} outside 64-bit mode, where their fast path serves
 * real mode and flat protected-mode segments: the segment base is added, and every access the
 * fast path must not serve still gets its fault or its check from the complete path (limits,
 * read-only and expand-down segments, a change to CR0 not yet seen by the MMU).
 */
class SegmentedFastPathTest {
    @Test
    void realModeAddsTheSegmentBaseAndChecksTheLimit() {
        Cpu cpu = TestCpus.real();
        SegmentLoads.load(cpu, Insn.DS, 0x1234);
        Mem.write(cpu, Insn.DS, 0x10, 4, 0xCAFEBABEL);
        assertEquals(0xCAFEBABE, cpu.ram.read32(0x12350));
        assertEquals(0xBABE, Mem.read(cpu, Insn.DS, 0x10, 2));
        assertEquals(0x5678, readAfterWrite(cpu, Insn.DS, 0xFFFE, 2, 0x5678), "the last word inside the limit");
        CpuException e = assertThrows(CpuException.class, () -> Mem.read(cpu, Insn.DS, 0xFFFF, 2));
        assertEquals(Vectors.GP, e.vector);
        e = assertThrows(CpuException.class, () -> Mem.write(cpu, Insn.SS, 0xFFFF, 2, 0));
        assertEquals(Vectors.SS, e.vector);
    }

    private static long readAfterWrite(Cpu cpu, int s, long off, int size, long v) {
        Mem.write(cpu, s, off, size, v);
        return Mem.read(cpu, s, off, size);
    }

    @Test
    void protectedModeServesWritableExpandUpSegmentsAndChecksTheOthers() {
        Cpu cpu = TestCpus.prot32(0);
        Segment ds = cpu.seg[Insn.DS];
        ds.set(0x10, 0x3000, 0xFFF, ds.attrs & ~Segment.G);
        Mem.write(cpu, Insn.DS, 0x20, 4, 0x11223344);
        assertEquals(0x11223344, cpu.ram.read32(0x3020));
        assertEquals(0x11223344, Mem.read(cpu, Insn.DS, 0x20, 4));
        assertEquals(Vectors.GP, assertThrows(CpuException.class, () -> Mem.read(cpu, Insn.DS, 0xFFE, 4)).vector);
        // read-only data: reads served, writes refused
        ds.set(0x10, 0x3000, 0xFFF, (ds.attrs & ~Segment.TYPE_READ_OR_WRITE));
        assertEquals(0x11223344, Mem.read(cpu, Insn.DS, 0x20, 4));
        assertEquals(Vectors.GP, assertThrows(CpuException.class, () -> Mem.write(cpu, Insn.DS, 0x20, 4, 0)).vector);
        // expand-down: offsets above the limit are the valid ones
        ds.set(0x10, 0x3000, 0xFFF, ds.attrs | Segment.TYPE_READ_OR_WRITE | Segment.TYPE_CONFORMING_OR_EXPAND_DOWN);
        Mem.write(cpu, Insn.DS, 0x2000, 2, 0xBEEF);
        assertEquals(0xBEEF, cpu.ram.read16(0x5000));
        assertEquals(Vectors.GP, assertThrows(CpuException.class, () -> Mem.write(cpu, Insn.DS, 0x20, 2, 0)).vector);
    }

    @Test
    void pagingTurnedOnIsHonouredBeforeTheMmuHasSeenIt() {
        Cpu cpu = TestCpus.prot32(0);
        cpu.ram.write32(0x80010, 0x11111111);
        assertEquals(0x11111111L, Mem.read(cpu, Insn.DS, 0x80010, 4)); // paging off, seen by the MMU
        // 32-bit paging: linear 0x80000 -> physical 0x5000
        cpu.ram.write32(0x20000, 0x21000 | 7);
        cpu.ram.write32(0x21000 + 4 * 0x80, 0x5000 | 0x67);
        cpu.ram.write32(0x5010, 0x600DF00D);
        cpu.cr3 = 0x20000;
        cpu.cr0 |= Cpu.CR0_PG;
        assertEquals(0x600DF00DL, Mem.read(cpu, Insn.DS, 0x80010, 4));
        assertEquals(0x600DF00DL, Mem.read(cpu, Insn.DS, 0x80010, 4), "again, from the TLB");
        assertEquals(0x5010L, cpu.mmu.translate(0x80010, Mmu.READ, false));
    }
}
