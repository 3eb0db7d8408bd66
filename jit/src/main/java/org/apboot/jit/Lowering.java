package org.apboot.jit;

import static org.objectweb.asm.Opcodes.*;

import org.apboot.core.decode.Insn;
import org.apboot.core.decode.Op;
import org.apboot.core.semantics.Alu;
import org.apboot.core.semantics.Flags;
import org.apboot.core.semantics.Shifts;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;

/**
 * Emits the body of one block's {@code execute} method.
 *
 * <p>Guest general registers the block names live in {@code long} locals; the lazy-flag record
 * (op, size, dst, src, res, bits, as {@code FlagState} defines it) lives in six locals. Every
 * value computation is an {@code invokestatic} of the value-level semantics ({@code Alu.result},
 * {@code Flags.condOf}, {@code Cpu.merge}, {@code Mem.read} ...) with the operation and size as
 * constants, which HotSpot inlines and folds: the translator decides only where values live,
 * never what an instruction does. Instructions without a native form call the interpreter's
 * executor with the locals written back ({@link Fallback}).
 */
final class Lowering {
    private static final String CPU = BlockCompiler.CPU;
    private static final String EXIT = BlockCompiler.EXIT;
    private static final String BASE = BlockCompiler.BASE;
    private static final String FLAGS = "org/apboot/core/semantics/Flags";
    private static final String ALU = "org/apboot/core/semantics/Alu";
    private static final String MEM = "org/apboot/core/semantics/Mem";
    private static final String BRANCHES = "org/apboot/core/semantics/Branches";
    private static final String OPERANDS = "org/apboot/core/interp/Operands";
    private static final String INSN = "org/apboot/core/decode/Insn";
    private static final String SHIFTS = "org/apboot/core/semantics/Shifts";
    private static final long CF_OF = org.apboot.core.cpu.Cpu.CF | org.apboot.core.cpu.Cpu.OF;

    // local variable slots
    private static final int THIS = 0, CPU_ = 1, EXIT_ = 2, BUDGET = 3, RIP0 = 5, K = 7, SYNCED = 8, DONE = 9,
            F_OP = 10, F_SIZE = 11, F_DST = 12, F_SRC = 14, F_RES = 16, F_BITS = 18,
            T_A = 20, T_B = 22, T_R = 24, T_V = 26, EXC = 28, RETIRED_INSIDE = 29, REG0 = 30;

    private final MethodVisitor mv;
    private final Insn[] insns;
    private final int count;
    private final long ripMask;
    private final Form[] forms;
    /** Offset of each instruction from the block's start, and the block's length at the end. */
    private final int[] offsets;
    private final boolean[] liveWriter;
    /** Registers the native code reads or writes / writes (bit per register). */
    private int usedRegs, writtenRegs;
    /** Native code touches / records the lazy flags. */
    private boolean flagsTouched, flagsWritten;
    private final boolean loops;
    private final boolean endsInPause;
    private final Label top = new Label();
    /** Start of the second copy of a peeled loop body (see {@link #backEdge}). */
    private final Label peeled = new Label();
    /** The pass through the body being emitted: 1, or 2 for the peeled loop body. */
    private int pass = 1;
    /** The flag op and size at the end of the first pass, when the loop is peeled. */
    private int peeledOp = -1, peeledSize = -1;
    /** The body writes memory or runs executors: the back edge checks the block is still valid. */
    private final boolean mayWriteCode;
    /**
     * The body reads memory or runs executors, so it may read the vCPU's clock (RDTSC, an APIC
     * timer register), which counts retired instructions: the back edge then retires each pass
     * as the interpreter retires each run of the block, and the clock reads the same count.
     */
    private final boolean mayReadClock;
    /** Loops of at most this many instructions have their body emitted twice (see {@link #backEdge}). */
    private static final int PEEL_MAX = 16;
    /**
     * Registers (bit per register) and whether the flag record native code has changed since
     * the locals were last in step with the Cpu, at the point being emitted: exits and executor
     * calls write back only these. The fault handler, which runs from anywhere, writes back all.
     */
    private int dirtyRegs;
    private boolean flagsDirty;
    /** The loop's first pass is peeled (decided before emission, see {@link #backEdge}). */
    private final boolean peel;
    /** The flag op and size recorded last in this pass, when known at translation time (else -1). */
    private int knownOp = -1, knownSize = -1;

