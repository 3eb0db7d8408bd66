package org.apboot.core.decode;

/**
 * AT&amp;T rendering of recognised-but-unimplemented instructions (SSE, MMX and the system and
 * general-purpose extensions) from the operand form their table entry carries
 * ({@link Insn#operandForm}). x87 instructions render through {@link X87Table}.
 *
 * <h2>Operand forms</h2>
 * A form is {@code [=]operand,operand...[;modifier;...]}, operands in the order objdump prints
 * them. A leading {@code =} says the F3/F2 prefix selected the instruction (so it is not shown as
 * REP). Operands:
 * <ul>
 * <li>{@code V}/{@code W}: XMM register in ModRM.reg / XMM register or memory in ModRM.rm;
 *     {@code P}/{@code Q}: the same with MMX registers.
 * <li>{@code G}<i>s</i>/{@code E}<i>s</i>: general register in ModRM.reg / general register or
 *     memory in ModRM.rm, of size <i>s</i>: {@code b} byte, {@code v} operand size, {@code y}
 *     64 bits with REX.W else 32, {@code d} 32, {@code q} 64 in 64-bit mode else 32, {@code a}
 *     the address size. {@code M}: memory.
 * <li>{@code I}: imm8; {@code J}: branch target (next instruction + imm); {@code A}: rAX at the
 *     address size; {@code X0}: %xmm0; {@code %name}: that register.
 * <li>VEX: {@code H} the vector register in VEX.vvvv, {@code B}<i>s</i> the general register in
 *     VEX.vvvv, {@code L} the vector register in imm8[7:4]; vector operands are YMM when VEX.L
 *     is 1, unless written with a trailing {@code x} ({@code Vx}, {@code Wx}, {@code Hx}).
 * </ul>
 * A form may be {@code register-form/memory-form}. Modifiers change the mnemonic:
 * {@code W=name} (name with REX.W or VEX.W in 64-bit mode), {@code w=name} (name with
 * VEX.W in any mode: element width), {@code R=name} (name of the register form),
 * {@code 64} and {@code q} (appended with REX.W), {@code m} (size suffix of the first E operand
 * when it is memory, for {@code y} only in 64-bit mode), {@code sz} (operand-size suffix when a
 * 66 prefix changes it), {@code xy} (x or y by VEX.L for a memory operand whose width the
 * registers do not show), {@code cmp} and {@code clmul} (predicate pseudo-ops named by the imm8).
 */
final class UnimplementedSyntax {
    private UnimplementedSyntax() {
    }

    /** Compare predicates by imm8: SSE knows the first eight, VEX all 32. */
    private static final String[] CMP_PREDICATES = {"eq", "lt", "le", "unord", "neq", "nlt", "nle", "ord",
        "eq_uq", "nge", "ngt", "false", "neq_oq", "ge", "gt", "true", "eq_os", "lt_oq", "le_oq", "unord_s",
        "neq_us", "nlt_uq", "nle_uq", "ord_s", "eq_us", "nge_uq", "ngt_uq", "false_os", "neq_os", "ge_oq",
        "gt_oq", "true_us"};
    private static final char[] SUFFIX = {'?', 'b', 'w', '?', 'l', '?', '?', '?', 'q'};

    /** True when an F3/F2 prefix is part of the opcode rather than a REP prefix. */
    static boolean mandatoryRep(Insn insn) {
        String f = insn.operandForm;
        return f != null && !f.isEmpty() && f.charAt(0) == '=';
    }

    /** Appends the mnemonic, as the form's modifiers change it. */
    static void mnemonic(Insn insn, StringBuilder sb) {
        String name = insn.unimplementedName;
        String f = insn.operandForm;
        int semi = f == null ? -1 : f.indexOf(';');
        if (semi < 0) {
            sb.append(name);
            return;
        }
        int slash = f.indexOf('/');
        if (slash >= 0 && slash < semi && insn.rmReg < 0) {
            f = f.substring(slash + 1); // the memory form's operands and modifiers
            semi = f.indexOf(';');
            if (semi < 0) {
                sb.append(name);
                return;
            }
        }
        boolean rexW = insn.opSize == 8 && insn.mode == 64;
        int imm = (int) insn.imm & 0xFF;
        String suffix = "";
        for (String mod : f.substring(semi + 1).split(";")) {
            if (mod.startsWith("W=")) {
                name = rexW ? mod.substring(2) : name;
            } else if (mod.startsWith("w=")) {
                name = (insn.vex & 0x20) != 0 ? mod.substring(2) : name; // VEX.W in any mode
            } else if (mod.startsWith("R=")) {
                name = insn.rmReg >= 0 ? mod.substring(2) : name;
            } else if (mod.equals("64") || mod.equals("q")) {
                suffix = rexW ? mod : suffix;
            } else if (mod.equals("m")) {
                // a 32/64-bit memory operand is ambiguous only in 64-bit mode
                char sz = firstRmSize(f.substring(mandatoryRep(insn) ? 1 : 0, semi));
                if (insn.rmReg < 0 && sz != 0 && (sz != 'y' || insn.mode == 64)) {
                    suffix = String.valueOf(SUFFIX[size(insn, sz)]);
                }
            } else if (mod.equals("sz")) {
                // only a 66 prefix changes the size: REX.W does not make it 64 bits
                suffix = insn.opSize == 2 && insn.mode != 16 ? "w" : insn.opSize == 4 && insn.mode == 16 ? "l" : suffix;
            } else if (mod.equals("cmp") && imm < predicates(insn)) {
                String v = insn.vex != 0 ? "v" : "";
                name = v + "cmp" + CMP_PREDICATES[imm] + name.substring(v.length() + 3);
            } else if (mod.equals("clmul") && clmulPseudoOp(imm) >= 0) {
                int q = clmulPseudoOp(imm);
                name = (insn.vex != 0 ? "v" : "") + "pclmul" + ((q & 1) != 0 ? "hq" : "lq")
                        + ((q & 2) != 0 ? "hq" : "lq") + "dq";
            } else if (mod.equals("xy") && insn.rmReg < 0) {
                suffix = (insn.vex & 0x10) != 0 ? "y" : "x"; // the memory width is not otherwise shown
            }
        }
        sb.append(name).append(suffix);
    }

