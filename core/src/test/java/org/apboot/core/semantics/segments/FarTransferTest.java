package org.apboot.core.semantics.segments;

import static org.apboot.core.fault.TestCpus.assertFault;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.decode.Insn;
import org.apboot.core.decode.Op;
import org.apboot.core.fault.TestCpus;
import org.apboot.core.fault.Vectors;
import org.apboot.core.interp.ExecutorTable;
import org.apboot.core.semantics.FarTransfers;
import org.apboot.core.semantics.Flags;
import org.apboot.core.semantics.Returns;
import org.apboot.core.semantics.SegmentLoads;
import org.apboot.core.semantics.SystemCalls;
import org.junit.jupiter.api.Test;

/** Far JMP/CALL/RET, call gates, IRET/IRETQ and fast system calls (Intel SDM vol. 2 and 3 ch. 5). */
class FarTransferTest {
    private static final int GATE = 0x60;

    /** {@code ljmpl *(%rax)} in 64-bit mode: m16:32, into a 32-bit (compatibility-mode) segment. */
    @Test
    void indirectFarJumpFrom64ToCompat() {
        Cpu cpu = TestCpus.long64();
        cpu.ram.write32(0x6000, 0x0000_2000);
        cpu.ram.write16(0x6004, TestCpus.CODE32);
        cpu.r[Cpu.RAX] = 0x6000;
        cpu.rip = 0x1006;
        Insn i = new Insn();
        i.op = Op.JMP_FAR;
        i.mode = 64;
        i.opSize = 4;
        i.addrSize = 8;
        i.src = Insn.K_RM;
        i.base = Cpu.RAX;
        i.seg = Insn.DS;
        i.length = 2;
        ExecutorTable.get(Op.JMP_FAR).execute(cpu, i);
        assertEquals(0x2000, cpu.rip);
        assertEquals(TestCpus.CODE32, cpu.seg[Insn.CS].selector);
        assertEquals(32, cpu.codeSize);
        assertEquals("compat32", cpu.modeName());
        assertEquals(0, cpu.cpl);
        assertTrue((cpu.modeKey & Cpu.MK_LMA) != 0);
        // and back to 64-bit mode with a direct far jump from compatibility mode
        FarTransfers.jmpFar(cpu, TestCpus.CODE64, 0x3000, 4);
        assertEquals(64, cpu.codeSize);
        assertEquals(0x3000, cpu.rip);
    }

    @Test
    void farJumpChecks() {
        Cpu cpu = TestCpus.prot32();
        assertFault(Vectors.GP, 0, () -> FarTransfers.jmpFar(cpu, 0, 0, 4));
        assertFault(Vectors.GP, TestCpus.UCODE32 & ~3, () -> FarTransfers.jmpFar(cpu, TestCpus.UCODE32, 0, 4));
        assertFault(Vectors.GP, TestCpus.DATA32, () -> FarTransfers.jmpFar(cpu, TestCpus.DATA32, 0, 4));
        assertFault(Vectors.GP, 0, () -> FarTransfers.jmpFar(cpu, TestCpus.CODE16, 0x10000, 4));
        FarTransfers.jmpFar(cpu, TestCpus.CODE16, 0xFFF0, 4);
        assertEquals(16, cpu.codeSize);
        // conforming DPL-3 code from CPL 0 is not allowed (DPL > CPL)
        assertFault(Vectors.GP, 0x58, () -> FarTransfers.jmpFar(cpu, TestCpus.CODE32_DPL3_CONF, 0, 4));
    }

    @Test
    void realModeFarCallAndReturn() {
        Cpu cpu = TestCpus.real();
        SegmentLoads.loadCodeReal(cpu, 0x1000);
        SegmentLoads.load(cpu, Insn.SS, 0);
        cpu.r[Cpu.RSP] = 0x8000;
        cpu.rip = 0x0105;
        FarTransfers.callFar(cpu, 0x2000, 0x0010, 2);
        assertEquals(0x7FFC, cpu.r[Cpu.RSP]);
        assertEquals(0x0105, cpu.ram.read16(0x7FFC));
        assertEquals(0x1000, cpu.ram.read16(0x7FFE));
        assertEquals(0x20000, cpu.seg[Insn.CS].base);
        assertEquals(0x10, cpu.rip);
        FarTransfers.retFar(cpu, 2, 0);
        assertEquals(0x8000, cpu.r[Cpu.RSP]);
        assertEquals(0x10000, cpu.seg[Insn.CS].base);
        assertEquals(0x105, cpu.rip);
    }

