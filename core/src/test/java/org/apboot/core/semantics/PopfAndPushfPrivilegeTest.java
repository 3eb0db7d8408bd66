package org.apboot.core.semantics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.fault.CpuException;
import org.apboot.core.fault.Vectors;
import org.junit.jupiter.api.Test;

/**
 * Which flags POPF may change in each mode and at each privilege level, and what PUSHF pushes,
 * from the SDM's POPF and PUSHF pages (vol. 2) and the VME rules (vol. 3 section 20.3). RFLAGS
 * bits: CF 0, PF 2, AF 4, ZF 6, SF 7, TF 8, IF 9, DF 10, OF 11, IOPL 12-13, NT 14, RF 16, VM 17,
 * AC 18, VIF 19, VIP 20, ID 21; bit 1 reads as 1.
 */
class PopfAndPushfPrivilegeTest {
    /** Virtual-8086 mode at IOPL {@code iopl}, with or without CR4.VME. */
    private static Cpu v86(int iopl, boolean vme, long moreFlags) {
        Cpu cpu = TestCpus.prot32(0);
        if (vme) {
            cpu.cr4 |= Cpu.CR4_VME;
        }
        Flags.setRflags(cpu, Cpu.VM | ((long) iopl << 12) | moreFlags, -1L);
        cpu.updateMode();
        assertTrue(cpu.v86());
        return cpu;
    }

    private static void gp0(Runnable r) {
        CpuException e = assertThrows(CpuException.class, r::run);
        assertEquals(Vectors.GP, e.vector, e.toString());
        assertEquals(0, e.errorCode, e.toString());
    }

    @Test
    void realModePopfWritesEveryPopfFlagAndClearsRf() {
        Cpu cpu = TestCpus.real();
        Flags.setRflags(cpu, Cpu.RF | Cpu.VIF | Cpu.VIP, -1L);
        FlagOps.popf(cpu, 4, 0xFFFF_FFFFL);
        // VM, VIF, VIP unchanged (VIF and VIP stay set), RF cleared
        assertEquals(0x247FD7L | Cpu.VIF | Cpu.VIP, Flags.rflags(cpu));
        FlagOps.popf(cpu, 4, 0);
        assertEquals(2L | Cpu.VIF | Cpu.VIP, Flags.rflags(cpu));
    }

    @Test
    void sixteenBitPopfKeepsTheUpperHalf() {
        Cpu cpu = TestCpus.real();
        Flags.setRflags(cpu, Cpu.AC | Cpu.ID, -1L);
        FlagOps.popf(cpu, 2, Cpu.CF | Cpu.NT); // bits 16-31 of the value clear: AC and ID stay set
        assertEquals(Cpu.AC | Cpu.ID | Cpu.CF | Cpu.NT | 2, Flags.rflags(cpu));
        Flags.setRflags(cpu, 0, -1L);
        FlagOps.popf(cpu, 2, 0xFFFF_0000L | Cpu.CF); // set: AC and ID stay clear
        assertEquals(Cpu.CF | 2, Flags.rflags(cpu));
    }

    @Test
    void protectedModeAtCpl3WithIopl0KeepsIoplAndIf() {
        Cpu cpu = TestCpus.prot32(3);
        FlagOps.popf(cpu, 4, 0xFFFF_FFFFL);
        assertEquals(0x244DD7L, Flags.rflags(cpu)); // 0x247FD7 without IOPL and IF
    }

    @Test
    void protectedModeAtCpl0ChangesIopl() {
        Cpu cpu = TestCpus.prot32(0);
        FlagOps.popf(cpu, 4, 0x3000 | Cpu.IF);
        assertEquals(0x3202L, Flags.rflags(cpu));
        FlagOps.popf(cpu, 4, 0);
        assertEquals(2L, Flags.rflags(cpu));
    }

    @Test
    void ifChangesWhenCplIsAtMostIopl() {
        Cpu cpu = TestCpus.prot32(1);
        Flags.setRflags(cpu, Cpu.IF | (1L << 12), -1L);
        FlagOps.popf(cpu, 4, 0); // CPL 1 = IOPL 1: IF cleared, IOPL kept (CPL > 0)
        assertEquals(0x1002L, Flags.rflags(cpu));
        Cpu cpl2 = TestCpus.prot32(2);
        Flags.setRflags(cpl2, Cpu.IF | (1L << 12), -1L);
        FlagOps.popf(cpl2, 4, 0); // CPL 2 > IOPL 1: IF kept
        assertEquals(0x1202L, Flags.rflags(cpl2));
    }

