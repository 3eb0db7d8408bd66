package org.apboot.jit;

import java.lang.invoke.MethodHandles;
import org.apboot.core.interp.DecodedBlock;

/**
 * Defines generated block classes as hidden classes of this package. A hidden class is not
 * reachable by name and unloads as soon as no block instance references it, so dropping a
 * cache generation returns its metaspace.
 */
final class BlockLoader {
    private static final MethodHandles.Lookup LOOKUP = MethodHandles.lookup();

    /**
     * When the system property {@code apboot.jit.verify} is true (the translator's tests set it),
     * every generated class is checked by ASM's {@code CheckClassAdapter} before it is defined.
     */
    static volatile boolean verify = Boolean.getBoolean("apboot.jit.verify");

    private BlockLoader() {
    }

    private static void verify(byte[] bytes, DecodedBlock source) {
        java.io.StringWriter out = new java.io.StringWriter();
        org.objectweb.asm.util.CheckClassAdapter.verify(new org.objectweb.asm.ClassReader(bytes),
                BlockLoader.class.getClassLoader(), false, new java.io.PrintWriter(out));
        if (!out.toString().isEmpty()) {
            throw new IllegalStateException("generated block at 0x" + Long.toHexString(source.phys)
                    + " fails verification: " + out);
        }
    }

    /** Defines {@code compiled} and instantiates the block for the first {@code count} instructions of {@code source}. */
    static CompiledBlock define(BlockCompiler.Result compiled, DecodedBlock source, int count) {
        return define(compiled, java.util.List.of(new BlockCompiler.Member(source, count, 0)))[0];
    }

    /** Defines a batch class once (with its class data) and instantiates one block per member, in order. */
    static CompiledBlock[] define(BlockCompiler.Result compiled, java.util.List<BlockCompiler.Member> members) {
        byte[] bytes = compiled.bytes();
        if (verify) {
            verify(bytes, members.get(0).block());
        }
        try {
            // reflection, not a method handle: each class is instantiated a few times, and a
            // constructor handle per class would spin lambda forms for nothing
            Class<?> c = LOOKUP.defineHiddenClassWithClassData(bytes, compiled.classData(), true).lookupClass();
            java.lang.reflect.Method resolver = c.getDeclaredMethod(ClassConstants.RESOLVER);
            resolver.setAccessible(true);
            resolver.invoke(null);
            java.lang.reflect.Constructor<?> ctor = c.getDeclaredConstructor(DecodedBlock.class, int.class, int.class);
            CompiledBlock[] out = new CompiledBlock[members.size()];
            for (int k = 0; k < out.length; k++) {
                BlockCompiler.Member m = members.get(k);
                out[k] = (CompiledBlock) ctor.newInstance(m.block(), m.count(), k);
            }
            return out;
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new IllegalStateException("translator produced an unloadable block at 0x"
                    + Long.toHexString(members.get(0).block().phys) + ": " + e, e);
        }
    }
}
