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
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The decoder against GNU objdump on generated instruction streams. Each instruction sits at the
 * start of its own 16-byte slot padded with NOPs, so a length disagreement never desynchronises
 * the rest of the stream. Every instruction must agree in length and text (after removing
 * prefix annotations objdump prints for prefixes it considers unused), implemented or not: x87,
 * SSE, the system extensions and the VEX forms render fully. The VEX cases must cover C4 and
 * C5, all three maps, VEX.L and VEX.W 0 and 1, register and memory forms.
 */
class ObjdumpAgreementTest {
    static final int CASES = Integer.getInteger("apboot.objdump.cases", 8000);
    static final int SLOT = 16;
    static final int CHUNK = 4000;

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

    /**
     * objdump's line at each slot start of {@code image}: address to {hex bytes, text}. Lines in
     * between (the padding, and what follows an instruction objdump rejects) are skipped unparsed.
     */
    static Map<Long, String[]> slotLines(byte[] image, int mode, int slot) throws IOException, InterruptedException {
        Map<Long, String[]> lines = new HashMap<>();
        for (String l : objdump(image, mode)) {
            int colon = l.indexOf(":\t");
            int tab = colon < 0 ? -1 : l.indexOf('\t', colon + 2);
            if (tab < 0) {
                continue;
            }
            long addr;
            try {
                addr = Long.parseLong(l.substring(0, colon).trim(), 16);
            } catch (NumberFormatException e) {
                continue;
            }
            if (addr % slot == 0) {
                lines.put(addr, new String[] {l.substring(colon + 2, tab).trim(), l.substring(tab + 1)});
            }
        }
        return lines;
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
            for (Map.Entry<Long, String[]> l : slotLines(chunk, mode, SLOT).entrySet()) {
                lines.put((long) c * SLOT + l.getKey(), l.getValue());
            }
        }
        Insn insn = new Insn();
        java.util.EnumSet<Op> seen = java.util.EnumSet.noneOf(Op.class);
        // [family][0] cases, [family][1] agreeing: implemented, x87, SSE/MMX, other unimplemented, VEX
        int[][] counts = new int[5][2];
        Map<String, Integer> vexKinds = new java.util.TreeMap<>();
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < CASES; i++) {
            long addr = (long) i * SLOT;
            int len = Decoder.decode(image, (int) addr, SLOT, mode, insn);
            String mine = AttSyntax.render(insn, addr % ((long) CHUNK * SLOT));
            seen.add(insn.op);
            String[] theirs = lines.get(addr);
            int theirLen = theirs == null ? -1 : theirs[0].split(" ").length;
            String theirText = theirs == null ? "<none>" : theirs[1];
            String hex = hex(cases[i]);
            if (insn.vex != 0) {
                for (String k : vexKinds(insn, cases[i])) {
                    vexKinds.merge(k, 1, Integer::sum);
                }
            }
            if (insn.op == Op.MOVSXD && insn.opSizePrefix && insn.opSize == 8) {
                // objdump shows a 16-bit source for 66 REX.W 63; REX.W wins on the CPU
                theirText = theirText.replaceAll("%(r\\d+)w,", "%$1d,").replaceAll("%([a-d]x|si|di|sp|bp),", "%e$1,");
            }
            boolean rel = insn.src == Insn.K_IMM && (insn.op == Op.JCC || insn.op == Op.JMP || insn.op == Op.CALL
                    || insn.op == Op.LOOP || insn.op == Op.LOOPE || insn.op == Op.LOOPNE || insn.op == Op.JRCXZ);
            if (rel && mode == 16 && !insn.opSizePrefix && !insn.addrSizePrefix) {
                // objdump does not wrap a 16-bit target that falls below zero either
                Matcher t = Pattern.compile("0x([0-9a-f]+)$").matcher(theirText);
                if (t.find()) {
                    long wrapped = Long.parseUnsignedLong(t.group(1), 16) & 0xFFFF;
                    theirText = theirText.substring(0, t.start()) + "0x" + Long.toHexString(wrapped);
                }
            }
            if (rel && mode != 64 && (insn.opSizePrefix || insn.addrSizePrefix)) {
                // objdump does not wrap rel8 targets to the operand size (the CPU does): mnemonic only
                String[] t = normalize(theirText).split(" ");
                String[] m = normalize(mine).split(" ");
                theirText = String.join(" ", java.util.Arrays.copyOf(t, t.length - 1));
                mine = String.join(" ", java.util.Arrays.copyOf(m, m.length - 1));
            }
            int family = insn.vex != 0 ? 4 : insn.op != Op.UNIMPLEMENTED ? 0 : X87Table.isX87(insn) ? 1
                    : insn.opcode >= 0x100 && !insn.unimplementedName.startsWith("(") && isVector(insn) ? 2 : 3;
            counts[family][0]++;
            if (theirLen == len && normalize(theirText).equals(normalize(mine))) {
                counts[family][1]++;
            } else {
                failures.add(hex + " | len " + len + " vs " + theirLen + " | " + mine + " | " + theirText);
            }
        }
        System.out.printf("objdump agreement, mode %d: %d cases; length+text agree: implemented %d/%d,"
                + " x87 %d/%d, SSE/MMX %d/%d, other unimplemented %d/%d, VEX %d/%d %s%n",
                mode, CASES, counts[0][1], counts[0][0], counts[1][1], counts[1][0], counts[2][1], counts[2][0],
                counts[3][1], counts[3][0], counts[4][1], counts[4][0], vexKinds);
        java.util.EnumSet<Op> missing = java.util.EnumSet.complementOf(seen);
        missing.remove(Op.INVALID);
        System.out.println("  operation families not generated in mode " + mode + ": " + missing);
        failures.stream().limit(200).forEach(s -> System.out.println("  MISMATCH: " + s));
        assertTrue(failures.isEmpty(), failures.size() + " disagreements with objdump in mode " + mode
                + ", first: " + (failures.isEmpty() ? "" : failures.get(0)));
        if (CASES >= 2000) {
            // the VEX branch must not go quiet again: every kind of VEX encoding is generated
            Set<String> missingVex = new java.util.TreeSet<>(VEX_KINDS);
            missingVex.removeAll(vexKinds.keySet());
            assertTrue(missingVex.isEmpty(), "VEX encodings not generated in mode " + mode + ": " + missingVex);
        }
    }

    private static final List<String> VEX_KINDS = List.of("C4", "C5", "map 0F", "map 0F38", "map 0F3A", "L0", "L1",
            "W0", "W1", "reg", "mem");

    /** The kinds of VEX encoding {@code insn} is: prefix byte, map, VEX.L, VEX.W (C4), ModRM form. */
    private static List<String> vexKinds(Insn insn, byte[] bytes) {
        int p = 0;
        while (bytes[p] != (byte) 0xC4 && bytes[p] != (byte) 0xC5) {
            p++; // 67 and segment prefixes
        }
        boolean c5 = bytes[p] == (byte) 0xC5;
        List<String> k = new ArrayList<>();
        k.add(c5 ? "C5" : "C4");
        k.add(new String[] {"map 0F", "map 0F38", "map 0F3A"}[(insn.opcode >> 8) - 1]);
        k.add((insn.vex & 0x10) != 0 ? "L1" : "L0");
        if (!c5) {
            k.add((insn.vex & 0x20) != 0 ? "W1" : "W0");
        }
        if (insn.modrm >= 0) {
            k.add(insn.rmReg >= 0 ? "reg" : "mem");
        }
        return k;
    }

    /** SSE/MMX: an operand form naming XMM or MMX registers. */
    private static boolean isVector(Insn insn) {
        String f = insn.operandForm;
        return f != null && (f.contains("V") || f.contains("W") || f.contains("P") || f.contains("Q"));
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
