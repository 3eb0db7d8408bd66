package org.apboot.core.semantics.system;

import static org.apboot.core.semantics.system.SysCpus.exec;
import static org.apboot.core.semantics.system.SysCpus.fault;
import static org.apboot.core.semantics.system.SysCpus.gp;
import static org.apboot.core.semantics.system.SysCpus.ud;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.CpuModel;
import org.apboot.core.cpu.CpuProfile;
import org.apboot.core.fault.CpuException;
import org.apboot.core.fault.Vectors;
import org.apboot.core.mem.PhysicalMemory;
import org.apboot.core.semantics.ControlRegs;
import org.junit.jupiter.api.Test;

class ControlRegsTest {
    @Test
    void privilegeChecks() {
        Cpu user = SysCpus.prot32(3);
        gp(() -> ControlRegs.readCr(user, 0));
        gp(() -> ControlRegs.writeCr(user, 3, 0x1000));
        gp(() -> ControlRegs.readDr(user, 7));
        gp(() -> ControlRegs.clts(user));
        gp(() -> ControlRegs.lmsw(user, 1));
        Cpu v86 = SysCpus.prot32(0);
        v86.sysFlags |= Cpu.VM;
        v86.updateMode();
        gp(() -> ControlRegs.readCr(v86, 0));
        // real mode has no privilege check
        Cpu real = SysCpus.real();
        assertEquals(real.cr0, ControlRegs.readCr(real, 0));
    }

    @Test
    void undefinedRegisters() {
        Cpu cpu = SysCpus.prot32(0);
        for (int n : new int[] {1, 5, 6, 7, 9, 15}) {
            ud(() -> ControlRegs.readCr(cpu, n));
            ud(() -> ControlRegs.writeCr(cpu, n, 0));
        }
        ud(() -> ControlRegs.readCr(cpu, 8)); // CR8 exists only in 64-bit mode
        // the #UD outranks the privilege check
        Cpu user = SysCpus.prot32(3);
        ud(() -> ControlRegs.readCr(user, 5));
    }

    @Test
    void cr0InvalidCombinations() {
        Cpu cpu = SysCpus.real();
        CpuException e = gp(() -> ControlRegs.writeCr0(cpu, Cpu.CR0_PG | Cpu.CR0_ET));
        assertTrue(e.reason.contains("PG without"), e.reason);
        gp(() -> ControlRegs.writeCr0(cpu, Cpu.CR0_NW | Cpu.CR0_PE));
        gp(() -> ControlRegs.writeCr0(cpu, 1L << 32 | Cpu.CR0_PE));
        assertEquals(Cpu.CR0_ET | Cpu.CR0_CD | Cpu.CR0_NW, cpu.cr0, "faulting writes leave CR0 alone");
        // reserved bits in CR0[31:0] are ignored, ET reads as 1
        ControlRegs.writeCr0(cpu, Cpu.CR0_PE | 0x0000_FF00L | 1L << 17);
        assertEquals(Cpu.CR0_PE | Cpu.CR0_ET, cpu.cr0);
        assertEquals("prot16", cpu.modeName());
        ControlRegs.writeCr0(cpu, 0);
        assertEquals(Cpu.CR0_ET, cpu.cr0);
        assertEquals("real16", cpu.modeName());
    }

    @Test
    void cr0ThroughTheDecoder() {
        Cpu cpu = SysCpus.real();
        cpu.r[Cpu.RAX] = 0x8000_0000_6000_0011L; // upper bits ignored outside 64-bit mode
        exec(cpu, 0x0F, 0x22, 0xC0); // mov %eax,%cr0
        assertEquals(0x6000_0011L, cpu.cr0);
        assertTrue(cpu.protectedMode());
        cpu.r[Cpu.RBX] = -1;
        exec(cpu, 0x0F, 0x20, 0xC3); // mov %cr0,%ebx
        assertEquals(0x6000_0011L, cpu.r[Cpu.RBX]);
    }

