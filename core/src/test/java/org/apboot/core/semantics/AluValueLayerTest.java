package org.apboot.core.semantics;

import static org.apboot.core.semantics.TestCpus.assertFlags;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.decode.Op;
import org.junit.jupiter.api.Test;

/**
 * The value layer of the ALU (results by operation code, the flag record each operation keeps,
 * the table-driven {@code binary}) that translated code calls: every operation at every size,
 * with results worked out by hand from the SDM's definitions of the instructions.
 */
class AluValueLayerTest {
    private final Cpu cpu = TestCpus.real();

    @Test
    void resultOfEachOperationAtByteWordAndQuadSizes() {
        // 0xC5 op 0x3A at 8 bits (carry in 1 for ADC and SBB)
        assertEquals(0xFF, Alu.result(Alu.OP_ADD, 1, 0xC5, 0x3A, true));
        assertEquals(0xFF, Alu.result(Alu.OP_OR, 1, 0xC5, 0x3A, true));
        assertEquals(0x00, Alu.result(Alu.OP_ADC, 1, 0xC5, 0x3A, true));
        assertEquals(0x8A, Alu.result(Alu.OP_SBB, 1, 0xC5, 0x3A, true));
        assertEquals(0x00, Alu.result(Alu.OP_AND, 1, 0xC5, 0x3A, true));
        assertEquals(0x8B, Alu.result(Alu.OP_SUB, 1, 0xC5, 0x3A, true));
        assertEquals(0xFF, Alu.result(Alu.OP_XOR, 1, 0xC5, 0x3A, true));
        assertEquals(0x8B, Alu.result(Alu.OP_CMP, 1, 0xC5, 0x3A, true));
        assertEquals(0x00, Alu.result(Alu.OP_TEST, 1, 0xC5, 0x3A, true));
        // 0x1234 op 0x0FF0 at 16 bits, carry in 0
        assertEquals(0x2224, Alu.result(Alu.OP_ADD, 2, 0x1234, 0x0FF0, false));
        assertEquals(0x1FF4, Alu.result(Alu.OP_OR, 2, 0x1234, 0x0FF0, false));
        assertEquals(0x0230, Alu.result(Alu.OP_AND, 2, 0x1234, 0x0FF0, false));
        assertEquals(0x1DC4, Alu.result(Alu.OP_XOR, 2, 0x1234, 0x0FF0, false));
        assertEquals(0x0244, Alu.result(Alu.OP_SUB, 2, 0x1234, 0x0FF0, false));
        assertEquals(0x2224, Alu.result(Alu.OP_ADC, 2, 0x1234, 0x0FF0, false));
        assertEquals(0x0244, Alu.result(Alu.OP_SBB, 2, 0x1234, 0x0FF0, false));
        // operands above the size are ignored: 0x1_0001 + 0xFFFF at 16 bits
        assertEquals(0x0000, Alu.result(Alu.OP_ADD, 2, 0x1_0001, 0xFFFF, false));
        // 64 bits
        assertEquals(0xF0F0_F0F0_0F0F_0F0FL,
                Alu.result(Alu.OP_XOR, 8, 0xFFFF_FFFF_0000_0000L, 0x0F0F_0F0F_0F0F_0F0FL, false));
        assertEquals(0L, Alu.result(Alu.OP_ADC, 8, -1L, 0, true));
        assertEquals(-2L, Alu.result(Alu.OP_SBB, 8, 0, 1, true));
    }

    @Test
    void resultAtThirtyTwoBitsIsZeroExtended() {
        assertEquals(0xFFFF_FFFFL, Alu.result(Alu.OP_SUB, 4, 0, 1, false));
        assertEquals(0x0000_0000L, Alu.result(Alu.OP_ADC, 4, 0xFFFF_FFFEL, 1, true));
        assertEquals(0xFFFF_FFFEL, Alu.result(Alu.OP_SBB, 4, 0, 1, true));
        assertEquals(0x8765_4321L, Alu.result(Alu.OP_OR, 4, 0x8765_0000L, 0x4321, false));
        assertEquals(0x0000_4300L, Alu.result(Alu.OP_AND, 4, 0x8765_4321L, 0xFF00, false));
        assertEquals(0x7897_BCDEL, Alu.result(Alu.OP_XOR, 4, 0x8765_4321L, 0xFFF2_FFFFL, false));
    }