    @Test
    void v86AtIopl3ChangesIfButNotIopl() {
        Cpu cpu = v86(3, true, Cpu.IF);
        FlagOps.popf(cpu, 2, Cpu.CF); // IF clear in the popped value
        assertEquals(Cpu.VM | 0x3003L, Flags.rflags(cpu)); // IOPL stays 3, VIF untouched
        FlagOps.popf(cpu, 4, Cpu.IF | Cpu.AC);
        assertEquals(Cpu.VM | Cpu.AC | 0x3202L, Flags.rflags(cpu));
        assertTrue(cpu.v86(), "POPF never changes VM");
    }

    @Test
    void v86BelowIopl3WithoutVmeFaults() {
        Cpu cpu = v86(0, false, Cpu.IF);
        gp0(() -> FlagOps.popf(cpu, 2, 0));
        gp0(() -> FlagOps.popf(cpu, 4, 0));
        gp0(() -> FlagOps.checkPopf(cpu));
        gp0(() -> FlagOps.pushfValue(cpu, 2));
        gp0(() -> FlagOps.pushfValue(cpu, 4));
        assertEquals(Cpu.VM | Cpu.IF | 2, Flags.rflags(cpu));
        assertFalse(FlagOps.vmeVirtual(cpu));
    }

    @Test
    void v86WithVmeVirtualisesOnlyTheSixteenBitForms() {
        Cpu cpu = v86(0, true, Cpu.IF | Cpu.AC);
        assertTrue(FlagOps.vmeVirtual(cpu));
        FlagOps.checkPopf(cpu); // allowed: VME
        gp0(() -> FlagOps.popf(cpu, 4, 0));
        gp0(() -> FlagOps.pushfValue(cpu, 4));
        // 16-bit POPF: VIF from the popped IF; IF and IOPL kept; the upper half kept
        FlagOps.popf(cpu, 2, 0x3200L | Cpu.CF | Cpu.DF);
        assertEquals(Cpu.VM | Cpu.AC | Cpu.VIF | Cpu.IF | Cpu.DF | Cpu.CF | 2, Flags.rflags(cpu));
        // 16-bit PUSHF: IF shows VIF, IOPL shows 3, bits 0-15 only
        Flags.setRflags(cpu, 0, Cpu.VIF);
        assertEquals(0x3000L | Cpu.DF | Cpu.CF | 2, FlagOps.pushfValue(cpu, 2));
        assertEquals(0x3000L | Cpu.DF | Cpu.CF | 2, FlagOps.virtualFlags(cpu));
        Flags.setRflags(cpu, Cpu.VIF, Cpu.VIF | Cpu.IF);
        assertEquals(0x3200L | Cpu.DF | Cpu.CF | 2, FlagOps.virtualFlags(cpu));
    }

    @Test
    void v86AtIopl3PushesTheRealFlags() {
        Cpu cpu = v86(3, true, Cpu.IF | Cpu.AC | Cpu.RF);
        FlagOps.checkPopf(cpu);
        assertFalse(FlagOps.vmeVirtual(cpu), "IOPL 3: nothing is virtualised");
        // VM and RF read as 0; VIF is clear and IF set: the real IF is pushed
        assertEquals(Cpu.AC | 0x3202L, FlagOps.pushfValue(cpu, 2));
        Cpu noVme = v86(3, false, Cpu.IF);
        FlagOps.checkPopf(noVme);
        assertEquals(0x3202L, FlagOps.pushfValue(noVme, 4));
    }

    @Test
    void outsideV86NothingIsVirtualised() {
        Cpu cpu = TestCpus.prot32(3);
        cpu.cr4 |= Cpu.CR4_VME;
        assertFalse(FlagOps.vmeVirtual(cpu));
        FlagOps.checkPopf(cpu);
        Flags.setRflags(cpu, Cpu.RF | Cpu.CF, -1L);
        assertEquals(Cpu.CF | 2, FlagOps.pushfValue(cpu, 4));
    }
}
