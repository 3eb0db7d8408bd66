package org.apboot.jit;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import org.apboot.core.interp.DecodedBlock;

/**
 * Defines generated block classes as hidden classes of this package. A hidden class is not
 * reachable by name and unloads as soon as no block instance references it, so dropping a
 * cache generation returns its metaspace.
 */
final class BlockLoader {
    private static final MethodHandles.Lookup LOOKUP = MethodHandles.lookup();
    private static final MethodType CTOR = MethodType.methodType(void.class, DecodedBlock.class, int.class);

    private BlockLoader() {
    }

    /** Defines {@code bytes} and instantiates the block for the first {@code count} instructions of {@code source}. */
    static CompiledBlock define(byte[] bytes, DecodedBlock source, int count) {
        try {
            MethodHandles.Lookup hidden = LOOKUP.defineHiddenClass(bytes, true);
            MethodHandle ctor = hidden.findConstructor(hidden.lookupClass(), CTOR);
            return (CompiledBlock) ctor.invoke(source, count);
        } catch (Throwable e) {
            throw new IllegalStateException("translator produced an unloadable block at 0x"
                    + Long.toHexString(source.phys) + ": " + e, e);
        }
    }
}
