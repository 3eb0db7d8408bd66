package org.apboot.core.mem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The pages a {@link PhysicalMemory} records as written after {@link PhysicalMemory#snapshot}:
 * every kind of store counts (narrow, wide, unaligned across pages, locked, split locked, bulk),
 * each page once however many threads race on it, and a restore copies back exactly those pages
 * and tells the write listeners only about watched lines whose bytes change.
 */
class WrittenPagesTest {
    private static final int PAGE = 4096;

    @Test
    void nothingIsRecordedBeforeTheFirstSnapshot() {
        PhysicalMemory m = new PhysicalMemory(64 * PAGE);
        m.write32(0, 1);
        assertEquals(0, m.writtenPages());
    }

    @Test
    void everyStorePathRecordsItsPages() {
        PhysicalMemory m = new PhysicalMemory(64 * PAGE);
        long[] image = m.snapshot();
        m.write8(1 * PAGE, 1);
        m.write16(2 * PAGE + 7, 2); // unaligned, inside one 8-byte word
        m.write64(4 * PAGE - 4, -1L); // unaligned across pages 3 and 4
        m.compareAndExchange(5 * PAGE, 4, 0, 5); // locked
        m.compareAndExchange(7 * PAGE - 2, 4, 0, 7); // locked, split across pages 6 and 7
        m.compareAndExchange(8 * PAGE, 4, 99, 8); // fails: stores nothing
        m.load(10 * PAGE - 1, new byte[PAGE + 2]); // bulk: pages 9, 10 and 11
        assertEquals(10, m.writtenPages());
        assertEquals(10, m.restoreWritten(image));
        assertEquals(0, m.writtenPages());
        for (long a = 0; a < 64 * PAGE; a += 8) {
            assertEquals(0, m.read64(a), "address 0x" + Long.toHexString(a));
        }
    }

    @Test
    void racingThreadsRecordEachPageOnce() throws InterruptedException {
        PhysicalMemory m = new PhysicalMemory(512 * PAGE);
        long[] image = m.snapshot();
        // four threads store to the same 300 pages, each to its own byte of them
        Together.run(4, t -> {
            for (int round = 0; round < 20; round++) {
                for (int p = 0; p < 300; p++) {
                    m.write8((long) p * PAGE + t, round);
                }
            }
        });
        assertEquals(300, m.writtenPages());
        assertEquals(300, m.restoreWritten(image));
        assertEquals(0, m.read32(299L * PAGE));
    }

    @Test
    void restoreTellsTheListenersOnlyOfWatchedLinesThatChange() {
        PhysicalMemory m = new PhysicalMemory(16 * PAGE);
        m.write64(PAGE + 64, 0x1111);
        m.watchLine(PAGE, 4 * 64); // lines 0-3 of page 1
        List<String> heard = new ArrayList<>();
        m.addWriteListener((addr, len) -> heard.add(Long.toHexString(addr) + "+" + len));
        long[] image = m.snapshot();
        m.write64(PAGE, 5); // line 0: changes
        m.write64(PAGE + 64, 0x2222); // line 1: changes
        m.write64(PAGE + 128, 7);
        m.write64(PAGE + 128, 0); // line 2: written, but back to what it was
        m.write64(PAGE + 3 * 64 + 8, 9); // line 3: changes
        m.write64(PAGE + 512, 9); // not watched
        heard.clear();
        assertEquals(1, m.restoreWritten(image));
        assertEquals(List.of("1000+128", "10c0+64"), heard); // lines 0-1 in one call, then line 3
        assertEquals(0x1111, m.read64(PAGE + 64));
        assertEquals(0, m.read64(PAGE + 512));
    }

    @Test
    void anotherImageIsCopiedWhole() {
        PhysicalMemory m = new PhysicalMemory(8 * PAGE + 3); // a partial last page and word
        m.write8(8 * PAGE + 2, 0x5a);
        long[] first = m.snapshot();
        m.write8(8 * PAGE + 2, 0x11);
        m.snapshot();
        m.write8(0, 1);
        assertEquals(9, m.restoreAll(first));
        assertEquals(0x5a, m.read8(8 * PAGE + 2));
        assertEquals(0, m.read8(0));
        assertEquals(0, m.writtenPages());
        assertThrows(IllegalArgumentException.class, () -> m.restoreAll(new long[3]));
    }
}
