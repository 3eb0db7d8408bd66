package org.apboot.core.mem;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/**
 * {@link PhysicalMemory#load} and {@link PhysicalMemory#copyOut} at every start alignment and
 * every length up to three 8-byte words: the bytes land and come back in order, and the bytes
 * around the range stay as they were.
 */
class BulkCopyTest {
    private static final int WINDOW = 48;

    @Test
    void loadAndCopyOutEveryAlignmentAndLength() {
        for (int a = 0; a < 16; a++) {
            for (int len = 0; a + len <= WINDOW - 8 && len <= 24; len++) {
                PhysicalMemory ram = new PhysicalMemory(4096);
                ram.write64(0, 0xF7F6_F5F4_F3F2_F1F0L);
                for (int k = 8; k < WINDOW; k += 8) {
                    ram.write64(k, 0xF7F6_F5F4_F3F2_F1F0L);
                }
                byte[] src = new byte[len + 3];
                for (int k = 0; k < src.length; k++) {
                    src[k] = (byte) (k + 1);
                }
                ram.load(a, src, 3, len);
                String at = len + " bytes at " + a;
                for (int k = 0; k < WINDOW; k++) {
                    int expect = k >= a && k < a + len ? k - a + 4 : 0xF0 + (k & 7);
                    assertEquals(expect, ram.read8(k), "byte " + k + ", " + at);
                }
                byte[] out = new byte[len + 5];
                ram.copyOut(a, out, 2, len);
                for (int k = 0; k < out.length; k++) {
                    int expect = k >= 2 && k < 2 + len ? k - 2 + 4 : 0;
                    assertEquals(expect, out[k] & 0xFF, "copied byte " + k + ", " + at);
                }
            }
        }
    }

    @Test
    void aPageRoundTrips() {
        PhysicalMemory ram = new PhysicalMemory(3 * 4096 + 5);
        byte[] page = new byte[4096 + 13];
        for (int k = 0; k < page.length; k++) {
            page[k] = (byte) (k * 31 + 7);
        }
        ram.load(4096 - 3, page);
        byte[] back = new byte[page.length];
        ram.copyOut(4096 - 3, back, 0, back.length);
        assertArrayEquals(page, back);
        assertEquals(page[0] & 0xFF, ram.read8(4093));
        assertEquals(((page[4] & 0xFF) << 8) | (page[3] & 0xFF), ram.read16(4096));
    }

    @Test
    void theLastBytesOfAnOddSizedRam() {
        PhysicalMemory ram = new PhysicalMemory(13);
        ram.load(9, new byte[] {1, 2, 3, 4});
        assertEquals(0x0403_0201L, ram.read(9, 4));
        byte[] out = new byte[13];
        ram.copyOut(0, out, 0, 13);
        assertArrayEquals(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4}, out);
        assertThrows(IllegalArgumentException.class, () -> ram.load(10, new byte[4]));
        assertThrows(IndexOutOfBoundsException.class, () -> ram.copyOut(10, new byte[4], 0, 4));
        assertThrows(IndexOutOfBoundsException.class, () -> ram.copyOut(0, new byte[4], 1, 4));
    }
}
