package org.apboot.core.decode;

import static org.apboot.core.decode.Entry.*;

/**
 * x86 instruction decoder for 16-, 32- and 64-bit code: prefixes, opcode maps (one-byte, 0F,
 * 0F 38, 0F 3A), ModRM groups, addressing and immediates, filling a caller-owned {@link Insn}.
 *
 * <p>Table driven ({@link OpcodeTable}); no allocation and no exceptions on any input.
 */
public final class Decoder {
    private Decoder() {
    }

    /** Longest legal instruction. */
    public static final int MAX_LENGTH = 15;

    private static final byte[] KIND = {
        Insn.K_NONE, Insn.K_REG, Insn.K_RM, Insn.K_IMM, Insn.K_ONE, Insn.K_CL, Insn.K_DX,
        Insn.K_REG, Insn.K_REG, Insn.K_RM, Insn.K_RM, Insn.K_NONE, Insn.K_NONE, Insn.K_NONE,
        Insn.K_NONE, Insn.K_NONE};

    private static final long XCHG_R8 = OpcodeTable.ONE[0x91];
    private static final long PAUSE = Entry.make(Op.PAUSE, 0, 0, 0, 0, 0, 0);
    private static final long X87_ENTRY = Entry.make(Op.UNIMPLEMENTED, O_NONE, O_RM, O_NONE, I_NONE,
            F_MODRM | F_NAME, 0);

