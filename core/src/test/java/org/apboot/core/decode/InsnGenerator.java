package org.apboot.core.decode;

import java.util.Random;

/**
 * Random valid instruction encodings for one mode: prefix mixes (66, 67, segment, REP/REPNE on
 * string and mandatory-prefix opcodes, REX in 64-bit mode, LOCK on lockable memory forms), every
 * opcode map, VEX (C4/C5) forms of all three VEX maps, random ModRM/SIB/displacement/immediate
 * bytes. Validity is judged by the decoder
 * itself (INVALID candidates are dropped); the oracle decides whether the judgement is right.
 */
final class InsnGenerator {
    private static final int[] SEGS = {0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65};

    /** Opcode starts the uniform draw rarely reaches (system groups, fixed-ModRM forms). */
    private static final int[][] DIRECTED = parse(
            "0f00", "0f01", "0f0100", "0f0110", "0f0118", "0f0108", "0f0138", "0f0130", "0f01f8", "0f01f9",
            "0f01e0", "0f01f0", "90", "0faee8", "0faef0", "0faef8", "0fae38", "0f20", "0f21", "0f22", "0f23",
            "0fc708", "0fba", "0fa4", "0fa5", "0fac", "0fad", "0fb8", "0fbc", "0fbd", "63", "9a", "ea",
            "ff", "8c", "8e", "c4", "c5", "62", "d4", "d5", "27", "2f", "37", "3f", "60", "61", "ce", "cf",
            "ca", "cb", "c2", "c3", "c8", "c9", "e0", "e1", "e2", "e3", "e4", "e5", "e6", "e7", "ec",
            "ed", "ee", "ef", "a0", "a1", "a2", "a3", "0f05", "0f07", "0f34", "0f35", "0f30", "0f32",
            "0f31", "0fa2", "0f06", "0f08", "0f09", "0f0b", "f1", "cc", "cd", "f4", "0f02", "0f03",
            "0fb2", "0fb4", "0fb5", "0fc0", "0fc1", "0fb0", "0fb1", "0fc8", "0f1f", "98", "99", "d7",
            "f30faec0", "f30faec8", "f30faed0", "f30faed8", "660fae30", "660fae38", "f30fc7f8", "0fc7f0",
            "0fc7f8", "0f0d",
            // system and general-purpose extensions (recognised, not implemented)
            "f30faee0", "f30fae20", "f30faee8", "f30fae30", "f30faef0", "f20faef0", "660faef0", "f30f01e8",
            "f30f0128", "f20f01e8", "0f38f6", "660f38f5", "0f38f9", "660f38f8", "f20f38f8", "f30f38f8",
            "f30fc730", "660fc730", "f30fc7f0", "0f01c6", "0f01fe", "0f01ff", "660f01cc", "660f01cf",
            "f20f01ff", "f30f01ff", "f30f3af0c0", "0f01c8", "0f01c9", "0f01fa", "0f01fb", "0fb9", "0fff",
            "c6f8", "c7f8", "0fae00", "0fae08", "0fae10", "0fae18", "0fae20", "0fae28", "0fae30", "0fc718",
            "0fc720", "0fc728", "0fc730", "0fc738", "0f78", "0f79", "f20f38f0", "f20f38f1", "0f38f0",
            "0f38f1", "660f38f6", "f30f38f6", "0f38fc", "0f33", "0f37", "0faa",
            // rarer implemented families the seeds above crowd out
            "0f0020", "0f0028", "f630", "f730", "f638", "f738");

    private static int[][] parse(String... hex) {
        int[][] r = new int[hex.length][];
        for (int i = 0; i < hex.length; i++) {
            r[i] = new int[hex[i].length() / 2];
            for (int j = 0; j < r[i].length; j++) {
                r[i][j] = Integer.parseInt(hex[i].substring(2 * j, 2 * j + 2), 16);
            }
        }
        return r;
    }

    /** VEX.pp << 8 | opcode of the forms {@link VexTable} lists, by map - 1; VZEROUPPER/VZEROALL included. */
    private static final int[][] VEX_LISTED = new int[3][];

    static {
        for (int map = 1; map <= 3; map++) {
            int[] ops = new int[4 * 256];
            int n = 0;
            for (int pp = 0; pp < 4; pp++) {
                for (int opc = 0; opc < 256; opc++) {
                    if (OpcodeTable.VEX[(map - 1) * 4 + pp][opc] != 0 || map == 1 && pp == 0 && opc == 0x77) {
                        ops[n++] = pp << 8 | opc;
                    }
                }
            }
            VEX_LISTED[map - 1] = java.util.Arrays.copyOf(ops, n);
        }
    }

