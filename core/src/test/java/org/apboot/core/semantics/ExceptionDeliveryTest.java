package org.apboot.core.semantics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.apboot.core.cpu.Cpu;
import org.apboot.core.decode.Insn;
import org.apboot.core.fault.CpuException;
import org.apboot.core.fault.TestCpus;
import org.apboot.core.fault.Vectors;
import org.junit.jupiter.api.Test;

/**
 * Event delivery (Intel SDM vol. 3 chapter 6): IVT frames, IDT gates with and without privilege
 * change, 64-bit frames with IST and alignment, error codes of delivery faults (index * 8 + IDT
 * bit 2 + EXT bit 1), and the double/triple-fault rules of table 6-5.
 */
class ExceptionDeliveryTest {
    private static final long IDT = 0x2000;

    private static void gate32(Cpu cpu, int vector, long offset, int sel, int access) {
        cpu.ram.write64(IDT + 8L * vector, TestCpus.gate(offset, sel, access, 0));
    }

    private static void gate64(Cpu cpu, int vector, long offset, int sel, int access, int ist) {
        cpu.ram.write64(IDT + 16L * vector, TestCpus.gate(offset, sel, access, ist));
        cpu.ram.write64(IDT + 16L * vector + 8, offset >>> 32);
    }

    private static Cpu prot32WithIdt() {
        Cpu cpu = TestCpus.prot32();
        cpu.idtrBase = IDT;
        cpu.idtrLimit = 0x7FF;
        cpu.rip = 0x1234;
        return cpu;
    }

    // ---------------------------------------------------------------- real mode

    @Test
    void realModeIvtFrame() {
        Cpu cpu = TestCpus.real();
        cpu.idtrBase = 0;
        cpu.idtrLimit = 0x3FF;
        cpu.ram.write32(0x40, (0x1234 << 16) | 0x5678);
        SegmentLoads.loadCodeReal(cpu, 0x2000);
        SegmentLoads.load(cpu, Insn.SS, 0x3000);
        cpu.r[Cpu.RSP] = 0x200;
        Flags.setRflags(cpu, Cpu.IF | Cpu.TF | Cpu.CF, -1L);
        ExceptionDelivery.deliverSoftwareInterrupt(cpu, 0x10, 0x102);
        assertEquals(0x1FA, cpu.r[Cpu.RSP]);
        assertEquals(0x0102, cpu.ram.read16(0x301FA));
        assertEquals(0x2000, cpu.ram.read16(0x301FC));
        assertEquals(0x0303, cpu.ram.read16(0x301FE));
        assertEquals(0x1234, cpu.seg[Insn.CS].selector);
        assertEquals(0x12340, cpu.seg[Insn.CS].base);
        assertEquals(0x5678, cpu.rip);
        assertEquals(Cpu.CF | 2, Flags.rflags(cpu));
    }

    @Test
    void realModeZeroIdtShutsDown() {
        Cpu cpu = TestCpus.real();
        cpu.idtrLimit = 0;
        ExceptionDelivery.deliver(cpu, CpuException.ud("bad opcode"));
        assertTrue(cpu.shutdown);
        assertTrue(cpu.halted);
        List<String> chain = cpu.faultChain;
        assertEquals(6, chain.size(), chain.toString());
        assertTrue(chain.get(0).startsWith("#UD in real16 at cs:rip 0xf000:0xfff0: bad opcode"), chain.get(0));
        assertTrue(chain.get(1).startsWith("#GP(0x33)"), chain.get(1));
        assertTrue(chain.get(2).startsWith("#GP(0x6b)"), chain.get(2));
        assertTrue(chain.get(3).startsWith("#DF(0x0)"), chain.get(3));
        assertTrue(chain.get(4).startsWith("#GP(0x43)"), chain.get(4));
        assertEquals("triple fault", chain.get(5));
        assertTrue(cpu.shutdownReason.startsWith("triple fault"), cpu.shutdownReason);
    }

    // ---------------------------------------------------------------- protected mode

    @Test
    void protectedZeroIdtTripleFault() {
        Cpu cpu = TestCpus.prot32();
        cpu.idtrBase = 0;
        cpu.idtrLimit = 0;
        cpu.rip = 0x1234;
        ExceptionDelivery.deliver(cpu, CpuException.gp(0, "test"));
        assertTrue(cpu.shutdown);
        List<String> chain = cpu.faultChain;
        assertEquals(List.of(
                "#GP(0x0) in prot32 at cs:rip 0x8:0x1234: test",
                "#GP(0x6b) in prot32 at cs:rip 0x8:0x1234: IDT entry 13 beyond the IDT limit 0x0",
                "#DF(0x0) in prot32 at cs:rip 0x8:0x1234: #GP while delivering #GP",
                "#GP(0x43) in prot32 at cs:rip 0x8:0x1234: IDT entry 8 beyond the IDT limit 0x0",
                "triple fault"), chain);
        assertEquals(0x1234, cpu.rip, "state is left at the faulting instruction");
    }

