package org.apboot.core.mem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A ROM inside low RAM ({@link MemoryMap}): its bytes are copied into low RAM, a guest store
 * there is undone right after it (counted once, and only where it changed a ROM byte), bytes
 * around the shadow on the same 64-byte line keep their stores, the part of a ROM beyond low RAM
 * stays a region, and an alias of a shadowed ROM shows the ROM.
 */
class RomShadowTest {
    private static final long LOW = 0x10_0000;

    private static byte[] rom(int len, int first) {
        byte[] b = new byte[len];
        for (int i = 0; i < len; i++) {
            b[i] = (byte) (first + i);
        }
        return b;
    }

    @Test
    void aShadowHoldsTheRomBytesAndUndoesGuestStores() {
        PhysicalMemory low = new PhysicalMemory(LOW);
        MemoryMap map = new MemoryMap(low, MmioBus.EMPTY);
        // 0x20 bytes starting and ending mid-line: 0xF0010-0xF002F
        map.mapRom("bios", 0xF_0010, rom(0x20, 0x80));
        assertEquals(0x80, low.read8(0xF_0010));
        assertEquals(0x9F, low.read8(0xF_002F));
        assertEquals(0, low.read8(0xF_000F));
        assertEquals(0, low.read8(0xF_0030));

        low.write32(0xF_0020, 0xDEAD_BEEF);
        assertEquals(0x9392_9190L, low.read(0xF_0020, 4), "the store is undone");
        assertEquals(1, map.ignoredRomWrites());

        low.write8(0xF_0011, 0x81);
        assertEquals(1, map.ignoredRomWrites(), "a store of the same byte changes nothing");

        // on the shadow's lines but outside it: kept
        low.write8(0xF_000F, 0x5A);
        low.write8(0xF_0030, 0xA5);
        low.write8(0xF_003F, 0x77);
        assertEquals(0x5A, low.read8(0xF_000F));
        assertEquals(0xA5, low.read8(0xF_0030));
        assertEquals(0x77, low.read8(0xF_003F));
        assertEquals(1, map.ignoredRomWrites());

        // straddling both ends: the ROM part is undone, the rest kept
        low.write32(0xF_000E, 0x1122_3344);
        assertEquals(0x44, low.read8(0xF_000E));
        assertEquals(0x33, low.read8(0xF_000F));
        assertEquals(0x8180, low.read16(0xF_0010));
        low.write32(0xF_002E, 0x1122_3344);
        assertEquals(0x9F9E, low.read16(0xF_002E));
        assertEquals(0x1122, low.read16(0xF_0030));
        assertEquals(3, map.ignoredRomWrites());
    }

    @Test
    void twoShadowsAreEachRestored() {
        PhysicalMemory low = new PhysicalMemory(LOW);
        MemoryMap map = new MemoryMap(low, MmioBus.EMPTY);
        map.mapRom("a", 0xC_0000, rom(0x10, 0x10));
        map.mapRom("b", 0xC_0010, rom(0x10, 0x40));
        low.write64(0xC_000C, 0);
        assertEquals(0x1F1E_1D1CL, low.read(0xC_000C, 4));
        assertEquals(0x4342_4140L, low.read(0xC_0010, 4));
        long before = map.ignoredRomWrites();
        low.write8(0xC_001F, 0);
        assertEquals(0x4F, low.read8(0xC_001F));
        assertEquals(before + 1, map.ignoredRomWrites());
    }

    @Test
    void theRomPartBeyondLowRamStaysARegion() {
        PhysicalMemory low = new PhysicalMemory(LOW);
        MemoryMap map = new MemoryMap(low, MmioBus.EMPTY);
        MemoryMap.Region r = map.mapRom("big", LOW - 0x10, rom(0x30, 0));
        assertEquals(LOW - 0x10, r.base);
        assertEquals(0x30, r.size);
        assertEquals(0x0F, low.read8(LOW - 1));
        MemoryMap.Region rest = map.regionAt(LOW);
        assertEquals(LOW, rest.base);
        assertEquals(0x20, rest.size);
        assertSame(r, rest.aliasOf);
        assertEquals(MemoryMap.Kind.ROM, rest.kind);
        assertEquals(0x1312_1110L, map.read(0, LOW, 4), "the rest reads the ROM from offset 0x10");
        assertEquals(0x2F, map.read(0, LOW + 0x1F, 1));
        assertEquals(0xFF, map.read(0, LOW + 0x20, 1));
        assertNull(map.regionAt(LOW - 1), "the shadow is not among the regions outside low RAM");
        List<MemoryMap.Region> all = map.regions();
        assertEquals(2, all.size());
        assertEquals(LOW - 0x10, all.get(0).base);
        assertEquals(0x10, all.get(0).size);
        assertEquals(LOW, all.get(1).base);
    }

