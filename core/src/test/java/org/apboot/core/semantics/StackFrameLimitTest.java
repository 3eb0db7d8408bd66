package org.apboot.core.semantics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.Segment;
import org.apboot.core.decode.Insn;
import org.apboot.core.fault.CpuException;
import org.apboot.core.fault.Vectors;
import org.junit.jupiter.api.Test;

/**
 * The frames interrupts, calls and task switches push on a stack not yet committed: every slot
 * checked against the limit before any is written (SDM vol. 3 section 5.3: an expand-up segment
 * allows offsets up to the limit, an expand-down one offsets above the limit up to 0xFFFF or
 * 0xFFFFFFFF by its B flag), 16-bit stack pointers wrapping, 64-bit slots canonical, and the
 * stack pointer after a release at each stack size. Paging off: linear = physical.
 */
class StackFrameLimitTest {
    private static final int UP = Segment.P | Segment.S | Segment.TYPE_READ_OR_WRITE;
    private static final int DOWN = UP | Segment.TYPE_CONFORMING_OR_EXPAND_DOWN;
    private static final long BASE = 0x2_0000;

    private final Cpu cpu = TestCpus.real();

    private static CpuException ss(int err, Runnable r) {
        CpuException e = assertThrows(CpuException.class, r::run);
        assertEquals(Vectors.SS, e.vector, e.toString());
        assertEquals(err, e.errorCode, e.toString());
        return e;
    }

    @Test
    void expandUpSlotsMayEndExactlyAtTheLimit() {
        long sp = StackFrames.push(cpu, BASE, 0xFFF, UP, 2, 0x1000, 2, new long[] {0x1111, 0x2222}, 2, false, 0);
        assertEquals(0xFFC, sp);
        assertEquals(0x1111, cpu.ram.read16(BASE + 0xFFE));
        assertEquals(0x2222, cpu.ram.read16(BASE + 0xFFC));
    }

    @Test
    void aSlotPastTheLimitFaultsBeforeAnythingIsWritten() {
        ss(0x58, () -> StackFrames.push(cpu, BASE, 0xFFF, UP, 2, 0x1002, 2, new long[] {0x1111, 0x2222}, 2, false,
                0x58));
        assertEquals(0, cpu.ram.read16(BASE + 0xFFE), "the second slot was in bounds but is not written");
    }

    @Test
    void sixteenBitStackPointerWraps() {
        long sp = StackFrames.push(cpu, BASE, 0xFFFF, UP, 2, 0x0002, 2, new long[] {0xAAAA, 0xBBBB}, 2, false, 0);
        assertEquals(0xFFFE, sp);
        assertEquals(0xAAAA, cpu.ram.read16(BASE));
        assertEquals(0xBBBB, cpu.ram.read16(BASE + 0xFFFE));
    }

    @Test
    void expandDownSlotsMustLieAboveTheLimit() {
        long sp = StackFrames.push(cpu, BASE, 0x0FFF, DOWN, 2, 0x1008, 4, new long[] {1, 2}, 2, false, 0);
        assertEquals(0x1000, sp);
        assertEquals(1, cpu.ram.read32(BASE + 0x1004));
        assertEquals(2, cpu.ram.read32(BASE + 0x1000));
        ss(0, () -> StackFrames.push(cpu, BASE, 0x0FFF, DOWN, 2, 0x1006, 4, new long[] {3, 4}, 2, false, 0));
        assertEquals(1, cpu.ram.read32(BASE + 0x1004), "nothing written");
    }

    @Test
    void anExpandDownSlotAtTheLimitItselfFaults() {
        ss(0, () -> StackFrames.push(cpu, BASE, 0x0FFF, DOWN, 2, 0x1001, 2, new long[] {1}, 1, false, 0));
    }

    @Test
    void anExpandDownSlotMayEndAtTheUpperBound() {
        long sp = StackFrames.push(cpu, BASE, 0x0FFF, DOWN, 4, 0x1_0000, 2, new long[] {0x7777}, 1, false, 0);
        assertEquals(0xFFFE, sp); // bytes 0xFFFE..0xFFFF of a 16-bit expand-down segment
        assertEquals(0x7777, cpu.ram.read16(BASE + 0xFFFE));
    }

