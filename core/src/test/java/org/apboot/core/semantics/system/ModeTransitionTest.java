package org.apboot.core.semantics.system;

import static org.apboot.core.semantics.system.SysCpus.gp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.CpuProfile;
import org.apboot.core.cpu.Mmu;
import org.apboot.core.fault.CpuException;
import org.apboot.core.fault.Vectors;
import org.apboot.core.semantics.ControlRegs;
import org.apboot.core.semantics.Msrs;
import org.apboot.core.semantics.SystemTables;
import org.junit.jupiter.api.Test;

/**
 * The mode transitions of AP bring-up, step by step through the semantics, with the expected
 * CR0/CR4/EFER and mode after each step. CS loads are done on the cache directly (what the far
 * jump between the steps does).
 */
class ModeTransitionTest {
    private static void state(Cpu cpu, String mode, long cr0, long cr4, long efer) {
        assertEquals(mode, cpu.modeName());
        assertEquals(cr0, cpu.cr0, "CR0");
        assertEquals(cr4, cpu.cr4, "CR4");
        assertEquals(efer, cpu.efer, "EFER");
    }

    /** Real mode -> protected -> long (4- or 5-level) and the identity map works. */
    private static void realToLong(Cpu cpu, boolean fiveLevel) {
        long et = Cpu.CR0_ET;
        state(cpu, "real16", et | Cpu.CR0_CD | Cpu.CR0_NW, 0, 0);
        ControlRegs.writeCr(cpu, 0, Cpu.CR0_PE | Cpu.CR0_NE);
        state(cpu, "prot16", et | Cpu.CR0_PE | Cpu.CR0_NE, 0, 0);
        SysCpus.loadCs(cpu, 0x08, SysCpus.CODE32); // ljmpl $0x08, $startup_32
        assertEquals("prot32", cpu.modeName());
        long cr4 = Cpu.CR4_PAE | (fiveLevel ? Cpu.CR4_LA57 : 0);
        ControlRegs.writeCr(cpu, 4, cr4);
        ControlRegs.writeCr(cpu, 3, SysCpus.identityTables(cpu, fiveLevel));
        long efer = Msrs.rdmsr(cpu, Msrs.IA32_EFER);
        if ((efer & Cpu.EFER_LME) == 0) {
            Msrs.wrmsr(cpu, Msrs.IA32_EFER, efer | Cpu.EFER_LME);
        }
        state(cpu, "prot32", et | Cpu.CR0_PE | Cpu.CR0_NE, cr4, Cpu.EFER_LME);
        ControlRegs.writeCr(cpu, 0, Cpu.CR0_PG | Cpu.CR0_WP | Cpu.CR0_NE | Cpu.CR0_PE);
        long cr0 = et | Cpu.CR0_PG | Cpu.CR0_WP | Cpu.CR0_NE | Cpu.CR0_PE;
        state(cpu, "compat32", cr0, cr4, Cpu.EFER_LME | Cpu.EFER_LMA);
        SysCpus.loadCs(cpu, 0x10, SysCpus.CODE64); // ljmpl $0x10, $startup_64
        state(cpu, "long64", cr0, cr4, Cpu.EFER_LME | Cpu.EFER_LMA);
        assertTrue((cpu.modeKey & Cpu.MK_CS_L) != 0);
        assertEquals(fiveLevel, (cpu.modeKey & Cpu.MK_LA57) != 0);
        assertEquals(0x123456L, cpu.mmu.translate(0x123456L, Mmu.READ, false), "identity map");
    }

    @Test
    void sipiPathFourLevel() {
        Cpu cpu = SysCpus.real();
        realToLong(cpu, false);
    }

    @Test
    void sipiPathFiveLevel() {
        Cpu cpu = SysCpus.real(true, CpuProfile.GENERIC);
        realToLong(cpu, true);
    }

