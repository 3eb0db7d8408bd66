package org.apboot.core.semantics.system;

import static org.apboot.core.semantics.system.SysCpus.gp;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.Mmu;
import org.apboot.core.decode.Insn;
import org.apboot.core.fault.Vectors;
import org.apboot.core.semantics.SystemTables;
import org.junit.jupiter.api.Test;

/**
 * LGDT/LIDT/SGDT/SIDT, INVLPG and CLFLUSH (SDM vol. 2): the pseudo-descriptor's base read after
 * its limit at the address size, a non-canonical base refused in 64-bit mode, SGDT/SIDT refused
 * at CPL &gt; 0 under CR4.UMIP and written as user accesses at CPL 3 after both ends are checked,
 * INVLPG dropping the translation of the page it names (FS/GS bases added in 64-bit mode,
 * linear addresses cut to 32 bits outside it), CLFLUSH faulting as a user read at CPL 3.
 */
class DescriptorTableRegisterTest {
    private static final long PD = SysCpus.PT_BASE + 0x3000;

    @Test
    void theBaseFollowsTheLimitAtThe32BitAddressSize() {
        Cpu cpu = SysCpus.prot32(0);
        cpu.ram.write(0xFFFE, 2, 0x3FF);
        cpu.ram.write(0x1_0000, 4, 0x0012_3456L);
        cpu.ram.write(0x0000, 4, 0x0065_4321L);
        SystemTables.lgdt(cpu, Insn.DS, 0xFFFE, 4, 4);
        assertEquals(0x3FF, cpu.gdtrLimit);
        assertEquals(0x12_3456L, cpu.gdtrBase); // at 0x10000, not wrapped to 0
        SystemTables.lidt(cpu, Insn.DS, 0xFFFE, 2, 4);
        assertEquals(0x65_4321L, cpu.idtrBase); // 16-bit address size: wrapped to 0
    }

    @Test
    void theBaseFollowsTheLimitAtThe64BitAddressSize() {
        Cpu cpu = SysCpus.long64(0);
        // map linear 0xFFE0_0000..0xFFFF_FFFF to physical 4 MiB; 4 GiB and up stays unmapped
        long pd2 = SysCpus.PT_BASE + 0x4000;
        cpu.ram.write(SysCpus.PT_BASE + 0x2000 + 3 * 8, 8, pd2 | 3);
        cpu.ram.write(pd2 + 511 * 8, 8, 0x40_0000 | 0x83);
        cpu.mmu.flushAll();
        cpu.ram.write(0x5F_FFFE, 2, 0xFFF); // linear 0xFFFF_FFFE
        // the base at linear 0x1_0000_0000 is not mapped; cut to 32 bits it would be (at 0)
        SysCpus.fault(Vectors.PF, 0, () -> SystemTables.lgdt(cpu, Insn.DS, 0xFFFF_FFFEL, 8, 4));
    }

    @Test
    void aNonCanonicalBaseIsRefusedIn64BitMode() {
        Cpu cpu = SysCpus.long64(0);
        cpu.ram.write(0x3000, 2, 0xFFF);
        cpu.ram.write(0x3002, 8, 0x0000_8000_0000_0000L);
        gp(() -> SystemTables.lgdt(cpu, Insn.DS, 0x3000, 8, 8));
        gp(() -> SystemTables.lidt(cpu, Insn.DS, 0x3000, 8, 8));
        cpu.ram.write(0x3002, 8, 0xFFFF_8000_0000_0000L);
        SystemTables.lgdt(cpu, Insn.DS, 0x3000, 8, 8);
        assertEquals(0xFFFF_8000_0000_0000L, cpu.gdtrBase);
        // 57-bit linear addresses: canonical
        Cpu la57 = SysCpus.long64(0);
        la57.cr4 |= Cpu.CR4_LA57;
        la57.ram.write(0x3000, 2, 0xFFF);
        la57.ram.write(0x3002, 8, 0x0000_8000_0000_0000L);
        SystemTables.lidt(la57, Insn.DS, 0x3000, 8, 8);
        assertEquals(0x0000_8000_0000_0000L, la57.idtrBase);
    }

    @Test
    void umipRefusesStoresAboveCpl0() {
        Cpu cpu = SysCpus.prot32(3);
        cpu.cr4 |= Cpu.CR4_UMIP;
        gp(() -> SystemTables.sgdt(cpu, Insn.DS, 0x3000, 4));
        gp(() -> SystemTables.sidt(cpu, Insn.DS, 0x3000, 4));
        assertEquals(0, cpu.ram.read(0x3000, 2));
    }

    @Test
    void storesAtCpl3AreUserAccesses() {
        Cpu cpu = SysCpus.long64(3);
        cpu.gdtrLimit = 0x7F;
        SysCpus.fault(Vectors.PF, 7, () -> SystemTables.sgdt(cpu, Insn.DS, 0x3000, 8));
        assertEquals(0, cpu.ram.read(0x3000, 2));
    }

    @Test
    void bothEndsAreCheckedBeforeTheLimitIsWritten() {
        Cpu cpu = SysCpus.long64(0);
        cpu.idtrLimit = 0xFFF;
        cpu.idtrBase = 0x1234;
        long at = (16 << 20) - 4; // the base's last bytes lie past the map
        SysCpus.fault(Vectors.PF, 2, () -> SystemTables.sidt(cpu, Insn.DS, at, 8));
        assertEquals(0, cpu.ram.read(at, 2));
    }

