package org.apboot.core.mem;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/**
 * Locked read-modify-writes from two host threads on overlapping bytes: one split across an
 * 8-byte boundary (no single host compare-and-set covers it), one on the aligned word holding
 * part of it. Both must be atomic with respect to each other, as LOCK is on x86; a lost update
 * shows in the sum.
 */
class LockedAccessTest {
    private static final int N = 30_000;

    @Test
    void splitAndAlignedLockedAddsOnSharedBytesLoseNothing() throws Exception {
        PhysicalMemory ram = new PhysicalMemory(4096);
        CountDownLatch go = new CountDownLatch(1);
        // bytes 6..9, a dword split across the words at 0 and 8: +1 at byte 6
        Thread split = new Thread(() -> {
            await(go);
            for (int i = 0; i < N; i++) {
                ram.atomicUpdate(6, 4, v -> v + 1);
            }
        });
        // bytes 0..7, aligned: +1 at byte 6 as well
        Thread aligned = new Thread(() -> {
            await(go);
            for (int i = 0; i < N; i++) {
                ram.atomicUpdate(0, 8, v -> v + (1L << 48));
            }
        });
        split.start();
        aligned.start();
        go.countDown();
        split.join();
        aligned.join();
        // 2N < 65536: no carry ever leaves bytes 6..7
        assertEquals(2 * N, ram.read(6, 2));
        assertEquals(0, ram.read(8, 2));
        assertEquals(0, ram.read(0, 4) | ram.read(4, 2));
    }

    @Test
    void aSplitLockedExchangeSeesAndKeepsTheOtherBytes() {
        PhysicalMemory ram = new PhysicalMemory(4096);
        ram.write64(0, 0x1122_3344_5566_7788L);
        ram.write64(8, 0x99AA_BBCC_DDEE_FF00L);
        assertEquals(0xFF00_1122L, ram.exchange(6, 4, 0xDEAD_BEEFL));
        assertEquals(0xBEEF_3344_5566_7788L, ram.read64(0));
        assertEquals(0x99AA_BBCC_DDEE_DEADL, ram.read64(8));
    }

    private static void await(CountDownLatch l) {
        try {
            l.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