    /**
     * Decodes one instruction.
     *
     * @param code  bytes
     * @param off   offset of the first byte in {@code code}
     * @param avail number of bytes available from {@code off}
     * @param mode  16, 32 (CS.D default size) or 64 (64-bit code segment)
     * @param out   filled with the decoded instruction ({@link Insn#clear()} first)
     * @return the length (1..15), or 0 when {@code avail} bytes end before the instruction does
     */
    public static int decode(byte[] code, int off, int avail, int mode, Insn out) {
        if (out == null) {
            return 0;
        }
        out.clear();
        out.mode = mode;
        int lim = code == null || off < 0 || off > code.length ? 0 : Math.min(avail, code.length - off);
        if (lim > MAX_LENGTH) {
            lim = MAX_LENGTH;
        }
        if (lim <= 0) {
            return 0;
        }
        if (mode != 16 && mode != 32 && mode != 64) {
            return invalid(out, 1);
        }
        // ---- prefixes
        int p = 0;
        int seg = -1;
        int rep = Insn.REP_NONE;
        int rex = 0;
        boolean lock = false;
        boolean osz = false;
        boolean asz = false;
        int b;
        for (;;) {
            if (p >= lim) {
                return more(out, p + 1);
            }
            b = code[off + p] & 0xFF;
            switch (b) {
                case 0x26: seg = Insn.ES; break;
                case 0x2E: seg = Insn.CS; break;
                case 0x36: seg = Insn.SS; break;
                case 0x3E: seg = Insn.DS; break;
                case 0x64: seg = Insn.FS; break;
                case 0x65: seg = Insn.GS; break;
                case 0x66: osz = true; break;
                case 0x67: asz = true; break;
                case 0xF0: lock = true; break;
                case 0xF2: rep = Insn.REPNE; break;
                case 0xF3: rep = Insn.REP; break;
                default:
                    if (mode == 64 && (b & 0xF0) == 0x40) {
                        rex = b;
                        p++;
                        continue;
                    }
                    b = -1;
            }
            if (b < 0) {
                break;
            }
            rex = 0; // REX counts only immediately before the opcode
            p++;
        }
        b = code[off + p] & 0xFF;
        p++;
        out.lock = lock;
        out.rep = rep;
        out.rex = rex != 0;
        out.opSizePrefix = osz;
        out.addrSizePrefix = asz;
        out.segOverride = seg;
        int addrSize = mode == 64 ? (asz ? 4 : 8) : mode == 32 ? (asz ? 2 : 4) : (asz ? 4 : 2);
        out.addrSize = addrSize;

        // ---- opcode
        long e;
        int map = 0;
        int opc = b;
        int x87 = 0;
        if (b == 0x0F) {
            if (p >= lim) {
                return more(out, p + 1);
            }
            opc = code[off + p] & 0xFF;
            p++;
            if (opc == 0x38 || opc == 0x3A) {
                if (p >= lim) {
                    return more(out, p + 1);
                }
                map = opc == 0x38 ? 2 : 3;
                opc = code[off + p] & 0xFF;
                p++;
                int mp = rep == Insn.REP ? 2 : rep == Insn.REPNE ? 3 : osz ? 1 : 0;
                e = (map == 2 ? OpcodeTable.T38 : OpcodeTable.T3A)[mp][opc];
            } else {
                map = 1;
                e = twoByte(opc, rep, osz);
            }
        } else if (b >= 0xD8 && b <= 0xDF) {
            x87 = 1;
            e = X87_ENTRY;
        } else if ((b == 0xC4 || b == 0xC5 || b == 0x62) && mode != 64 && p >= lim) {
            return more(out, p + 1); // VEX/EVEX or LES/LDS/BOUND: decided by the next byte
        } else if ((b == 0xC4 || b == 0xC5) && mode == 64
                || (b == 0xC4 || b == 0xC5 || b == 0x62) && mode != 64 && peekMod3(code, off, p, lim)) {
            out.opcode = b;
            if (b == 0x62) {
                return invalid(out, p + 1); // EVEX: not supported (the second byte decided it)
            }
            return vex(code, off, p, lim, b, mode, out);
        } else {
            e = OpcodeTable.ONE[b];
            if (b == 0x63 && mode == 64) {
                e = OpcodeTable.MOVSXD_ENTRY;
            } else if (b == 0x90) {
                if (rep == Insn.REP) {
                    e = PAUSE;
                } else if ((rex & 1) != 0) {
                    e = XCHG_R8;
                }
            }
        }
        out.opcode = map << 8 | opc;
        int flags = Entry.flags(e);
        if ((flags & F_VALID) == 0 || (flags & F_I64) != 0 && mode == 64) {
            return invalid(out, p);
        }

        // ---- ModRM and group member
        // a group looked up in a mandatory-prefix table lists its prefixed members itself
        boolean prefixTable = map == 1 && e != OpcodeTable.TWO[opc];
        int modrm = -1;
        if ((flags & F_MODRM) != 0) {
            if (p >= lim) {
                return more(out, p + 1);
            }
            modrm = code[off + p] & 0xFF;
            p++;
            out.modrm = modrm;
            if ((flags & F_GROUP) != 0) {
                int i = OpcodeTable.member(modrm);
                long m = OpcodeTable.GROUPS[Entry.aux(e)][i];
                if ((Entry.flags(m) & F_VALID) == 0 && prefixTable) {
                    // a prefixed group lists only its own members; the others are the
                    // unprefixed group's, the prefix then being ignored
                    long base = OpcodeTable.TWO[opc];
                    if ((Entry.flags(base) & (F_GROUP | F_SSE)) == F_GROUP) {
                        m = OpcodeTable.GROUPS[Entry.aux(base)][i];
                    }
                }
                int mf = Entry.flags(m);
                if ((mf & F_VALID) == 0) {
                    return invalid(out, p);
                }
                e = m;
                flags = (flags & ~F_GROUP) | mf;
            }
            if (x87 != 0) {
                int id = X87Table.nameId(b, modrm);
                if (id < 0) {
                    return invalid(out, p);
                }
                e = Entry.make(Op.UNIMPLEMENTED, O_NONE, O_RM, O_NONE, I_NONE, flags, id);
            }
        }
        if ((flags & F_I64) != 0 && mode == 64 || (flags & F_O64) != 0 && mode != 64) {
            return invalid(out, p);
        }
        Op op = Op.of(Entry.op(e));

        // ---- sizes
        int os;
        if ((flags & F_BYTE) != 0) {
            os = 1;
        } else if (mode == 64) {
            os = (rex & 8) != 0 || (flags & F_F64) != 0 ? 8 : osz ? 2 : (flags & F_D64) != 0 ? 8 : 4;
        } else {
            os = (mode == 32) != osz ? 4 : 2;
        }
        if ((flags & (F_OP16 | F_MAX32 | F_CRSZ | F_DTSZ)) != 0) {
            if ((flags & F_OP16) != 0) {
                os = 2;
            } else if ((flags & F_MAX32) != 0 && os == 8) {
                os = 4;
            } else if ((flags & F_CRSZ) != 0) {
                os = mode == 64 ? 8 : 4;
            } else if ((flags & F_DTSZ) != 0 && mode == 64) {
                os = 8;
            }
        }
        if (op == Op.CMPXCHG8B) {
            os = (rex & 8) != 0 ? 16 : 8;
        }
        int srcSize = (flags & F_S8) != 0 ? 1 : (flags & F_S16) != 0 ? 2 : (flags & F_S32) != 0 ? Math.min(4, os) : os;

        // ---- operands
        int dk = Entry.dst(e);
        int sk = Entry.src(e);
        int s2k = Entry.src2(e);
        out.dst = KIND[dk];
        out.src = KIND[sk];
        out.src2 = KIND[s2k];
        if (modrm >= 0) {
            int mod = modrm >>> 6;
            int reg = ((modrm >>> 3) & 7) | ((rex & 4) << 1);
            int rm = modrm & 7;
            if ((flags & F_MEM) != 0 && mod == 3 || (flags & F_REGONLY) != 0 && mod != 3) {
                return invalid(out, p);
            }
            if ((flags & F_SREG) != 0) {
                reg &= 7;
                if (reg > Insn.GS || reg == Insn.CS && op == Op.MOV_TO_SEG) {
                    return invalid(out, p);
                }
            } else if (os == 1 && rex == 0 && reg >= 4 && reg < 8 && (dk == O_REG || sk == O_REG)) {
                reg += 12;
            }
            out.reg = reg;
            if (mod == 3 || (flags & F_MODIGN) != 0) {
                int r = rm | ((rex & 1) << 3);
                if ((os == 1 || srcSize == 1) && rex == 0 && r >= 4 && r < 8) {
                    r += 12;
                }
                out.rmReg = r;
            } else {
                p = Addressing.memory(code, off, p, lim, modrm, rex, addrSize, mode, out);
                if (p < 0) {
                    return more(out, -p);
                }
                if ((flags & F_MEM16) != 0) {
                    os = 2;
                }
            }
        }
        if (dk >= O_OPREG && dk <= O_OPRM || sk == O_OPREG) {
            int r = (opc & 7) | ((rex & 1) << 3);
            if (os == 1 && rex == 0 && r >= 4) {
                r += 12;
            }
            if (dk == O_OPRM) {
                out.rmReg = r;
            } else {
                out.reg = r;
            }
        }
        if (dk == O_ACC || sk == O_ACC) {
            out.reg = 0;
        }

        // ---- immediates
        int ik = Entry.imm(e);
        if (ik != I_NONE) {
            int n = immBytes(ik, os, addrSize);
            if (p + n > lim) {
                return more(out, p + n);
            }
            int i = off + p;
            switch (ik) {
                case I_B:
                case I_JB:
                    out.imm = code[i];
                    break;
                case I_BU:
                    out.imm = code[i] & 0xFF;
                    break;
                case I_W:
                    out.imm = Addressing.le16(code, i);
                    break;
                case I_Z:
                case I_JZ:
                    out.imm = n == 2 ? (short) Addressing.le16(code, i) : Addressing.le32(code, i);
                    break;
                case I_V:
                    out.imm = n == 2 ? (short) Addressing.le16(code, i)
                            : n == 4 ? Addressing.le32(code, i) : Addressing.le64(code, i);
                    break;
                case I_MOFFS:
                    out.disp = n == 2 ? (short) Addressing.le16(code, i)
                            : n == 4 ? Addressing.le32(code, i) : Addressing.le64(code, i);
                    break;
                case I_PTR:
                    out.imm = n == 4 ? Addressing.le16(code, i) : Addressing.le32(code, i) & 0xFFFFFFFFL;
                    out.imm2 = Addressing.le16(code, i + n - 2);
                    break;
                default: // I_ENTER
                    out.imm = Addressing.le16(code, i);
                    out.imm2 = code[i + 2] & 0xFF;
                    break;
            }
            p += n;
        }

        // ---- finish
        out.op = op;
        out.opSize = os;
        out.srcSize = srcSize;
        out.length = p;
        if (seg >= 0 && (mode != 64 || seg >= Insn.FS)) {
            out.seg = seg; // 64-bit mode ignores ES/CS/SS/DS overrides
        }
        if ((flags & F_CC) != 0) {
            out.cond = opc & 15;
        }
        if ((flags & F_SEGAUX) != 0) {
            if (op == Op.LOAD_FAR_PTR) {
                out.sreg = Entry.aux(e);
            } else {
                out.reg = Entry.aux(e);
            }
        }
        if ((flags & F_NAME) != 0) {
            out.unimplementedName = OpcodeTable.NAMES[Entry.aux(e)];
            out.operandForm = OpcodeTable.FORMS[Entry.aux(e)];
        }
        if (lock && (!op.lockable() || out.dst != Insn.K_RM || out.rmReg >= 0)) {
            out.op = Op.INVALID;
        }
        return p;
    }

