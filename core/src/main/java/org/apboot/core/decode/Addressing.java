package org.apboot.core.decode;

/**
 * ModRM/SIB memory operands: 16-bit forms (BX+SI ...) and 32/64-bit forms with SIB, disp8/32 and
 * RIP-relative addressing.
 */
final class Addressing {
    private Addressing() {
    }

    private static final int BX = 3, BP = 5, SI = 6, DI = 7;
    private static final int[] BASE16 = {BX, BX, BP, BP, SI, DI, BP, BX};
    private static final int[] INDEX16 = {SI, DI, SI, DI, -1, -1, -1, -1};

    /**
     * Decodes the memory operand of {@code modrm} (mod != 3) whose displacement/SIB start at
     * {@code p}. Fills base, index, scale, disp, ripRel, sib and the default segment (SS for rBP
     * and rSP bases).
     *
     * @return the position after the operand, or {@code -end} when the operand needs bytes up to
     *         {@code end} that are not available ({@code lim} is the readable limit)
     */
    static int memory(byte[] code, int off, int p, int lim, int modrm, int rex, int addrSize,
            int mode, Insn out) {
        int mod = modrm >>> 6;
        int rm = modrm & 7;
        if (addrSize == 2) {
            if (mod == 0 && rm == 6) {
                if (p + 2 > lim) {
                    return -(p + 2);
                }
                out.disp = (short) le16(code, off + p);
                return p + 2;
            }
            out.base = BASE16[rm];
            out.index = INDEX16[rm];
            out.seg = (rm == 2 || rm == 3 || rm == 6) ? Insn.SS : Insn.DS;
            return disp(code, off, p, lim, mod == 1 ? 1 : mod == 2 ? 2 : 0, out);
        }
        int base;
        if (rm == 4) {
            if (p >= lim) {
                return -(p + 1);
            }
            int sib = code[off + p] & 0xFF;
            p++;
            out.sib = sib;
            int idx = ((sib >>> 3) & 7) | ((rex & 2) << 2);
            out.index = idx == 4 ? -1 : idx;
            out.scale = sib >>> 6;
            int b = sib & 7;
            if (b == 5 && mod == 0) {
                base = -1;
                mod = 2; // disp32 follows
            } else {
                base = b | ((rex & 1) << 3);
            }
        } else if (mod == 0 && rm == 5) {
            base = -1;
            out.ripRel = mode == 64;
            mod = 2;
        } else {
            base = rm | ((rex & 1) << 3);
        }
        out.base = base;
        out.seg = (base == 4 || base == 5) ? Insn.SS : Insn.DS;
        return disp(code, off, p, lim, mod == 1 ? 1 : mod == 2 ? 4 : 0, out);
    }

    private static int disp(byte[] code, int off, int p, int lim, int n, Insn out) {
        if (n == 0) {
            return p;
        }
        if (p + n > lim) {
            return -(p + n);
        }
        out.disp = n == 1 ? code[off + p] : n == 2 ? (short) le16(code, off + p) : le32(code, off + p);
        return p + n;
    }

    static int le16(byte[] c, int i) {
        return (c[i] & 0xFF) | (c[i + 1] & 0xFF) << 8;
    }

    static int le32(byte[] c, int i) {
        return (c[i] & 0xFF) | (c[i + 1] & 0xFF) << 8 | (c[i + 2] & 0xFF) << 16 | (c[i + 3] & 0xFF) << 24;
    }

    static long le64(byte[] c, int i) {
        return (le32(c, i) & 0xFFFFFFFFL) | ((long) le32(c, i + 4) << 32);
    }
}