    @Test
    void callGateWithPrivilegeChangeAndParameters() {
        Cpu cpu = TestCpus.prot32();
        cpu.ram.write32(0x3004, 0x9000);
        cpu.ram.write32(0x3008, TestCpus.DATA32);
        SegmentLoads.ltr(cpu, TestCpus.TSS);
        // 32-bit call gate, DPL 3, 2 dword parameters, to CODE32:0x4000
        cpu.ram.write64(TestCpus.GDT + GATE, TestCpus.gate(0x4000, TestCpus.CODE32, 0xEC, 0) | (2L << 32));
        SegmentLoads.commitCode(cpu, TestCpus.UCODE32, cpu.ram.read64(TestCpus.GDT + 0x30), 3);
        SegmentLoads.load(cpu, Insn.SS, TestCpus.UDATA32);
        SegmentLoads.load(cpu, Insn.DS, TestCpus.UDATA32);
        cpu.r[Cpu.RSP] = 0x7000;
        cpu.ram.write32(0x7000, 0x1111_1111);
        cpu.ram.write32(0x7004, 0x2222_2222);
        cpu.rip = 0x1007;
        FarTransfers.callFar(cpu, GATE | 3, 0xDEAD, 4);
        assertEquals(0, cpu.cpl);
        assertEquals(0x4000, cpu.rip);
        assertEquals(TestCpus.DATA32, cpu.seg[Insn.SS].selector);
        assertEquals(0x8FE8, cpu.r[Cpu.RSP]);
        assertEquals(0x1007, cpu.ram.read32(0x8FE8));
        assertEquals(TestCpus.UCODE32, cpu.ram.read32(0x8FEC));
        assertEquals(0x1111_1111, cpu.ram.read32(0x8FF0));
        assertEquals(0x2222_2222, cpu.ram.read32(0x8FF4));
        assertEquals(0x7000, cpu.ram.read32(0x8FF8));
        assertEquals(TestCpus.UDATA32, cpu.ram.read32(0x8FFC));

        SegmentLoads.load(cpu, Insn.ES, TestCpus.DATA32);
        FarTransfers.retFar(cpu, 4, 8);
        assertEquals(3, cpu.cpl);
        assertEquals(0x1007, cpu.rip);
        assertEquals(TestCpus.UDATA32, cpu.seg[Insn.SS].selector);
        assertEquals(0x7008, cpu.r[Cpu.RSP]);
        assertEquals(0, cpu.seg[Insn.ES].attrs, "ES (DPL 0) is nulled on the return to CPL 3");
        assertEquals(TestCpus.UDATA32, cpu.seg[Insn.DS].selector);
    }

    @Test
    void sameLevelFarCallFrame() {
        Cpu cpu = TestCpus.prot32();
        cpu.rip = 0x1234;
        FarTransfers.callFar(cpu, TestCpus.CODE16, 0x100, 4);
        assertEquals(0x7FF8, cpu.r[Cpu.RSP]);
        assertEquals(0x1234, cpu.ram.read32(0x7FF8));
        assertEquals(TestCpus.CODE32, cpu.ram.read32(0x7FFC));
        assertEquals(16, cpu.codeSize);
        FarTransfers.retFar(cpu, 4, 0);
        assertEquals(32, cpu.codeSize);
        assertEquals(0x8000, cpu.r[Cpu.RSP]);
    }

    @Test
    void iretqSamePrivilegePopsSsRsp() {
        Cpu cpu = TestCpus.long64();
        cpu.r[Cpu.RSP] = 0x7000;
        cpu.ram.write64(0x7000, 0x5000);
        cpu.ram.write64(0x7008, TestCpus.CODE64);
        cpu.ram.write64(0x7010, 0x202 | Cpu.CF);
        cpu.ram.write64(0x7018, 0x9000);
        cpu.ram.write64(0x7020, TestCpus.DATA32);
        Returns.iret(cpu, 8);
        assertEquals(0x5000, cpu.rip);
        assertEquals(0x9000, cpu.r[Cpu.RSP]);
        assertEquals(0x203, Flags.rflags(cpu));
    }

