package org.apboot.core.mem;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * {@link PhysicalMemory#compareAndExchange} of 1, 2, 4 and 8 bytes at every alignment, inside one
 * 8-byte word and split across two: on a match it stores the new value and returns the old one; on
 * a mismatch it returns what it found and stores nothing; either way the neighbouring bytes stay.
 */
class CompareAndExchangeTest {
    private static final int WINDOW = 32;

    /** RAM whose first bytes are {@code 0x40 + k}. */
    private static PhysicalMemory ram() {
        PhysicalMemory ram = new PhysicalMemory(4096);
        byte[] b = new byte[WINDOW];
        for (int k = 0; k < b.length; k++) {
            b[k] = (byte) (0x40 + k);
        }
        ram.load(0, b);
        return ram;
    }

    private static long initial(int a, int size) {
        long v = 0;
        for (int j = size - 1; j >= 0; j--) {
            v = (v << 8) | (0x40 + a + j);
        }
        return v;
    }

    @Test
    void exactValues() {
        PhysicalMemory ram = ram();
        assertEquals(0x45L, ram.compareAndExchange(5, 1, 0x45, 0xE5));
        assertEquals(0xE5, ram.read8(5));
        assertEquals(0x4847L, ram.compareAndExchange(7, 2, 0x4847, 0xBEEF), "split across words");
        assertEquals(0xEF46_E544L, ram.read(4, 4));
        assertEquals(0xBE, ram.read8(8));
        assertEquals(0x4D4C_4B4AL, ram.compareAndExchange(10, 4, 0x1234, 0x5678), "mismatch");
        assertEquals(0x4D4C_4B4AL, ram.read(10, 4));
        assertEquals(0x4F4E_4D4C_4B4A_49BEL, ram.compareAndExchange(8, 8, 0x4F4E_4D4C_4B4A_49BEL, -2L));
        assertEquals(-2L, ram.read64(8));
        assertEquals(0xFFFF_FFFF_FFFF_FFFEL, ram.compareAndExchange(8, 8, -2L, 0));
        assertEquals(0L, ram.read64(8));
    }

    @Test
    void everySizeAtEveryAlignment() {
        long update = 0x8877_6655_4433_2211L;
        for (int size : new int[] {1, 2, 4, 8}) {
            long m = PhysicalMemory.mask(size);
            for (int a = 0; a + size <= WINDOW; a++) {
                String at = size + " bytes at " + a;
                PhysicalMemory ram = ram();
                long old = initial(a, size);
                // mismatch: nothing changes
                assertEquals(old, ram.compareAndExchange(a, size, old ^ 1, update & m), "mismatch, " + at);
                assertBytes(ram, a, size, false, at);
                // match: the update lands, the neighbours stay
                assertEquals(old, ram.compareAndExchange(a, size, old, update & m), "match, " + at);
                assertBytes(ram, a, size, true, at);
                assertEquals(update & m, ram.read(a, size), at);
            }
        }
    }

    @Test
    void lockedHelpersReturnTheOldValue() {
        PhysicalMemory ram = ram();
        assertEquals(0x4B4AL, ram.atomicUpdate(10, 2, v -> v + 0x100));
        assertEquals(0x4C4AL, ram.read16(10));
        assertEquals(0x4847_4645L, ram.exchange(5, 4, 0xFFFF_FFFFL));
        assertEquals(0xFFFF_FFFFL, ram.read(5, 4));
        assertEquals(0x44, ram.read8(4));
        assertEquals(0x49, ram.read8(9));
        assertEquals(0xFFL, ram.atomicUpdate(7, 1, v -> v + 1), "wraps within its byte");
        assertEquals(0x00, ram.read8(7));
        assertEquals(0xFF, ram.read8(6));
        assertEquals(0xFF, ram.read8(8));
    }

    private static void assertBytes(PhysicalMemory ram, int a, int size, boolean updated, String at) {
        for (int k = 0; k < WINDOW; k++) {
            int expect = updated && k >= a && k < a + size ? 0x11 * (k - a + 1) : 0x40 + k;
            assertEquals(expect, ram.read8(k), "byte " + k + ", " + at);
        }
    }
}
