package org.apboot.core.semantics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.decode.Insn;
import org.apboot.core.fault.CpuException;
import org.apboot.core.fault.Vectors;
import org.junit.jupiter.api.Test;

/**
 * Plain and locked data accesses that cross a page boundary, with the two linear pages mapped
 * to physical pages that are not adjacent: each byte goes to its own page, a write translates
 * both pages before writing either (a faulting instruction is restartable, Intel SDM vol. 3
 * section 6.5), and the #PF names the first byte of the page that faulted (CR2) with the error
 * code bits P, W/R and U/S of SDM vol. 3 section 4.7.
 */
class PageSplitAccessTest {
    private static final long PD = 0x20000, PT = 0x21000;
    /** 0x400000 -> 0x5000, 0x401000 -> 0x9000, 0x402000 -> 0xB000 read-only, 0x403000 absent,
     *  0x404000 -> 0xD000 supervisor only, 0x405000 -> 0xE000. */
    private static final long A = 0x400000, B = 0x401000, RO = 0x402000, ABSENT = 0x403000, SUPER = 0x404000;

    private static Cpu cpu(int cpl) {
        Cpu cpu = TestCpus.prot32(cpl);
        cpu.ram.write32(PD + 4, (int) PT | 7);
        cpu.ram.write32(PT, 0x5000 | 7);
        cpu.ram.write32(PT + 4, 0x9000 | 7);
        cpu.ram.write32(PT + 8, 0xB000 | 5);
        cpu.ram.write32(PT + 16, 0xD000 | 3);
        cpu.ram.write32(PT + 20, 0xE000 | 7);
        cpu.cr3 = PD;
        cpu.cr0 |= Cpu.CR0_PG | Cpu.CR0_WP;
        cpu.updateMode();
        return cpu;
    }

    private static void pageFault(long address, int errorCode, Runnable access) {
        CpuException e = assertThrows(CpuException.class, access::run);
        assertEquals(Vectors.PF, e.vector, e.toString());
        assertEquals(errorCode, e.errorCode, e.toString());
        assertEquals(address, e.faultAddress, e.toString());
    }

    @Test
    void aReadAcrossPagesJoinsBytesFromBothMappedPages() {
        Cpu cpu = cpu(0);
        cpu.ram.write16(0x5FFE, 0x2211);
        cpu.ram.write16(0x9000, 0x4433);
        cpu.ram.write16(0x6000, 0x9999);
        assertEquals(0x4433_2211L, Mem.readLinear(cpu, B - 2, 4, false));
        assertEquals(0x4433_2211L, Mem.read(cpu, Insn.DS, B - 2, 4));
        assertEquals(0x33_2211L, Mem.readLinear(cpu, B - 2, 3, false));
        assertEquals(0x2211, Mem.readLinear(cpu, B - 2, 2, false), "ends at the boundary: one page");
    }

    @Test
    void aWriteAcrossPagesPutsEachByteInItsOwnPage() {
        Cpu cpu = cpu(0);
        Mem.write(cpu, Insn.DS, B - 3, 4, 0xDDCC_BBAAL);
        assertEquals(0xAA, cpu.ram.read8(0x5FFD));
        assertEquals(0xCCBB, cpu.ram.read16(0x5FFE));
        assertEquals(0xDD, cpu.ram.read8(0x9000));
        assertEquals(0, cpu.ram.read8(0x6000), "the physically adjacent page is not touched");
        Mem.writeLinear(cpu, B - 1, 8, 0x0807_0605_0403_0201L, false);
        assertEquals(0x01, cpu.ram.read8(0x5FFF));
        assertEquals(0x0807_0605_0403_02L, cpu.ram.read64(0x9000) & 0xFF_FFFF_FFFF_FFFFL);
    }

    @Test
    void aWriteWhoseSecondPageIsReadOnlyWritesNothing() {
        Cpu cpu = cpu(0);
        cpu.ram.write32(0x9FFC, 0x1234_5678);
        pageFault(RO, 3, () -> Mem.writeLinear(cpu, RO - 2, 4, 0, false));
        pageFault(RO, 3, () -> Mem.write(cpu, Insn.DS, RO - 1, 2, 0));
        assertEquals(0x1234_5678, cpu.ram.read32(0x9FFC));
    }

    @Test
    void aReadWhoseSecondPageIsAbsentFaultsAtThatPage() {
        Cpu cpu = cpu(0);
        pageFault(ABSENT, 0, () -> Mem.readLinear(cpu, ABSENT - 2, 4, false));
        pageFault(ABSENT, 0, () -> Mem.read(cpu, Insn.DS, ABSENT - 1, 2));
    }

