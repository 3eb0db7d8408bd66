package org.apboot.jit;

import java.util.ArrayList;
import java.util.List;
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
 * <p>Call order: {@link #push} while the class is emitted, then {@link #list} once, as the class
 * data of {@code Lookup.defineHiddenClassWithClassData}. Not thread-safe.
 */
final class ClassConstants {
    private static final Handle CLASS_DATA_AT = new Handle(Opcodes.H_INVOKESTATIC, "java/lang/invoke/MethodHandles",
            "classDataAt", "(Ljava/lang/invoke/MethodHandles$Lookup;Ljava/lang/String;Ljava/lang/Class;I)Ljava/lang/Object;",
            false);

    private final List<Object> values = new ArrayList<>();

    /** Emits an {@code ldc} that pushes {@code value} as a constant of type {@code internalName}. */
    void push(MethodVisitor mv, Object value, String internalName) {
        int index = values.size();
        values.add(value);
        mv.visitLdcInsn(new ConstantDynamic("_", "L" + internalName + ";", CLASS_DATA_AT, index));
    }

    /** The class data: every constant pushed, in order. */
    List<Object> list() {
        return List.copyOf(values);
    }
}