    @Test
    void anAliasOfARomShowsTheRomAndItsShadowToo() {
        PhysicalMemory low = new PhysicalMemory(LOW);
        MemoryMap map = new MemoryMap(low, MmioBus.EMPTY);
        MemoryMap.Region top = map.mapRom("fw", 0xFFFF_0000L, rom(0x100, 0x20));
        MemoryMap.Region shadow = map.alias(0xF_0000, 0xFFFF_0080L, 0x40);
        assertSame(top, shadow.aliasOf);
        assertEquals(MemoryMap.Kind.ROM, shadow.kind);
        assertEquals("fw", shadow.name);
        assertEquals(0xA0, low.read8(0xF_0000), "ROM byte 0x80");
        assertEquals(0xDF, low.read8(0xF_003F));
        assertEquals(0, low.read8(0xF_0040));
        low.write8(0xF_0001, 0);
        assertEquals(0xA1, low.read8(0xF_0001));
        assertEquals(1, map.ignoredRomWrites());

        // an alias of the shadow names the ROM behind it
        MemoryMap.Region again = map.alias(0x20_0000, 0xF_0010, 0x10);
        assertSame(top, again.aliasOf);
        assertEquals(0xB0, map.read(0, 0x20_0000, 1));
        assertEquals(0xBF, map.read(0, 0x20_000F, 1));
        // and of a ROM without an alias, the ROM itself
        MemoryMap.Region low1 = map.mapRom("opt", 0xC_0000, rom(0x10, 0x60));
        MemoryMap.Region third = map.alias(0x30_0000, 0xC_0004, 4);
        assertSame(low1, third.aliasOf);
        assertEquals(0x6766_6564L, map.read(0, 0x30_0000, 4));
    }

    @Test
    void theRestOfAnAliasBeyondLowRamNamesTheOriginalRom() {
        PhysicalMemory low = new PhysicalMemory(LOW);
        MemoryMap map = new MemoryMap(low, MmioBus.EMPTY);
        MemoryMap.Region top = map.mapRom("fw", 0xFFFF_0000L, rom(0x40, 0));
        map.alias(LOW - 0x10, 0xFFFF_0000L, 0x40);
        MemoryMap.Region rest = map.regionAt(LOW);
        assertSame(top, rest.aliasOf);
        assertEquals(0x30, rest.size);
        assertEquals(0x10, map.read(0, LOW, 1));
        assertEquals(0x0F, low.read8(LOW - 1));
    }

    @Test
    void anAliasOfAnAliasNamesTheOriginal() {
        MemoryMap map = new MemoryMap(new PhysicalMemory(LOW), MmioBus.EMPTY);
        MemoryMap.Region ram = map.mapRam("r", 0x20_0000, 0x100);
        MemoryMap.Region a = map.alias(0x30_0000, 0x20_0040, 0x40);
        MemoryMap.Region b = map.alias(0x40_0000, 0x30_0010, 0x10);
        assertSame(ram, a.aliasOf);
        assertSame(ram, b.aliasOf);
        map.write(0, 0x20_0050, 1, 0x99);
        assertEquals(0x99, map.read(0, 0x40_0000, 1), "offset 0x40 + 0x10 of the RAM");
        map.write(0, 0x40_000F, 1, 0x66);
        assertEquals(0x66, map.read(0, 0x20_005F, 1));
        assertEquals("ram r 0x400000-0x40000f (alias)", b.toString());
        assertEquals("ram r 0x200000-0x2000ff", ram.toString());
    }

    @Test
    void anAliasOfLowRamSeesLowRam() {
        PhysicalMemory low = new PhysicalMemory(LOW);
        MemoryMap map = new MemoryMap(low, MmioBus.EMPTY);
        MemoryMap.Region a = map.alias(0x20_0000, 0x1000, 0x100);
        low.write16(0x1010, 0x1234);
        assertEquals(0x1234, map.read(0, 0x20_0010, 2));
        map.write(0, 0x20_00FF, 1, 0x5A);
        assertEquals(0x5A, low.read8(0x10FF));
        assertEquals(MemoryMap.Kind.RAM, a.kind);
        assertEquals(0x5A, map.compareAndExchange(0, 0x20_00FF, 1, 0x5A, 0x6B));
        assertEquals(0x6B, low.read8(0x10FF));
    }
}
