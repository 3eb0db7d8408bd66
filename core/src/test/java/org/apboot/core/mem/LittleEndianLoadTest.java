package org.apboot.core.mem;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * Guest loads compose little-endian values of 1, 2, 4 and 8 bytes at every alignment, inside one
 * 8-byte word of the backing store and across the boundary between two: RAM byte {@code k} holds
 * {@code 0x10 + k}, so the value at {@code a} is its bytes in ascending address order from the
 * least significant one.
 */
class LittleEndianLoadTest {
    private static PhysicalMemory ram() {
        PhysicalMemory ram = new PhysicalMemory(4096);
        byte[] b = new byte[64];
        for (int k = 0; k < b.length; k++) {
            b[k] = (byte) (0x10 + k);
        }
        ram.load(0, b);
        return ram;
    }

    @Test
    void exactValuesInsideAndAcrossWords() {
        PhysicalMemory ram = ram();
        assertEquals(0x10, ram.read8(0));
        assertEquals(0x17, ram.read8(7));
        assertEquals(0x18, ram.read8(8));
        assertEquals(0x1110, ram.read16(0));
        assertEquals(0x1413, ram.read16(3));
        assertEquals(0x1716, ram.read16(6));
        assertEquals(0x1817, ram.read16(7), "2 bytes across words 0 and 1");
        assertEquals(0x13121110, ram.read32(0));
        assertEquals(0x16151413, ram.read32(3));
        assertEquals(0x17161514, ram.read32(4));
        assertEquals(0x18171615, ram.read32(5), "4 bytes across words");
        assertEquals(0x1B1A1918, ram.read32(8));
        assertEquals(0x1E1D1C1B, ram.read32(11));
        assertEquals(0x2120_1F1E, ram.read32(14));
        assertEquals(0x1716151413121110L, ram.read64(0));
        assertEquals(0x1817161514131211L, ram.read64(1));
        assertEquals(0x1B1A191817161514L, ram.read64(4));
        assertEquals(0x1E1D1C1B1A191817L, ram.read64(7));
        assertEquals(0x1F1E1D1C1B1A1918L, ram.read64(8));
        assertEquals(0x2726252423222120L, ram.read64(16));
    }

    @Test
    void everySizeAtEveryAlignment() {
        PhysicalMemory ram = ram();
        for (int size : new int[] {1, 2, 4, 8}) {
            for (int a = 0; a + size <= 48; a++) {
                long expect = 0;
                for (int j = size - 1; j >= 0; j--) {
                    expect = (expect << 8) | (0x10 + a + j);
                }
                assertEquals(expect, ram.read(a, size), "read of " + size + " at " + a);
            }
        }
        for (int a = 0; a + 8 <= 48; a++) {
            // the sized readers agree with read(addr, size), sign bits included
            assertEquals(ram.read(a, 1), ram.read8(a));
            assertEquals(ram.read(a, 2), ram.read16(a));
            assertEquals(ram.read(a, 4), ram.read32(a) & 0xFFFF_FFFFL);
            assertEquals(ram.read(a, 8), ram.read64(a));
        }
    }

    @Test
    void highBitsComeBackZeroExtended() {
        PhysicalMemory ram = new PhysicalMemory(64);
        ram.load(0, new byte[] {(byte) 0xF1, (byte) 0xF2, (byte) 0xF3, (byte) 0xF4,
            (byte) 0xF5, (byte) 0xF6, (byte) 0xF7, (byte) 0xF8, (byte) 0xF9, (byte) 0xFA});
        assertEquals(0xF8, ram.read8(7));
        assertEquals(0xF9F8, ram.read16(7));
        assertEquals(0xF8F7, ram.read16(6));
        assertEquals(0xFAF9F8F7L, ram.read(6, 4));
        assertEquals(0xF8F7F6F5L, ram.read(4, 4));
        assertEquals(0xF9F8F7F6F5F4F3F2L, ram.read64(1));
    }
}
