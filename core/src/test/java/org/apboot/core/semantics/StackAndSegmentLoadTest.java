package org.apboot.core.semantics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.decode.Insn;
import org.apboot.core.fault.CpuException;
import org.apboot.core.fault.Vectors;
import org.junit.jupiter.api.Test;

/**
 * POP to memory (rSP moves before the destination address is formed, and back on a fault),
 * MOV/POP to a segment register with the interrupt shadow of SS loads, and the far-pointer
 * loads LDS/LES/LSS/LFS/LGS: the semantics both engines call, with the Intel SDM's rules.
 */
class StackAndSegmentLoadTest {
    @Test
    void popToAnEspBasedDestinationUsesTheIncrementedEsp() {
        Cpu cpu = TestCpus.prot32(0);
        cpu.r[Cpu.RSP] = 0x1000;
        cpu.ram.write32(0x1000, 0xCAFE_BABE);
        TestCpus.exec(cpu, (byte) 0x8F, (byte) 0x04, (byte) 0x24); // pop (%esp)
        assertEquals(0x1004, cpu.r[Cpu.RSP]);
        assertEquals(0xCAFE_BABEL, cpu.ram.read32(0x1004) & 0xFFFF_FFFFL);
    }

    @Test
    void aFaultingPopToMemoryLeavesEsp() {
        Cpu cpu = TestCpus.prot32(0);
        cpu.seg[Insn.DS].limit = 0xFFF;
        cpu.r[Cpu.RSP] = 0x1000;
        cpu.r[Cpu.RBX] = 0x2000;
        CpuException e = assertThrows(CpuException.class,
                () -> TestCpus.exec(cpu, (byte) 0x8F, (byte) 0x03)); // pop (%ebx)
        assertEquals(Vectors.GP, e.vector);
        assertEquals(0x1000, cpu.r[Cpu.RSP]);
    }

    @Test
    void popForMemoryAndStorePoppedOn16BitStack() {
        Cpu cpu = TestCpus.real();
        cpu.r[Cpu.RSP] = 0xABCD_FFFEL; // bits above SP stay on a 16-bit stack
        cpu.ram.write16(0xFFFE, 0xBEEF);
        long old = cpu.r[Cpu.RSP];
        long v = Stack.popForMemory(cpu, 2);
        assertEquals(0xBEEF, v);
        assertEquals(0xABCD_0000L, cpu.r[Cpu.RSP]);
        assertThrows(CpuException.class, () -> Stack.storePopped(cpu, Insn.DS, 0xFFFF, 2, v, old));
        assertEquals(old, cpu.r[Cpu.RSP]);
    }

    @Test
    void movToSsOpensTheInterruptShadowAndMovToDsDoesNot() {
        Cpu cpu = TestCpus.real();
        SegmentLoads.movToSegment(cpu, Insn.DS, 0x1234);
        assertFalse(cpu.interruptShadow);
        assertEquals(0x12340, cpu.seg[Insn.DS].base);
        SegmentLoads.movToSegment(cpu, Insn.SS, 0x2000);
        assertTrue(cpu.interruptShadow);
        assertEquals(0x20000, cpu.seg[Insn.SS].base);
    }

    @Test
    void movToCsIsUndefined() {
        Cpu cpu = TestCpus.real();
        CpuException e = assertThrows(CpuException.class, () -> SegmentLoads.movToSegment(cpu, Insn.CS, 0));
        assertEquals(Vectors.UD, e.vector);
    }

    /** POP CS (the 8086's opcode 0F) does not exist: #UD, and the stack is left alone. */
    @Test
    void popToCsIsUndefined() {
        Cpu cpu = TestCpus.real();
        cpu.r[Cpu.RSP] = 0x100;
        int cs = cpu.seg[Insn.CS].selector;
        CpuException e = assertThrows(CpuException.class, () -> SegmentLoads.popSegment(cpu, Insn.CS, 2));
        assertEquals(Vectors.UD, e.vector);
        assertEquals(0x100, cpu.r[Cpu.RSP]);
        assertEquals(cs, cpu.seg[Insn.CS].selector);
    }

