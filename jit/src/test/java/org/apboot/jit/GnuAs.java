package org.apboot.jit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Assembles many code fragments with GNU {@code as} in one invocation: each fragment starts at its
 * own label; the bytes of a fragment run from its label to the next fragment's. The object's
 * {@code .text} is extracted with {@code objcopy} and the labels' offsets read with {@code nm};
 * any relocation left in the object (a reference the assembler could not resolve into plain
 * bytes) fails the batch, since the fragments are loaded at other addresses than the object's.
 */
final class GnuAs {
    private GnuAs() {
    }

    private static Boolean available;

    /** True when {@code as}, {@code objcopy}, {@code nm} and {@code objdump} run. */
    static synchronized boolean available() {
        if (available == null) {
            available = runs("as", "--version") && runs("objcopy", "--version") && runs("nm", "--version")
                    && runs("objdump", "--version");
        }
        return available;
    }

    private static boolean runs(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /**
     * Assembles {@code fragments} (each a list of source lines, without its label) for a
     * {@code bits}-bit code segment, fragment k at label {@code labels.get(k)}; returns the bytes
     * of each fragment, in order.
     */
    static List<byte[]> assemble(int bits, List<String> labels, List<List<String>> fragments)
            throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("apboot-diff-");
        try {
            StringBuilder src = new StringBuilder();
            List<Integer> firstLine = new ArrayList<>();
            int line = 1;
            src.append("\t.text\n");
            line++;
            if (bits == 16) {
                src.append("\t.code16\n");
                line++;
            }
            for (int k = 0; k < fragments.size(); k++) {
                firstLine.add(line);
                src.append(labels.get(k)).append(":\n");
                line++;
                for (String s : fragments.get(k)) {
                    src.append(s).append('\n');
                    line++;
                }
            }
            src.append("case_end:\n");
            Path s = dir.resolve("cases.s");
            Path o = dir.resolve("cases.o");
            Path bin = dir.resolve("cases.bin");
            Files.writeString(s, src.toString());
            String err = exec(List.of("as", bits == 64 ? "--64" : "--32", "-o", o.toString(), s.toString()));
            if (err != null) {
                throw new IllegalStateException("GNU as rejected the generated source:\n"
                        + explain(err, firstLine, src.toString()));
            }
            String relocs = output(List.of("objdump", "-r", o.toString()));
            if (relocs.contains("RELOCATION RECORDS")) {
                throw new IllegalStateException("generated source left relocations:\n" + relocs);
            }
            err = exec(List.of("objcopy", "-O", "binary", "-j", ".text", o.toString(), bin.toString()));
            if (err != null) {
                throw new IllegalStateException("objcopy failed: " + err);
            }
            byte[] text = Files.readAllBytes(bin);
            Map<String, Long> symbols = new HashMap<>();
            for (String l : output(List.of("nm", o.toString())).split("\n")) {
                String[] f = l.trim().split("\\s+");
                if (f.length == 3) {
                    symbols.put(f[2], Long.parseLong(f[0], 16));
                }
            }
            List<byte[]> out = new ArrayList<>();
            for (int k = 0; k < fragments.size(); k++) {
                int from = (int) (long) symbols.get(labels.get(k));
                int to = (int) (long) symbols.get(k + 1 < fragments.size() ? labels.get(k + 1) : "case_end");
                byte[] b = new byte[to - from];
                System.arraycopy(text, from, b, 0, b.length);
                out.add(b);
            }
            return out;
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** Runs {@code cmd}; returns null on success, else its output. */
    private static String exec(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return "timed out: " + cmd;
        }
        return p.exitValue() == 0 ? null : out;
    }

    private static String output(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(120, TimeUnit.SECONDS);
        return out;
    }

    /** The assembler's first messages, each with the source line it names. */
    private static String explain(String err, List<Integer> firstLine, String src) {
        String[] lines = src.split("\n", -1);
        StringBuilder sb = new StringBuilder();
        int shown = 0;
        for (String e : err.split("\n")) {
            if (shown++ >= 20) {
                sb.append("...\n");
                break;
            }
            sb.append(e).append('\n');
            java.util.regex.Matcher m = java.util.regex.Pattern.compile(":(\\d+): ").matcher(e);
            if (m.find()) {
                int n = Integer.parseInt(m.group(1));
                int k = 0;
                while (k + 1 < firstLine.size() && firstLine.get(k + 1) <= n) {
                    k++;
                }
                sb.append("    case ").append(k).append(": ").append(n - 1 < lines.length ? lines[n - 1].trim() : "?")
                        .append('\n');
            }
        }
        return sb.toString();
    }
}