    /**
     * 0F map lookup with mandatory prefixes: F3/F2 (the last one) take precedence over 66. A
     * REP prefix on an opcode that has prefix variants, or any unmatched mandatory prefix on an
     * SSE opcode, is invalid.
     */
    private static long twoByte(int opc, int rep, boolean osz) {
        long e = rep == Insn.REP ? OpcodeTable.TWO_F3[opc] : rep == Insn.REPNE ? OpcodeTable.TWO_F2[opc]
                : osz ? OpcodeTable.TWO_66[opc] : OpcodeTable.TWO[opc];
        if (e != 0) {
            return e;
        }
        long base = OpcodeTable.TWO[opc];
        if (rep == Insn.REP_NONE && !osz) {
            return base;
        }
        if ((Entry.flags(base) & F_SSE) != 0) {
            return 0;
        }
        if (rep != Insn.REP_NONE && (OpcodeTable.TWO_F3[opc] | OpcodeTable.TWO_F2[opc] | OpcodeTable.TWO_66[opc]) != 0) {
            return 0;
        }
        return base;
    }

    private static int immBytes(int ik, int os, int addrSize) {
        switch (ik) {
            case I_B: case I_BU: case I_JB: return 1;
            case I_W: return 2;
            case I_Z: case I_JZ: return os == 2 ? 2 : 4;
            case I_V: return os == 1 ? 1 : os;
            case I_MOFFS: return addrSize;
            case I_PTR: return os == 2 ? 4 : 6;
            default: return 3;
        }
    }

