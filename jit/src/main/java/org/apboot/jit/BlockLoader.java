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

    private BlockLoader() {
    }

    /** Defines {@code bytes} and instantiates the block for the first {@code count} instructions of {@code source}. */
    static CompiledBlock define(byte[] bytes, DecodedBlock source, int count) {
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
