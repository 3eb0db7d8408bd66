package org.apboot.core.semantics.segments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.decode.Insn;
import org.apboot.core.fault.CpuException;
import org.apboot.core.fault.TestCpus;
import org.apboot.core.fault.Vectors;
import org.apboot.core.semantics.ExceptionDelivery;
import org.apboot.core.semantics.FlagOps;
import org.apboot.core.semantics.Flags;
import org.apboot.core.semantics.Returns;
import org.apboot.core.semantics.SegmentLoads;
import org.junit.jupiter.api.Test;

/**
 * Virtual-8086 mode extensions (CR4.VME) and protected-mode virtual interrupts (CR4.PVI), Intel
 * SDM vol. 3 sections 20.3-20.4 and the CLI/STI/PUSHF/POPF/INT n/IRET pseudo-code of vol. 2.
 */
class VmeTest {
    private static final int TSS = 0x80;
    private static final long TSS_BASE = 0x20000;
    /** I/O map base: the redirection bitmap is the 32 bytes below it (0x68..0x87). */
    private static final int IO_BASE = 0x88;

    /** v86 mode at 1000:0010, stack 2000:0100, a 32-bit TSS whose redirection bitmap clears only INT 0x21. */
    private static Cpu v86(int iopl, boolean vme) {
        Cpu cpu = TestCpus.prot32();
        cpu.ram.write64(TestCpus.GDT + TSS, TestCpus.seg(TSS_BASE, IO_BASE, 0x89, 0));
        cpu.gdtrLimit = TSS + 7;
        SegmentLoads.ltr(cpu, TSS);
        cpu.ram.write16(TSS_BASE + 0x66, IO_BASE);
        for (int i = 0; i < 32; i++) {
            cpu.ram.write8(TSS_BASE + IO_BASE - 32 + i, 0xFF);
        }
        cpu.ram.write8(TSS_BASE + IO_BASE - 32 + 4, 0xFD); // bit 0x21 clear
        if (vme) {
            cpu.cr4 |= Cpu.CR4_VME;
        }
        Flags.setRflags(cpu, Cpu.VM | Cpu.IF | ((long) iopl << 12) | 0x2, 0x3F_7FD5L);
        SegmentLoads.loadCodeReal(cpu, 0x1000);
        for (int s : new int[] {Insn.ES, Insn.SS, Insn.DS, Insn.FS, Insn.GS}) {
            SegmentLoads.load(cpu, s, 0x2000);
        }
        cpu.r[Cpu.RSP] = 0x100;
        cpu.rip = 0x10;
        // the program's own interrupt table: INT 0x21 -> 5000:0400
        cpu.ram.write16(0x21 * 4, 0x0400);
        cpu.ram.write16(0x21 * 4 + 2, 0x5000);
        return cpu;
    }

    private static void gp0(Runnable r) {
        CpuException e = assertThrows(CpuException.class, r::run);
        assertEquals(Vectors.GP, e.vector, e.toString());
        assertEquals(0, e.errorCode, e.toString());
    }

    private static boolean set(Cpu cpu, long flag) {
        return (Flags.rflags(cpu) & flag) != 0;
    }

    @Test
    void cliStiWorkOnVifUnderVme() {
        Cpu cpu = v86(0, true);
        assertEquals("v86", cpu.modeName());
        Flags.setRflags(cpu, Cpu.VIF, Cpu.VIF);
        FlagOps.cli(cpu);
        assertTrue(!set(cpu, Cpu.VIF), "CLI clears VIF");
        assertTrue(set(cpu, Cpu.IF), "IF untouched");
        FlagOps.sti(cpu);
        assertTrue(set(cpu, Cpu.VIF), "STI sets VIF");
        FlagOps.cli(cpu);
        Flags.setRflags(cpu, Cpu.VIP, Cpu.VIP);
        gp0(() -> FlagOps.sti(cpu));
        assertTrue(!set(cpu, Cpu.VIF));
        // without VME the same instructions fault; with IOPL 3 they change IF
        Cpu plain = v86(0, false);
        gp0(() -> FlagOps.cli(plain));
        gp0(() -> FlagOps.sti(plain));
        Cpu iopl3 = v86(3, true);
        FlagOps.cli(iopl3);
        assertTrue(!set(iopl3, Cpu.IF));
    }

    @Test
    void pushfAndPopfVirtualiseIf() {
        Cpu cpu = v86(0, true);
        Flags.setRflags(cpu, Cpu.VIF | Cpu.CF, Cpu.VIF | Cpu.IF | Cpu.CF); // IF = 0, VIF = 1
        // FLAGS image: IF from VIF, IOPL reads 3
        assertEquals(Cpu.IF | Cpu.IOPL | Cpu.CF | 0x2, FlagOps.pushfValue(cpu, 2));
        gp0(() -> FlagOps.pushfValue(cpu, 4));
        // POPF: IF and IOPL unchanged, VIF from the popped IF, other bits written
        FlagOps.checkPopf(cpu);
        FlagOps.popf(cpu, 2, Cpu.ZF | 0x2);
        assertTrue(!set(cpu, Cpu.VIF));
        assertTrue(!set(cpu, Cpu.IF));
        assertEquals(0, FlagOps.iopl(cpu));
        assertTrue(set(cpu, Cpu.ZF) && !set(cpu, Cpu.CF));
        FlagOps.popf(cpu, 2, Cpu.IF | Cpu.IOPL | 0x2);
        assertTrue(set(cpu, Cpu.VIF));
        assertTrue(!set(cpu, Cpu.IF));
        assertEquals(0, FlagOps.iopl(cpu));
        gp0(() -> FlagOps.popf(cpu, 2, Cpu.TF | 0x2));
        gp0(() -> FlagOps.popf(cpu, 4, 0x2));
        Flags.setRflags(cpu, Cpu.VIP, Cpu.VIP);
        gp0(() -> FlagOps.popf(cpu, 2, Cpu.IF | 0x2));
        FlagOps.popf(cpu, 2, 0x2);
        assertTrue(!set(cpu, Cpu.VIF));
    }

