package org.apboot.core.mem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What the memory map tells code caches: which regions hold cacheable code, and every change to
 * watched region bytes by guest physical address, once for each address the bytes are mapped at.
 */
class MemoryMapCodeTest {
    private final PhysicalMemory low = new PhysicalMemory(1 << 20);
    private final MemoryMap map = new MemoryMap(low, MmioBus.EMPTY);
    private final List<String> heard = new ArrayList<>();

    private void listen() {
        PhysicalMemory.WriteListener l = (addr, len) -> heard.add(Long.toHexString(addr) + "+" + len);
        map.addCodeListener(l);
        map.addCodeListener(l); // a second time changes nothing
    }

    @Test
    void ramAndRomRegionsHoldCodeDevicesAndHolesDoNot() {
        MemoryMap.Region ram = map.mapRam("ram", 0xE000_0000L, 0x1000);
        MemoryMap.Region rom = map.mapRom("rom", 0xFFFF_0000L, new byte[0x10000]);
        map.mapDevice("dev", 0xC000_0000L, 0x1000, new MemoryMap.Device() {
            @Override
            public long read(long offset, int size) {
                return 0;
            }

            @Override
            public void write(long offset, int size, long value) {
            }
        });
        assertSame(ram, map.codeRegion(0, 0xE000_0FFFL));
        assertSame(rom, map.codeRegion(0, 0xFFFF_FFF0L));
        assertNull(map.codeRegion(0, 0xC000_0010L));
        assertNull(map.codeRegion(0, 0xE000_1000L));
        assertEquals(0xE000_1000L, ram.end());
    }

    @Test
    void aHostWriteToARomIsHeardAtEveryAddressOutsideLowRamItIsMappedAt() {
        byte[] contents = new byte[0x10000];
        contents[0x104] = 0x11;
        map.mapRom("rom", 0xFFFF_0000L, contents);
        map.alias(0xF0000, 0xFFFF_0000L, 0x10000); // shadowed in low RAM: low RAM reports it itself
        map.alias(0xFFFE_0000L, 0xFFFF_0000L, 0x10000);
        listen();
        MemoryMap.Region r = map.codeRegion(0, 0xFFFF_0100L);
        byte[] code = new byte[8];
        r.copyOut(0xFFFF_0100L, code, 0, 8);
        assertEquals(0x11, code[4]);
        r.watch(0xFFFF_0100L, 16);

        map.write(0xFFFF_0104L, new byte[] {1, 2}, 0, 2);
        assertEquals(List.of("fffe0104+2", "ffff0104+2"), heard);
        heard.clear();
        map.write(0xF0104, new byte[] {3}, 0, 1); // through the shadow: the same ROM bytes
        assertEquals(List.of("fffe0104+1", "ffff0104+1"), heard);
        heard.clear();
        map.write(0, 0xFFFF_0104L, 4, 7); // a guest store: ROM ignores it
        map.write(0xFFFF_0200L, new byte[] {4}, 0, 1); // a line no code watches
        assertEquals(List.of(), heard);
    }

    @Test
    void guestStoresToRegionRamAndToAliasedLowRamAreHeardByPhysicalAddress() {
        map.mapRam("ram", 0x1_0000_0000L, 0x1000);
        map.alias(0xD000_0000L, 0x8000, 0x1000);
        listen();
        map.codeRegion(0, 0x1_0000_0040L).watch(0x1_0000_0040L, 16);
        map.codeRegion(0, 0xD000_0010L).watch(0xD000_0010L, 4);

        map.write(1, 0x1_0000_0044L, 4, 5);
        map.write(1, 0x1_0000_0080L, 4, 5); // data beside the code, on another line
        low.write32(0x8010, 1); // low RAM behind the alias
        assertEquals(List.of("100000044+4", "d0000010+4"), heard);
    }
}