    @Test
    void userAccessesFaultOnSupervisorPagesAndSystemAccessesDoNot() {
        Cpu user = cpu(3);
        assertEquals(3, user.cpl);
        user.ram.write32(0xD000, 0xFEED_BEEF);
        pageFault(SUPER, 5, () -> Mem.read(user, Insn.DS, SUPER, 4));
        pageFault(SUPER, 7, () -> Mem.write(user, Insn.DS, SUPER, 4, 0));
        pageFault(SUPER + 0xFFE, 5, () -> Mem.readLinear(user, SUPER + 0xFFE, 4, true));
        pageFault(SUPER + 0xFFE, 7, () -> Mem.writeLinear(user, SUPER + 0xFFE, 4, 0, true));
        assertEquals(0xFEED_BEEFL, Mem.readSystem(user, SUPER, 4));
        Mem.writeSystem(user, SUPER, 4, 0x0BAD_F00DL);
        assertEquals(0x0BAD_F00D, user.ram.read32(0xD000));
        Cpu kernel = cpu(0);
        kernel.ram.write32(0xD000, 0x1111_2222);
        assertEquals(0x1111_2222L, Mem.read(kernel, Insn.DS, SUPER, 4));
        Mem.write(kernel, Insn.DS, SUPER, 4, 0x3333_4444L);
        assertEquals(0x3333_4444L, kernel.ram.read32(0xD000));
    }

    @Test
    void aUserCompareAndExchangeOnASupervisorPageFaultsWithTheUserBit() {
        Cpu user = cpu(3);
        pageFault(SUPER + 8, 7, () -> Mem.compareAndExchange(user, Insn.DS, SUPER + 8, 4, 0, 1));
        pageFault(SUPER + 0xFFE, 7, () -> Mem.compareAndExchange(user, Insn.DS, SUPER + 0xFFE, 4, 0, 1));
    }

    @Test
    void aLockedCompareAndExchangeAcrossPagesWritesBothPagesOnlyOnAMatch() {
        Cpu cpu = cpu(0);
        cpu.ram.write16(0x5FFE, 0x2211);
        cpu.ram.write16(0x9000, 0x4433);
        assertEquals(0x4433_2211L, Mem.compareAndExchange(cpu, Insn.DS, B - 2, 4, 0x4433_2210L, 0x8877_6655L));
        assertEquals(0x2211, cpu.ram.read16(0x5FFE), "no match: nothing written");
        assertEquals(0x4433, cpu.ram.read16(0x9000));
        assertEquals(0x4433_2211L, Mem.compareAndExchange(cpu, Insn.DS, B - 2, 4, 0x4433_2211L, 0x8877_6655L));
        assertEquals(0x6655, cpu.ram.read16(0x5FFE));
        assertEquals(0x8877, cpu.ram.read16(0x9000));
        assertEquals(0, cpu.ram.read16(0x6000));
    }

    @Test
    void aLockedCompareAndExchangeWhoseSecondPageIsReadOnlyWritesNothing() {
        Cpu cpu = cpu(0);
        cpu.ram.write32(0x9FFC, 0x1234_5678);
        cpu.ram.write32(0xB000, 0x1234_5678);
        pageFault(RO, 3, () -> Mem.compareAndExchange(cpu, Insn.DS, RO - 2, 4, 0x5678_1234L, 0));
        assertEquals(0x1234_5678, cpu.ram.read32(0x9FFC));
    }

    /** The second page is checked for writing before the locked read: a missing page is a write fault (W/R = 1). */
    @Test
    void aLockedCompareAndExchangeIntoAnAbsentPageIsAWriteFault() {
        Cpu cpu = cpu(0);
        long lastPresent = 0x405000, absent = 0x406000; // 0x405000 -> 0xE000, 0x406000 not mapped
        cpu.ram.write16(0xEFFE, 0x1234);
        pageFault(absent, 2, () -> Mem.compareAndExchange(cpu, Insn.DS, lastPresent + 0xFFE, 4, 0x1234, 0));
        assertEquals(0x1234, cpu.ram.read16(0xEFFE));
    }

    /** At CPL 3 the second page is checked as a user write: the error code has W/R and U/S set (6). */
    @Test
    void aUserLockedCompareAndExchangeIntoAnAbsentPageIsAUserWriteFault() {
        Cpu user = cpu(3);
        long lastPresent = 0x405000, absent = 0x406000;
        user.ram.write16(0xEFFE, 0x1234);
        pageFault(absent, 6, () -> Mem.compareAndExchange(user, Insn.DS, lastPresent + 0xFFE, 4, 0x1234, 0));
        assertEquals(0x1234, user.ram.read16(0xEFFE));
    }
}
