package org.apboot.core.mem;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The host's copies through {@link MemoryMap} (loaders, dumps): a write runs through low RAM,
 * ROM shadows (changing the ROM itself, with its other shadows) and regions, and fails where
 * nothing backs a byte; a read copies low RAM and regions, devices byte by byte, 0xFF where
 * nothing is; {@link MemoryMap#backed} says whether every byte of a range is backed.
 */
class HostCopyThroughMapTest {
    private static final long LOW = 0x10_0000;

    private static byte[] bytes(int len, int first) {
        byte[] b = new byte[len];
        for (int i = 0; i < len; i++) {
            b[i] = (byte) (first + i);
        }
        return b;
    }

    @Test
    void aWriteAcrossLowRamAndAShadowChangesTheRom() {
        PhysicalMemory low = new PhysicalMemory(LOW);
        MemoryMap map = new MemoryMap(low, MmioBus.EMPTY);
        MemoryMap.Region rom = map.mapRom("fw", 0xFFFF_0000L, new byte[0x20]);
        map.alias(0xF_0010, 0xFFFF_0000L, 0x10);
        // 0xF0008-0xF0027: 8 bytes of RAM, the 16-byte shadow, 8 more bytes of RAM
        map.write(0xF_0008, bytes(0x28, 0x40), 4, 0x20);
        assertEquals(0x44, low.read8(0xF_0008));
        assertEquals(0x4B, low.read8(0xF_000F));
        assertEquals(0x4C, low.read8(0xF_0010), "the shadow shows the new ROM bytes");
        assertEquals(0x5B, low.read8(0xF_001F));
        assertEquals(0x5C, low.read8(0xF_0020));
        assertEquals(0x63, low.read8(0xF_0027));
        assertEquals(0, low.read8(0xF_0028));
        assertEquals(0x4F4E_4D4CL, map.read(0, 0xFFFF_0000L, 4), "the ROM itself changed");
        assertEquals(0, map.read(0, 0xFFFF_0010L, 1), "beyond the shadowed part it did not");
        assertEquals(0, map.ignoredRomWrites(), "the host's write is no guest store");
        assertEquals(0x20, rom.size);
    }

    @Test
    void aWriteToARomOutsideLowRamRefreshesItsShadows() {
        PhysicalMemory low = new PhysicalMemory(LOW);
        MemoryMap map = new MemoryMap(low, MmioBus.EMPTY);
        map.mapRom("fw", 0xFFFF_0000L, new byte[0x100]);
        map.mapRom("other", 0xE_0000, bytes(0x10, 0x70));
        map.alias(0xF_0000, 0xFFFF_0000L, 0x100);
        map.write(0xFFFF_0004L, new byte[] {1, 2, 3}, 0, 3);
        assertEquals(0x0302_0100L, low.read(0xF_0003, 4));
        assertEquals(0x73, low.read8(0xE_0003), "another ROM's shadow keeps its bytes");
    }

    @Test
    void aWriteReachesEveryShadowWhateverOrderTheRomsWereMappedIn() {
        PhysicalMemory low = new PhysicalMemory(LOW);
        MemoryMap map = new MemoryMap(low, MmioBus.EMPTY);
        MemoryMap.Region f = map.mapRom("f", 0xF_0000, new byte[0x10]);
        MemoryMap.Region e = map.mapRom("e", 0xE_0000, new byte[0x10]);
        MemoryMap.Region c = map.mapRom("c", 0xC_0000, new byte[0x10]);
        for (MemoryMap.Region r : new MemoryMap.Region[] {c, e, f}) {
            map.write(r.base + 4, new byte[] {0x5A}, 0, 1);
            assertEquals(0x5A, low.read8(r.base + 4), "the ROM at 0x" + Long.toHexString(r.base));
            low.write8(r.base + 4, 0);
            assertEquals(0x5A, low.read8(r.base + 4), "a guest store is undone to the new ROM byte");
        }
        assertEquals(3, map.ignoredRomWrites());
    }

    @Test
    void aWriteFromLowRamOnIntoTheRegionAboveIt() {
        PhysicalMemory low = new PhysicalMemory(LOW);
        MemoryMap map = new MemoryMap(low, MmioBus.EMPTY);
        map.mapRam("r", LOW, 0x100);
        map.write(LOW - 3, new byte[] {1, 2, 3, 4, 5, 6, 7}, 0, 7);
        assertEquals(1, low.read8(LOW - 3));
        assertEquals(3, low.read8(LOW - 1));
        assertEquals(0x0706_0504L, map.read(-1, LOW, 4));
        assertEquals(0, map.read(-1, LOW + 4, 1));
    }

    @Test
    void aLongWriteThroughLowRamStopsAtEachShadowAhead() {
        PhysicalMemory low = new PhysicalMemory(LOW);
        MemoryMap map = new MemoryMap(low, MmioBus.EMPTY);
        map.mapRom("c", 0xC_0000, new byte[0x10]);
        map.mapRom("e", 0xE_0000, new byte[0x10]);
        map.mapRom("f", 0xF_0000, new byte[0x10]);
        byte[] src = new byte[0x2_0010];
        java.util.Arrays.fill(src, (byte) 0x3C);
        map.write(0xD_0000, src, 0, src.length);
        assertEquals(0x3C, low.read8(0xD_0000));
        assertEquals(0x3C, low.read8(0xE_0000), "the ROM at 0xE0000 took the bytes");
        assertEquals(0x3C, low.read8(0xE_000F));
        assertEquals(0x3C, low.read8(0xF_000F), "and the one at 0xF0000");
        assertEquals(0, low.read8(0xF_0010));
        assertEquals(0, low.read8(0xC_0000), "the one below the start did not");
        low.write8(0xE_0005, 0);
        assertEquals(0x3C, low.read8(0xE_0005), "the ROM itself holds the new bytes");
    }

    @Test
    void aWriteToRamAndDeviceRegions() {
        MemoryMap map = new MemoryMap(new PhysicalMemory(LOW), MmioBus.EMPTY);
        GuestRegionAccessTest.LoggingDevice dev = new GuestRegionAccessTest.LoggingDevice();
        map.mapRam("r", 0x20_0000, 0x10);
        map.mapDevice("d", 0x20_0010, 4, dev);
        map.write(0x20_000C, bytes(8, 0xF0), 0, 8);
        assertEquals(0xF3F2_F1F0L, map.read(-1, 0x20_000C, 4));
        assertEquals(List.of("w 0 1 f4", "w 1 1 f5", "w 2 1 f6", "w 3 1 f7"), dev.log);
        assertThrows(IllegalArgumentException.class, () -> map.write(0x20_000C, new byte[9], 0, 9),
                "the ninth byte has nothing behind it");
        assertThrows(IllegalArgumentException.class, () -> map.write(LOW - 1, new byte[2], 0, 2));
        map.write(LOW - 1, new byte[] {9}, 0, 1);
        map.write(LOW, new byte[0], 0, 0);
    }

    @Test
    void aReadCopiesLowRamRegionsAndOpenBus() {
        PhysicalMemory low = new PhysicalMemory(LOW);
        MemoryMap map = new MemoryMap(low, MmioBus.EMPTY);
        GuestRegionAccessTest.LoggingDevice dev = new GuestRegionAccessTest.LoggingDevice();
        map.mapRam("r", LOW, 0x4);
        map.mapDevice("d", LOW + 6, 2, dev);
        low.load(LOW - 3, new byte[] {1, 2, 3});
        map.write(LOW, new byte[] {4, 5, 6, 7}, 0, 4);
        byte[] out = new byte[12];
        map.read(LOW - 3, out, 1, 11);
        assertArrayEquals(new byte[] {0, 1, 2, 3, 4, 5, 6, 7, (byte) 0xFF, (byte) 0xFF, (byte) 0xD0, (byte) 0xD1}, out);
        assertEquals(List.of("r 0 1", "r 1 1"), dev.log);
        byte[] mid = new byte[4];
        map.read(0x100, mid, 0, 4);
        assertArrayEquals(new byte[4], mid);
        low.write32(0x100, 0x0403_0201);
        map.read(0x101, mid, 0, 3);
        assertArrayEquals(new byte[] {2, 3, 4, 0}, mid);
    }

    @Test
    void backedRangesNeedEveryByteBacked() {
        MemoryMap map = new MemoryMap(new PhysicalMemory(LOW), MmioBus.EMPTY);
        map.mapRam("a", LOW, 0x100);
        map.mapRam("b", LOW + 0x100, 0x100);
        map.mapRam("c", LOW + 0x300, 0x100);
        assertTrue(map.backed(0, LOW));
        assertTrue(map.backed(LOW - 1, 0x201));
        assertFalse(map.backed(LOW - 1, 0x202));
        assertTrue(map.backed(LOW + 0x300, 0x100));
        assertFalse(map.backed(LOW + 0x2FF, 2));
        assertFalse(map.backed(LOW + 0x3FF, 2));
        assertTrue(map.backed(LOW + 0x3FF, 1));
        assertTrue(map.backed(0x5000_0000L, 0), "an empty range");
        assertFalse(map.backed(0x5000_0000L, 1));
    }
}
