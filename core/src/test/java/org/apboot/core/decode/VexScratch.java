package org.apboot.core.decode;

import java.util.*;
import java.util.regex.*;
import org.junit.jupiter.api.Test;

class VexScratch {
    static final int SLOT = 32;
    private static final Pattern LINE = Pattern.compile("^\\s*([0-9a-f]+):\\t([0-9a-f ]+?)\\s*\\t(.*)$");

    @Test
    void sweep() throws Exception {
        for (String ms : System.getProperty("sweep.modes", "64,32").split(",")) {
            int mode = Integer.parseInt(ms);
            List<byte[]> cases = new ArrayList<>();
            for (int map = 1; map <= 3; map++) for (int pp = 0; pp < 4; pp++) for (int l = 0; l < 2; l++) for (int w = 0; w < 2; w++)
            for (int opc = 0; opc < 256; opc++) for (int modrm : new int[] {0x01, 0xC1, 0xD1, 0xE9, 0xF9}) for (int v : new int[] {15, 6}) {
                byte[] b = new byte[SLOT];
                Arrays.fill(b, (byte) 0x90);
                int n = 0;
                b[n++] = (byte) 0xC4;
                b[n++] = (byte) (0xE0 | map);
                b[n++] = (byte) (w << 7 | v << 3 | l << 2 | pp);
                b[n++] = (byte) opc;
                b[n++] = (byte) modrm;
                b[n++] = (byte) 0xC2;
                b[n++] = 0x02;
                cases.add(b);
            }
            byte[] image = new byte[cases.size() * SLOT];
            for (int i = 0; i < cases.size(); i++) System.arraycopy(cases.get(i), 0, image, i * SLOT, SLOT);
            Map<Long, String[]> lines = new HashMap<>();
            for (String l : ObjdumpAgreementTest.objdump(image, mode)) {
                Matcher m = LINE.matcher(l);
                if (m.matches()) lines.put(Long.parseLong(m.group(1), 16), new String[] {m.group(2), m.group(3)});
            }
            Insn insn = new Insn();
            int ok = 0, bad = 0, unknown = 0;
            Map<String, List<String>> diffs = new TreeMap<>();
            for (int i = 0; i < cases.size(); i++) {
                long addr = (long) i * SLOT;
                int len = Decoder.decode(image, (int) addr, SLOT, mode, insn);
                String mine = AttSyntax.render(insn, addr);
                String[] t = lines.get(addr);
                String theirs = t == null ? "<none>" : t[1];
                int tlen = t == null ? -1 : t[0].split(" ").length;
                String hex = ObjdumpAgreementTest.hex(Arrays.copyOf(cases.get(i), Math.max(len, 5)));
                if ("(vex)".equals(insn.unimplementedName)) {
                    if (!theirs.contains("(bad)")) { unknown++; diffs.computeIfAbsent("UNKNOWN " + ObjdumpAgreementTest.normalize(theirs).split(" ")[0], k -> new ArrayList<>()).add(hex + " | " + theirs); }
                    continue;
                }
                boolean agree = insn.op == Op.INVALID ? theirs.contains("(bad)") : tlen == len && ObjdumpAgreementTest.normalize(theirs).equals(ObjdumpAgreementTest.normalize(mine));
                if (agree) { ok++; continue; }
                bad++;
                String nm = insn.op == Op.INVALID ? "OURBAD " + ObjdumpAgreementTest.normalize(theirs).split(" ")[0] : (theirs.contains("(bad)") ? "THEIRBAD " : "TEXT ") + insn.unimplementedName;
                diffs.computeIfAbsent(nm, k -> new ArrayList<>()).add(hex + " | " + len + "/" + tlen + " | " + mine + " | " + theirs);
            }
            System.out.println("VEX mode " + mode + ": " + cases.size() + " cases, " + ok + " agree, " + bad + " differ, unknown-but-objdump-knows " + unknown);
            for (var e : diffs.entrySet()) {
                System.out.println("  " + e.getKey() + " x" + e.getValue().size());
                e.getValue().stream().limit(Integer.getInteger("sweep.show", 3)).forEach(s -> System.out.println("      " + s));
            }
        }
    }
}
