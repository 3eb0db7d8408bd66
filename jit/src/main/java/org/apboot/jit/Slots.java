package org.apboot.jit;

import static org.objectweb.asm.Opcodes.*;

import org.objectweb.asm.Label;
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
    /** The record's and the carry record's dst, src, res when a 32-bit operation stored them (ints). */
    static final int F_DST_I = 45, F_SRC_I = 46, F_RES_I = 47, C_DST_I = 48, C_SRC_I = 49, C_RES_I = 50;
    /** The fault handler's representation of the flag records (see {@code FlagLocals}). */
    static final int T_STATE = 51;
    /** Guest register r lives at REG0 + 2 r (a long, or an int in the first of the two slots). */
    static final int REG0 = 52;

    /** Pushes int local {@code slot} zero-extended to a long (how a 32-bit value is held wide). */
    static void widen(MethodVisitor mv, int slot) {
        mv.visitVarInsn(ILOAD, slot);
        mv.visitInsn(I2L);
        keepLow(mv, 4);
    }

    /**
     * Masks the long on the stack to its low {@code size} bytes ({@code Cpu.low} with a size
     * known when the block is translated). Emitted as an AND rather than a call: C2 inlines a
     * call of that size only where its profile calls the site hot, and C1 never, so a call
     * would stay a call in blocks that run a few thousand times.
     */
    static void keepLow(MethodVisitor mv, int size) {
        if (size != 8) {
            mv.visitLdcInsn(size == 1 ? 0xFFL : size == 2 ? 0xFFFFL : 0xFFFF_FFFFL);
            mv.visitInsn(LAND);
        }
    }

    /**
     * Pushes {@code first[K]} when DONE is 0 (the first pass), else {@code later[K]}: what the
     * fault handler needs to know of the point where the fault happened, which the emitter
     * knew at that point.
     */
    static void pushPerInstruction(MethodVisitor mv, int[] first, int[] later) {
        Label laterPass = new Label(), join = new Label();
        mv.visitVarInsn(ILOAD, DONE);
        mv.visitJumpInsn(IFNE, laterPass);
        pushEntry(mv, first, join);
        mv.visitLabel(laterPass);
        pushEntry(mv, later, join);
        mv.visitLabel(join);
    }

    private static void pushEntry(MethodVisitor mv, int[] table, Label join) {
        int n = table.length;
        Label[] cases = new Label[n];
        Label dflt = new Label();
        for (int k = 0; k < n; k++) {
            cases[k] = new Label();
        }
        mv.visitVarInsn(ILOAD, K);
        mv.visitTableSwitchInsn(0, n - 1, dflt, cases);
        for (int k = 0; k < n; k++) {
            mv.visitLabel(cases[k]);
            iconst(mv, table[k]);
            mv.visitJumpInsn(GOTO, join);
        }
        mv.visitLabel(dflt);
        iconst(mv, 0);
        mv.visitJumpInsn(GOTO, join);
    }

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
