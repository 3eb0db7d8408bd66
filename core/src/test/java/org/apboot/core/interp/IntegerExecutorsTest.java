package org.apboot.core.interp;

import static org.apboot.core.interp.Insns.exec;
import static org.apboot.core.semantics.TestCpus.assertFlags;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.decode.Insn;
import org.apboot.core.decode.Op;
import org.apboot.core.fault.CpuException;
import org.apboot.core.fault.Vectors;
import org.apboot.core.semantics.Flags;
import org.apboot.core.semantics.Mem;
import org.apboot.core.semantics.TestCpus;
import org.junit.jupiter.api.Test;

class IntegerExecutorsTest {
    @Test
    void realModeMemoryAddWithSixteenBitAddressing() {
        Cpu cpu = TestCpus.real();
        cpu.seg[Insn.DS].loadReal(0x0100);
        Mem.write(cpu, Insn.DS, 0x10, 2, 0xFFFF);
        cpu.r[Cpu.RBX] = 0xF;
        cpu.r[Cpu.RCX] = 1;
        Insn add = Insns.memReg(Op.ADD, 2, 2, Insn.DS, 1, Cpu.RCX);
        add.base = Cpu.RBX; // [bx+1]
        exec(cpu, add);
        assertEquals(0, cpu.ram.read16(0x1010));
        assertFlags(cpu, "CF PF AF ZF");
    }

    @Test
    void compareDoesNotWrite() {
        Cpu cpu = TestCpus.prot32(0);
        cpu.r[Cpu.RAX] = 5;
        Insn cmp = Insns.rmReg(Op.CMP, 4, Cpu.RAX, Cpu.RCX);
        cpu.r[Cpu.RCX] = 6;
        exec(cpu, cmp);
        assertEquals(5, cpu.r[Cpu.RAX]);
        assertFlags(cpu, "CF PF AF SF");
    }

    @Test
    void divideErrorChangesNothing() {
        Cpu cpu = TestCpus.real();
        cpu.r[Cpu.RAX] = 0x1234;
        cpu.r[Cpu.RDX] = 0x0001;
        cpu.r[Cpu.RCX] = 0x0001;
        Flags.setArith(cpu, Cpu.OF);
        Insn div = Insns.of(Op.DIV, 2, 2);
        div.dst = Insn.K_RM;
        div.rmReg = Cpu.RCX;
        CpuException e = assertThrows(CpuException.class, () -> exec(cpu, div)); // 0x11234 / 1
        assertEquals(Vectors.DE, e.vector);
        assertEquals(0x1234, cpu.r[Cpu.RAX]);
        assertEquals(1, cpu.r[Cpu.RDX]);
        assertFlags(cpu, "OF");
        cpu.r[Cpu.RCX] = 0x10;
        exec(cpu, div);
        assertEquals(0x1123, cpu.r[Cpu.RAX]);
        assertEquals(0x4, cpu.r[Cpu.RDX]);
    }

    @Test
    void byteMultiplyAndDivideUseAx() {
        Cpu cpu = TestCpus.real();
        cpu.r[Cpu.RAX] = 0xABCD_0010L;
        cpu.r[Cpu.RDX] = 0x7777;
        cpu.r[Cpu.RCX] = 0x20;
        Insn mul = Insns.of(Op.MUL, 1, 2);
        mul.dst = Insn.K_RM;
        mul.rmReg = Cpu.RCX;
        exec(cpu, mul);
        assertEquals(0xABCD_0200L, cpu.r[Cpu.RAX]);
        assertEquals(0x7777, cpu.r[Cpu.RDX]);
        assertEquals(Cpu.CF | Cpu.OF, Flags.arith(cpu) & (Cpu.CF | Cpu.OF));
        cpu.r[Cpu.RCX] = 0x21;
        Insn div = Insns.of(Op.DIV, 1, 2);
        div.dst = Insn.K_RM;
        div.rmReg = Cpu.RCX;
        exec(cpu, div); // 0x200 / 0x21 = 0x0F rem 0x11
        assertEquals(0xABCD_110FL, cpu.r[Cpu.RAX]);
        Insn idiv = Insns.of(Op.IDIV, 1, 2);
        idiv.dst = Insn.K_RM;
        idiv.rmReg = Insn.CH; // a high-byte register as the divisor
        cpu.r[Cpu.RAX] = 0xFFF9; // -7
        cpu.r[Cpu.RCX] = 0x0200; // CH = 2
        exec(cpu, idiv);
        assertEquals(0xFFFD, cpu.r[Cpu.RAX] & 0xFFFF); // AH = -1, AL = -3
    }

    @Test
    void threeOperandImulAndShiftOfMemoryByCl() {
        Cpu cpu = TestCpus.prot32(0);
        cpu.r[Cpu.RCX] = 0x4000_0000L;
        Insn imul = Insns.of(Op.IMUL, 4, 4);
        imul.dst = Insn.K_REG;
        imul.reg = Cpu.RDX;
        imul.src = Insn.K_RM;
        imul.rmReg = Cpu.RCX;
        imul.src2 = Insn.K_IMM;
        imul.imm = -2;
        exec(cpu, imul);
        assertEquals(0x8000_0000L, cpu.r[Cpu.RDX]);
        assertEquals(0, Flags.arith(cpu) & (Cpu.CF | Cpu.OF)); // -2^31 fits
        Mem.write(cpu, Insn.DS, 0x40, 2, 0x8001);
        cpu.r[Cpu.RCX] = 0x21; // masked to 1
        Insn shl = Insns.memReg(Op.SHL, 2, 4, Insn.DS, 0x40, -1);
        shl.src = Insn.K_CL;
        exec(cpu, shl);
        assertEquals(0x0002, Mem.read(cpu, Insn.DS, 0x40, 2));
        assertFlags(cpu, "CF AF OF");
    }

    @Test
    void narrowWritesKeepUpperBitsAndThirtyTwoBitWritesClearThem() {
        Cpu cpu = TestCpus.long64();
        cpu.r[Cpu.RAX] = 0x1111_2222_3333_FFFFL;
        Insn inc = Insns.of(Op.INC, 2, 8);
        inc.dst = Insn.K_RM;
        inc.rmReg = Cpu.RAX;
        exec(cpu, inc);
        assertEquals(0x1111_2222_3333_0000L, cpu.r[Cpu.RAX]);
        inc.opSize = 4;
        exec(cpu, inc);
        assertEquals(0x3333_0001L, cpu.r[Cpu.RAX]);
        Insn not = Insns.of(Op.NOT, 1, 8);
        not.dst = Insn.K_RM;
        not.rmReg = Insn.AH;
        exec(cpu, not);
        assertEquals(0x3333_FF01L, cpu.r[Cpu.RAX]);
    }
}
