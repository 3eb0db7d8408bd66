package org.apboot.core.interp;

import static org.apboot.core.interp.Insns.exec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.decode.Insn;
import org.apboot.core.decode.Op;
import org.apboot.core.fault.CpuException;
import org.apboot.core.fault.Vectors;
import org.apboot.core.semantics.Flags;
import org.apboot.core.semantics.Mem;
import org.apboot.core.semantics.TestCpus;
import org.junit.jupiter.api.Test;

class ControlExecutorsTest {
    @Test
    void sixteenBitTargetsWrapAtSixtyFourKilobytes() {
        Cpu cpu = TestCpus.real();
        cpu.rip = 0xFFF0;
        exec(cpu, Insns.rel(Op.JMP, 2, 2, 0x20));
        assertEquals(0x10, cpu.rip);
        Flags.setArith(cpu, Cpu.ZF);
        cpu.rip = 0x10;
        Insn je = Insns.rel(Op.JCC, 2, 2, -0x20);
        je.cond = 0x4;
        exec(cpu, je);
        assertEquals(0xFFF0, cpu.rip);
        je.cond = 0x5; // JNE not taken
        exec(cpu, je);
        assertEquals(0xFFF0, cpu.rip);
    }

    @Test
    void targetsBeyondTheCodeLimitFaultBeforeAnythingChanges() {
        Cpu cpu = TestCpus.prot32(0);
        cpu.seg[Insn.CS].limit = 0xFFFF;
        cpu.r[Cpu.RSP] = 0x8000;
        cpu.rip = 0xFF00;
        CpuException e = assertThrows(CpuException.class, () -> exec(cpu, Insns.rel(Op.CALL, 4, 4, 0x100)));
        assertEquals(Vectors.GP, e.vector);
        assertEquals(0, e.errorCode);
        assertEquals(0x8000, cpu.r[Cpu.RSP]);
        assertEquals(0xFF00, cpu.rip);
    }

    @Test
    void nonCanonicalTargetsFaultInLongMode() {
        Cpu cpu = TestCpus.long64();
        cpu.rip = 0x7FFF_FFFF_FFF0L;
        assertThrows(CpuException.class, () -> exec(cpu, Insns.rel(Op.JMP, 8, 8, 0x20)));
        exec(cpu, Insns.rel(Op.JMP, 8, 8, 0x8));
        assertEquals(0x7FFF_FFFF_FFF8L, cpu.rip);
        cpu.rip = 0x10;
        exec(cpu, Insns.rel(Op.JMP, 8, 8, -0x20));
        assertEquals(-0x10L, cpu.rip); // sign-extended high half is canonical
    }

    @Test
    void callAndReturnWithRelease() {
        Cpu cpu = TestCpus.real();
        cpu.r[Cpu.RSP] = 0xABCD_1000L; // bits above SP survive 16-bit stack updates
        cpu.rip = 0x103;
        exec(cpu, Insns.rel(Op.CALL, 2, 2, 0x50));
        assertEquals(0x153, cpu.rip);
        assertEquals(0xABCD_0FFEL, cpu.r[Cpu.RSP]);
        assertEquals(0x103, Mem.read(cpu, Insn.SS, 0xFFE, 2));
        Insn ret = Insns.of(Op.RET, 2, 2);
        ret.imm = 4;
        exec(cpu, ret);
        assertEquals(0x103, cpu.rip);
        assertEquals(0xABCD_1004L, cpu.r[Cpu.RSP]);
    }

    @Test
    void indirectJumpReadsTheOperandAtTheOperandSize() {
        Cpu cpu = TestCpus.prot32(0);
        cpu.r[Cpu.RBX] = 0xFFFF_0000_0040_1000L;
        Insn jmp = Insns.of(Op.JMP, 4, 4);
        jmp.src = Insn.K_RM;
        jmp.rmReg = Cpu.RBX;
        exec(cpu, jmp);
        assertEquals(0x40_1000L, cpu.rip);
    }

    @Test
    void loopsCountAtTheAddressSize() {
        Cpu cpu = TestCpus.real();
        cpu.r[Cpu.RCX] = 0x1234_0001L;
        cpu.rip = 0x200;
        exec(cpu, Insns.rel(Op.LOOP, 2, 2, -0x10));
        assertEquals(0x1234_0000L, cpu.r[Cpu.RCX]);
        assertEquals(0x200, cpu.rip); // reached zero: not taken
        exec(cpu, Insns.rel(Op.LOOP, 2, 2, -0x10));
        assertEquals(0x1234_FFFFL, cpu.r[Cpu.RCX]);
        assertEquals(0x1F0, cpu.rip);
        Flags.setArith(cpu, 0);
        exec(cpu, Insns.rel(Op.LOOPE, 2, 2, 0x10)); // ZF = 0 stops LOOPE
        assertEquals(0x1F0, cpu.rip);
        exec(cpu, Insns.rel(Op.LOOPNE, 2, 2, 0x10));
        assertEquals(0x200, cpu.rip);
        assertEquals(0x1234_FFFDL, cpu.r[Cpu.RCX]);
        cpu.r[Cpu.RCX] = 0x1_0000_0000L;
        exec(cpu, Insns.rel(Op.JRCXZ, 2, 4, 0x30)); // JECXZ sees ECX = 0
        assertEquals(0x230, cpu.rip);
        exec(cpu, Insns.rel(Op.JRCXZ, 2, 8, 0x30)); // JRCXZ does not
        assertEquals(0x230, cpu.rip);
    }

