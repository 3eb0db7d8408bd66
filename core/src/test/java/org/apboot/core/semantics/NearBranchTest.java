package org.apboot.core.semantics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.fault.CpuException;
import org.apboot.core.fault.Vectors;
import org.junit.jupiter.api.Test;

/**
 * Near branches (SDM vol. 2 Jcc, JMP, CALL, RET, LOOPcc, JrCXZ): targets cut to the operand
 * size, #GP(0) beyond the CS limit (or non-canonical in 64-bit mode) before anything changes,
 * the return address pushed at the operand size, RET imm16 releasing the extra bytes, LOOPcc
 * counting rCX at the address size. Real mode: CS and SS at base 0 with 64 KiB limits.
 */
class NearBranchTest {
    private final Cpu cpu = TestCpus.real();

    private static void gp0(Runnable r) {
        CpuException e = assertThrows(CpuException.class, r::run);
        assertEquals(Vectors.GP, e.vector, e.toString());
        assertEquals(0, e.errorCode, e.toString());
    }

    @Test
    void targetsAreCutToTheOperandSize() {
        assertEquals(0x2345, Branches.truncate(2, 0x1_2345));
        assertEquals(0x2345_6789L, Branches.truncate(4, 0x1_2345_6789L));
        assertEquals(0x1_2345_6789L, Branches.truncate(8, 0x1_2345_6789L));
        assertEquals(0x0010, Branches.target(cpu, 2, 0x1_0010));
    }

    @Test
    void theCsLimitIsTheLastValidOffset() {
        assertEquals(0xFFFF, Branches.target(cpu, 4, 0xFFFF));
        gp0(() -> Branches.target(cpu, 4, 0x1_0000));
        cpu.seg[1].limit = 0x0FFF;
        assertEquals(0x0FFF, Branches.target(cpu, 2, 0x0FFF));
        gp0(() -> Branches.jmp(cpu, 2, 0x1000));
    }

    @Test
    void sixtyFourBitTargetsMustBeCanonical() {
        Cpu l = TestCpus.long64();
        assertEquals(0x0000_7FFF_FFFF_FFFFL, Branches.target(l, 8, 0x0000_7FFF_FFFF_FFFFL));
        assertEquals(0xFFFF_8000_0000_0000L, Branches.target(l, 8, 0xFFFF_8000_0000_0000L));
        gp0(() -> Branches.target(l, 8, 0x0000_8000_0000_0000L));
        gp0(() -> Branches.target(l, 8, 0xFFFF_7FFF_FFFF_FFFFL));
        l.cr4 |= Cpu.CR4_LA57;
        assertEquals(0x0000_8000_0000_0000L, Branches.target(l, 8, 0x0000_8000_0000_0000L));
        assertEquals(0x00FF_FFFF_FFFF_FFFFL, Branches.target(l, 8, 0x00FF_FFFF_FFFF_FFFFL));
        gp0(() -> Branches.target(l, 8, 0x0100_0000_0000_0000L));
    }

    @Test
    void jccJumpsOnlyWhenTheConditionHolds() {
        Alu.cmp(cpu, 1, 1, 1); // ZF = 1
        cpu.rip = 0x100;
        Branches.jcc(cpu, 5, 2, 0x10); // JNE: not taken
        assertEquals(0x100, cpu.rip);
        Branches.jcc(cpu, 4, 2, 0x10); // JE
        assertEquals(0x110, cpu.rip);
        Branches.jcc(cpu, 4, 2, -0x200); // backwards past 0: wraps at 16 bits
        assertEquals(0xFF10, cpu.rip);
    }

    @Test
    void callPushesTheReturnAddressAfterTheCheck() {
        cpu.r[Cpu.RSP] = 0x1000;
        cpu.rip = 0x123;
        Branches.call(cpu, 2, 0x456);
        assertEquals(0x456, cpu.rip);
        assertEquals(0xFFE, cpu.r[Cpu.RSP]);
        assertEquals(0x123, cpu.ram.read16(0xFFE));
        cpu.rip = 0x789;
        Branches.call(cpu, 4, 0x9AB);
        assertEquals(0xFFA, cpu.r[Cpu.RSP]);
        assertEquals(0x789, cpu.ram.read32(0xFFA));
        gp0(() -> Branches.call(cpu, 4, 0x1_0000));
        assertEquals(0xFFA, cpu.r[Cpu.RSP], "nothing pushed");
        assertEquals(0x9AB, cpu.rip);
    }