    @Test
    void intNRedirectedToTheProgramsInterruptTableAndIretBack() {
        Cpu cpu = v86(0, true);
        Flags.setRflags(cpu, Cpu.VIF, Cpu.VIF);
        ExceptionDelivery.deliverSoftwareInterrupt(cpu, 0x21, 0x12);
        assertEquals("v86", cpu.modeName());
        assertEquals(0x5000, cpu.seg[Insn.CS].selector);
        assertEquals(0x50000, cpu.seg[Insn.CS].base);
        assertEquals(0x400, cpu.rip);
        assertEquals(0xFA, cpu.r[Cpu.RSP]);
        assertEquals(0x12, cpu.ram.read16(0x200FA));
        assertEquals(0x1000, cpu.ram.read16(0x200FC));
        assertEquals(Cpu.IF | Cpu.IOPL | 0x2, cpu.ram.read16(0x200FE), "IF image from VIF, IOPL 3");
        assertTrue(!set(cpu, Cpu.VIF), "VIF cleared");
        assertTrue(set(cpu, Cpu.IF), "the real IF is untouched");

        Returns.iret(cpu, 2);
        assertEquals(0x12, cpu.rip);
        assertEquals(0x1000, cpu.seg[Insn.CS].selector);
        assertEquals(0x100, cpu.r[Cpu.RSP]);
        assertTrue(set(cpu, Cpu.VIF), "VIF from the popped IF");
        assertEquals(0, FlagOps.iopl(cpu), "IOPL unchanged");
        assertTrue(set(cpu, Cpu.IF));
    }

    @Test
    void iretUnderVmeChecksTfAndVip() {
        Cpu cpu = v86(0, true);
        cpu.ram.write16(0x20100, 0x20);
        cpu.ram.write16(0x20102, 0x1000);
        cpu.ram.write16(0x20104, (int) (Cpu.TF | 0x2));
        gp0(() -> Returns.iret(cpu, 2));
        cpu.ram.write16(0x20104, (int) (Cpu.IF | 0x2));
        Flags.setRflags(cpu, Cpu.VIP, Cpu.VIP);
        gp0(() -> Returns.iret(cpu, 2));
        gp0(() -> Returns.iret(cpu, 4));
        assertEquals(0x100, cpu.r[Cpu.RSP]);
    }

    @Test
    void redirectionBitmapSelectsTheMethod() {
        // bit set, IOPL < 3: #GP(0) to the monitor
        Cpu cpu = v86(0, true);
        gp0(() -> ExceptionDelivery.deliverSoftwareInterrupt(cpu, 0x20, 0x12));
        // bit clear, IOPL 3: the real FLAGS are pushed and IF is cleared
        Cpu io3 = v86(3, true);
        Flags.setRflags(io3, Cpu.TF, Cpu.TF);
        ExceptionDelivery.deliverSoftwareInterrupt(io3, 0x21, 0x12);
        assertEquals(0x400, io3.rip);
        assertEquals(Cpu.IF | Cpu.IOPL | Cpu.TF | 0x2, io3.ram.read16(0x200FE));
        assertTrue(!set(io3, Cpu.IF));
        assertTrue(!set(io3, Cpu.TF), "TF cleared");
        // no VME: INT n with IOPL < 3 is #GP(0) whatever the bitmap says
        Cpu plain = v86(0, false);
        gp0(() -> ExceptionDelivery.deliverSoftwareInterrupt(plain, 0x21, 0x12));
        // a bitmap byte beyond the TSS limit is #GP(0)
        Cpu shortTss = v86(0, true);
        shortTss.ram.write16(TSS_BASE + 0x66, 0xF0);
        gp0(() -> ExceptionDelivery.deliverSoftwareInterrupt(shortTss, 0x21, 0x12));
    }

    @Test
    void pviVirtualisesCliStiAtCpl3() {
        Cpu cpu = TestCpus.prot32();
        SegmentLoads.commitCode(cpu, TestCpus.UCODE32, cpu.ram.read64(TestCpus.GDT + 0x30), 3);
        Flags.setRflags(cpu, Cpu.IF | Cpu.VIF, Cpu.IF | Cpu.VIF | Cpu.IOPL);
        gp0(() -> FlagOps.cli(cpu));
        cpu.cr4 |= Cpu.CR4_PVI;
        FlagOps.cli(cpu);
        assertTrue(!set(cpu, Cpu.VIF));
        assertTrue(set(cpu, Cpu.IF));
        FlagOps.sti(cpu);
        assertTrue(set(cpu, Cpu.VIF));
        Flags.setRflags(cpu, Cpu.VIP, Cpu.VIP | Cpu.VIF);
        gp0(() -> FlagOps.sti(cpu));
        // PUSHF is not virtualised by PVI: the real IF is pushed
        assertEquals(Cpu.IF | Cpu.VIP | 0x2, FlagOps.pushfValue(cpu, 4) & ~Cpu.ARITH_FLAGS);
        // CPL 0 always changes IF
        Cpu k = TestCpus.prot32();
        k.cr4 |= Cpu.CR4_PVI;
        Flags.setRflags(k, Cpu.IF, Cpu.IF);
        FlagOps.cli(k);
        assertTrue(!set(k, Cpu.IF));
    }
}