    /**
     * The 64-bit wake-up path: 64-bit with 4-level tables -> compatibility mode -> paging off
     * (LMA cleared, PE and NE kept) -> LA57 on -> long mode again with 5-level tables; then back to
     * 4-level the same way.
     */
    @Test
    void mailboxPathSwitchesPagingLevels() {
        Cpu cpu = SysCpus.real(true, CpuProfile.GENERIC);
        realToLong(cpu, false);
        long lm = Cpu.EFER_LME | Cpu.EFER_LMA;
        // the zero 10-byte IDT descriptor of trampoline_start64
        SystemTables.lidt(cpu, 3, 0x7000, 8, 8);
        assertEquals(0, cpu.idtrBase);
        // LA57 cannot change in long mode
        gp(() -> ControlRegs.writeCr(cpu, 4, Cpu.CR4_PAE | Cpu.CR4_LA57));
        // paging cannot be turned off in 64-bit code
        gp(() -> ControlRegs.writeCr(cpu, 0, Cpu.CR0_PE | Cpu.CR0_NE));
        SysCpus.loadCs(cpu, 0x08, SysCpus.CODE32); // far jump to compatibility mode
        assertEquals("compat32", cpu.modeName());
        ControlRegs.writeCr(cpu, 0, Cpu.CR0_PE | Cpu.CR0_NE);
        state(cpu, "prot32", Cpu.CR0_ET | Cpu.CR0_PE | Cpu.CR0_NE, Cpu.CR4_PAE, Cpu.EFER_LME);
        // startup_32 again, now with 5-level paging
        ControlRegs.writeCr(cpu, 4, Cpu.CR4_PAE | Cpu.CR4_LA57);
        ControlRegs.writeCr(cpu, 3, SysCpus.identityTables(cpu, true));
        ControlRegs.writeCr(cpu, 0, Cpu.CR0_PG | Cpu.CR0_WP | Cpu.CR0_NE | Cpu.CR0_PE);
        assertEquals(lm, cpu.efer);
        SysCpus.loadCs(cpu, 0x10, SysCpus.CODE64);
        assertEquals("long64", cpu.modeName());
        assertTrue((cpu.modeKey & Cpu.MK_LA57) != 0);
        assertEquals(0x345678L, cpu.mmu.translate(0x345678L, Mmu.READ, false));
        // and back to 4-level
        SysCpus.loadCs(cpu, 0x08, SysCpus.CODE32);
        ControlRegs.writeCr(cpu, 0, Cpu.CR0_PE | Cpu.CR0_NE);
        ControlRegs.writeCr(cpu, 4, Cpu.CR4_PAE);
        ControlRegs.writeCr(cpu, 3, SysCpus.identityTables(cpu, false));
        ControlRegs.writeCr(cpu, 0, Cpu.CR0_PG | Cpu.CR0_PE | Cpu.CR0_NE);
        SysCpus.loadCs(cpu, 0x10, SysCpus.CODE64);
        assertEquals("long64", cpu.modeName());
        assertEquals(0, cpu.modeKey & Cpu.MK_LA57);
    }

    /** Leaving long mode entirely: compat, paging off, LME off, legacy paging, then real mode. */
    @Test
    void backToLegacyAndRealMode() {
        Cpu cpu = SysCpus.real();
        realToLong(cpu, false);
        SysCpus.loadCs(cpu, 0x08, SysCpus.CODE32);
        ControlRegs.writeCr(cpu, 0, Cpu.CR0_PE);
        Msrs.wrmsr(cpu, Msrs.IA32_EFER, 0);
        ControlRegs.writeCr(cpu, 4, 0); // PAE may go now
        ControlRegs.writeCr(cpu, 0, Cpu.CR0_PE | Cpu.CR0_PG);
        state(cpu, "prot32+paging", Cpu.CR0_ET | Cpu.CR0_PE | Cpu.CR0_PG, 0, 0);
        ControlRegs.writeCr(cpu, 0, Cpu.CR0_PE);
        ControlRegs.writeCr(cpu, 0, 0);
        assertEquals("real16", cpu.modeName());
        assertFalse(cpu.protectedMode());
    }

    /** Under tdx the 64-bit path must keep PE and NE and must not write EFER. */
    @Test
    void tdxMailboxPath() {
        Cpu cpu = SysCpus.real(false, CpuProfile.TDX);
        // firmware hands over in long mode
        ControlRegs.writeCr(cpu, 0, Cpu.CR0_PE | Cpu.CR0_NE);
        SysCpus.loadCs(cpu, 0x08, SysCpus.CODE32);
        ControlRegs.writeCr(cpu, 4, Cpu.CR4_PAE);
        ControlRegs.writeCr(cpu, 3, SysCpus.identityTables(cpu, false));
        cpu.efer = Cpu.EFER_LME; // set by firmware before handing over
        ControlRegs.writeCr(cpu, 0, Cpu.CR0_PG | Cpu.CR0_PE | Cpu.CR0_NE);
        SysCpus.loadCs(cpu, 0x10, SysCpus.CODE64);
        assertEquals("long64", cpu.modeName());
        SysCpus.loadCs(cpu, 0x08, SysCpus.CODE32);
        // a trampoline that also drops NE fails visibly
        CpuException e = gp(() -> ControlRegs.writeCr(cpu, 0, Cpu.CR0_PE));
        assertEquals("clearing CR0.NE is not allowed under tdx", e.reason);
        assertTrue(cpu.longModeActive(), "the faulting write changed nothing");
        ControlRegs.writeCr(cpu, 0, Cpu.CR0_PE | Cpu.CR0_NE);
        assertFalse(cpu.longModeActive());
        // reading EFER and skipping the write when LME is already set is the correct sequence
        assertEquals(Cpu.EFER_LME, Msrs.rdmsr(cpu, Msrs.IA32_EFER));
        // an unconditional write is a #VE
        e = SysCpus.fault(Vectors.VE, 0, () -> Msrs.wrmsr(cpu, Msrs.IA32_EFER, Cpu.EFER_LME));
        assertEquals("WRMSR to EFER raises #VE under tdx", e.reason);
        ControlRegs.writeCr(cpu, 0, Cpu.CR0_PG | Cpu.CR0_PE | Cpu.CR0_NE);
        assertTrue(cpu.longModeActive());
    }
}