    @Test
    void retPopsAndReleasesTheImmediateBytes() {
        cpu.ram.write16(0x0FFE, 0x0789);
        cpu.r[Cpu.RSP] = 0x0FFE;
        Branches.ret(cpu, 2, 4);
        assertEquals(0x789, cpu.rip);
        assertEquals(0x1004, cpu.r[Cpu.RSP]);
        cpu.ram.write32(0x2000, 0x0000_4321);
        cpu.r[Cpu.RSP] = 0x2000;
        Branches.ret(cpu, 4, 0x1_0002); // only imm16 counts
        assertEquals(0x4321, cpu.rip);
        assertEquals(0x2006, cpu.r[Cpu.RSP]);
        cpu.ram.write32(0x3000, 0x0001_0000);
        cpu.r[Cpu.RSP] = 0x3000;
        gp0(() -> Branches.ret(cpu, 4, 0));
        assertEquals(0x3000, cpu.r[Cpu.RSP], "the stack pointer moves only after the check");
    }

    @Test
    void loopCountsAtTheAddressSize() {
        cpu.rip = 0x100;
        cpu.r[Cpu.RCX] = 3;
        Branches.loop(cpu, Branches.LOOP, 2, 2, 0x10);
        assertEquals(0x110, cpu.rip);
        assertEquals(2, cpu.r[Cpu.RCX]);
        cpu.r[Cpu.RCX] = 0x7_0001L;
        Branches.loop(cpu, Branches.LOOP, 2, 2, 0x10); // CX reaches 0: falls through
        assertEquals(0x110, cpu.rip);
        assertEquals(0x7_0000L, cpu.r[Cpu.RCX]);
        cpu.r[Cpu.RCX] = 0x1_0000L; // CX = 0: decremented to 0xFFFF, taken
        Branches.loop(cpu, Branches.LOOP, 2, 2, 0x10);
        assertEquals(0x120, cpu.rip);
        assertEquals(0x1_FFFFL, cpu.r[Cpu.RCX]);
        cpu.r[Cpu.RCX] = 0x1_0000L; // ECX = 0x10000 at a 32-bit address size
        Branches.loop(cpu, Branches.LOOP, 2, 4, 0x10);
        assertEquals(0xFFFF, cpu.r[Cpu.RCX]);
        assertEquals(0x130, cpu.rip);
    }

    @Test
    void loopeAndLoopneAlsoLookAtZf() {
        cpu.rip = 0x100;
        Alu.cmp(cpu, 1, 1, 1); // ZF = 1
        cpu.r[Cpu.RCX] = 5;
        Branches.loop(cpu, Branches.LOOPE, 2, 2, 0x10);
        assertEquals(0x110, cpu.rip);
        Branches.loop(cpu, Branches.LOOPNE, 2, 2, 0x10);
        assertEquals(0x110, cpu.rip);
        assertEquals(3, cpu.r[Cpu.RCX], "decremented either way");
        Alu.cmp(cpu, 1, 1, 2); // ZF = 0
        Branches.loop(cpu, Branches.LOOPE, 2, 2, 0x10);
        assertEquals(0x110, cpu.rip);
        Branches.loop(cpu, Branches.LOOPNE, 2, 2, 0x10);
        assertEquals(0x120, cpu.rip);
        assertEquals(1, cpu.r[Cpu.RCX]);
    }

    @Test
    void aTakenLoopChecksTheTargetBeforeWritingRcx() {
        cpu.seg[1].limit = 0x0FFF;
        cpu.rip = 0x0FF0;
        cpu.r[Cpu.RCX] = 5;
        gp0(() -> Branches.loop(cpu, Branches.LOOP, 2, 2, 0x20));
        assertEquals(5, cpu.r[Cpu.RCX]);
        assertEquals(0x0FF0, cpu.rip);
    }

    @Test
    void jrcxzTestsTheCountAtTheAddressSize() {
        cpu.rip = 0x100;
        cpu.r[Cpu.RCX] = 0x1_0000L;
        Branches.jrcxz(cpu, 2, 4, 0x10); // ECX != 0
        assertEquals(0x100, cpu.rip);
        Branches.jrcxz(cpu, 2, 2, 0x10); // CX == 0
        assertEquals(0x110, cpu.rip);
        cpu.r[Cpu.RCX] = 1;
        Branches.jrcxz(cpu, 2, 2, 0x10);
        assertEquals(0x110, cpu.rip);
    }
}
