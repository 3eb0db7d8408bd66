package org.apboot.core.semantics;

import static org.apboot.core.semantics.TestCpus.assertFlags;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.decode.Insn;
import org.apboot.core.fault.CpuException;
import org.apboot.core.fault.Vectors;
import org.junit.jupiter.api.Test;

/**
 * CMPXCHG (register and memory, locked and not), XADD with memory, CMPXCHG16B: which operand is
 * written, what the accumulator gets and the flags (SDM vol. 2), worked out by hand.
 */
class CompareExchangeTest {
    private final Cpu cpu = TestCpus.real(); // DS base 0, limit 64 KiB

    @Test
    void cmpxchgRegisterEqualStoresTheSource() {
        cpu.r[Cpu.RAX] = 5;
        cpu.r[Cpu.RBX] = 5;
        DataOps.cmpxchgRegister(cpu, Cpu.RBX, 4, 9);
        assertEquals(9, cpu.r[Cpu.RBX]);
        assertEquals(5, cpu.r[Cpu.RAX]);
        assertFlags(cpu, "PF ZF");
    }

    @Test
    void cmpxchgRegisterUnequalLoadsTheAccumulator() {
        cpu.r[Cpu.RAX] = 5;
        cpu.r[Cpu.RBX] = 7;
        DataOps.cmpxchgRegister(cpu, Cpu.RBX, 4, 9);
        assertEquals(7, cpu.r[Cpu.RBX]);
        assertEquals(7, cpu.r[Cpu.RAX]);
        assertFlags(cpu, "CF AF SF"); // 5 - 7 = 0xFFFFFFFE
    }

    private void cmpxchgMemory(boolean locked) {
        cpu.ram.write32(0x3000, 0x1111);
        cpu.r[Cpu.RAX] = 0x1111;
        DataOps.cmpxchgMemory(cpu, Insn.DS, 0x3000, 4, 0x2222, locked);
        assertEquals(0x2222, cpu.ram.read32(0x3000));
        assertEquals(0x1111, cpu.r[Cpu.RAX]);
        assertFlags(cpu, "PF ZF");
        cpu.r[Cpu.RAX] = 0x5555;
        DataOps.cmpxchgMemory(cpu, Insn.DS, 0x3000, 4, 0x9999, locked);
        assertEquals(0x2222, cpu.ram.read32(0x3000));
        assertEquals(0x2222, cpu.r[Cpu.RAX]);
        assertFlags(cpu, "PF"); // 0x5555 - 0x2222 = 0x3333
    }

    @Test
    void cmpxchgMemoryUnlocked() {
        cmpxchgMemory(false);
    }

    @Test
    void cmpxchgMemoryLocked() {
        cmpxchgMemory(true);
    }

    private void xaddMemory(boolean locked) {
        cpu.ram.write16(0x3010, 0xFFFF);
        cpu.r[Cpu.RCX] = 0xAB_0001L; // only CX takes part
        DataOps.xaddMemory(cpu, Insn.DS, 0x3010, 2, Cpu.RCX, locked);
        assertEquals(0x0000, cpu.ram.read16(0x3010));
        assertEquals(0xAB_FFFFL, cpu.r[Cpu.RCX]);
        assertFlags(cpu, "CF PF AF ZF");
        DataOps.xaddMemory(cpu, Insn.DS, 0x3010, 2, Cpu.RCX, locked);
        assertEquals(0xFFFF, cpu.ram.read16(0x3010));
        assertEquals(0xAB_0000L, cpu.r[Cpu.RCX]);
        assertFlags(cpu, "PF SF");
    }

    @Test
    void xaddMemoryUnlocked() {
        xaddMemory(false);
    }

    @Test
    void xaddMemoryLocked() {
        xaddMemory(true);
    }

