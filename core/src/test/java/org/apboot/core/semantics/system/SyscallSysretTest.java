package org.apboot.core.semantics.system;

import static org.apboot.core.semantics.system.SysCpus.exec;
import static org.apboot.core.semantics.system.SysCpus.gp;
import static org.apboot.core.semantics.system.SysCpus.ud;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.Segment;
import org.apboot.core.decode.Insn;
import org.apboot.core.semantics.Flags;
import org.junit.jupiter.api.Test;

/**
 * SYSCALL and SYSRET on an Intel processor (SDM vol. 2): #UD without EFER.SCE and outside
 * 64-bit mode, SYSRET's #GP(0) at CPL &gt; 0 and for a non-canonical RCX (64-bit return), and
 * the return to compatibility mode: CS = STAR[63:48] | 3 with D set, SS = STAR[63:48] + 8 | 3,
 * EIP = ECX, RFLAGS from R11.
 */
class SyscallSysretTest {
    private static final long STAR = 0x0023_0010_0000_0000L;

    private static Cpu kernel() {
        Cpu cpu = SysCpus.long64(0);
        cpu.efer |= Cpu.EFER_SCE;
        cpu.star = STAR;
        cpu.lstar = 0xFFFF_FFFF_8100_0000L;
        return cpu;
    }

    @Test
    void undefinedWithoutSceOrOutside64BitMode() {
        Cpu noSce = SysCpus.long64(0);
        ud(() -> exec(noSce, 0x0F, 0x05));
        ud(() -> exec(noSce, 0x48, 0x0F, 0x07));
        Cpu compat = kernel();
        SysCpus.loadCs(compat, 0x08, SysCpus.CODE32);
        assertEquals("compat32", compat.modeName());
        ud(() -> exec(compat, 0x0F, 0x05));
        ud(() -> exec(compat, 0x0F, 0x07));
        Cpu prot = SysCpus.prot32(0);
        prot.efer |= Cpu.EFER_SCE;
        ud(() -> exec(prot, 0x0F, 0x05));
        ud(() -> exec(prot, 0x0F, 0x07));
    }

    @Test
    void sysretFaults() {
        Cpu user = kernel();
        SysCpus.loadCs(user, 0x33, SysCpus.CODE64 | 3 << Segment.DPL_SHIFT);
        user.r[Cpu.RCX] = 0x1000;
        gp(() -> exec(user, 0x48, 0x0F, 0x07));
        Cpu cpu = kernel();
        cpu.r[Cpu.RCX] = 0x0000_8000_0000_0000L;
        gp(() -> exec(cpu, 0x48, 0x0F, 0x07));
        assertEquals(0, cpu.cpl, "nothing changed");
        // the 32-bit form takes ECX: no canonical check
        exec(cpu, 0x0F, 0x07);
        assertEquals(0, cpu.rip);
    }

    @Test
    void sysretToCompatibilityMode() {
        Cpu cpu = kernel();
        cpu.r[Cpu.RCX] = 0xFFFF_FFFF_0804_8000L;
        cpu.r[11] = Cpu.IF | Cpu.CF | Cpu.ZF | Cpu.RF | Cpu.VM | 0x2;
        exec(cpu, 0x0F, 0x07);
        assertEquals("compat32", cpu.modeName());
        assertEquals(3, cpu.cpl);
        assertEquals(0x23, cpu.seg[Insn.CS].selector);
        assertEquals(0xC0FB, cpu.seg[Insn.CS].attrs & 0xF0FF);
        assertEquals(0x2B, cpu.seg[Insn.SS].selector);
        assertEquals(0xC0F3, cpu.seg[Insn.SS].attrs & 0xF0FF);
        assertEquals(0x0804_8000L, cpu.rip);
        assertEquals(Cpu.IF | Cpu.CF | Cpu.ZF | 0x2, Flags.rflags(cpu), "RF and VM never come from R11");
    }

    @Test
    void sysretTo64BitCode() {
        Cpu cpu = kernel();
        cpu.r[Cpu.RCX] = 0x0000_7FFF_0000_1000L;
        cpu.r[11] = Cpu.IF | 0x2;
        exec(cpu, 0x48, 0x0F, 0x07);
        assertEquals("long64", cpu.modeName());
        assertEquals(0x33, cpu.seg[Insn.CS].selector);
        assertEquals(0xA0FB, cpu.seg[Insn.CS].attrs & 0xF0FF);
        assertEquals(0x2B, cpu.seg[Insn.SS].selector);
        assertEquals(0x0000_7FFF_0000_1000L, cpu.rip);
    }

    @Test
    void syscallSavesAndMasks() {
        Cpu cpu = kernel();
        SysCpus.loadCs(cpu, 0x33, SysCpus.CODE64 | 3 << Segment.DPL_SHIFT);
        cpu.sfmask = Cpu.IF | Cpu.DF;
        cpu.rip = 0x40_1000;
        Flags.setRflags(cpu, Cpu.IF | Cpu.DF | Cpu.CF | Cpu.RF | 0x2, -1L);
        exec(cpu, 0x0F, 0x05);
        assertEquals(0x40_1002L, cpu.r[Cpu.RCX]);
        assertEquals(Cpu.IF | Cpu.DF | Cpu.CF | 0x2, cpu.r[11], "R11 = RFLAGS with RF clear");
        assertEquals(Cpu.CF | 0x2, Flags.rflags(cpu));
        assertEquals(0x10, cpu.seg[Insn.CS].selector);
        assertEquals(0xA09B, cpu.seg[Insn.CS].attrs & 0xF0FF);
        assertEquals(0x18, cpu.seg[Insn.SS].selector);
        assertEquals(0xC093, cpu.seg[Insn.SS].attrs & 0xF0FF);
        assertEquals(0, cpu.cpl);
        assertEquals(0xFFFF_FFFF_8100_0000L, cpu.rip);
    }
}
