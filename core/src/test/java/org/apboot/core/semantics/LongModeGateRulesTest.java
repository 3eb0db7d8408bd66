package org.apboot.core.semantics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.decode.Insn;
import org.apboot.core.fault.CpuException;
import org.apboot.core.fault.TestCpus;
import org.apboot.core.fault.Vectors;
import org.junit.jupiter.api.Test;

/**
 * Interrupt delivery in IA-32e mode (SDM vol. 3 section 6.14): 16-byte IDT entries that must lie
 * wholly within the IDT limit, interrupt and trap gates only, canonical handler addresses, the
 * stack from ISTn, from RSPn of the handler's level when it is more privileged, else the current
 * one (a conforming handler keeps the level), the frame pushed as user accesses when the handler
 * runs at CPL 3, IF cleared by interrupt gates only, SS nulled only on a level change.
 */
class LongModeGateRulesTest {
    private static final long IDT = 0x2000, TSS = 0x3000;
    /** GDT slots this test adds: 64-bit conforming code DPL 0, 64-bit code DPL 1. */
    private static final int CONFORMING64 = 0x60, RING1_CODE64 = 0x68;

    private static void gate(Cpu cpu, int vector, long offset, int sel, int access, int ist) {
        cpu.ram.write64(IDT + 16L * vector, TestCpus.gate(offset, sel, access, ist));
        cpu.ram.write64(IDT + 16L * vector + 8, offset >>> 32);
    }

    private static Cpu cpu() {
        Cpu cpu = TestCpus.long64();
        cpu.ram.write64(TestCpus.GDT + CONFORMING64, TestCpus.seg(0, 0xFFFFF, 0x9E, 0xA));
        cpu.ram.write64(TestCpus.GDT + RING1_CODE64, TestCpus.seg(0, 0xFFFFF, 0xBA, 0xA));
        cpu.gdtrLimit = 0x7F;
        cpu.idtrBase = IDT;
        cpu.idtrLimit = 0xFFF;
        cpu.rip = 0x1234;
        SegmentLoads.ltr(cpu, TestCpus.TSS);
        return cpu;
    }

    private static Cpu user() {
        Cpu cpu = cpu();
        SegmentLoads.commitCode(cpu, TestCpus.UCODE64, cpu.ram.read64(TestCpus.GDT + 0x40), 3);
        SegmentLoads.load(cpu, Insn.SS, TestCpus.UDATA32);
        cpu.r[Cpu.RSP] = 0x7008;
        return cpu;
    }

    private static CpuException fault(int vector, int err, Runnable r) {
        CpuException e = assertThrows(CpuException.class, r::run);
        assertEquals(vector, e.vector, e.toString());
        assertEquals(err, e.errorCode, e.toString());
        return e;
    }

    @Test
    void theWholeSixteenByteEntryMustBeWithinTheLimit() {
        Cpu cpu = cpu();
        gate(cpu, 0x40, 0x5000, TestCpus.CODE64, 0xEE, 0);
        cpu.idtrLimit = 0x40 * 16 + 14;
        fault(Vectors.GP, 0x40 * 8 + 2, () -> ExceptionDelivery.deliverSoftwareInterrupt(cpu, 0x40, 0x1236));
        cpu.idtrLimit = 0x40 * 16 + 15;
        ExceptionDelivery.deliverSoftwareInterrupt(cpu, 0x40, 0x1236);
        assertEquals(0x5000, cpu.rip);
    }

    @Test
    void onlyInterruptAndTrapGates() {
        Cpu cpu = cpu();
        gate(cpu, 0x41, 0x5000, TestCpus.CODE64, 0xEC, 0); // a call gate
        fault(Vectors.GP, 0x41 * 8 + 2, () -> ExceptionDelivery.deliverSoftwareInterrupt(cpu, 0x41, 0x1236));
        assertEquals(0x1234, cpu.rip);
    }

    @Test
    void theHandlerAddressMustBeCanonical() {
        Cpu cpu = cpu();
        gate(cpu, 0x42, 0x0000_8000_0000_0000L, TestCpus.CODE64, 0xEE, 0);
        fault(Vectors.GP, 0, () -> ExceptionDelivery.deliverSoftwareInterrupt(cpu, 0x42, 0x1236));
    }

    @Test
    void sameLevelUsesTheCurrentStackAlignedAndKeepsSs() {
        Cpu cpu = cpu();
        gate(cpu, 0x43, 0x5000, TestCpus.CODE64, 0xEE, 0);
        cpu.r[Cpu.RSP] = 0x7008;
        ExceptionDelivery.deliverSoftwareInterrupt(cpu, 0x43, 0x1236);
        assertEquals(0x7000 - 40, cpu.r[Cpu.RSP]);
        assertEquals(0x1236, cpu.ram.read64(0x7000 - 40));
        assertEquals(0x7008, cpu.ram.read64(0x7000 - 16));
        assertEquals(TestCpus.DATA32, cpu.seg[Insn.SS].selector);
        assertEquals(0, cpu.cpl);
    }

