package org.apboot.core.decode;

import java.util.Random;

/**
 * Random valid instruction encodings for one mode: prefix mixes (66, 67, segment, REP/REPNE on
 * string and mandatory-prefix opcodes, REX in 64-bit mode, LOCK on lockable memory forms), every
 * opcode map, random ModRM/SIB/displacement/immediate bytes. Validity is judged by the decoder
 * itself (INVALID candidates are dropped); the oracle decides whether the judgement is right.
 */
final class InsnGenerator {
    private static final int[] SEGS = {0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65};

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
            if (len <= 0 || insn.op == Op.INVALID || excluded(b, len)) {
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
    private boolean excluded(byte[] b, int len) {
        // 3DNow! (0F 0F): the mnemonic comes from the trailing byte, many values are undefined.
        // 0F 1A/1B: MPX bound instructions in objdump, reserved NOPs here (MPX is gone).
        // SALC (D6): undocumented, objdump prints (bad).
        // F2/F3 on the 0F 18-1F hint space: objdump's prefix handling there is table-specific.
        if (insn.opcode >= 0x118 && insn.opcode <= 0x11F && insn.rep != Insn.REP_NONE) {
            return true;
        }
        // VEX (C4/C5): out of scope, recognised by length only.
        // 66 0F 09: objdump rejects the prefix because F3 0F 09 is WBNOINVD; the CPU ignores it.
        return insn.opcode == 0x10F || insn.opcode == 0x11A || insn.opcode == 0x11B || insn.op == Op.SALC
                || "(vex)".equals(insn.unimplementedName) || insn.opcode == 0x109 && insn.opSizePrefix;
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
        byte[] b = new byte[32];
        int n = 0;
        int map = rnd.nextInt(100);
        int opc;
        do {
            opc = rnd.nextInt(256);
        } while (map < 70 && (isPrefix(opc) || opc == 0x0F || mode == 64 && (opc & 0xF0) == 0x40));
        boolean string = map < 70 && (opc >= 0xA4 && opc <= 0xA7 || opc >= 0xAA && opc <= 0xAF
                || opc >= 0x6C && opc <= 0x6F);
        int[] pfx = new int[4];
        int np = 0;
        if (rnd.nextInt(4) == 0) {
            pfx[np++] = 0x66;
        }
        if (rnd.nextInt(6) == 0) {
            pfx[np++] = 0x67;
        }
        if (rnd.nextInt(6) == 0) {
            pfx[np++] = SEGS[rnd.nextInt(SEGS.length)];
        }
        if (string && rnd.nextInt(3) == 0 || map >= 70 && rnd.nextInt(4) == 0) {
            pfx[np++] = rnd.nextBoolean() ? 0xF3 : 0xF2;
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
        if (map >= 70) {
            b[n++] = 0x0F;
            if (map >= 95) {
                b[n++] = 0x3A;
            } else if (map >= 90) {
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
}