    @Test
    void activatingLongModeRequiresPae() {
        Cpu cpu = SysCpus.prot32(0);
        cpu.efer = Cpu.EFER_LME;
        CpuException e = gp(() -> ControlRegs.writeCr0(cpu, cpu.cr0 | Cpu.CR0_PG));
        assertTrue(e.reason.contains("PAE"), e.reason);
        assertFalse(cpu.longModeActive());
        cpu.cr4 = Cpu.CR4_PAE;
        ControlRegs.writeCr0(cpu, cpu.cr0 | Cpu.CR0_PG);
        assertTrue(cpu.longModeActive());
        assertEquals("compat32", cpu.modeName());
    }

    @Test
    void activatingLongModeWithCsLFaults() {
        Cpu cpu = SysCpus.prot32(0);
        cpu.efer = Cpu.EFER_LME;
        cpu.cr4 = Cpu.CR4_PAE;
        cpu.seg[1].attrs |= org.apboot.core.cpu.Segment.L;
        cpu.updateMode();
        gp(() -> ControlRegs.writeCr0(cpu, cpu.cr0 | Cpu.CR0_PG));
        assertEquals(Cpu.EFER_LME, cpu.efer);
    }

    @Test
    void activatingLongModeWith16BitTssFaults() {
        Cpu cpu = SysCpus.prot32(0);
        cpu.efer = Cpu.EFER_LME;
        cpu.cr4 = Cpu.CR4_PAE;
        cpu.tr.attrs = (cpu.tr.attrs & ~0xF) | 3; // busy 16-bit TSS
        gp(() -> ControlRegs.writeCr0(cpu, cpu.cr0 | Cpu.CR0_PG));
    }

    @Test
    void legacyPagingDoesNotTouchEfer() {
        Cpu cpu = SysCpus.prot32(0);
        ControlRegs.writeCr0(cpu, cpu.cr0 | Cpu.CR0_PG);
        assertEquals(0, cpu.efer);
        assertEquals("prot32+paging", cpu.modeName());
    }

    @Test
    void clearingPagingIn64BitModeFaults() {
        Cpu cpu = SysCpus.long64(0);
        CpuException e = gp(() -> ControlRegs.writeCr0(cpu, cpu.cr0 & ~Cpu.CR0_PG));
        assertTrue(e.reason.contains("64-bit"), e.reason);
        assertTrue(cpu.longModeActive());
    }

    @Test
    void clearingPagingInCompatibilityModeLeavesLongMode() {
        Cpu cpu = SysCpus.long64(0);
        SysCpus.loadCs(cpu, 0x18, SysCpus.CODE32);
        assertEquals("compat32", cpu.modeName());
        ControlRegs.writeCr0(cpu, cpu.cr0 & ~Cpu.CR0_PG);
        assertFalse(cpu.longModeActive());
        assertEquals(Cpu.EFER_LME, cpu.efer, "LME stays set, LMA clears");
        assertEquals("prot32", cpu.modeName());
        assertEquals(0, cpu.modeKey & Cpu.MK_LMA);
    }

    @Test
    void cr4Rules() {
        Cpu cpu = SysCpus.prot32(0);
        CpuException e = gp(() -> ControlRegs.writeCr4(cpu, Cpu.CR4_LA57)); // model without LA57
        assertTrue(e.reason.contains("reserved"), e.reason);
        gp(() -> ControlRegs.writeCr4(cpu, 1L << 13)); // VMXE: no VMX here
        gp(() -> ControlRegs.writeCr4(cpu, 1L << 32));
        gp(() -> ControlRegs.writeCr4(cpu, Cpu.CR4_PCIDE)); // no PCID in the model
        ControlRegs.writeCr4(cpu, Cpu.CR4_PAE | Cpu.CR4_PGE | Cpu.CR4_PSE | Cpu.CR4_OSFXSR);
        assertEquals(Cpu.CR4_PAE | Cpu.CR4_PGE | Cpu.CR4_PSE | Cpu.CR4_OSFXSR, cpu.cr4);
        assertTrue((cpu.modeKey & Cpu.MK_PAE) != 0);

        Cpu lm = SysCpus.long64(0);
        e = gp(() -> ControlRegs.writeCr4(lm, 0));
        assertTrue(e.reason.contains("PAE"), e.reason);
        assertEquals(Cpu.CR4_PAE, lm.cr4);
    }

