package org.apboot.core.semantics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apboot.core.cpu.Cpu;
import org.junit.jupiter.api.Test;

/**
 * PUSHA/POPA (SDM vol. 2: AX, CX, DX, BX, the original SP, BP, SI, DI pushed in that order; POPA
 * skips the SP slot) and the value form of the stack (push onto, top, release, peek, pop) on a
 * 16-bit real-mode stack, SS base 0, where SP wraps at 64 KiB and the bits above it are kept.
 */
class PushaPopaAndStackValuesTest {
    private final Cpu cpu = TestCpus.real();

    private void numberRegisters(long bias) {
        for (int r = 0; r < 8; r++) {
            if (r != Cpu.RSP) {
                cpu.r[r] = bias + 0x1111L * (r + 1);
            }
        }
    }

    @Test
    void pushaStoresTheEightRegistersBelowTheOriginalSp() {
        numberRegisters(0xAB_0000L);
        cpu.r[Cpu.RSP] = 0x7_1000L;
        Stack.pusha(cpu, 2);
        int[] order = {Cpu.RAX, Cpu.RCX, Cpu.RDX, Cpu.RBX, Cpu.RSP, Cpu.RBP, Cpu.RSI, Cpu.RDI};
        for (int i = 0; i < 8; i++) {
            long want = order[i] == Cpu.RSP ? 0x1000 : 0x1111L * (order[i] + 1);
            assertEquals(want & 0xFFFF, cpu.ram.read16(0x0FFE - 2L * i), "slot " + i);
        }
        assertEquals(0x7_0FF0L, cpu.r[Cpu.RSP]);
    }

    @Test
    void pushadStoresDoublewords() {
        numberRegisters(0x1_0000_0000L);
        cpu.r[Cpu.RSP] = 0x2000;
        Stack.pusha(cpu, 4);
        assertEquals(0x1111, cpu.ram.read32(0x1FFC)); // EAX
        assertEquals(0x2000, cpu.ram.read32(0x1FEC)); // the original ESP
        assertEquals(0x8888, cpu.ram.read32(0x1FE0)); // EDI
        assertEquals(0x1FE0, cpu.r[Cpu.RSP]);
    }

    @Test
    void pushaWrapsAtTheBottomOfASixteenBitStack() {
        numberRegisters(0);
        cpu.r[Cpu.RSP] = 0x0004;
        Stack.pusha(cpu, 2);
        assertEquals(0x1111, cpu.ram.read16(0x0002)); // AX
        assertEquals(0x2222, cpu.ram.read16(0x0000)); // CX
        assertEquals(0x3333, cpu.ram.read16(0xFFFE)); // DX, wrapped
        assertEquals(0x8888, cpu.ram.read16(0xFFF4)); // DI
        assertEquals(0xFFF4, cpu.r[Cpu.RSP]);
    }

    @Test
    void popaLoadsEverythingButSp() {
        long[] slots = {0xD1D1, 0x5151, 0xB0B0, 0x9999, 0xB1B1, 0xD2D2, 0xC1C1, 0xA1A1}; // DI SI BP (SP) BX DX CX AX
        for (int i = 0; i < 8; i++) {
            cpu.ram.write16(0x3000 + 2L * i, (int) slots[i]);
        }
        numberRegisters(0xFF_0000L);
        cpu.r[Cpu.RSP] = 0x3000;
        Stack.popa(cpu, 2);
        assertPopped(0xFF_D1D1L, 0xFF_5151L, 0xFF_B0B0L, 0xFF_B1B1L, 0xFF_D2D2L, 0xFF_C1C1L, 0xFF_A1A1L, 0x3010);
    }

    @Test
    void popadLoadsDoublewordsZeroExtended() {
        for (int i = 0; i < 8; i++) {
            cpu.ram.write32(0x3000 + 4L * i, 0x8000_0000 + i);
        }
        numberRegisters(0xFF_0000_0000L);
        cpu.r[Cpu.RSP] = 0x3000;
        Stack.popa(cpu, 4);
        assertPopped(0x8000_0000L, 0x8000_0001L, 0x8000_0002L, 0x8000_0004L, 0x8000_0005L, 0x8000_0006L, 0x8000_0007L,
                0x3020);
    }

    /** The registers POPA loads, in its order (SP skipped), and the final stack pointer. */
    private void assertPopped(long di, long si, long bp, long bx, long dx, long cx, long ax, long sp) {
        assertEquals(di, cpu.r[Cpu.RDI]);
        assertEquals(si, cpu.r[Cpu.RSI]);
        assertEquals(bp, cpu.r[Cpu.RBP]);
        assertEquals(bx, cpu.r[Cpu.RBX]);
        assertEquals(dx, cpu.r[Cpu.RDX]);
        assertEquals(cx, cpu.r[Cpu.RCX]);
        assertEquals(ax, cpu.r[Cpu.RAX]);
        assertEquals(sp, cpu.r[Cpu.RSP]);
    }

    @Test
    void valueFormPushTopRelease() {
        long rsp = Stack.pushOnto(cpu, 0x5_0000L, 2, 0x1234_5678L);
        assertEquals(0x5_FFFEL, rsp); // 0x0000 - 2 wraps, bits above SP kept
        assertEquals(0x5678, cpu.ram.read16(0xFFFE));
        assertEquals(0x5678, Stack.top(cpu, rsp, 2));
        assertEquals(0x5_0000L, Stack.release(cpu, rsp, 2));
        assertEquals(0x5_0000L, Stack.release(cpu, 0x5_FFF0L, 0x10));
        rsp = Stack.pushOnto(cpu, 0x5_0100L, 4, 0x1234_5678L);
        assertEquals(0x5_00FCL, rsp);
        assertEquals(0x1234_5678L, cpu.ram.read32(0xFC) & 0xFFFF_FFFFL);
        assertEquals(0x1234_5678L, Stack.top(cpu, rsp, 4));
    }

    @Test
    void popAndPeek() {
        cpu.ram.write16(0x0100, 0xAAAA);
        cpu.ram.write16(0x0102, 0xBBBB);
        cpu.r[Cpu.RSP] = 0x0100;
        assertEquals(0xBBBB, Stack.peek(cpu, 2, 2));
        assertEquals(0xAAAA, Stack.peek(cpu, 2, 0));
        assertEquals(0xAAAA, Stack.pop(cpu, 2));
        assertEquals(0x0102, cpu.r[Cpu.RSP]);
        assertEquals(0xBBBB, Stack.pop(cpu, 2));
        assertEquals(0x0104, cpu.r[Cpu.RSP]);
    }
}