    @Test
    void istNSelectsItsOwnStack() {
        Cpu cpu = cpu();
        cpu.ram.write64(TSS + 0x24 + 8, 0x9000); // IST2
        cpu.ram.write64(TSS + 0x24 + 48, 0xB000); // IST7
        gate(cpu, 0x44, 0x5000, TestCpus.CODE64, 0xEE, 2);
        gate(cpu, 0x45, 0x5000, TestCpus.CODE64, 0xEE, 7);
        ExceptionDelivery.deliverSoftwareInterrupt(cpu, 0x44, 0x1236);
        assertEquals(0x9000 - 40, cpu.r[Cpu.RSP]);
        ExceptionDelivery.deliverSoftwareInterrupt(cpu, 0x45, 0x1236);
        assertEquals(0xB000 - 40, cpu.r[Cpu.RSP]);
    }

    @Test
    void aMorePrivilegedHandlerTakesRspOfItsLevel() {
        Cpu cpu = user();
        cpu.ram.write64(TSS + 4, 0xA000); // RSP0
        cpu.ram.write64(TSS + 12, 0xC000); // RSP1
        gate(cpu, 0x46, 0x5000, RING1_CODE64, 0xEE, 0);
        ExceptionDelivery.deliverSoftwareInterrupt(cpu, 0x46, 0x1236);
        assertEquals(1, cpu.cpl);
        assertEquals(0xC000 - 40, cpu.r[Cpu.RSP]);
        assertEquals(TestCpus.UDATA32, cpu.ram.read64(0xC000 - 8));
        assertEquals(1, cpu.seg[Insn.SS].selector, "a null SS with RPL = the new CPL");
    }

    @Test
    void aConformingHandlerKeepsTheLevelAndPushesAsTheUser() {
        Cpu cpu = user();
        cpu.ram.write64(TSS + 4, 0xA000);
        gate(cpu, 0x47, 0x5000, CONFORMING64, 0xEE, 0);
        ExceptionDelivery.deliverSoftwareInterrupt(cpu, 0x47, 0x1236);
        assertEquals(3, cpu.cpl);
        assertEquals(0x7000 - 40, cpu.r[Cpu.RSP]);
        assertEquals(TestCpus.UDATA32, cpu.seg[Insn.SS].selector);
        // the same with the stack on a supervisor-only page: the frame write is a user access
        Cpu sup = user();
        sup.ram.write64(TestCpus.PML4 + 0x2000, 0x83); // linear 0..2 MiB: no U bit
        sup.mmu.flushAll();
        gate(sup, 0x47, 0x5000, CONFORMING64, 0xEE, 0);
        fault(Vectors.PF, 7, () -> ExceptionDelivery.deliverSoftwareInterrupt(sup, 0x47, 0x1236));
    }

    @Test
    void interruptGatesClearIfTrapGatesDoNot() {
        Cpu cpu = cpu();
        gate(cpu, 0x48, 0x5000, TestCpus.CODE64, 0xEE, 0);
        gate(cpu, 0x49, 0x5000, TestCpus.CODE64, 0xEF, 0);
        cpu.r[Cpu.RSP] = 0x7000;
        Flags.setRflags(cpu, Cpu.IF | Cpu.TF | Cpu.NT, -1L);
        ExceptionDelivery.deliverSoftwareInterrupt(cpu, 0x48, 0x1236);
        assertEquals(2L, Flags.rflags(cpu));
        Flags.setRflags(cpu, Cpu.IF | Cpu.TF | Cpu.NT, -1L);
        ExceptionDelivery.deliverSoftwareInterrupt(cpu, 0x49, 0x1236);
        assertEquals(Cpu.IF | 2L, Flags.rflags(cpu));
    }

    @Test
    void anErrorCodeIsTheSixthSlot() {
        Cpu cpu = cpu();
        gate(cpu, Vectors.GP, 0x5000, TestCpus.CODE64, 0x8E, 0);
        cpu.r[Cpu.RSP] = 0x7000;
        ExceptionDelivery.deliver(cpu, CpuException.gp(0x1234, "test"));
        assertEquals(0x7000 - 48, cpu.r[Cpu.RSP]);
        assertEquals(0x1234, cpu.ram.read64(0x7000 - 48));
        assertEquals(0x1234, cpu.ram.read64(0x7000 - 40), "the return address");
    }
}
