package org.apboot.jit;

import static org.apboot.jit.Slots.*;
import static org.objectweb.asm.Opcodes.*;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.decode.Insn;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;

/**
 * Where the guest general registers a block names live, and how values move between them, the
 * operand stack and the Cpu.
 *
 * <p>A register the native code uses only as a 32-bit value (reads of at most 32 bits, writes
 * of exactly 32, addresses of at most 32) lives in an {@code int} local: 32-bit operations then
 * run on {@code int}s with no masking, and the value is zero-extended only when it is written
 * back, as a 32-bit write zero-extends. Every other register lives in a {@code long}. An int
 * local holds only the low half, so it is written back only where the block has written it
 * since the Cpu was last in step: at exits by the emission-time {@link #dirty} set, in the fault
 * handler by tables of that set per instruction (see {@link #dirtyBefore}).
 */
final class RegisterLocals {
    private static final String CPU_CLASS = BlockCompiler.CPU;

    private final MethodVisitor mv;
    /** Registers (bit per register) the native code reads or writes / writes / keeps in ints. */
    final int used, written, ints;
    /** Registers each instruction writes natively (0 for executor-run instructions). */
    private final int[] writes;
    private final Form[] forms;
    /** Registers changed since the locals were last in step with the Cpu, where code is emitted. */
    int dirty;

    /**
     * @param writtenMayLoopUnseen the block loops back to its first pass's code, where it cannot
     *        tell the first pass from later ones: registers written in it stay {@code long}s
     */
    RegisterLocals(MethodVisitor mv, Insn[] insns, Form[] forms, int count, boolean writtenMayLoopUnseen) {
        this.mv = mv;
        this.forms = forms;
        this.writes = new int[count];
        int u = 0, w = 0, wide = 0;
        for (int k = 0; k < count; k++) {
            Insn i = insns[k];
            Form f = forms[k];
            if (f == Form.FALLBACK) {
                continue;
            }
            int size = i.opSize;
            int d = Form.reg(i, i.dst), s = Form.reg(i, i.src);
            int read = 0, write = 0;
            switch (f) {
                case MOV_RR: read = bit(s); write = bit(d); break;
                case MOV_RI: case LOAD: write = bit(d); break;
                case STORE_R: case CMP_MR: read = bit(s); break;
                case ALU_RR: case ALU_RI: case ALU_RM:
                    read = bit(d) | bit(s);
                    write = Form.writesResult(i) ? bit(d) : 0;
                    break;
                case INC_R: case DEC_R: case SHIFT_RI: case ROTATE_RI: read = write = bit(d); break;
                case LEA: write = bit(i.reg); break;
                case PUSH_R: read = bit(s) | bit(Cpu.RSP); write = bit(Cpu.RSP); break;
                case POP_R: read = bit(Cpu.RSP); write = bit(Cpu.RSP) | bit(d); break;
                case PUSH_I: case CALL_REL: case RET_NEAR: read = write = bit(Cpu.RSP); break;
                case SEG_LOAD_R: read = bit(s); break;
                default: break;
            }
            if (f.usesStack()) {
                wide |= bit(Cpu.RSP); // the stack semantics take and return the whole register
            }
            int address = 0;
            if (i.hasMemoryOperand() && !i.ripRel) {
                address = bit(i.base) | bit(i.index);
            }
            if (size > 4) {
                wide |= read;
            }
            if (size != 4) {
                wide |= write;
            }
            if (i.addrSize > 4) {
                wide |= address;
            }
            u |= read | write | address;
            w |= write;
            writes[k] = write;
        }
        if (writtenMayLoopUnseen) {
            wide |= w;
        }
        this.used = u;
        this.written = w;
        this.ints = u & ~wide;
    }

    private static int bit(int r) {
        return r >= 0 && r < 16 ? 1 << r : 0;
    }

    boolean isInt(int r) {
        return (ints & (1 << r)) != 0;
    }

    private static int slot(int r) {
        return REG0 + 2 * r;
    }

    /** Loads every used register from the Cpu (block entry, after an executor ran). */
    void loadAll() {
        for (int r = 0; r < 16; r++) {
            if ((used & (1 << r)) != 0) {
                pushCpuRegister(r);
                if (isInt(r)) {
                    mv.visitInsn(L2I);
                    mv.visitVarInsn(ISTORE, slot(r));
                } else {
                    mv.visitVarInsn(LSTORE, slot(r));
                }
            }
        }
    }

    private void pushCpuRegister(int r) {
        mv.visitVarInsn(ALOAD, CPU);
        mv.visitFieldInsn(GETFIELD, CPU_CLASS, "r", "[J");
        iconst(mv, r);
        mv.visitInsn(LALOAD);
    }

