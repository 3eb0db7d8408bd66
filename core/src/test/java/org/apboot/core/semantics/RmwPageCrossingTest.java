package org.apboot.core.semantics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.fault.CpuException;
import org.apboot.core.fault.Vectors;
import org.junit.jupiter.api.Test;

/**
 * Read-modify-write operands that cross a page boundary, with the two linear pages mapped to
 * physical pages that are not adjacent: the bytes must land in both mapped pages, and a fault on
 * the second page (not present, or read-only) must leave the first page unwritten and the flags
 * unchanged: both pages are translated for writing before either is written (Intel SDM vol. 3
 * section 6.5, a faulting instruction is restartable).
 */
class RmwPageCrossingTest {
    private static final long PD = 0x20000, PT = 0x21000;
    private static final long LOW = 0x400000, HIGH = 0x401000, RO = 0x403000, ABSENT = 0x405000;

    /**
     * 32-bit paging, CR0.WP set: LOW -> 0x5000, HIGH -> 0x9000 (not 0x6000), LOW+0x2000 ->
     * 0xB000 and RO (read-only) -> 0xC000, LOW+0x4000 -> 0xD000 and ABSENT not present.
     */
    private static Cpu cpu() {
        return cpu(0);
    }

    private static Cpu cpu(int cpl) {
        Cpu cpu = TestCpus.prot32(cpl);
        cpu.ram.write32(PD + 4, (int) PT | 7);
        cpu.ram.write32(PT, 0x5000 | 7);
        cpu.ram.write32(PT + 4, 0x9000 | 7);
        cpu.ram.write32(PT + 8, 0xB000 | 7);
        cpu.ram.write32(PT + 12, 0xC000 | 5);
        cpu.ram.write32(PT + 16, 0xD000 | 7);
        cpu.ram.write32(PT + 20, 0xE000 | 6);
        cpu.cr3 = PD;
        cpu.cr0 |= Cpu.CR0_PG | Cpu.CR0_WP;
        cpu.updateMode();
        return cpu;
    }

    @Test
    void addDwordAcrossPagesWritesBothMappedPages() {
        Cpu cpu = cpu();
        cpu.ram.write16(0x5FFE, 0x2211);
        cpu.ram.write16(0x9000, 0x4433);
        cpu.ram.write16(0x6000, 0x7766); // what lies physically after the first page
        cpu.r[Cpu.RBX] = HIGH - 2;
        cpu.r[Cpu.RAX] = 0x0101_0101L;
        TestCpus.exec(cpu, (byte) 0x01, (byte) 0x03); // add %eax,(%ebx)
        assertEquals(0x2312, cpu.ram.read16(0x5FFE));
        assertEquals(0x4534, cpu.ram.read16(0x9000));
        assertEquals(0x7766, cpu.ram.read16(0x6000), "the physically adjacent page is not touched");
    }

    @Test
    void lockedIncAcrossPagesWritesBothMappedPages() {
        Cpu cpu = cpu();
        cpu.ram.write8(0x5FFF, 0xFF);
        cpu.ram.write8(0x9000, 0x12);
        cpu.r[Cpu.RBX] = HIGH - 1;
        TestCpus.exec(cpu, (byte) 0xF0, (byte) 0x66, (byte) 0xFF, (byte) 0x03); // lock incw (%ebx)
        assertEquals(0x00, cpu.ram.read8(0x5FFF));
        assertEquals(0x13, cpu.ram.read8(0x9000));
        assertEquals(0, cpu.ram.read8(0x6000));
    }

    @Test
    void xchgAcrossPagesWritesBothMappedPages() {
        Cpu cpu = cpu();
        cpu.ram.write32(0x5FFC, 0xAABB_CCDD);
        cpu.ram.write32(0x9000, 0x1122_3344);
        cpu.r[Cpu.RBX] = HIGH - 2;
        cpu.r[Cpu.RAX] = 0x5566_7788L;
        TestCpus.exec(cpu, (byte) 0x87, (byte) 0x03); // xchg %eax,(%ebx)
        assertEquals(0x3344_AABBL, cpu.r[Cpu.RAX]);
        assertEquals(0x7788_CCDDL, cpu.ram.read32(0x5FFC) & 0xFFFF_FFFFL);
        assertEquals(0x1122_5566L, cpu.ram.read32(0x9000) & 0xFFFF_FFFFL);
    }

    @Test
    void secondPageNotPresentLeavesFirstPageUnwritten() {
        Cpu cpu = cpu();
        cpu.ram.write32(0xDFFC, 0x1234_5678);
        Flags.setArith(cpu, Cpu.ZF);
        cpu.r[Cpu.RBX] = ABSENT - 2;
        cpu.r[Cpu.RAX] = 1;
        CpuException e = assertThrows(CpuException.class,
                () -> TestCpus.exec(cpu, (byte) 0x01, (byte) 0x03)); // add %eax,(%ebx)
        assertEquals(Vectors.PF, e.vector);
        assertEquals(2, e.errorCode, "not present, write, supervisor");
        assertEquals(ABSENT, e.faultAddress);
        assertEquals(0x1234_5678, cpu.ram.read32(0xDFFC));
        assertEquals(Cpu.ZF, Flags.arith(cpu), "flags unchanged");
    }

    @Test
    void secondPageReadOnlyLeavesFirstPageUnwritten() {
        Cpu cpu = cpu();
        cpu.ram.write32(0xBFFC, 0x1234_5678);
        cpu.r[Cpu.RBX] = RO - 1;
        for (byte[] code : new byte[][] {
            {(byte) 0xF7, (byte) 0x13},              // notl (%ebx)
            {(byte) 0xF0, (byte) 0x0F, (byte) 0xC1, (byte) 0x03}, // lock xadd %eax,(%ebx)
            {(byte) 0xD1, (byte) 0x23},              // shll (%ebx)
        }) {
            CpuException e = assertThrows(CpuException.class, () -> TestCpus.exec(cpu, code));
            assertEquals(Vectors.PF, e.vector);
            assertEquals(3, e.errorCode, "protection, write, supervisor");
            assertEquals(RO, e.faultAddress);
            assertEquals(0x1234_5678, cpu.ram.read32(0xBFFC));
        }
    }

    @Test
    void firstPageReadOnlyFaultsAtTheOperand() {
        Cpu cpu = cpu();
        cpu.r[Cpu.RBX] = RO + 0xFFE; // the read-only page, then a writable one
        cpu.ram.write16(0xD000, 0x5555);
        CpuException e = assertThrows(CpuException.class, () -> TestCpus.exec(cpu, (byte) 0xF7, (byte) 0x13));
        assertEquals(RO + 0xFFE, e.faultAddress);
        assertEquals(0x5555, cpu.ram.read16(0xD000), "second page unwritten");
    }

    @Test
    void userModeRmwOnASupervisorPageFaultsWithTheUserBit() {
        Cpu cpu = cpu(3);
        cpu.ram.write32(PT + 24, 0xF000 | 3); // 0x406000: supervisor only
        cpu.ram.write32(0xF000, 7);
        cpu.r[Cpu.RBX] = 0x406000;
        cpu.r[Cpu.RAX] = 1;
        CpuException e = assertThrows(CpuException.class,
                () -> TestCpus.exec(cpu, (byte) 0x01, (byte) 0x03)); // add %eax,(%ebx)
        assertEquals(Vectors.PF, e.vector);
        assertEquals(7, e.errorCode, "protection, write, user");
        assertEquals(7, cpu.ram.read32(0xF000));
    }
}
