package org.apboot.jit;

import static org.apboot.jit.Slots.*;
import static org.objectweb.asm.Opcodes.*;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.decode.Insn;
import org.apboot.core.decode.Op;
import org.apboot.core.semantics.Alu;
import org.apboot.core.semantics.Flags;
import org.apboot.core.semantics.Shifts;
import org.objectweb.asm.MethodVisitor;

/**
 * Lowers the native data forms (MOV, the ALU family, INC/DEC, shifts and rotates by constants,
 * LEA, CMP/TEST against memory, PUSH and POP of registers, data segment loads): each value is an {@code invokestatic} of the value-level
 * semantics with constant op and size. A 32-bit operation runs on {@code int}s ({@code
 * Alu.result32}, {@code Shifts.rotateResult32} ...), wider or narrower ones on {@code long}s; a
 * flag record is stored only when {@link FlagLiveness} says someone may read it, its values
 * widened to the record's longs.
 */
final class ValueLowering {
    private static final String ALU = "org/apboot/core/semantics/Alu";
    private static final String FLAGS = "org/apboot/core/semantics/Flags";
    private static final String SHIFTS = "org/apboot/core/semantics/Shifts";
    private static final String STACK = "org/apboot/core/semantics/Stack";
    private static final String CPU_CLASS = BlockCompiler.CPU;
    private static final long CF_OF = org.apboot.core.cpu.Cpu.CF | org.apboot.core.cpu.Cpu.OF;

    private final MethodVisitor mv;
    private final RegisterLocals regs;
    private final FlagLocals flags;
    private final MemoryOperands mem;
    private final boolean[] liveWriter;
    /** The instruction being lowered works on ints (32-bit operand size). */
    private boolean narrow;

    ValueLowering(MethodVisitor mv, RegisterLocals regs, FlagLocals flags, MemoryOperands mem, boolean[] liveWriter) {
        this.mv = mv;
        this.regs = regs;
        this.flags = flags;
        this.mem = mem;
        this.liveWriter = liveWriter;
    }

    private static long imm(Insn i, int size) {
        return size == 8 ? i.imm : i.imm & Flags.mask(size);
    }

    /** Lowers instruction {@code k} of data form {@code f}. */
    void emit(int k, Insn i, Form f) {
        int size = i.opSize;
        narrow = size == 4;
        switch (f) {
            case MOV_RR:
                if (narrow) {
                    regs.loadInt(Form.reg(i, i.src));
                    regs.storeInt(Form.reg(i, i.dst));
                } else {
                    regs.loadLow(Form.reg(i, i.src), size);
                    regs.storeReg(Form.reg(i, i.dst), size);
                }
                break;
            case MOV_RI:
                mv.visitLdcInsn(imm(i, size));
                regs.storeReg(Form.reg(i, i.dst), size);
                break;
            case LOAD:
                mem.read(k, i, size);
                regs.storeReg(Form.reg(i, i.dst), size);
                break;
            case STORE_R:
            case STORE_I:
                mem.write(k, i, size, f == Form.STORE_I ? () -> mv.visitLdcInsn(imm(i, size))
                        : () -> regs.loadLow(Form.reg(i, i.src), size));
                break;
            case LEA:
                mem.effectiveAddress(k, i);
                regs.storeReg(i.reg, size);
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
            case PUSH_R: case PUSH_I:
                push(i, f, size);
                break;
            case POP_R:
                pop(i, size);
                break;
            case SEG_LOAD_R:
                mv.visitVarInsn(ALOAD, CPU);
                iconst(mv, i.reg);
                regs.loadInt(Form.reg(i, i.src));
                iconst(mv, 0xFFFF);
                mv.visitInsn(IAND);
                mv.visitMethodInsn(INVOKESTATIC, "org/apboot/core/semantics/SegmentLoads", "load", "(L" + CPU_CLASS + ";II)V", false);
                break;
            default:
                throw new IllegalArgumentException(f.toString());
        }
    }

    // ---------------------------------------------------------------- stack

    /** PUSH reg/imm: {@code rsp = Stack.pushOnto(cpu, rsp, size, value)} (rSP is read before it moves). */
    private void push(Insn i, Form f, int size) {
        mv.visitVarInsn(ALOAD, CPU);
        regs.loadLow(Cpu.RSP, 8);
        iconst(mv, size);
        if (f == Form.PUSH_I) {
            mv.visitLdcInsn(imm(i, size));
        } else {
            regs.loadLow(Form.reg(i, i.src), size);
        }
        mv.visitMethodInsn(INVOKESTATIC, STACK, "pushOnto", "(L" + CPU_CLASS + ";JIJ)J", false);
        regs.storeReg(Cpu.RSP, 8);
    }

    /**
     * POP reg: reads the top, moves rSP, then writes the register, so POP rSP ends with the
     * popped value (the interpreter's order).
     */
    private void pop(Insn i, int size) {
        stackTop(size);
        mv.visitVarInsn(LSTORE, T_A);
        releaseStack(size);
        mv.visitVarInsn(LLOAD, T_A);
        regs.storeReg(Form.reg(i, i.dst), size);
    }