    Lowering(MethodVisitor mv, Insn[] insns, int count, int codeSize) {
        this.mv = mv;
        this.insns = insns;
        this.count = count;
        this.ripMask = codeSize == 64 ? -1L : codeSize == 32 ? 0xFFFF_FFFFL : 0xFFFF;
        this.offsets = CompiledBlock.offsetsOf(java.util.Arrays.copyOf(insns, count));
        this.forms = new Form[count];
        for (int k = 0; k < count; k++) {
            forms[k] = Form.of(insns[k]);
            noteRegisters(insns[k], forms[k]);
        }
        this.liveWriter = FlagLiveness.liveWriters(insns, forms, count);
        Insn last = insns[count - 1];
        Form lastForm = forms[count - 1];
        this.loops = (lastForm == Form.JCC || lastForm == Form.JMP_REL) && last.opSize * 8 == codeSize
                && ((offsetAfter(count - 1) + last.imm) & Flags.mask(last.opSize)) == 0;
        this.endsInPause = last.op == Op.PAUSE;
        boolean writes = false, reads = false;
        for (Form f : forms) {
            writes |= f.stores() || f == Form.FALLBACK;
            reads |= f == Form.FALLBACK || f == Form.LOAD || f == Form.ALU_RM || f == Form.CMP_MR || f == Form.CMP_MI;
        }
        this.mayWriteCode = writes;
        this.mayReadClock = reads;
        this.peel = loops && count <= PEEL_MAX && flagOpKnownAtEnd();
    }

    /** True when the flag op at the block's end is known statically (no executor after the last writer). */
    private boolean flagOpKnownAtEnd() {
        for (int k = count - 1; k >= 0; k--) {
            if (forms[k] == Form.FALLBACK) {
                return false;
            }
            if (forms[k].writesFlags()) {
                return true;
            }
        }
        return false;
    }

    /** Offset of the instruction after {@code k} from the block's start. */
    private int offsetAfter(int k) {
        return offsets[k + 1];
    }

    private void noteRegisters(Insn i, Form f) {
        switch (f) {
            case MOV_RR: case MOV_RI: case LOAD: case ALU_RR: case ALU_RI: case ALU_RM: case INC_R: case DEC_R:
            case SHIFT_RI: case ROTATE_RI:
                int d = Form.reg(i, i.dst);
                usedRegs |= 1 << d;
                if (f != Form.ALU_RR && f != Form.ALU_RI && f != Form.ALU_RM || Alu.writesResult(Form.aluCode(i.op))) {
                    writtenRegs |= 1 << d;
                }
                break;
            case LEA:
                usedRegs |= 1 << i.reg;
                writtenRegs |= 1 << i.reg;
                break;
            default:
                break;
        }
        int s = Form.reg(i, i.src);
        if (s >= 0 && f != Form.FALLBACK) {
            usedRegs |= 1 << s;
        }
        if (f != Form.FALLBACK && i.hasMemoryOperand() && !i.ripRel) {
            if (i.base >= 0) {
                usedRegs |= 1 << i.base;
            }
            if (i.index >= 0) {
                usedRegs |= 1 << i.index;
            }
        }
        if (f.writesFlags() || f == Form.JCC) {
            flagsTouched = true;
        }
        if (f.writesFlags()) {
            flagsWritten = true;
        }
    }

    // ---------------------------------------------------------------- method skeleton

    void emitMethod() {
        mv.visitCode();
        prologue();
        Label tryStart = new Label(), tryEnd = new Label(), handler = new Label();
        mv.visitTryCatchBlock(tryStart, tryEnd, handler, "org/apboot/core/fault/CpuException");
        mv.visitLabel(tryStart);
        mv.visitLabel(top);
        // the top of the first pass is reached from the back edge too unless the loop is peeled
        boolean backEdgeToTop = loops && !peel;
        dirtyRegs = backEdgeToTop ? writtenRegs : 0;
        flagsDirty = backEdgeToTop && flagsWritten;
        boolean terminated = false;
        for (int k = 0; k < count; k++) {
            terminated = emit(k);
        }
        if (peeledOp >= 0) {
            pass = 2;
            mv.visitLabel(peeled);
            knownOp = peeledOp;
            knownSize = peeledSize;
            dirtyRegs = writtenRegs;
            flagsDirty = flagsWritten;
            for (int k = 0; k < count; k++) {
                emit(k);
            }
        }
        if (!terminated) {
            exit(() -> nextRip(count - 1), BlockExit.FALLTHROUGH, count);
        }
        mv.visitLabel(tryEnd);
        mv.visitLabel(handler);
        faultHandler();
        mv.visitMaxs(0, 0);
        mv.visitEnd();
    }

