package org.apboot.core.semantics.system;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.Segment;
import org.apboot.core.fault.Vectors;
import org.apboot.core.semantics.StackFrames;
import org.junit.jupiter.api.Test;

/**
 * A frame pushed on the current stack is a user-mode access at CPL 3 (a supervisor-only page then
 * faults with #PF error code P|W|U = 7, SDM vol. 3 section 4.7), and 64-bit frames use the whole
 * stack pointer as the linear address. The identity map of {@link SysCpus#long64} covers the
 * first 16 MiB with supervisor-only pages.
 */
class StackFrameUserAccessTest {
    @Test
    void aFrameAtCpl3IsAUserAccess() {
        Cpu kernel = SysCpus.long64(0);
        kernel.r[Cpu.RSP] = 0x8000;
        assertEquals(0x7FF8, StackFrames.pushCurrent(kernel, 8, new long[] {0x55}, 1));
        assertEquals(0x55, kernel.ram.read64(0x7FF8));

        Cpu user = SysCpus.long64(3);
        user.r[Cpu.RSP] = 0x8000;
        assertEquals(0x7FF8, SysCpus.fault(Vectors.PF, 7,
                () -> StackFrames.pushCurrent(user, 8, new long[] {0x66}, 1)).faultAddress);
        assertEquals(0, user.ram.read64(0x7FF8));
    }

    @Test
    void aSlotEndingAtTheLastCanonicalByteIsCanonical() {
        Cpu cpu = SysCpus.long64(0);
        int attrs = Segment.P | Segment.S | Segment.TYPE_READ_OR_WRITE;
        // 0x7FFF_FFFF_FFF8..0x7FFF_FFFF_FFFF is canonical: the push reaches paging (not mapped: #PF, W)
        SysCpus.fault(Vectors.PF, 2, () -> StackFrames.push(cpu, 0, 0, attrs, 8, 0x0000_8000_0000_0000L, 8,
                new long[] {1}, 1, false, 0));
    }

    @Test
    void aFrameInV86ModeIsAUserAccess() {
        Cpu cpu = SysCpus.prot32(0);
        // 32-bit paging, one supervisor 4 MiB page at 0
        cpu.ram.write(0x10000, 4, 0x83);
        cpu.cr3 = 0x10000;
        cpu.cr4 |= Cpu.CR4_PSE;
        cpu.cr0 |= Cpu.CR0_PG;
        cpu.sysFlags |= Cpu.VM;
        cpu.updateMode();
        cpu.mmu.flushAll();
        cpu.seg[org.apboot.core.decode.Insn.SS].set(0x2000, 0x2_0000, 0xFFFF,
                Segment.P | Segment.S | Segment.TYPE_READ_OR_WRITE);
        cpu.r[Cpu.RSP] = 0x100;
        assertEquals(0x2_00FEL, SysCpus.fault(Vectors.PF, 7,
                () -> StackFrames.pushCurrent(cpu, 2, new long[] {1}, 1)).faultAddress);
    }

    @Test
    void sixtyFourBitSlotsAboveFourGibAreNotTruncated() {
        Cpu cpu = SysCpus.long64(0);
        int attrs = Segment.P | Segment.S | Segment.TYPE_READ_OR_WRITE;
        // not present (error code W = 2): the linear address 0x1_0000_0FF8 lies outside the map
        assertEquals(0x1_0000_0FF8L, SysCpus.fault(Vectors.PF, 2, () -> StackFrames.push(cpu, 0, 0, attrs, 8,
                0x1_0000_1000L, 8, new long[] {0x77}, 1, false, 0)).faultAddress);
        assertEquals(0, cpu.ram.read64(0x0FF8));
    }
}
