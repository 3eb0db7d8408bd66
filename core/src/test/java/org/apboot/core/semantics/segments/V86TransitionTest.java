package org.apboot.core.semantics.segments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.Segment;
import org.apboot.core.decode.Insn;
import org.apboot.core.fault.CpuException;
import org.apboot.core.fault.TestCpus;
import org.apboot.core.semantics.ExceptionDelivery;
import org.apboot.core.semantics.Flags;
import org.apboot.core.semantics.SegmentLoads;
import org.junit.jupiter.api.Test;

/**
 * Entering virtual-8086 mode with IRETD at CPL 0 (VM set in the popped EFLAGS: the frame also
 * holds ESP, SS, ES, DS, FS, GS) and leaving it through an interrupt or exception gate to CPL 0
 * (the handler's stack, from the TSS, receives GS, FS, DS, ES, SS, ESP, EFLAGS, CS, EIP and the
 * error code; DS, ES, FS, GS are loaded with null selectors; VM is cleared), and back: Intel SDM
 * vol. 2 IRET and INT n pseudo-code, vol. 3 section 20.3.1.
 */
class V86TransitionTest {
    private static final long TSS_BASE = 0x3000, IDT = 0x6000, HANDLER = 0x7000;
    private static final long RING0_STACK = 0x9000;
    private static final int[] SREGS = {0x1000, 0x2000, 0x3000, 0x4000, 0x5000, 0x6000}; // CS SS ES DS FS GS
    private static final long V86_FLAGS = Cpu.VM | Cpu.IF | Cpu.IOPL | Cpu.CF | 0x2;

    private static Cpu kernel() {
        Cpu cpu = TestCpus.prot32();
        SegmentLoads.ltr(cpu, TestCpus.TSS);
        cpu.ram.write32(TSS_BASE + 4, (int) RING0_STACK);  // ESP0
        cpu.ram.write32(TSS_BASE + 8, TestCpus.DATA32);     // SS0
        for (int v = 0; v < 0x41; v++) {
            // interrupt gates to the CPL-0 handler; DPL 3 so INT n from v86 (IOPL 3) may use them
            cpu.ram.write64(IDT + 8L * v, TestCpus.gate(HANDLER, TestCpus.CODE32, 0xEE, 0));
        }
        cpu.idtrBase = IDT;
        cpu.idtrLimit = 0x41 * 8 - 1;
        return cpu;
    }

    /** The CPU in v86 mode at 1000:0010, stack 2000:0100, entered by IRETD from CPL 0. */
    private static Cpu enterV86(long flags) {
        Cpu cpu = kernel();
        long sp = 0x8000 - 36;
        long[] frame = {0x0010, SREGS[0], flags, 0x0100, SREGS[1], SREGS[2], SREGS[3], SREGS[4], SREGS[5]};
        for (int i = 0; i < frame.length; i++) {
            cpu.ram.write32(sp + 4L * i, (int) frame[i]);
        }
        cpu.r[Cpu.RSP] = sp;
        cpu.rip = 0x500;
        org.apboot.core.semantics.TestCpus.exec(cpu, (byte) 0xCF); // iretd
        return cpu;
    }

    private static void assertV86State(Cpu cpu, long ip, long sp, long flags) {
        assertEquals("v86", cpu.modeName());
        assertEquals(3, cpu.cpl);
        int[] order = {Insn.CS, Insn.SS, Insn.ES, Insn.DS, Insn.FS, Insn.GS};
        for (int i = 0; i < 6; i++) {
            Segment s = cpu.seg[order[i]];
            assertEquals(SREGS[i], s.selector, "selector " + i);
            assertEquals((long) SREGS[i] << 4, s.base, "base " + i);
            assertEquals(0xFFFF, s.limit, "limit " + i);
            // present, S, DPL 3, accessed, 16-bit; read/write data (CS: a code type here, which
            // only the VMX guest-state checks could tell apart; writes through CS are checked below)
            assertEquals(order[i] == Insn.CS ? 0xFB : 0xF3, s.attrs & 0xF0FF, "attributes " + i);
        }
        assertEquals(ip, cpu.rip);
        assertEquals(sp, cpu.r[Cpu.RSP]);
        assertEquals(flags, Flags.rflags(cpu));
    }

    @Test
    void iretdAtCpl0WithVmEntersV86Mode() {
        Cpu cpu = enterV86(V86_FLAGS);
        assertV86State(cpu, 0x10, 0x100, V86_FLAGS);
    }