    private void prologue() {
        mv.visitVarInsn(ALOAD, CPU_);
        mv.visitFieldInsn(GETFIELD, CPU, "rip", "J");
        mv.visitVarInsn(LSTORE, RIP0);
        for (int r = 0; r < 16; r++) {
            if ((usedRegs & (1 << r)) != 0) {
                loadRegFromCpu(r);
            }
        }
        if (flagsTouched) {
            loadFlagsFromCpu();
        } else {
            zeroInt(F_OP);
            zeroInt(F_SIZE);
            for (int slot : new int[] {F_DST, F_SRC, F_RES, F_BITS}) {
                zeroLong(slot);
            }
        }
        for (int slot : new int[] {T_A, T_B, T_R, T_V}) {
            zeroLong(slot);
        }
        zeroInt(K);
        zeroInt(SYNCED);
        zeroInt(DONE);
        zeroInt(RETIRED_INSIDE);
    }

    private void zeroInt(int slot) {
        mv.visitInsn(ICONST_0);
        mv.visitVarInsn(ISTORE, slot);
    }

    private void zeroLong(int slot) {
        mv.visitInsn(LCONST_0);
        mv.visitVarInsn(LSTORE, slot);
    }

    private void loadRegFromCpu(int r) {
        mv.visitVarInsn(ALOAD, CPU_);
        mv.visitFieldInsn(GETFIELD, CPU, "r", "[J");
        iconst(r);
        mv.visitInsn(LALOAD);
        mv.visitVarInsn(LSTORE, REG0 + 2 * r);
    }

    private void loadFlagsFromCpu() {
        getCpuField("flagOp", "I", ISTORE, F_OP);
        getCpuField("flagSize", "I", ISTORE, F_SIZE);
        getCpuField("flagDst", "J", LSTORE, F_DST);
        getCpuField("flagSrc", "J", LSTORE, F_SRC);
        getCpuField("flagRes", "J", LSTORE, F_RES);
        getCpuField("flagBits", "J", LSTORE, F_BITS);
    }

    private void getCpuField(String name, String desc, int store, int slot) {
        mv.visitVarInsn(ALOAD, CPU_);
        mv.visitFieldInsn(GETFIELD, CPU, name, desc);
        mv.visitVarInsn(store, slot);
    }

    private void putCpuField(String name, String desc, int load, int slot) {
        mv.visitVarInsn(ALOAD, CPU_);
        mv.visitVarInsn(load, slot);
        mv.visitFieldInsn(PUTFIELD, CPU, name, desc);
    }

    /**
     * Writes the registers and the flag record native code changed since the locals were last
     * in step with the Cpu (at this point of the emitted code, see {@link #dirtyRegs}).
     */
    private void writeBack() {
        writeBack(dirtyRegs, flagsDirty);
    }

    /**
     * Writes every register and the flag record the native code may have changed: the fault
     * handler's write-back, which runs from any point of the body.
     */
    private void writeBackAll() {
        writeBack(writtenRegs, flagsWritten);
    }

    private void writeBack(int regs, boolean flags) {
        for (int r = 0; r < 16; r++) {
            if ((regs & (1 << r)) != 0) {
                mv.visitVarInsn(ALOAD, CPU_);
                mv.visitFieldInsn(GETFIELD, CPU, "r", "[J");
                iconst(r);
                mv.visitVarInsn(LLOAD, REG0 + 2 * r);
                mv.visitInsn(LASTORE);
            }
        }
        if (flags) {
            putCpuField("flagOp", "I", ILOAD, F_OP);
            putCpuField("flagSize", "I", ILOAD, F_SIZE);
            putCpuField("flagDst", "J", LLOAD, F_DST);
            putCpuField("flagSrc", "J", LLOAD, F_SRC);
            putCpuField("flagRes", "J", LLOAD, F_RES);
            putCpuField("flagBits", "J", LLOAD, F_BITS);
        }
    }

