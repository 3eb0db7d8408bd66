package org.apboot.core.decode;

import static org.apboot.core.decode.Entry.*;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Opcode tables of the general-purpose and system instruction set: the one-byte map, the 0F map
 * and the ModRM.reg groups. SSE/MMX/x87 names (recognised but unimplemented) are filled in by
 * {@link SseTable} and {@link X87Table}.
 *
 * <p>Built once at class initialisation; the decoder only reads the arrays.
 */
final class OpcodeTable {
    private OpcodeTable() {
    }

    /** One-byte map. */
    static final long[] ONE = new long[256];
    /** 0F map without a mandatory prefix, and with 66 / F3 / F2 as mandatory prefix. */
    static final long[] TWO = new long[256];
    static final long[] TWO_66 = new long[256];
    static final long[] TWO_F3 = new long[256];
    static final long[] TWO_F2 = new long[256];
    /** 0F 38 and 0F 3A maps by mandatory prefix (index 0 none, 1 66, 2 F3, 3 F2). */
    static final long[][] T38 = new long[4][256];
    static final long[][] T3A = new long[4][256];
    /**
     * VEX forms ({@link VexTable}) by (map - 1) * 4 + VEX.pp (maps 1 0F, 2 0F 38, 3 0F 3A), then
     * opcode; 0 = not listed. {@link #VEX_RULES}: which VEX.L/W/vvvv values each defines.
     */
    static final long[][] VEX = new long[12][256];
    static final byte[][] VEX_RULES = new byte[12][256];
    /** MOVSXD, the 64-bit meaning of opcode 63. */
    static final long MOVSXD_ENTRY;
    /**
     * Groups by id: [0..7] memory forms by ModRM.reg, [8 + (ModRM & 0x3F)] register forms (by
     * reg and rm, so forms named by the whole ModRM byte need no second table).
     */
    static final long[][] GROUPS;
    /** Index of the member for {@code modrm} in a {@link #GROUPS} row. */
    static int member(int modrm) {
        return modrm >= 0xC0 ? 8 + (modrm & 0x3F) : (modrm >>> 3) & 7;
    }

    /** Mnemonics of UNIMPLEMENTED entries, by aux id. */
    static final String[] NAMES;
    /** Operand forms of UNIMPLEMENTED entries (see {@link UnimplementedSyntax}), by aux id. */
    static final String[] FORMS;

    private static final List<long[]> groups = new ArrayList<>();
    private static final List<String> names = new ArrayList<>();
    private static final List<String> forms = new ArrayList<>();
    private static final Map<String, Integer> nameIds = new HashMap<>();

    /** Id of a mnemonic with no operand form (x87: rendered by {@link X87Table}). */
    static int nameId(String name) {
        return nameId(name, null);
    }

    /** Id of the pair (mnemonic, operand form); ids index {@link #NAMES} and {@link #FORMS}. */
    static int nameId(String name, String form) {
        String key = form == null ? name : name + '\0' + form;
        Integer id = nameIds.get(key);
        if (id == null) {
            id = names.size();
            names.add(name);
            forms.add(form);
            nameIds.put(key, id);
        }
        return id;
    }

    /** An UNIMPLEMENTED entry with ModRM (and optional imm) named {@code name}. */
    static long unimpl(String name, String form, int imm, int flags) {
        return make(Op.UNIMPLEMENTED, O_NONE, O_RM, O_NONE, imm, flags | F_NAME | F_MODRM, nameId(name, form));
    }

    /** An UNIMPLEMENTED entry without ModRM. */
    static long unimplNoModrm(String name, String form, int imm, int flags) {
        return make(Op.UNIMPLEMENTED, O_NONE, O_NONE, O_NONE, imm, flags | F_NAME, nameId(name, form));
    }

    /**
     * Registers a group. Sixteen members are by ModRM.reg (memory, then register forms) and are
     * widened to the row layout of {@link #GROUPS}; 72 members are taken as they are.
     */
    private static int newGroup(long[] members) {
        groups.add(members.length == 16 ? widen(members) : members);
        return groups.size() - 1;
    }

    private static long e(Op op, int dst, int src, int imm, int flags) {
        return make(op, dst, src, O_NONE, imm, flags, 0);
    }

    private static long e(Op op, int flags) {
        return make(op, O_NONE, O_NONE, O_NONE, I_NONE, flags, 0);
    }

    /** A group whose eight members share one form (register and memory alike). */
    private static long group(long form, int flags, Op... ops) {
        long[] m = new long[16];
        for (int i = 0; i < 8; i++) {
            if (ops[i] != null) {
                long x = withFlags(withForm(make(ops[i], 0, 0, 0, 0, 0, 0), form), flags);
                m[i] = x;
                m[i + 8] = x;
            }
        }
        return make(Op.INVALID, 0, 0, 0, 0, F_GROUP | F_MODRM | flags, newGroup(m));
    }