    @Test
    void result32OnInts() {
        assertEquals(0x8000_0000, Alu.result32(Alu.OP_ADD, 0x7FFF_FFFF, 1, 0));
        assertEquals(0x00F0_F0FF, Alu.result32(Alu.OP_OR, 0x00F0_F00F, 0x0000_00F0, 0));
        assertEquals(0x8000_0001, Alu.result32(Alu.OP_ADC, 0x7FFF_FFFF, 1, 1));
        assertEquals(0x7FFF_FFFD, Alu.result32(Alu.OP_SBB, 0x7FFF_FFFF, 1, 1));
        assertEquals(0x0000_000F, Alu.result32(Alu.OP_AND, 0x0F0F_0F0F, 0xF000_00FF, 0));
        assertEquals(0x0000_000F, Alu.result32(Alu.OP_TEST, 0x0F0F_0F0F, 0xF000_00FF, 0));
        assertEquals(0xFF0F_0FF0, Alu.result32(Alu.OP_XOR, 0x0F0F_0F0F, 0xF000_00FF, 0));
        assertEquals(-1, Alu.result32(Alu.OP_SUB, 5, 6, 1));
        assertEquals(-1, Alu.result32(Alu.OP_CMP, 5, 6, 1));
        assertEquals(0x8000_0000, Alu.incResult32(0x7FFF_FFFF));
        assertEquals(0x7FFF_FFFF, Alu.decResult32(0x8000_0000));
    }

    @Test
    void operationCodesOfTheDecodedOperations() {
        // each decoded operation, applied to 9 and 3 with carry in set
        assertEquals(12, Alu.result(Alu.codeOf(Op.ADD), 1, 9, 3, true));
        assertEquals(11, Alu.result(Alu.codeOf(Op.OR), 1, 9, 3, true));
        assertEquals(13, Alu.result(Alu.codeOf(Op.ADC), 1, 9, 3, true));
        assertEquals(5, Alu.result(Alu.codeOf(Op.SBB), 1, 9, 3, true));
        assertEquals(1, Alu.result(Alu.codeOf(Op.AND), 1, 9, 3, true));
        assertEquals(6, Alu.result(Alu.codeOf(Op.SUB), 1, 9, 3, true));
        assertEquals(10, Alu.result(Alu.codeOf(Op.XOR), 1, 9, 3, true));
        assertEquals(6, Alu.result(Alu.codeOf(Op.CMP), 1, 9, 3, true));
        assertEquals(1, Alu.result(Alu.codeOf(Op.TEST), 1, 9, 3, true));
        assertTrue(Alu.writesResult(Alu.codeOf(Op.SUB)));
        assertFalse(Alu.writesResult(Alu.codeOf(Op.CMP)));
        assertFalse(Alu.writesResult(Alu.codeOf(Op.TEST)));
    }

    @Test
    void whichOperationsReadCarryAndWriteBack() {
        int[] ops = {Alu.OP_ADD, Alu.OP_OR, Alu.OP_ADC, Alu.OP_SBB, Alu.OP_AND, Alu.OP_SUB, Alu.OP_XOR,
                Alu.OP_CMP, Alu.OP_TEST};
        boolean[] readsCarry = {false, false, true, true, false, false, false, false, false};
        boolean[] writes = {true, true, true, true, true, true, true, false, false};
        for (int i = 0; i < ops.length; i++) {
            assertEquals(readsCarry[i], Alu.readsCarry(ops[i]), "reads CF, op " + ops[i]);
            assertEquals(writes[i], Alu.writesResult(ops[i]), "writes back, op " + ops[i]);
        }
    }

    /** Records the flags of {@code op} the way translated code does and returns them. */
    private long flagsOf(int op, int size, long a, long b, boolean carryIn) {
        long r = Alu.result(op, size, a, b, carryIn);
        int kind = Alu.flagKind(op);
        Flags.record(cpu, kind, size, Alu.recordedDst(kind, a, r), Alu.recordedSrc(kind, b), r);
        return Flags.arith(cpu);
    }