    /** Reloads the locals after an executor ran on the Cpu fields. */
    private void reload() {
        for (int r = 0; r < 16; r++) {
            if ((usedRegs & (1 << r)) != 0) {
                loadRegFromCpu(r);
            }
        }
        if (flagsTouched) {
            loadFlagsFromCpu();
        }
    }

    /**
     * Writes back, sets RIP, records the exit and returns {@code done + retired} (negated when
     * the block ends in PAUSE).
     */
    private void exit(Runnable pushRip, int slot, int retired) {
        writeBack();
        mv.visitVarInsn(ALOAD, CPU_);
        pushRip.run();
        mv.visitFieldInsn(PUTFIELD, CPU, "rip", "J");
        returnRetired(slot, retired);
    }

    private void returnRetired(int slot, int retired) {
        mv.visitVarInsn(ALOAD, EXIT_);
        iconst(slot);
        mv.visitFieldInsn(PUTFIELD, EXIT, "exit", "I");
        mv.visitVarInsn(ILOAD, DONE);
        iconst(retired);
        mv.visitInsn(IADD);
        if (loops && mayReadClock) {
            mv.visitVarInsn(ILOAD, RETIRED_INSIDE);
            mv.visitInsn(ISUB);
        }
        if (endsInPause && retired == count) {
            mv.visitInsn(INEG);
        }
        mv.visitInsn(IRETURN);
    }

    private void faultHandler() {
        mv.visitVarInsn(ASTORE, EXC);
        Label synced = new Label();
        mv.visitVarInsn(ILOAD, SYNCED);
        mv.visitJumpInsn(IFNE, synced);
        writeBackAll();
        mv.visitLabel(synced);
        mv.visitVarInsn(ALOAD, CPU_);
        mv.visitVarInsn(LLOAD, RIP0);
        mv.visitVarInsn(ALOAD, THIS);
        mv.visitFieldInsn(GETFIELD, BASE, "offsets", "[I");
        mv.visitVarInsn(ILOAD, K);
        mv.visitInsn(IALOAD);
        mv.visitInsn(I2L);
        mv.visitInsn(LADD);
        maskRip();
        mv.visitFieldInsn(PUTFIELD, CPU, "rip", "J");
        mv.visitVarInsn(ALOAD, EXIT_);
        mv.visitVarInsn(ILOAD, DONE);
        mv.visitVarInsn(ILOAD, K);
        mv.visitInsn(IADD);
        if (loops && mayReadClock) {
            mv.visitVarInsn(ILOAD, RETIRED_INSIDE);
            mv.visitInsn(ISUB);
        }
        mv.visitFieldInsn(PUTFIELD, EXIT, "faultRetired", "I");
        mv.visitVarInsn(ALOAD, EXC);
        mv.visitInsn(ATHROW);
    }

    // ---------------------------------------------------------------- instructions

    /** Emits instruction {@code k}; returns true when it ended the method (every path returns). */
    private boolean emit(int k) {
        Insn i = insns[k];
        Form f = forms[k];
        if (f.canFault()) {
            iconst(k);
            mv.visitVarInsn(ISTORE, K);
        }
        int size = i.opSize;
        switch (f) {
            case NOP:
                break;
            case MOV_RR:
                loadLow(Form.reg(i, i.src), size);
                storeReg(Form.reg(i, i.dst), size);
                break;
            case MOV_RI:
                mv.visitLdcInsn(imm(i, size));
                storeReg(Form.reg(i, i.dst), size);
                break;
            case LOAD:
                memRead(k, i, size);
                storeReg(Form.reg(i, i.dst), size);
                break;
            case STORE_R:
            case STORE_I:
                memWrite(k, i, size, f == Form.STORE_I ? () -> mv.visitLdcInsn(imm(i, size))
                        : () -> loadLow(Form.reg(i, i.src), size));
                break;
            case LEA:
                effectiveAddress(k, i);
                storeReg(i.reg, size);
                break;
            case ALU_RR: case ALU_RI: case ALU_RM:
                alu(k, i, f, size);
                break;
            case CMP_MR: case CMP_MI:
                compareMemory(k, i, f, size);
                break;
            case INC_R: case DEC_R:
                incDec(k, i, f, size);
                break;
            case SHIFT_RI:
                shift(k, i, size);
                break;
            case ROTATE_RI:
                rotate(k, i, size);
                break;
            case JCC:
                jcc(k, i);
                return true;
            case JMP_REL:
                if (loops) {
                    backEdge();
                } else {
                    branchTo(k, i);
                }
                return true;
            default:
                return fallback(k, i);
        }
        if (f.stores() && k + 1 < count) {
            selfModificationCheck(k);
        }
        return false;
    }