    /** The 72-member row of sixteen members by ModRM.reg (see {@link #GROUPS}). */
    static long[] widen(long[] members) {
        long[] row = new long[8 + 64];
        System.arraycopy(members, 0, row, 0, 8);
        for (int i = 0; i < 64; i++) {
            row[8 + i] = members[8 + (i >>> 3)];
        }
        return row;
    }

    static long groupOf(long[] members, int flags) {
        return make(Op.INVALID, 0, 0, 0, 0, F_GROUP | F_MODRM | flags, newGroup(members));
    }

    private static final int M = F_MODRM;
    /** A prefixed-group member that is invalid, not the unprefixed group's member. */
    private static final long BLOCKED = make(Op.INVALID, O_NONE, O_NONE, O_NONE, I_NONE, 0, 0);

    /** Register forms of a group row given as "ModRM name" (the rest as {@link #fillRegForms}). */
    private static void namedRegForms(long[] row, String formPrefix, String... forms) {
        String[] names = new String[64];
        for (String f : forms) {
            names[Integer.parseInt(f.substring(0, 2), 16) & 0x3F] = f.substring(3);
        }
        fillRegForms(row, names, formPrefix, 0);
    }

    /**
     * Register forms of a 72-member group row named by ModRM & 0x3F: entries are a mnemonic,
     * optionally {@code name:form}; a trailing {@code /} marks a 64-bit-only form.
     */
    private static void fillRegForms(long[] row, String[] names, String formPrefix, int flags) {
        if (names.length != 64) {
            throw new IllegalStateException("64 register forms expected");
        }
        for (int i = 0; i < 64; i++) {
            String n = names[i];
            if (n == null) {
                continue;
            }
            int f = flags;
            if (n.endsWith("/")) {
                n = n.substring(0, n.length() - 1);
                f |= F_O64;
            }
            int colon = n.indexOf(':');
            String form = formPrefix + (colon < 0 ? "" : n.substring(colon + 1));
            row[8 + i] = unimplNoModrm(colon < 0 ? n : n.substring(0, colon), form, I_NONE, f);
        }
    }

    static {
        buildOneByte();
        buildTwoByte();
        MOVSXD_ENTRY = e(Op.MOVSXD, O_REG, O_RM, I_NONE, M | F_S32);
        SseTable.fill();
        VexTable.fill();
        X87Table.init();
        GROUPS = groups.toArray(new long[0][]);
        NAMES = names.toArray(new String[0]);
        FORMS = forms.toArray(new String[0]);
    }

    private static void alu(int base, Op op) {
        ONE[base] = e(op, O_RM, O_REG, I_NONE, M | F_BYTE);
        ONE[base + 1] = e(op, O_RM, O_REG, I_NONE, M);
        ONE[base + 2] = e(op, O_REG, O_RM, I_NONE, M | F_BYTE);
        ONE[base + 3] = e(op, O_REG, O_RM, I_NONE, M);
        ONE[base + 4] = e(op, O_ACC, O_IMM, I_B, F_BYTE);
        ONE[base + 5] = e(op, O_ACC, O_IMM, I_Z, 0);
    }

    private static long seg(Op op, int sreg, int flags) {
        return make(op, O_NONE, O_NONE, O_NONE, I_NONE, flags | F_SEGAUX | F_D64, sreg);
    }

