package org.apboot.core.mem;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * LOCK-prefixed increments ({@link PhysicalMemory#atomicUpdate}, as LOCK INC/ADD/XADD run) from
 * several host threads: on one counter of each size, and on neighbouring counters in one 8-byte
 * word of the backing store while another thread makes ordinary stores to a third byte of it.
 * Every increment counts and nothing else moves.
 */
class LockedIncrementTest {
    private static final int THREADS = 4;
    private static final int N = 50_000;

    @Test
    void sharedDwordCounter() throws Exception {
        PhysicalMemory ram = new PhysicalMemory(4096);
        ram.write64(0x200, 0x7777_7777_0000_0000L);
        ram.write64(0x208, -1L);
        run(THREADS, t -> ram.atomicUpdate(0x200, 4, v -> v + 1));
        assertEquals(THREADS * N, ram.read32(0x200));
        assertEquals(0x7777_7777, ram.read32(0x204));
        assertEquals(-1L, ram.read64(0x208));
    }

    @Test
    void sharedQwordCounter() throws Exception {
        PhysicalMemory ram = new PhysicalMemory(4096);
        ram.write64(0x200, 0xFFFF_FFFF_FFFF_0000L);
        run(THREADS, t -> ram.atomicUpdate(0x200, 8, v -> v + 1));
        assertEquals(0xFFFF_FFFF_FFFF_0000L + THREADS * N, ram.read64(0x200));
    }

    @Test
    void sharedUnalignedWordCounterInsideAWord() throws Exception {
        PhysicalMemory ram = new PhysicalMemory(4096);
        run(THREADS, t -> ram.atomicUpdate(0x203, 2, v -> v + 1));
        assertEquals((THREADS * N) & 0xFFFF, ram.read16(0x203));
        assertEquals(0, ram.read8(0x202));
        assertEquals(0, ram.read8(0x205));
    }

    @Test
    void sharedSplitDwordCounter() throws Exception {
        PhysicalMemory ram = new PhysicalMemory(4096);
        run(2, t -> ram.atomicUpdate(0x206, 4, v -> v + 1));
        assertEquals(2 * N, ram.read32(0x206));
        assertEquals(0, ram.read16(0x204));
        assertEquals(0, ram.read16(0x20A));
    }

    @Test
    void neighbouringByteCountersBesideOrdinaryStores() throws Exception {
        // threads 0..2 increment bytes 0x200, 0x201 and the word at 0x202; thread 3 stores to 0x207
        PhysicalMemory ram = new PhysicalMemory(4096);
        java.util.concurrent.atomic.AtomicLong stray = new java.util.concurrent.atomic.AtomicLong();
        run(4, t -> {
            switch (t) {
                case 0: ram.atomicUpdate(0x200, 1, v -> v + 1); break;
                case 1: ram.atomicUpdate(0x201, 1, v -> v + 3); break;
                case 2: ram.atomicUpdate(0x202, 2, v -> v + 1); break;
                default:
                    ram.write8(0x207, 0xEE);
                    if (ram.read8(0x207) != 0xEE) {
                        stray.incrementAndGet();
                    }
                    break;
            }
        });
        assertEquals(N & 0xFF, ram.read8(0x200));
        assertEquals((3 * N) & 0xFF, ram.read8(0x201));
        assertEquals(N & 0xFFFF, ram.read16(0x202));
        assertEquals(0, ram.read16(0x204) | ram.read8(0x206));
        assertEquals(0xEE, ram.read8(0x207));
        assertEquals(0, stray.get(), "ordinary stores lost to the locked ones");
    }

    /** Runs {@code body} N times on each of {@code threads} threads, all started together. */
    private static void run(int threads, java.util.function.IntConsumer body) throws Exception {
        Together.run(threads, t -> {
            for (int i = 0; i < N; i++) {
                body.accept(t);
            }
        });
    }
}