    @Test
    void popSsLoadsTheSelectorMovesSpAndOpensTheShadow() {
        Cpu cpu = TestCpus.real();
        cpu.r[Cpu.RSP] = 0x200;
        cpu.ram.write16(0x200, 0x1234);
        SegmentLoads.popSegment(cpu, Insn.SS, 2);
        assertEquals(0x1234, cpu.seg[Insn.SS].selector);
        assertEquals(0x12340, cpu.seg[Insn.SS].base);
        assertEquals(0x202, cpu.r[Cpu.RSP]);
        assertTrue(cpu.interruptShadow);
    }

    @Test
    void popOfANullSsInProtectedModeFaultsAndLeavesEsp() {
        Cpu cpu = TestCpus.prot32(0);
        cpu.r[Cpu.RSP] = 0x1000;
        cpu.ram.write32(0x1000, 0);
        CpuException e = assertThrows(CpuException.class, () -> SegmentLoads.popSegment(cpu, Insn.SS, 4));
        assertEquals(Vectors.GP, e.vector);
        assertEquals(0x1000, cpu.r[Cpu.RSP]);
        assertFalse(cpu.interruptShadow);
    }

    @Test
    void ldsLoadsTheSegmentThenTheRegister() {
        Cpu cpu = TestCpus.real();
        cpu.ram.write16(0x300, 0x5678);
        cpu.ram.write16(0x302, 0x9ABC);
        SegmentLoads.loadFarPointer(cpu, Insn.DS, Cpu.RSI, 2, Insn.DS, 0x300);
        assertEquals(0x9ABC, cpu.seg[Insn.DS].selector);
        assertEquals(0x9ABC0, cpu.seg[Insn.DS].base);
        assertEquals(0x5678, cpu.r[Cpu.RSI]);
    }

    @Test
    void lssWith32BitOffsetThroughTheExecutor() {
        Cpu cpu = TestCpus.real();
        cpu.ram.write32(0x300, 0x0001_2345);
        cpu.ram.write16(0x304, 0x4000);
        cpu.r[Cpu.RBX] = 0x300;
        // lss (%bx),%esp with an operand-size prefix: 66 0F B2 27
        TestCpus.exec(cpu, (byte) 0x66, (byte) 0x0F, (byte) 0xB2, (byte) 0x27);
        assertEquals(0x4000, cpu.seg[Insn.SS].selector);
        assertEquals(0x1_2345, cpu.r[Cpu.RSP]);
        assertFalse(cpu.interruptShadow, "only MOV SS and POP SS open the shadow");
    }

    @Test
    void aFarPointerRunningPastTheSegmentLimitFaultsAndChangesNothing() {
        Cpu cpu = TestCpus.real();
        cpu.r[Cpu.RSI] = 0x1111;
        int ds = cpu.seg[Insn.DS].selector;
        // m16:16 at DS:0xFFFE: the selector would be at 0x10000, past the 64 KiB limit
        CpuException e = assertThrows(CpuException.class,
                () -> SegmentLoads.loadFarPointer(cpu, Insn.ES, Cpu.RSI, 2, Insn.DS, 0xFFFE));
        assertEquals(Vectors.GP, e.vector);
        assertEquals(0x1111, cpu.r[Cpu.RSI]);
        assertEquals(ds, cpu.seg[Insn.DS].selector);
    }

    @Test
    void farPointerLoadIntoCsIsUndefined() {
        Cpu cpu = TestCpus.real();
        CpuException e = assertThrows(CpuException.class,
                () -> SegmentLoads.loadFarPointer(cpu, Insn.CS, Cpu.RSI, 2, Insn.DS, 0x300));
        assertEquals(Vectors.UD, e.vector);
    }
}
