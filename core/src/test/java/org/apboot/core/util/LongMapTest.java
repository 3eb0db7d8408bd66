package org.apboot.core.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class LongMapTest {
    @Test
    void putGetReplaceAndGrow() {
        LongMap<String> m = new LongMap<>();
        assertNull(m.get(0));
        for (long k = -500; k < 5000; k++) {
            m.put(k * 64, "v" + k);
        }
        assertEquals(5500, m.size());
        for (long k = -500; k < 5000; k++) {
            assertEquals("v" + k, m.get(k * 64));
        }
        assertNull(m.get(1));
        m.put(64, "new");
        assertEquals("new", m.get(64));
        assertEquals(5500, m.size());
        String made = m.computeIfAbsent(7, k -> "seven");
        assertSame(made, m.computeIfAbsent(7, k -> "other"));
        int[] n = {0};
        m.forEachValue(v -> n[0]++);
        assertEquals(5501, n[0]);
    }

    @Test
    void readersNeverSeeAMissingKeyWhileTheTableGrows() throws Exception {
        LongMap<Long> m = new LongMap<>();
        int n = 200_000;
        AtomicReference<Throwable> failed = new AtomicReference<>();
        java.util.concurrent.atomic.AtomicLong published = new java.util.concurrent.atomic.AtomicLong(-1);
        Thread reader = new Thread(() -> {
            try {
                while (published.get() < n - 1) {
                    long upTo = published.get();
                    for (long k = Math.max(0, upTo - 64); k <= upTo; k++) {
                        Long v = m.get(k);
                        if (v == null || v != k) {
                            throw new AssertionError("key " + k + " read as " + v);
                        }
                    }
                }
            } catch (Throwable e) {
                failed.set(e);
            }
        });
        reader.start();
        for (long k = 0; k < n; k++) {
            m.put(k, k);
            published.set(k);
        }
        reader.join();
        if (failed.get() != null) {
            throw new AssertionError(failed.get());
        }
    }
}
