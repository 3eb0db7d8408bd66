package org.apboot.core.decode;

/**
 * AT&amp;T rendering of decoded instructions in the style of GNU objdump: mnemonic padded to
 * column 7, operands source first, size suffixes where no register operand gives the size,
 * relative branch targets as absolute addresses.
 */
public final class AttSyntax {
    private AttSyntax() {
    }

    private static final String[] R64 = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
        "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"};
    private static final String[] R32 = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
        "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d"};
    private static final String[] R16 = {"ax", "cx", "dx", "bx", "sp", "bp", "si", "di",
        "r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w"};
    private static final String[] R8 = {"al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil",
        "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b", "ah", "ch", "dh", "bh"};
    private static final String[] SREG = {"es", "cs", "ss", "ds", "fs", "gs", "?", "?"};
    private static final String[] CC = {"o", "no", "b", "ae", "e", "ne", "be", "a",
        "s", "ns", "p", "np", "l", "ge", "le", "g"};
    private static final char[] SUFFIX = {'?', 'b', 'w', '?', 'l', '?', '?', '?', 'q'};

    /** Renders {@code insn} located at {@code address}. */
    public static String render(Insn insn, long address) {
        StringBuilder sb = new StringBuilder(48);
        render(insn, address, sb);
        return sb.toString();
    }

    /** Appends the rendering of {@code insn} at {@code address} to {@code sb}. */
    public static void render(Insn insn, long address, StringBuilder sb) {
        Op op = insn.op;
        if (op == Op.INVALID) {
            sb.append("(bad)");
            return;
        }
        int start = sb.length();
        prefixes(insn, sb);
        mnemonic(insn, sb);
        int opsAt = sb.length();
        sb.append(' ');
        int before = sb.length();
        String comment = operands(insn, address, sb);
        if (sb.length() == before) {
            sb.setLength(opsAt);
            return;
        }
        int pad = 6 - (opsAt - start);
        if (pad > 0) {
            sb.insert(opsAt, "      ", 0, pad);
        }
        if (comment != null) {
            sb.append("        # ").append(comment);
        }
    }

    private static void prefixes(Insn insn, StringBuilder sb) {
        if (insn.lock) {
            sb.append("lock ");
        }
        if (notrack(insn)) {
            sb.append("notrack ");
        }
        if (insn.rep == Insn.REP_NONE) {
            return;
        }
        if (hle(insn)) {
            sb.append(insn.rep == Insn.REP ? "xrelease " : "xacquire ");
            return;
        }
        switch (insn.op) {
            case MOVS: case STOS: case LODS: case INS: case OUTS:
                sb.append(insn.rep == Insn.REP ? "rep " : "repnz ");
                break;
            case CMPS: case SCAS:
                sb.append(insn.rep == Insn.REP ? "repz " : "repnz ");
                break;
            case PAUSE: case POPCNT: case TZCNT: case LZCNT:
                break;
            case UNIMPLEMENTED:
                if (!UnimplementedSyntax.mandatoryRep(insn)) {
                    sb.append(insn.rep == Insn.REP ? "repz " : "repnz ");
                }
                break;
            case JCC: case JMP: case CALL: case RET:
                sb.append(insn.rep == Insn.REP ? "repz " : "bnd ");
                break;
            case NOP:
                if (insn.opcode == 0x11E && insn.rep == Insn.REP && cetName(insn) != null) {
                    break;
                }
                sb.append(insn.rep == Insn.REP ? "repz " : "repnz ");
                break;
            default:
                sb.append(insn.rep == Insn.REP ? "repz " : "repnz ");
        }
    }

    /** DS override on an indirect near CALL/JMP: the CET no-track hint. */
    private static boolean notrack(Insn insn) {
        return insn.segOverride == Insn.DS && (insn.op == Op.CALL || insn.op == Op.JMP) && insn.src == Insn.K_RM;
    }

    /**
     * F2/F3 as hardware lock elision hints: locked read-modify-writes (CMPXCHG8B too, not
     * CMPXCHG16B, which the SDM's XACQUIRE/XRELEASE list leaves out), XCHG, MOV to memory (F3).
     */
    private static boolean hle(Insn insn) {
        if (insn.dst != Insn.K_RM || insn.rmReg >= 0 || insn.op == Op.CMPXCHG8B && insn.opSize == 16) {
            return false;
        }
        if (insn.op == Op.XCHG || insn.lock && insn.op.lockable()) {
            return true;
        }
        int o = insn.opcode;
        return insn.op == Op.MOV && insn.rep == Insn.REP && (o == 0x88 || o == 0x89 || o == 0xC6 || o == 0xC7);
    }

    /** F3 0F 1E forms named by CET (NOPs without shadow stacks), or null. */
    private static String cetName(Insn insn) {
        int m = insn.modrm;
        if (m == 0xFA || m == 0xFB) {
            return m == 0xFA ? "endbr64" : "endbr32";
        }
        if (m >= 0xC8 && m <= 0xCF) {
            return insn.opSize == 8 ? "rdsspq" : "rdsspd";
        }
        return null;
    }

    /** Operand size the mode uses when no prefix says otherwise (stack and branch operations). */
    private static int defaultStackSize(Insn insn) {
        return insn.mode == 64 ? 8 : insn.mode / 8;
    }

    private static int defaultSize(Insn insn) {
        return insn.mode == 16 ? 2 : 4;
    }

    private static void suffixIf(boolean cond, Insn insn, StringBuilder sb) {
        if (cond) {
            int s = insn.opSize;
            sb.append(s >= 0 && s < SUFFIX.length ? SUFFIX[s] : '?');
        }
    }

    private static void mnemonic(Insn insn, StringBuilder sb) {
        Op op = insn.op;
        int os = insn.opSize;
        switch (op) {
            case UNIMPLEMENTED:
                if (X87Table.isX87(insn)) {
                    sb.append(insn.unimplementedName);
                    X87Table.environmentSuffix(insn, sb);
                } else {
                    UnimplementedSyntax.mnemonic(insn, sb);
                }
                return;
            case JCC:
                sb.append('j').append(CC[insn.cond & 15]);
                hint(insn, sb);
                return;
            case SETCC:
                sb.append("set").append(CC[insn.cond & 15]);
                return;
            case CMOVCC:
                sb.append("cmov").append(CC[insn.cond & 15]);
                return;
            case MOVZX: case MOVSX:
                sb.append(op == Op.MOVZX ? "movz" : "movs").append(SUFFIX[insn.srcSize]).append(SUFFIX[os]);
                return;
            case MOVSXD:
                sb.append(os == 8 ? "movslq" : "movsxd");
                return;
            case CBW:
                sb.append(os == 2 ? "cbtw" : os == 4 ? "cwtl" : "cltq");
                return;
            case CWD:
                sb.append(os == 2 ? "cwtd" : os == 4 ? "cltd" : "cqto");
                return;
            case MOV:
                boolean abs64 = insn.mode == 64 && (insn.opcode >= 0xA0 && insn.opcode <= 0xA3 && insn.addrSize == 8
                        || insn.opcode >= 0xB8 && insn.opcode <= 0xBF && os == 8);
                sb.append(abs64 ? "movabs" : "mov");
                suffixIf(!abs64 && !hasRegister(insn), insn, sb);
                return;
            case NOP:
                nopName(insn, sb);
                return;
            case FENCE:
                sb.append(insn.rmReg < 0 && insn.src == Insn.K_RM ? "clflush"
                        : (insn.reg & 7) == 5 ? "lfence" : (insn.reg & 7) == 6 ? "mfence" : "sfence");
                return;
            case MOVS: case CMPS:
                sb.append(op == Op.MOVS ? "movs" : "cmps").append(SUFFIX[os]);
                return;
            case INS: case OUTS:
                sb.append(op == Op.INS ? "ins" : "outs").append(SUFFIX[os]);
                return;
            case PUSH: case POP:
                sb.append(op == Op.PUSH ? "push" : "pop");
                boolean memOrImm = insn.src == Insn.K_IMM || insn.rmReg < 0 && (insn.src == Insn.K_RM || insn.dst == Insn.K_RM);
                suffixIf(memOrImm && os != defaultStackSize(insn), insn, sb);
                return;
            case PUSH_SEG: case POP_SEG: case PUSHF: case POPF: case PUSHA: case POPA:
            case ENTER: case LEAVE: case RET:
                sb.append(baseName(op));
                suffixIf(os != defaultStackSize(insn), insn, sb);
                return;
            case CALL: case JMP:
                sb.append(op == Op.CALL ? "call" : "jmp");
                // rel8 and register-indirect forms show no operand size
                suffixIf(os != defaultStackSize(insn) && insn.opcode != 0xEB && insn.rmReg < 0, insn, sb);
                return;
            case IRET: case RET_FAR: case JMP_FAR: case CALL_FAR:
                sb.append(baseName(op));
                suffixIf(os != defaultSize(insn), insn, sb);
                return;
            case SYSRET: case SYSEXIT:
                sb.append(op == Op.SYSRET ? "sysret" : "sysexit");
                if (insn.mode == 64) {
                    sb.append(os == 8 ? 'q' : 'l');
                }
                return;
            case LOOP: case LOOPE: case LOOPNE:
                sb.append(baseName(op));
                if (insn.addrSizePrefix) {
                    sb.append(SUFFIX[insn.addrSize]);
                }
                hint(insn, sb);
                return;
            case JRCXZ:
                sb.append(insn.addrSize == 2 ? "jcxz" : insn.addrSize == 4 ? "jecxz" : "jrcxz");
                hint(insn, sb);
                return;
            case LGDT: case LIDT: case SGDT: case SIDT:
                sb.append(baseName(op));
                if (insn.mode != 64) {
                    sb.append(SUFFIX[os]);
                }
                return;
            case CMPXCHG8B:
                sb.append(os == 16 ? "cmpxchg16b" : "cmpxchg8b");
                return;
            case LOAD_FAR_PTR:
                sb.append('l').append(SREG[insn.sreg & 7]);
                return;
            default:
                sb.append(baseName(op));
                if (sized(op)) {
                    suffixIf(!hasRegister(insn), insn, sb);
                }
        }
    }

    /** Branch hints: CS override = not taken, DS override = taken. */
    private static void hint(Insn insn, StringBuilder sb) {
        if (insn.segOverride == Insn.CS) {
            sb.append(",pn");
        } else if (insn.segOverride == Insn.DS) {
            sb.append(",pt");
        }
    }

    private static void nopName(Insn insn, StringBuilder sb) {
        int opc = insn.opcode;
        if (opc == 0x90) {
            sb.append(insn.opSizePrefix ? "xchg" : "nop");
            return;
        }
        int reg = insn.modrm >= 0 ? (insn.modrm >> 3) & 7 : 0;
        if (opc == 0x11E && insn.rep == Insn.REP && cetName(insn) != null) {
            sb.append(cetName(insn));
            return;
        }
        boolean mem = insn.rmReg < 0;
        if (opc == 0x118 && mem && reg < 4) {
            sb.append(reg == 0 ? "prefetchnta" : "prefetcht" + (reg - 1));
            return;
        }
        if (opc == 0x118 && insn.ripRel && reg >= 6) {
            sb.append(reg == 6 ? "prefetchit1" : "prefetchit0");
            return;
        }
        if (opc == 0x11C && mem && reg == 0 && !insn.opSizePrefix && insn.rep == Insn.REP_NONE) {
            sb.append("cldemote");
            return;
        }
        if (opc == 0x10D) {
            sb.append(reg == 1 ? "prefetchw" : reg == 2 ? "prefetchwt1" : "prefetch");
            return;
        }
        sb.append("nop");
        suffixIf(mem, insn, sb);
    }

    /** Families whose size comes from a register operand, or from a suffix when there is none. */
    private static boolean sized(Op op) {
        switch (op) {
            case ADD: case OR: case ADC: case SBB: case AND: case SUB: case XOR: case CMP: case TEST:
            case INC: case DEC: case NEG: case NOT: case MUL: case IMUL1: case DIV: case IDIV:
            case ROL: case ROR: case RCL: case RCR: case SHL: case SHR: case SAR:
            case BT: case BTS: case BTR: case BTC: case XCHG: case CMPXCHG: case XADD:
                return true;
            default:
                return false;
        }
    }

    private static boolean hasRegister(Insn insn) {
        return isReg(insn.dst, insn) || isReg(insn.src, insn) || isReg(insn.src2, insn);
    }

    private static boolean isReg(byte kind, Insn insn) {
        return kind == Insn.K_REG || kind == Insn.K_RM && insn.rmReg >= 0;
    }

    private static String baseName(Op op) {
        switch (op) {
            case PUSH_SEG: return "push";
            case POP_SEG: return "pop";
            case IMUL1: return "imul";
            case RET_FAR: return "lret";
            case JMP_FAR: return "ljmp";
            case CALL_FAR: return "lcall";
            case MOV_TO_CR: case MOV_FROM_CR: case MOV_TO_DR: case MOV_FROM_DR:
            case MOV_TO_SEG: case MOV_FROM_SEG:
                return "mov";
            case INT1: return "int1";
            case INT3: return "int3";
            default: return op.name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    // ---------------------------------------------------------------- operands

    /** Appends the operands; returns a trailing comment (RIP-relative target) or null. */
    private static String operands(Insn insn, long address, StringBuilder sb) {
        Op op = insn.op;
        long next = address + insn.length;
        switch (op) {
            case UNIMPLEMENTED: case NOP: case FENCE: case PAUSE:
                if (op == Op.NOP && insn.opcode == 0x90 && insn.opSizePrefix) {
                    reg(0, insn.opSize, sb);
                    sb.append(',');
                    reg(0, insn.opSize, sb);
                    return null;
                }
                if (op == Op.NOP && insn.opcode == 0x11E && insn.rep == Insn.REP && cetName(insn) != null) {
                    if (insn.modrm < 0xF0) {
                        reg(insn.rmReg, insn.opSize == 8 ? 8 : 4, sb);
                    }
                    return null;
                }
                if (insn.src == Insn.K_RM && op != Op.UNIMPLEMENTED) {
                    return rm(insn, insn.opSize, sb, next);
                }
                if (op == Op.UNIMPLEMENTED && insn.operandForm != null) {
                    return UnimplementedSyntax.operands(insn, next, sb);
                }
                if (op == Op.UNIMPLEMENTED && X87Table.isX87(insn)) {
                    if (insn.rmReg < 0) {
                        return memory(insn, sb, next);
                    }
                    X87Table.registerOperands(insn.opcode, insn.modrm, sb);
                }
                return null;
            case JCC: case LOOP: case LOOPE: case LOOPNE: case JRCXZ:
                sb.append("0x").append(Long.toHexString(target(insn, next)));
                return null;
            case JMP: case CALL:
                if (insn.src == Insn.K_IMM) {
                    sb.append("0x").append(Long.toHexString(target(insn, next)));
                    return null;
                }
                sb.append('*');
                return rm(insn, insn.opSize, sb, next);
            case JMP_FAR: case CALL_FAR:
                if (insn.src == Insn.K_IMM) {
                    sb.append("$0x").append(Integer.toHexString(insn.imm2 & 0xFFFF))
                            .append(",$0x").append(Long.toHexString(insn.imm));
                    return null;
                }
                sb.append('*');
                return rm(insn, insn.opSize, sb, next);
            case RET: case RET_FAR:
                if (insn.src == Insn.K_IMM) {
                    sb.append("$0x").append(Long.toHexString(insn.imm & 0xFFFF));
                }
                return null;
            case INT: case AAM: case AAD:
                sb.append("$0x").append(Long.toHexString(insn.imm & 0xFF));
                return null;
            case ENTER:
                sb.append("$0x").append(Long.toHexString(insn.imm & 0xFFFF))
                        .append(",$0x").append(Integer.toHexString(insn.imm2 & 0xFF));
                return null;
            case PUSH_SEG: case POP_SEG:
                sb.append('%').append(SREG[insn.reg & 7]);
                return null;
            case MOV_TO_SEG:
                String c = rm(insn, insn.opSize, sb, next);
                sb.append(",%").append(SREG[insn.reg & 7]);
                return c;
            case MOV_FROM_SEG:
                sb.append('%').append(SREG[insn.reg & 7]).append(',');
                return rm(insn, insn.opSize, sb, next);
            case MOV_TO_CR: case MOV_TO_DR:
                reg(insn.rmReg, insn.opSize, sb);
                sb.append(op == Op.MOV_TO_CR ? ",%cr" : ",%db").append(insn.reg);
                return null;
            case MOV_FROM_CR: case MOV_FROM_DR:
                sb.append(op == Op.MOV_FROM_CR ? "%cr" : "%db").append(insn.reg).append(',');
                reg(insn.rmReg, insn.opSize, sb);
                return null;
            case MOVS: case CMPS: case LODS: case STOS: case SCAS: case INS: case OUTS:
                strings(insn, sb);
                return null;
            case XLAT:
                segPrefix(insn, true, sb);
                sb.append('(').append('%').append(addrReg(3, insn.addrSize)).append(')');
                return null;
            case BOUND:
                reg(insn.reg, insn.opSize, sb);
                sb.append(',');
                return rm(insn, insn.opSize, sb, next);
            default:
                return generic(insn, sb, next);
        }
    }

    private static long target(Insn insn, long next) {
        long t = next + insn.imm;
        return insn.opSize == 2 ? t & 0xFFFF : insn.opSize == 4 ? t & 0xFFFFFFFFL : t;
    }

    private static String generic(Insn insn, StringBuilder sb, long next) {
        String comment = null;
        byte[] kinds = {insn.src2, insn.src, insn.dst};
        boolean first = true;
        for (int i = 0; i < 3; i++) {
            byte k = kinds[i];
            if (k == Insn.K_NONE || k == Insn.K_ONE) {
                continue;
            }
            if (!first) {
                sb.append(',');
            }
            first = false;
            boolean isSrc = i == 1;
            switch (k) {
                case Insn.K_REG:
                    reg(insn.reg, insn.opSize, sb);
                    break;
                case Insn.K_RM:
                    int size = isSrc && (insn.op == Op.MOVZX || insn.op == Op.MOVSX || insn.op == Op.MOVSXD)
                            ? insn.srcSize : insn.opSize;
                    String c = rm(insn, size, sb, next);
                    if (c != null) {
                        comment = c;
                    }
                    break;
                case Insn.K_IMM:
                    sb.append("$0x").append(Long.toHexString(immValue(insn)));
                    break;
                case Insn.K_CL:
                    sb.append("%cl");
                    break;
                case Insn.K_DX:
                    sb.append("(%dx)");
                    break;
                default:
                    break;
            }
        }
        return comment;
    }

    private static long immValue(Insn insn) {
        switch (insn.op) {
            case IN: case OUT:
                return insn.imm & 0xFF;
            case ROL: case ROR: case RCL: case RCR: case SHL: case SHR: case SAR:
            case SHLD: case SHRD: case BT: case BTS: case BTR: case BTC:
                return insn.imm & 0xFF;
            default:
                return mask(insn.imm, insn.opSize);
        }
    }

    private static long mask(long v, int size) {
        return size >= 8 ? v : v & ((1L << (size * 8)) - 1);
    }

    static void reg(int r, int size, StringBuilder sb) {
        sb.append('%');
        if (r >= 16) {
            sb.append(R8[r]);
            return;
        }
        r &= 15;
        switch (size) {
            case 1: sb.append(R8[r]); break;
            case 2: sb.append(R16[r]); break;
            case 4: sb.append(R32[r]); break;
            default: sb.append(R64[r]); break;
        }
    }

    private static String addrReg(int r, int addrSize) {
        return addrSize == 2 ? R16[r & 15] : addrSize == 4 ? R32[r & 15] : R64[r & 15];
    }

    private static void segPrefix(Insn insn, boolean always, StringBuilder sb) {
        int o = insn.segOverride;
        if (insn.mode == 64 && o >= 0 && o < Insn.FS || notrack(insn)) {
            o = -1; // ignored in 64-bit mode
        }
        int s = o >= 0 ? o : always ? (insn.mode == 64 && insn.seg < Insn.FS ? Insn.DS : insn.seg) : -1;
        if (s >= 0) {
            sb.append('%').append(SREG[s & 7]).append(':');
        }
    }

    /** Register or memory operand of ModRM; returns a comment for RIP-relative operands. */
    private static String rm(Insn insn, int size, StringBuilder sb, long next) {
        if (insn.rmReg >= 0) {
            reg(insn.rmReg, size, sb);
            return null;
        }
        return memory(insn, sb, next);
    }

    static String memory(Insn insn, StringBuilder sb, long next) {
        segPrefix(insn, false, sb);
        int as = insn.addrSize;
        if (insn.ripRel) {
            signedHex(insn.disp, sb);
            sb.append(as == 4 ? "(%eip)" : "(%rip)");
            long t = next + insn.disp;
            return "0x" + Long.toHexString(as == 4 ? t & 0xFFFFFFFFL : t);
        }
        boolean sibNoIndex = insn.sib >= 0 && insn.index < 0;
        boolean showIz = sibNoIndex && insn.scale != 0
                || sibNoIndex && insn.base >= 0 && (insn.base & 7) != 4
                || sibNoIndex && insn.base < 0 && as == 4 && insn.mode != 16;
        if (insn.base < 0 && insn.index < 0 && !showIz) {
            boolean moffs = insn.opcode >= 0xA0 && insn.opcode <= 0xA3;
            if (as == 2 && !moffs) {
                signedHex(insn.disp, sb);
            } else {
                sb.append("0x").append(Long.toHexString(mask(insn.disp, as)));
            }
            return null;
        }
        int mod = insn.modrm >= 0 ? insn.modrm >> 6 : 0;
        if (insn.disp != 0 || mod == 1 || mod == 2 || insn.base < 0) {
            signedHex(insn.disp, sb);
        }
        sb.append('(');
        if (insn.base >= 0) {
            sb.append('%').append(addrReg(insn.base, as));
        }
        if (as == 2) {
            if (insn.index >= 0) {
                sb.append(",%").append(addrReg(insn.index, as));
            }
        } else if (insn.index >= 0 || showIz) {
            sb.append(",%").append(insn.index >= 0 ? addrReg(insn.index, as) : as == 8 ? "riz" : "eiz")
                    .append(',').append(1 << insn.scale);
        }
        sb.append(')');
        return null;
    }

    private static void signedHex(long v, StringBuilder sb) {
        if (v < 0) {
            sb.append("-0x").append(Long.toHexString(-v));
        } else {
            sb.append("0x").append(Long.toHexString(v));
        }
    }

    private static void strings(Insn insn, StringBuilder sb) {
        int as = insn.addrSize;
        String si = "(%" + addrReg(6, as) + ")";
        String di = "%es:(%" + addrReg(7, as) + ")";
        switch (insn.op) {
            case MOVS:
                segPrefix(insn, true, sb);
                sb.append(si).append(',').append(di);
                break;
            case CMPS:
                sb.append(di).append(',');
                segPrefix(insn, true, sb);
                sb.append(si);
                break;
            case LODS:
                segPrefix(insn, true, sb);
                sb.append(si).append(',');
                reg(0, insn.opSize, sb);
                break;
            case STOS:
                reg(0, insn.opSize, sb);
                sb.append(',').append(di);
                break;
            case SCAS:
                sb.append(di).append(',');
                reg(0, insn.opSize, sb);
                break;
            case INS:
                sb.append("(%dx),").append(di);
                break;
            default: // OUTS
                segPrefix(insn, true, sb);
                sb.append(si).append(",(%dx)");
                break;
        }
    }
}
