package org.apboot.jit;

import static org.apboot.jit.Slots.*;
import static org.objectweb.asm.Opcodes.*;

import org.apboot.core.semantics.Flags;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;

/**
 * The lazy-flag record (op, size, dst, src, res, bits, as {@code FlagState} defines it) in JVM
 * locals, with what the translator knows of it at the point being emitted.
 *
 * <p>When the op and size the record holds are known (an instruction of this pass set them),
 * they are pushed as constants, so the semantics' switches on them fold and a reader computes
 * just the flag it reads, straight from the operands.
 *
 * <p>INC and DEC keep CF. Rather than computing the kept CF at every INC/DEC (a compare per loop
 * iteration that nothing may read), the record INC/DEC replaces is kept as the <em>carry
 * record</em> (C_OP .. C_BITS), and an INC/DEC record's {@code bits} is {@code
 * Flags.keptCarry} of it, computed only where it is read: by a CF reader, at write-back, in the
 * fault handler. Invariant: whenever F_OP is INC or DEC, the carry record's CF is the kept CF
 * (loading from the Cpu sets the carry record to the loaded record, whose INC/DEC bits are
 * already the kept CF).
 */
final class FlagLocals {
    private static final String CPU_CLASS = BlockCompiler.CPU;
    private static final String FLAGS = "org/apboot/core/semantics/Flags";
    private static final String SELF = "org/apboot/jit/FlagLocals";

    private final MethodVisitor mv;
    /** The op and size of the record and of the carry record, when known here (else -1). */
    int knownOp = -1, knownSize = -1, carryOp = -1, carrySize = -1;
    /** The record changed since the locals were last in step with the Cpu, where code is emitted. */
    boolean dirty;

    FlagLocals(MethodVisitor mv) {
        this.mv = mv;
    }

    /** Loads the record (and makes it the carry record too) from the Cpu; nothing is known of it. */
    void load() {
        getCpuField("flagOp", "I", ISTORE, F_OP);
        getCpuField("flagSize", "I", ISTORE, F_SIZE);
        getCpuField("flagDst", "J", LSTORE, F_DST);
        getCpuField("flagSrc", "J", LSTORE, F_SRC);
        getCpuField("flagRes", "J", LSTORE, F_RES);
        getCpuField("flagBits", "J", LSTORE, F_BITS);
        copyToCarry();
        forget();
    }

    /** Initialises the locals of a block that never touches the flags (the verifier wants them set). */
    void zero() {
        for (int slot : new int[] {F_OP, F_SIZE, C_OP, C_SIZE}) {
            mv.visitInsn(ICONST_0);
            mv.visitVarInsn(ISTORE, slot);
        }
        for (int slot : new int[] {F_DST, F_SRC, F_RES, F_BITS, C_DST, C_SRC, C_RES, C_BITS}) {
            mv.visitInsn(LCONST_0);
            mv.visitVarInsn(LSTORE, slot);
        }
    }

    void forget() {
        knownOp = knownSize = carryOp = carrySize = -1;
    }

    private void getCpuField(String name, String desc, int store, int slot) {
        mv.visitVarInsn(ALOAD, CPU);
        mv.visitFieldInsn(GETFIELD, CPU_CLASS, name, desc);
        mv.visitVarInsn(store, slot);
    }

    private void putCpuField(String name, String desc, Runnable push) {
        mv.visitVarInsn(ALOAD, CPU);
        push.run();
        mv.visitFieldInsn(PUTFIELD, CPU_CLASS, name, desc);
    }

    /** Writes the record to the Cpu, with an INC/DEC record's kept CF computed now. */
    void writeBack() {
        putCpuField("flagOp", "I", () -> mv.visitVarInsn(ILOAD, F_OP));
        putCpuField("flagSize", "I", () -> mv.visitVarInsn(ILOAD, F_SIZE));
        putCpuField("flagDst", "J", () -> mv.visitVarInsn(LLOAD, F_DST));
        putCpuField("flagSrc", "J", () -> mv.visitVarInsn(LLOAD, F_SRC));
        putCpuField("flagRes", "J", () -> mv.visitVarInsn(LLOAD, F_RES));
        putCpuField("flagBits", "J", this::pushBits);
    }

    /** Pushes the record (op, size, dst, src, res, bits); op and size as constants when known. */
    void pushRecord() {
        pushOpSize(knownOp, knownSize, F_OP, F_SIZE);
        mv.visitVarInsn(LLOAD, F_DST);
        mv.visitVarInsn(LLOAD, F_SRC);
        mv.visitVarInsn(LLOAD, F_RES);
        pushBits();
    }

