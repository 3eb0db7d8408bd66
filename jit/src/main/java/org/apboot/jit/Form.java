package org.apboot.jit;

import org.apboot.core.decode.Insn;
import org.apboot.core.decode.Op;
import org.apboot.core.interp.Operands;
import org.apboot.core.semantics.Alu;
import org.apboot.core.semantics.Shifts;

/**
 * How the translator lowers one decoded instruction: natively (registers in JVM locals, calls to
 * the value-level semantics) for the forms integer code spends its time in, or through the
 * interpreter's executor ({@link #FALLBACK}) for everything else. The choice mirrors the
 * interpreter's specialised steps: general registers 0-15 only (AH..BH fall back), no LOCK.
 */
enum Form {
    NOP, MOV_RR, MOV_RI, LOAD, STORE_R, STORE_I, ALU_RR, ALU_RI, ALU_RM, CMP_MR, CMP_MI, INC_R, DEC_R,
    SHIFT_RI, ROTATE_RI, LEA, JCC, JMP_REL,
    /** PUSH of a general register or an immediate, POP into a general register (SS:rSP, rSP in a long local). */
    PUSH_R, PUSH_I, POP_R,
    /** Near CALL to a relative target, near RET (with or without a release count): they end the block. */
    CALL_REL, RET_NEAR,
    /** MOV from a general register to DS, ES, FS or GS ({@code SegmentLoads.load}; may set a descriptor's accessed bit). */
    SEG_LOAD_R,
    FALLBACK;

    /** The form of {@code i}. */
    static Form of(Insn i) {
        if (i.lock || i.length > 15) {
            return FALLBACK;
        }
        int size = i.opSize;
        boolean sized = size == 1 || size == 2 || size == 4 || size == 8;
        switch (i.op) {
            case NOP:
                return NOP;
            case MOV:
                return sized && i.src2 == Insn.K_NONE ? mov(i) : FALLBACK;
            case ADD: case OR: case ADC: case SBB: case AND: case SUB: case XOR: case CMP: case TEST:
                return sized && i.src2 == Insn.K_NONE ? alu(i) : FALLBACK;
            case INC: case DEC:
                if (!sized || i.src != Insn.K_NONE || i.src2 != Insn.K_NONE || reg(i, i.dst) < 0) {
                    return FALLBACK;
                }
                return i.op == Op.INC ? INC_R : DEC_R;
            case SHL: case SHR: case SAR: case ROL: case ROR:
                if (!sized || reg(i, i.dst) < 0 || i.src2 != Insn.K_NONE
                        || (i.src != Insn.K_IMM && i.src != Insn.K_ONE) || count(i) == 0) {
                    return FALLBACK; // a masked count of 0 changes no flags: left to the executor
                }
                return i.op == Op.ROL || i.op == Op.ROR ? ROTATE_RI : SHIFT_RI;
            case LEA:
                return sized && i.reg >= 0 && i.reg < 16 && memory(i, i.src) ? LEA : FALLBACK;
            case JCC:
                return JCC;
            case JMP:
                return i.src == Insn.K_IMM ? JMP_REL : FALLBACK;
            case PUSH:
                if (!sized) {
                    return FALLBACK;
                }
                if (i.src == Insn.K_IMM) {
                    return PUSH_I;
                }
                return reg(i, i.src) >= 0 ? PUSH_R : FALLBACK;
            case POP:
                return sized && reg(i, i.dst) >= 0 ? POP_R : FALLBACK;
            case CALL:
                return sized && i.src == Insn.K_IMM ? CALL_REL : FALLBACK;
            case RET:
                return sized ? RET_NEAR : FALLBACK;
            case MOV_TO_SEG:
                return !i.endsBlock() && reg(i, i.src) >= 0 ? SEG_LOAD_R : FALLBACK;
            default:
                return FALLBACK;
        }
    }

    private static Form mov(Insn i) {
        int d = reg(i, i.dst);
        if (d >= 0) {
            if (i.src == Insn.K_IMM) {
                return MOV_RI;
            }
            if (reg(i, i.src) >= 0) {
                return MOV_RR;
            }
            return memory(i, i.src) ? LOAD : FALLBACK;
        }
        if (memory(i, i.dst)) {
            if (i.src == Insn.K_IMM) {
                return STORE_I;
            }
            return reg(i, i.src) >= 0 ? STORE_R : FALLBACK;
        }
        return FALLBACK;
    }

    private static Form alu(Insn i) {
        int d = reg(i, i.dst);
        if (d < 0) {
            if (memory(i, i.dst) && (i.op == Op.CMP || i.op == Op.TEST)) {
                if (i.src == Insn.K_IMM) {
                    return CMP_MI;
                }
                return reg(i, i.src) >= 0 ? CMP_MR : FALLBACK;
            }
            return FALLBACK;
        }
        if (memory(i, i.src)) {
            return ALU_RM;
        }
        if (i.src == Insn.K_IMM) {
            return ALU_RI;
        }
        return reg(i, i.src) >= 0 ? ALU_RR : FALLBACK;
    }

    /** General register 0-15 named by an operand of kind {@code kind}, or -1. */
    static int reg(Insn i, byte kind) {
        return Operands.generalRegister(i, kind);
    }

    static boolean memory(Insn i, byte kind) {
        return Operands.isMemory(i, kind);
    }

    /** The masked count of a shift or rotate by an immediate or by one. */
    static int count(Insn i) {
        return Shifts.maskCount(i.opSize, i.src == Insn.K_ONE ? 1 : i.imm);
    }

    /** The {@code Alu.OP_*} code of an ALU instruction. */
    static int aluCode(Op op) {
        return Alu.codeOf(op);
    }

    /** An ALU form writes its result back (all but CMP and TEST). */
    static boolean writesResult(Insn i) {
        return Alu.writesResult(aluCode(i.op));
    }

    /** Writes all six arithmetic flags (no flag of the previous record survives). */
    boolean writesAllFlags() {
        return this == ALU_RR || this == ALU_RI || this == ALU_RM || this == CMP_MR || this == CMP_MI
                || this == SHIFT_RI;
    }

    /** Records flags (all, or all but CF for INC/DEC). */
    boolean writesFlags() {
        return writesAllFlags() || this == INC_R || this == DEC_R || this == ROTATE_RI;
    }

    /** Can raise a guest exception (memory operands, branch-target checks, executors). */
    boolean canFault() {
        switch (this) {
            case LOAD: case STORE_R: case STORE_I: case ALU_RM: case CMP_MR: case CMP_MI:
            case JCC: case JMP_REL: case FALLBACK:
            case PUSH_R: case PUSH_I: case POP_R: case CALL_REL: case RET_NEAR: case SEG_LOAD_R:
                return true;
            default:
                return false;
        }
    }

    /** Writes guest memory natively. */
    boolean stores() {
        return this == STORE_R || this == STORE_I || this == PUSH_R || this == PUSH_I || this == CALL_REL
                || this == SEG_LOAD_R;
    }

    /** Reads guest memory natively. */
    boolean loads() {
        return this == LOAD || this == ALU_RM || this == CMP_MR || this == CMP_MI || this == POP_R || this == RET_NEAR
                || this == SEG_LOAD_R;
    }

    /** Reads or writes the stack pointer (which then lives in a {@code long} local). */
    boolean usesStack() {
        return this == PUSH_R || this == PUSH_I || this == POP_R || this == CALL_REL || this == RET_NEAR;
    }
}