    @Test
    void la57ChangesOnlyWithPagingOff() {
        Cpu cpu = SysCpus.real(true, CpuProfile.GENERIC);
        SysCpus.toProt32(cpu, 0);
        ControlRegs.writeCr4(cpu, Cpu.CR4_PAE | Cpu.CR4_LA57);
        assertTrue((cpu.modeKey & Cpu.MK_LA57) != 0);
        cpu.efer = Cpu.EFER_LME;
        ControlRegs.writeCr0(cpu, cpu.cr0 | Cpu.CR0_PG);
        assertTrue(cpu.longModeActive());
        CpuException e = gp(() -> ControlRegs.writeCr4(cpu, Cpu.CR4_PAE));
        assertTrue(e.reason.contains("LA57"), e.reason);
        // other bits may still change while LA57 stays
        ControlRegs.writeCr4(cpu, Cpu.CR4_PAE | Cpu.CR4_LA57 | Cpu.CR4_PGE);
        // paging off (compatibility mode), then LA57 may change
        ControlRegs.writeCr0(cpu, cpu.cr0 & ~Cpu.CR0_PG);
        ControlRegs.writeCr4(cpu, Cpu.CR4_PAE);
        assertEquals(0, cpu.modeKey & Cpu.MK_LA57);
    }

    @Test
    void cr3AndCr8() {
        Cpu lm = SysCpus.long64(0);
        gp(() -> ControlRegs.writeCr3(lm, 1L << 50)); // above MAXPHYADDR 46
        ControlRegs.writeCr(lm, 3, 0x5000 | 0x18);
        assertEquals(0x5018, lm.cr3);
        gp(() -> ControlRegs.writeCr(lm, 8, 0x10));
        ControlRegs.writeCr(lm, 8, 0xA);
        assertEquals(0xA, ControlRegs.readCr(lm, 8));
        // through the decoder: REX.R selects CR8
        lm.r[0] = 5;
        exec(lm, 0x44, 0x0F, 0x22, 0xC0); // mov %rax,%cr8
        assertEquals(5, lm.cr8);
        lm.r[0] = 0x1234_5678_9ABC_0000L;
        long rip = lm.rip;
        gp(() -> exec(lm, 0x0F, 0x22, 0xD8)); // mov %rax,%cr3 with reserved bits
        assertEquals(rip, lm.rip, "RIP restored to the faulting instruction");
        assertEquals(0x5018, lm.cr3);
        // legacy mode: 32-bit CR3
        Cpu pm = SysCpus.prot32(0);
        ControlRegs.writeCr3(pm, 0xFFFF_F000L);
        assertEquals(0xFFFF_F000L, pm.cr3);
    }

    @Test
    void tdxKeepsPeAndNe() {
        Cpu cpu = SysCpus.real(false, CpuProfile.TDX);
        SysCpus.toProt32(cpu, 0);
        cpu.cr0 |= Cpu.CR0_NE;
        CpuException e = gp(() -> ControlRegs.writeCr0(cpu, Cpu.CR0_PE | Cpu.CR0_ET));
        assertEquals("clearing CR0.NE is not allowed under tdx", e.reason);
        e = gp(() -> ControlRegs.writeCr0(cpu, Cpu.CR0_NE | Cpu.CR0_ET));
        assertEquals("clearing CR0.PE is not allowed under tdx", e.reason);
        ControlRegs.writeCr0(cpu, Cpu.CR0_PE | Cpu.CR0_NE | Cpu.CR0_MP);
        assertEquals(Cpu.CR0_PE | Cpu.CR0_NE | Cpu.CR0_MP | Cpu.CR0_ET, cpu.cr0);
        // generic lets both go
        Cpu generic = SysCpus.prot32(0);
        ControlRegs.writeCr0(generic, 0);
        assertFalse(generic.protectedMode());
    }

