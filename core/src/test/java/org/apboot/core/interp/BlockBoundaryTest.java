package org.apboot.core.interp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.decode.Op;
import org.apboot.core.semantics.TestCpus;
import org.junit.jupiter.api.Test;

/**
 * Where decoded blocks end: loads of DS, ES, FS and GS change nothing a block is keyed or
 * translated under, so a block runs on past them; a load of SS (interrupt shadow, SS.B in the
 * mode key) and a control-register write still end it.
 */
class BlockBoundaryTest {
    private static DecodedBlock blockAt(Cpu cpu, long phys, int... bytes) {
        byte[] code = new byte[bytes.length];
        for (int k = 0; k < bytes.length; k++) {
            code[k] = (byte) bytes[k];
        }
        cpu.ram.load(phys, code);
        cpu.rip = phys;
        return new Interpreter(cpu.ram).cache().build(cpu, phys);
    }

    @Test
    void dataSegmentLoadsDoNotEndABlockButAStackSegmentLoadDoes() {
        Cpu cpu = TestCpus.real();
        DecodedBlock b = blockAt(cpu, 0x100,
                0x8E, 0xD8,  // mov %ax,%ds
                0x8E, 0xC0,  // mov %ax,%es
                0x8E, 0xE0,  // mov %ax,%fs
                0x8E, 0xE8,  // mov %ax,%gs
                0x1F,        // pop %ds
                0x0F, 0xA1,  // pop %fs
                0x07,        // pop %es
                0x8E, 0xD0,  // mov %ax,%ss: ends the block
                0x90);
        assertEquals(8, b.insns.length);
        assertEquals(Op.MOV_TO_SEG, b.insns[7].op);
        assertEquals(14, b.byteLength);
    }

    @Test
    void popOfTheStackSegmentEndsABlock() {
        Cpu cpu = TestCpus.real();
        DecodedBlock b = blockAt(cpu, 0x200,
                0x1F,        // pop %ds
                0x17,        // pop %ss: ends the block
                0x90);
        assertEquals(2, b.insns.length);
        assertEquals(Op.POP_SEG, b.insns[1].op);
    }

    @Test
    void aControlRegisterWriteAfterADataSegmentLoadEndsTheBlock() {
        Cpu cpu = TestCpus.prot32(0);
        DecodedBlock b = blockAt(cpu, 0x300,
                0x8E, 0xD8,        // mov %eax,%ds
                0x0F, 0x22, 0xD8,  // mov %eax,%cr3: ends the block
                0x90);
        assertEquals(2, b.insns.length);
        assertEquals(Op.MOV_TO_CR, b.insns[1].op);
    }
}