    @Test
    void pushAndPopOfTheStackPointer() {
        Cpu cpu = TestCpus.real();
        cpu.r[Cpu.RSP] = 0x100;
        Insn push = Insns.of(Op.PUSH, 2, 2);
        push.src = Insn.K_REG;
        push.reg = Cpu.RSP;
        exec(cpu, push);
        assertEquals(0x100, Mem.read(cpu, Insn.SS, 0xFE, 2)); // the value before the push
        assertEquals(0xFE, cpu.r[Cpu.RSP]);
        Mem.write(cpu, Insn.SS, 0xFE, 2, 0x1234);
        Insn pop = Insns.of(Op.POP, 2, 2);
        pop.dst = Insn.K_REG;
        pop.reg = Cpu.RSP;
        exec(cpu, pop);
        assertEquals(0x1234, cpu.r[Cpu.RSP]); // the popped value wins over the increment
        // PUSH imm: the decoder sign-extends; the push writes the operand size
        Insn pushImm = Insns.of(Op.PUSH, 4, 2);
        pushImm.src = Insn.K_IMM;
        pushImm.imm = -2;
        exec(cpu, pushImm);
        assertEquals(0x1230, cpu.r[Cpu.RSP]);
        assertEquals(0xFFFF_FFFEL, Mem.read(cpu, Insn.SS, 0x1230, 4));
    }

    @Test
    void popIntoMemoryUsesTheIncrementedStackPointer() {
        Cpu cpu = TestCpus.prot32(0);
        cpu.r[Cpu.RSP] = 0x1000;
        Mem.write(cpu, Insn.SS, 0x1000, 4, 0xCAFE_F00DL);
        Insn pop = Insns.of(Op.POP, 4, 4);
        pop.dst = Insn.K_RM;
        pop.base = Cpu.RSP;
        pop.seg = Insn.SS;
        exec(cpu, pop); // POP [ESP]
        assertEquals(0x1004, cpu.r[Cpu.RSP]);
        assertEquals(0xCAFE_F00DL, Mem.read(cpu, Insn.SS, 0x1004, 4));
        // a faulting destination leaves ESP as it was
        cpu.seg[Insn.DS].limit = 0xFFF;
        Insn popFar = Insns.of(Op.POP, 4, 4);
        popFar.dst = Insn.K_RM;
        popFar.disp = 0x2000;
        assertThrows(CpuException.class, () -> exec(cpu, popFar));
        assertEquals(0x1004, cpu.r[Cpu.RSP]);
    }

    @Test
    void pushaPopaRoundTrip() {
        Cpu cpu = TestCpus.real();
        for (int r = 0; r < 8; r++) {
            cpu.r[r] = 0x1111 * (r + 1);
        }
        cpu.r[Cpu.RSP] = 0x800;
        exec(cpu, Insns.of(Op.PUSHA, 2, 2));
        assertEquals(0x800 - 16, cpu.r[Cpu.RSP]);
        assertEquals(0x800, Mem.read(cpu, Insn.SS, 0x800 - 10, 2)); // original SP
        assertEquals(0x8888, Mem.read(cpu, Insn.SS, 0x800 - 16, 2)); // DI last
        for (int r = 0; r < 8; r++) {
            if (r != Cpu.RSP) {
                cpu.r[r] = 0;
            }
        }
        Mem.write(cpu, Insn.SS, 0x800 - 10, 2, 0x5555); // the SP slot is skipped
        exec(cpu, Insns.of(Op.POPA, 2, 2));
        assertEquals(0x800, cpu.r[Cpu.RSP]);
        for (int r = 0; r < 8; r++) {
            if (r != Cpu.RSP) {
                assertEquals(0x1111 * (r + 1), cpu.r[r]);
            }
        }
    }

