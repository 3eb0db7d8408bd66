package org.apboot.core.semantics.system;

import static org.apboot.core.semantics.system.SysCpus.exec;
import static org.apboot.core.semantics.system.SysCpus.gp;
import static org.apboot.core.semantics.system.SysCpus.ud;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.decode.Insn;
import org.apboot.core.fault.CpuException;
import org.apboot.core.fault.Vectors;
import org.apboot.core.semantics.SystemTables;
import org.junit.jupiter.api.Test;

class SystemTablesTest {
    private static void bytes(Cpu cpu, long at, int... b) {
        for (int i = 0; i < b.length; i++) {
            cpu.ram.write(at + i, 1, b[i]);
        }
    }

    @Test
    void lgdt16BitOperandTakes24BitBase() {
        Cpu cpu = SysCpus.real();
        cpu.seg[Insn.DS].loadReal(0x100);
        bytes(cpu, 0x1020, 0x17, 0x00, 0x00, 0x90, 0x0A, 0xFF);
        cpu.r[Cpu.RBX] = 0x20;
        exec(cpu, 0x0F, 0x01, 0x17); // lgdtw (%bx)
        assertEquals(0x17, cpu.gdtrLimit);
        assertEquals(0x0A9000L, cpu.gdtrBase);
        exec(cpu, 0x66, 0x0F, 0x01, 0x1F); // lidtl (%bx)
        assertEquals(0x17, cpu.idtrLimit);
        assertEquals(0xFF0A9000L, cpu.idtrBase);
    }

    @Test
    void lidt64ReadsTenBytes() {
        Cpu cpu = SysCpus.long64(0);
        // a 6-byte descriptor followed by unrelated bytes: the 64-bit LIDT takes them as base 63:32
        bytes(cpu, 0x3000, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x12, 0x34, 0x00, 0x00);
        cpu.r[Cpu.RAX] = 0x3000;
        cpu.idtrBase = 0;
        cpu.idtrLimit = 0xFFFF;
        exec(cpu, 0x0F, 0x01, 0x18); // lidt (%rax)
        assertEquals(0, cpu.idtrLimit);
        assertEquals(0x0000_3412_0000_0000L, cpu.idtrBase, "garbage upper base from the following bytes");
        // the 10-byte descriptor loads a clean zero IDT
        bytes(cpu, 0x3000, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00);
        exec(cpu, 0x0F, 0x01, 0x18);
        assertEquals(0, cpu.idtrBase);
        // operand size is 64 even with 66 and without REX.W
        bytes(cpu, 0x3000, 0xFF, 0x0F, 0x00, 0x10, 0x00, 0x00, 0x00, 0x80, 0xFF, 0xFF);
        exec(cpu, 0x66, 0x0F, 0x01, 0x10); // lgdt (%rax)
        assertEquals(0xFFF, cpu.gdtrLimit);
        assertEquals(0xFFFF_8000_0000_1000L, cpu.gdtrBase);
        // a non-canonical base raises #GP(0) and leaves IDTR alone, as KVM does
        bytes(cpu, 0x3000, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x17, 0x00, 0x00, 0x90);
        CpuException e = assertThrows(CpuException.class, () -> exec(cpu, 0x0F, 0x01, 0x18));
        assertEquals(Vectors.GP, e.vector);
        assertEquals(0, e.errorCode);
        assertEquals(0, cpu.idtrBase);
    }

    @Test
    void sgdtSidtStoreSixOrTenBytes() {
        Cpu cpu = SysCpus.prot32(0);
        cpu.gdtrBase = 0x1234_5678L;
        cpu.gdtrLimit = 0x27;
        bytes(cpu, 0x400, 0xEE, 0xEE, 0xEE, 0xEE, 0xEE, 0xEE, 0xEE, 0xEE);
        cpu.r[Cpu.RBX] = 0x400;
        exec(cpu, 0x66, 0x0F, 0x01, 0x03); // sgdtw (%ebx): full 32-bit base stored
        assertEquals(0x27, cpu.ram.read(0x400, 2));
        assertEquals(0x1234_5678L, cpu.ram.read(0x402, 4));
        assertEquals(0xEEEE, cpu.ram.read(0x406, 2), "only 6 bytes written");
        Cpu lm = SysCpus.long64(0);
        lm.idtrBase = 0xFFFF_FE00_0000_0000L;
        lm.idtrLimit = 0xFFF;
        lm.r[Cpu.RBX] = 0x400;
        exec(lm, 0x0F, 0x01, 0x0B); // sidt (%rbx)
        assertEquals(0xFFF, lm.ram.read(0x400, 2));
        assertEquals(0xFFFF_FE00_0000_0000L, lm.ram.read(0x402, 8));
    }

    @Test
    void sgdtChecksTheWholeOperandBeforeWriting() {
        Cpu cpu = SysCpus.prot32(0);
        cpu.seg[Insn.DS].limit = 0x403;
        cpu.ram.write(0x400, 2, 0xAAAA);
        gp(() -> SystemTables.sgdt(cpu, Insn.DS, 0x400, 4));
        assertEquals(0xAAAA, cpu.ram.read(0x400, 2));
    }

    @Test
    void loadsNeedCpl0() {
        Cpu cpu = SysCpus.prot32(3);
        gp(() -> SystemTables.lgdt(cpu, Insn.DS, 0, 4, 4));
        gp(() -> SystemTables.lidt(cpu, Insn.DS, 0, 4, 4));
        gp(() -> SystemTables.invlpg(cpu, Insn.DS, 0));
        gp(() -> SystemTables.hlt(cpu));
        gp(() -> SystemTables.wbinvd(cpu));
        gp(() -> SystemTables.invd(cpu));
        assertFalse(cpu.halted);
        // stores are not privileged without UMIP
        SystemTables.sgdt(cpu, Insn.DS, 0x100, 4);
    }

    @Test
    void registerOperandsAreUndefined() {
        Cpu cpu = SysCpus.prot32(0);
        // 0F 01 /2 with mod=3 is a different instruction space; force the check directly
        Insn i = new Insn();
        org.apboot.core.decode.Decoder.decode(new byte[] {0x0F, 0x01, 0x17}, 0, 3, 32, i);
        i.rmReg = 7;
        ud(() -> org.apboot.core.interp.ExecutorTable.get(i.op).execute(cpu, i));
    }

    @Test
    void hltUd2Fences() {
        Cpu cpu = SysCpus.prot32(0);
        exec(cpu, 0xF4);
        assertTrue(cpu.halted);
        ud(() -> exec(cpu, 0x0F, 0x0B));
        exec(cpu, 0x0F, 0xAE, 0xF0); // mfence
        exec(cpu, 0x0F, 0xAE, 0xE8); // lfence
        exec(cpu, 0x0F, 0xAE, 0xF8); // sfence
        cpu.r[Cpu.RAX] = 0x100;
        exec(cpu, 0x0F, 0xAE, 0x38); // clflush (%eax)
        exec(cpu, 0x0F, 0x09); // wbinvd
        exec(cpu, 0x0F, 0x01, 0x38); // invlpg (%eax)
        cpu.seg[Insn.DS].limit = 0x10;
        gp(() -> exec(cpu, 0x0F, 0xAE, 0x38)); // clflush checks the segment like a load
        exec(cpu, 0x0F, 0x01, 0x38); // invlpg does not
    }
}