    private static long imm(Insn i, int size) {
        return size == 8 ? i.imm : i.imm & Flags.mask(size);
    }

    private void alu(int k, Insn i, Form f, int size) {
        int op = Form.aluCode(i.op);
        int kind = Alu.flagKind(op);
        int d = Form.reg(i, i.dst);
        loadLow(d, size);
        mv.visitVarInsn(LSTORE, T_A);
        if (f == Form.ALU_RM) {
            memRead(k, i, size);
        } else if (f == Form.ALU_RI) {
            mv.visitLdcInsn(imm(i, size));
        } else {
            loadLow(Form.reg(i, i.src), size);
        }
        mv.visitVarInsn(LSTORE, T_B);
        aluResult(op, size);
        recordBinary(k, kind, size);
        if (Alu.writesResult(op)) {
            mv.visitVarInsn(LLOAD, T_R);
            storeReg(d, size);
        }
    }

    private void compareMemory(int k, Insn i, Form f, int size) {
        int op = Form.aluCode(i.op);
        memRead(k, i, size);
        mv.visitVarInsn(LSTORE, T_A);
        if (f == Form.CMP_MI) {
            mv.visitLdcInsn(imm(i, size));
        } else {
            loadLow(Form.reg(i, i.src), size);
        }
        mv.visitVarInsn(LSTORE, T_B);
        aluResult(op, size);
        recordBinary(k, Alu.flagKind(op), size);
    }

    /** T_R = Alu.result(op, size, T_A, T_B, carry-in). */
    private void aluResult(int op, int size) {
        iconst(op);
        iconst(size);
        mv.visitVarInsn(LLOAD, T_A);
        mv.visitVarInsn(LLOAD, T_B);
        if (Alu.readsCarry(op)) {
            pushRecord();
            mv.visitMethodInsn(INVOKESTATIC, FLAGS, "carryOf", "(IIJJJJ)Z", false);
        } else {
            mv.visitInsn(ICONST_0);
        }
        mv.visitMethodInsn(INVOKESTATIC, ALU, "result", "(IIJJZ)J", false);
        mv.visitVarInsn(LSTORE, T_R);
    }

    /** Records a binary operation's flags from T_A, T_B, T_R (unless no one reads them). */
    private void recordBinary(int k, int kind, int size) {
        if (liveWriter[k]) {
            storeRecord(kind, size, () -> {
                iconst(kind);
                mv.visitVarInsn(LLOAD, T_A);
                mv.visitVarInsn(LLOAD, T_R);
                mv.visitMethodInsn(INVOKESTATIC, ALU, "recordedDst", "(IJJ)J", false);
            }, () -> {
                iconst(kind);
                mv.visitVarInsn(LLOAD, T_B);
                mv.visitMethodInsn(INVOKESTATIC, ALU, "recordedSrc", "(IJ)J", false);
            });
        }
        knownOp = kind;
        knownSize = size;
    }

    private void incDec(int k, Insn i, Form f, int size) {
        int d = Form.reg(i, i.dst);
        iconst(size);
        loadLow(d, size);
        mv.visitInsn(DUP2);
        mv.visitVarInsn(LSTORE, T_A);
        mv.visitMethodInsn(INVOKESTATIC, ALU, f == Form.INC_R ? "incResult" : "decResult", "(IJ)J", false);
        mv.visitVarInsn(LSTORE, T_R);
        int kind = f == Form.INC_R ? Flags.INC : Flags.DEC;
        if (liveWriter[k]) {
            pushRecord();
            mv.visitMethodInsn(INVOKESTATIC, FLAGS, "keptCarry", "(IIJJJJ)J", false);
            mv.visitVarInsn(LSTORE, F_BITS);
            storeRecord(kind, size, () -> mv.visitVarInsn(LLOAD, T_A), () -> mv.visitLdcInsn(Flags.INC_DEC_SRC));
        }
        writeResult(d, kind, size);
    }