    @Test
    void iretqToCompatUser() {
        Cpu cpu = TestCpus.long64();
        cpu.r[Cpu.RSP] = 0x7000;
        cpu.ram.write64(0x7000, 0x5000);
        cpu.ram.write64(0x7008, TestCpus.UCODE32);
        cpu.ram.write64(0x7010, 0x3202);                  // IOPL 3, IF
        cpu.ram.write64(0x7018, 0x1_0000_9000L);          // a 64-bit pop loads all of RSP
        cpu.ram.write64(0x7020, TestCpus.UDATA32);
        Returns.iret(cpu, 8);
        assertEquals(3, cpu.cpl);
        assertEquals("compat32", cpu.modeName());
        assertEquals(0x3202, Flags.rflags(cpu));
        assertEquals(0x1_0000_9000L, cpu.r[Cpu.RSP]);
    }

    @Test
    void iretqNullSsRules() {
        Cpu cpu = TestCpus.long64();
        cpu.r[Cpu.RSP] = 0x7000;
        cpu.ram.write64(0x7000, 0x5000);
        cpu.ram.write64(0x7008, TestCpus.UCODE64);
        cpu.ram.write64(0x7010, 0x2);
        cpu.ram.write64(0x7018, 0x9000);
        cpu.ram.write64(0x7020, 0);
        assertFault(Vectors.GP, 0, () -> Returns.iret(cpu, 8));
        assertEquals(0x7000, cpu.r[Cpu.RSP]);
        cpu.ram.write64(0x7008, TestCpus.CODE64);
        Returns.iret(cpu, 8);
        assertEquals(0, cpu.seg[Insn.SS].selector);
        assertEquals(0x9000, cpu.r[Cpu.RSP]);
    }

    @Test
    void realModeIret() {
        Cpu cpu = TestCpus.real();
        SegmentLoads.load(cpu, Insn.SS, 0);
        cpu.r[Cpu.RSP] = 0x7FFA;
        cpu.ram.write16(0x7FFA, 0x0100);
        cpu.ram.write16(0x7FFC, 0x0800);
        cpu.ram.write16(0x7FFE, 0x0202);
        Returns.iret(cpu, 2);
        assertEquals(0x100, cpu.rip);
        assertEquals(0x8000, cpu.seg[Insn.CS].base);
        assertEquals(0x8000, cpu.r[Cpu.RSP]);
        assertEquals(0x202, Flags.rflags(cpu));
    }

    @Test
    void syscallSysret() {
        Cpu cpu = TestCpus.long64();
        cpu.efer |= Cpu.EFER_SCE;
        cpu.star = (0x23L << 48) | (0x10L << 32);
        cpu.lstar = 0xFFFF_FFFF_8100_0000L;
        cpu.sfmask = Cpu.IF | Cpu.TF;
        SegmentLoads.commitCode(cpu, TestCpus.UCODE64, cpu.ram.read64(TestCpus.GDT + 0x40), 3);
        Flags.setRflags(cpu, Cpu.IF | Cpu.CF, -1L);
        cpu.rip = 0x401002;
        SystemCalls.syscall(cpu);
        assertEquals(0x401002, cpu.r[Cpu.RCX]);
        assertEquals(0x203, cpu.r[11]);
        assertEquals(0, cpu.cpl);
        assertEquals(0x10, cpu.seg[Insn.CS].selector);
        assertEquals(0x18, cpu.seg[Insn.SS].selector);
        assertEquals(0x3, Flags.rflags(cpu));
        assertEquals(0xFFFF_FFFF_8100_0000L, cpu.rip);
        SystemCalls.sysret(cpu, 8);
        assertEquals(3, cpu.cpl);
        assertEquals(0x33, cpu.seg[Insn.CS].selector);
        assertEquals(0x2B, cpu.seg[Insn.SS].selector);
        assertEquals(64, cpu.codeSize);
        assertEquals(0x401002, cpu.rip);
        assertEquals(0x203, Flags.rflags(cpu));
        assertFault(Vectors.GP, 0, () -> SystemCalls.sysret(cpu, 8));
    }
}
