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
 * <p><b>Known op.</b> When the op and size the record holds are known (an instruction of this
 * pass set them), they are pushed as constants, so the semantics' switches on them fold and a
 * reader computes just the flag it reads, straight from the operands.
 *
 * <p><b>Carry record.</b> INC and DEC keep CF. Rather than computing the kept CF at every
 * INC/DEC (a compare per loop iteration that nothing may read), the record INC/DEC replaces is
 * kept as the carry record (C_OP .. C_BITS), and an INC/DEC record's {@code bits} is {@code
 * Flags.keptCarry} of it, computed only where it is read: by a reader of CF, at write-back, in
 * the fault handler. Invariant: whenever F_OP is INC or DEC, the carry record's CF is the kept
 * CF (loading from the Cpu sets the carry record to the loaded record, whose INC/DEC bits are
 * the kept CF already).
 *
 * <p><b>Narrow records.</b> A 32-bit ALU or INC/DEC operation stores dst, src and res as the
 * {@code int}s they are (F_DST_I ..), widened only where they are read: then a record that lives
 * across a loop's back edge shares its values with the int registers instead of holding wide
 * copies of them. Which form a record is in is known at each point of the emitted code; at the
 * top of a loop pass it is the same from every path (see {@link #keepCarry}, {@link
 * #normalize}), and the fault handler learns it from a per-instruction table ({@link #state}).
 */
final class FlagLocals {
    private static final String CPU_CLASS = BlockCompiler.CPU;
    private static final String FLAGS = "org/apboot/core/semantics/Flags";
    private static final String SELF = "org/apboot/jit/FlagLocals";

    private final MethodVisitor mv;
    /** The op and size of the record and of the carry record, when known here (else -1). */
    int knownOp = -1, knownSize = -1, carryOp = -1, carrySize = -1;
    /** The record / the carry record holds its values in the int slots. */
    private boolean narrow, carryNarrow;
    /** The record changed since the locals were last in step with the Cpu, where code is emitted. */
    boolean dirty;
    /** An instruction of the pass being emitted has set the record (see {@link #keepCarry}). */
    boolean setInPass;

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
        narrow = false;
        copyToCarry(false);
        forget();
    }

    /** Initialises every slot (the verifier wants them set on every path to the fault handler). */
    void zero() {
        for (int slot : new int[] {F_OP, F_SIZE, C_OP, C_SIZE, F_DST_I, F_SRC_I, F_RES_I, C_DST_I, C_SRC_I, C_RES_I}) {
            mv.visitInsn(ICONST_0);
            mv.visitVarInsn(ISTORE, slot);
        }
        for (int slot : new int[] {F_DST, F_SRC, F_RES, F_BITS, C_DST, C_SRC, C_RES, C_BITS}) {
            mv.visitInsn(LCONST_0);
            mv.visitVarInsn(LSTORE, slot);
        }
        narrow = carryNarrow = false;
    }

    void forget() {
        knownOp = knownSize = carryOp = carrySize = -1;
    }

    /** The form of both records here, for the fault handler: bit 0 record narrow, bit 1 carry record narrow. */
    int state() {
        return (narrow ? 1 : 0) | (carryNarrow ? 2 : 0);
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
        putCpuField("flagDst", "J", () -> pushValue(F_DST, F_DST_I, narrow));
        putCpuField("flagSrc", "J", () -> pushValue(F_SRC, F_SRC_I, narrow));
        putCpuField("flagRes", "J", () -> pushValue(F_RES, F_RES_I, narrow));
        putCpuField("flagBits", "J", () -> pushBits(true));
    }

    /**
     * The fault handler's write-back: the records' forms where the fault happened come from
     * the tables {@code first} / {@code later} of {@link #state}s; the op is not known there.
     */
    void writeBackAtFault(int[] first, int[] later) {
        pushPerInstruction(mv, first, later);
        mv.visitVarInsn(ISTORE, T_STATE);
        Label wide = new Label(), carryWide = new Label();
        mv.visitVarInsn(ILOAD, T_STATE);
        iconst(mv, 1);
        mv.visitInsn(IAND);
        mv.visitJumpInsn(IFEQ, wide);
        widenInto(F_DST_I, F_DST);
        mv.visitLabel(wide);
        mv.visitVarInsn(ILOAD, T_STATE);
        iconst(mv, 2);
        mv.visitInsn(IAND);
        mv.visitJumpInsn(IFEQ, carryWide);
        widenInto(C_DST_I, C_DST);
        mv.visitLabel(carryWide);
        narrow = carryNarrow = false;
        forget();
        writeBack();
    }

    /** Widens the three int values from {@code intSlot} into the three longs from {@code longSlot}. */
    private void widenInto(int intSlot, int longSlot) {
        for (int k = 0; k < 3; k++) {
            widen(mv, intSlot + k);
            mv.visitVarInsn(LSTORE, longSlot + 2 * k);
        }
    }

    /** Brings both records to the long form (where paths with different forms meet). */
    void normalize() {
        if (narrow) {
            widenInto(F_DST_I, F_DST);
            narrow = false;
        }
        if (carryNarrow) {
            widenInto(C_DST_I, C_DST);
            carryNarrow = false;
        }
    }

    private void pushValue(int longSlot, int intSlot, boolean isNarrow) {
        if (isNarrow) {
            widen(mv, intSlot);
        } else {
            mv.visitVarInsn(LLOAD, longSlot);
        }
    }

    /** Pushes the record (op, size, dst, src, res, bits); op and size as constants when known. */
    void pushRecord() {
        pushRecord(true);
    }

    /**
     * Pushes the record; when the reader does not read CF ({@code readsCarry} false) the kept
     * CF of a known INC/DEC record is not computed (the reader ignores the bits it gets).
     */
    void pushRecord(boolean readsCarry) {
        pushOpSize(knownOp, knownSize, F_OP, F_SIZE);
        pushValue(F_DST, F_DST_I, narrow);
        pushValue(F_SRC, F_SRC_I, narrow);
        pushValue(F_RES, F_RES_I, narrow);
        pushBits(readsCarry);
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
    private void pushBits(boolean readsCarry) {
        boolean incDec = knownOp == Flags.INC || knownOp == Flags.DEC;
        if (incDec && readsCarry) {
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
        pushValue(C_DST, C_DST_I, carryNarrow);
        pushValue(C_SRC, C_SRC_I, carryNarrow);
        pushValue(C_RES, C_RES_I, carryNarrow);
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
     * callers push them: ints when {@code ints} (32-bit values), else longs ({@code bits} is
     * left to the caller, for the kinds that keep any).
     */
    void store(int kind, int size, boolean ints, Runnable pushDst, Runnable pushSrc, Runnable pushRes) {
        iconst(mv, kind);
        mv.visitVarInsn(ISTORE, F_OP);
        iconst(mv, size);
        mv.visitVarInsn(ISTORE, F_SIZE);
        int store = ints ? ISTORE : LSTORE;
        pushDst.run();
        mv.visitVarInsn(store, ints ? F_DST_I : F_DST);
        pushSrc.run();
        mv.visitVarInsn(store, ints ? F_SRC_I : F_SRC);
        pushRes.run();
        mv.visitVarInsn(store, ints ? F_RES_I : F_RES);
        narrow = ints;
        dirty = true;
        known(kind, size);
    }

    /** Notes that the record now holds {@code kind} at {@code size} (whether or not it was stored). */
    void known(int kind, int size) {
        setInPass = true;
        knownOp = kind;
        knownSize = size;
    }

    /**
     * Before an INC/DEC record replaces the record: the record becomes the carry record, unless
     * it is itself an INC/DEC record (whose kept CF is the carry record's already).
     *
     * <p>When no instruction of this pass set the record before, the copy is made in the long
     * form, which is what the first pass, knowing nothing of the record there, makes too: so
     * both passes of a peeled loop reach its back edge with the carry record in the same form.
     */
    void keepCarry() {
        if (knownOp == Flags.INC || knownOp == Flags.DEC) {
            return;
        }
        if (knownOp >= 0) {
            copyToCarry(!setInPass);
            carryOp = knownOp;
            carrySize = knownSize;
            return;
        }
        // The record was loaded from the Cpu: its op is not known here. The carry record becomes
        // an eager record of just the CF the INC/DEC keeps (for a loaded INC/DEC record, its own
        // bits), computed once: one value then lives on instead of six, which across a loop
        // keeps HotSpot from spilling in the loop body.
        normalize();
        mv.visitVarInsn(ILOAD, F_OP);
        mv.visitVarInsn(ILOAD, F_SIZE);
        mv.visitVarInsn(LLOAD, F_DST);
        mv.visitVarInsn(LLOAD, F_SRC);
        mv.visitVarInsn(LLOAD, F_RES);
        mv.visitVarInsn(LLOAD, F_BITS);
        mv.visitMethodInsn(INVOKESTATIC, FLAGS, "keptCarry", "(IIJJJJ)J", false);
        mv.visitVarInsn(LSTORE, C_BITS);
        iconst(mv, Flags.EAGER);
        mv.visitVarInsn(ISTORE, C_OP);
        mv.visitVarInsn(ILOAD, F_SIZE);
        mv.visitVarInsn(ISTORE, C_SIZE);
        carryNarrow = false;
        carryOp = Flags.EAGER;
        carrySize = 8; // an eager record's CF does not depend on its size
    }

    private void copyToCarry(boolean wide) {
        mv.visitVarInsn(ILOAD, F_OP);
        mv.visitVarInsn(ISTORE, C_OP);
        mv.visitVarInsn(ILOAD, F_SIZE);
        mv.visitVarInsn(ISTORE, C_SIZE);
        mv.visitVarInsn(LLOAD, F_BITS);
        mv.visitVarInsn(LSTORE, C_BITS);
        if (narrow && !wide) {
            for (int k = 0; k < 3; k++) {
                mv.visitVarInsn(ILOAD, F_DST_I + k);
                mv.visitVarInsn(ISTORE, C_DST_I + k);
            }
            carryNarrow = true;
        } else {
            for (int k = 0; k < 3; k++) {
                pushValue(F_DST + 2 * k, F_DST_I + k, narrow);
                mv.visitVarInsn(LSTORE, C_DST + 2 * k);
            }
            carryNarrow = false;
        }
    }

    /**
     * Sets the record to eager flags: bits from the stack. An eager record's dst, src and res
     * mean nothing; it is said to be in the long form, whatever the record before it was, so
     * that its form does not depend on what came before (as at a peeled loop's top).
     */
    void storeEager(int size) {
        mv.visitVarInsn(LSTORE, F_BITS);
        iconst(mv, Flags.EAGER);
        mv.visitVarInsn(ISTORE, F_OP);
        narrow = false;
        dirty = true;
        known(Flags.EAGER, size);
    }
}