    /** SHL/SHR/SAR of a register by a non-zero constant count. */
    private void shift(int k, Insn i, int size) {
        int d = Form.reg(i, i.dst);
        int kind = i.op == Op.SHL ? Shifts.SHL : i.op == Op.SHR ? Shifts.SHR : Shifts.SAR;
        int c = Form.count(i);
        loadLow(d, size);
        mv.visitVarInsn(LSTORE, T_A);
        iconst(kind);
        iconst(size);
        mv.visitVarInsn(LLOAD, T_A);
        iconst(c);
        mv.visitMethodInsn(INVOKESTATIC, SHIFTS, "shiftResult", "(IIJI)J", false);
        mv.visitVarInsn(LSTORE, T_R);
        if (liveWriter[k]) {
            storeRecord(kind, size, () -> {
                iconst(kind);
                iconst(size);
                mv.visitVarInsn(LLOAD, T_A);
                mv.visitMethodInsn(INVOKESTATIC, SHIFTS, "shiftRecordedDst", "(IIJ)J", false);
            }, () -> mv.visitLdcInsn((long) c));
        }
        writeResult(d, kind, size);
    }

    /** ROL/ROR of a register by a non-zero constant count: CF and OF change, the rest is kept. */
    private void rotate(int k, Insn i, int size) {
        int d = Form.reg(i, i.dst);
        boolean left = i.op == Op.ROL;
        iconst(left ? 1 : 0);
        iconst(size);
        loadLow(d, size);
        iconst(Form.count(i));
        mv.visitMethodInsn(INVOKESTATIC, SHIFTS, "rotateResult", "(ZIJI)J", false);
        mv.visitVarInsn(LSTORE, T_R);
        if (liveWriter[k]) {
            pushRecord();
            mv.visitLdcInsn(CF_OF);
            iconst(left ? 1 : 0);
            iconst(size);
            mv.visitVarInsn(LLOAD, T_R);
            mv.visitMethodInsn(INVOKESTATIC, SHIFTS, "rotateFlags", "(ZIJ)J", false);
            mv.visitMethodInsn(INVOKESTATIC, FLAGS, "updatedBits", "(IIJJJJJJ)J", false);
            mv.visitVarInsn(LSTORE, F_BITS);
            iconst(Flags.EAGER);
            mv.visitVarInsn(ISTORE, F_OP);
            flagsDirty = true;
        }
        writeResult(d, Flags.EAGER, size);
    }

    /**
     * Stores a flag record of operation {@code kind} at {@code size}: dst and src as the two
     * emitters push them, res from T_R ({@code bits} is the caller's, when the kind keeps any).
     */
    private void storeRecord(int kind, int size, Runnable pushDst, Runnable pushSrc) {
        iconst(kind);
        mv.visitVarInsn(ISTORE, F_OP);
        flagsDirty = true;
        iconst(size);
        mv.visitVarInsn(ISTORE, F_SIZE);
        pushDst.run();
        mv.visitVarInsn(LSTORE, F_DST);
        pushSrc.run();
        mv.visitVarInsn(LSTORE, F_SRC);
        mv.visitVarInsn(LLOAD, T_R);
        mv.visitVarInsn(LSTORE, F_RES);
    }

    /** Notes the flag op now known and writes T_R to register {@code d} at {@code size}. */
    private void writeResult(int d, int kind, int size) {
        knownOp = kind;
        knownSize = size;
        mv.visitVarInsn(LLOAD, T_R);
        storeReg(d, size);
    }

    /**
     * Pushes the lazy-flag record (op, size, dst, src, res, bits); op and size as constants when
     * this pass recorded them, so the semantics' switch on them folds away.
     */
    private void pushRecord() {
        if (knownOp >= 0) {
            iconst(knownOp);
            iconst(knownSize);
        } else {
            mv.visitVarInsn(ILOAD, F_OP);
            mv.visitVarInsn(ILOAD, F_SIZE);
        }
        mv.visitVarInsn(LLOAD, F_DST);
        mv.visitVarInsn(LLOAD, F_SRC);
        mv.visitVarInsn(LLOAD, F_RES);
        mv.visitVarInsn(LLOAD, F_BITS);
    }

