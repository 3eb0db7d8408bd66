package org.apboot.core.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * {@link Decoder#decode} on input that ends early: an instruction given only its first k bytes
 * (every k below its length) decodes as "more bytes needed" (0, and an INVALID insn of length
 * 0), whichever part is missing (prefix, opcode, ModRM, SIB, displacement, immediate, VEX
 * header); given all of them it decodes to the length GNU objdump 2.40 gives (noted beside each
 * case: {@code objdump -D -b binary -m i8086|i386|i386:x86-64}). Also the window checks: a null
 * or empty window, an offset outside the array, and the 15-byte limit.
 */
class TruncatedInstructionTest {
    /** mode, bytes, length by objdump. */
    private static final String[][] CASES = {
        {"64", "90", "1"}, // nop
        {"64", "66 90", "2"}, // xchg %ax,%ax
        {"64", "0f 05", "2"}, // syscall
        {"64", "0f 38 00 c1", "4"}, // pshufb %mm1,%mm0
        {"64", "66 0f 3a 0f c1 08", "6"}, // palignr $0x8,%xmm1,%xmm0
        {"64", "8b 04 24", "3"}, // mov (%rsp),%eax
        {"64", "8b 44 24 08", "4"}, // mov 0x8(%rsp),%eax
        {"64", "8b 84 24 00 01 00 00", "7"}, // mov 0x100(%rsp),%eax
        {"64", "8b 04 25 78 56 34 12", "7"}, // mov 0x12345678,%eax
        {"64", "8b 05 78 56 34 12", "6"}, // mov 0x12345678(%rip),%eax
        {"64", "48 b8 88 77 66 55 44 33 22 11", "10"}, // movabs $0x1122334455667788,%rax
        {"64", "a1 88 77 66 55 44 33 22 11", "9"}, // movabs 0x1122334455667788,%eax
        {"64", "67 a1 44 33 22 11", "6"}, // addr32 mov 0x11223344,%eax
        {"64", "c8 10 00 01", "4"}, // enter $0x10,$0x1
        {"64", "e8 00 00 00 00", "5"}, // call 0x5
        {"64", "eb fe", "2"}, // jmp 0x0
        {"64", "c5 f8 77", "3"}, // vzeroupper
        {"64", "c5 f9 6f c1", "4"}, // vmovdqa %xmm1,%xmm0
        {"64", "c5 f9 6f 44 24 10", "6"}, // vmovdqa 0x10(%rsp),%xmm0
        {"64", "c4 e3 79 0f c1 08", "6"}, // vpalignr $0x8,%xmm1,%xmm0,%xmm0
        {"64", "c4 e3 71 0f c2 08", "6"}, // vpalignr $0x8,%xmm2,%xmm1,%xmm0
        {"64", "c4 e2 79 18 00", "5"}, // vbroadcastss (%rax),%xmm0
        {"64", "81 c0 78 56 34 12", "6"}, // add $0x12345678,%eax
        {"64", "66 81 c0 34 12", "5"}, // add $0x1234,%ax
        {"64", "83 c0 01", "3"}, // add $0x1,%eax
        {"64", "c2 08 00", "3"}, // ret $0x8
        {"64", "f3 0f b8 c1", "4"}, // popcnt %ecx,%eax
        {"64", "66 0f 38 00 c1", "5"}, // pshufb %xmm1,%xmm0
        {"64", "dd 04 24", "3"}, // fldl (%rsp)
        {"64", "d9 c0", "2"}, // fld %st(0)
        {"64", "c7 80 00 01 00 00 78 56 34 12", "10"}, // movl $0x12345678,0x100(%rax)
        {"64", "66 c7 44 24 08 34 12", "7"}, // movw $0x1234,0x8(%rsp)
        {"32", "c4 00", "2"}, // les (%eax),%eax
        {"32", "c5 00", "2"}, // lds (%eax),%eax
        {"32", "62 00", "2"}, // bound %eax,(%eax)
        {"32", "c5 f8 77", "3"}, // vzeroupper
        {"32", "ea 78 56 34 12 08 00", "7"}, // ljmp $0x8,$0x12345678
        {"32", "66 ea 34 12 08 00", "6"}, // ljmpw $0x8,$0x1234
        {"32", "8b 04 25 78 56 34 12", "7"}, // mov 0x12345678(,%eiz,1),%eax
        {"32", "8b 05 78 56 34 12", "6"}, // mov 0x12345678,%eax
        {"32", "a1 78 56 34 12", "5"}, // mov 0x12345678,%eax
        {"32", "67 8b 46 02", "4"}, // mov 0x2(%bp),%eax
        {"16", "ea 34 12 00 f0", "5"}, // ljmp $0xf000,$0x1234
        {"16", "8b 46 02", "3"}, // mov 0x2(%bp),%ax
        {"16", "8b 06 34 12", "4"}, // mov 0x1234,%ax
        {"16", "8b 86 34 12", "4"}, // mov 0x1234(%bp),%ax
        {"16", "a1 34 12", "3"}, // mov 0x1234,%ax
        {"16", "66 a1 78 56 34 12", "4"}, // mov 0x5678,%eax
        {"16", "67 8b 04 24", "4"}, // mov (%esp),%ax
    };

    private static byte[] bytes(String hex) {
        String[] p = hex.trim().split(" ");
        byte[] b = new byte[p.length];
        for (int i = 0; i < p.length; i++) {
            b[i] = (byte) Integer.parseInt(p[i], 16);
        }
        return b;
    }

    @Test
    void everyPrefixOfAnInstructionAsksForMoreAndTheWholeHasObjdumpsLength() {
        Insn insn = new Insn();
        for (String[] c : CASES) {
            int mode = Integer.parseInt(c[0]);
            byte[] code = bytes(c[1]);
            int len = Integer.parseInt(c[2]);
            String at = mode + "-bit " + c[1];
            // three bytes of 0x90 before, so the offset matters, and 0x90 after the window
            byte[] buf = new byte[3 + code.length + 16];
            java.util.Arrays.fill(buf, (byte) 0x90);
            System.arraycopy(code, 0, buf, 3, code.length);
            for (int k = 0; k < len; k++) {
                assertEquals(0, Decoder.decode(buf, 3, k, mode, insn), at + ", first " + k + " bytes");
                assertEquals(Op.INVALID, insn.op, at + ", first " + k + " bytes");
                assertEquals(0, insn.length, at + ", first " + k + " bytes");
                byte[] cut = java.util.Arrays.copyOf(code, k);
                assertEquals(0, Decoder.decode(cut, 0, 15, mode, insn), at + ", an array of " + k + " bytes");
            }
            assertEquals(len, Decoder.decode(buf, 3, len, mode, insn), at);
            assertEquals(len, insn.length, at);
            assertEquals(len, Decoder.decode(buf, 3, 15, mode, insn), at + " with more bytes after it");
            assertEquals(len, Decoder.decode(code, 0, 100, mode, insn), at + " at the end of its array");
        }
    }

    @Test
    void aWindowOutsideTheArrayHoldsNothing() {
        Insn insn = new Insn();
        byte[] nop = {(byte) 0x90, (byte) 0x90};
        assertEquals(0, Decoder.decode(nop, -1, 2, 64, insn));
        assertEquals(0, Decoder.decode(nop, 2, 2, 64, insn));
        assertEquals(0, Decoder.decode(nop, 3, 2, 64, insn));
        assertEquals(0, Decoder.decode(null, 0, 2, 64, insn));
        assertEquals(0, Decoder.decode(nop, 0, 2, 64, null));
        assertEquals(1, Decoder.decode(nop, 1, 1, 64, insn));
        assertEquals(Op.NOP, insn.op);
        assertEquals(0, Decoder.decode(nop, 1, 0, 64, insn));
        assertEquals(0, Decoder.decode(nop, 1, -1, 64, insn));
    }

    @Test
    void anUnknownModeIsOneInvalidByte() {
        Insn insn = new Insn();
        assertEquals(1, Decoder.decode(new byte[] {(byte) 0x90}, 0, 1, 8, insn));
        assertEquals(Op.INVALID, insn.op);
        assertEquals(1, Decoder.decode(new byte[] {(byte) 0x90}, 0, 1, 0, insn));
        assertEquals(Op.INVALID, insn.op);
    }

    @Test
    void fifteenBytesIsTheLimit() {
        Insn insn = new Insn();
        byte[] b = new byte[32];
        java.util.Arrays.fill(b, (byte) 0x66);
        b[14] = (byte) 0x90; // 14 prefixes and NOP: 15 bytes, legal
        assertEquals(15, Decoder.decode(b, 0, 32, 64, insn));
        assertEquals(Op.NOP, insn.op);
        assertEquals(0, Decoder.decode(b, 0, 14, 64, insn), "the fifteenth byte may still come");
        b[14] = 0x66;
        b[15] = (byte) 0x90; // 16 bytes: #GP, reported as an invalid 15-byte instruction
        assertEquals(15, Decoder.decode(b, 0, 32, 64, insn));
        assertEquals(Op.INVALID, insn.op);
        assertEquals(15, insn.length);
        // 10 prefixes before a MOV with a 4-byte displacement and immediate: 20 bytes
        byte[] mov = bytes("66 66 66 66 66 66 66 66 66 66 c7 80 00 01 00 00 78 56 34 12");
        assertEquals(15, Decoder.decode(mov, 0, mov.length, 32, insn));
        assertEquals(Op.INVALID, insn.op);
        assertEquals(0, Decoder.decode(mov, 0, 11, 32, insn), "not yet known to be too long");
    }
    private static byte[] prefixed(int count, int prefix, String rest) {
        byte[] tail = bytes(rest);
        byte[] b = new byte[count + tail.length + 8];
        java.util.Arrays.fill(b, 0, count, (byte) prefix);
        System.arraycopy(tail, 0, b, count, tail.length);
        return b;
    }

    /**
     * An instruction that would need a sixteenth byte is invalid (#GP on the CPU), reported with
     * length 15, whichever part would run past: the 0F map's opcode, the 0F 38 opcode, the byte
     * deciding C4 between LES and VEX, a ModRM, an immediate, a VEX header, a VEX ModRM, a VEX
     * SIB, a VEX immediate. Fifteen bytes are given each time (and more behind them).
     */
    @Test
    void needingASixteenthByteIsInvalidWhereverItFalls() {
        Object[][] cases = {
            {64, prefixed(14, 0x66, "0f")},
            {64, prefixed(13, 0x66, "0f 38")},
            {32, prefixed(14, 0x2E, "c4")},
            {64, prefixed(14, 0x66, "8b")},
            {64, prefixed(13, 0x66, "05 34")},
            {64, prefixed(13, 0x2E, "c4 e3")},
            {64, prefixed(12, 0x2E, "c5 f8 10")},
            {64, prefixed(11, 0x2E, "c5 f9 6f 44")},
            {64, prefixed(10, 0x2E, "c4 e3 79 0f c1")},
        };
        Insn insn = new Insn();
        for (Object[] c : cases) {
            byte[] b = (byte[]) c[1];
            String at = c[0] + "-bit " + ObjdumpAgreementTest.hex(java.util.Arrays.copyOf(b, 15));
            assertEquals(15, Decoder.decode(b, 0, b.length, (Integer) c[0], insn), at);
            assertEquals(Op.INVALID, insn.op, at);
            assertEquals(15, insn.length, at);
        }
    }
}
