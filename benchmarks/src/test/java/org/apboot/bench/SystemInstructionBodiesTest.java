package org.apboot.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.apboot.core.decode.AttSyntax;
import org.apboot.core.decode.Decoder;
import org.apboot.core.decode.Insn;
import org.junit.jupiter.api.Test;

/**
 * The loops of {@link SystemInstructionBenchmark} are the instructions their names and texts
 * say: each loop's bytes disassemble to its body's text, then {@code dec %r15}, a {@code jne}
 * back to the start and {@code hlt}.
 */
class SystemInstructionBodiesTest {
    @Test
    void everyLoopDisassemblesToItsText() {
        for (Map.Entry<String, SystemInstructionBenchmark.Body> e : SystemInstructionBenchmark.BODIES.entrySet()) {
            SystemInstructionBenchmark.Body b = e.getValue();
            List<String> text = disassemble(HexFormat.of().parseHex(b.hex()));
            List<String> expected = new ArrayList<>(List.of(b.text().split("; ")));
            assertEquals(b.instructions(), expected.size(), e.getKey());
            expected.addAll(List.of("dec %r15", "jne 0x" + Long.toHexString(SystemInstructionBenchmark.CODE), "hlt"));
            // the far jump's pointer sits between it and the loop's tail, as data
            boolean inlineData = b.text().startsWith("ljmp");
            assertEquals(expected, inlineData ? skipData(text, expected) : text, e.getKey());
        }
    }

    /** The disassembly without what lies between the body and the loop's tail (inline data). */
    private static List<String> skipData(List<String> text, List<String> expected) {
        int body = expected.size() - 3;
        int tail = text.indexOf("dec %r15");
        List<String> out = new ArrayList<>(text.subList(0, body));
        out.addAll(text.subList(tail, text.size()));
        return out;
    }

    /** Every instruction of {@code code} decoded from its start at 0x100000, as objdump prints it, comments dropped. */
    private static List<String> disassemble(byte[] code) {
        List<String> out = new ArrayList<>();
        for (int off = 0; off < code.length; ) {
            Insn insn = new Insn();
            int len = Decoder.decode(code, off, Math.min(15, code.length - off), 64, insn);
            String s = AttSyntax.render(insn, SystemInstructionBenchmark.CODE + off);
            int comment = s.indexOf('#');
            out.add((comment >= 0 ? s.substring(0, comment) : s).trim().replaceAll("\\s+", " "));
            off += Math.max(len, 1);
        }
        return out;
    }
}