    private static boolean peekMod3(byte[] code, int off, int p, int lim) {
        return (code[off + p] & 0xC0) == 0xC0;
    }

    /**
     * VEX (C4/C5) encodings: the forms {@link VexTable} lists are decoded fully (operands, and
     * #UD for VEX.L/W/vvvv values they do not define); every other VEX opcode is invalid. The
     * header is C4 RXB.mmmmm W.vvvv.L.pp or C5 R.vvvv.L.pp (R, X, B and vvvv inverted; C5
     * implies map 0F, X = B = 1 and W = 0). Map 0F 3A always has an imm8, the others where the
     * table says so.
     */
    private static int vex(byte[] code, int off, int p, int lim, int b, int mode, Insn out) {
        int hdr = b == 0xC5 ? 1 : 2;
        if (p + hdr + 1 > lim) {
            return more(out, p + hdr + 1);
        }
        int b1 = code[off + p] & 0xFF;
        int last = code[off + p + hdr - 1] & 0xFF; // W vvvv L pp (C4 byte 2) or R vvvv L pp (C5)
        int map = b == 0xC4 ? b1 & 0x1F : 1;
        // R (and X, B for C4) as the REX bits they stand for; outside 64-bit mode they are unused
        int rexLike = mode != 64 ? 0 : b == 0xC4 ? (~b1 >>> 5) & 7 : (~b1 >>> 5) & 4;
        int w = b == 0xC4 ? last >>> 7 : 0;
        int pp = last & 3;
        int l = (last >>> 2) & 1;
        // a register outside 64-bit mode ignores vvvv[3]; an unused vvvv must still be 1111
        int vvvvField = (~last >>> 3) & 15;
        int vvvv = mode == 64 ? vvvvField : vvvvField & 7;
        p += hdr;
        int opc = code[off + p] & 0xFF;
        p++;
        out.opcode = map << 8 | opc;
        if (map < 1 || map > 3 || out.rex || out.lock || out.rep != 0 || out.opSizePrefix) {
            return invalid(out, p);
        }
        out.vex = 0x100 | w << 5 | l << 4 | vvvv;
        if (map == 1 && opc == 0x77) { // no ModRM
            return pp != 0 || vvvvField != 0 ? invalid(out, p)
                    : unimplemented(out, p, l == 0 ? "vzeroupper" : "vzeroall");
        }
        if (p >= lim) {
            return more(out, p + 1);
        }
        int modrm = code[off + p] & 0xFF;
        p++;
        out.modrm = modrm;
        int row = (map - 1) * 4 + pp;
        long e = OpcodeTable.VEX[row][opc];
        int rules = OpcodeTable.VEX_RULES[row][opc];
        if ((Entry.flags(e) & F_GROUP) != 0) {
            e = OpcodeTable.GROUPS[Entry.aux(e)][OpcodeTable.member(modrm)];
        }
        int flags = Entry.flags(e);
        if ((flags & F_VALID) == 0) {
            return invalid(out, p);
        }
        boolean mem = modrm < 0xC0;
        out.reg = ((modrm >>> 3) & 7) | (rexLike & 4) << 1;
        if (mem) {
            p = Addressing.memory(code, off, p, lim, modrm, rexLike, out.addrSize, mode, out);
            if (p < 0) {
                return more(out, -p);
            }
        } else {
            out.rmReg = (modrm & 7) | (rexLike & 1) << 3;
        }
        if (map == 3 || Entry.imm(e) != I_NONE) {
            if (p >= lim) {
                return more(out, p + 1);
            }
            out.imm = code[off + p] & 0xFF;
            p++;
        }
        if ((flags & F_MEM) != 0 && !mem || (flags & F_REGONLY) != 0 && mem
                || (rules & VexTable.L128_ONLY) != 0 && l != 0 || (rules & VexTable.L256_ONLY) != 0 && l == 0
                || (rules & VexTable.W0_ONLY) != 0 && w != 0 || (rules & VexTable.W1_ONLY) != 0 && w == 0
                || (rules & (mem ? VexTable.NO_VVVV_MEM : VexTable.NO_VVVV_REG)) != 0 && vvvvField != 0) {
            return invalid(out, p);
        }
        out.opSize = w != 0 && mode == 64 ? 8 : 4;
        out.srcSize = out.opSize;
        out.src = Insn.K_RM;
        out.unimplementedName = OpcodeTable.NAMES[Entry.aux(e)];
        out.operandForm = OpcodeTable.FORMS[Entry.aux(e)];
        out.op = Op.UNIMPLEMENTED;
        out.length = p;
        if (out.segOverride >= 0 && (mode != 64 || out.segOverride >= Insn.FS)) {
            out.seg = out.segOverride;
        }
        return p;
    }

    private static int unimplemented(Insn out, int len, String name) {
        out.op = Op.UNIMPLEMENTED;
        out.unimplementedName = name;
        out.length = len;
        return len;
    }

    private static int invalid(Insn out, int len) {
        out.op = Op.INVALID;
        out.length = len;
        return len;
    }

    /** Bytes up to {@code end} are needed: more input, or #GP-length when past 15 bytes. */
    private static int more(Insn out, int end) {
        if (end > MAX_LENGTH) {
            return invalid(out, MAX_LENGTH);
        }
        out.op = Op.INVALID;
        out.length = 0;
        return 0;
    }
}