    private final Random rnd;
    private final int mode;
    private final Insn insn = new Insn();

    InsnGenerator(long seed, int mode) {
        this.rnd = new Random(seed);
        this.mode = mode;
    }

    /** Returns the bytes of the next valid (or UNIMPLEMENTED) instruction. */
    byte[] next() {
        for (;;) {
            byte[] b = candidate();
            int len = Decoder.decode(b, 0, b.length, mode, insn);
            if (len <= 0 || insn.op == Op.INVALID || excluded(insn)) {
                continue;
            }
            if (insn.op.lockable() && insn.hasMemoryOperand() && insn.dst == Insn.K_RM && rnd.nextInt(3) == 0) {
                byte[] l = new byte[b.length + 1];
                l[0] = (byte) 0xF0;
                System.arraycopy(b, 0, l, 1, b.length);
                b = l;
                len = Decoder.decode(b, 0, b.length, mode, insn);
                if (len <= 0 || insn.op == Op.INVALID) {
                    continue;
                }
            }
            byte[] out = new byte[len];
            System.arraycopy(b, 0, out, 0, len);
            return out;
        }
    }

    /** Encodings whose oracle output depends on things outside this decoder's scope. */
    static boolean excluded(Insn insn) {
        // 3DNow! (0F 0F): the mnemonic comes from the trailing byte, many values are undefined.
        // 0F 1A/1B: MPX bound instructions in objdump, reserved NOPs here (MPX is gone).
        // SALC (D6): undocumented, objdump prints (bad).
        // F2/F3 on the 0F 18-1F hint space: objdump's prefix handling there is table-specific.
        if (insn.opcode >= 0x118 && insn.opcode <= 0x11F && insn.rep != Insn.REP_NONE) {
            return true;
        }
        // 66 with F3/F2 0F D6 (MOVQ2DQ/MOVDQ2Q): objdump names the MMX operand as XMM; the CPU
        // ignores the 66.
        if (insn.opcode == 0x1D6 && insn.opSizePrefix && insn.rep != Insn.REP_NONE) {
            return true;
        }
        // 66 0F 09: objdump rejects the prefix because F3 0F 09 is WBNOINVD; the CPU ignores it.
        return insn.opcode == 0x10F || insn.opcode == 0x11A || insn.opcode == 0x11B || insn.op == Op.SALC
                || insn.opcode == 0x109 && insn.opSizePrefix;
    }

    private static boolean isPrefix(int b) {
        switch (b) {
            case 0x26: case 0x2E: case 0x36: case 0x3E: case 0x64: case 0x65:
            case 0x66: case 0x67: case 0xF0: case 0xF2: case 0xF3:
            case 0x9B: // FWAIT: objdump folds it into a following x87 instruction
                return true;
            default:
                return false;
        }
    }