    @Test
    void expandDownUpperBoundFollowsTheBFlag() {
        // a slot at 0x10000 is above a 16-bit expand-down segment's 0xFFFF, inside a 32-bit one's
        ss(0, () -> StackFrames.push(cpu, BASE, 0xFFFF, DOWN, 4, 0x1_0004, 4, new long[] {5}, 1, false, 0));
        long sp = StackFrames.push(cpu, BASE, 0xFFFF, DOWN | Segment.DB, 4, 0x1_0004, 4, new long[] {5}, 1, false, 0);
        assertEquals(0x1_0000, sp);
        assertEquals(5, cpu.ram.read32(BASE + 0x1_0000));
    }

    @Test
    void sixtyFourBitSlotsMustBeCanonical() {
        // the slot starts canonical (0x7FFF_FFFF_FFFC) and ends past 0x7FFF_FFFF_FFFF
        ss(0x10, () -> StackFrames.push(cpu, 0, 0, UP, 8, 0x0000_8000_0000_0004L, 8, new long[] {1}, 1, false, 0x10));
        // the slot starts non-canonical
        ss(0x18, () -> StackFrames.push(cpu, 0, 0, UP, 8, 0x0000_8000_0000_0010L, 8, new long[] {1}, 1, false, 0x18));
    }

    @Test
    void pushCurrentInRealModeChecksOnlyTheLimit() {
        // an expand-down type left in the SS cache means nothing in real mode
        cpu.seg[Insn.SS].attrs = DOWN;
        cpu.seg[Insn.SS].limit = 0x0FFF;
        cpu.r[Cpu.RSP] = 0x1000;
        long sp = StackFrames.pushCurrent(cpu, 2, new long[] {0x4242}, 1);
        assertEquals(0x0FFE, sp);
        assertEquals(0x1000, cpu.r[Cpu.RSP], "not committed");
        assertEquals(0x4242, cpu.ram.read16(cpu.seg[Insn.SS].base + 0x0FFE));
    }

    @Test
    void pushCurrentInV86ModeChecksOnlyTheLimit() {
        Cpu v = TestCpus.prot32(0);
        Flags.setRflags(v, Cpu.VM, Cpu.VM);
        v.seg[Insn.SS].set(0x2000, 0x2_0000, 0x0FFF, DOWN | Segment.DB);
        v.r[Cpu.RSP] = 0x1000;
        assertEquals(0x0FFE, StackFrames.pushCurrent(v, 2, new long[] {0x4343}, 1));
        assertEquals(0x4343, v.ram.read16(0x2_0FFE));
    }

    @Test
    void pushCurrentInProtectedModeHonoursExpandDown() {
        Cpu p = TestCpus.prot32(0);
        p.seg[Insn.SS].set(0x10, BASE, 0x0FFF, DOWN | Segment.DB);
        p.r[Cpu.RSP] = 0x1000;
        ss(0, () -> StackFrames.pushCurrent(p, 2, new long[] {1}, 1));
        p.r[Cpu.RSP] = 0x1002;
        assertEquals(0x1000, StackFrames.pushCurrent(p, 2, new long[] {0x4444}, 1));
        assertEquals(0x4444, p.ram.read16(BASE + 0x1000));
    }

    @Test
    void stackPointerAfterAReleaseAtEachStackSize() {
        cpu.r[Cpu.RSP] = 0xAB_FFFCL;
        assertEquals(0xAB_0004L, StackFrames.spAfter(cpu, 8));
        Cpu p = TestCpus.prot32(0);
        p.r[Cpu.RSP] = 0xFFFF_FFFCL;
        assertEquals(0x4, StackFrames.spAfter(p, 8));
        Cpu l = TestCpus.long64();
        l.r[Cpu.RSP] = 0xFFFF_FFFCL;
        assertEquals(0x1_0000_0004L, StackFrames.spAfter(l, 8));
    }

    @Test
    void maskOfEachAddressSize() {
        assertEquals(0xFFFF, StackFrames.mask(2));
        assertEquals(0xFFFF_FFFFL, StackFrames.mask(4));
        assertEquals(-1L, StackFrames.mask(8));
    }
}
