package org.apboot.jit;

import static org.objectweb.asm.Opcodes.*;

import org.apboot.core.decode.Insn;
import org.apboot.core.interp.DecodedBlock;
import java.util.List;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;

/**
 * Turns a batch of decoded blocks into the bytes of one class extending {@link CompiledBlock}:
 * a constructor, {@code execute}, and one static method per block, whose body is the block's
 * instructions lowered by {@link Lowering} between a prologue (guest registers and the lazy-flag record into locals) and
 * exits that write back what changed. One exception handler covers the body and makes faults
 * precise (see {@link CompiledBlock}).
 *
 * <p>Not thread-safe; one instance per translation.
 */
final class BlockCompiler {
    static final String BASE = "org/apboot/jit/CompiledBlock";
    static final String CPU = "org/apboot/core/cpu/Cpu";
    static final String EXIT = "org/apboot/jit/BlockExit";
    static final String NAME = "org/apboot/jit/GeneratedBlock";
    /** HotSpot does not compile methods above 8,000 bytes of bytecode: stay well below. */
    static final int MAX_METHOD_BYTES = 7_000;

    private BlockCompiler() {
    }

    /** One block of a batch: its first {@code count} instructions, decoded for {@code codeSize}. */
    record Member(DecodedBlock block, int count, int codeSize) {
    }

    /** The compiled class for the first {@code count} instructions of {@code b} (a batch of one). */
    static Result compile(DecodedBlock b, int count, int codeSize) {
        return compile(List.of(new Member(b, count, codeSize)));
    }

    /**
     * One class for a batch of blocks: block {@code k}'s code is the static method {@code bk},
     * and {@code execute} dispatches to it on the instance's {@code which} (one instance per
     * block). One class definition then serves many blocks.
     */
    static Result compile(List<Member> members) {
        ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_FRAMES | ClassWriter.COMPUTE_MAXS) {
            @Override
            protected String getCommonSuperClass(String a, String c) {
                return "java/lang/Object"; // frames merge only identical reference types here
            }
        };
        cw.visit(V17, ACC_FINAL | ACC_SUPER | ACC_SYNTHETIC, NAME, null, BASE, null);
        MethodVisitor init = cw.visitMethod(0, "<init>", CTOR, null, null);
        init.visitCode();
        init.visitVarInsn(ALOAD, 0);
        init.visitVarInsn(ALOAD, 1);
        init.visitVarInsn(ILOAD, 2);
        init.visitVarInsn(ILOAD, 3);
        init.visitMethodInsn(INVOKESPECIAL, BASE, "<init>", CTOR, false);
        init.visitInsn(RETURN);
        init.visitMaxs(0, 0);
        init.visitEnd();

        String blockDesc = "(L" + BASE + ";L" + CPU + ";L" + EXIT + ";J)I";
        MethodVisitor ex = cw.visitMethod(ACC_PUBLIC | ACC_FINAL, "execute", "(L" + CPU + ";L" + EXIT + ";J)I", null, null);
        ex.visitCode();
        Label[] cases = new Label[members.size()];
        for (int k = 0; k < cases.length; k++) {
            cases[k] = new Label();
        }
        ex.visitVarInsn(ALOAD, 0);
        ex.visitFieldInsn(GETFIELD, BASE, "which", "I");
        ex.visitTableSwitchInsn(0, cases.length - 1, cases[cases.length - 1], cases);
        for (int k = 0; k < cases.length; k++) {
            ex.visitLabel(cases[k]);
            ex.visitVarInsn(ALOAD, 0);
            ex.visitVarInsn(ALOAD, 1);
            ex.visitVarInsn(ALOAD, 2);
            ex.visitVarInsn(LLOAD, 3);
            ex.visitMethodInsn(INVOKESTATIC, NAME, "b" + k, blockDesc, false);
            ex.visitInsn(IRETURN);
        }
        ex.visitMaxs(0, 0);
        ex.visitEnd();

        ClassConstants constants = new ClassConstants();
        int[] sizes = new int[members.size()];
        for (int k = 0; k < sizes.length; k++) {
            Member m = members.get(k);
            MethodVisitor mv = cw.visitMethod(ACC_PRIVATE | ACC_STATIC, "b" + k, blockDesc, null, null);
            CodeSizeCounter counter = new CodeSizeCounter(mv);
            new Lowering(counter, constants, m.block().insns, m.count(), m.codeSize()).emitMethod();
            sizes[k] = counter.size();
        }
        constants.emitResolver(cw);
        cw.visitEnd();
        return new Result(cw.toByteArray(), constants.list(), sizes);
    }

    static final String CTOR = "(Lorg/apboot/core/interp/DecodedBlock;II)V";

    /** Class bytes, the class data its dynamic constants read, and the bytecode size of each block's method. */
    record Result(byte[] bytes, java.util.List<Object> classData, int[] sizes) {
        /** The first block's method size. */
        int methodBytes() {
            return sizes[0];
        }
    }

    /** Counts bytecode bytes as they are emitted (upper bound: wide forms counted wide). */
    static final class CodeSizeCounter extends MethodVisitor {
        private int size;

        CodeSizeCounter(MethodVisitor mv) {
            super(ASM9, mv);
        }

        int size() {
            return size;
        }

        @Override public void visitInsn(int opcode) { size += 1; super.visitInsn(opcode); }
        @Override public void visitIntInsn(int opcode, int operand) { size += 3; super.visitIntInsn(opcode, operand); }
        @Override public void visitVarInsn(int opcode, int v) { size += v < 4 ? 1 : v < 256 ? 2 : 4; super.visitVarInsn(opcode, v); }
        @Override public void visitTypeInsn(int opcode, String type) { size += 3; super.visitTypeInsn(opcode, type); }
        @Override public void visitFieldInsn(int o, String a, String n, String d) { size += 3; super.visitFieldInsn(o, a, n, d); }
        @Override public void visitMethodInsn(int o, String a, String n, String d, boolean i) { size += 3; super.visitMethodInsn(o, a, n, d, i); }
        @Override public void visitJumpInsn(int opcode, Label label) { size += 3; super.visitJumpInsn(opcode, label); }
        @Override public void visitLdcInsn(Object value) { size += 3; super.visitLdcInsn(value); }
        @Override public void visitIincInsn(int v, int inc) { size += 6; super.visitIincInsn(v, inc); }
    }

    static boolean anyInsnTooLong(Insn[] insns) {
        for (Insn i : insns) {
            if (i.length > 15) {
                return true;
            }
        }
        return false;
    }
}
