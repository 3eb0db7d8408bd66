package org.apboot.core.semantics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.decode.Insn;
import org.apboot.core.fault.CpuException;
import org.apboot.core.fault.TestCpus;
import org.apboot.core.fault.Vectors;
import org.junit.jupiter.api.Test;

/**
 * IRET in real, virtual-8086 and protected mode (SDM vol. 2 IRET pseudo-code): the frame popped,
 * which EFLAGS bits each case may change (real-mode IRETD: mask 257FD5H, VM/VIF/VIP kept; v86
 * with IOPL 3: IOPL kept; VME: VIF from the popped IF; protected mode: IF only when CPL &lt;= IOPL,
 * IOPL/VIF/VIP only at CPL 0, 16-bit forms the low word only), the target checked against the CS
 * limit, and the stack switch of a return to an outer level.
 */
class IretTest {
    private static void gp0(Runnable r) {
        CpuException e = assertThrows(CpuException.class, r::run);
        assertEquals(Vectors.GP, e.vector, e.toString());
        assertEquals(0, e.errorCode, e.toString());
    }

    private static Cpu real() {
        Cpu cpu = org.apboot.core.semantics.TestCpus.real();
        cpu.r[Cpu.RSP] = 0x1000;
        return cpu;
    }

    @Test
    void realModeIret() {
        Cpu cpu = real();
        cpu.nmiBlocked = true;
        cpu.ram.write16(0x1000, 0x1234);
        cpu.ram.write16(0x1002, 0x2000);
        cpu.ram.write16(0x1004, 0xFAD7);
        Returns.iret(cpu, 2);
        assertEquals(0x1234, cpu.rip);
        assertEquals(0x2000, cpu.seg[Insn.CS].selector);
        assertEquals(0x20000, cpu.seg[Insn.CS].base);
        assertEquals(0x1006, cpu.r[Cpu.RSP]);
        assertEquals(0x7AD7L, Flags.rflags(cpu)); // bits 15, 5 and 3 read as 0, bit 1 as 1
        assertFalse(cpu.nmiBlocked, "IRET ends NMI blocking");
    }

    @Test
    void realModeIretdMasksWithThe257Fd5Pattern() {
        Cpu cpu = real();
        Flags.setRflags(cpu, Cpu.VIP, -1L);
        cpu.ram.write32(0x1000, 0x5678);
        cpu.ram.write32(0x1004, 0x0100);
        cpu.ram.write32(0x1008, 0x003F_7FD7);
        Returns.iret(cpu, 4);
        assertEquals(0x257FD7L | Cpu.VIP, Flags.rflags(cpu));
        assertEquals(0x100C, cpu.r[Cpu.RSP]);
        assertEquals(0x5678, cpu.rip);
    }

    @Test
    void realModeTargetBeyondTheCsLimitFaults() {
        Cpu cpu = real();
        cpu.seg[Insn.CS].limit = 0x0FFF;
        cpu.ram.write16(0x1000, 0x1000);
        cpu.ram.write16(0x1002, 0x0000);
        gp0(() -> Returns.iret(cpu, 2));
        assertEquals(0x1000, cpu.r[Cpu.RSP]);
        Cpu wide = real();
        wide.ram.write32(0x1000, 0x1_0000);
        gp0(() -> Returns.iret(wide, 4));
    }

    /** Virtual-8086 mode at IOPL {@code iopl}, CS 1000h, SS 2000h, SP 100h, with CR4.VME. */
    private static Cpu v86(int iopl, long flags) {
        Cpu cpu = TestCpus.prot32();
        cpu.cr4 |= Cpu.CR4_VME;
        Flags.setRflags(cpu, Cpu.VM | ((long) iopl << 12) | flags, -1L);
        SegmentLoads.loadCodeReal(cpu, 0x1000);
        SegmentLoads.load(cpu, Insn.SS, 0x2000);
        cpu.r[Cpu.RSP] = 0x100;
        return cpu;
    }

    @Test
    void v86AtIopl3KeepsIoplAndLoadsIf() {
        Cpu cpu = v86(3, Cpu.IF);
        cpu.ram.write16(0x20100, 0x0040);
        cpu.ram.write16(0x20102, 0x3000);
        cpu.ram.write16(0x20104, 0x0001); // IOPL 0, IF clear, CF set
        Returns.iret(cpu, 2);
        assertEquals(Cpu.VM | 0x3003L, Flags.rflags(cpu));
        assertEquals(0x30000, cpu.seg[Insn.CS].base);
        assertEquals(0x40, cpu.rip);
        assertEquals(0x106, cpu.r[Cpu.RSP]);
    }

    @Test
    void v86IretdAtIopl3LoadsTheUpperFlagsButNotVm() {
        Cpu cpu = v86(3, Cpu.IF);
        cpu.ram.write32(0x20100, 0x0040);
        cpu.ram.write32(0x20104, 0x3000);
        cpu.ram.write32(0x20108, (int) (Cpu.AC | Cpu.CF)); // VM clear, IOPL 0
        Returns.iret(cpu, 4);
        assertEquals(Cpu.VM | Cpu.AC | 0x3003L, Flags.rflags(cpu));
        assertEquals(0x10C, cpu.r[Cpu.RSP]);
    }