    /** Pushes {@code Stack.top(cpu, rsp, size)}: the value on top of the stack (may fault). */
    void stackTop(int size) {
        mv.visitVarInsn(ALOAD, CPU);
        regs.loadLow(Cpu.RSP, 8);
        iconst(mv, size);
        mv.visitMethodInsn(INVOKESTATIC, STACK, "top", "(L" + CPU_CLASS + ";JI)J", false);
    }

    /** {@code rsp = Stack.release(cpu, rsp, bytes)}. */
    void releaseStack(long bytes) {
        mv.visitVarInsn(ALOAD, CPU);
        regs.loadLow(Cpu.RSP, 8);
        mv.visitLdcInsn(bytes);
        mv.visitMethodInsn(INVOKESTATIC, STACK, "release", "(L" + CPU_CLASS + ";JJ)J", false);
        regs.storeReg(Cpu.RSP, 8);
    }

    // ---------------------------------------------------------------- temporaries

    private void storeA() {
        mv.visitVarInsn(narrow ? ISTORE : LSTORE, narrow ? T_IA : T_A);
    }

    private void storeB() {
        mv.visitVarInsn(narrow ? ISTORE : LSTORE, narrow ? T_IB : T_B);
    }

    private void storeR() {
        mv.visitVarInsn(narrow ? ISTORE : LSTORE, narrow ? T_IR : T_R);
    }

    /** Pushes a temporary as its natural type (int or long). */
    private void load(int intSlot, int longSlot) {
        mv.visitVarInsn(narrow ? ILOAD : LLOAD, narrow ? intSlot : longSlot);
    }

    /** Pushes a temporary as a long (a 32-bit one zero-extended), as a flag record holds it. */
    private void wide(int intSlot, int longSlot) {
        if (narrow) {
            widen(mv, intSlot);
        } else {
            mv.visitVarInsn(LLOAD, longSlot);
        }
    }

    /** Narrows a long just computed for a record to the int a 32-bit operation's record holds. */
    private void toRecordForm() {
        if (narrow) {
            mv.visitInsn(L2I);
        }
    }

    /** Pushes register {@code r}'s low {@code size} bytes in the instruction's type. */
    private void loadOperand(int r, int size) {
        if (narrow) {
            regs.loadInt(r);
        } else {
            regs.loadLow(r, size);
        }
    }

    /** Writes the result temporary to register {@code d}. */
    private void writeResult(int d, int size) {
        load(T_IR, T_R);
        if (narrow) {
            regs.storeInt(d);
        } else {
            regs.storeReg(d, size);
        }
    }

    // ---------------------------------------------------------------- forms

    private void alu(int k, Insn i, Form f, int size) {
        int op = Form.aluCode(i.op);
        int d = Form.reg(i, i.dst);
        loadOperand(d, size);
        storeA();
        if (f == Form.ALU_RM) {
            mem.read(k, i, size);
            if (narrow) {
                mv.visitInsn(L2I);
            }
        } else if (f == Form.ALU_RI) {
            if (narrow) {
                iconst(mv, (int) i.imm);
            } else {
                mv.visitLdcInsn(imm(i, size));
            }
        } else {
            loadOperand(Form.reg(i, i.src), size);
        }
        storeB();
        aluResult(op, size);
        recordBinary(k, Alu.flagKind(op), size);
        if (Alu.writesResult(op)) {
            writeResult(d, size);
        }
    }

    private void compareMemory(int k, Insn i, Form f, int size) {
        narrow = false; // the memory operand comes as a long; so do the flag record's values
        int op = Form.aluCode(i.op);
        mem.read(k, i, size);
        storeA();
        if (f == Form.CMP_MI) {
            mv.visitLdcInsn(imm(i, size));
        } else {
            regs.loadLow(Form.reg(i, i.src), size);
        }
        storeB();
        aluResult(op, size);
        recordBinary(k, Alu.flagKind(op), size);
    }

    /** R = Alu.result(op, size, A, B, carry-in) (result32 on ints, with the carry-in as 0 or 1). */
    private void aluResult(int op, int size) {
        iconst(mv, op);
        if (!narrow) {
            iconst(mv, size);
        }
        load(T_IA, T_A);
        load(T_IB, T_B);
        if (Alu.readsCarry(op)) {
            flags.pushRecord();
            if (narrow) {
                mv.visitMethodInsn(INVOKESTATIC, FLAGS, "carryBitOf", "(IIJJJJ)I", false);
            } else {
                mv.visitMethodInsn(INVOKESTATIC, FLAGS, "carryOf", "(IIJJJJ)Z", false);
            }
        } else {
            mv.visitInsn(ICONST_0);
        }
        if (narrow) {
            mv.visitMethodInsn(INVOKESTATIC, ALU, "result32", "(IIII)I", false);
        } else {
            mv.visitMethodInsn(INVOKESTATIC, ALU, "result", "(IIJJZ)J", false);
        }
        storeR();
    }