    @Test
    void interruptGateSamePrivilegeFrame() {
        Cpu cpu = prot32WithIdt();
        gate32(cpu, 13, 0x4000, TestCpus.CODE32, 0x8E);
        Flags.setRflags(cpu, Cpu.IF | Cpu.CF, -1L);
        ExceptionDelivery.deliver(cpu, CpuException.gp(0x18, "x"));
        assertFalse(cpu.shutdown);
        assertEquals(0x7FF0, cpu.r[Cpu.RSP]);
        assertEquals(0x18, cpu.ram.read32(0x7FF0));
        assertEquals(0x1234, cpu.ram.read32(0x7FF4));
        assertEquals(0x08, cpu.ram.read32(0x7FF8));
        assertEquals(0x2 | Cpu.IF | Cpu.CF | Cpu.RF, cpu.ram.read32(0x7FFC) & 0xFFFF_FFFFL,
                "fault-class exceptions push RF set");
        assertEquals(0x4000, cpu.rip);
        assertEquals(Cpu.CF | 2, Flags.rflags(cpu), "interrupt gate clears IF");
    }

    private static Cpu user32WithTss() {
        Cpu cpu = prot32WithIdt();
        cpu.ram.write32(0x3004, 0x9000);            // ESP0
        cpu.ram.write32(0x3008, TestCpus.DATA32);   // SS0
        SegmentLoads.ltr(cpu, TestCpus.TSS);
        SegmentLoads.commitCode(cpu, TestCpus.UCODE32, cpu.ram.read64(TestCpus.GDT + 0x30), 3);
        SegmentLoads.load(cpu, Insn.SS, TestCpus.UDATA32);
        SegmentLoads.load(cpu, Insn.DS, TestCpus.UDATA32);
        cpu.r[Cpu.RSP] = 0x7000;
        Flags.setRflags(cpu, Cpu.IF, -1L);
        return cpu;
    }

    @Test
    void trapGateWithStackSwitch() {
        Cpu cpu = user32WithTss();
        assertEquals(3, cpu.cpl);
        assertEquals(0x8B, cpu.ram.read8(TestCpus.GDT + TestCpus.TSS + 5), "LTR marks the TSS busy");
        gate32(cpu, 0x80, 0x4400, TestCpus.CODE32, 0xEF);
        ExceptionDelivery.deliverSoftwareInterrupt(cpu, 0x80, 0x5555);
        assertEquals(0, cpu.cpl);
        assertEquals(TestCpus.DATA32, cpu.seg[Insn.SS].selector);
        assertEquals(0x8FEC, cpu.r[Cpu.RSP]);
        assertEquals(0x5555, cpu.ram.read32(0x8FEC));
        assertEquals(0x33, cpu.ram.read32(0x8FF0));
        assertEquals(0x202, cpu.ram.read32(0x8FF4));
        assertEquals(0x7000, cpu.ram.read32(0x8FF8));
        assertEquals(0x3B, cpu.ram.read32(0x8FFC));
        assertEquals(0x4400, cpu.rip);
        assertTrue((Flags.rflags(cpu) & Cpu.IF) != 0, "trap gate keeps IF");
    }

    @Test
    void softwareInterruptGateDplCheck() {
        Cpu cpu = user32WithTss();
        gate32(cpu, 0x81, 0x4400, TestCpus.CODE32, 0x8E);
        long rsp = cpu.r[Cpu.RSP];
        CpuException e = assertThrows(CpuException.class,
                () -> ExceptionDelivery.deliverSoftwareInterrupt(cpu, 0x81, 0x5555));
        assertEquals(Vectors.GP, e.vector);
        assertEquals(0x81 * 8 + 2, e.errorCode);
        assertEquals(rsp, cpu.r[Cpu.RSP]);
        assertEquals(3, cpu.cpl);
    }

    @Test
    void notPresentGateBecomesDoubleFault() {
        Cpu cpu = prot32WithIdt();
        gate32(cpu, 13, 0x4000, TestCpus.CODE32, 0x0E);  // not present
        gate32(cpu, 8, 0x4800, TestCpus.CODE32, 0x8E);
        ExceptionDelivery.deliver(cpu, CpuException.gp(0, "x"));
        assertFalse(cpu.shutdown);
        assertEquals(0x4800, cpu.rip);
        assertEquals(0, cpu.ram.read32(0x7FF0), "#DF pushes error code 0");
        assertEquals(3, cpu.faultChain.size());
        assertTrue(cpu.faultChain.get(1).startsWith("#NP(0x6b)"), cpu.faultChain.get(1));
        assertTrue(cpu.faultChain.get(2).startsWith("#DF(0x0)"), cpu.faultChain.get(2));
    }

    @Test
    void benignThenContributoryIsSerial() {
        Cpu cpu = prot32WithIdt();
        gate32(cpu, 6, 0x4000, TestCpus.CODE32, 0x0E);   // not present
        gate32(cpu, 11, 0x4C00, TestCpus.CODE32, 0x8E);
        ExceptionDelivery.deliver(cpu, CpuException.ud("x"));
        assertEquals(0x4C00, cpu.rip);
        assertEquals(6 * 8 + 2 + 1, cpu.ram.read32(0x7FF0));
    }

