package org.apboot.core.semantics.system;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.decode.Insn;
import org.apboot.core.semantics.Rmw;
import org.apboot.core.semantics.RmwOps;
import org.junit.jupiter.api.Test;

/**
 * Read-modify-write operands under 64-bit paging (the identity map of the first 16 MiB in 2 MiB
 * pages): an operand crossing into a page mapped elsewhere updates the bytes of both frames, and
 * an operand ending on the last mapped byte touches nothing beyond it.
 */
class RmwPagingTest {
    @Test
    void anOperandCrossingIntoARemappedPageWritesBothFrames() {
        Cpu cpu = SysCpus.long64(0);
        long pd = SysCpus.PT_BASE + 0x3000;
        cpu.ram.write(pd + 8, 8, 0x600000 | 0x83); // linear 2 MiB..4 MiB -> physical 6 MiB..8 MiB
        cpu.mmu.flushAll();
        cpu.ram.write(0x1F_FFFE, 2, 0xFFFF);
        cpu.ram.write(0x60_0000, 2, 0x0000);
        Rmw.update(cpu, RmwOps.INC, 4, Insn.DS, 0x1F_FFFE, 0, 0, false); // 0x0000_FFFF + 1
        assertEquals(0x0000, cpu.ram.read(0x1F_FFFE, 2));
        assertEquals(0x0001, cpu.ram.read(0x60_0000, 2));
    }

    @Test
    void anOperandEndingOnTheLastMappedByteStaysInside() {
        Cpu cpu = SysCpus.long64(0);
        long last = (16 << 20) - 4;
        cpu.ram.write(last, 4, 0x41);
        Rmw.update(cpu, RmwOps.DEC, 4, Insn.DS, last, 0, 0, false);
        assertEquals(0x40, cpu.ram.read(last, 4));
    }
}
