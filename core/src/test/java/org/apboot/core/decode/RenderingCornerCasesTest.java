package org.apboot.core.decode;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link AttSyntax} against GNU objdump on hand-picked encodings the random streams of
 * {@link ObjdumpAgreementTest} meet rarely: the no-track and lock-elision hints, CET and
 * prefetch names in the NOP space, the predicate pseudo-ops of (V)CMPPS and (V)PCLMULQDQ at
 * the ends of their ranges, x87 environment forms (their size suffixes) and register operands,
 * SIB bytes without an index (%eiz, %riz), 16-bit and
 * address-size-overridden forms, segment overrides; and, for the boundaries of the renderer's
 * rules, the neighbours of the forms above (AH-BH operands, 16-bit PUSH, POP and indirect
 * CALL/JMP forms with and without a size suffix, fences, the last RDSSP register, the first
 * PCLMULQDQ pseudo-op). Text is compared as printed (runs of
 * blanks made one), prefix annotations included, so a hint rendered or dropped wrongly shows.
 * LOCK comes first in the bytes wherever it is combined with a hint: objdump prints prefixes in
 * byte order, the renderer always puts LOCK first.
 */
class RenderingCornerCasesTest {
    private static final String[][] CASES = {
        {"64", "3e ff d0"}, {"64", "3e ff e0"}, {"64", "3e ff 10"}, {"64", "ff d0"},
        {"64", "f0 f2 01 00"}, {"64", "f0 f3 01 00"}, {"64", "f2 87 00"}, {"64", "f3 87 00"},
        {"64", "f3 88 00"}, {"64", "f3 c7 00 01 00 00 00"}, {"64", "f3 c6 00 01"}, {"64", "f3 89 00"},
        {"64", "f3 0f 1e fa"}, {"64", "f3 0f 1e fb"}, {"64", "f3 0f 1e c8"}, {"64", "f3 48 0f 1e c8"},
        {"64", "0f 18 00"}, {"64", "0f 18 08"}, {"64", "0f 18 18"}, {"64", "0f 18 3d 00 00 00 00"},
        {"64", "0f 18 35 00 00 00 00"}, {"64", "0f 18 38"}, {"64", "0f 1c 00"}, {"64", "0f 0d 08"},
        {"64", "0f 0d 10"}, {"64", "0f 0d 00"}, {"64", "66 90"}, {"64", "90"},
        {"64", "8b 04 20"}, {"64", "8b 04 60"}, {"64", "8b 04 24"}, {"64", "8b 44 25 00"},
        {"64", "8b 04 65 78 56 34 12"}, {"64", "64 8b 00"}, {"64", "a1 88 77 66 55 44 33 22 11"},
        {"64", "8b 05 78 56 34 12"}, {"64", "8b 44 24 f8"}, {"64", "8b 45 00"},
        {"32", "8b 04 20"}, {"32", "8b 04 25 78 56 34 12"}, {"32", "26 8b 00"}, {"32", "3e ff d0"},
        {"32", "8b 45 00"}, {"32", "8b 04 60"}, {"32", "f0 f3 0f c7 08"}, {"32", "f0 0f c7 08"},
        {"32", "f0 f2 0f c7 08"}, {"64", "f0 f2 48 0f c7 08"}, {"64", "f0 f3 48 0f c7 08"},
        {"64", "0f c2 c1 07"}, {"64", "0f c2 c1 08"}, {"64", "0f c2 00 00"}, {"64", "66 0f c2 c1 03"},
        {"64", "c5 f0 c2 c2 1f"}, {"64", "c5 f0 c2 c2 20"}, {"64", "c5 f4 c2 00 07"},
        {"64", "66 0f 3a 44 c1 03"}, {"64", "66 0f 3a 44 c1 04"}, {"64", "66 0f 3a 44 c1 10"},
        {"64", "66 0f 3a 44 c1 11"}, {"64", "66 0f 3a 44 c1 12"}, {"64", "66 0f 3a 44 00 01"},
        {"64", "c4 e3 71 44 c2 11"}, {"64", "c4 e3 71 44 c2 05"},
        {"32", "d9 30"}, {"32", "66 d9 30"}, {"32", "d9 20"}, {"32", "66 d9 20"}, {"32", "dd 30"}, {"32", "66 dd 30"},
        {"32", "dd 20"}, {"16", "d9 30"}, {"16", "66 d9 30"}, {"16", "dd 20"}, {"64", "d9 30"}, {"64", "66 dd 30"},
        {"64", "d8 c1"}, {"64", "dc c1"}, {"64", "de c1"}, {"64", "d9 c9"}, {"64", "dd d9"}, {"64", "db e2"},
        {"64", "df e0"}, {"64", "de f9"}, {"64", "dc f9"}, {"64", "da c1"}, {"64", "db e9"}, {"64", "df f1"},
        {"16", "8b 04"}, {"16", "8b 46 00"}, {"16", "8b 06 34 12"}, {"16", "a0 34 12"}, {"16", "26 8b 04"},
        {"16", "67 8b 04 24"}, {"16", "8b 46 fe"}, {"16", "67 8b 04 20"},
        {"32", "f2 87 c0"}, {"64", "f3 0f 1e cf"}, {"32", "f3 0f 1e c0"}, {"64", "0f ae f8"}, {"64", "0f ae e8"},
        {"64", "0f ae f0"}, {"32", "f3 a3 78 56 34 12"}, {"32", "f3 8c 00"}, {"32", "66 ff d0"}, {"32", "66 ff e0"},
        {"16", "66 ff d0"}, {"32", "66 50"}, {"32", "66 ff f0"}, {"32", "66 8f 00"},
        {"32", "66 ff 30"}, {"32", "66 6a 01"}, {"32", "66 8f c0"}, {"64", "0f 18 20"}, {"64", "0f 18 28"},
        {"64", "67 8b 05 10 00 00 00"}, {"32", "8b 04 85 00 00 00 00"}, {"64", "26 a4"},
        {"32", "26 a4"}, {"64", "66 0f 3a 44 c1 00"}, {"32", "f2 0f 38 f0 c4"}, {"32", "88 20"}, {"32", "00 e0"},
        {"32", "86 e0"}, {"32", "c5 f8 50 c0"}, {"32", "c5 f8 2b 00"}, {"32", "3e ff 10"}, {"32", "3e ff 20"},
    };

