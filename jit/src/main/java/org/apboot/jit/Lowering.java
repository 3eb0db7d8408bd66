package org.apboot.jit;

import static org.apboot.jit.Slots.*;
import static org.objectweb.asm.Opcodes.*;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.decode.Insn;
import org.apboot.core.decode.Op;
import org.apboot.core.interp.ExecutorTable;
import org.apboot.core.semantics.Flags;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;

/**
 * Emits the body of one block's {@code execute} method: the method's skeleton (prologue, fault
 * handler), control flow (Jcc, JMP, the loop back edge, exits) and executor calls; the data
 * forms are {@link ValueLowering}'s, the registers {@link RegisterLocals}', the lazy-flag record
 * {@link FlagLocals}'. Every value computation is an {@code invokestatic} of the value-level
 * semantics with the operation and size as constants, which HotSpot inlines and folds: the
 * translator decides only where values live, never what an instruction does. Instructions
 * without a native form call the interpreter's executor with the locals written back, the
 * executor and the instruction loaded as constants of the class ({@link ClassConstants}).
 */
final class Lowering {
    private static final String CPU_CLASS = BlockCompiler.CPU;
    private static final String EXIT_CLASS = BlockCompiler.EXIT;
    private static final String BASE = BlockCompiler.BASE;
    private static final String FLAGS = "org/apboot/core/semantics/Flags";
    private static final String BRANCHES = "org/apboot/core/semantics/Branches";
    private static final String STACK = "org/apboot/core/semantics/Stack";
    private static final String INSN = "org/apboot/core/decode/Insn";
    private static final String EXECUTOR = "org/apboot/core/interp/Executor";

    private final MethodVisitor mv;
    private final Insn[] insns;
    private final int count;
    private final long ripMask;
    private final Form[] forms;
    /** Offset of each instruction from the block's start, and the block's length at the end. */
    private final int[] offsets;
    private final RegisterLocals regs;
    private final FlagLocals flags;
    private final ValueLowering values;
    /** Native code touches / records the lazy flags. */
    private boolean flagsTouched, flagsWritten;
    private final boolean loops;
    private final boolean endsInPause;
    private final Label top = new Label();
    /**
     * The fault handler. It covers only the code of instructions that can fault: the JVM then
     * knows that what the handler reads (every local the block may have to write back) is not
     * needed at the other instructions, and HotSpot keeps no copies of it alive around a loop.
     */
    private final Label handler = new Label();
    private boolean handlerUsed;
    /** Start of the second copy of a peeled loop body (see {@link #backEdge}). */
    private final Label peeled = new Label();
    /** The pass through the body being emitted: 1, or 2 for the peeled loop body. */
    private int pass = 1;
    /** What is known of the flag record at the end of the first pass, when the loop is peeled. */
    private int peeledOp = -1, peeledSize = -1, peeledCarryOp = -1, peeledCarrySize = -1;
    /** Registers and flags changed since the Cpu was in step, at the end of the first pass. */
    private int peeledDirty;
    private boolean peeledFlagsDirty;
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
    /** The loop's first pass is peeled (decided before emission, see {@link #backEdge}). */
    private final boolean peel;
    /** The flag records' forms ({@link FlagLocals#state}) at each instruction that may fault, per pass. */
    private final int[] firstPassFlagState, laterPassFlagState;
    private int peeledFlagState;

    /**
     * The flag records are brought to the long form at the back edge. Always so for a loop that
     * is not peeled (its top is reached from the prologue too); for a peeled loop only when its
     * two passes would reach the back edge with the records in different forms, which a trial
     * emission finds out (see {@link FlagLocals}).
     */
    private final boolean normalizeAtBackEdge;
    /** A trial emission (nothing is kept), and whether it found the passes' forms to agree. */
    private final boolean trial;
    private boolean passesAgree = true;

    /** Constants of the class being emitted (the executors and instructions of fallbacks). */
    private final ClassConstants constants;

    Lowering(MethodVisitor mv, ClassConstants constants, Insn[] insns, int count, int codeSize) {
        this(mv, constants, insns, count, codeSize, false, false);
    }

