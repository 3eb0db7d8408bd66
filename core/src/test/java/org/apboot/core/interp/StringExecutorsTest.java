package org.apboot.core.interp;

import static org.apboot.core.interp.Insns.exec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.decode.Insn;
import org.apboot.core.decode.Op;
import org.apboot.core.fault.CpuException;
import org.apboot.core.semantics.Flags;
import org.apboot.core.semantics.Mem;
import org.apboot.core.semantics.TestCpus;
import org.junit.jupiter.api.Test;

class StringExecutorsTest {
    private static Insn str(Op op, int size, int addrSize, int rep) {
        Insn i = Insns.of(op, size, addrSize);
        i.rep = rep;
        i.seg = Insn.DS;
        return i;
    }

    @Test
    void repMovsbCopiesBetweenRealModeSegments() {
        Cpu cpu = TestCpus.real();
        cpu.seg[Insn.DS].loadReal(0x1000);
        cpu.seg[Insn.ES].loadReal(0x2000);
        for (int k = 0; k < 5; k++) {
            Mem.write(cpu, Insn.DS, 0x10 + k, 1, 0xA0 + k);
        }
        cpu.r[Cpu.RSI] = 0xFFFF_0000_0000_0010L; // bits above SI survive
        cpu.r[Cpu.RDI] = 0x20;
        cpu.r[Cpu.RCX] = 0x7777_0005L;
        exec(cpu, str(Op.MOVS, 1, 2, Insn.REP));
        for (int k = 0; k < 5; k++) {
            assertEquals(0xA0 + k, cpu.ram.read8(0x20000 + 0x20 + k));
        }
        assertEquals(0xFFFF_0000_0000_0015L, cpu.r[Cpu.RSI]);
        assertEquals(0x25, cpu.r[Cpu.RDI]);
        assertEquals(0x7777_0000L, cpu.r[Cpu.RCX]);
    }

    @Test
    void sixteenBitIndexRegistersWrap() {
        Cpu cpu = TestCpus.real();
        cpu.r[Cpu.RSI] = 0xFFFF;
        cpu.r[Cpu.RDI] = 0x100;
        cpu.r[Cpu.RCX] = 2;
        exec(cpu, str(Op.MOVS, 1, 2, Insn.REP));
        assertEquals(0x0001, cpu.r[Cpu.RSI]);
        assertEquals(0x102, cpu.r[Cpu.RDI]);
    }

    @Test
    void directionFlagRunsBackwardsAndSourceSegmentIsOverridable() {
        Cpu cpu = TestCpus.prot32(0);
        cpu.sysFlags |= Cpu.DF;
        cpu.r[Cpu.RAX] = 0xBEEF;
        cpu.r[Cpu.RDI] = 0x1006;
        cpu.r[Cpu.RCX] = 3;
        exec(cpu, str(Op.STOS, 2, 4, Insn.REP));
        assertEquals(0xBEEF, Mem.read(cpu, Insn.ES, 0x1002, 2));
        assertEquals(0xBEEF, Mem.read(cpu, Insn.ES, 0x1006, 2));
        assertEquals(0x1000, cpu.r[Cpu.RDI]);
        cpu.seg[Insn.FS].base = 0x1000;
        cpu.r[Cpu.RSI] = 0x6;
        Insn lods = str(Op.LODS, 2, 4, Insn.REP_NONE);
        lods.seg = Insn.FS;
        exec(cpu, lods);
        assertEquals(0xBEEF, cpu.r[Cpu.RAX]);
        assertEquals(0x4, cpu.r[Cpu.RSI]);
    }

    @Test
    void repeCmpsStopsAtTheFirstDifference() {
        Cpu cpu = TestCpus.prot32(0);
        byte[] a = "HELLO".getBytes();
        byte[] b = "HELP!".getBytes();
        cpu.ram.load(0x100, a);
        cpu.ram.load(0x200, b);
        cpu.r[Cpu.RSI] = 0x100;
        cpu.r[Cpu.RDI] = 0x200;
        cpu.r[Cpu.RCX] = 5;
        exec(cpu, str(Op.CMPS, 1, 4, Insn.REP));
        assertEquals(1, cpu.r[Cpu.RCX]); // stopped after comparing 'L' with 'P'
        assertEquals(0x104, cpu.r[Cpu.RSI]);
        assertEquals(false, Flags.zero(cpu));
        assertEquals(true, Flags.carry(cpu)); // 'L' < 'P'
    }

    @Test
    void repneScasFindsTheByte() {
        Cpu cpu = TestCpus.prot32(0);
        cpu.ram.load(0x300, "abc\0def".getBytes());
        cpu.r[Cpu.RAX] = 0;
        cpu.r[Cpu.RDI] = 0x300;
        cpu.r[Cpu.RCX] = -1L;
        exec(cpu, str(Op.SCAS, 1, 4, Insn.REPNE));
        assertEquals(0x304, cpu.r[Cpu.RDI]);
        assertEquals(0xFFFF_FFFFL - 4, cpu.r[Cpu.RCX]); // ECX written zero-extended
        assertEquals(true, Flags.zero(cpu));
    }

    @Test
    void aFaultMidwayLeavesTheRegistersOfTheLastCompletedIteration() {
        Cpu cpu = TestCpus.prot32(0);
        cpu.seg[Insn.ES].limit = 0xFFF;
        cpu.r[Cpu.RAX] = 0x1234_5678L;
        cpu.r[Cpu.RDI] = 0xFF8;
        cpu.r[Cpu.RCX] = 4;
        assertThrows(CpuException.class, () -> exec(cpu, str(Op.STOS, 4, 4, Insn.REP)));
        assertEquals(0x1000, cpu.r[Cpu.RDI]);
        assertEquals(2, cpu.r[Cpu.RCX]);
        assertEquals(0x1234_5678L, Mem.read(cpu, Insn.ES, 0xFFC, 4));
    }

    @Test
    void zeroCountDoesNothing() {
        Cpu cpu = TestCpus.prot32(0);
        cpu.r[Cpu.RCX] = 0x1_0000_0000L; // ECX = 0 at a 32-bit address size
        cpu.r[Cpu.RDI] = 0x500;
        Flags.setArith(cpu, Cpu.ZF | Cpu.CF);
        exec(cpu, str(Op.SCAS, 1, 4, Insn.REP));
        assertEquals(0x500, cpu.r[Cpu.RDI]);
        assertEquals(Cpu.ZF | Cpu.CF, Flags.arith(cpu));
    }
}
