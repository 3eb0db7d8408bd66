package org.apboot.core.decode;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Random bytes in every mode: never an exception, length in 1..15 (0 only when fewer than 15
 * bytes were available), and the length is prefix-consistent: the same instruction decodes with
 * exactly its own bytes and asks for more with one byte fewer. The renderer must not throw either.
 */
class DecoderFuzzTest {
    static final int ROUNDS = 1_000_000;

    @ParameterizedTest(name = "mode {0}")
    @ValueSource(ints = {16, 32, 64})
    void randomBytes(int mode) {
        SplittableRandom rnd = new SplittableRandom(0xF022L * mode);
        byte[] buf = new byte[32];
        Insn insn = new Insn();
        Insn again = new Insn();
        long lengths = 0;
        for (int round = 0; round < ROUNDS; round++) {
            // bias toward prefix-heavy and 0F-map input half of the time
            for (int i = 0; i < buf.length; i++) {
                int r = rnd.nextInt(16);
                buf[i] = (byte) (r == 0 ? 0x0F : r == 1 ? 0x66 : r == 2 ? 0x40 + rnd.nextInt(16)
                        : r == 3 ? 0xF3 : rnd.nextInt(256));
            }
            int avail = rnd.nextInt(18);
            int len;
            try {
                len = Decoder.decode(buf, 0, avail, mode, insn);
            } catch (RuntimeException e) {
                fail("exception decoding " + ObjdumpAgreementTest.hex(buf) + " avail " + avail + " mode " + mode, e);
                return;
            }
            if (len == 0) {
                if (avail >= 15) {
                    fail("0 with " + avail + " bytes: " + ObjdumpAgreementTest.hex(buf));
                }
                continue;
            }
            if (len < 1 || len > 15 || len != insn.length) {
                fail("length " + len + "/" + insn.length + ": " + ObjdumpAgreementTest.hex(buf));
            }
            lengths += len;
            if (insn.op != Op.INVALID || len < 15) {
                Op op = insn.op;
                if (Decoder.decode(buf, 0, len, mode, again) != len || again.op != op) {
                    fail("own bytes: " + ObjdumpAgreementTest.hex(buf) + " len " + len);
                }
                if (Decoder.decode(buf, 0, len - 1, mode, again) != 0) {
                    fail("one byte short: " + ObjdumpAgreementTest.hex(buf) + " len " + len);
                }
            }
            if (round % 64 == 0) {
                try {
                    AttSyntax.render(insn, round);
                } catch (RuntimeException e) {
                    fail("render " + ObjdumpAgreementTest.hex(buf) + " mode " + mode, e);
                }
            }
        }
        assertTrue(lengths > 0);
    }
}