    private void setPair(long ax, long dx, long bx, long cx) {
        cpu.r[Cpu.RAX] = ax;
        cpu.r[Cpu.RDX] = dx;
        cpu.r[Cpu.RBX] = bx;
        cpu.r[Cpu.RCX] = cx;
    }

    @Test
    void cmpxchg16bEqualStoresRcxRbx() {
        cpu.ram.write64(0x4000, 0x1111_0000_0000_0001L);
        cpu.ram.write64(0x4008, 0x2222_0000_0000_0002L);
        Flags.setArith(cpu, Cpu.CF);
        setPair(0x1111_0000_0000_0001L, 0x2222_0000_0000_0002L, 0xAAAA, 0xBBBB);
        DataOps.cmpxchg16bMemory(cpu, Insn.DS, 0x4000);
        assertEquals(0xAAAA, cpu.ram.read64(0x4000));
        assertEquals(0xBBBB, cpu.ram.read64(0x4008));
        assertEquals(0x1111_0000_0000_0001L, cpu.r[Cpu.RAX]);
        assertEquals(0x2222_0000_0000_0002L, cpu.r[Cpu.RDX]);
        assertFlags(cpu, "CF ZF"); // only ZF is written
    }

    @Test
    void cmpxchg16bUnequalInEitherHalfLoadsRdxRax() {
        cpu.ram.write64(0x4000, 0x10);
        cpu.ram.write64(0x4008, 0x20);
        Flags.setArith(cpu, Cpu.ZF | Cpu.SF);
        setPair(0x10, 0x21, 0xAAAA, 0xBBBB); // high half differs
        DataOps.cmpxchg16bMemory(cpu, Insn.DS, 0x4000);
        assertEquals(0x10, cpu.ram.read64(0x4000));
        assertEquals(0x20, cpu.ram.read64(0x4008));
        assertEquals(0x10, cpu.r[Cpu.RAX]);
        assertEquals(0x20, cpu.r[Cpu.RDX]);
        assertFlags(cpu, "SF");
        setPair(0x11, 0x20, 0xAAAA, 0xBBBB); // low half differs
        DataOps.cmpxchg16bMemory(cpu, Insn.DS, 0x4000);
        assertEquals(0x10, cpu.ram.read64(0x4000));
        assertEquals(0x20, cpu.ram.read64(0x4008));
        assertEquals(0x10, cpu.r[Cpu.RAX]);
        assertEquals(0x20, cpu.r[Cpu.RDX]);
    }

    @Test
    void cmpxchg16bWhoseHighHalfCrossesAPage() {
        Cpu p = TestCpus.prot32(0);
        p.seg[Insn.DS].base = 4; // DS:0xFF0 is linear 0xFF4: the high half spans 0xFFC..0x1003
        p.ram.write64(0xFF4, 0x10);
        p.ram.write64(0xFFC, 0x20);
        p.ram.write64(0xFEC, 0x30); // what DS:0xFE8 holds
        p.r[Cpu.RAX] = 0x10;
        p.r[Cpu.RDX] = 0x20;
        p.r[Cpu.RBX] = 0xAA;
        p.r[Cpu.RCX] = 0xBB;
        DataOps.cmpxchg16bMemory(p, Insn.DS, 0xFF0);
        assertEquals(0xAA, p.ram.read64(0xFF4));
        assertEquals(0xBB, p.ram.read64(0xFFC));
        assertEquals(0x30, p.ram.read64(0xFEC));
        assertEquals(Cpu.ZF, Flags.arith(p) & Cpu.ZF);
    }

    @Test
    void cmpxchg16bNeedsA16ByteAlignedOperand() {
        setPair(0, 0, 1, 1);
        CpuException e = assertThrows(CpuException.class, () -> DataOps.cmpxchg16bMemory(cpu, Insn.DS, 0x4008));
        assertEquals(Vectors.GP, e.vector);
        assertEquals(0, e.errorCode);
        assertEquals(0, cpu.ram.read64(0x4008));
    }
}