    @Test
    void iretdAtCpl3IgnoresVm() {
        Cpu cpu = kernel();
        SegmentLoads.commitCode(cpu, TestCpus.UCODE32, cpu.ram.read64(TestCpus.GDT + 0x30), 3);
        SegmentLoads.load(cpu, Insn.SS, TestCpus.UDATA32);
        cpu.r[Cpu.RSP] = 0x8000;
        cpu.ram.write32(0x8000, 0x1234);
        cpu.ram.write32(0x8004, TestCpus.UCODE32);
        cpu.ram.write32(0x8008, (int) (Cpu.VM | Cpu.CF | 0x2));
        org.apboot.core.semantics.TestCpus.exec(cpu, (byte) 0xCF);
        assertFalse(cpu.v86());
        assertEquals(0x1234, cpu.rip);
        assertEquals(0x800C, cpu.r[Cpu.RSP], "a same-privilege frame: three dwords");
        assertEquals(Cpu.CF | 0x2, Flags.rflags(cpu) & (Cpu.VM | Cpu.CF | 0x2));
        assertEquals("prot32", cpu.modeName());
    }

    /** The CPL-0 side after leaving v86: stack frame, segments, flags. */
    private static void assertLeft(Cpu cpu, long returnIp, boolean errorCode, long flagsImage) {
        assertEquals("prot32", cpu.modeName());
        assertEquals(0, cpu.cpl);
        assertEquals(HANDLER, cpu.rip);
        assertEquals(TestCpus.CODE32, cpu.seg[Insn.CS].selector);
        assertEquals(TestCpus.DATA32, cpu.seg[Insn.SS].selector);
        for (int s : new int[] {Insn.ES, Insn.DS, Insn.FS, Insn.GS}) {
            assertEquals(0, cpu.seg[s].selector, "null selector in " + s);
        }
        long sp = RING0_STACK - 36 - (errorCode ? 4 : 0);
        assertEquals(sp, cpu.r[Cpu.RSP]);
        long p = sp;
        if (errorCode) {
            assertEquals(0, cpu.ram.read32(p), "error code");
            p += 4;
        }
        long[] want = {returnIp, SREGS[0], flagsImage, 0x100, SREGS[1], SREGS[2], SREGS[3], SREGS[4], SREGS[5]};
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], cpu.ram.read32(p + 4L * i) & 0xFFFF_FFFFL, "frame dword " + i);
        }
        assertEquals(0, Flags.rflags(cpu) & (Cpu.VM | Cpu.IF | Cpu.TF | Cpu.NT | Cpu.RF), "VM, IF, TF, NT, RF cleared");
    }

    @Test
    void intNLeavesV86ThroughAnInterruptGateAndIretdReturns() {
        Cpu cpu = enterV86(V86_FLAGS);
        ExceptionDelivery.deliverSoftwareInterrupt(cpu, 0x40, 0x12);
        assertLeft(cpu, 0x12, false, V86_FLAGS);
        // the handler returns with IRETD: back into v86 exactly where it was
        cpu.rip = HANDLER;
        org.apboot.core.semantics.TestCpus.exec(cpu, (byte) 0xCF);
        assertV86State(cpu, 0x12, 0x100, V86_FLAGS);
    }

    @Test
    void aFaultInV86PushesTheErrorCodeAboveTheV86Frame() {
        long flags = Cpu.VM | Cpu.IF | 0x2; // IOPL 0: CLI faults
        Cpu cpu = enterV86(flags);
        CpuException e = org.junit.jupiter.api.Assertions.assertThrows(CpuException.class,
                () -> org.apboot.core.semantics.TestCpus.exec(cpu, (byte) 0xFA)); // cli
        assertEquals(13, e.vector);
        assertEquals(0x10, cpu.rip, "a fault reports the instruction");
        ExceptionDelivery.deliver(cpu, e);
        // a fault pushes RF set (SDM vol. 3 section 18.3.1.1), so the restarted CLI cannot trap
        assertLeft(cpu, 0x10, true, flags | Cpu.RF);
    }

    @Test
    void v86SegmentsAreWritableThroughEveryRegisterAndLimitedTo64KiB() {
        Cpu cpu = enterV86(V86_FLAGS);
        cpu.r[Cpu.RAX] = 0x5A;
        byte[][] stores = {
            {0x2E, (byte) 0xA2, 0x20, 0x00}, {0x36, (byte) 0xA2, 0x20, 0x00}, {0x26, (byte) 0xA2, 0x20, 0x00},
            {0x3E, (byte) 0xA2, 0x20, 0x00}, {0x64, (byte) 0xA2, 0x20, 0x00}, {0x65, (byte) 0xA2, 0x20, 0x00}};
        for (int i = 0; i < 6; i++) {
            cpu.rip = 0x10;
            org.apboot.core.semantics.TestCpus.exec(cpu, stores[i]); // mov %al,%seg:0x20
            assertEquals(0x5A, cpu.ram.read8(((long) SREGS[i] << 4) + 0x20), "store through segment " + i);
        }
        // a word at offset FFFF crosses the 64 KiB limit: #GP(0) (SS: #SS(0))
        cpu.rip = 0x10;
        CpuException e = org.junit.jupiter.api.Assertions.assertThrows(CpuException.class,
                () -> org.apboot.core.semantics.TestCpus.exec(cpu, (byte) 0xA3, (byte) 0xFF, (byte) 0xFF));
        assertEquals(13, e.vector);
    }
}
