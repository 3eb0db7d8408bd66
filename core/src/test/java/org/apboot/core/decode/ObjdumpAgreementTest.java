package org.apboot.core.decode;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The decoder against GNU objdump on generated instruction streams. Each instruction sits at the
 * start of its own 16-byte slot padded with NOPs, so a length disagreement never desynchronises
 * the rest of the stream. Implemented instructions must agree in length and text (after removing
 * prefix annotations objdump prints for prefixes it considers unused); UNIMPLEMENTED ones must
 * agree in length, and name disagreements are only counted.
 */
class ObjdumpAgreementTest {
    static final int CASES = Integer.getInteger("apboot.objdump.cases", 8000);
    static final int SLOT = 16;
    static final int CHUNK = 4000;
    private static final Pattern LINE = Pattern.compile("^\\s*([0-9a-f]+):\\t([0-9a-f ]+?)\\s*\\t(.*)$");

    static boolean objdumpAvailable() {
        try {
            Process p = new ProcessBuilder("objdump", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    static List<String> objdump(byte[] image, int mode) throws IOException, InterruptedException {
        Path f = Files.createTempFile("apboot-decode-", ".bin");
        try {
            Files.write(f, image);
            List<String> cmd = new ArrayList<>(List.of("objdump", "-D", "-z", "--insn-width=16", "-b", "binary"));
            cmd.add("-m");
            cmd.add(mode == 16 ? "i8086" : mode == 32 ? "i386" : "i386:x86-64");
            if (mode == 64) {
                cmd.add("-M");
                cmd.add("intel64");
            }
            cmd.add(f.toString());
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(120, TimeUnit.SECONDS);
            return out.lines().toList();
        } finally {
            Files.deleteIfExists(f);
        }
    }

    /** Drops the prefix annotations objdump prints for prefixes it finds redundant, and padding. */
    static String normalize(String text) {
        String[] tok = text.trim().split("\\s+");
        StringBuilder sb = new StringBuilder();
        boolean head = true;
        for (String t : tok) {
            if (head && (t.equals("data16") || t.equals("data32") || t.equals("addr16") || t.equals("addr32")
                    || t.startsWith("rex") || t.equals("cs") || t.equals("ds") || t.equals("es")
                    || t.equals("fs") || t.equals("gs") || t.equals("ss") || t.equals("notrack")
                    || t.equals("bnd"))) {
                continue;
            }
            if (t.equals("#") && text.contains("(%eip)")) {
                break; // objdump does not truncate EIP-relative targets to 32 bits
            }
            if (!t.equals("lock") && !t.startsWith("rep") && !t.startsWith("xacquire") && !t.startsWith("xrelease")) {
                head = false;
            }
            if (sb.length() > 0) {
                sb.append(' ');
            }
            sb.append(t);
        }
        return sb.toString();
    }

    @ParameterizedTest(name = "mode {0}")
    @ValueSource(ints = {16, 32, 64})
    void agreesWithObjdump(int mode) throws Exception {
        assumeTrue(objdumpAvailable(), "objdump (GNU binutils) not on PATH: agreement test skipped");
        InsnGenerator gen = new InsnGenerator(0x5EED0000L + mode, mode);
        // chunks below 64 KiB: objdump does not wrap 16-bit branch targets beyond that
        byte[] image = new byte[CASES * SLOT];
        java.util.Arrays.fill(image, (byte) 0x90);
        byte[][] cases = new byte[CASES][];
        for (int i = 0; i < CASES; i++) {
            cases[i] = gen.next();
            System.arraycopy(cases[i], 0, image, i * SLOT, cases[i].length);
        }
        Map<Long, String[]> lines = new HashMap<>();
        for (int c = 0; c < CASES; c += CHUNK) {
            int n = Math.min(CHUNK, CASES - c);
            byte[] chunk = java.util.Arrays.copyOfRange(image, c * SLOT, (c + n) * SLOT);
            for (String l : objdump(chunk, mode)) {
                Matcher m = LINE.matcher(l);
                if (m.matches()) {
                    lines.put((long) c * SLOT + Long.parseLong(m.group(1), 16), new String[] {m.group(2), m.group(3)});
                }
            }
        }
        Insn insn = new Insn();
        java.util.EnumSet<Op> seen = java.util.EnumSet.noneOf(Op.class);
        int known = 0, knownOk = 0, unimpl = 0, unimplLenOk = 0, unimplNameOk = 0;
        List<String> failures = new ArrayList<>();
        List<String> nameDiffs = new ArrayList<>();
        for (int i = 0; i < CASES; i++) {
            long addr = (long) i * SLOT;
            int len = Decoder.decode(image, (int) addr, SLOT, mode, insn);
            String mine = AttSyntax.render(insn, addr % ((long) CHUNK * SLOT));
            seen.add(insn.op);
            String[] theirs = lines.get(addr);
            int theirLen = theirs == null ? -1 : theirs[0].split(" ").length;
            String theirText = theirs == null ? "<none>" : theirs[1];
            String hex = hex(cases[i]);
            if (insn.op == Op.UNIMPLEMENTED && !OpcodeTable.GENERAL_OPERAND.contains(insn.unimplementedName)
                    && !X87Table.isX87(insn) && SseTable.form(insn) == 0) {
                unimpl++;
                if (theirLen == len) {
                    unimplLenOk++;
                } else {
                    failures.add(hex + " | len " + len + " vs " + theirLen + " | " + mine + " | " + theirText);
                }
                String mn = normalize(theirText).split(" ")[0];
                if (mn.equals(insn.unimplementedName)) {
                    unimplNameOk++;
                } else if (nameDiffs.size() < 40) {
                    nameDiffs.add(hex + " | " + mine + " | " + theirText);
                }
                continue;
            }
            if (insn.op == Op.MOVSXD && insn.opSizePrefix && insn.opSize == 8) {
                // objdump shows a 16-bit source for 66 REX.W 63; REX.W wins on the CPU
                theirText = theirText.replaceAll("%(r\\d+)w,", "%$1d,").replaceAll("%([a-d]x|si|di|sp|bp),", "%e$1,");
            }
            boolean rel = insn.src == Insn.K_IMM && (insn.op == Op.JCC || insn.op == Op.JMP || insn.op == Op.CALL
                    || insn.op == Op.LOOP || insn.op == Op.LOOPE || insn.op == Op.LOOPNE || insn.op == Op.JRCXZ);
            if (rel && mode != 64 && (insn.opSizePrefix || insn.addrSizePrefix)) {
                // objdump does not wrap rel8 targets to the operand size (the CPU does): mnemonic only
                String[] t = normalize(theirText).split(" ");
                String[] m = normalize(mine).split(" ");
                theirText = String.join(" ", java.util.Arrays.copyOf(t, t.length - 1));
                mine = String.join(" ", java.util.Arrays.copyOf(m, m.length - 1));
            }
            known++;
            if (theirLen == len && normalize(theirText).equals(normalize(mine))) {
                knownOk++;
            } else {
                failures.add(hex + " | len " + len + " vs " + theirLen + " | " + mine + " | " + theirText);
            }
        }
        System.out.printf("objdump agreement, mode %d: %d cases; implemented %d/%d agree (length+text);"
                + " unimplemented %d: length %d agree, name %d agree%n",
                mode, CASES, knownOk, known, unimpl, unimplLenOk, unimplNameOk);
        java.util.EnumSet<Op> missing = java.util.EnumSet.complementOf(seen);
        missing.remove(Op.INVALID);
        System.out.println("  operation families not generated in mode " + mode + ": " + missing);
        nameDiffs.forEach(s -> System.out.println("  name differs: " + s));
        failures.stream().limit(200).forEach(s -> System.out.println("  MISMATCH: " + s));
        assertTrue(failures.isEmpty(), failures.size() + " disagreements with objdump in mode " + mode
                + ", first: " + (failures.isEmpty() ? "" : failures.get(0)));
    }

    static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) {
            if (sb.length() > 0) {
                sb.append(' ');
            }
            sb.append(String.format("%02x", x & 0xFF));
        }
        return sb.toString();
    }
}
