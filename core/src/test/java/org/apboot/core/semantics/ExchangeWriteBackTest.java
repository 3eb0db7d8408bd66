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
 * XCHG, CMPXCHG, CMPXCHG8B/16B and XADD as the semantics define them for every engine: which
 * operand is written, in which order, and with which flags (Intel SDM vol. 2 pseudo-code).
 */
class ExchangeWriteBackTest {
    @Test
    void xaddOfARegisterWithItselfEndsWithTheSum() {
        Cpu cpu = TestCpus.real();
        cpu.r[Cpu.RAX] = 5;
        DataOps.xaddRegister(cpu, Cpu.RAX, Cpu.RAX, 4); // TEMP = SRC + DEST; SRC = DEST; DEST = TEMP
        assertEquals(10, cpu.r[Cpu.RAX]);
    }

    @Test
    void xaddOfTwoRegisters() {
        Cpu cpu = TestCpus.real();
        cpu.r[Cpu.RBX] = 3;
        cpu.r[Cpu.RCX] = 4;
        DataOps.xaddRegister(cpu, Cpu.RBX, Cpu.RCX, 4);
        assertEquals(7, cpu.r[Cpu.RBX]);
        assertEquals(3, cpu.r[Cpu.RCX]);
        TestCpus.assertFlags(cpu, ""); // 3 + 4 = 7: three bits set (odd parity), no carries
    }

    @Test
    void lockedXaddToMemoryWrapsAndReturnsTheOldValue() {
        Cpu cpu = TestCpus.real();
        cpu.ram.write32(0x500, 0xFFFF_FFFF);
        cpu.r[Cpu.RCX] = 1;
        DataOps.xaddMemory(cpu, Insn.DS, 0x500, 4, Cpu.RCX, true);
        assertEquals(0, cpu.ram.read32(0x500));
        assertEquals(0xFFFF_FFFFL, cpu.r[Cpu.RCX]);
        TestCpus.assertFlags(cpu, "CF PF AF ZF");
    }

    @Test
    void cmpxchgEqualStoresTheSourceAndLeavesTheAccumulator() {
        Cpu cpu = TestCpus.real();
        cpu.ram.write32(0x500, 5);
        cpu.r[Cpu.RAX] = 0x1_0000_0005L;
        DataOps.cmpxchgMemory(cpu, Insn.DS, 0x500, 4, 9, false);
        assertEquals(9, cpu.ram.read32(0x500));
        assertEquals(0x1_0000_0005L, cpu.r[Cpu.RAX]);
        TestCpus.assertFlags(cpu, "PF ZF");
    }

    @Test
    void cmpxchgNotEqualLoadsTheAccumulatorWithFlagsOfTheCompare() {
        Cpu cpu = TestCpus.real();
        cpu.ram.write32(0x500, 7);
        cpu.r[Cpu.RAX] = 5;
        DataOps.cmpxchgMemory(cpu, Insn.DS, 0x500, 4, 9, true);
        assertEquals(7, cpu.ram.read32(0x500));
        assertEquals(7, cpu.r[Cpu.RAX]);
        // 5 - 7 = 0xFFFFFFFE: borrow, borrow from bit 4, sign; 0xFE has seven bits set (odd)
        TestCpus.assertFlags(cpu, "CF AF SF");
    }

    @Test
    void cmpxchgNotEqualStillWritesItsDestination() {
        // the destination is written back even when the compare fails: a read-only data
        // segment faults (#GP(0)) and the accumulator keeps its value
        Cpu cpu = TestCpus.prot32(0);
        cpu.seg[Insn.DS].attrs &= ~Segment.TYPE_READ_OR_WRITE;
        cpu.ram.write32(0x500, 7);
        cpu.r[Cpu.RAX] = 5;
        CpuException e = assertThrows(CpuException.class,
                () -> DataOps.cmpxchgMemory(cpu, Insn.DS, 0x500, 4, 9, false));
        assertEquals(Vectors.GP, e.vector);
        assertEquals(5, cpu.r[Cpu.RAX]);
    }

    @Test
    void cmpxchgWithARegisterThatDiffersLeavesTheRegisterWhole() {
        Cpu cpu = TestCpus.long64();
        cpu.r[Cpu.RBX] = 0xFFFF_FFFF_0000_0007L;
        cpu.r[Cpu.RAX] = 0xAAAA_AAAA_0000_0005L;
        DataOps.cmpxchgRegister(cpu, Cpu.RBX, 4, 9);
        assertEquals(0xFFFF_FFFF_0000_0007L, cpu.r[Cpu.RBX]);
        assertEquals(7, cpu.r[Cpu.RAX], "a 32-bit load zero-extends in 64-bit mode");
    }

    @Test
    void xchgWithMemoryStoresTheRegisterAndLoadsTheOldValue() {
        Cpu cpu = TestCpus.real();
        cpu.ram.write16(0x500, 0x1234);
        cpu.r[Cpu.RBX] = 0xABCD;
        DataOps.xchgMemory(cpu, Insn.DS, 0x500, 2, Cpu.RBX);
        assertEquals(0xABCD, cpu.ram.read16(0x500) & 0xFFFF);
        assertEquals(0x1234, cpu.r[Cpu.RBX]);
    }

    @Test
    void xchgOfAHighByteRegisterWithALowOne() {
        Cpu cpu = TestCpus.real();
        cpu.r[Cpu.RAX] = 0x1122;
        DataOps.xchgRegisters(cpu, Insn.AH, Cpu.RAX, 1);
        assertEquals(0x2211, cpu.r[Cpu.RAX]);
    }

    @Test
    void cmpxchg8bEqualStoresEcxEbxAndNotEqualLoadsEdxEax() {
        Cpu cpu = TestCpus.real();
        cpu.ram.write64(0x500, 0x1122_3344_5566_7788L);
        cpu.r[Cpu.RDX] = 0x1122_3344L;
        cpu.r[Cpu.RAX] = 0x5566_7788L;
        cpu.r[Cpu.RCX] = 0xCAFE_F00DL;
        cpu.r[Cpu.RBX] = 0xDEAD_BEEFL;
        DataOps.cmpxchg8bMemory(cpu, Insn.DS, 0x500);
        assertEquals(0xCAFE_F00D_DEAD_BEEFL, cpu.ram.read64(0x500));
        assertEquals(Cpu.ZF, Flags.arith(cpu) & Cpu.ZF);
        DataOps.cmpxchg8bMemory(cpu, Insn.DS, 0x500); // EDX:EAX still the old value: not equal
        assertEquals(0, Flags.arith(cpu) & Cpu.ZF);
        assertEquals(0xCAFE_F00DL, cpu.r[Cpu.RDX]);
        assertEquals(0xDEAD_BEEFL, cpu.r[Cpu.RAX]);
        assertEquals(0xCAFE_F00D_DEAD_BEEFL, cpu.ram.read64(0x500));
    }

    @Test
    void cmpxchg16bOnAnUnalignedOperandIsGp0() {
        Cpu cpu = TestCpus.long64();
        CpuException e = assertThrows(CpuException.class, () -> DataOps.cmpxchg16bMemory(cpu, Insn.DS, 0x508));
        assertEquals(Vectors.GP, e.vector);
        assertEquals(0, e.errorCode);
    }
}
