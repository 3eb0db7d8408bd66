package org.apboot.core.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Fields of decoded instructions that neither the length nor the rendering shows directly:
 * segment overrides on VEX instructions, AH-BH as either operand, segment register numbers and
 * the ones MOV may not name, instructions that exist only in 64-bit mode, the source size of a
 * 64-bit operation, and what stays unset (condition, name) on ordinary instructions. Facts
 * from the Intel SDM (vol. 2: MOV, SWAPGS; vol. 1 3.7.4: 64-bit mode ignores the ES, CS, SS and
 * DS overrides) and GNU objdump 2.40 (the rendering noted beside each encoding).
 */
class DecodedFieldFactsTest {
    private static Insn decode(int mode, int... bytes) {
        byte[] b = new byte[bytes.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) bytes[i];
        }
        Insn insn = new Insn();
        int n = Decoder.decode(b, 0, b.length, mode, insn);
        assertTrue(n > 0, "decoded");
        return insn;
    }

    @Test
    void segmentOverridesOnVexInstructions() {
        // vmovdqa %fs:(%rax),%xmm0
        assertEquals(Insn.FS, decode(64, 0x64, 0xC5, 0xF9, 0x6F, 0x00).seg);
        // es vmovdqa (%rax),%xmm0: ignored in 64-bit mode
        assertEquals(Insn.DS, decode(64, 0x26, 0xC5, 0xF9, 0x6F, 0x00).seg);
        // vmovdqa %es:(%eax),%xmm0
        assertEquals(Insn.ES, decode(32, 0x26, 0xC5, 0xF9, 0x6F, 0x00).seg);
    }

    @Test
    void vexFormsThatTakeOnlyMemoryOrOnlyARegister() {
        assertEquals(Op.INVALID, decode(64, 0xC5, 0xF9, 0xE7, 0xC0).op, "vmovntdq to a register: (bad)");
        assertEquals(Op.UNIMPLEMENTED, decode(64, 0xC5, 0xF9, 0xE7, 0x00).op, "vmovntdq %xmm0,(%rax)");
        assertEquals(Op.INVALID, decode(64, 0xC5, 0xF8, 0x50, 0x00).op, "vmovmskps from memory: (bad)");
        assertEquals(Op.UNIMPLEMENTED, decode(64, 0xC5, 0xF8, 0x50, 0xC1).op, "vmovmskps %xmm1,%eax");
    }

    /**
     * The VEX field rules of the SDM's opcode entries, each with a form that has it and the
     * same bytes with the field changed (#UD, decoded as invalid): VMOVD is VEX.128 only (L0),
     * VINSERTI128 VEX.256.W0, VPERMQ VEX.256.W1; an operand list without a VEX.vvvv operand needs
     * vvvv = 1111b (VMOVMSKPS; VMOVSS takes vvvv in its register form only).
     */
    @Test
    void vexLengthWidthAndVvvvRules() {
        assertEquals(Op.UNIMPLEMENTED, decode(64, 0xC5, 0xF9, 0x6E, 0xC0).op, "vmovd %eax,%xmm0");
        assertEquals(Op.INVALID, decode(64, 0xC5, 0xFD, 0x6E, 0xC0).op, "vmovd with VEX.L = 1");
        assertEquals(Op.UNIMPLEMENTED, decode(64, 0xC4, 0xE3, 0x7D, 0x38, 0xC1, 0x01).op, "vinserti128 $1,%xmm1,%ymm0,%ymm0");
        assertEquals(Op.INVALID, decode(64, 0xC4, 0xE3, 0x79, 0x38, 0xC1, 0x01).op, "vinserti128 with VEX.L = 0");
        assertEquals(Op.INVALID, decode(64, 0xC4, 0xE3, 0xFD, 0x38, 0xC1, 0x01).op, "vinserti128 with VEX.W = 1");
        assertEquals(Op.UNIMPLEMENTED, decode(64, 0xC4, 0xE3, 0xFD, 0x00, 0xC1, 0x01).op, "vpermq $1,%ymm1,%ymm0");
        assertEquals(Op.INVALID, decode(64, 0xC4, 0xE3, 0x7D, 0x00, 0xC1, 0x01).op, "vpermq with VEX.W = 0");
        assertEquals(Op.INVALID, decode(64, 0xC4, 0xE3, 0xF9, 0x00, 0xC1, 0x01).op, "vpermq with VEX.L = 0");
        assertEquals(Op.UNIMPLEMENTED, decode(64, 0xC5, 0xF8, 0x50, 0xC1).op, "vmovmskps %xmm1,%eax");
        assertEquals(Op.INVALID, decode(64, 0xC5, 0xF0, 0x50, 0xC1).op, "vmovmskps with vvvv = 1110b");
        assertEquals(Op.UNIMPLEMENTED, decode(64, 0xC5, 0xF2, 0x10, 0xC2).op, "vmovss %xmm2,%xmm1,%xmm0");
        assertEquals(Op.INVALID, decode(64, 0xC5, 0xF2, 0x10, 0x00).op, "vmovss from memory with vvvv = 1110b");
        assertEquals(Op.UNIMPLEMENTED, decode(64, 0xC5, 0xFA, 0x10, 0x00).op, "vmovss (%rax),%xmm0");
    }

    @Test
    void highByteRegistersAsEitherOperand() {
        Insn i = decode(32, 0x88, 0xE0); // mov %ah,%al
        assertEquals(Insn.AH, i.reg);
        assertEquals(0, i.rmReg);
        i = decode(32, 0x8A, 0xE0); // mov %al,%ah
        assertEquals(Insn.AH, i.reg);
        assertEquals(0, i.rmReg);
        i = decode(32, 0x88, 0xC4); // mov %al,%ah
        assertEquals(0, i.reg);
        assertEquals(Insn.AH, i.rmReg);
        i = decode(32, 0x0F, 0xB6, 0xC4); // movzbl %ah,%eax
        assertEquals(Insn.AH, i.rmReg);
        assertEquals(0, i.reg);
        i = decode(32, 0x88, 0xFB); // mov %bh,%bl
        assertEquals(Insn.BH, i.reg);
        assertEquals(3, i.rmReg);
    }

    @Test
    void segmentRegisterOperands() {
        Insn i = decode(64, 0x8E, 0xE8); // mov %eax,%gs
        assertEquals(Op.MOV_TO_SEG, i.op);
        assertEquals(Insn.GS, i.reg);
        assertEquals(Op.INVALID, decode(64, 0x8E, 0xF0).op, "segment register 6 does not exist");
        assertEquals(Op.INVALID, decode(64, 0x8E, 0xC8).op, "MOV to CS is #UD");
        i = decode(64, 0x8C, 0xC8); // mov %cs,%eax
        assertEquals(Op.MOV_FROM_SEG, i.op);
        assertEquals(Insn.CS, i.reg);
    }

    @Test
    void swapgsExistsOnlyIn64BitMode() {
        assertEquals(Op.SWAPGS, decode(64, 0x0F, 0x01, 0xF8).op);
        assertEquals(Op.INVALID, decode(32, 0x0F, 0x01, 0xF8).op);
    }

    @Test
    void aReservedX87EncodingIsACompleteInvalidInstruction() {
        Insn i = decode(32, 0xD9, 0xD1); // (bad)
        assertEquals(Op.INVALID, i.op);
    }

    @Test
    void evexIsNotDecoded() {
        // {evex} vmovups (%eax),%xmm0 in objdump; not supported here
        assertEquals(Op.INVALID, decode(32, 0x62, 0xF1, 0x7C, 0x08, 0x10, 0x00).op);
        // {evex} vmovups with EVEX.R' clear: read as a VEX prefix, the bytes would name a valid form
        assertEquals(Op.INVALID, decode(32, 0x62, 0xE1, 0x7C, 0x10, 0x10, 0xC0).op);
    }

    @Test
    void ordinaryInstructionsLeaveTheOtherFieldsAtTheirDefaults() {
        Insn i = decode(64, 0x48, 0x01, 0xC0); // add %rax,%rax
        assertEquals(8, i.opSize);
        assertEquals(8, i.srcSize, "no narrower source");
        assertEquals(0, i.cond);
        assertNull(i.unimplementedName);
        i = decode(64, 0xC3); // ret
        assertEquals(0, i.cond);
        assertNull(i.unimplementedName);
        assertEquals(4, decode(64, 0x0F, 0x44, 0xC1).cond, "cmove: condition 4 (E)");
    }

    @Test
    void whereTheMemoryOperandIs() {
        assertTrue(decode(64, 0x8B, 0x00).hasMemoryOperand(), "mov (%rax),%eax");
        assertFalse(decode(64, 0x8B, 0xC1).hasMemoryOperand(), "mov %ecx,%eax");
        assertTrue(decode(64, 0x89, 0x00).hasMemoryOperand(), "mov %eax,(%rax)");
        assertFalse(decode(64, 0x89, 0xC0).hasMemoryOperand(), "mov %eax,%eax");
        assertTrue(decode(64, 0x0F, 0x44, 0x00).hasMemoryOperand(), "cmove (%rax),%eax");
        assertFalse(decode(64, 0x0F, 0x44, 0xC1).hasMemoryOperand(), "cmove %ecx,%eax");
        assertTrue(decode(64, 0x69, 0x00, 0x10, 0, 0, 0).hasMemoryOperand(), "imul $0x10,(%rax),%eax");
        assertFalse(decode(64, 0x90).hasMemoryOperand(), "nop");
    }
}
