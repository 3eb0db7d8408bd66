package org.apboot.core.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Which decoded instructions end a block and which have a memory operand: a MOV or POP to DS,
 * ES, FS or GS goes on (the block is keyed by CS and SS only), one to SS ends the block like
 * other state changes; the r/m operand is memory in any operand position when ModRM.mod is not
 * 11b. Opcodes from the SDM's one- and two-byte opcode maps (vol. 2 appendix A).
 */
class SegmentLoadBlockEndTest {
    private static Insn decode(int mode, int... bytes) {
        byte[] b = new byte[bytes.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) bytes[i];
        }
        Insn insn = new Insn();
        assertEquals(b.length, Decoder.decode(b, 0, b.length, mode, insn), "length");
        return insn;
    }

    @Test
    void dataSegmentLoadsDoNotEndTheBlock() {
        assertFalse(decode(32, 0x8E, 0xC0).endsBlock()); // mov %eax,%es
        assertFalse(decode(32, 0x8E, 0xD8).endsBlock()); // mov %eax,%ds
        assertFalse(decode(32, 0x8E, 0xE0).endsBlock()); // mov %eax,%fs
        assertFalse(decode(32, 0x8E, 0xE8).endsBlock()); // mov %eax,%gs
        assertFalse(decode(32, 0x07).endsBlock()); // pop %es
        assertFalse(decode(32, 0x1F).endsBlock()); // pop %ds
        assertFalse(decode(32, 0x0F, 0xA1).endsBlock()); // pop %fs
        assertFalse(decode(32, 0x0F, 0xA9).endsBlock()); // pop %gs
    }

    @Test
    void stackSegmentLoadsAndOtherStateChangesDo() {
        assertTrue(decode(32, 0x8E, 0xD0).endsBlock()); // mov %eax,%ss
        assertTrue(decode(32, 0x17).endsBlock()); // pop %ss
        assertTrue(decode(32, 0xFB).endsBlock()); // sti
        assertTrue(decode(32, 0xEB, 0x00).endsBlock()); // jmp .+2
        assertFalse(decode(32, 0x90).endsBlock()); // nop
        assertFalse(decode(32, 0x89, 0xD8).endsBlock()); // mov %ebx,%eax
        // branches whose ModRM.reg field happens to name ES, DS or FS are no segment loads
        assertTrue(decode(32, 0xFF, 0xE0).endsBlock()); // jmp *%eax (FF /4)
        assertTrue(decode(32, 0xFF, 0x18).endsBlock()); // lcall *(%eax) (FF /3)
        assertTrue(decode(32, 0xFF, 0x28).endsBlock()); // ljmp *(%eax) (FF /5)
        assertTrue(decode(32, 0xC3).endsBlock()); // ret
        assertTrue(decode(32, 0xCD, 0x80).endsBlock()); // int $0x80
    }

    @Test
    void memoryOperandInAnyPosition() {
        assertTrue(decode(64, 0x01, 0x00).hasMemoryOperand()); // add %eax,(%rax): r/m is the destination
        assertTrue(decode(64, 0x03, 0x00).hasMemoryOperand()); // add (%rax),%eax: r/m is the source
        assertTrue(decode(64, 0xC5, 0xF0, 0x58, 0x00).hasMemoryOperand()); // vaddps (%rax),%xmm1,%xmm0
        assertFalse(decode(64, 0x01, 0xC0).hasMemoryOperand());
        assertFalse(decode(64, 0x03, 0xC0).hasMemoryOperand());
        assertFalse(decode(64, 0xC5, 0xF0, 0x58, 0xC2).hasMemoryOperand()); // vaddps %xmm2,%xmm1,%xmm0
        assertFalse(decode(64, 0x90).hasMemoryOperand());
        assertFalse(decode(64, 0x50).hasMemoryOperand()); // push %rax: no ModRM
        assertFalse(decode(64, 0xB8, 1, 0, 0, 0).hasMemoryOperand()); // mov $1,%eax
        assertFalse(decode(64, 0xC3).hasMemoryOperand()); // ret
        assertFalse(decode(32, 0x8E, 0xD8).hasMemoryOperand()); // mov %eax,%ds
        assertTrue(decode(32, 0x8E, 0x18).hasMemoryOperand()); // mov (%eax),%ds
        assertTrue(decode(64, 0xFF, 0x30).hasMemoryOperand()); // push (%rax)
        assertTrue(decode(64, 0x8F, 0x00).hasMemoryOperand()); // pop (%rax)
    }
}