    @Test
    void debugRegisters() {
        Cpu cpu = SysCpus.prot32(0);
        ControlRegs.writeDr(cpu, 0, 0x1234);
        assertEquals(0x1234, ControlRegs.readDr(cpu, 0));
        // DR4/DR5 alias DR6/DR7 while CR4.DE is clear
        ControlRegs.writeDr(cpu, 5, 0x3);
        assertEquals(0x403, ControlRegs.readDr(cpu, 7));
        ControlRegs.writeDr(cpu, 4, 0xF);
        assertEquals(0xFFFF_0FFFL, ControlRegs.readDr(cpu, 6));
        cpu.cr4 |= Cpu.CR4_DE;
        ud(() -> ControlRegs.readDr(cpu, 4));
        ud(() -> ControlRegs.writeDr(cpu, 5, 0));
        ud(() -> ControlRegs.readDr(cpu, 8));
        // general detect: #DB, DR6.BD set, GD cleared for the handler
        ControlRegs.writeDr(cpu, 7, ControlRegs.DR7_GD);
        fault(Vectors.DB, 0, () -> ControlRegs.readDr(cpu, 0));
        assertTrue((cpu.dr[6] & ControlRegs.DR6_BD) != 0);
        assertEquals(0, cpu.dr[7] & ControlRegs.DR7_GD);
        // 64-bit: upper half of DR6/DR7 reserved
        Cpu lm = SysCpus.long64(0);
        gp(() -> ControlRegs.writeDr(lm, 7, 1L << 40));
        ControlRegs.writeDr(lm, 1, 0xFFFF_8000_0000_0000L);
        assertEquals(0xFFFF_8000_0000_0000L, lm.dr[1]);
        // through the decoder: mov %eax,%db3 / mov %db3,%ecx
        cpu.r[0] = 0xCAFE;
        cpu.dr[7] = 0x400;
        exec(cpu, 0x0F, 0x23, 0xD8);
        exec(cpu, 0x0F, 0x21, 0xD9);
        assertEquals(0xCAFE, cpu.r[Cpu.RCX]);
    }

    @Test
    void lmswSmswClts() {
        Cpu cpu = SysCpus.real();
        ControlRegs.lmsw(cpu, 0xFFFF); // only PE, MP, EM, TS
        assertEquals(Cpu.CR0_ET | Cpu.CR0_CD | Cpu.CR0_NW | 0xF, cpu.cr0);
        assertTrue(cpu.protectedMode());
        ControlRegs.lmsw(cpu, 0); // cannot clear PE
        assertEquals(Cpu.CR0_ET | Cpu.CR0_CD | Cpu.CR0_NW | Cpu.CR0_PE, cpu.cr0);
        ControlRegs.lmsw(cpu, 8);
        ControlRegs.clts(cpu);
        assertEquals(0, cpu.cr0 & Cpu.CR0_TS);
        assertEquals(cpu.cr0, ControlRegs.smsw(cpu));

        Cpu pm = SysCpus.prot32(0);
        pm.r[Cpu.RAX] = 0x8;
        exec(pm, 0x0F, 0x01, 0xF0); // lmsw %ax
        assertTrue((pm.cr0 & Cpu.CR0_TS) != 0);
        exec(pm, 0x0F, 0x06); // clts
        assertEquals(0, pm.cr0 & Cpu.CR0_TS);
        pm.r[Cpu.RBX] = -1;
        exec(pm, 0x0F, 0x01, 0xE3); // smsw %ebx
        assertEquals(pm.cr0, pm.r[Cpu.RBX]);
        pm.r[Cpu.RBX] = 0x100;
        exec(pm, 0x0F, 0x01, 0x23); // smsw (%ebx): 16 bits to memory
        assertEquals(pm.cr0 & 0xFFFF, pm.ram.read(0x100, 4));
    }

    @Test
    void umipBlocksSmswAtCpl3() {
        CpuModel std = CpuModel.standard(false);
        CpuModel umip = new CpuModel(std.vendor, std.family, std.model, std.stepping, std.features1Edx,
                std.features1Ecx, std.extEdx, std.extEcx, std.leaf7Ebx, std.leaf7Ecx | 1 << 2,
                std.physAddrBits, std.linearAddrBits, std.brand);
        Cpu cpu = new Cpu(0, umip, CpuProfile.GENERIC, new PhysicalMemory(1 << 20));
        SysCpus.toProt32(cpu, 0);
        ControlRegs.writeCr4(cpu, Cpu.CR4_UMIP);
        ControlRegs.smsw(cpu);
        SysCpus.toProt32(cpu, 3);
        gp(() -> ControlRegs.smsw(cpu));
    }
}