    @Test
    void aStoreMayEndOnTheLastMappedByte() {
        Cpu cpu = SysCpus.long64(0);
        cpu.idtrLimit = 0xFFF;
        cpu.idtrBase = 0xFFFF_8000_0000_1000L;
        long at = (16 << 20) - 10;
        SystemTables.sidt(cpu, Insn.DS, at, 8);
        assertEquals(0xFFF, cpu.ram.read(at, 2));
        assertEquals(0xFFFF_8000_0000_1000L, cpu.ram.read(at + 2, 8));
    }

    @Test
    void invlpgTakes57BitAddressesAsCanonicalUnderLa57() {
        Cpu cpu = SysCpus.real(true, org.apboot.core.cpu.CpuProfile.GENERIC);
        SysCpus.toProt32(cpu, 0);
        cpu.cr3 = SysCpus.identityTables(cpu, true);
        cpu.cr4 = Cpu.CR4_PAE | Cpu.CR4_LA57;
        cpu.efer = Cpu.EFER_LME | Cpu.EFER_LMA;
        cpu.cr0 |= Cpu.CR0_PG | Cpu.CR0_NE;
        SysCpus.loadCs(cpu, 0x08, SysCpus.CODE64);
        assertEquals(0x60_0000L, fresh(cpu, 0x60_0000L));
        cpu.ram.write(PD + 3 * 8, 8, 0x80_0000 | 0x83);
        assertEquals(0x60_0000L, fresh(cpu, 0x60_0000L), "stale until invalidated");
        // canonical with 57 bits, not with 48: INVLPG acts (and a cached large page drops everything)
        SystemTables.invlpg(cpu, Insn.DS, 0x0000_8000_0000_0000L);
        assertEquals(0x80_0000L, fresh(cpu, 0x60_0000L));
    }

    @Test
    void sidtStoresLimitAndBase() {
        Cpu cpu = SysCpus.prot32(0);
        cpu.idtrLimit = 0x7FF;
        cpu.idtrBase = 0x0012_3000L;
        SystemTables.sidt(cpu, Insn.DS, 0x3000, 4);
        assertEquals(0x7FF, cpu.ram.read(0x3000, 2));
        assertEquals(0x0012_3000L, cpu.ram.read(0x3002, 4));
    }

    private static long fresh(Cpu cpu, long linear) {
        return cpu.mmu.translate(linear, Mmu.READ, false);
    }

    /**
     * Maps linear 6 MiB..8 MiB with 4 KiB pages (an INVLPG of a large page may drop every
     * entry, which would hide which page it named), caches linear 6 MiB and then remaps it to
     * physical 8 MiB.
     */
    private static Cpu remapped() {
        Cpu cpu = SysCpus.long64(0);
        long pt = SysCpus.PT_BASE + 0x5000;
        for (int i = 0; i < 512; i++) {
            cpu.ram.write(pt + 8L * i, 8, (0x60_0000L + 0x1000L * i) | 3);
        }
        cpu.ram.write(PD + 3 * 8, 8, pt | 3);
        cpu.mmu.flushAll();
        assertEquals(0x60_0000L, fresh(cpu, 0x60_0000L));
        cpu.ram.write(pt, 8, 0x80_0000 | 3);
        assertEquals(0x60_0000L, fresh(cpu, 0x60_0000L), "stale until invalidated");
        return cpu;
    }

    @Test
    void invlpgDropsThePageItNames() {
        Cpu cpu = remapped();
        SystemTables.invlpg(cpu, Insn.DS, 0x60_1000L); // another page
        assertEquals(0x60_0000L, fresh(cpu, 0x60_0000L));
        SystemTables.invlpg(cpu, Insn.DS, 0x60_0123L);
        assertEquals(0x80_0000L, fresh(cpu, 0x60_0000L));
    }

    @Test
    void invlpgAddsTheFsBaseIn64BitMode() {
        Cpu cpu = remapped();
        cpu.seg[Insn.FS].base = 0x3000;
        SystemTables.invlpg(cpu, Insn.FS, 0x5F_D000L);
        assertEquals(0x80_0000L, fresh(cpu, 0x60_0000L));
    }

    @Test
    void invlpgIgnoresTheDsBaseIn64BitMode() {
        Cpu cpu = remapped();
        cpu.seg[Insn.DS].base = 0x3000; // ignored in 64-bit mode
        SystemTables.invlpg(cpu, Insn.DS, 0x5F_D000L);
        assertEquals(0x60_0000L, fresh(cpu, 0x60_0000L), "linear 0x5FD000 was named, not 0x600000");
    }

    @Test
    void invlpgOfANonCanonicalAddressDoesNothing() {
        Cpu cpu = remapped();
        SystemTables.invlpg(cpu, Insn.DS, 0x0000_8000_0060_0000L);
        assertEquals(0x60_0000L, fresh(cpu, 0x60_0000L));
    }

    @Test
    void invlpgOutside64BitModeAddsTheBaseAndCutsTo32Bits() {
        Cpu cpu = remapped();
        SysCpus.loadCs(cpu, 0x18, SysCpus.CODE32); // compatibility mode
        cpu.seg[Insn.DS].base = 0x3000;
        SystemTables.invlpg(cpu, Insn.DS, 0x1_005F_D000L);
        assertEquals(0x80_0000L, fresh(cpu, 0x60_0000L));
    }

    @Test
    void clflushAtCpl3IsAUserRead() {
        Cpu cpu = SysCpus.long64(3);
        SysCpus.fault(Vectors.PF, 5, () -> SystemTables.clflush(cpu, Insn.DS, 0x3000));
        SystemTables.clflush(SysCpus.long64(0), Insn.DS, 0x3000);
    }
}
