package org.apboot.core.decode;

/**
 * x87 escape opcodes D8-DF: recognised, not implemented. The length is always the ModRM form's;
 * the name depends on the opcode, ModRM.reg and, for register forms, sometimes ModRM.rm.
 */
final class X87Table {
    private X87Table() {
    }

    /** Memory forms: [opcode - D8][reg]; null = invalid. */
    private static final String[][] MEM = {
        {"fadds", "fmuls", "fcoms", "fcomps", "fsubs", "fsubrs", "fdivs", "fdivrs"},
        {"flds", null, "fsts", "fstps", "fldenv", "fldcw", "fnstenv", "fnstcw"},
        {"fiaddl", "fimull", "ficoml", "ficompl", "fisubl", "fisubrl", "fidivl", "fidivrl"},
        {"fildl", "fisttpl", "fistl", "fistpl", null, "fldt", null, "fstpt"},
        {"faddl", "fmull", "fcoml", "fcompl", "fsubl", "fsubrl", "fdivl", "fdivrl"},
        {"fldl", "fisttpll", "fstl", "fstpl", "frstor", null, "fnsave", "fnstsw"},
        {"fiadds", "fimuls", "ficoms", "ficomps", "fisubs", "fisubrs", "fidivs", "fidivrs"},
        {"filds", "fisttps", "fists", "fistps", "fbld", "fildll", "fbstp", "fistpll"},
    };

    /** Register forms by reg, "*" = depends on rm (see {@link #RM_FORMS}); null = invalid. */
    private static final String[][] REG = {
        {"fadd", "fmul", "fcom", "fcomp", "fsub", "fsubr", "fdiv", "fdivr"},
        {"fld", "fxch", "*", null, "*", "*", "*", "*"},
        {"fcmovb", "fcmove", "fcmovbe", "fcmovu", null, "*", null, null},
        {"fcmovnb", "fcmovne", "fcmovnbe", "fcmovnu", "*", "fucomi", "fcomi", null},
        {"fadd", "fmul", null, null, "fsub", "fsubr", "fdiv", "fdivr"},
        {"ffree", null, "fst", "fstp", "fucom", "fucomp", null, null},
        {"faddp", "fmulp", null, "*", "fsubp", "fsubrp", "fdivp", "fdivrp"},
        {"ffreep", null, null, null, "*", "fucomip", "fcomip", null},
    };

    /** Register forms whose name depends on rm: opcode byte, ModRM byte, name. */
    private static final String[] RM_FORMS = {
        "d9d0 fnop", "d9e0 fchs", "d9e1 fabs", "d9e4 ftst", "d9e5 fxam",
        "d9e8 fld1", "d9e9 fldl2t", "d9ea fldl2e", "d9eb fldpi", "d9ec fldlg2", "d9ed fldln2",
        "d9ee fldz", "d9f0 f2xm1", "d9f1 fyl2x", "d9f2 fptan", "d9f3 fpatan", "d9f4 fxtract",
        "d9f5 fprem1", "d9f6 fdecstp", "d9f7 fincstp", "d9f8 fprem", "d9f9 fyl2xp1",
        "d9fa fsqrt", "d9fb fsincos", "d9fc frndint", "d9fd fscale", "d9fe fsin", "d9ff fcos",
        "dae9 fucompp", "dbe2 fnclex", "dbe3 fninit", "ded9 fcompp", "dfe0 fnstsw",
    };

    /** Name id by (opcode - D8) << 8 | ModRM, or -1 when invalid. */
    private static final short[] IDS = new short[8 * 256];

    static void init() {
        for (int o = 0; o < 8; o++) {
            for (int modrm = 0; modrm < 256; modrm++) {
                int reg = (modrm >> 3) & 7;
                String n = (modrm >> 6) == 3 ? REG[o][reg] : MEM[o][reg];
                if ("*".equals(n)) {
                    n = null;
                }
                IDS[o << 8 | modrm] = (short) (n == null ? -1 : OpcodeTable.nameId(n));
            }
        }
        for (String f : RM_FORMS) {
            int code = Integer.parseInt(f.substring(0, 4), 16);
            IDS[((code >> 8) - 0xD8) << 8 | (code & 0xFF)] = (short) OpcodeTable.nameId(f.substring(5));
        }
    }

    /**
     * Appends the operands of a register form as objdump's AT&amp;T syntax shows them: the forms
     * named by ModRM.rm take none (FNSTSW takes %ax); ST(i) alone for FCOM/FCOMP (D8), FLD/FXCH
     * (D9), the DD forms and FFREEP; "%st(i),%st" where ST(0) is the destination (D8, FCMOVcc, FUCOMI,
     * FCOMI and their popping forms); "%st,%st(i)" where ST(i) is (DC, DE).
     */
    static void registerOperands(int op, int modrm, StringBuilder sb) {
        int reg = (modrm >> 3) & 7;
        String name = REG[(op - 0xD8) & 7][reg];
        if (name == null || "*".equals(name)) {
            if (op == 0xDF && modrm == 0xE0) {
                sb.append("%ax");
            }
            return;
        }
        String st = "%st(" + (modrm & 7) + ")";
        switch (op) {
            case 0xD8:
                sb.append(st);
                if (reg != 2 && reg != 3) {
                    sb.append(",%st");
                }
                return;
            case 0xD9: case 0xDD:
                sb.append(st);
                return;
            case 0xDF:
                sb.append(st);
                if (reg != 0) { // FFREEP names ST(i) alone
                    sb.append(",%st");
                }
                return;
            case 0xDC: case 0xDE:
                sb.append("%st,").append(st);
                return;
            default:
                sb.append(st).append(",%st");
        }
    }

    /**
     * FLDENV, FNSTENV, FRSTOR and FNSAVE with an operand-size prefix use the other environment
     * format, which objdump marks with a suffix: {@code l} (32-bit) in 16-bit mode, {@code s}
     * (16-bit) elsewhere.
     */
    static void environmentSuffix(Insn insn, StringBuilder sb) {
        if (insn.opSizePrefix && insn.rmReg < 0) {
            switch (insn.unimplementedName) {
                case "fldenv": case "fnstenv": case "frstor": case "fnsave":
                    sb.append(insn.mode == 16 ? 'l' : 's');
                    break;
                default:
                    break;
            }
        }
    }

    /** True for an instruction decoded from the x87 escape opcodes. */
    static boolean isX87(Insn insn) {
        return insn.opcode >= 0xD8 && insn.opcode <= 0xDF;
    }

    /** Mnemonic id of x87 opcode {@code op} (D8-DF) with ModRM {@code modrm}, or -1. */
    static int nameId(int op, int modrm) {
        return IDS[((op - 0xD8) & 7) << 8 | (modrm & 0xFF)];
    }
}