    private static void buildOneByte() {
        Op[] alu = {Op.ADD, Op.OR, Op.ADC, Op.SBB, Op.AND, Op.SUB, Op.XOR, Op.CMP};
        for (int i = 0; i < 8; i++) {
            alu(i * 8, alu[i]);
        }
        ONE[0x06] = seg(Op.PUSH_SEG, Insn.ES, F_I64);
        ONE[0x07] = seg(Op.POP_SEG, Insn.ES, F_I64);
        ONE[0x0E] = seg(Op.PUSH_SEG, Insn.CS, F_I64);
        ONE[0x16] = seg(Op.PUSH_SEG, Insn.SS, F_I64);
        ONE[0x17] = seg(Op.POP_SEG, Insn.SS, F_I64);
        ONE[0x1E] = seg(Op.PUSH_SEG, Insn.DS, F_I64);
        ONE[0x1F] = seg(Op.POP_SEG, Insn.DS, F_I64);
        ONE[0x27] = e(Op.DAA, F_I64);
        ONE[0x2F] = e(Op.DAS, F_I64);
        ONE[0x37] = e(Op.AAA, F_I64);
        ONE[0x3F] = e(Op.AAS, F_I64);
        for (int r = 0; r < 8; r++) {
            ONE[0x40 + r] = e(Op.INC, O_OPREG, O_NONE, I_NONE, F_I64);
            ONE[0x48 + r] = e(Op.DEC, O_OPREG, O_NONE, I_NONE, F_I64);
            ONE[0x50 + r] = e(Op.PUSH, O_NONE, O_OPREG, I_NONE, F_D64);
            ONE[0x58 + r] = e(Op.POP, O_OPREG, O_NONE, I_NONE, F_D64);
            ONE[0x90 + r] = e(Op.XCHG, O_OPRM, O_ACC, I_NONE, 0);
            ONE[0xB0 + r] = e(Op.MOV, O_OPREG, O_IMM, I_B, F_BYTE);
            ONE[0xB8 + r] = e(Op.MOV, O_OPREG, O_IMM, I_V, 0);
        }
        ONE[0x90] = e(Op.NOP, 0);
        ONE[0x60] = e(Op.PUSHA, F_I64);
        ONE[0x61] = e(Op.POPA, F_I64);
        ONE[0x62] = e(Op.BOUND, O_REG, O_RM, I_NONE, M | F_I64 | F_MEM);
        ONE[0x63] = e(Op.ARPL, O_RM, O_REG, I_NONE, M | F_OP16);
        ONE[0x68] = e(Op.PUSH, O_NONE, O_IMM, I_Z, F_D64);
        ONE[0x69] = make(Op.IMUL, O_REG, O_RM, O_IMM, I_Z, M, 0);
        ONE[0x6A] = e(Op.PUSH, O_NONE, O_IMM, I_B, F_D64);
        ONE[0x6B] = make(Op.IMUL, O_REG, O_RM, O_IMM, I_B, M, 0);
        ONE[0x6C] = e(Op.INS, F_BYTE);
        ONE[0x6D] = e(Op.INS, F_MAX32);
        ONE[0x6E] = e(Op.OUTS, F_BYTE);
        ONE[0x6F] = e(Op.OUTS, F_MAX32);
        for (int c = 0; c < 16; c++) {
            ONE[0x70 + c] = e(Op.JCC, O_NONE, O_IMM, I_JB, F_F64 | F_CC);
        }
        long ebib = make(Op.INVALID, O_RM, O_IMM, O_NONE, I_B, 0, 0);
        long eviz = make(Op.INVALID, O_RM, O_IMM, O_NONE, I_Z, 0, 0);
        ONE[0x80] = group(ebib, F_BYTE, alu);
        ONE[0x81] = group(eviz, 0, alu);
        ONE[0x82] = group(ebib, F_BYTE | F_I64, alu);
        ONE[0x83] = group(ebib, 0, alu);
        ONE[0x84] = e(Op.TEST, O_RM, O_REG, I_NONE, M | F_BYTE);
        ONE[0x85] = e(Op.TEST, O_RM, O_REG, I_NONE, M);
        ONE[0x86] = e(Op.XCHG, O_RM, O_REG, I_NONE, M | F_BYTE);
        ONE[0x87] = e(Op.XCHG, O_RM, O_REG, I_NONE, M);
        ONE[0x88] = e(Op.MOV, O_RM, O_REG, I_NONE, M | F_BYTE);
        ONE[0x89] = e(Op.MOV, O_RM, O_REG, I_NONE, M);
        ONE[0x8A] = e(Op.MOV, O_REG, O_RM, I_NONE, M | F_BYTE);
        ONE[0x8B] = e(Op.MOV, O_REG, O_RM, I_NONE, M);
        ONE[0x8C] = e(Op.MOV_FROM_SEG, O_RM, O_NONE, I_NONE, M | F_SREG | F_MEM16);
        ONE[0x8D] = e(Op.LEA, O_REG, O_RM, I_NONE, M | F_MEM);
        ONE[0x8E] = e(Op.MOV_TO_SEG, O_NONE, O_RM, I_NONE, M | F_SREG);
        long[] g1a = new long[16];
        g1a[0] = g1a[8] = e(Op.POP, O_RM, O_NONE, I_NONE, F_D64);
        ONE[0x8F] = groupOf(g1a, F_D64);
        ONE[0x98] = e(Op.CBW, 0);
        ONE[0x99] = e(Op.CWD, 0);
        ONE[0x9A] = e(Op.CALL_FAR, O_NONE, O_IMM, I_PTR, F_I64);
        ONE[0x9B] = unimplNoModrm("fwait", "", I_NONE, 0);
        ONE[0x9C] = e(Op.PUSHF, F_D64);
        ONE[0x9D] = e(Op.POPF, F_D64);
        ONE[0x9E] = e(Op.SAHF, 0);
        ONE[0x9F] = e(Op.LAHF, 0);
        ONE[0xA0] = e(Op.MOV, O_ACC, O_MOFFS, I_MOFFS, F_BYTE);
        ONE[0xA1] = e(Op.MOV, O_ACC, O_MOFFS, I_MOFFS, 0);
        ONE[0xA2] = e(Op.MOV, O_MOFFS, O_ACC, I_MOFFS, F_BYTE);
        ONE[0xA3] = e(Op.MOV, O_MOFFS, O_ACC, I_MOFFS, 0);
        Op[] str = {Op.MOVS, Op.CMPS, null, Op.STOS, Op.LODS, Op.SCAS};
        for (int i = 0; i < 6; i++) {
            if (str[i] != null) {
                ONE[0xA4 + 2 * i] = e(str[i], F_BYTE);
                ONE[0xA5 + 2 * i] = e(str[i], 0);
            }
        }
        ONE[0xA8] = e(Op.TEST, O_ACC, O_IMM, I_B, F_BYTE);
        ONE[0xA9] = e(Op.TEST, O_ACC, O_IMM, I_Z, 0);
        Op[] sh = {Op.ROL, Op.ROR, Op.RCL, Op.RCR, Op.SHL, Op.SHR, Op.SHL, Op.SAR};
        ONE[0xC0] = group(make(Op.INVALID, O_RM, O_IMM, O_NONE, I_BU, 0, 0), F_BYTE, sh);
        ONE[0xC1] = group(make(Op.INVALID, O_RM, O_IMM, O_NONE, I_BU, 0, 0), 0, sh);
        ONE[0xD0] = group(make(Op.INVALID, O_RM, O_ONE, O_NONE, I_NONE, 0, 0), F_BYTE, sh);
        ONE[0xD1] = group(make(Op.INVALID, O_RM, O_ONE, O_NONE, I_NONE, 0, 0), 0, sh);
        ONE[0xD2] = group(make(Op.INVALID, O_RM, O_CL, O_NONE, I_NONE, 0, 0), F_BYTE, sh);
        ONE[0xD3] = group(make(Op.INVALID, O_RM, O_CL, O_NONE, I_NONE, 0, 0), 0, sh);
        ONE[0xC2] = e(Op.RET, O_NONE, O_IMM, I_W, F_F64);
        ONE[0xC3] = e(Op.RET, F_F64);
        ONE[0xC4] = make(Op.LOAD_FAR_PTR, O_REG, O_RM, O_NONE, I_NONE,
                M | F_MEM | F_I64 | F_SEGAUX, Insn.ES);
        ONE[0xC5] = make(Op.LOAD_FAR_PTR, O_REG, O_RM, O_NONE, I_NONE,
                M | F_MEM | F_I64 | F_SEGAUX, Insn.DS);
        long[] g11bReg = new long[16];
        long[] g11vReg = new long[16];
        g11bReg[0] = g11bReg[8] = e(Op.MOV, O_RM, O_IMM, I_B, F_BYTE);
        g11vReg[0] = g11vReg[8] = e(Op.MOV, O_RM, O_IMM, I_Z, 0);
        // XABORT and XBEGIN are register forms with ModRM F8 only
        long[] g11b = widen(g11bReg);
        long[] g11v = widen(g11vReg);
        g11b[8 + 0x38] = unimpl("xabort", "I", I_BU, F_BYTE);
        g11v[8 + 0x38] = make(Op.UNIMPLEMENTED, O_NONE, O_RM, O_NONE, I_JZ, F_NAME, nameId("xbegin", "J;sz"));
        ONE[0xC6] = groupOf(g11b, F_BYTE);
        ONE[0xC7] = groupOf(g11v, 0);
        ONE[0xC8] = e(Op.ENTER, O_NONE, O_NONE, I_ENTER, F_D64);
        ONE[0xC9] = e(Op.LEAVE, F_D64);
        ONE[0xCA] = e(Op.RET_FAR, O_NONE, O_IMM, I_W, 0);
        ONE[0xCB] = e(Op.RET_FAR, 0);
        ONE[0xCC] = e(Op.INT3, 0);
        ONE[0xCD] = e(Op.INT, O_NONE, O_NONE, I_BU, 0);
        ONE[0xCE] = e(Op.INTO, F_I64);
        ONE[0xCF] = e(Op.IRET, 0);
        ONE[0xD4] = e(Op.AAM, O_NONE, O_NONE, I_BU, F_I64);
        ONE[0xD5] = e(Op.AAD, O_NONE, O_NONE, I_BU, F_I64);
        ONE[0xD6] = e(Op.SALC, F_I64);
        ONE[0xD7] = e(Op.XLAT, F_BYTE);
        ONE[0xE0] = e(Op.LOOPNE, O_NONE, O_IMM, I_JB, F_F64);
        ONE[0xE1] = e(Op.LOOPE, O_NONE, O_IMM, I_JB, F_F64);
        ONE[0xE2] = e(Op.LOOP, O_NONE, O_IMM, I_JB, F_F64);
        ONE[0xE3] = e(Op.JRCXZ, O_NONE, O_IMM, I_JB, F_F64);
        ONE[0xE4] = e(Op.IN, O_ACC, O_IMM, I_BU, F_BYTE);
        ONE[0xE5] = e(Op.IN, O_ACC, O_IMM, I_BU, F_MAX32);
        ONE[0xE6] = e(Op.OUT, O_IMM, O_ACC, I_BU, F_BYTE);
        ONE[0xE7] = e(Op.OUT, O_IMM, O_ACC, I_BU, F_MAX32);
        ONE[0xE8] = e(Op.CALL, O_NONE, O_IMM, I_JZ, F_F64);
        ONE[0xE9] = e(Op.JMP, O_NONE, O_IMM, I_JZ, F_F64);
        ONE[0xEA] = e(Op.JMP_FAR, O_NONE, O_IMM, I_PTR, F_I64);
        ONE[0xEB] = e(Op.JMP, O_NONE, O_IMM, I_JB, F_F64);
        ONE[0xEC] = e(Op.IN, O_ACC, O_DX, I_NONE, F_BYTE);
        ONE[0xED] = e(Op.IN, O_ACC, O_DX, I_NONE, F_MAX32);
        ONE[0xEE] = e(Op.OUT, O_DX, O_ACC, I_NONE, F_BYTE);
        ONE[0xEF] = e(Op.OUT, O_DX, O_ACC, I_NONE, F_MAX32);
        ONE[0xF1] = e(Op.INT1, 0);
        ONE[0xF4] = e(Op.HLT, 0);
        ONE[0xF5] = e(Op.CMC, 0);
        long[] g3b = new long[16];
        long[] g3v = new long[16];
        Op[] g3 = {Op.TEST, Op.TEST, Op.NOT, Op.NEG, Op.MUL, Op.IMUL1, Op.DIV, Op.IDIV};
        for (int r = 0; r < 8; r++) {
            long b = r < 2 ? e(g3[r], O_RM, O_IMM, I_B, F_BYTE) : e(g3[r], O_RM, O_NONE, I_NONE, F_BYTE);
            long v = r < 2 ? e(g3[r], O_RM, O_IMM, I_Z, 0) : e(g3[r], O_RM, O_NONE, I_NONE, 0);
            g3b[r] = g3b[r + 8] = b;
            g3v[r] = g3v[r + 8] = v;
        }
        ONE[0xF6] = groupOf(g3b, F_BYTE);
        ONE[0xF7] = groupOf(g3v, 0);
        ONE[0xF8] = e(Op.CLC, 0);
        ONE[0xF9] = e(Op.STC, 0);
        ONE[0xFA] = e(Op.CLI, 0);
        ONE[0xFB] = e(Op.STI, 0);
        ONE[0xFC] = e(Op.CLD, 0);
        ONE[0xFD] = e(Op.STD, 0);
        long[] g4 = new long[16];
        g4[0] = g4[8] = e(Op.INC, O_RM, O_NONE, I_NONE, F_BYTE);
        g4[1] = g4[9] = e(Op.DEC, O_RM, O_NONE, I_NONE, F_BYTE);
        ONE[0xFE] = groupOf(g4, F_BYTE);
        long[] g5 = new long[16];
        g5[0] = g5[8] = e(Op.INC, O_RM, O_NONE, I_NONE, 0);
        g5[1] = g5[9] = e(Op.DEC, O_RM, O_NONE, I_NONE, 0);
        g5[2] = g5[10] = e(Op.CALL, O_NONE, O_RM, I_NONE, F_F64);
        g5[3] = e(Op.CALL_FAR, O_NONE, O_RM, I_NONE, 0);
        g5[4] = g5[12] = e(Op.JMP, O_NONE, O_RM, I_NONE, F_F64);
        g5[5] = e(Op.JMP_FAR, O_NONE, O_RM, I_NONE, 0);
        g5[6] = g5[14] = e(Op.PUSH, O_NONE, O_RM, I_NONE, F_D64);
        ONE[0xFF] = groupOf(g5, 0);
    }