    private void pushOpSize(int op, int size, int opSlot, int sizeSlot) {
        if (op >= 0) {
            iconst(mv, op);
            iconst(mv, size);
        } else {
            mv.visitVarInsn(ILOAD, opSlot);
            mv.visitVarInsn(ILOAD, sizeSlot);
        }
    }

    /** Pushes the record's bits: for INC/DEC, the kept CF of the carry record. */
    private void pushBits() {
        if (knownOp == Flags.INC || knownOp == Flags.DEC) {
            pushCarryRecord();
            mv.visitMethodInsn(INVOKESTATIC, FLAGS, "keptCarry", "(IIJJJJ)J", false);
        } else if (knownOp >= 0) {
            mv.visitVarInsn(LLOAD, F_BITS);
        } else {
            mv.visitVarInsn(ILOAD, F_OP);
            mv.visitVarInsn(LLOAD, F_BITS);
            pushCarryRecord();
            mv.visitMethodInsn(INVOKESTATIC, SELF, "bits", "(IJIIJJJJ)J", false);
        }
    }

    private void pushCarryRecord() {
        pushOpSize(carryOp, carrySize, C_OP, C_SIZE);
        mv.visitVarInsn(LLOAD, C_DST);
        mv.visitVarInsn(LLOAD, C_SRC);
        mv.visitVarInsn(LLOAD, C_RES);
        mv.visitVarInsn(LLOAD, C_BITS);
    }

    /**
     * The bits of a record whose op is known only at run time (called by generated code): for
     * INC/DEC the CF kept from the carry record, else the record's own bits.
     */
    public static long bits(int op, long bits, int cOp, int cSize, long cDst, long cSrc, long cRes, long cBits) {
        return op == Flags.INC || op == Flags.DEC ? Flags.keptCarry(cOp, cSize, cDst, cSrc, cRes, cBits) : bits;
    }

    /**
     * Stores a record of operation {@code kind} at {@code size} with dst, src and res as the
     * callers push them ({@code bits} is left to the caller, for the kinds that keep any).
     */
    void store(int kind, int size, Runnable pushDst, Runnable pushSrc, Runnable pushRes) {
        iconst(mv, kind);
        mv.visitVarInsn(ISTORE, F_OP);
        iconst(mv, size);
        mv.visitVarInsn(ISTORE, F_SIZE);
        pushDst.run();
        mv.visitVarInsn(LSTORE, F_DST);
        pushSrc.run();
        mv.visitVarInsn(LSTORE, F_SRC);
        pushRes.run();
        mv.visitVarInsn(LSTORE, F_RES);
        dirty = true;
        known(kind, size);
    }

    /** Notes that the record now holds {@code kind} at {@code size} (whether or not it was stored). */
    void known(int kind, int size) {
        knownOp = kind;
        knownSize = size;
    }

    /**
     * Before an INC/DEC record replaces the record: the record becomes the carry record, unless
     * it is itself an INC/DEC record (whose kept CF is the carry record's already).
     */
    void keepCarry() {
        if (knownOp == Flags.INC || knownOp == Flags.DEC) {
            return;
        }
        if (knownOp >= 0) {
            copyToCarry();
            carryOp = knownOp;
            carrySize = knownSize;
            return;
        }
        Label skip = new Label();
        mv.visitVarInsn(ILOAD, F_OP);
        iconst(mv, Flags.INC);
        mv.visitJumpInsn(IF_ICMPEQ, skip);
        mv.visitVarInsn(ILOAD, F_OP);
        iconst(mv, Flags.DEC);
        mv.visitJumpInsn(IF_ICMPEQ, skip);
        copyToCarry();
        mv.visitLabel(skip);
        carryOp = carrySize = -1;
    }

    private void copyToCarry() {
        mv.visitVarInsn(ILOAD, F_OP);
        mv.visitVarInsn(ISTORE, C_OP);
        mv.visitVarInsn(ILOAD, F_SIZE);
        mv.visitVarInsn(ISTORE, C_SIZE);
        for (int k = 0; k < 4; k++) {
            mv.visitVarInsn(LLOAD, F_DST + 2 * k);
            mv.visitVarInsn(LSTORE, C_DST + 2 * k);
        }
    }

    /** Sets the record to eager flags: bits from the stack. */
    void storeEager(int size) {
        mv.visitVarInsn(LSTORE, F_BITS);
        iconst(mv, Flags.EAGER);
        mv.visitVarInsn(ISTORE, F_OP);
        dirty = true;
        known(Flags.EAGER, size);
    }
}