    /** Writes registers {@code regs} back to the Cpu. */
    void writeBack(int regs) {
        for (int r = 0; r < 16; r++) {
            if ((regs & (1 << r)) != 0) {
                writeBackOne(r);
            }
        }
    }

    private void writeBackOne(int r) {
        mv.visitVarInsn(ALOAD, CPU);
        mv.visitFieldInsn(GETFIELD, CPU_CLASS, "r", "[J");
        iconst(mv, r);
        if (isInt(r)) {
            widen(mv, slot(r));
        } else {
            mv.visitVarInsn(LLOAD, slot(r));
        }
        mv.visitInsn(LASTORE);
    }

    /**
     * The fault handler's write-back: every long register the block writes (a long local always
     * holds the register's whole current value), and each int register only where the tables
     * say the faulting instruction found it written (first pass when DONE is 0, later passes
     * otherwise).
     */
    void writeBackAtFault() {
        writeBack(written & ~ints);
        int intWritten = written & ints;
        if (intWritten == 0) {
            return;
        }
        int[] first = dirtyBefore(false), later = dirtyBefore(true);
        for (int k = 0; k < first.length; k++) {
            first[k] &= intWritten;
            later[k] &= intWritten;
        }
        pushPerInstruction(mv, first, later);
        mv.visitVarInsn(ISTORE, T_MASK);
        for (int r = 0; r < 16; r++) {
            if ((intWritten & (1 << r)) != 0) {
                Label skip = new Label();
                mv.visitVarInsn(ILOAD, T_MASK);
                iconst(mv, 1 << r);
                mv.visitInsn(IAND);
                mv.visitJumpInsn(IFEQ, skip);
                writeBackOne(r);
                mv.visitLabel(skip);
            }
        }
    }

    /**
     * For each instruction, the registers written natively since the Cpu was last in step when
     * it starts: in the first pass, or (when {@code later}) in a later pass of a loop, which
     * starts with what the previous pass left unwritten.
     */
    int[] dirtyBefore(boolean later) {
        int d = later ? dirtyAfter(0) : 0;
        int[] table = new int[writes.length];
        for (int k = 0; k < writes.length; k++) {
            table[k] = d;
            d = forms[k] == Form.FALLBACK ? 0 : d | writes[k];
        }
        return table;
    }

    private int dirtyAfter(int start) {
        int d = start;
        for (int k = 0; k < writes.length; k++) {
            d = forms[k] == Form.FALLBACK ? 0 : d | writes[k];
        }
        return d;
    }

    /** Pushes register {@code r}'s low {@code size} bytes as a long. */
    void loadLow(int r, int size) {
        if (isInt(r)) {
            mv.visitVarInsn(ILOAD, slot(r));
            mv.visitInsn(I2L);
        } else {
            mv.visitVarInsn(LLOAD, slot(r));
            if (size == 8) {
                return;
            }
        }
        keepLow(mv, size);
    }

    /** Pushes register {@code r}'s low 32 bits as an int. */
    void loadInt(int r) {
        if (isInt(r)) {
            mv.visitVarInsn(ILOAD, slot(r));
        } else {
            mv.visitVarInsn(LLOAD, slot(r));
            mv.visitInsn(L2I);
        }
    }

    /** Pushes register {@code r} (whole, or its low half when it is an int) as part of an address. */
    void loadForAddress(int r) {
        if (isInt(r)) {
            mv.visitVarInsn(ILOAD, slot(r)); // the address size is at most 32 bits: the sum is wrapped
            mv.visitInsn(I2L);
        } else {
            mv.visitVarInsn(LLOAD, slot(r));
        }
    }

    /** Pops a long and writes it to register {@code r} at {@code size} with the merge rules. */
    void storeReg(int r, int size) {
        dirty |= 1 << r;
        if (isInt(r)) { // only 32-bit writes reach an int register
            mv.visitInsn(L2I);
            mv.visitVarInsn(ISTORE, slot(r));
            return;
        }
        if (size == 8 || size == 4) {
            keepLow(mv, size); // Cpu.merge: a 32-bit write zero-extends
            mv.visitVarInsn(LSTORE, slot(r));
            return;
        }
        // Cpu.merge for 8- and 16-bit writes, inline (see Slots.keepLow): the other bits stay
        keepLow(mv, size);
        mv.visitVarInsn(LLOAD, slot(r));
        mv.visitLdcInsn(size == 1 ? ~0xFFL : ~0xFFFFL);
        mv.visitInsn(LAND);
        mv.visitInsn(LOR);
        mv.visitVarInsn(LSTORE, slot(r));
    }

    /** Pops an int and writes it to register {@code r} as a 32-bit write. */
    void storeInt(int r) {
        if (isInt(r)) {
            dirty |= 1 << r;
            mv.visitVarInsn(ISTORE, slot(r));
        } else {
            mv.visitInsn(I2L);
            storeReg(r, 4);
        }
    }

}
