package org.apboot.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apboot.cli.Main.InputException;
import org.apboot.core.decode.AttSyntax;
import org.apboot.core.decode.Decoder;
import org.apboot.core.decode.Insn;
import org.apboot.core.decode.Op;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code apboot disasm}: the decoder on bytes. Prints objdump-like lines (address, bytes, AT&amp;T
 * text) or, with {@code --json}, {@code {"insns":[{"offset":..,"length":..,"bytes":"..","text":".."}]}}.
 * Bytes that do not decode (or are cut off at the end of the input) give a one-byte {@code (bad)}.
 */
@Command(name = "disasm", mixinStandardHelpOptions = true,
        description = "Disassemble x86 machine code (AT&T syntax, objdump style).")
public final class DisasmCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--mode", paramLabel = "16|32|64", description = "code size: 16 (real mode or CS.D=0), 32, 64 (default: ${DEFAULT-VALUE})")
    int mode = 64;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    static final class Input {
        @Option(names = "--hex", paramLabel = "BYTES", description = "hex bytes, spaces allowed, e.g. \"66 90\"")
        String hex;

        @Option(names = "--file", paramLabel = "FILE", description = "raw bytes, decoded as one stream from offset 0")
        Path file;

        @Option(names = "--lines", paramLabel = "FILE", description = "one hex string per line; the first instruction of each line is decoded")
        Path lines;
    }

    @Option(names = "--base", paramLabel = "ADDR", description = "address of the first byte (hex with 0x, or decimal; default 0)")
    String base = "0";

    @Option(names = "--json", description = "print JSON instead of text")
    boolean json;

    /** One printed entry. */
    record Entry(long offset, byte[] bytes, int from, int length, String text) {
    }

    @Override
    public Integer call() {
        if (mode != 16 && mode != 32 && mode != 64) {
            throw new InputException("--mode must be 16, 32 or 64, not " + mode);
        }
        long address = parseAddress(base);
        List<Entry> entries = new ArrayList<>();
        if (input.lines != null) {
            List<String> text = readLines(input.lines);
            for (int n = 0; n < text.size(); n++) {
                String line = text.get(n).strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                byte[] b = parseHex(line, input.lines + " line " + (n + 1));
                entries.add(decodeOne(b, 0, address));
            }
        } else {
            byte[] b = input.hex != null ? parseHex(input.hex, "--hex") : readFile(input.file);
            int off = 0;
            while (off < b.length) {
                Entry e = decodeOne(b, off, address + off);
                entries.add(e);
                off += e.length;
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(json(entries));
        } else {
            for (Entry e : entries) {
                out.println(line(e));
            }
        }
        out.flush();
        return 0;
    }

    private Entry decodeOne(byte[] b, int off, long address) {
        Insn insn = new Insn();
        int len = Decoder.decode(b, off, b.length - off, mode, insn);
        if (len == 0 || insn.op == Op.INVALID) {
            return new Entry(address, b, off, 1, "(bad)");
        }
        return new Entry(address, b, off, len, AttSyntax.render(insn, address));
    }

    static String line(Entry e) {
        StringBuilder bytes = new StringBuilder();
        for (int i = 0; i < e.length; i++) {
            bytes.append(String.format("%02x ", e.bytes[e.from + i] & 0xFF));
        }
        while (bytes.length() < 21) {
            bytes.append(' ');
        }
        return String.format("%4x:\t%s\t%s", e.offset, bytes, e.text);
    }

    static String json(List<Entry> entries) {
        StringBuilder sb = new StringBuilder("{\"insns\":[");
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            if (i > 0) {
                sb.append(',');
            }
            StringBuilder hex = new StringBuilder();
            for (int k = 0; k < e.length; k++) {
                hex.append(String.format("%02x", e.bytes[e.from + k] & 0xFF));
            }
            sb.append("{\"offset\":").append(e.offset)
                    .append(",\"length\":").append(e.length)
                    .append(",\"bytes\":\"").append(hex)
                    .append("\",\"text\":\"");
            escape(e.text, sb);
            sb.append("\"}");
        }
        return sb.append("]}").toString();
    }

    private static void escape(String s, StringBuilder sb) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
    }

    static byte[] parseHex(String s, String what) {
        StringBuilder h = new StringBuilder();
        for (String tok : s.trim().split("[\\s,]+")) {
            if (tok.startsWith("0x") || tok.startsWith("0X")) {
                tok = tok.substring(2);
            }
            h.append(tok);
        }
        if (h.length() == 0) {
            throw new InputException(what + ": no bytes");
        }
        if (h.length() % 2 != 0) {
            throw new InputException(what + ": odd number of hex digits");
        }
        byte[] b = new byte[h.length() / 2];
        for (int i = 0; i < b.length; i++) {
            int hi = Character.digit(h.charAt(2 * i), 16);
            int lo = Character.digit(h.charAt(2 * i + 1), 16);
            if (hi < 0 || lo < 0) {
                throw new InputException(what + ": not a hex byte: '" + h.substring(2 * i, 2 * i + 2) + "'");
            }
            b[i] = (byte) (hi << 4 | lo);
        }
        return b;
    }

    static long parseAddress(String s) {
        String t = s.strip().replace("_", "");
        try {
            long v = t.startsWith("0x") || t.startsWith("0X") ? Long.parseUnsignedLong(t.substring(2), 16) : Long.parseLong(t);
            if (v < 0 && !(t.startsWith("0x") || t.startsWith("0X"))) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new InputException("--base: not an address: '" + s + "'");
        }
    }

    private static byte[] readFile(Path f) {
        try {
            byte[] b = Files.readAllBytes(f);
            if (b.length == 0) {
                throw new InputException(f + ": file is empty");
            }
            return b;
        } catch (IOException | SecurityException e) {
            throw new InputException("cannot read " + f + ": " + reason(e));
        }
    }

    private static List<String> readLines(Path f) {
        try {
            return Files.readAllLines(f);
        } catch (IOException | SecurityException | java.io.UncheckedIOException e) {
            throw new InputException("cannot read " + f + ": " + reason(e));
        }
    }

    private static String reason(Exception e) {
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof java.nio.charset.MalformedInputException) {
            return "not a text file";
        }
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m;
    }
}
