package org.apboot.core.semantics.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.semantics.ControlRegs;
import org.junit.jupiter.api.Test;

/**
 * MOV from CRn, LMSW, SMSW under CR4.UMIP, MOV to DRn and the mode changes CR0 and CR4 writes
 * make (Intel SDM vol. 2 MOV (control and debug registers), LMSW, SMSW; vol. 3 sections 2.5,
 * 10.8.5 and 18.2): LMSW sets PE but never clears it, UMIP makes SMSW fault above CPL 0 and in
 * virtual-8086 mode, DR6 and DR7 have no bits above 31, and enabling paging with EFER.LME set
 * activates IA-32e mode (disabling it from compatibility mode leaves it).
 */
class ControlRegisterAccessTest {
    @Test
    void movFromEachControlRegister() {
        Cpu cpu = SysCpus.prot32(0);
        cpu.cr2 = 0xDEAD_B000L;
        cpu.cr3 = 0x0012_3000L;
        cpu.cr4 = Cpu.CR4_PAE | Cpu.CR4_PSE;
        assertEquals(cpu.cr0, ControlRegs.readCr(cpu, 0));
        assertEquals(0xDEAD_B000L, ControlRegs.readCr(cpu, 2));
        assertEquals(0x0012_3000L, ControlRegs.readCr(cpu, 3));
        assertEquals(Cpu.CR4_PAE | Cpu.CR4_PSE, ControlRegs.readCr(cpu, 4));
    }

    @Test
    void lmswSetsPeButNeverClearsIt() {
        Cpu cpu = SysCpus.real();
        assertEquals(0, cpu.modeKey & Cpu.MK_PE);
        ControlRegs.lmsw(cpu, 0xFFFF);
        assertEquals(Cpu.CR0_PE | Cpu.CR0_MP | Cpu.CR0_EM | Cpu.CR0_TS, cpu.cr0 & 0xF);
        assertTrue((cpu.modeKey & Cpu.MK_PE) != 0, "the mode follows PE");
        ControlRegs.lmsw(cpu, 0);
        assertEquals(Cpu.CR0_PE, cpu.cr0 & 0xF);
        assertTrue(cpu.protectedMode());
    }

    @Test
    void smswFaultsUnderUmipOnlyAboveCplZeroOrInV86() {
        Cpu user = SysCpus.prot32(3);
        assertEquals(user.cr0, ControlRegs.smsw(user));
        user.cr4 |= Cpu.CR4_UMIP;
        SysCpus.gp(() -> ControlRegs.smsw(user));
        Cpu v86 = SysCpus.prot32(0);
        v86.cr4 |= Cpu.CR4_UMIP;
        assertEquals(v86.cr0, ControlRegs.smsw(v86));
        v86.sysFlags |= Cpu.VM;
        v86.updateMode();
        SysCpus.gp(() -> ControlRegs.smsw(v86));
        Cpu real = SysCpus.real();
        real.cr4 |= Cpu.CR4_UMIP;
        assertEquals(real.cr0, ControlRegs.smsw(real));
    }

    @Test
    void movToDebugRegisters() {
        Cpu user = SysCpus.prot32(3);
        SysCpus.gp(() -> ControlRegs.writeDr(user, 0, 0x1000));
        Cpu cpu = SysCpus.prot32(0);
        SysCpus.gp(() -> ControlRegs.writeDr(cpu, 6, 1L << 32));
        SysCpus.gp(() -> ControlRegs.writeDr(cpu, 7, 1L << 40));
        ControlRegs.writeDr(cpu, 0, 0x1_0000_2000L);
        assertEquals(0x2000, cpu.dr[0], "32 bits outside 64-bit mode");
        ControlRegs.writeDr(cpu, 7, 1 | 3L << 16);
        assertTrue(cpu.dataBreakpoints, "DR7 arms the data breakpoint");
        ControlRegs.writeDr(cpu, 7, 0);
        assertFalse(cpu.dataBreakpoints);
    }

    @Test
    void pagingWithLmeActivatesAndDeactivatesIa32eMode() {
        Cpu cpu = SysCpus.prot32(0);
        cpu.cr3 = SysCpus.identityTables(cpu, false);
        ControlRegs.writeCr4(cpu, Cpu.CR4_PAE);
        assertTrue((cpu.modeKey & Cpu.MK_PAE) != 0, "the mode follows CR4.PAE");
        cpu.efer |= Cpu.EFER_LME;
        ControlRegs.writeCr0(cpu, cpu.cr0 | Cpu.CR0_PG);
        assertTrue((cpu.efer & Cpu.EFER_LMA) != 0);
        assertTrue(cpu.longModeActive());
        ControlRegs.writeCr0(cpu, cpu.cr0 & ~Cpu.CR0_PG);
        assertEquals(0, cpu.efer & Cpu.EFER_LMA);
        assertFalse(cpu.longModeActive());
        ControlRegs.writeCr0(cpu, cpu.cr0 | Cpu.CR0_PG);
        assertTrue(cpu.longModeActive());
        ControlRegs.writeCr0(cpu, cpu.cr0 | Cpu.CR0_WP);
        assertTrue(cpu.longModeActive(), "another CR0 write with PG kept set changes nothing");
    }

    @Test
    void aCr0WriteThatLeavesPagingOffDoesNotActivateIa32eMode() {
        Cpu cpu = SysCpus.prot32(0);
        ControlRegs.writeCr4(cpu, Cpu.CR4_PAE);
        cpu.efer |= Cpu.EFER_LME;
        ControlRegs.writeCr0(cpu, cpu.cr0 | Cpu.CR0_WP);
        assertEquals(0, cpu.efer & Cpu.EFER_LMA);
        assertFalse(cpu.longModeActive());
    }
}