    private static byte[] bytes(String hex) {
        String[] p = hex.split(" ");
        byte[] b = new byte[p.length];
        for (int i = 0; i < p.length; i++) {
            b[i] = (byte) Integer.parseInt(p[i], 16);
        }
        return b;
    }

    @Test
    void rendersAsObjdumpDoes() throws Exception {
        assumeTrue(ObjdumpAgreementTest.objdumpAvailable(), "objdump (GNU binutils) not on PATH");
        List<String> failures = new ArrayList<>();
        for (int mode : new int[] {16, 32, 64}) {
            List<String> mine = new ArrayList<>();
            byte[] image = new byte[CASES.length * 16];
            java.util.Arrays.fill(image, (byte) 0x90);
            for (int i = 0; i < CASES.length; i++) {
                if (Integer.parseInt(CASES[i][0]) == mode) {
                    byte[] b = bytes(CASES[i][1]);
                    System.arraycopy(b, 0, image, i * 16, b.length);
                }
            }
            Map<Long, String[]> theirs = ObjdumpAgreementTest.slotLines(image, mode, 16);
            Insn insn = new Insn();
            for (int i = 0; i < CASES.length; i++) {
                if (Integer.parseInt(CASES[i][0]) != mode) {
                    continue;
                }
                int len = Decoder.decode(image, i * 16, 16, mode, insn);
                String text = AttSyntax.render(insn, i * 16L).trim().replaceAll("\\s+", " ");
                String[] t = theirs.get(i * 16L);
                String their = t == null ? "<none>" : t[1].trim().replaceAll("\\s+", " ");
                int theirLen = t == null ? -1 : t[0].split(" ").length;
                if (len != theirLen || !text.equals(their)) {
                    failures.add(mode + "-bit " + CASES[i][1] + ": " + len + " \"" + text + "\" vs objdump " + theirLen
                            + " \"" + their + "\"");
                }
            }
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }
}