    @Test
    void v86BelowIopl3WithVmeMovesIfToVif() {
        Cpu cpu = v86(2, 0);
        cpu.ram.write16(0x20100, 0x0040);
        cpu.ram.write16(0x20102, 0x3000);
        cpu.ram.write16(0x20104, 0x3201); // IOPL 3, IF, CF
        Returns.iret(cpu, 2);
        assertEquals(Cpu.VM | Cpu.VIF | 0x2003L, Flags.rflags(cpu)); // IOPL stays 2, IF stays clear
        assertEquals(0x40, cpu.rip);
        assertEquals(0x106, cpu.r[Cpu.RSP]);
        Cpu d = v86(2, 0);
        gp0(() -> Returns.iret(d, 4)); // IRETD is not virtualised
        Cpu noVme = v86(2, 0);
        noVme.cr4 &= ~Cpu.CR4_VME;
        gp0(() -> Returns.iret(noVme, 2));
    }

    private static long descriptor(Cpu cpu, int sel) {
        return cpu.ram.read64(TestCpus.GDT + (sel & ~7));
    }

    @Test
    void sameLevelIretdAtCpl0() {
        Cpu cpu = TestCpus.prot32();
        cpu.ram.write32(0x8000, 0x5000);
        cpu.ram.write32(0x8004, TestCpus.CODE16);
        cpu.ram.write32(0x8008, (int) (Cpu.IF | Cpu.AC | Cpu.CF | (2L << 12) | 2));
        Returns.iret(cpu, 4);
        assertEquals(0x5000, cpu.rip);
        assertEquals(TestCpus.CODE16, cpu.seg[Insn.CS].selector);
        assertEquals(0x800C, cpu.r[Cpu.RSP]);
        assertEquals(Cpu.IF | Cpu.AC | Cpu.CF | (2L << 12) | 2, Flags.rflags(cpu));
    }

    @Test
    void sixteenBitIretKeepsTheUpperEflags() {
        Cpu cpu = TestCpus.prot32();
        Flags.setRflags(cpu, Cpu.AC | Cpu.ID, -1L);
        cpu.ram.write16(0x8000, 0x0500);
        cpu.ram.write16(0x8002, TestCpus.CODE32);
        cpu.ram.write16(0x8004, 0x0001);
        Returns.iret(cpu, 2);
        assertEquals(Cpu.AC | Cpu.ID | Cpu.CF | 2, Flags.rflags(cpu));
        assertEquals(0x8006, cpu.r[Cpu.RSP]);
        assertEquals(0x0500, cpu.rip);
    }

    /** CPL 3 in the flat user segments, IOPL {@code iopl}, IF set, ESP 0x9000. */
    private static Cpu user(int iopl) {
        Cpu cpu = TestCpus.prot32();
        SegmentLoads.commitCode(cpu, TestCpus.UCODE32, descriptor(cpu, TestCpus.UCODE32), 3);
        SegmentLoads.load(cpu, Insn.SS, TestCpus.UDATA32);
        Flags.setRflags(cpu, Cpu.IF | ((long) iopl << 12), -1L);
        cpu.r[Cpu.RSP] = 0x9000;
        cpu.ram.write32(0x9000, 0x6000);
        cpu.ram.write32(0x9004, TestCpus.UCODE32);
        cpu.ram.write32(0x9008, (int) (Cpu.CF | 2)); // IF clear, IOPL 0
        return cpu;
    }

    @Test
    void atCpl3IfChangesOnlyWithIopl3AndIoplNever() {
        Cpu low = user(0);
        Returns.iret(low, 4);
        assertEquals(Cpu.IF | Cpu.CF | 2, Flags.rflags(low));
        Cpu mid = user(1); // CPL 3 > IOPL 1: IF kept
        Returns.iret(mid, 4);
        assertEquals(Cpu.IF | 0x1000L | Cpu.CF | 2, Flags.rflags(mid));
        Cpu high = user(3);
        Returns.iret(high, 4);
        assertEquals(0x3000L | Cpu.CF | 2, Flags.rflags(high));
        assertEquals(0x6000, high.rip);
        assertEquals(0x900C, high.r[Cpu.RSP]);
    }

    @Test
    void returnToAnOuterLevelPopsTheStack() {
        Cpu cpu = TestCpus.prot32();
        cpu.ram.write32(0x8000, 0x7000);
        cpu.ram.write32(0x8004, TestCpus.UCODE32);
        cpu.ram.write32(0x8008, (int) (Cpu.IF | 2));
        cpu.ram.write32(0x800C, 0xA000);
        cpu.ram.write32(0x8010, TestCpus.UDATA32);
        Returns.iret(cpu, 4);
        assertEquals(3, cpu.cpl);
        assertEquals(TestCpus.UCODE32, cpu.seg[Insn.CS].selector);
        assertEquals(TestCpus.UDATA32, cpu.seg[Insn.SS].selector);
        assertEquals(0xA000, cpu.r[Cpu.RSP]);
        assertEquals(0x7000, cpu.rip);
        assertEquals(Cpu.IF | 2, Flags.rflags(cpu));
    }
}