    private Lowering(MethodVisitor mv, ClassConstants constants, Insn[] insns, int count, int codeSize, boolean trial,
            boolean normalize) {
        this.mv = mv;
        this.constants = constants;
        this.insns = insns;
        this.count = count;
        this.ripMask = codeSize == 64 ? -1L : codeSize == 32 ? 0xFFFF_FFFFL : 0xFFFF;
        this.offsets = CompiledBlock.offsetsOf(java.util.Arrays.copyOf(insns, count));
        this.forms = new Form[count];
        for (int k = 0; k < count; k++) {
            forms[k] = Form.of(insns[k]);
            flagsTouched |= forms[k].writesFlags() || forms[k] == Form.JCC;
            flagsWritten |= forms[k].writesFlags();
        }
        boolean[] liveWriter = FlagLiveness.liveWriters(insns, forms, count);
        Insn last = insns[count - 1];
        Form lastForm = forms[count - 1];
        this.loops = (lastForm == Form.JCC || lastForm == Form.JMP_REL) && last.opSize * 8 == codeSize
                && ((offsets[count] + last.imm) & Flags.mask(last.opSize)) == 0;
        this.endsInPause = last.op == Op.PAUSE;
        boolean writes = false, reads = false;
        for (Form f : forms) {
            writes |= f.stores() || f == Form.FALLBACK;
            reads |= f == Form.FALLBACK || f.loads();
        }
        this.mayWriteCode = writes;
        this.mayReadClock = reads;
        this.peel = loops && count <= PEEL_MAX;
        this.regs = new RegisterLocals(mv, insns, forms, count, loops && !peel);
        this.flags = new FlagLocals(mv);
        this.trial = trial;
        if (peel && !trial && !normalize) {
            Lowering t = new Lowering(new MethodVisitor(ASM9) { }, new ClassConstants(), insns, count, codeSize, true, false);
            t.emitMethod();
            normalize = !t.passesAgree;
        }
        this.normalizeAtBackEdge = normalize || (loops && !peel);
        this.firstPassFlagState = new int[count];
        this.laterPassFlagState = new int[count];
        this.values = new ValueLowering(mv, regs, flags, new MemoryOperands(mv, regs, this::nextRip), liveWriter);
    }

    // ---------------------------------------------------------------- method skeleton

    void emitMethod() {
        mv.visitCode();
        prologue();
        mv.visitLabel(top);
        // the top of the first pass is reached from the back edge too unless the loop is peeled
        boolean backEdgeToTop = loops && !peel;
        regs.dirty = backEdgeToTop ? regs.written : 0;
        flags.dirty = backEdgeToTop && flagsWritten;
        flags.setInPass = false;
        boolean terminated = false;
        for (int k = 0; k < count; k++) {
            terminated = emit(k);
        }
        if (peel) {
            pass = 2;
            mv.visitLabel(peeled);
            flags.known(peeledOp, peeledSize);
            flags.carryOp = peeledCarryOp;
            flags.carrySize = peeledCarrySize;
            regs.dirty = peeledDirty;
            flags.dirty = peeledFlagsDirty;
            flags.setInPass = false;
            for (int k = 0; k < count; k++) {
                emit(k);
            }
        }
        if (!terminated) {
            exit(() -> nextRip(count - 1), BlockExit.FALLTHROUGH, count);
        }
        if (handlerUsed) {
            mv.visitLabel(handler);
            faultHandler();
        }
        mv.visitMaxs(0, 0);
        mv.visitEnd();
    }

    private void prologue() {
        mv.visitVarInsn(ALOAD, CPU);
        mv.visitFieldInsn(GETFIELD, CPU_CLASS, "rip", "J");
        mv.visitVarInsn(LSTORE, RIP0);
        regs.loadAll();
        flags.zero();
        if (flagsTouched) {
            flags.load();
        }
        for (int slot : new int[] {T_A, T_B, T_R, T_V}) {
            mv.visitInsn(LCONST_0);
            mv.visitVarInsn(LSTORE, slot);
        }
        for (int slot : new int[] {K, SYNCED, DONE, RETIRED_INSIDE, T_IA, T_IB, T_IR, T_MASK, T_STATE}) {
            mv.visitInsn(ICONST_0);
            mv.visitVarInsn(ISTORE, slot);
        }
        if (loops) {
            // the back edge goes on while DONE <= LIMIT, that is while another pass fits in the
            // budget; DONE stays far from overflowing
            mv.visitVarInsn(LLOAD, BUDGET);
            mv.visitLdcInsn((long) count);
            mv.visitInsn(LSUB);
            mv.visitLdcInsn((long) Integer.MAX_VALUE - 2L * count);
            mv.visitMethodInsn(INVOKESTATIC, "java/lang/Math", "min", "(JJ)J", false);
            mv.visitInsn(L2I);
        } else {
            mv.visitInsn(ICONST_0);
        }
        mv.visitVarInsn(ISTORE, LIMIT);
    }

