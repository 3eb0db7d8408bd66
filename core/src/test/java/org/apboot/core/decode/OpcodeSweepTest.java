package org.apboot.core.decode;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiPredicate;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every opcode of the one-byte, 0F, 0F 38 and 0F 3A maps under each mandatory prefix (and REX.W
 * in 64-bit mode), with a memory and a register ModRM, every ModRM.reg for groups and every
 * register ModRM where the whole byte names the instruction, against GNU objdump. What this
 * decoder decodes must agree in length and text; what it rejects objdump must reject too, apart
 * from the extensions listed in {@link #NOT_DECODED}. The same for every VEX opcode of the
 * three VEX maps ({@link #everyVexOpcodeAgreesWithObjdump}). The random streams of
 * {@link ObjdumpAgreementTest} cover prefixes, addressing and immediates; this covers the maps.
 */
class OpcodeSweepTest {
    static final int SLOT = 32;
    /** Slot of the VEX sweep: C4 header, opcode, ModRM without displacement, six more bytes. */
    static final int VEX_SLOT = 16;

    /**
     * Instructions objdump knows that this decoder leaves invalid (#UD), by names no other
     * instruction has: VIA PadLock, AMD SSE4a EXTRQ/INSERTQ, Key Locker, the 8087/287-only FNENI,
     * FNDISI, FNSETPM and FRSTPM, and MPX.
     */
    private static final Set<String> NOT_DECODED = Set.of("xstore-rng", "xcrypt-ecb", "xcrypt-cbc", "xcrypt-ctr",
            "xcrypt-cfb", "xcrypt-ofb", "montmul", "xsha1", "xsha256", "extrq", "insertq",
            "loadiwkey", "encodekey128", "encodekey256", "aesenc128kl", "aesdec128kl", "aesenc256kl",
            "aesdec256kl", "aesencwide128kl", "aesdecwide128kl", "aesencwide256kl", "aesdecwide256kl",
            "fneni(8087", "fndisi(8087", "fnsetpm(287", "frstpm(287", "bndmov", "bndcl", "bndcu", "bndcn", "bndmk",
            "bndldx", "bndstx");

    /**
     * Whether a rejection of {@code b} that objdump names {@code name} is one of the deliberate
     * ones: a name from {@link #NOT_DECODED}, or, for names that valid instructions share, the
     * exact encoding: MOV with segment register 6 or 7 (8C/8E), MOV to CS (8E /1), MOV to and from
     * the test registers (0F 24, 0F 26; gone since the Pentium), SWAPGS (0F 01 F8) outside 64-bit
     * mode, PMOVMSKB (0F D7) under an F2 or F3 prefix, and 3DNow! FEMMS (0F 0E) under a 66, F2
     * or F3 prefix.
     */
    static boolean deliberatelyRejected(String name, byte[] b, int mode) {
        if (NOT_DECODED.contains(name)) {
            return true;
        }
        int p = 0;
        boolean prefixed = false, repPrefixed = false;
        while (b[p] == 0x66 || b[p] == (byte) 0xF2 || b[p] == (byte) 0xF3 || mode == 64 && (b[p] & 0xF0) == 0x40) {
            prefixed |= (b[p] & 0xF0) != 0x40;
            repPrefixed |= b[p] == (byte) 0xF2 || b[p] == (byte) 0xF3;
            p++;
        }
        int op = b[p] & 0xFF;
        int next = b[p + 1] & 0xFF, after = b[p + 2] & 0xFF;
        switch (name) {
            case "mov":
                // segment register 6 or 7, MOV to CS (#UD), the 386/486 test registers (0F 24, 0F 26)
                return (op == 0x8C || op == 0x8E) && ((next >> 3) & 7) >= 6 || op == 0x8E && ((next >> 3) & 7) == 1
                        || op == 0x0F && (next == 0x24 || next == 0x26);
            case "swapgs":
                return mode != 64 && op == 0x0F && next == 0x01 && after == 0xF8;
            case "pmovmskb":
                return repPrefixed && op == 0x0F && next == 0xD7;
            case "femms":
                return prefixed && op == 0x0F && next == 0x0E;
            default:
                return false;
        }
    }

    /**
     * VEX instructions objdump knows that this decoder leaves invalid (#UD): the AVX-512 opmask
     * instructions (EVEX is not decoded either), AMX, CMPccXADD, AMD FMA4 and VPERMIL2PS/PD,
     * AVX-VNNI, AVX-VNNI-INT8, AVX-IFMA and AVX-NE-CONVERT (objdump marks some of these
     * {@code {vex}}).
     */
    private static final Pattern VEX_EXTENSIONS = Pattern.compile("k(add|and|andn|mov|not|or|ortest|shiftl|shiftr"
            + "|test|xnor|xor)[bwdq]|kunpck(bw|wd|dq)|ldtilecfg|sttilecfg|tilerelease|tilezero|tdp\\w+"
            + "|cmpn?[a-z]{1,2}xadd|vfn?m(add|sub)(add|sub)?[ps][sd]|vpermil2p[sd]|vpdpb[su][su]ds?|\\{vex\\}"
            + "|vbcstne\\w+|vcvtne[eo]\\w+");
    /** Instructions objdump decodes whatever VEX.pp says (the SDM gives them none: #UD otherwise). */
    private static final Set<String> VEX_PP_IGNORED = Set.of("vzeroupper", "vzeroall", "vldmxcsr", "vstmxcsr");

    /** Opcodes whose register forms are named by the whole ModRM byte. */
    private static boolean fullModrm(int map, int opc) {
        return map == 0 && (opc >= 0xD8 && opc <= 0xDF || opc == 0xC6 || opc == 0xC7)
                || map == 1 && (opc == 0x01 || opc == 0xAE || opc == 0xC7) || map == 3 && opc == 0xF0;
    }

    /** True when some prefix makes the opcode a ModRM.reg group (only those need every reg). */
    private static boolean group(int map, int opc) {
        long[] entries = map == 0 ? new long[] {OpcodeTable.ONE[opc]}
                : map == 1 ? new long[] {OpcodeTable.TWO[opc], OpcodeTable.TWO_66[opc], OpcodeTable.TWO_F3[opc],
                    OpcodeTable.TWO_F2[opc]}
                : new long[] {(map == 2 ? OpcodeTable.T38 : OpcodeTable.T3A)[0][opc],
                    (map == 2 ? OpcodeTable.T38 : OpcodeTable.T3A)[2][opc]};
        for (long e : entries) {
            if ((Entry.flags(e) & Entry.F_GROUP) != 0) {
                return true;
            }
        }
        return map == 0 && opc >= 0xD8 && opc <= 0xDF;
    }

    private static boolean skipOpcode(int map, int opc, int mode) {
        if (map == 0) {
            return opc == 0x0F || opc == 0x26 || opc == 0x2E || opc == 0x36 || opc == 0x3E || opc == 0x64
                    || opc == 0x65 || opc == 0x66 || opc == 0x67 || opc == 0xF0 || opc == 0xF2 || opc == 0xF3
                    || opc == 0x9B // FWAIT: objdump folds it into the next x87 instruction
                    || opc == 0xC4 || opc == 0xC5 || opc == 0x62 // VEX/EVEX
                    || mode == 64 && (opc & 0xF0) == 0x40;
        }
        return map == 1 && (opc == 0x38 || opc == 0x3A);
    }

    @ParameterizedTest(name = "mode {0}")
    @ValueSource(ints = {16, 32, 64})
    void everyOpcodeAgreesWithObjdump(int mode) throws Exception {
        assumeTrue(ObjdumpAgreementTest.objdumpAvailable(), "objdump (GNU binutils) not on PATH: sweep skipped");
        int[][] prefixSets = mode == 64
                ? new int[][] {{}, {0x66}, {0xF3}, {0xF2}, {0x48}, {0x66, 0x48}, {0xF3, 0x48}, {0xF2, 0x48}}
                : new int[][] {{}, {0x66}, {0xF3}, {0xF2}};
        int rm0 = mode == 16 ? 7 : 0; // (%bx) / (%eax): no displacement
        List<byte[]> cases = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        Insn insn = new Insn();
        for (int map = 0; map < 4; map++) {
            for (int opc = 0; opc < 256; opc++) {
                if (skipOpcode(map, opc, mode)) {
                    continue;
                }
                List<Integer> modrms = new ArrayList<>();
                for (int reg = 0; reg < (group(map, opc) ? 8 : 2); reg++) {
                    modrms.add(reg << 3 | rm0);
                    modrms.add(0xC0 | reg << 3 | (reg + 1) & 7);
                }
                if (fullModrm(map, opc)) {
                    for (int m = 0xC0; m < 0x100; m++) {
                        modrms.add(m);
                    }
                }
                for (int[] pf : prefixSets) {
                    for (int modrm : modrms) {
                        byte[] b = new byte[SLOT];
                        Arrays.fill(b, (byte) 0x90);
                        int n = 0;
                        for (int x : pf) {
                            b[n++] = (byte) x;
                        }
                        if (map > 0) {
                            b[n++] = 0x0F;
                        }
                        if (map >= 2) {
                            b[n++] = (byte) (map == 2 ? 0x38 : 0x3A);
                        }
                        b[n++] = (byte) opc;
                        b[n++] = (byte) modrm;
                        for (int x = 1; x <= 6; x++) {
                            b[n++] = (byte) x; // displacement and immediate bytes
                        }
                        int len = Decoder.decode(b, 0, SLOT, mode, insn);
                        String key = insn.op == Op.INVALID
                                ? map + "/" + opc + "/" + Arrays.toString(pf) + "/" + (modrm >= 0xC0 ? modrm : modrm >> 3)
                                : ObjdumpAgreementTest.hex(Arrays.copyOf(b, len));
                        if (seen.add(key)) {
                            cases.add(b);
                        }
                    }
                }
            }
        }
        compare(cases, SLOT, mode, (name, bytes) -> deliberatelyRejected(name, bytes, mode), "opcode sweep");
    }

    /**
     * Every VEX opcode of maps 0F, 0F 38 and 0F 3A under each VEX.pp, VEX.L and VEX.W, in the
     * three-byte (C4) form and, where it can express it, the two-byte (C5) form; VEX.vvvv unused
     * (1111) and naming a register; a memory and a register ModRM for every ModRM.reg, and ModRM
     * C0 (two of each where the table lists a form that is not a group: the other values only
     * change a register number). Decoded forms agree in length and text, rejected ones objdump
     * rejects too apart from {@link #VEX_EXTENSIONS} and {@link #VEX_PP_IGNORED}.
     */
    @ParameterizedTest(name = "mode {0}")
    @ValueSource(ints = {16, 32, 64})
    void everyVexOpcodeAgreesWithObjdump(int mode) throws Exception {
        assumeTrue(ObjdumpAgreementTest.objdumpAvailable(), "objdump (GNU binutils) not on PATH: sweep skipped");
        int rm0 = mode == 16 ? 7 : 0; // (%bx) / (%eax): no displacement
        int[] every = new int[17];
        for (int reg = 0; reg < 8; reg++) {
            every[2 * reg] = reg << 3 | rm0;
            every[2 * reg + 1] = 0xC0 | reg << 3 | (reg + 1) & 7;
        }
        every[16] = 0xC0;
        int[] some = {rm0, 5 << 3 | rm0, 0xC1, 0xEE};
        List<byte[]> cases = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        Insn insn = new Insn();
        for (int map = 1; map <= 3; map++) {
            for (int pp = 0; pp < 4; pp++) {
                for (int opc = 0; opc < 256; opc++) {
                    long e = OpcodeTable.VEX[(map - 1) * 4 + pp][opc];
                    boolean listed = e != 0 || map == 1 && opc == 0x77;
                    int[] modrms = listed && (Entry.flags(e) & Entry.F_GROUP) == 0 ? some : every;
                    // VEX.vvvv matters only where a form is listed
                    for (byte[] b : vexVariants(map, pp, opc, modrms, listed ? new int[] {0, 9} : new int[] {0}, mode)) {
                        int len = Decoder.decode(b, 0, VEX_SLOT, mode, insn);
                        // a rejected C5 form counts as the C4 one: same W.vvvv.L.pp (W = 0), opcode, ModRM
                        int hdr = b[0] == (byte) 0xC5 ? 1 : 2;
                        int wvlp = hdr == 1 ? b[1] & 0x7F : b[2] & 0xFF;
                        String key = insn.op == Op.INVALID
                                ? map + "/" + wvlp + "/" + opc + "/" + (b[hdr + 2] & 0xFF)
                                : ObjdumpAgreementTest.hex(Arrays.copyOf(b, len));
                        if (seen.add(key)) {
                            cases.add(b);
                        }
                    }
                }
            }
        }
        compare(cases, VEX_SLOT, mode, (name, b) -> VEX_EXTENSIONS.matcher(name).matches()
                || VEX_PP_IGNORED.contains(name) && (b[b[0] == (byte) 0xC5 ? 1 : 2] & 3) != 0, "VEX opcode sweep");
    }

    /**
     * One VEX opcode under each VEX.L and VEX.W with the given VEX.vvvv values and ModRMs, as C4
     * and, where it can express it, C5 (map 0F, W = 0; outside 64-bit mode vvvv < 8, else LDS).
     */
    private static List<byte[]> vexVariants(int map, int pp, int opc, int[] modrms, int[] vvvvs, int mode) {
        List<byte[]> v = new ArrayList<>();
        for (int lw = 0; lw < 4; lw++) {
            for (int vvvv : vvvvs) {
                for (int modrm : modrms) {
                    v.add(vex(false, map, lw >> 1, vvvv, lw & 1, pp, opc, modrm));
                    if (map == 1 && lw < 2 && (mode == 64 || vvvv < 8)) {
                        v.add(vex(true, map, 0, vvvv, lw & 1, pp, opc, modrm));
                    }
                }
            }
        }
        return v;
    }

    /** A VEX-encoded instruction in a {@link #VEX_SLOT}: header, opcode, ModRM, bytes 1-6, NOPs. */
    private static byte[] vex(boolean c5, int map, int w, int vvvv, int l, int pp, int opc, int modrm) {
        byte[] b = new byte[VEX_SLOT];
        Arrays.fill(b, (byte) 0x90);
        int n = 0;
        int last = (~vvvv & 15) << 3 | l << 2 | pp;
        if (c5) {
            b[n++] = (byte) 0xC5;
            b[n++] = (byte) (0x80 | last); // R = 1
        } else {
            b[n++] = (byte) 0xC4;
            b[n++] = (byte) (0xE0 | map); // R = X = B = 1
            b[n++] = (byte) (w << 7 | last);
        }
        b[n++] = (byte) opc;
        b[n++] = (byte) modrm;
        for (int x = 1; x <= 6; x++) {
            b[n++] = (byte) x; // imm8 and what follows
        }
        return b;
    }

    /**
     * Disassembles {@code cases} ({@code slot} bytes each) with objdump and requires what the
     * decoder decodes to agree in length and text, and what it rejects to be rejected by objdump
     * too unless {@code notDecoded} accepts the name objdump gives it (and the bytes).
     */
    private static void compare(List<byte[]> cases, int slot, int mode, BiPredicate<String, byte[]> notDecoded,
            String what) throws Exception {
        Insn insn = new Insn();
        byte[] image = new byte[cases.size() * slot];
        for (int i = 0; i < cases.size(); i++) {
            System.arraycopy(cases.get(i), 0, image, i * slot, slot);
        }
        Map<Long, String[]> lines = ObjdumpAgreementTest.slotLines(image, mode, slot);
        int decoded = 0, agree = 0, rejected = 0, gaps = 0;
        List<String> failures = new ArrayList<>();
        Map<String, Integer> gapNames = new TreeMap<>();
        for (int i = 0; i < cases.size(); i++) {
            long addr = (long) i * slot;
            int len = Decoder.decode(image, (int) addr, slot, mode, insn);
            String[] t = lines.get(addr);
            String theirs = t == null ? "<none>" : ObjdumpAgreementTest.normalize(t[1]);
            int theirLen = t == null ? -1 : t[0].split(" ").length;
            if (insn.op == Op.INVALID) {
                rejected++;
                if (!theirs.contains("(bad)") && !theirs.startsWith(".byte")) {
                    String name = theirs.replaceFirst("^(lock |repz |repnz )+", "").split(" ")[0];
                    gapNames.merge(name, 1, Integer::sum);
                    gaps++;
                    if (!notDecoded.test(name, cases.get(i))) {
                        failures.add(ObjdumpAgreementTest.hex(Arrays.copyOf(cases.get(i), Math.max(theirLen, 1)))
                                + " | (bad) | " + t[1]);
                    }
                }
                continue;
            }
            if (InsnGenerator.excluded(insn) || insn.op == Op.MOVSXD && insn.opSizePrefix && insn.opSize == 8) {
                continue; // (objdump shows a 16-bit source for 66 REX.W 63; REX.W wins on the CPU)
            }
            decoded++;
            String mine = ObjdumpAgreementTest.normalize(AttSyntax.render(insn, addr));
            if (insn.op.branch() && insn.src == Insn.K_IMM || "xbegin".equals(insn.unimplementedName)) {
                // relative targets: the random streams check them; objdump does not wrap them here
                mine = mine.replaceFirst(" 0x[0-9a-f]+$", "");
                theirs = theirs.replaceFirst(" 0x[0-9a-f]+$", "");
            }
            if (theirLen == len && theirs.equals(mine)) {
                agree++;
            } else {
                failures.add(ObjdumpAgreementTest.hex(Arrays.copyOf(cases.get(i), len)) + " | len " + len + " vs "
                        + theirLen + " | " + AttSyntax.render(insn, addr) + " | " + (t == null ? "<none>" : t[1]));
            }
        }
        System.out.printf("%s, mode %d: %d encodings; decoded %d, agree %d (length+text); rejected %d,"
                + " of which objdump decodes %d: %s%n", what, mode, cases.size(), decoded, agree, rejected, gaps, gapNames);
        failures.stream().limit(100).forEach(s -> System.out.println("  MISMATCH: " + s));
        assertTrue(failures.isEmpty(), failures.size() + " disagreements with objdump in mode " + mode
                + ", first: " + (failures.isEmpty() ? "" : failures.get(0)));
    }
}
