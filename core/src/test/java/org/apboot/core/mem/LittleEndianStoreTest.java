package org.apboot.core.mem;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * A guest store of 1, 2, 4 or 8 bytes at any alignment, inside one 8-byte word of the backing
 * store or across two, lays its value out little-endian and leaves every neighbouring byte as it
 * was.
 */
class LittleEndianStoreTest {
    private static final int WINDOW = 40;
    private static final long VALUE = 0x8877_6655_4433_2211L;

    /** RAM whose first bytes are {@code 0xA0 + k}, k = 0..WINDOW-1. */
    private static PhysicalMemory ram() {
        PhysicalMemory ram = new PhysicalMemory(4096);
        byte[] b = new byte[WINDOW];
        for (int k = 0; k < b.length; k++) {
            b[k] = (byte) (0xA0 + k);
        }
        ram.load(0, b);
        return ram;
    }

    @Test
    void exactBytesAfterStores() {
        PhysicalMemory ram = ram();
        ram.write16(7, 0xBEEF);
        assertEquals(0xA6, ram.read8(6));
        assertEquals(0xEF, ram.read8(7));
        assertEquals(0xBE, ram.read8(8));
        assertEquals(0xA9, ram.read8(9));
        ram.write32(13, 0xCAFE_F00D);
        assertEquals(0xACABAAA9L, ram.read(9, 4));
        assertEquals(0x0DACABAAL, ram.read(10, 4));
        assertEquals(0xCAFEF00DL, ram.read(13, 4));
        assertEquals(0xB2B1CAFEL, ram.read(15, 4));
        ram.write64(20, 0x0102_0304_0506_0708L);
        assertEquals(0xB3, ram.read8(19));
        assertEquals(0x0708, ram.read16(20));
        assertEquals(0x01020304L, ram.read(24, 4));
        assertEquals(0xBC, ram.read8(28));
        ram.write64(32, -1L);
        assertEquals(-1L, ram.read64(32));
        assertEquals(0xFFBF, ram.read16(31));
    }

    @Test
    void everySizeAtEveryAlignmentTouchesOnlyItsBytes() {
        for (int size : new int[] {1, 2, 4, 8}) {
            for (int a = 0; a + size <= WINDOW; a++) {
                PhysicalMemory ram = ram();
                ram.write(a, size, VALUE);
                byte[] got = new byte[WINDOW];
                ram.copyOut(0, got, 0, WINDOW);
                for (int k = 0; k < WINDOW; k++) {
                    int expect = k >= a && k < a + size ? 0x11 * (k - a + 1) : 0xA0 + k;
                    assertEquals(expect, got[k] & 0xFF, "byte " + k + " after a store of " + size + " at " + a);
                    assertEquals(expect, ram.read8(k), "read8 " + k + " after a store of " + size + " at " + a);
                }
                assertEquals(VALUE & PhysicalMemory.mask(size), ram.read(a, size));
            }
        }
    }

    @Test
    void sizedWritersMatchWrite() {
        for (int a = 0; a + 8 <= WINDOW; a++) {
            PhysicalMemory ram = ram();
            ram.write8(a, 0x1FF);
            assertEquals(0xFF, ram.read8(a), "write8 keeps the low byte");
            ram.write16(a, 0x1_2345);
            assertEquals(0x2345, ram.read16(a), "write16 keeps the low 2 bytes");
            ram.write32(a, 0x89AB_CDEF);
            assertEquals(0x89AB_CDEFL, ram.read(a, 4));
            assertEquals(0xA0 + a + 4, ram.read8(a + 4));
            ram.write64(a, 0xFEDC_BA98_7654_3210L);
            assertEquals(0xFEDC_BA98_7654_3210L, ram.read64(a));
            if (a > 0) {
                assertEquals(0xA0 + a - 1, ram.read8(a - 1));
            }
            if (a + 8 < WINDOW) {
                assertEquals(0xA0 + a + 8, ram.read8(a + 8));
            }
        }
    }
}
