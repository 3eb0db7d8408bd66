package org.apboot.core.util;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.function.Consumer;
import java.util.function.LongFunction;

/**
 * A map from {@code long} keys to values for lookups on hot paths: {@link #get} is lock-free and
 * allocates nothing (no boxing), updates are serialised on the map. Open addressing with linear
 * probing; entries are never removed (a value may be replaced). Meant for small, slowly growing
 * key sets read far more often than written: watched lines, recognised loops.
 *
 * <p>Publication: an update stores the key, then the value with release semantics, and a table
 * that grows is filled before it is published through a volatile field; {@link #get} reads the
 * table, then each value with acquire semantics before its key. A reader therefore sees every
 * update that happened before its read of the table, and a consistent (older) state otherwise.
 */
public final class LongMap<V> {
    private static final VarHandle VALUES = MethodHandles.arrayElementVarHandle(Object[].class);

    private static final class Table {
        final long[] keys;
        final Object[] values;
        final int mask;

        Table(int capacity) {
            keys = new long[capacity];
            values = new Object[capacity];
            mask = capacity - 1;
        }
    }

    private volatile Table table = new Table(16);
    /** Entries in use; guarded by this. */
    private int size;

    private static int slot(long key, int mask) {
        long h = key * 0x9E37_79B9_7F4A_7C15L;
        return (int) (h >>> 40) & mask;
    }

    /** The value for {@code key}, or null. */
    @SuppressWarnings("unchecked")
    public V get(long key) {
        Table t = table;
        int mask = t.mask;
        for (int i = slot(key, mask); ; i = (i + 1) & mask) {
            Object v = VALUES.getAcquire(t.values, i);
            if (v == null) {
                return null;
            }
            if (t.keys[i] == key) {
                return (V) v;
            }
        }
    }

    /** Maps {@code key} to {@code value} (non-null), replacing any previous value. */
    public synchronized void put(long key, V value) {
        if (value == null) {
            throw new NullPointerException("value");
        }
        Table t = table;
        int mask = t.mask;
        for (int i = slot(key, mask); ; i = (i + 1) & mask) {
            Object v = t.values[i];
            if (v == null) {
                if ((size + 1) * 2 > t.keys.length) {
                    grow();
                    put(key, value);
                    return;
                }
                t.keys[i] = key;
                VALUES.setRelease(t.values, i, value);
                size++;
                return;
            }
            if (t.keys[i] == key) {
                VALUES.setRelease(t.values, i, value);
                return;
            }
        }
    }

    /** The value for {@code key}, created by {@code create} (under the map's lock) when absent. */
    public V computeIfAbsent(long key, LongFunction<? extends V> create) {
        V v = get(key);
        if (v != null) {
            return v;
        }
        synchronized (this) {
            v = get(key);
            if (v == null) {
                v = create.apply(key);
                put(key, v);
            }
            return v;
        }
    }

    /** Number of keys. */
    public synchronized int size() {
        return size;
    }

    /** Calls {@code c} for each value present when the call started (and maybe later ones). */
    @SuppressWarnings("unchecked")
    public void forEachValue(Consumer<? super V> c) {
        Table t = table;
        for (int i = 0; i < t.values.length; i++) {
            Object v = VALUES.getAcquire(t.values, i);
            if (v != null) {
                c.accept((V) v);
            }
        }
    }

    private void grow() {
        Table old = table;
        Table t = new Table(old.keys.length * 2);
        for (int i = 0; i < old.keys.length; i++) {
            Object v = old.values[i];
            if (v != null) {
                int j = slot(old.keys[i], t.mask);
                while (t.values[j] != null) {
                    j = (j + 1) & t.mask;
                }
                t.keys[j] = old.keys[i];
                t.values[j] = v;
            }
        }
        table = t;
    }
}