    private byte[] candidate() {
        if (rnd.nextInt(6) == 0) {
            return vexCandidate();
        }
        byte[] b = new byte[32];
        int n = 0;
        int map = rnd.nextInt(100);
        int opc;
        do {
            opc = rnd.nextInt(256);
        } while (map < 55 && (isPrefix(opc) || opc == 0x0F || mode == 64 && (opc & 0xF0) == 0x40));
        boolean string = map < 55 && (opc >= 0xA4 && opc <= 0xA7 || opc >= 0xAA && opc <= 0xAF
                || opc >= 0x6C && opc <= 0x6F);
        int[] seed = rnd.nextInt(3) == 0 ? DIRECTED[rnd.nextInt(DIRECTED.length)] : null;
        int[] pfx = new int[5];
        int np = 0;
        if (seed != null && (seed[0] == 0x66 || seed[0] == 0xF3 || seed[0] == 0xF2)) {
            // a mandatory prefix goes with the other prefixes, before any REX
            pfx[np++] = seed[0];
            seed = java.util.Arrays.copyOfRange(seed, 1, seed.length);
        }
        if (rnd.nextInt(4) == 0) {
            pfx[np++] = 0x66;
        }
        if (rnd.nextInt(6) == 0) {
            pfx[np++] = 0x67;
        }
        if (rnd.nextInt(6) == 0) {
            pfx[np++] = SEGS[rnd.nextInt(SEGS.length)];
        }
        if (seed != null) {
            boolean f3 = seed[0] == 0x90 || seed[0] == 0x0F && (seed[1] == 0xB8 || seed[1] == 0xBC || seed[1] == 0xBD);
            if (f3 && rnd.nextBoolean()) {
                pfx[np++] = 0xF3; // PAUSE, POPCNT, TZCNT, LZCNT
            }
        } else if (string && rnd.nextInt(3) == 0) {
            pfx[np++] = rnd.nextBoolean() ? 0xF3 : 0xF2;
        } else if (map >= 65) {
            // the SSE maps: each mandatory prefix (or none) about equally often
            int m = rnd.nextInt(4);
            if (m == 1 && (np == 0 || pfx[0] != 0x66)) {
                pfx[np++] = 0x66;
            } else if (m >= 2) {
                pfx[np++] = m == 2 ? 0xF3 : 0xF2;
            }
        }
        for (int i = np - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = pfx[i];
            pfx[i] = pfx[j];
            pfx[j] = t;
        }
        for (int i = 0; i < np; i++) {
            b[n++] = (byte) pfx[i];
        }
        if (mode == 64 && rnd.nextBoolean()) {
            b[n++] = (byte) (0x40 + rnd.nextInt(16));
        }
        if (seed != null) {
            for (int x : seed) {
                b[n++] = (byte) x;
            }
            while (n < b.length) {
                b[n++] = (byte) rnd.nextInt(256);
            }
            return b;
        }
        if (map >= 55 && map < 65) {
            // x87: every escape opcode, register and memory forms alike
            b[n++] = (byte) (0xD8 + rnd.nextInt(8));
            b[n++] = (byte) (rnd.nextBoolean() ? 0xC0 + rnd.nextInt(64) : rnd.nextInt(0xC0));
            while (n < b.length) {
                b[n++] = (byte) rnd.nextInt(256);
            }
            return b;
        }
        if (map >= 65) {
            b[n++] = 0x0F;
            if (map >= 93) {
                b[n++] = 0x3A;
            } else if (map >= 85) {
                b[n++] = 0x38;
            }
        }
        b[n++] = (byte) opc;
        // ModRM: bias toward memory forms with SIB and displacements
        int modrm = rnd.nextInt(256);
        b[n++] = (byte) modrm;
        while (n < b.length) {
            b[n++] = (byte) rnd.nextInt(256);
        }
        return b;
    }

    /**
     * A VEX instruction: 67 and segment prefixes now and then (the others make VEX invalid), C4
     * or (map 0F) C5, each map equally often, mostly a VEX.pp and opcode the VEX table lists,
     * random R/X/B (64-bit mode), W, L and vvvv (unused half the time), a register or memory
     * ModRM, then random SIB, displacement and immediate bytes. Outside 64-bit mode C4/C5 are
     * VEX only with ModRM.mod = 11 in their place: R and X (and for C5 vvvv[3]) are 1 as encoded.
     */
    private byte[] vexCandidate() {
        byte[] b = new byte[32];
        int n = 0;
        if (rnd.nextInt(6) == 0) {
            b[n++] = 0x67;
        }
        if (rnd.nextInt(6) == 0) {
            b[n++] = (byte) SEGS[rnd.nextInt(SEGS.length)];
        }
        int map = 1 + rnd.nextInt(3);
        boolean c5 = map == 1 && rnd.nextBoolean();
        int[] listed = VEX_LISTED[map - 1];
        int op = rnd.nextInt(8) != 0 ? listed[rnd.nextInt(listed.length)] : rnd.nextInt(4 * 256);
        int pp = op >> 8;
        int opc = op & 0xFF;
        int w = c5 ? 0 : rnd.nextInt(2);
        int l = rnd.nextInt(2);
        int vvvv = rnd.nextBoolean() ? 0 : rnd.nextInt(c5 && mode != 64 ? 8 : 16);
        int rxb = mode == 64 ? rnd.nextInt(8) : rnd.nextInt(2); // as the REX bits (encoded inverted)
        int last = (~vvvv & 15) << 3 | l << 2 | pp;
        if (c5) {
            b[n++] = (byte) 0xC5;
            b[n++] = (byte) ((~rxb & 4) << 5 | last);
        } else {
            b[n++] = (byte) 0xC4;
            b[n++] = (byte) ((~rxb & 7) << 5 | map);
            b[n++] = (byte) (w << 7 | last);
        }
        b[n++] = (byte) opc;
        b[n++] = (byte) (rnd.nextBoolean() ? 0xC0 | rnd.nextInt(64) : rnd.nextInt(0xC0));
        while (n < b.length) {
            b[n++] = (byte) rnd.nextInt(256);
        }
        return b;
    }
}