    private void jcc(int k, Insn i) {
        iconst(i.cond);
        pushRecord();
        mv.visitMethodInsn(INVOKESTATIC, FLAGS, "condOf", "(IIIJJJJ)Z", false);
        Label notTaken = new Label();
        mv.visitJumpInsn(IFEQ, notTaken);
        if (loops) {
            backEdge();
        } else {
            branchTo(k, i);
        }
        mv.visitLabel(notTaken);
        exit(() -> nextRip(k), BlockExit.FALLTHROUGH, k + 1);
    }

    /** Jumps to next RIP + imm, checked by {@code Branches.target} (it may raise #GP). */
    private void branchTo(int k, Insn i) {
        mv.visitVarInsn(ALOAD, CPU_);
        iconst(i.opSize);
        nextRip(k);
        mv.visitLdcInsn(i.imm);
        mv.visitInsn(LADD);
        mv.visitMethodInsn(INVOKESTATIC, BRANCHES, "target", "(L" + CPU + ";IJ)J", false);
        mv.visitVarInsn(LSTORE, T_V);
        exit(() -> mv.visitVarInsn(LLOAD, T_V), BlockExit.TAKEN, k + 1);
    }

    /**
     * The branch back to the block's own start: loop inside the method while budget remains and
     * no event is requested (and, when the body writes memory, while the block is still valid);
     * otherwise leave with RIP at the start. The target needs no check: it is the address this
     * block was entered at. Guest loads in the body are TSO loads and are redone every pass.
     *
     * <p>A short loop whose flag op is known at its end is peeled: the first pass enters with an
     * unknown flag record, the second copy of the body, which the back edge loops on, knows the
     * record its previous iteration left, so flag readers at its top fold too.
     */
    private void backEdge() {
        Label leave = new Label();
        mv.visitIincInsn(DONE, count);
        if (mayReadClock) {
            mv.visitVarInsn(ALOAD, CPU_);
            mv.visitVarInsn(ALOAD, CPU_);
            mv.visitFieldInsn(GETFIELD, CPU, "modeIndex", "I");
            iconst(count);
            mv.visitMethodInsn(INVOKESTATIC, "org/apboot/core/engine/RunLoop", "retire", "(L" + CPU + ";II)I", false);
            mv.visitInsn(POP);
            mv.visitIincInsn(RETIRED_INSIDE, count);
        }
        mv.visitVarInsn(ILOAD, DONE);
        mv.visitInsn(I2L);
        mv.visitLdcInsn((long) count);
        mv.visitInsn(LADD);
        mv.visitVarInsn(LLOAD, BUDGET);
        mv.visitInsn(LCMP);
        mv.visitJumpInsn(IFGT, leave);
        mv.visitVarInsn(ALOAD, CPU_);
        mv.visitMethodInsn(INVOKEVIRTUAL, CPU, "events", "()I", false);
        mv.visitJumpInsn(IFNE, leave);
        if (mayWriteCode) {
            mv.visitVarInsn(ALOAD, THIS);
            mv.visitFieldInsn(GETFIELD, BASE, "valid", "Z");
            mv.visitJumpInsn(IFEQ, leave);
        }
        if (pass == 1 && peel) {
            if (knownOp < 0) {
                throw new IllegalStateException("peeled loop without a known flag op");
            }
            peeledOp = knownOp;
            peeledSize = knownSize;
        }
        mv.visitJumpInsn(GOTO, pass == 2 || peeledOp >= 0 ? peeled : top);
        knownOp = -1;
        mv.visitLabel(leave);
        exit(() -> mv.visitVarInsn(LLOAD, RIP0), BlockExit.TAKEN, 0);
    }

    /**
     * Runs instruction {@code k} through the interpreter's executor. In the middle of the block
     * the locals are reloaded after it; as the last instruction the executor's RIP stands.
     */
    private boolean fallback(int k, Insn i) {
        writeBack();
        dirtyRegs = 0;
        flagsDirty = false;
        mv.visitVarInsn(ALOAD, CPU_);
        nextRip(k);
        mv.visitFieldInsn(PUTFIELD, CPU, "rip", "J");
        mv.visitInsn(ICONST_1);
        mv.visitVarInsn(ISTORE, SYNCED);
        mv.visitVarInsn(ALOAD, CPU_);
        mv.visitVarInsn(ALOAD, THIS);
        mv.visitFieldInsn(GETFIELD, BASE, "insns", "[L" + INSN + ";");
        iconst(k);
        mv.visitInsn(AALOAD);
        mv.visitMethodInsn(INVOKESTATIC, "org/apboot/jit/Fallback", "execute", "(L" + CPU + ";L" + INSN + ";)V", false);
        knownOp = -1;
        if (k + 1 == count) {
            returnRetired(BlockExit.INDIRECT, k + 1);
            return true;
        }
        mv.visitInsn(ICONST_0);
        mv.visitVarInsn(ISTORE, SYNCED);
        reload();
        selfModificationCheck(k);
        return false;
    }

