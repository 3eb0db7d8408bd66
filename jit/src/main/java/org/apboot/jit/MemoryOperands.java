package org.apboot.jit;

import static org.apboot.jit.Slots.*;
import static org.objectweb.asm.Opcodes.*;

import java.util.function.IntConsumer;
import org.apboot.core.decode.Insn;
import org.objectweb.asm.MethodVisitor;

/** Effective addresses and guest memory accesses ({@code Mem.read}/{@code Mem.write}) of native forms. */
final class MemoryOperands {
    private static final String CPU_CLASS = BlockCompiler.CPU;
    private static final String MEM = "org/apboot/core/semantics/Mem";
    private static final String OPERANDS = "org/apboot/core/interp/Operands";

    private final MethodVisitor mv;
    private final RegisterLocals regs;
    /** Pushes the address of the instruction after the given one (for RIP-relative operands). */
    private final IntConsumer nextRip;

    MemoryOperands(MethodVisitor mv, RegisterLocals regs, IntConsumer nextRip) {
        this.mv = mv;
        this.regs = regs;
        this.nextRip = nextRip;
    }

    /** Pushes the memory operand's effective address, wrapped to the address size. */
    void effectiveAddress(int k, Insn i) {
        if (i.ripRel) {
            nextRip.accept(k);
            mv.visitLdcInsn(i.disp);
            mv.visitInsn(LADD);
        } else {
            mv.visitLdcInsn(i.disp);
            if (i.base >= 0) {
                regs.loadForAddress(i.base);
                mv.visitInsn(LADD);
            }
            if (i.index >= 0) {
                regs.loadForAddress(i.index);
                if (i.scale != 0) {
                    iconst(mv, i.scale);
                    mv.visitInsn(LSHL);
                }
                mv.visitInsn(LADD);
            }
        }
        keepLow(mv, i.addrSize); // Operands.wrap, inline (see Slots.keepLow)
    }

    /** Pushes {@code Mem.read(cpu, seg, ea, size)}. */
    void read(int k, Insn i, int size) {
        mv.visitVarInsn(ALOAD, CPU);
        iconst(mv, i.seg);
        effectiveAddress(k, i);
        iconst(mv, size);
        mv.visitMethodInsn(INVOKESTATIC, MEM, "read", "(L" + CPU_CLASS + ";IJI)J", false);
    }

    /** {@code Mem.write(cpu, seg, ea, size, value)}. */
    void write(int k, Insn i, int size, Runnable pushValue) {
        mv.visitVarInsn(ALOAD, CPU);
        iconst(mv, i.seg);
        effectiveAddress(k, i);
        iconst(mv, size);
        pushValue.run();
        mv.visitMethodInsn(INVOKESTATIC, MEM, "write", "(L" + CPU_CLASS + ";IJIJ)V", false);
    }
}
