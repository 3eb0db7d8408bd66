package org.apboot.core.mem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link PhysicalMemory#watchLine} and its listeners: a write that touches a watched 64-byte
 * line (with its first or its last byte) reaches every listener, in the order they were added,
 * with the written range; a write elsewhere, a failed compare-and-exchange and a watch of no
 * bytes reach nobody; a bulk load reports its whole range once if any of its lines is watched.
 */
class WatchedLineTest {
    private final PhysicalMemory ram = new PhysicalMemory(0x2000 + 24);
    private final List<String> heard = new ArrayList<>();

    WatchedLineTest() {
        ram.addWriteListener((a, n) -> heard.add(String.format("1:%x+%d", a, n)));
        ram.addWriteListener((a, n) -> heard.add(String.format("2:%x+%d", a, n)));
    }

    @Test
    void theLinesCoveringTheRangeAreWatched() {
        ram.watchLine(0x1041, 0x40); // 0x1041-0x1080: lines 0x1040 and 0x1080
        assertFalse(ram.isWatched(0x103F));
        assertTrue(ram.isWatched(0x1040));
        assertTrue(ram.isWatched(0x10BF));
        assertFalse(ram.isWatched(0x10C0));
        assertFalse(ram.isWatched(0x0040), "the same line number in another page");
        assertFalse(ram.isWatched(0x1000));
        ram.watchLine(0x1FFF, 1);
        assertTrue(ram.isWatched(0x1FC0));
        assertFalse(ram.isWatched(0x1F80));
        ram.watchLine(0x2010, 0x1000); // clipped at the end of RAM (unclipped, it would reach a fourth page)
        assertTrue(ram.isWatched(0x2017));
    }

    @Test
    void aWatchOfNoBytesOrOutsideRamWatchesNothing() {
        ram.watchLine(0x101, 0);
        ram.watchLine(0x101, -5);
        ram.watchLine(-64, 128);
        ram.watchLine(0x2018, 8);
        assertFalse(ram.isWatched(0x100));
        assertFalse(ram.isWatched(0));
        assertFalse(ram.isWatched(0x2000));
        ram.write8(0x100, 1);
        ram.write8(0, 1);
        assertEquals(List.of(), heard);
    }

    @Test
    void storesOnAWatchedLineReachEveryListenerInOrder() {
        ram.watchLine(0x1040, 1);
        ram.write8(0x1040, 1);
        ram.write16(0x107E, 1);
        ram.write32(0x103E, 1); // last byte on the line, first not
        ram.write64(0x1078, 1);
        ram.write(0x107F, 2, 1); // first byte on the line, last not
        assertEquals(List.of("1:1040+1", "2:1040+1", "1:107e+2", "2:107e+2", "1:103e+4", "2:103e+4",
                "1:1078+8", "2:1078+8", "1:107f+2", "2:107f+2"), heard);
        heard.clear();
        ram.watchLine(0x40, 1);
        ram.write32(0x3E, 1); // the first line of RAM is not watched, its neighbour is
        assertEquals(List.of("1:3e+4", "2:3e+4"), heard);
    }

    @Test
    void storesBesideAWatchedLineAreNotReported() {
        ram.watchLine(0x1040, 1);
        ram.write8(0x103F, 1);
        ram.write16(0x103E, 1);
        ram.write64(0x1080, 1);
        ram.write32(0x1080, 1);
        ram.write8(0x0040, 1);
        assertEquals(List.of(), heard);
    }

    @Test
    void onlyASuccessfulCompareAndExchangeIsReported() {
        ram.watchLine(0x1040, 1);
        ram.compareAndExchange(0x1040, 4, 5, 6);
        assertEquals(List.of(), heard);
        ram.compareAndExchange(0x1040, 4, 0, 6);
        assertEquals(List.of("1:1040+4", "2:1040+4"), heard);
        heard.clear();
        ram.compareAndExchange(0x107E, 4, 0, 7); // split across two words
        assertEquals(List.of("1:107e+4", "2:107e+4"), heard);
        heard.clear();
        ram.exchange(0x1048, 8, 9);
        ram.atomicUpdate(0x1050, 2, v -> v + 1);
        assertEquals(List.of("1:1048+8", "2:1048+8", "1:1050+2", "2:1050+2"), heard);
    }

    @Test
    void aBulkLoadIsReportedOnceWithItsWholeRange() {
        ram.watchLine(0x1080, 1);
        ram.load(0x1000, new byte[0x80]);
        assertEquals(List.of(), heard, "0x1000-0x107F misses the watched line");
        ram.load(0x1001, new byte[0x80]);
        assertEquals(List.of("1:1001+128", "2:1001+128"), heard, "its last byte is on it");
        heard.clear();
        ram.load(0x10BF, new byte[0x100]);
        assertEquals(List.of("1:10bf+256", "2:10bf+256"), heard, "its first byte is on it");
        heard.clear();
        ram.load(0x10C0, new byte[0x40]);
        assertEquals(List.of(), heard);
    }

    @Test
    void theCpuSideObjectIsMadeOnce() {
        int[] made = new int[1];
        StringBuilder first = ram.sharedByCpus(StringBuilder.class, m -> {
            made[0]++;
            return new StringBuilder("for " + m.size());
        });
        StringBuilder second = ram.sharedByCpus(StringBuilder.class, m -> {
            made[0]++;
            return new StringBuilder();
        });
        assertEquals(1, made[0]);
        assertTrue(first == second);
        assertEquals("for 8216", first.toString());
    }

    @Test
    void sizeAndBounds() {
        assertEquals(0x2018, ram.size());
        assertTrue(ram.contains(0, 0x2018));
        assertFalse(ram.contains(0, 0x2019));
        assertTrue(ram.contains(0x2017, 1));
        assertFalse(ram.contains(0x2018, 1));
        assertFalse(ram.contains(-1, 2));
        assertEquals(1, new PhysicalMemory(1).size());
        for (long bad : new long[] {0, -1, Integer.MAX_VALUE - 7L}) {
            org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> new PhysicalMemory(bad));
        }
        assertEquals(0xFFL, PhysicalMemory.mask(1));
        assertEquals(0xFFFF_FFFFL, PhysicalMemory.mask(4));
        assertEquals(-1L, PhysicalMemory.mask(8));
    }
}