    @Test
    void enterAndLeaveBuildAndDropFrames() {
        Cpu cpu = TestCpus.prot32(0);
        cpu.r[Cpu.RSP] = 0x2000;
        cpu.r[Cpu.RBP] = 0x3000;
        Mem.write(cpu, Insn.SS, 0x3000 - 4, 4, 0xAAAA_0001L); // enclosing frame's display
        Insn enter = Insns.of(Op.ENTER, 4, 4);
        enter.imm = 0x10;
        enter.imm2 = 2;
        exec(cpu, enter);
        assertEquals(0x3000, Mem.read(cpu, Insn.SS, 0x1FFC, 4)); // old EBP
        assertEquals(0xAAAA_0001L, Mem.read(cpu, Insn.SS, 0x1FF8, 4)); // copied display entry
        assertEquals(0x1FFC, Mem.read(cpu, Insn.SS, 0x1FF4, 4)); // the new frame pointer
        assertEquals(0x1FFC, cpu.r[Cpu.RBP]);
        assertEquals(0x1FF4 - 0x10, cpu.r[Cpu.RSP]);
        exec(cpu, Insns.of(Op.LEAVE, 4, 4));
        assertEquals(0x2000, cpu.r[Cpu.RSP]);
        assertEquals(0x3000, cpu.r[Cpu.RBP]);
    }

    @Test
    void popfFollowsThePrivilegeRules() {
        Cpu user = TestCpus.prot32(3);
        user.r[Cpu.RSP] = 0x1000;
        Mem.write(user, Insn.SS, 0x1000, 4, Cpu.CF | Cpu.IF | Cpu.IOPL | Cpu.AC | Cpu.ID | Cpu.VM | Cpu.RF);
        exec(user, Insns.of(Op.POPF, 4, 4));
        long f = Flags.rflags(user);
        assertEquals(Cpu.CF | Cpu.AC | Cpu.ID | 0x2, f); // no IF (CPL > IOPL), no IOPL, no VM, RF cleared
        assertEquals(0x1004, user.r[Cpu.RSP]);
        assertThrows(CpuException.class, () -> exec(user, Insns.of(Op.CLI, 4, 4)));
        assertThrows(CpuException.class, () -> exec(user, Insns.of(Op.STI, 4, 4)));

        Cpu kernel = TestCpus.prot32(0);
        kernel.r[Cpu.RSP] = 0x1000;
        Mem.write(kernel, Insn.SS, 0x1000, 4, Cpu.IF | (2L << 12) | Cpu.VM);
        exec(kernel, Insns.of(Op.POPF, 4, 4));
        assertEquals(Cpu.IF | (2L << 12) | 0x2, Flags.rflags(kernel));
        assertFalse(kernel.v86());

        Cpu real = TestCpus.real();
        real.r[Cpu.RSP] = 0x100;
        Flags.setRflags(real, Cpu.AC, Cpu.AC);
        Mem.write(real, Insn.SS, 0x100, 2, 0xFFFF);
        exec(real, Insns.of(Op.POPF, 2, 2));
        long rf = Flags.rflags(real);
        assertEquals(Cpu.AC, rf & Cpu.AC); // bits above 15 untouched by a 16-bit POPF
        assertEquals(0x7FD7 | 0x2, rf & 0xFFFF); // reserved bits 3, 5, 15 stay clear
    }

    @Test
    void pushfHidesVmAndRf() {
        Cpu cpu = TestCpus.prot32(0);
        cpu.r[Cpu.RSP] = 0x1000;
        cpu.sysFlags |= Cpu.RF;
        Flags.setArith(cpu, Cpu.ZF);
        exec(cpu, Insns.of(Op.PUSHF, 4, 4));
        assertEquals(Cpu.ZF | 0x2, Mem.read(cpu, Insn.SS, 0xFFC, 4));
    }

    @Test
    void stiBlocksInterruptsForOneInstructionOnlyWhenIfWasClear() {
        Cpu cpu = TestCpus.real();
        exec(cpu, Insns.of(Op.STI, 2, 2));
        assertTrue(cpu.interruptShadow);
        assertEquals(Cpu.IF, cpu.sysFlags & Cpu.IF);
        cpu.interruptShadow = false;
        exec(cpu, Insns.of(Op.STI, 2, 2));
        assertFalse(cpu.interruptShadow);
        exec(cpu, Insns.of(Op.CLI, 2, 2));
        assertEquals(0, cpu.sysFlags & Cpu.IF);
        exec(cpu, Insns.of(Op.STC, 2, 2));
        exec(cpu, Insns.of(Op.CMC, 2, 2));
        exec(cpu, Insns.of(Op.CMC, 2, 2));
        assertTrue(Flags.carry(cpu));
        exec(cpu, Insns.of(Op.CLC, 2, 2));
        assertFalse(Flags.carry(cpu));
        exec(cpu, Insns.of(Op.STD, 2, 2));
        assertEquals(Cpu.DF, cpu.sysFlags & Cpu.DF);
        exec(cpu, Insns.of(Op.CLD, 2, 2));
        assertEquals(0, cpu.sysFlags & Cpu.DF);
    }
}
