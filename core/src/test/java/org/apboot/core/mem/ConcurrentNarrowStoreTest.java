package org.apboot.core.mem;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Ordinary (unlocked) narrow stores by two host threads to neighbouring bytes of one 8-byte word
 * of the backing store: each is its own single-copy-atomic store, as on x86, so neither thread
 * ever loses a store to the other. Every thread reads its bytes back after each store (only it
 * writes them, so it must see exactly what it stored), and the last values survive.
 */
class ConcurrentNarrowStoreTest {
    private static final int N = 500_000;

    @Test
    void neighbouringBytes() throws Exception {
        race(0x103, 1, 0x104, 1);
    }

    @Test
    void neighbouringWords() throws Exception {
        race(0x102, 2, 0x104, 2);
    }

    @Test
    void neighbouringDwords() throws Exception {
        race(0x100, 4, 0x104, 4);
    }

    @Test
    void unalignedWordNextToAByte() throws Exception {
        race(0x101, 2, 0x103, 1);
    }

    @Test
    void splitDwordNextToAByteOfEachWord() throws Exception {
        // bytes 0x106..0x109 straddle two words; 0x105 and 0x10A are the other thread's
        PhysicalMemory ram = new PhysicalMemory(4096);
        AtomicLong lost = new AtomicLong();
        Together.run(2, t -> {
            for (int i = 0; i < N; i++) {
                if (t == 0) {
                    ram.write32(0x106, i);
                    if (ram.read32(0x106) != i) {
                        lost.incrementAndGet();
                    }
                } else {
                    ram.write8(0x105, i);
                    ram.write8(0x10A, ~i);
                    if (ram.read8(0x105) != (i & 0xFF) || ram.read8(0x10A) != (~i & 0xFF)) {
                        lost.incrementAndGet();
                    }
                }
            }
        });
        assertEquals(0, lost.get(), "stores lost to the other thread");
        assertEquals(N - 1, ram.read32(0x106));
        assertEquals((N - 1) & 0xFF, ram.read8(0x105));
        assertEquals(~(N - 1) & 0xFF, ram.read8(0x10A));
        assertEquals(0, ram.read8(0x104));
        assertEquals(0, ram.read8(0x10B));
    }

    /** Thread 0 stores at {@code a} (size {@code sa}), thread 1 at {@code b}, both in one word. */
    private static void race(int a, int sa, int b, int sb) throws Exception {
        PhysicalMemory ram = new PhysicalMemory(4096);
        AtomicLong lost = new AtomicLong();
        int[] addr = {a, b};
        int[] size = {sa, sb};
        int[] salt = {0x5A5A_5A5A, 0x3C3C_3C3C};
        Together.run(2, t -> {
            long m = PhysicalMemory.mask(size[t]);
            for (int i = 0; i < N; i++) {
                long v = (i ^ salt[t]) & m;
                ram.write(addr[t], size[t], v);
                if (ram.read(addr[t], size[t]) != v) {
                    lost.incrementAndGet();
                }
            }
        });
        assertEquals(0, lost.get(), "stores lost to the other thread");
        assertEquals(((N - 1) ^ salt[0]) & PhysicalMemory.mask(sa), ram.read(a, sa));
        assertEquals(((N - 1) ^ salt[1]) & PhysicalMemory.mask(sb), ram.read(b, sb));
        // the bytes of the word neither thread writes are still zero
        for (int k = 0x100; k < 0x108; k++) {
            if ((k < a || k >= a + sa) && (k < b || k >= b + sb)) {
                assertEquals(0, ram.read8(k), "byte 0x" + Integer.toHexString(k));
            }
        }
    }
}