    @Test
    void externalInterruptWakesAndReturnsToRip() {
        Cpu cpu = prot32WithIdt();
        gate32(cpu, 0x20, 0x4000, TestCpus.CODE32, 0x8E);
        cpu.halted = true;
        ExceptionDelivery.deliverExternal(cpu, 0x20);
        assertFalse(cpu.halted);
        assertEquals(0x1234, cpu.ram.read32(0x7FF4));
        assertEquals(0x2, cpu.ram.read32(0x7FFC), "no RF for interrupts");
        assertEquals(0x4000, cpu.rip);
    }

    @Test
    void pageFaultSetsCr2() {
        Cpu cpu = prot32WithIdt();
        gate32(cpu, 14, 0x4000, TestCpus.CODE32, 0x8E);
        ExceptionDelivery.deliver(cpu, CpuException.pf(6, 0xDEAD000));
        assertEquals(0xDEAD000L, cpu.cr2);
        assertEquals(6, cpu.ram.read32(0x7FF0));
    }

    // ---------------------------------------------------------------- IA-32e mode

    private static Cpu long64WithIdt() {
        Cpu cpu = TestCpus.long64();
        cpu.idtrBase = IDT;
        cpu.idtrLimit = 0xFFF;
        cpu.rip = 0x1234;
        // 64-bit TSS: same GDT slot, upper half zero
        SegmentLoads.ltr(cpu, TestCpus.TSS);
        return cpu;
    }

    @Test
    void longModeIstFrameAligned() {
        Cpu cpu = long64WithIdt();
        cpu.ram.write64(0x3000 + 0x24, 0x9008);          // IST1
        gate64(cpu, 14, 0x4000, TestCpus.CODE64, 0x8E, 1);
        cpu.r[Cpu.RSP] = 0x7777;
        ExceptionDelivery.deliver(cpu, CpuException.pf(2, 0xDEAD000));
        assertEquals(0x8FD0, cpu.r[Cpu.RSP]);
        assertEquals(2, cpu.ram.read64(0x8FD0));
        assertEquals(0x1234, cpu.ram.read64(0x8FD8));
        assertEquals(TestCpus.CODE64, cpu.ram.read64(0x8FE0));
        assertEquals(0x2 | Cpu.RF, cpu.ram.read64(0x8FE8));
        assertEquals(0x7777, cpu.ram.read64(0x8FF0));
        assertEquals(TestCpus.DATA32, cpu.ram.read64(0x8FF8));
        assertEquals(0x4000, cpu.rip);
        assertEquals(0xDEAD000L, cpu.cr2);
    }

    @Test
    void longModePrivilegeChangeLoadsNullSs() {
        Cpu cpu = long64WithIdt();
        cpu.ram.write64(0x3000 + 4, 0xA000);             // RSP0
        gate64(cpu, 0x80, 0xFFFF_FFFF_8000_0000L, TestCpus.CODE64, 0xEE, 0);
        SegmentLoads.commitCode(cpu, TestCpus.UCODE64, cpu.ram.read64(TestCpus.GDT + 0x40), 3);
        SegmentLoads.load(cpu, Insn.SS, TestCpus.UDATA32);
        cpu.r[Cpu.RSP] = 0x7000;
        ExceptionDelivery.deliverSoftwareInterrupt(cpu, 0x80, 0x5555);
        assertEquals(0, cpu.cpl);
        assertEquals(0, cpu.seg[Insn.SS].selector);
        assertEquals(0xA000 - 40, cpu.r[Cpu.RSP]);
        assertEquals(0x5555, cpu.ram.read64(0xA000 - 40));
        assertEquals(TestCpus.UCODE64, cpu.ram.read64(0xA000 - 32));
        assertEquals(0x7000, cpu.ram.read64(0xA000 - 16));
        assertEquals(TestCpus.UDATA32, cpu.ram.read64(0xA000 - 8));
        assertEquals(0xFFFF_FFFF_8000_0000L, cpu.rip);
    }

    @Test
    void virtualizationExceptionWithZeroIdtShutsDown() {
        Cpu cpu = TestCpus.long64();
        cpu.idtrBase = 0;
        cpu.idtrLimit = 0;
        cpu.rip = 0x1000;
        ExceptionDelivery.deliver(cpu, CpuException.ve("WRMSR to EFER"));
        assertTrue(cpu.shutdown);
        List<String> chain = cpu.faultChain;
        assertEquals(5, chain.size(), chain.toString());
        assertEquals("#VE in long64 at cs:rip 0x18:0x1000: WRMSR to EFER", chain.get(0));
        assertTrue(chain.get(1).startsWith("#GP(0xa3) in long64"), chain.get(1));
        assertTrue(chain.get(2).startsWith("#DF(0x0)"), chain.get(2));
        assertTrue(chain.get(3).startsWith("#GP(0x43)"), chain.get(3));
        assertEquals("triple fault", chain.get(4));
    }
}
