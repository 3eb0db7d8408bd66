package org.apboot.jit;

import java.util.ArrayList;
import java.util.List;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ConstantDynamic;
import org.objectweb.asm.Handle;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * Objects a generated class uses as constants: its class data (a list), read by {@code ldc} of a
 * dynamic constant ({@code MethodHandles.classDataAt}, which requires the name {@code _}). HotSpot treats a resolved dynamic
 * constant as a compile-time constant, so a call through an executor loaded this way is a call
 * on a known object: it is devirtualised and inlined per call site, where a call through a
 * shared table would stay megamorphic.
 *
 * <p>Call order: {@link #push} while the class is emitted, {@link #emitResolver} after the last,
 * then {@link #list} once, as the class data of {@code Lookup.defineHiddenClassWithClassData};
 * the defined class's resolver is called before any block runs. Not thread-safe.
 */
final class ClassConstants {
    private static final Handle CLASS_DATA_AT = new Handle(Opcodes.H_INVOKESTATIC, "java/lang/invoke/MethodHandles",
            "classDataAt", "(Ljava/lang/invoke/MethodHandles$Lookup;Ljava/lang/String;Ljava/lang/Class;I)Ljava/lang/Object;",
            false);

    private final List<Object> values = new ArrayList<>();
    private final List<ConstantDynamic> constants = new ArrayList<>();

    /** Emits an {@code ldc} that pushes {@code value} as a constant of type {@code internalName}. */
    void push(MethodVisitor mv, Object value, String internalName) {
        int index = values.size();
        values.add(value);
        ConstantDynamic c = new ConstantDynamic("_", "L" + internalName + ";", CLASS_DATA_AT, index);
        constants.add(c);
        mv.visitLdcInsn(c);
    }

    /** The name of the static method {@link #emitResolver} emits. */
    static final String RESOLVER = "resolveConstants";

    /**
     * Emits {@code static void resolveConstants()}, which loads every constant once: called when
     * the class is defined, it resolves them all, also those on paths a block may never take (a
     * side exit). C1 gives up compiling a method that loads a dynamic constant not yet resolved,
     * and such a method would then stay in the bytecode interpreter. Call after the last push.
     */
    void emitResolver(ClassVisitor cv) {
        MethodVisitor mv = cv.visitMethod(Opcodes.ACC_STATIC, RESOLVER, "()V", null, null);
        mv.visitCode();
        for (ConstantDynamic c : constants) {
            mv.visitLdcInsn(c);
            mv.visitInsn(Opcodes.POP);
        }
        mv.visitInsn(Opcodes.RETURN);
        mv.visitMaxs(0, 0);
        mv.visitEnd();
    }

    /** The class data: every constant pushed, in order. */
    List<Object> list() {
        return List.copyOf(values);
    }
}