    /** Leaves the block after instruction {@code k} when a write invalidated it. */
    private void selfModificationCheck(int k) {
        Label ok = new Label();
        mv.visitVarInsn(ALOAD, THIS);
        mv.visitFieldInsn(GETFIELD, BASE, "valid", "Z");
        mv.visitJumpInsn(IFNE, ok);
        exit(() -> nextRip(k), BlockExit.INDIRECT, k + 1);
        mv.visitLabel(ok);
    }

    // ---------------------------------------------------------------- operands

    /** Pushes the address of the instruction after {@code k}. */
    private void nextRip(int k) {
        mv.visitVarInsn(LLOAD, RIP0);
        mv.visitLdcInsn((long) offsetAfter(k));
        mv.visitInsn(LADD);
        maskRip();
    }

    private void maskRip() {
        if (ripMask != -1L) {
            mv.visitLdcInsn(ripMask);
            mv.visitInsn(LAND);
        }
    }

    /** Pushes register {@code r}'s low {@code size} bytes. */
    private void loadLow(int r, int size) {
        mv.visitVarInsn(LLOAD, REG0 + 2 * r);
        if (size != 8) {
            iconst(size);
            mv.visitMethodInsn(INVOKESTATIC, CPU, "low", "(JI)J", false);
        }
    }

    /** Pops a value and writes it to register {@code r} at {@code size} with the merge rules. */
    private void storeReg(int r, int size) {
        int slot = REG0 + 2 * r;
        dirtyRegs |= 1 << r;
        if (size == 8) {
            mv.visitVarInsn(LSTORE, slot);
            return;
        }
        mv.visitVarInsn(LSTORE, T_V);
        mv.visitVarInsn(LLOAD, slot);
        iconst(size);
        mv.visitVarInsn(LLOAD, T_V);
        mv.visitMethodInsn(INVOKESTATIC, CPU, "merge", "(JIJ)J", false);
        mv.visitVarInsn(LSTORE, slot);
    }

    /** Pushes the memory operand's effective address, wrapped to the address size. */
    private void effectiveAddress(int k, Insn i) {
        iconst(i.addrSize);
        if (i.ripRel) {
            nextRip(k);
            mv.visitLdcInsn(i.disp);
            mv.visitInsn(LADD);
        } else {
            mv.visitLdcInsn(i.disp);
            if (i.base >= 0) {
                mv.visitVarInsn(LLOAD, REG0 + 2 * i.base);
                mv.visitInsn(LADD);
            }
            if (i.index >= 0) {
                mv.visitVarInsn(LLOAD, REG0 + 2 * i.index);
                if (i.scale != 0) {
                    iconst(i.scale);
                    mv.visitInsn(LSHL);
                }
                mv.visitInsn(LADD);
            }
        }
        mv.visitMethodInsn(INVOKESTATIC, OPERANDS, "wrap", "(IJ)J", false);
    }

    /** Pushes {@code Mem.read(cpu, seg, ea, size)}. */
    private void memRead(int k, Insn i, int size) {
        mv.visitVarInsn(ALOAD, CPU_);
        iconst(i.seg);
        effectiveAddress(k, i);
        iconst(size);
        mv.visitMethodInsn(INVOKESTATIC, MEM, "read", "(L" + CPU + ";IJI)J", false);
    }

    /** {@code Mem.write(cpu, seg, ea, size, value)}. */
    private void memWrite(int k, Insn i, int size, Runnable pushValue) {
        mv.visitVarInsn(ALOAD, CPU_);
        iconst(i.seg);
        effectiveAddress(k, i);
        iconst(size);
        pushValue.run();
        mv.visitMethodInsn(INVOKESTATIC, MEM, "write", "(L" + CPU + ";IJIJ)V", false);
    }

    private void iconst(int v) {
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
