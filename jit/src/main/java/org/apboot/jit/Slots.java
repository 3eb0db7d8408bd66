package org.apboot.jit;

import static org.objectweb.asm.Opcodes.*;

import org.objectweb.asm.MethodVisitor;

/**
 * The local variable slots of a generated block method, and the one bytecode helper every part
 * of the lowering needs (pushing an int constant in its shortest form).
 */
final class Slots {
    private Slots() {
    }

    /** Method parameters: this, the Cpu, the exit record, the budget (a long). */
    static final int THIS = 0, CPU = 1, EXIT = 2, BUDGET = 3;
    /** RIP at entry; index of the instruction that may fault next; executor state is in the Cpu. */
    static final int RIP0 = 5, K = 7, SYNCED = 8;
    /** Instructions retired by earlier loop passes; those the loop retired itself (clock reads). */
    static final int DONE = 9, RETIRED_INSIDE = 10;
    /** A loop leaves when DONE passes this (see {@code Lowering#backEdge}). */
    static final int LIMIT = 11;
    /** The caught exception in the fault handler; the handler's int-register write-back mask. */
    static final int EXC = 12, T_MASK = 13;
    /** The lazy-flag record (op, size, dst, src, res, bits). */
    static final int F_OP = 14, F_SIZE = 15, F_DST = 16, F_SRC = 18, F_RES = 20, F_BITS = 22;
    /** The record whose CF an INC/DEC record keeps (see {@link FlagLocals}). */
    static final int C_OP = 24, C_SIZE = 25, C_DST = 26, C_SRC = 28, C_RES = 30, C_BITS = 32;
    /** Temporaries: long operands, result, value; int operands and result. */
    static final int T_A = 34, T_B = 36, T_R = 38, T_V = 40, T_IA = 42, T_IB = 43, T_IR = 44;
    /** Guest register r lives at REG0 + 2 r (a long, or an int in the first of the two slots). */
    static final int REG0 = 46;

    static void iconst(MethodVisitor mv, int v) {
        if (v >= -1 && v <= 5) {
            mv.visitInsn(ICONST_0 + v);
        } else if (v >= Byte.MIN_VALUE && v <= Byte.MAX_VALUE) {
            mv.visitIntInsn(BIPUSH, v);
        } else if (v >= Short.MIN_VALUE && v <= Short.MAX_VALUE) {
            mv.visitIntInsn(SIPUSH, v);
        } else {
            mv.visitLdcInsn(v);
        }
    }
}