    /** Records a binary operation's flags from A, B, R (unless no one reads them). */
    private void recordBinary(int k, int kind, int size) {
        if (!liveWriter[k]) {
            flags.known(kind, size);
            return;
        }
        // recordedDst/Src keep one of their operands or 0: a 32-bit operation's record holds
        // 32-bit values, kept as ints
        flags.store(kind, size, narrow, () -> {
            iconst(mv, kind);
            wide(T_IA, T_A);
            wide(T_IR, T_R);
            mv.visitMethodInsn(INVOKESTATIC, ALU, "recordedDst", "(IJJ)J", false);
            toRecordForm();
        }, () -> {
            iconst(mv, kind);
            wide(T_IB, T_B);
            mv.visitMethodInsn(INVOKESTATIC, ALU, "recordedSrc", "(IJ)J", false);
            toRecordForm();
        }, () -> load(T_IR, T_R));
    }

    private void incDec(int k, Insn i, Form f, int size) {
        int d = Form.reg(i, i.dst);
        boolean inc = f == Form.INC_R;
        if (narrow) {
            regs.loadInt(d);
            mv.visitInsn(DUP);
            storeA();
            mv.visitMethodInsn(INVOKESTATIC, ALU, inc ? "incResult32" : "decResult32", "(I)I", false);
        } else {
            iconst(mv, size);
            regs.loadLow(d, size);
            mv.visitInsn(DUP2);
            storeA();
            mv.visitMethodInsn(INVOKESTATIC, ALU, inc ? "incResult" : "decResult", "(IJ)J", false);
        }
        storeR();
        int kind = inc ? Flags.INC : Flags.DEC;
        if (liveWriter[k]) {
            flags.keepCarry();
            flags.store(kind, size, narrow, () -> load(T_IA, T_A), () -> {
                if (narrow) {
                    iconst(mv, (int) Flags.INC_DEC_SRC);
                } else {
                    mv.visitLdcInsn(Flags.INC_DEC_SRC);
                }
            }, () -> load(T_IR, T_R));
        } else {
            flags.known(kind, size);
        }
        writeResult(d, size);
    }

    /** SHL/SHR/SAR of a register by a non-zero constant count. */
    private void shift(int k, Insn i, int size) {
        int d = Form.reg(i, i.dst);
        int kind = i.op == Op.SHL ? Shifts.SHL : i.op == Op.SHR ? Shifts.SHR : Shifts.SAR;
        int c = Form.count(i);
        loadOperand(d, size);
        storeA();
        iconst(mv, kind);
        if (!narrow) {
            iconst(mv, size);
        }
        load(T_IA, T_A);
        iconst(mv, c);
        if (narrow) {
            mv.visitMethodInsn(INVOKESTATIC, SHIFTS, "shiftResult32", "(III)I", false);
        } else {
            mv.visitMethodInsn(INVOKESTATIC, SHIFTS, "shiftResult", "(IIJI)J", false);
        }
        storeR();
        if (liveWriter[k]) {
            flags.store(kind, size, false, () -> {
                iconst(mv, kind);
                iconst(mv, size);
                wide(T_IA, T_A);
                mv.visitMethodInsn(INVOKESTATIC, SHIFTS, "shiftRecordedDst", "(IIJ)J", false);
            }, () -> mv.visitLdcInsn((long) c), () -> wide(T_IR, T_R));
        } else {
            flags.known(kind, size);
        }
        writeResult(d, size);
    }

    /** ROL/ROR of a register by a non-zero constant count: CF and OF change, the rest is kept. */
    private void rotate(int k, Insn i, int size) {
        int d = Form.reg(i, i.dst);
        boolean left = i.op == Op.ROL;
        iconst(mv, left ? 1 : 0);
        if (narrow) {
            regs.loadInt(d);
            iconst(mv, Form.count(i));
            mv.visitMethodInsn(INVOKESTATIC, SHIFTS, "rotateResult32", "(ZII)I", false);
        } else {
            iconst(mv, size);
            regs.loadLow(d, size);
            iconst(mv, Form.count(i));
            mv.visitMethodInsn(INVOKESTATIC, SHIFTS, "rotateResult", "(ZIJI)J", false);
        }
        storeR();
        if (liveWriter[k]) {
            flags.pushRecord();
            mv.visitLdcInsn(CF_OF);
            iconst(mv, left ? 1 : 0);
            iconst(mv, size);
            wide(T_IR, T_R);
            mv.visitMethodInsn(INVOKESTATIC, SHIFTS, "rotateFlags", "(ZIJ)J", false);
            mv.visitMethodInsn(INVOKESTATIC, FLAGS, "updatedBits", "(IIJJJJJJ)J", false);
            flags.storeEager(size);
        } else {
            flags.known(Flags.EAGER, size);
        }
        writeResult(d, size);
    }
}
