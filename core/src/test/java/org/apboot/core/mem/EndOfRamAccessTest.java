package org.apboot.core.mem;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * Accesses that end exactly at the end of RAM whose size is a whole number of 8-byte words: a
 * value in the last word is read and written inside that word alone (there is no word after it
 * to borrow), and bulk copies that end there touch nothing beyond.
 */
class EndOfRamAccessTest {
    private static final int SIZE = 64;

    private static PhysicalMemory ram() {
        PhysicalMemory ram = new PhysicalMemory(SIZE);
        byte[] b = new byte[SIZE];
        for (int i = 0; i < SIZE; i++) {
            b[i] = (byte) (0xA0 + i);
        }
        ram.load(0, b);
        return ram;
    }

    @Test
    void readsOfTheLastBytes() {
        PhysicalMemory ram = ram();
        assertEquals(0xDF, ram.read8(SIZE - 1));
        assertEquals(0xDFDE, ram.read16(SIZE - 2));
        assertEquals(0xDFDE_DDDCL, ram.read(SIZE - 4, 4));
        assertEquals(0xDFDE_DDDC_DBDA_D9D8L, ram.read64(SIZE - 8));
    }

    @Test
    void writesOfTheLastBytes() {
        PhysicalMemory ram = ram();
        ram.write16(SIZE - 2, 0x1122);
        assertEquals(0x1122_DDDCL, ram.read(SIZE - 4, 4));
        ram.write32(SIZE - 4, 0x3344_5566);
        assertEquals(0x3344_5566_DBDA_D9D8L, ram.read64(SIZE - 8));
        ram.write8(SIZE - 1, 0x77);
        assertEquals(0x7744_5566_DBDA_D9D8L, ram.read64(SIZE - 8));
    }

    @Test
    void bulkCopiesEndingAtTheEnd() {
        PhysicalMemory ram = ram();
        ram.load(SIZE - 16, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16});
        ram.load(SIZE - 3, new byte[] {(byte) 0xEE, (byte) 0xEF, (byte) 0xF0});
        ram.load(SIZE, new byte[0]);
        byte[] out = new byte[16];
        ram.copyOut(SIZE - 16, out, 0, 16);
        assertArrayEquals(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, (byte) 0xEE, (byte) 0xEF, (byte) 0xF0}, out);
        byte[] tail = new byte[5];
        ram.copyOut(SIZE - 5, tail, 0, 5);
        assertArrayEquals(new byte[] {12, 13, (byte) 0xEE, (byte) 0xEF, (byte) 0xF0}, tail);
        ram.copyOut(SIZE, tail, 0, 0);
    }

    @Test
    void lockedOperationsInsideTheLastWord() {
        PhysicalMemory ram = ram();
        assertEquals(0xDFDEL, ram.compareAndExchange(SIZE - 2, 2, 0xDFDE, 0x0102));
        assertEquals(0x0102_DDDCL, ram.read(SIZE - 4, 4));
        assertEquals(0x0102_DDDCL, ram.exchange(SIZE - 4, 4, 0xCAFE_F00DL));
        assertEquals(0xCAL, ram.atomicUpdate(SIZE - 1, 1, v -> v + 1));
        assertEquals(0xCB, ram.read8(SIZE - 1));
    }
}
