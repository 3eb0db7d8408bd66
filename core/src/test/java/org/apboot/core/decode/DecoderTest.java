package org.apboot.core.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Exact decodings written from the instruction-set reference, field by field. */
class DecoderTest {
    static byte[] bytes(String hex) {
        String h = hex.replace(" ", "");
        byte[] b = new byte[h.length() / 2];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) Integer.parseInt(h.substring(2 * i, 2 * i + 2), 16);
        }
        return b;
    }

    static Insn d(int mode, String hex) {
        byte[] b = bytes(hex);
        Insn insn = new Insn();
        int len = Decoder.decode(b, 0, b.length, mode, insn);
        assertEquals(b.length, len, "length of " + hex + " in mode " + mode + " (" + insn.op + ")");
        assertEquals(len, insn.length);
        assertEquals(mode, insn.mode);
        return insn;
    }

    static void invalid(int mode, String hex, int len) {
        byte[] b = bytes(hex);
        Insn insn = new Insn();
        assertEquals(len, Decoder.decode(b, 0, b.length, mode, insn), hex);
        assertEquals(Op.INVALID, insn.op, hex + " in mode " + mode);
    }

    @Test
    void registerToRegisterMov() {
        Insn i = d(32, "89 c3");
        assertEquals(Op.MOV, i.op);
        assertEquals(4, i.opSize);
        assertEquals(Insn.K_RM, i.dst);
        assertEquals(3, i.rmReg);
        assertEquals(Insn.K_REG, i.src);
        assertEquals(0, i.reg);
        assertFalse(i.hasMemoryOperand());
    }

    @Test
    void operandAndAddressSizes() {
        assertEquals(2, d(32, "66 89 c3").opSize);
        assertEquals(2, d(16, "89 c3").opSize);
        assertEquals(4, d(16, "66 89 c3").opSize);
        assertEquals(4, d(64, "89 c3").opSize);
        assertEquals(8, d(64, "48 89 c3").opSize);
        assertEquals(8, d(64, "66 48 89 c3").opSize, "REX.W wins over 66");
        assertEquals(2, d(64, "48 66 89 c3").opSize, "REX not next to the opcode is ignored");
        assertFalse(d(64, "48 66 89 c3").rex);
        assertEquals(8, d(64, "8b 00").addrSize);
        assertEquals(4, d(64, "67 8b 00").addrSize);
        assertEquals(2, d(32, "67 8b 00").addrSize);
        assertEquals(4, d(16, "67 8b 00 ").addrSize);
    }

    @Test
    void byteRegisters() {
        Insn i = d(32, "88 e0");
        assertEquals(1, i.opSize);
        assertEquals(Insn.AH, i.reg);
        assertEquals(0, i.rmReg);
        i = d(64, "40 88 e0");
        assertEquals(4, i.reg, "SPL with REX");
        i = d(64, "41 b0 01");
        assertEquals(8, i.reg);
        assertEquals(1, i.imm);
        assertEquals(Insn.BH, d(32, "b7 01").reg);
    }

    @Test
    void immediates() {
        Insn i = d(64, "48 b8 11 22 33 44 55 66 77 88");
        assertEquals(Op.MOV, i.op);
        assertEquals(0x8877665544332211L, i.imm);
        assertEquals(Insn.K_REG, i.dst);
        assertEquals(Insn.K_IMM, i.src);
        i = d(64, "48 c7 c0 ff ff ff ff");
        assertEquals(-1L, i.imm);
        assertEquals(8, i.opSize);
        i = d(32, "83 c0 ff");
        assertEquals(Op.ADD, i.op);
        assertEquals(-1L, i.imm);
        i = d(16, "b8 34 12");
        assertEquals(0x1234, i.imm);
        i = d(16, "66 b8 78 56 34 12");
        assertEquals(0x12345678, i.imm);
        assertEquals(4, i.opSize);
        i = d(32, "04 80");
        assertEquals(Insn.K_REG, i.dst);
        assertEquals(0, i.reg);
        assertEquals(1, i.opSize);
        assertEquals(-128, i.imm);
    }

    @Test
    void memoryOperands32And64() {
        Insn i = d(32, "8b 44 24 08");
        assertEquals(4, i.base);
        assertEquals(-1, i.index);
        assertEquals(8, i.disp);
        assertEquals(Insn.SS, i.seg);
        assertTrue(i.hasMemoryOperand());
        i = d(32, "8b 84 8b 00 01 00 00");
        assertEquals(3, i.base);
        assertEquals(1, i.index);
        assertEquals(2, i.scale);
        assertEquals(0x100, i.disp);
        assertEquals(Insn.DS, i.seg);
        i = d(32, "8b 05 10 00 00 00");
        assertEquals(-1, i.base);
        assertFalse(i.ripRel);
        assertEquals(0x10, i.disp);
        i = d(64, "8b 05 f0 ff ff ff");
        assertTrue(i.ripRel);
        assertEquals(-16, i.disp);
        i = d(64, "43 8b 04 2c");
        assertEquals(12, i.base);
        assertEquals(13, i.index);
        assertEquals(Insn.DS, i.seg, "r12 base defaults to DS");
        i = d(64, "41 8b 45 00");
        assertEquals(13, i.base);
        assertFalse(i.ripRel);
        i = d(64, "64 8b 04 25 28 00 00 00");
        assertEquals(Insn.FS, i.seg);
        assertEquals(Insn.FS, i.segOverride);
        assertEquals(-1, i.base);
        i = d(64, "26 8b 45 00");
        assertEquals(Insn.SS, i.seg, "ES override ignored in 64-bit mode");
        assertEquals(Insn.ES, i.segOverride);
        i = d(32, "26 8b 45 00");
        assertEquals(Insn.ES, i.seg);
    }

    @Test
    void memoryOperands16() {
        Insn i = d(16, "8b 00");
        assertEquals(3, i.base);
        assertEquals(6, i.index);
        assertEquals(Insn.DS, i.seg);
        i = d(16, "8b 46 fe");
        assertEquals(5, i.base);
        assertEquals(-1, i.index);
        assertEquals(-2, i.disp);
        assertEquals(Insn.SS, i.seg);
        i = d(16, "8b 06 34 12");
        assertEquals(-1, i.base);
        assertEquals(0x1234, i.disp);
        i = d(16, "8b 83 00 80");
        assertEquals(-0x8000, i.disp);
        assertEquals(Insn.SS, d(16, "8b 02").seg, "BP+SI");
    }

    @Test
    void moffs() {
        Insn i = d(64, "a1 88 77 66 55 44 33 22 11");
        assertEquals(0x1122334455667788L, i.disp);
        assertEquals(Insn.K_REG, i.dst);
        assertEquals(Insn.K_RM, i.src);
        assertEquals(-1, i.base);
        assertEquals(-1, i.rmReg);
        assertEquals(5, d(64, "67 a0 44 33 22 11").length - 1);
        i = d(32, "a3 00 10 00 00");
        assertEquals(Insn.K_RM, i.dst);
        assertEquals(0x1000, i.disp);
        assertEquals(3, d(16, "a2 00 10").length);
    }

    @Test
    void lockedReadModifyWrite() {
        Insn i = d(64, "f0 0f ab 07");
        assertEquals(Op.BTS, i.op);
        assertTrue(i.lock);
        assertEquals(7, i.base);
        assertEquals(Insn.K_REG, i.src);
        i = d(64, "f0 0f ba 2f 00");
        assertEquals(Op.BTS, i.op);
        assertEquals(Insn.K_IMM, i.src);
        i = d(64, "f0 0f c1 07");
        assertEquals(Op.XADD, i.op);
        assertEquals(Op.ADD, d(32, "f0 01 00").op);
        invalid(32, "f0 89 00", 3); // MOV is not lockable
        invalid(32, "f0 01 c0", 3); // register destination
        invalid(32, "f0 0f a3 00", 4); // BT is not lockable
        invalid(32, "f0 90", 2);
    }

    @Test
    void farTransfers() {
        Insn i = d(32, "ea 00 10 00 00 10 00");
        assertEquals(Op.JMP_FAR, i.op);
        assertEquals(0x1000, i.imm);
        assertEquals(0x10, i.imm2);
        i = d(16, "ea 00 10 10 00");
        assertEquals(0x1000, i.imm);
        assertEquals(0x10, i.imm2);
        i = d(16, "66 ea 00 00 01 00 08 00");
        assertEquals(0x10000, i.imm);
        assertEquals(8, i.imm2);
        invalid(64, "ea 00 10 00 00 10 00", 1);
        invalid(64, "9a 00 10 00 00 10 00", 1);
        i = d(64, "48 ff 28");
        assertEquals(Op.JMP_FAR, i.op);
        assertEquals(8, i.opSize);
        assertEquals(Insn.K_RM, i.src);
        assertEquals(4, d(64, "ff 28").opSize);
        assertEquals(Op.CALL_FAR, d(32, "ff 18").op);
        invalid(32, "ff e8", 2); // far jump needs memory
        i = d(32, "ca 08 00");
        assertEquals(Op.RET_FAR, i.op);
        assertEquals(8, i.imm);
        assertEquals(8, d(64, "48 cb").opSize);
    }

    @Test
    void nearBranches() {
        Insn i = d(64, "e8 00 01 00 00");
        assertEquals(Op.CALL, i.op);
        assertEquals(8, i.opSize);
        assertEquals(0x100, i.imm);
        assertEquals(6, d(64, "66 e8 00 01 00 00").length, "66 is ignored for near branches");
        i = d(32, "66 e9 00 01");
        assertEquals(2, i.opSize);
        assertEquals(0x100, i.imm);
        i = d(32, "0f 84 fa ff ff ff");
        assertEquals(Op.JCC, i.op);
        assertEquals(4, i.cond);
        assertEquals(-6, i.imm);
        i = d(16, "7f fe");
        assertEquals(15, i.cond);
        assertEquals(-2, i.imm);
        i = d(64, "ff d0");
        assertEquals(Op.CALL, i.op);
        assertEquals(Insn.K_RM, i.src);
        assertEquals(0, i.rmReg);
        assertEquals(8, i.opSize);
        i = d(64, "67 e3 fe");
        assertEquals(Op.JRCXZ, i.op);
        assertEquals(4, i.addrSize);
        assertEquals(Op.LOOP, d(32, "e2 fe").op);
        assertEquals(Op.LOOPE, d(32, "e1 fe").op);
        assertEquals(Op.LOOPNE, d(32, "e0 fe").op);
        i = d(64, "c2 10 00");
        assertEquals(Op.RET, i.op);
        assertEquals(0x10, i.imm);
        assertEquals(8, i.opSize);
        assertEquals(Op.RET, d(64, "c3").op);
        assertTrue(Op.RET.branch());
    }

    @Test
    void stack() {
        Insn i = d(64, "50");
        assertEquals(Op.PUSH, i.op);
        assertEquals(8, i.opSize);
        assertEquals(Insn.K_REG, i.src);
        assertEquals(0, i.reg);
        assertEquals(8, d(64, "41 50").reg);
        assertEquals(2, d(64, "66 50").opSize);
        i = d(64, "6a ff");
        assertEquals(-1, i.imm);
        assertEquals(8, i.opSize);
        assertEquals(2, d(64, "66 6a ff").opSize);
        i = d(32, "68 00 00 00 80");
        assertEquals(0xFFFFFFFF80000000L, i.imm);
        i = d(64, "8f 00");
        assertEquals(Op.POP, i.op);
        assertEquals(Insn.K_RM, i.dst);
        i = d(32, "0f a8");
        assertEquals(Op.PUSH_SEG, i.op);
        assertEquals(Insn.GS, i.reg);
        assertEquals(Insn.DS, d(32, "1f").reg);
        assertEquals(Op.POP_SEG, d(32, "1f").op);
        i = d(32, "c8 10 00 01");
        assertEquals(Op.ENTER, i.op);
        assertEquals(0x10, i.imm);
        assertEquals(1, i.imm2);
        assertEquals(Op.LEAVE, d(64, "c9").op);
        assertEquals(8, d(64, "9c").opSize);
        assertEquals(Op.PUSHA, d(16, "60").op);
        assertEquals(Op.POPA, d(32, "61").op);
    }

    @Test
    void aluGroupsAndShifts() {
        Insn i = d(32, "f6 c0 05");
        assertEquals(Op.TEST, i.op);
        assertEquals(1, i.opSize);
        assertEquals(5, i.imm);
        assertEquals(Op.NEG, d(32, "f7 d8").op);
        assertEquals(Op.NOT, d(32, "f7 d0").op);
        assertEquals(Op.MUL, d(32, "f7 e3").op);
        assertEquals(Op.IMUL1, d(32, "f7 eb").op);
        assertEquals(Op.DIV, d(32, "f7 f3").op);
        assertEquals(Op.IDIV, d(32, "f7 fb").op);
        i = d(32, "c1 e0 04");
        assertEquals(Op.SHL, i.op);
        assertEquals(Insn.K_IMM, i.src);
        assertEquals(4, i.imm);
        assertEquals(Insn.K_ONE, d(32, "d1 e0").src);
        assertEquals(Insn.K_CL, d(32, "d3 e8").src);
        assertEquals(Op.SHR, d(32, "d3 e8").op);
        assertEquals(Op.SAR, d(32, "d1 f8").op);
        assertEquals(Op.SHL, d(32, "d1 f0").op, "/6 is SAL");
        assertEquals(Op.RCR, d(32, "d0 d8").op);
        i = d(32, "0f a4 c3 04");
        assertEquals(Op.SHLD, i.op);
        assertEquals(3, i.rmReg);
        assertEquals(0, i.reg);
        assertEquals(Insn.K_IMM, i.src2);
        assertEquals(Insn.K_CL, d(32, "0f ad c3").src2);
        i = d(32, "69 c3 00 01 00 00");
        assertEquals(Op.IMUL, i.op);
        assertEquals(Insn.K_REG, i.dst);
        assertEquals(Insn.K_RM, i.src);
        assertEquals(Insn.K_IMM, i.src2);
        assertEquals(0x100, i.imm);
        assertEquals(Insn.K_NONE, d(32, "0f af c3").src2);
        assertEquals(Op.CMP, d(32, "83 f8 01").op);
        invalid(64, "82 c0 01", 1);
        assertEquals(Op.ADD, d(32, "82 c0 01").op);
    }

    @Test
    void bitOperationsAndCounts() {
        assertEquals(Op.BT, d(32, "0f a3 c0").op);
        assertEquals(Op.BTR, d(32, "0f b3 c0").op);
        assertEquals(Op.BTC, d(32, "0f ba f8 01").op);
        assertEquals(Op.BSF, d(32, "0f bc c0").op);
        assertEquals(Op.BSR, d(32, "0f bd c0").op);
        assertEquals(Op.TZCNT, d(32, "f3 0f bc c0").op);
        assertEquals(Op.LZCNT, d(32, "f3 0f bd c0").op);
        Insn i = d(64, "66 f3 0f b8 c0");
        assertEquals(Op.POPCNT, i.op);
        assertEquals(2, i.opSize);
        invalid(32, "0f b8 c0", 2);
        assertEquals(Op.BSWAP, d(64, "49 0f c8").op);
        assertEquals(8, d(64, "49 0f c8").reg);
    }

    @Test
    void conditionalsAndWidening() {
        Insn i = d(32, "0f 94 c0");
        assertEquals(Op.SETCC, i.op);
        assertEquals(4, i.cond);
        assertEquals(1, i.opSize);
        assertEquals(Insn.K_RM, i.dst);
        i = d(32, "0f 4f c1");
        assertEquals(Op.CMOVCC, i.op);
        assertEquals(15, i.cond);
        i = d(32, "0f b6 c4");
        assertEquals(Op.MOVZX, i.op);
        assertEquals(1, i.srcSize);
        assertEquals(4, i.opSize);
        assertEquals(Insn.AH, i.rmReg);
        i = d(64, "48 0f bf c0");
        assertEquals(Op.MOVSX, i.op);
        assertEquals(2, i.srcSize);
        assertEquals(8, i.opSize);
        i = d(64, "48 63 c1");
        assertEquals(Op.MOVSXD, i.op);
        assertEquals(4, i.srcSize);
        i = d(32, "63 c1");
        assertEquals(Op.ARPL, i.op);
        assertEquals(2, i.opSize);
        assertEquals(Op.CBW, d(64, "48 98").op);
        assertEquals(8, d(64, "48 98").opSize);
        assertEquals(Op.CWD, d(16, "99").op);
        assertEquals(Op.LAHF, d(64, "9f").op);
        assertEquals(Op.SAHF, d(64, "9e").op);
    }

    @Test
    void strings() {
        Insn i = d(32, "f3 a5");
        assertEquals(Op.MOVS, i.op);
        assertEquals(Insn.REP, i.rep);
        assertEquals(4, i.opSize);
        i = d(64, "f2 ae");
        assertEquals(Op.SCAS, i.op);
        assertEquals(Insn.REPNE, i.rep);
        assertEquals(1, i.opSize);
        i = d(16, "26 a4");
        assertEquals(Insn.ES, i.seg);
        assertEquals(2, i.addrSize);
        assertEquals(8, d(64, "48 ab").opSize);
        assertEquals(4, d(64, "67 ab").addrSize);
        assertEquals(Op.INS, d(32, "6c").op);
        assertEquals(4, d(64, "48 6d").opSize);
        assertEquals(Op.OUTS, d(32, "f3 6f").op);
        assertEquals(Op.LODS, d(32, "ac").op);
        assertEquals(Op.CMPS, d(32, "a7").op);
        assertEquals(Op.STOS, d(32, "aa").op);
        i = d(32, "64 d7");
        assertEquals(Op.XLAT, i.op);
        assertEquals(Insn.FS, i.seg);
    }

    @Test
    void portIo() {
        Insn i = d(32, "e4 60");
        assertEquals(Op.IN, i.op);
        assertEquals(Insn.K_REG, i.dst);
        assertEquals(Insn.K_IMM, i.src);
        assertEquals(0x60, i.imm);
        assertEquals(1, i.opSize);
        i = d(64, "48 ed");
        assertEquals(Insn.K_DX, i.src);
        assertEquals(4, i.opSize);
        i = d(32, "e6 80");
        assertEquals(Op.OUT, i.op);
        assertEquals(Insn.K_IMM, i.dst);
        assertEquals(Insn.K_REG, i.src);
        assertEquals(0x80, i.imm);
        assertEquals(Insn.K_DX, d(16, "ef").dst);
    }

    @Test
    void controlAndDebugRegisters() {
        Insn i = d(32, "0f 22 c0");
        assertEquals(Op.MOV_TO_CR, i.op);
        assertEquals(0, i.reg);
        assertEquals(0, i.rmReg);
        assertEquals(Insn.K_RM, i.src);
        assertEquals(4, i.opSize);
        i = d(32, "0f 20 e0");
        assertEquals(Op.MOV_FROM_CR, i.op);
        assertEquals(4, i.reg);
        assertEquals(Insn.K_RM, i.dst);
        i = d(64, "44 0f 22 c0");
        assertEquals(8, i.reg);
        assertEquals(8, i.opSize);
        i = d(32, "0f 22 18");
        assertEquals(3, i.reg);
        assertEquals(0, i.rmReg, "mod bits are ignored");
        assertEquals(Op.MOV_TO_DR, d(32, "0f 23 f8").op);
        assertEquals(7, d(32, "0f 23 f8").reg);
        assertEquals(Op.MOV_FROM_DR, d(64, "0f 21 c0").op);
    }

    @Test
    void systemInstructions() {
        Insn i = d(32, "0f 01 15 00 10 00 00");
        assertEquals(Op.LGDT, i.op);
        assertEquals(Insn.K_RM, i.src);
        assertEquals(4, i.opSize);
        assertEquals(2, d(32, "66 0f 01 10").opSize);
        assertEquals(8, d(64, "0f 01 18").opSize);
        assertEquals(Op.LIDT, d(64, "0f 01 18").op);
        assertEquals(Op.SGDT, d(32, "0f 01 00").op);
        assertEquals(Insn.K_RM, d(32, "0f 01 08").dst);
        assertEquals(Op.SIDT, d(32, "0f 01 08").op);
        assertEquals(Op.INVLPG, d(64, "0f 01 38").op);
        assertEquals(Op.SWAPGS, d(64, "0f 01 f8").op);
        invalid(32, "0f 01 f8", 3);
        assertEquals(Op.RDTSCP, d(32, "0f 01 f9").op);
        assertEquals(Op.SMSW, d(32, "0f 01 e0").op);
        assertEquals(Op.LMSW, d(32, "0f 01 f0").op);
        assertEquals(2, d(32, "0f 01 f0").opSize);
        assertEquals(Op.SLDT, d(32, "0f 00 00").op);
        assertEquals(Op.STR, d(32, "0f 00 c8").op);
        assertEquals(Op.LLDT, d(32, "0f 00 d0").op);
        assertEquals(Op.LTR, d(32, "0f 00 d8").op);
        assertEquals(Op.VERR, d(32, "0f 00 e0").op);
        assertEquals(Op.VERW, d(32, "0f 00 e8").op);
        assertEquals(Op.LAR, d(32, "0f 02 c0").op);
        assertEquals(Op.LSL, d(32, "0f 03 00").op);
        assertEquals(Op.CLTS, d(32, "0f 06").op);
        assertEquals(Op.CPUID, d(32, "0f a2").op);
        assertEquals(Op.RDTSC, d(32, "0f 31").op);
        assertEquals(Op.RDMSR, d(32, "0f 32").op);
        assertEquals(Op.WRMSR, d(32, "0f 30").op);
        assertEquals(Op.WBINVD, d(32, "0f 09").op);
        assertEquals(Op.INVD, d(32, "0f 08").op);
        assertEquals(Op.UD2, d(32, "0f 0b").op);
        assertEquals(Op.SYSCALL, d(64, "0f 05").op);
        assertEquals(8, d(64, "48 0f 07").opSize);
        assertEquals(Op.SYSRET, d(64, "48 0f 07").op);
        assertEquals(Op.SYSENTER, d(32, "0f 34").op);
        assertEquals(Op.SYSEXIT, d(32, "0f 35").op);
        assertEquals(Op.HLT, d(16, "f4").op);
        assertEquals(Op.CLI, d(16, "fa").op);
        assertEquals(Op.STI, d(16, "fb").op);
        i = d(32, "cd 80");
        assertEquals(Op.INT, i.op);
        assertEquals(0x80, i.imm);
        assertEquals(Op.INT3, d(32, "cc").op);
        assertEquals(Op.INT1, d(32, "f1").op);
        assertEquals(Op.INTO, d(32, "ce").op);
        assertEquals(8, d(64, "48 cf").opSize);
        assertEquals(Op.IRET, d(64, "48 cf").op);
        assertEquals(2, d(32, "66 cf").opSize);
        i = d(32, "0f ae e8");
        assertEquals(Op.FENCE, i.op);
        assertEquals(5, i.reg);
        assertEquals(Op.FENCE, d(32, "0f ae f0").op);
        assertEquals(Op.FENCE, d(32, "0f ae f8").op);
        assertTrue(d(64, "0f ae 38").hasMemoryOperand(), "CLFLUSH");
        assertEquals(Op.PAUSE, d(32, "f3 90").op);
        assertEquals(Op.NOP, d(32, "90").op);
        assertEquals(Op.NOP, d(32, "0f 1f 44 00 00").op);
        i = d(64, "41 90");
        assertEquals(Op.XCHG, i.op);
        assertEquals(8, i.rmReg);
        assertEquals(0, i.reg);
    }

    @Test
    void segmentRegistersAndFarPointers() {
        Insn i = d(32, "8e d8");
        assertEquals(Op.MOV_TO_SEG, i.op);
        assertEquals(Insn.DS, i.reg);
        assertEquals(Insn.K_RM, i.src);
        invalid(32, "8e c8", 2); // MOV CS
        invalid(32, "8e f0", 2); // no segment register 6
        i = d(32, "8c c0");
        assertEquals(Op.MOV_FROM_SEG, i.op);
        assertEquals(Insn.ES, i.reg);
        assertEquals(4, i.opSize);
        assertEquals(2, d(32, "8c 00").opSize, "memory form stores 16 bits");
        i = d(32, "c4 00");
        assertEquals(Op.LOAD_FAR_PTR, i.op);
        assertEquals(Insn.ES, i.sreg);
        assertEquals(Insn.DS, d(32, "c5 00").sreg);
        assertEquals(Insn.SS, d(64, "0f b2 00").sreg);
        assertEquals(Insn.FS, d(16, "0f b4 00").sreg);
        assertEquals(Insn.GS, d(16, "0f b5 00").sreg);
        invalid(32, "0f b2 c0", 3);
    }

    @Test
    void vexPrefixes() {
        // C4 RXB.mmmmm W.vvvv.L.pp, C5 R.vvvv.L.pp: fields as REX bits and register numbers
        Insn i = d(64, "c4 41 7c 28 08"); // vmovaps (%r8),%ymm9
        assertEquals(Op.UNIMPLEMENTED, i.op);
        assertEquals("vmovaps", i.unimplementedName);
        assertEquals(0x128, i.opcode);
        assertEquals(9, i.reg);
        assertEquals(8, i.base);
        assertEquals(0x100 | 0x10, i.vex, "VEX.L = 1, W = 0, vvvv unused");
        i = d(64, "c4 e2 f0 f2 c2"); // andn %rdx,%rcx,%rax
        assertEquals(0x100 | 0x20 | 1, i.vex);
        assertEquals(8, i.opSize);
        assertEquals(4, d(32, "c4 e2 f0 f2 c2").opSize, "VEX.W is no 64-bit operand size outside 64-bit mode");
        // map 0F 3A always has an imm8, after any displacement; map 0F only where the form has one
        i = d(64, "c4 e3 79 0f c1 05");
        assertEquals(5, i.imm);
        assertEquals(0x30F, i.opcode);
        assertEquals(0x100, d(64, "c4 e3 79 0f 80 00 01 00 00 05").disp);
        assertEquals(0x1F, d(64, "c5 fb c2 c1 1f").imm);
        d(64, "c5 f9 d4 c1");
        d(64, "c5 f8 77");
        // outside 64-bit mode C4/C5 are LES/LDS unless ModRM.mod = 11 takes their place
        assertEquals(Op.LOAD_FAR_PTR, d(32, "c5 b8 00 00 00 00").op);
        assertEquals(Op.UNIMPLEMENTED, d(32, "c5 f8 28 c1").op);
        assertEquals(Op.UNIMPLEMENTED, d(16, "c5 f8 28 00").op);
        // an unused VEX.vvvv must be 1111 (all four bits, in every mode); registers ignore bit 3 outside 64-bit mode
        invalid(64, "c5 b8 28 c0", 4);
        invalid(32, "c4 e1 38 28 c1", 5);
        assertEquals(0x100, d(32, "c4 e3 39 0f c1 05").vex & 0x10F);
        invalid(64, "c5 b8 77", 3);
        // undefined: prefixes before VEX, map 0, an unlisted opcode or VEX.pp, a VEX.L the form lacks
        invalid(64, "66 c5 f8 28 c0", 4);
        invalid(64, "f3 c5 f8 28 c0", 4);
        invalid(64, "f0 c5 f8 28 c0", 4);
        invalid(64, "48 c5 f8 28 c0", 4);
        invalid(64, "c4 e0 78 28 c0", 4);
        invalid(64, "c5 f8 ff c0", 4);
        invalid(64, "c5 f9 77", 3);
        invalid(64, "c5 fd 6e c0", 4);
        invalid(64, "c5 f8 ae 00", 4); // VEX 0F AE /0
        // memory-only and register-only forms (VMOVNTPS stores to memory, VMOVMSKPS reads a register)
        invalid(32, "c5 f8 2b c0", 4);
        invalid(32, "c5 f8 50 00", 4);
        assertEquals(Op.UNIMPLEMENTED, d(32, "c5 f8 2b 00").op);
        assertEquals(Op.UNIMPLEMENTED, d(32, "c5 f8 50 c0").op);
        assertEquals(0, Decoder.decode(bytes("c4 e3 79 0f c1"), 0, 5, 64, new Insn()), "imm8 missing");
    }

    @Test
    void exchangesAndCompareExchange() {
        assertEquals(Op.XCHG, d(32, "87 d8").op);
        assertEquals(Op.CMPXCHG, d(32, "0f b1 d8").op);
        Insn i = d(32, "f0 0f c7 0f");
        assertEquals(Op.CMPXCHG8B, i.op);
        assertEquals(8, i.opSize);
        assertEquals(Insn.K_RM, i.dst);
        assertEquals(16, d(64, "48 0f c7 08").opSize);
        invalid(32, "0f c7 c8", 3);
    }

    @Test
    void legacyOnlyInstructions() {
        assertEquals(Op.DAA, d(32, "27").op);
        assertEquals(Op.DAS, d(32, "2f").op);
        assertEquals(Op.AAA, d(32, "37").op);
        assertEquals(Op.AAS, d(32, "3f").op);
        assertEquals(10, d(32, "d4 0a").imm);
        assertEquals(Op.AAD, d(32, "d5 0a").op);
        assertEquals(Op.SALC, d(32, "d6").op);
        assertEquals(Op.BOUND, d(32, "62 00").op);
        for (String b : new String[] {"06", "07", "0e", "16", "17", "1e", "1f", "27", "2f", "37", "3f",
            "60", "61", "ce", "d6"}) {
            invalid(64, b, 1);
        }
        invalid(64, "62 00", 1);
        invalid(64, "d4 0a", 1);
        invalid(64, "d5 0a", 1);
    }

    @Test
    void unimplementedButRecognised() {
        Insn i = d(32, "d9 c0");
        assertEquals(Op.UNIMPLEMENTED, i.op);
        assertEquals("fld", i.unimplementedName);
        assertEquals("faddl", d(64, "dc 05 00 00 00 00").unimplementedName);
        assertEquals("movdqa", d(64, "66 0f 6f 00").unimplementedName);
        assertEquals("movdqu", d(64, "f3 0f 6f 00").unimplementedName);
        assertEquals("pshufd", d(32, "66 0f 70 c1 1b").unimplementedName);
        assertEquals("roundss", d(32, "66 0f 3a 0a c1 00").unimplementedName);
        assertEquals("pshufb", d(32, "66 0f 38 00 c1").unimplementedName);
        assertEquals(Op.UNIMPLEMENTED, d(64, "c4 e2 79 18 00").op);
        assertEquals(Op.UNIMPLEMENTED, d(64, "c5 f8 77").op);
        invalid(32, "f3 0f 60 c0", 3); // mandatory prefix without a form
        // the operand fields of unimplemented forms are filled like any other
        Insn m = d(64, "66 44 0f 3a 16 4c 24 08 02");
        assertEquals(Op.UNIMPLEMENTED, m.op);
        assertEquals("pextrd", m.unimplementedName);
        assertEquals(9, m.reg);
        assertEquals(-1, m.rmReg);
        assertEquals(4, m.base);
        assertEquals(8, m.disp);
        assertEquals(2, m.imm);
        assertEquals(9, m.length);
        assertEquals("wrssd", d(64, "0f 38 f6 00").unimplementedName);
        assertEquals("senduipi", d(64, "f3 0f c7 f0").unimplementedName);
        assertEquals("tdcall", d(64, "66 0f 01 cc").unimplementedName);
        invalid(32, "66 0f 01 cf", 4); // SEAMCALL: 64-bit mode only
        invalid(64, "0f 38 f6 c0", 4); // WRSSD: memory operand only
        Insn x = d(64, "df c1");
        assertEquals("ffreep", x.unimplementedName);
        assertEquals(1, x.rmReg);
    }

    @Test
    void lengthLimitAndTruncation() {
        Insn insn = new Insn();
        byte[] fifteen = bytes("66 66 66 66 66 66 66 66 66 66 66 66 66 66 90");
        assertEquals(15, Decoder.decode(fifteen, 0, 15, 32, insn));
        assertEquals(Op.NOP, insn.op);
        byte[] sixteen = bytes("66 66 66 66 66 66 66 66 66 66 66 66 66 66 66 90");
        assertEquals(15, Decoder.decode(sixteen, 0, 16, 32, insn));
        assertEquals(Op.INVALID, insn.op);
        byte[] movImm = bytes("b8 00 00 00 00");
        assertEquals(0, Decoder.decode(movImm, 0, 3, 32, insn));
        assertEquals(0, Decoder.decode(movImm, 0, 0, 32, insn));
        assertEquals(0, Decoder.decode(bytes("0f"), 0, 1, 32, insn));
        assertEquals(0, Decoder.decode(bytes("66"), 0, 1, 64, insn));
        assertEquals(0, Decoder.decode(bytes("48"), 0, 1, 64, insn));
        assertEquals(5, Decoder.decode(movImm, 0, 100, 32, insn), "avail beyond the array is clamped");
        assertEquals(0, Decoder.decode(movImm, 0, 4, 32, insn));
        assertEquals(0, Decoder.decode(bytes("c4"), 0, 1, 32, insn), "LES or VEX: needs the next byte");
        assertEquals(0, Decoder.decode(movImm, -1, 3, 32, insn));
        assertEquals(0, Decoder.decode(null, 0, 3, 32, insn));
        assertEquals(1, Decoder.decode(movImm, 0, 5, 99, insn));
        assertEquals(Op.INVALID, insn.op);
        // offset into a larger buffer
        byte[] buf = bytes("90 90 89 c3 90");
        assertEquals(2, Decoder.decode(buf, 2, 3, 32, insn));
        assertEquals(Op.MOV, insn.op);
    }

    @Test
    void decoderDoesNotAllocate() {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        org.junit.jupiter.api.Assumptions.assumeTrue(mx instanceof com.sun.management.ThreadMXBean,
                "allocation counter not available");
        com.sun.management.ThreadMXBean tmx = (com.sun.management.ThreadMXBean) mx;
        byte[] code = bytes("f0 48 0f c1 84 8b 00 01 00 00 66 0f 6f 00 d9 c0 e8 00 01 00 00 0f 22 c0");
        Insn insn = new Insn();
        long sink = 0;
        for (int warm = 0; warm < 200_000; warm++) {
            sink += Decoder.decode(code, warm % 20, 24 - warm % 20, 64, insn);
        }
        long before = tmx.getThreadAllocatedBytes(Thread.currentThread().getId());
        for (int i = 0; i < 100_000; i++) {
            sink += Decoder.decode(code, i % 20, 24 - i % 20, 64, insn);
        }
        long allocated = tmx.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;
        assertTrue(sink > 0);
        assertTrue(allocated < 100_000, "decode allocated " + allocated + " bytes for 100k instructions (one byte per decode would be a leak)");
    }
}