    private static void buildTwoByte() {
        long[] g6 = new long[16];
        g6[0] = g6[8] = e(Op.SLDT, O_RM, O_NONE, I_NONE, F_MEM16);
        g6[1] = g6[9] = e(Op.STR, O_RM, O_NONE, I_NONE, F_MEM16);
        g6[2] = g6[10] = e(Op.LLDT, O_NONE, O_RM, I_NONE, F_OP16);
        g6[3] = g6[11] = e(Op.LTR, O_NONE, O_RM, I_NONE, F_OP16);
        g6[4] = g6[12] = e(Op.VERR, O_NONE, O_RM, I_NONE, F_OP16);
        g6[5] = g6[13] = e(Op.VERW, O_NONE, O_RM, I_NONE, F_OP16);
        TWO[0x00] = groupOf(g6, 0);
        long[] g7 = new long[16];
        g7[0] = e(Op.SGDT, O_RM, O_NONE, I_NONE, F_DTSZ);
        g7[1] = e(Op.SIDT, O_RM, O_NONE, I_NONE, F_DTSZ);
        g7[2] = e(Op.LGDT, O_NONE, O_RM, I_NONE, F_DTSZ);
        g7[3] = e(Op.LIDT, O_NONE, O_RM, I_NONE, F_DTSZ);
        g7[4] = g7[12] = e(Op.SMSW, O_RM, O_NONE, I_NONE, F_MEM16);
        g7[6] = g7[14] = e(Op.LMSW, O_NONE, O_RM, I_NONE, F_OP16);
        g7[7] = e(Op.INVLPG, O_NONE, O_RM, I_NONE, 0);
        long[] g7row = widen(g7);
        // register forms named by the whole ModRM byte: "name" or "name:operand form"
        String[] g7names = {
            "enclv", "vmcall", "vmlaunch", "vmresume", "vmxoff", "pconfig", "wrmsrns", null,
            "monitor:A,%ecx,%edx", "mwait:%eax,%ecx", "clac", "stac", null, null, null, "encls",
            "xgetbv", "xsetbv", null, null, "vmfunc", "xend", "xtest", "enclu",
            "vmrun", "vmmcall", "vmload", "vmsave", "stgi", "clgi", "skinit", "invlpga",
            null, null, null, null, null, null, null, null,
            "serialize", null, null, null, null, null, "rdpkru", "wrpkru",
            null, null, null, null, null, null, null, null,
            null, "rdtscp", "monitorx:A,%ecx,%edx", "mwaitx:%eax,%ecx,%ebx", "clzero", "rdpru", "invlpgb",
            "tlbsync"};
        fillRegForms(g7row, g7names, "", 0);
        g7row[8 + 0x38] = e(Op.SWAPGS, F_O64);
        g7row[8 + 0x39] = e(Op.RDTSCP, 0);
        TWO[0x01] = groupOf(g7row, 0);
        // prefixed 0F 01 forms (shadow stacks, TDX/SEV guest and host calls, user interrupts);
        // members not listed fall back to the unprefixed group
        long[] g7f3 = new long[8 + 64];
        g7f3[5] = unimpl("rstorssp", "=M", I_NONE, F_MEM);
        namedRegForms(g7f3, "=", "c6 wrmsrlist/", "d9 vmgexit", "e8 setssbsy", "ea saveprevssp", "ec uiret/",
                "ed testui/", "ee clui/", "ef stui/", "fa mcommit", "fd rmpquery/", "fe rmpadjust/", "ff psmash/");
        g7f3[8 + 0x0F] = g7f3[8 + 0x3B] = BLOCKED; // ENCLS and MWAITX take no F3
        TWO_F3[0x01] = groupOf(g7f3, 0);
        long[] g7f2 = new long[8 + 64];
        namedRegForms(g7f2, "=", "c6 rdmsrlist/", "d9 vmgexit", "e8 xsusldtrk", "e9 xresldtrk", "fe rmpupdate/",
                "ff pvalidate");
        for (int m : new int[] {0x0F, 0x2E, 0x2F, 0x3A, 0x3B, 0x3D}) {
            g7f2[8 + m] = BLOCKED; // ENCLS, RDPKRU, WRPKRU, MONITORX, MWAITX and RDPRU take no F2
        }
        TWO_F2[0x01] = groupOf(g7f2, 0);
        long[] g7p66 = new long[8 + 64];
        g7p66[8 + 0x0C] = unimplNoModrm("tdcall", "", I_NONE, 0);
        g7p66[8 + 0x0D] = unimplNoModrm("seamret", "", I_NONE, F_O64);
        g7p66[8 + 0x0E] = unimplNoModrm("seamops", "", I_NONE, F_O64);
        g7p66[8 + 0x0F] = unimplNoModrm("seamcall", "", I_NONE, F_O64);
        for (int m : new int[] {0x06, 0x19, 0x28, 0x2E, 0x2F, 0x3A, 0x3B, 0x3D, 0x3E, 0x3F}) {
            g7p66[8 + m] = BLOCKED; // forms that take no 66 prefix
        }
        TWO_66[0x01] = groupOf(g7p66, 0);
        TWO[0x02] = e(Op.LAR, O_REG, O_RM, I_NONE, M | F_S16);
        TWO[0x03] = e(Op.LSL, O_REG, O_RM, I_NONE, M | F_S16);
        TWO[0x05] = e(Op.SYSCALL, 0);
        TWO[0x06] = e(Op.CLTS, 0);
        TWO[0x07] = e(Op.SYSRET, 0);
        TWO[0x08] = e(Op.INVD, 0);
        TWO[0x09] = e(Op.WBINVD, 0);
        TWO_F3[0x09] = unimplNoModrm("wbnoinvd", "=", I_NONE, 0);
        TWO[0x0B] = e(Op.UD2, 0);
        // hint NOPs; prefetches are NOPs architecturally (the renderer names them)
        TWO[0x0D] = e(Op.NOP, O_NONE, O_RM, I_NONE, M | F_MEM);
        for (int op = 0x18; op <= 0x1F; op++) {
            TWO[op] = e(Op.NOP, O_NONE, O_RM, I_NONE, M);
        }
        TWO_F3[0x1E] = TWO_F2[0x1E] = TWO[0x1E];
        TWO[0x20] = e(Op.MOV_FROM_CR, O_RM, O_NONE, I_NONE, M | F_MODIGN | F_CRSZ | F_SPECREG);
        TWO[0x21] = e(Op.MOV_FROM_DR, O_RM, O_NONE, I_NONE, M | F_MODIGN | F_CRSZ | F_SPECREG);
        TWO[0x22] = e(Op.MOV_TO_CR, O_NONE, O_RM, I_NONE, M | F_MODIGN | F_CRSZ | F_SPECREG);
        TWO[0x23] = e(Op.MOV_TO_DR, O_NONE, O_RM, I_NONE, M | F_MODIGN | F_CRSZ | F_SPECREG);
        TWO[0x30] = e(Op.WRMSR, 0);
        TWO[0x31] = e(Op.RDTSC, 0);
        TWO[0x32] = e(Op.RDMSR, 0);
        TWO[0x33] = unimplNoModrm("rdpmc", "", I_NONE, 0);
        TWO[0x34] = e(Op.SYSENTER, 0);
        TWO[0x35] = e(Op.SYSEXIT, 0);
        TWO[0x37] = unimplNoModrm("getsec", "", I_NONE, 0);
        for (int c = 0; c < 16; c++) {
            TWO[0x40 + c] = e(Op.CMOVCC, O_REG, O_RM, I_NONE, M | F_CC);
            TWO[0x80 + c] = e(Op.JCC, O_NONE, O_IMM, I_JZ, F_F64 | F_CC);
            TWO[0x90 + c] = e(Op.SETCC, O_RM, O_NONE, I_NONE, M | F_CC | F_BYTE);
        }
        TWO[0xA0] = seg(Op.PUSH_SEG, Insn.FS, 0);
        TWO[0xA1] = seg(Op.POP_SEG, Insn.FS, 0);
        TWO[0xA2] = e(Op.CPUID, 0);
        TWO[0xA3] = e(Op.BT, O_RM, O_REG, I_NONE, M);
        TWO[0xA4] = make(Op.SHLD, O_RM, O_REG, O_IMM, I_BU, M, 0);
        TWO[0xA5] = make(Op.SHLD, O_RM, O_REG, O_CL, I_NONE, M, 0);
        TWO[0xA8] = seg(Op.PUSH_SEG, Insn.GS, 0);
        TWO[0xA9] = seg(Op.POP_SEG, Insn.GS, 0);
        TWO[0xAA] = unimplNoModrm("rsm", "", I_NONE, 0);
        TWO[0xAB] = e(Op.BTS, O_RM, O_REG, I_NONE, M);
        TWO[0xAC] = make(Op.SHRD, O_RM, O_REG, O_IMM, I_BU, M, 0);
        TWO[0xAD] = make(Op.SHRD, O_RM, O_REG, O_CL, I_NONE, M, 0);
        long[] g15 = new long[16];
        String[] g15mem = {"fxsave", "fxrstor", "ldmxcsr", "stmxcsr", "xsave", "xrstor", "xsaveopt"};
        for (int r = 0; r < 7; r++) {
            g15[r] = unimpl(g15mem[r], r == 2 || r == 3 ? "M" : "M;64", I_NONE, 0);
        }
        g15[7] = e(Op.FENCE, O_NONE, O_RM, I_NONE, 0);
        g15[13] = g15[14] = g15[15] = e(Op.FENCE, 0);
        long[] g15row = widen(g15);
        for (int rm = 1; rm < 8; rm++) {
            g15row[8 + 0x30 + rm] = g15row[8 + 0x38 + rm] = 0; // MFENCE and SFENCE take rm = 0 only
        }
        TWO[0xAE] = groupOf(g15row, 0);
        // mandatory-prefix members of group 15; members not listed fall back to the unprefixed
        // group (the prefix is then only rendered)
        long[] g15f3 = new long[16];
        String[] fsgs = {"rdfsbase", "rdgsbase", "wrfsbase", "wrgsbase"};
        for (int r = 0; r < 4; r++) {
            g15f3[8 + r] = unimpl(fsgs[r], "=Ev", I_NONE, 0);
        }
        g15f3[4] = unimpl("ptwrite", "=Ey;m", I_NONE, 0);
        g15f3[12] = unimpl("ptwrite", "=Ey", I_NONE, 0);
        g15f3[13] = unimpl("incsspd", "=Ey;W=incsspq", I_NONE, 0);
        g15f3[6] = unimpl("clrssbsy", "=M", I_NONE, 0);
        g15f3[14] = unimpl("umonitor", "=Ea", I_NONE, 0);
        g15f3[5] = g15f3[7] = BLOCKED; // XRSTOR and CLFLUSH take no F3
        TWO_F3[0xAE] = groupOf(g15f3, 0);
        long[] g15f2 = new long[16];
        g15f2[14] = unimpl("umwait", "=Ey", I_NONE, 0);
        // XSAVE, XRSTOR, XSAVEOPT, CLFLUSH and LFENCE take no F2
        g15f2[4] = g15f2[5] = g15f2[6] = g15f2[7] = g15f2[13] = BLOCKED;
        TWO_F2[0xAE] = groupOf(g15f2, 0);
        long[] g15p66 = new long[16];
        g15p66[6] = unimpl("clwb", "M", I_NONE, 0);
        g15p66[7] = unimpl("clflushopt", "M", I_NONE, 0);
        g15p66[4] = g15p66[5] = g15p66[13] = BLOCKED; // XSAVE, XRSTOR and LFENCE take no 66
        g15p66[14] = unimpl("tpause", "Ey", I_NONE, 0);
        TWO_66[0xAE] = groupOf(g15p66, 0);
        TWO[0xAF] = e(Op.IMUL, O_REG, O_RM, I_NONE, M);
        TWO[0xB0] = e(Op.CMPXCHG, O_RM, O_REG, I_NONE, M | F_BYTE);
        TWO[0xB1] = e(Op.CMPXCHG, O_RM, O_REG, I_NONE, M);
        TWO[0xB2] = make(Op.LOAD_FAR_PTR, O_REG, O_RM, O_NONE, I_NONE, M | F_MEM | F_SEGAUX, Insn.SS);
        TWO[0xB3] = e(Op.BTR, O_RM, O_REG, I_NONE, M);
        TWO[0xB4] = make(Op.LOAD_FAR_PTR, O_REG, O_RM, O_NONE, I_NONE, M | F_MEM | F_SEGAUX, Insn.FS);
        TWO[0xB5] = make(Op.LOAD_FAR_PTR, O_REG, O_RM, O_NONE, I_NONE, M | F_MEM | F_SEGAUX, Insn.GS);
        TWO[0xB6] = e(Op.MOVZX, O_REG, O_RM, I_NONE, M | F_S8);
        TWO[0xB7] = e(Op.MOVZX, O_REG, O_RM, I_NONE, M | F_S16);
        TWO_F3[0xB8] = e(Op.POPCNT, O_REG, O_RM, I_NONE, M);
        TWO[0xB9] = unimpl("ud1", "Ev,Gv", I_NONE, 0);
        Op[] g8 = {null, null, null, null, Op.BT, Op.BTS, Op.BTR, Op.BTC};
        TWO[0xBA] = group(make(Op.INVALID, O_RM, O_IMM, O_NONE, I_BU, 0, 0), 0, g8);
        TWO[0xBB] = e(Op.BTC, O_RM, O_REG, I_NONE, M);
        TWO[0xBC] = e(Op.BSF, O_REG, O_RM, I_NONE, M);
        TWO[0xBD] = e(Op.BSR, O_REG, O_RM, I_NONE, M);
        TWO_F3[0xBC] = e(Op.TZCNT, O_REG, O_RM, I_NONE, M);
        TWO_F3[0xBD] = e(Op.LZCNT, O_REG, O_RM, I_NONE, M);
        TWO[0xBE] = e(Op.MOVSX, O_REG, O_RM, I_NONE, M | F_S8);
        TWO[0xBF] = e(Op.MOVSX, O_REG, O_RM, I_NONE, M | F_S16);
        TWO[0xC0] = e(Op.XADD, O_RM, O_REG, I_NONE, M | F_BYTE);
        TWO[0xC1] = e(Op.XADD, O_RM, O_REG, I_NONE, M);
        long[] g9 = new long[16];
        g9[1] = e(Op.CMPXCHG8B, O_RM, O_NONE, I_NONE, 0);
        g9[3] = unimpl("xrstors", "M;64", I_NONE, 0);
        g9[4] = unimpl("xsavec", "M;64", I_NONE, 0);
        g9[5] = unimpl("xsaves", "M;64", I_NONE, 0);
        g9[6] = unimpl("vmptrld", "M", I_NONE, 0);
        g9[7] = unimpl("vmptrst", "M", I_NONE, 0);
        g9[14] = unimpl("rdrand", "Ev", I_NONE, 0);
        g9[15] = unimpl("rdseed", "Ev", I_NONE, 0);
        TWO[0xC7] = groupOf(g9, 0);
        long[] g9f3 = new long[16];
        g9f3[6] = unimpl("vmxon", "=M", I_NONE, 0);
        g9f3[14] = unimpl("senduipi", "=Eq", I_NONE, F_O64);
        g9f3[15] = unimpl("rdpid", "=Eq", I_NONE, 0);
        TWO_F3[0xC7] = groupOf(g9f3, 0);
        long[] g9p66 = new long[16];
        g9p66[6] = unimpl("vmclear", "M", I_NONE, 0);
        TWO_66[0xC7] = groupOf(g9p66, 0);
        long[] g9f2 = new long[16];
        g9f2[6] = g9f2[14] = g9f2[15] = BLOCKED; // VMPTRLD, RDRAND and RDSEED take no F2
        TWO_F2[0xC7] = groupOf(g9f2, 0);
        for (int r = 0; r < 8; r++) {
            TWO[0xC8 + r] = e(Op.BSWAP, O_OPREG, O_NONE, I_NONE, 0);
        }
        TWO[0xFF] = unimpl("ud0", "Ev,Gv", I_NONE, 0);
    }
}
