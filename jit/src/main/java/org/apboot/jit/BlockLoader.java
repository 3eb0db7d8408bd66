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

    /** Defines {@code bytes} and instantiates the block for the first {@code count} instructions of {@code source}. */
    static CompiledBlock define(byte[] bytes, DecodedBlock source, int count) {
        if (verify) {
            verify(bytes, source);
        }
        try {
            // reflection, not a method handle: each class is instantiated once, and a constructor
            // handle per class would spin lambda forms for nothing
            Class<?> c = LOOKUP.defineHiddenClass(bytes, true).lookupClass();
            return (CompiledBlock) c.getDeclaredConstructor(DecodedBlock.class, int.class).newInstance(source, count);
        } catch (Throwable e) {
            throw new IllegalStateException("translator produced an unloadable block at 0x"
                    + Long.toHexString(source.phys) + ": " + e, e);
        }
    }
}