    /** Writes the registers and the flag record native code changed since the locals were last in step. */
    private void writeBack() {
        regs.writeBack(regs.dirty);
        if (flags.dirty) {
            flags.writeBack();
        }
    }

    /** Reloads the locals after an executor ran on the Cpu fields. */
    private void reload() {
        regs.loadAll();
        if (flagsTouched) {
            flags.load();
        }
    }

    /**
     * Writes back, sets RIP, records the exit and returns {@code done + retired} (negated when
     * the block ends in PAUSE).
     */
    private void exit(Runnable pushRip, int slot, int retired) {
        writeBack();
        mv.visitVarInsn(ALOAD, CPU);
        pushRip.run();
        mv.visitFieldInsn(PUTFIELD, CPU_CLASS, "rip", "J");
        returnRetired(slot, retired);
    }

    private void returnRetired(int slot, int retired) {
        mv.visitVarInsn(ALOAD, EXIT);
        iconst(mv, slot);
        mv.visitFieldInsn(PUTFIELD, EXIT_CLASS, "exit", "I");
        mv.visitVarInsn(ILOAD, DONE);
        iconst(mv, retired);
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

    /**
     * The one exception handler: unless an executor was running (it keeps the Cpu fields
     * current itself), writes back what the body may have changed, sets RIP to the faulting
     * instruction, reports how many instructions retired before it, and rethrows.
     */
    private void faultHandler() {
        mv.visitVarInsn(ASTORE, EXC);
        Label synced = new Label();
        mv.visitVarInsn(ILOAD, SYNCED);
        mv.visitJumpInsn(IFNE, synced);
        regs.writeBackAtFault();
        if (flagsWritten) {
            flags.writeBackAtFault(firstPassFlagState, peel ? laterPassFlagState : firstPassFlagState);
        }
        mv.visitLabel(synced);
        mv.visitVarInsn(ALOAD, CPU);
        mv.visitVarInsn(LLOAD, RIP0);
        mv.visitVarInsn(ALOAD, THIS);
        mv.visitFieldInsn(GETFIELD, BASE, "offsets", "[I");
        mv.visitVarInsn(ILOAD, K);
        mv.visitInsn(IALOAD);
        mv.visitInsn(I2L);
        mv.visitInsn(LADD);
        maskRip();
        mv.visitFieldInsn(PUTFIELD, CPU_CLASS, "rip", "J");
        mv.visitVarInsn(ALOAD, EXIT);
        mv.visitVarInsn(ILOAD, DONE);
        mv.visitVarInsn(ILOAD, K);
        mv.visitInsn(IADD);
        if (loops && mayReadClock) {
            mv.visitVarInsn(ILOAD, RETIRED_INSIDE);
            mv.visitInsn(ISUB);
        }
        mv.visitFieldInsn(PUTFIELD, EXIT_CLASS, "faultRetired", "I");
        mv.visitVarInsn(ALOAD, EXC);
        mv.visitInsn(ATHROW);
    }

    // ---------------------------------------------------------------- instructions

    /** Emits instruction {@code k}; returns true when it ended the method (every path returns). */
    private boolean emit(int k) {
        Form f = forms[k];
        // a loop's closing branch goes back to an address already checked: it cannot fault
        boolean canFault = f.canFault() && !(loops && k == count - 1 && (f == Form.JCC || f == Form.JMP_REL));
        if (!canFault) {
            return emitInstruction(k);
        }
        iconst(mv, k);
        mv.visitVarInsn(ISTORE, K);
        (pass == 1 ? firstPassFlagState : laterPassFlagState)[k] = flags.state();
        Label start = new Label(), end = new Label();
        mv.visitTryCatchBlock(start, end, handler, "org/apboot/core/fault/CpuException");
        handlerUsed = true;
        mv.visitLabel(start);
        boolean terminated = emitInstruction(k);
        mv.visitLabel(end);
        return terminated;
    }

    private boolean emitInstruction(int k) {
        Insn i = insns[k];
        Form f = forms[k];
        switch (f) {
            case NOP:
                break;
            case JCC:
                if (k < count - 1) {
                    innerJcc(k, i);
                    return false;
                }
                jcc(k, i);
                return true;
            case JMP_REL:
                if (loops) {
                    backEdge();
                } else {
                    branchTo(k, i, BlockExit.TAKEN);
                }
                return true;
            case FALLBACK:
                return fallback(k, i);
            case CALL_REL:
                call(k, i);
                return true;
            case RET_NEAR:
                ret(k, i);
                return true;
            default:
                values.emit(k, i, f);
                break;
        }
        if (f.stores() && k + 1 < count) {
            selfModificationCheck(k);
        }
        return false;
    }

    /** Jcc ending the block: taken, a branch (or the loop's back edge); else the fall-through exit. */
    private void jcc(int k, Insn i) {
        Label notTaken = unlessTaken(i);
        if (loops) {
            backEdge();
        } else {
            branchTo(k, i, BlockExit.TAKEN);
        }
        mv.visitLabel(notTaken);
        exit(() -> nextRip(k), BlockExit.FALLTHROUGH, k + 1);
    }

    /**
     * A Jcc inside the block (the decoder goes on past a Jcc along its fall-through path): taken,
     * the block leaves through its side exit; not taken, the next instruction follows in line.
     */
    private void innerJcc(int k, Insn i) {
        Label notTaken = unlessTaken(i);
        branchTo(k, i, BlockExit.SIDE);
        mv.visitLabel(notTaken);
    }

    /**
     * Emits the Jcc's condition, straight from the record (one compare when the op is known), and
     * a jump to the returned label, to be placed by the caller, when the branch is not taken.
     */
    private Label unlessTaken(Insn i) {
        iconst(mv, i.cond);
        flags.pushRecord(Flags.condReadsCarry(i.cond));
        mv.visitMethodInsn(INVOKESTATIC, FLAGS, "condOf", "(IIIJJJJ)Z", false);
        Label notTaken = new Label();
        mv.visitJumpInsn(IFEQ, notTaken);
        return notTaken;
    }

    /**
     * Jumps to next RIP + imm, checked by {@code Branches.target} (it may raise #GP), leaving
     * through exit {@code slot}.
     */
    private void branchTo(int k, Insn i, int slot) {
        relativeTarget(k, i);
        mv.visitVarInsn(LSTORE, T_V);
        exit(() -> mv.visitVarInsn(LLOAD, T_V), slot, k + 1);
    }

    /** Pushes next RIP + imm checked by {@code Branches.target} (it may raise #GP). */
    private void relativeTarget(int k, Insn i) {
        mv.visitVarInsn(ALOAD, CPU);
        iconst(mv, i.opSize);
        nextRip(k);
        mv.visitLdcInsn(i.imm);
        mv.visitInsn(LADD);
        mv.visitMethodInsn(INVOKESTATIC, BRANCHES, "target", "(L" + CPU_CLASS + ";IJ)J", false);
    }

    /**
     * CALL rel: the target is checked first (a #GP leaves the stack as it was), then the return
     * address is pushed ({@code Stack.pushOnto}), then the block leaves through its taken exit.
     */
    private void call(int k, Insn i) {
        relativeTarget(k, i);
        mv.visitVarInsn(LSTORE, T_A);
        mv.visitVarInsn(ALOAD, CPU);
        regs.loadLow(Cpu.RSP, 8);
        iconst(mv, i.opSize);
        nextRip(k);
        mv.visitMethodInsn(INVOKESTATIC, STACK, "pushOnto", "(L" + CPU_CLASS + ";JIJ)J", false);
        regs.storeReg(Cpu.RSP, 8);
        exit(() -> mv.visitVarInsn(LLOAD, T_A), BlockExit.TAKEN, k + 1);
    }

    /**
     * RET / RET imm16: the return address is read and checked before rSP moves ({@code
     * Branches.ret}'s order), then the block leaves through its indirect exit.
     */
    private void ret(int k, Insn i) {
        mv.visitVarInsn(ALOAD, CPU);
        iconst(mv, i.opSize);
        values.stackTop(i.opSize);
        mv.visitMethodInsn(INVOKESTATIC, BRANCHES, "target", "(L" + CPU_CLASS + ";IJ)J", false);
        mv.visitVarInsn(LSTORE, T_A);
        values.releaseStack(i.opSize + (i.imm & 0xFFFF));
        exit(() -> mv.visitVarInsn(LLOAD, T_A), BlockExit.INDIRECT, k + 1);
    }

    /**
     * The branch back to the block's own start: loop inside the method while another pass fits
     * in the budget ({@code DONE <= LIMIT}: one int compare) and no event is requested (one
     * opaque field read), and, when the body writes memory, while the block is still valid;
     * otherwise leave with RIP at the start. The target needs no check: it is the address this
     * block was entered at. Guest loads in the body are TSO loads and are redone every pass.
     *
     * <p>A short loop is peeled: the first pass enters with an unknown flag record and with
     * nothing written, the second copy of the body, which the back edge loops on, knows the
     * record its previous iteration left (flag readers at its top fold too) and which registers
     * are written (so registers written in the body can live in ints).
     */
    private void backEdge() {
        Label leave = new Label();
        if (normalizeAtBackEdge) {
            flags.normalize();
        }
        mv.visitIincInsn(DONE, count);
        if (mayReadClock) {
            mv.visitVarInsn(ALOAD, CPU);
            mv.visitVarInsn(ALOAD, CPU);
            mv.visitFieldInsn(GETFIELD, CPU_CLASS, "modeIndex", "I");
            iconst(mv, count);
            mv.visitMethodInsn(INVOKESTATIC, "org/apboot/core/engine/RunLoop", "retire", "(L" + CPU_CLASS + ";II)I", false);
            mv.visitInsn(POP);
            mv.visitIincInsn(RETIRED_INSIDE, count);
        }
        mv.visitVarInsn(ILOAD, DONE);
        mv.visitVarInsn(ILOAD, LIMIT);
        mv.visitJumpInsn(IF_ICMPGT, leave);
        mv.visitVarInsn(ALOAD, CPU);
        mv.visitMethodInsn(INVOKEVIRTUAL, CPU_CLASS, "events", "()I", false);
        mv.visitJumpInsn(IFNE, leave);
        if (mayWriteCode) {
            mv.visitVarInsn(ALOAD, THIS);
            mv.visitFieldInsn(GETFIELD, BASE, "valid", "Z");
            mv.visitJumpInsn(IFEQ, leave);
        }
        if (pass == 1 && peel) {
            peeledOp = flags.knownOp;
            peeledSize = flags.knownSize;
            peeledCarryOp = flags.carryOp;
            peeledCarrySize = flags.carrySize;
            peeledDirty = regs.dirty;
            peeledFlagsDirty = flags.dirty;
            peeledFlagState = flags.state();
        } else if (peel && flags.state() != peeledFlagState) {
            if (!trial) {
                throw new IllegalStateException("the passes of a peeled loop reach its back edge with different flag forms");
            }
            passesAgree = false;
        }
        mv.visitJumpInsn(GOTO, peel ? peeled : top);
        mv.visitLabel(leave);
        exit(() -> mv.visitVarInsn(LLOAD, RIP0), BlockExit.TAKEN, 0);
    }

    /**
     * Runs instruction {@code k} through the interpreter's executor. In the middle of the block
     * the locals are reloaded after it; as the last instruction the executor's RIP stands.
     */
    private boolean fallback(int k, Insn i) {
        writeBack();
        regs.dirty = 0;
        flags.dirty = false;
        mv.visitVarInsn(ALOAD, CPU);
        nextRip(k);
        mv.visitFieldInsn(PUTFIELD, CPU_CLASS, "rip", "J");
        mv.visitInsn(ICONST_1);
        mv.visitVarInsn(ISTORE, SYNCED);
        // the executor and the instruction are constants of the class: the call is inlined here
        constants.push(mv, ExecutorTable.get(i.op), EXECUTOR);
        mv.visitVarInsn(ALOAD, CPU);
        constants.push(mv, i, INSN);
        mv.visitMethodInsn(INVOKEINTERFACE, EXECUTOR, "execute", "(L" + CPU_CLASS + ";L" + INSN + ";)V", true);
        flags.forget();
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

    // ---------------------------------------------------------------- addresses

    /** Pushes the address of the instruction after {@code k}. */
    private void nextRip(int k) {
        mv.visitVarInsn(LLOAD, RIP0);
        mv.visitLdcInsn((long) offsets[k + 1]);
        mv.visitInsn(LADD);
        maskRip();
    }

    private void maskRip() {
        if (ripMask != -1L) {
            mv.visitLdcInsn(ripMask);
            mv.visitInsn(LAND);
        }
    }
}