    @Test
    void recordsKeptByTheValueLayerGiveTheInstructionsFlags() {
        // ADD 0xFF + 0x01 (8 bits): 0, CF AF ZF PF
        flagsOf(Alu.OP_ADD, 1, 0xFF, 0x01, false);
        assertFlags(cpu, "CF PF AF ZF");
        // ADC 0x7F + 0x00 + 1: 0x80, AF SF OF
        flagsOf(Alu.OP_ADC, 1, 0x7F, 0x00, true);
        assertFlags(cpu, "AF SF OF");
        // SBB 0x00 - 0x00 - 1: 0xFF, CF AF SF PF
        flagsOf(Alu.OP_SBB, 1, 0x00, 0x00, true);
        assertFlags(cpu, "CF PF AF SF");
        // SUB and CMP 0x80 - 0x01: 0x7F, AF OF
        flagsOf(Alu.OP_SUB, 1, 0x80, 0x01, false);
        assertFlags(cpu, "AF OF");
        flagsOf(Alu.OP_CMP, 1, 0x80, 0x01, false);
        assertFlags(cpu, "AF OF");
        // OR, AND, XOR, TEST: CF and OF clear, SF ZF PF of the result
        flagsOf(Alu.OP_OR, 1, 0x80, 0x01, false);
        assertFlags(cpu, "PF SF");
        flagsOf(Alu.OP_AND, 2, 0x8001, 0xFFFF, false);
        assertFlags(cpu, "SF");
        flagsOf(Alu.OP_XOR, 1, 0x55, 0x55, false);
        assertFlags(cpu, "PF ZF");
        flagsOf(Alu.OP_TEST, 1, 0x03, 0x01, false);
        assertFlags(cpu, "");
    }

    @Test
    void recordedOperandsOfLogicAndArithmeticKinds() {
        assertEquals(0x30, Alu.recordedDst(Flags.LOGIC, 0x12, 0x30));
        assertEquals(0, Alu.recordedSrc(Flags.LOGIC, 0x77));
        assertEquals(0x12, Alu.recordedDst(Flags.SUB, 0x12, 0x30));
        assertEquals(0x77, Alu.recordedSrc(Flags.SUB, 0x77));
    }

    @Test
    void binaryReturnsTheResultOrTheUnchangedFirstOperand() {
        Flags.setArith(cpu, Cpu.CF);
        assertEquals(0x0D, Alu.binary(cpu, Alu.OP_ADC, 1, 9, 3));
        assertFlags(cpu, ""); // 9 + 3 + 1 = 0x0D: no carry out of bit 3, three bits set
        assertEquals(0x0C, Alu.binary(cpu, Alu.OP_ADD, 1, 9, 3));
        assertFlags(cpu, "PF");
        assertEquals(0x0B, Alu.binary(cpu, Alu.OP_OR, 1, 9, 3));
        assertFlags(cpu, "");
        Flags.setArith(cpu, Cpu.CF);
        assertEquals(0x05, Alu.binary(cpu, Alu.OP_SBB, 1, 9, 3));
        assertFlags(cpu, "PF"); // 9 - 3 - 1 = 5: no borrow from bit 4, two bits set
        assertEquals(0x01, Alu.binary(cpu, Alu.OP_AND, 1, 9, 3));
        assertFlags(cpu, "");
        assertEquals(0x06, Alu.binary(cpu, Alu.OP_SUB, 1, 9, 3));
        assertFlags(cpu, "PF");
        assertEquals(0x0A, Alu.binary(cpu, Alu.OP_XOR, 1, 9, 3));
        assertFlags(cpu, "PF");
        assertEquals(0x09, Alu.binary(cpu, Alu.OP_CMP, 1, 9, 0x0A));
        assertFlags(cpu, "CF PF AF SF"); // 9 - 10 = 0xFF
        assertEquals(0x09, Alu.binary(cpu, Alu.OP_TEST, 1, 9, 0x08));
        assertFlags(cpu, "");
    }

    @Test
    void andReturnsTheConjunction() {
        assertEquals(0x0F00, Alu.and(cpu, 2, 0x0FF0, 0xFF00));
        assertFlags(cpu, "PF");
        assertEquals(0x21, Alu.xor(cpu, 1, 0x31, 0x10));
        assertFlags(cpu, "PF");
    }
}