    /**
     * Appends the operands; returns the RIP-relative comment or null. The imm8 is left out when
     * a predicate pseudo-op already names it.
     */
    static String operands(Insn insn, long next, StringBuilder sb) {
        String f = insn.operandForm;
        int from = mandatoryRep(insn) ? 1 : 0;
        int slash = f.indexOf('/');
        if (slash >= 0) {
            // register form / memory form
            f = insn.rmReg >= 0 ? f.substring(0, slash) : f.substring(slash + 1);
            from = 0;
        }
        int semi = f.indexOf(';');
        String ops = f.substring(from, semi < 0 ? f.length() : semi);
        if (ops.isEmpty()) {
            return null;
        }
        boolean immNamed = semi >= 0 && immInName(insn, f.substring(semi + 1));
        String comment = null;
        boolean first = true;
        for (String t : ops.split(",")) {
            if (t.equals("I") && immNamed) {
                continue;
            }
            if (!first) {
                sb.append(',');
            }
            first = false;
            String c = operand(insn, t, next, sb);
            if (c != null) {
                comment = c;
            }
        }
        return comment;
    }

    /**
     * The (V)PCLMULQDQ pseudo-op objdump names an imm8 by, or -1: bit 0 picks the high quadword
     * of the destination operand, bit 1 that of the source, as imm8 bits 0 and 4 do. Besides 00,
     * 01, 10 and 11 objdump also takes 02 and 03 for 10 and 11 (the CPU reads only bits 0 and 4).
     */
    private static int clmulPseudoOp(int imm) {
        int q = imm == 0x10 ? 2 : imm == 0x11 ? 3 : imm;
        return q < 4 ? q : -1;
    }

    private static int predicates(Insn insn) {
        return insn.vex != 0 ? 32 : 8;
    }

    private static boolean immInName(Insn insn, String mods) {
        int imm = (int) insn.imm & 0xFF;
        for (String mod : mods.split(";")) {
            if (mod.equals("cmp") && imm < predicates(insn) || mod.equals("clmul") && clmulPseudoOp(imm) >= 0) {
                return true;
            }
        }
        return false;
    }

    private static String operand(Insn insn, String t, long next, StringBuilder sb) {
        char k = t.charAt(0);
        // VEX.L = 1 widens vector operands to YMM unless the form pins them to XMM
        String vec = (insn.vex & 0x10) != 0 && !t.endsWith("x") ? "%ymm" : "%xmm";
        switch (k) {
            case 'V':
                sb.append(vec).append(insn.reg & 15);
                return null;
            case 'H':
                sb.append(vec).append(insn.vex & 15);
                return null;
            case 'L':
                sb.append(vec).append((insn.imm >>> 4) & (insn.mode == 64 ? 15 : 7));
                return null;
            case 'B':
                AttSyntax.reg(insn.vex & 15, size(insn, t.charAt(1)), sb);
                return null;
            case 'P':
                sb.append("%mm").append(insn.reg & 7);
                return null;
            case 'W': case 'Q':
                if (insn.rmReg >= 0) {
                    sb.append(k == 'W' ? vec : "%mm").append(insn.rmReg & (k == 'W' ? 15 : 7));
                    return null;
                }
                return AttSyntax.memory(insn, sb, next);
            case 'X': // X0
                sb.append("%xmm0");
                return null;
            case 'I':
                sb.append("$0x").append(Long.toHexString(insn.imm & 0xFF));
                return null;
            case 'J':
                long target = next + insn.imm;
                // 64-bit mode branches on RIP whatever the operand size (66 aside)
                sb.append("0x").append(Long.toHexString(insn.opSize == 2 ? target & 0xFFFF
                        : insn.opSize == 4 && insn.mode != 64 ? target & 0xFFFFFFFFL : target));
                return null;
            case 'A':
                AttSyntax.reg(0, insn.addrSize, sb);
                return null;
            case 'G':
                AttSyntax.reg(insn.reg, size(insn, t.charAt(1)), sb);
                return null;
            case 'E': case 'M':
                if (insn.rmReg >= 0) {
                    int size = k == 'M' ? insn.opSize : size(insn, t.charAt(1));
                    int r = insn.rmReg;
                    if (size == 1 && !insn.rex && r >= 4 && r < 8) {
                        r += Insn.AH - 4; // AH..BH without REX
                    }
                    AttSyntax.reg(r, size, sb);
                    return null;
                }
                return AttSyntax.memory(insn, sb, next);
            default: // a literal register
                sb.append(t);
                return null;
        }
    }

    private static int size(Insn insn, char s) {
        switch (s) {
            case 'b': return 1;
            case 'v': return insn.opSize;
            case 'y': return insn.opSize == 8 ? 8 : 4;
            case 'q': return insn.mode == 64 ? 8 : 4;
            case 'a': return insn.addrSize;
            default: return 4;
        }
    }

    /** Size letter of the first E operand of {@code ops}, or 0 when there is none. */
    private static char firstRmSize(String ops) {
        for (String t : ops.split(",")) {
            if (t.length() == 2 && t.charAt(0) == 'E') {
                return t.charAt(1);
            }
        }
        return 0;
    }
}
