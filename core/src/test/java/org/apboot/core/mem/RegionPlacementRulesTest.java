package org.apboot.core.mem;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Where {@link MemoryMap} lets a region lie: a positive size inside the 52-bit physical address
 * space, never over the local APIC page (0xFEE00000-0xFEE00FFF), never over another region, and
 * (RAM, devices, aliases of RAM) never inside low RAM. Each rule is tried on both sides of its
 * boundary.
 */
class RegionPlacementRulesTest {
    private static final long LOW = 0x10_0000;
    private static final long LIMIT = 1L << 52;
    private static final MemoryMap.Device NOTHING = new MemoryMap.Device() {
        @Override
        public long read(long offset, int size) {
            return 0;
        }

        @Override
        public void write(long offset, int size, long value) {
        }
    };

    private static MemoryMap map() {
        return new MemoryMap(new PhysicalMemory(LOW), MmioBus.EMPTY);
    }

    @Test
    void sizeMustBePositive() {
        MemoryMap m = map();
        assertThrows(IllegalArgumentException.class, () -> m.mapDevice("d", 0x20_0000, 0, NOTHING));
        assertThrows(IllegalArgumentException.class, () -> m.mapDevice("d", 0x20_0000, -1, NOTHING));
        assertDoesNotThrow(() -> m.mapDevice("d", 0x20_0000, 1, NOTHING));
    }

    @Test
    void regionsStayInsideThe52BitSpace() {
        MemoryMap m = map();
        assertThrows(IllegalArgumentException.class, () -> m.mapDevice("d", -1, 1, NOTHING));
        assertThrows(IllegalArgumentException.class, () -> m.mapDevice("d", LIMIT, 1, NOTHING));
        assertThrows(IllegalArgumentException.class, () -> m.mapDevice("d", LIMIT - 16, 17, NOTHING));
        assertThrows(IllegalArgumentException.class, () -> m.mapDevice("d", LIMIT - 16, Long.MAX_VALUE, NOTHING));
        assertDoesNotThrow(() -> m.mapDevice("d", LIMIT - 16, 16, NOTHING));
        assertEquals(LIMIT, MemoryMap.PHYS_LIMIT);
    }

    @Test
    void aRomMayStartAtAddressZero() {
        MemoryMap m = map();
        MemoryMap.Region r = m.mapRom("rom", 0, new byte[] {1, 2});
        assertEquals(0, r.base);
        assertEquals(2, r.size);
    }

    @Test
    void theLocalApicPageIsNobodysToMap() {
        MemoryMap m = map();
        assertDoesNotThrow(() -> m.mapDevice("below", 0xFEDF_F000L, 0x1000, NOTHING));
        assertDoesNotThrow(() -> m.mapDevice("above", 0xFEE0_1000L, 0x1000, NOTHING));
        MemoryMap n = map();
        assertThrows(IllegalArgumentException.class, () -> n.mapDevice("d", 0xFEDF_F000L, 0x1001, NOTHING));
        assertThrows(IllegalArgumentException.class, () -> n.mapDevice("d", 0xFEE0_0FFFL, 1, NOTHING));
        assertThrows(IllegalArgumentException.class, () -> n.mapDevice("d", 0xFEE0_0000L, 1, NOTHING));
        assertThrows(IllegalArgumentException.class, () -> n.mapDevice("d", 0xF000_0000L, 0x1000_0000L, NOTHING));
        assertThrows(IllegalArgumentException.class, () -> n.mapRam("r", 0xFEE0_0000L, 0x1000));
        assertThrows(IllegalArgumentException.class, () -> n.mapRom("r", 0xFEE0_0800L, new byte[16]));
        assertThrows(IllegalArgumentException.class, () -> n.alias(0xFEE0_0000L, 0x1000, 16));
        assertEquals(0, n.regions().size());
    }

    @Test
    void theMappedRegionIsReturned() {
        MemoryMap m = map();
        MemoryMap.Region d = m.mapDevice("uart", 0x20_0000, 8, NOTHING);
        assertEquals("uart", d.name);
        assertEquals(MemoryMap.Kind.MMIO, d.kind);
        assertEquals(0x20_0000, d.base);
        assertEquals(8, d.size);
        assertEquals(null, d.aliasOf);
        assertTrue(d.contains(0x20_0000));
        assertTrue(d.contains(0x20_0007));
        assertFalse(d.contains(0x20_0008));
        assertFalse(d.contains(0x1F_FFFF));
    }

    @Test
    void aRomRightAboveLowRamIsNotShadowed() {
        MemoryMap m = map();
        m.mapRom("rom", LOW, new byte[] {1, 2});
        assertEquals(1, m.regions().size());
        assertEquals(0x0201, m.read(0, LOW, 2));
    }

    @Test
    void refusalsSayWhatOverlapsWhat() {
        MemoryMap m = map();
        m.mapRam("ram", 0x20_0000, 0x1000);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.mapRam("x", 0x20_0800, 0x1000));
        assertEquals("region 0x200800-0x2017ff overlaps ram ram 0x200000-0x200fff", e.getMessage());
        m.mapRom("bios", 0xF_0000, new byte[0x100]);
        e = assertThrows(IllegalArgumentException.class, () -> m.mapRom("x", 0xF_0080, new byte[0x100]));
        assertTrue(e.getMessage().startsWith("region 0xf0080-0xf017f overlaps rom bios 0xf0000-0xf00ff"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> m.mapDevice("x", 0x8_0000, 16, NOTHING));
        assertEquals("MMIO region at 0x80000 overlaps low RAM (0-0xfffff): only ROM may", e.getMessage());
    }

    @Test
    void ramDevicesAndRamAliasesStayOutOfLowRam() {
        MemoryMap m = map();
        assertThrows(IllegalArgumentException.class, () -> m.mapRam("r", LOW - 1, 16));
        assertThrows(IllegalArgumentException.class, () -> m.mapDevice("d", LOW - 1, 16, NOTHING));
        assertThrows(IllegalArgumentException.class, () -> m.alias(LOW - 16, 0x1000, 16));
        assertDoesNotThrow(() -> m.mapRam("r", LOW, 16));
        assertDoesNotThrow(() -> m.mapDevice("d", LOW + 16, 16, NOTHING));
        assertDoesNotThrow(() -> m.alias(LOW + 32, 0x1000, 16));
        // an alias of a RAM or device region may not land in low RAM either
        assertThrows(IllegalArgumentException.class, () -> m.alias(0x8000, LOW, 16));
        assertThrows(IllegalArgumentException.class, () -> m.alias(0x8000, LOW + 16, 16));
    }

    @Test
    void aRamRegionHoldsAtMostTwoGibibytes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> map().mapRam("r", 1L << 40, Integer.MAX_VALUE - 7L));
        assertTrue(e.getMessage().contains("at most 2 GiB per region"), e.getMessage());
    }

    @Test
    void regionsMayTouchButNotOverlap() {
        MemoryMap m = map();
        m.mapRam("mid", 0x20_0000, 0x1000);
        assertDoesNotThrow(() -> m.mapRam("before", 0x1F_F000, 0x1000));
        assertDoesNotThrow(() -> m.mapRam("after", 0x20_1000, 0x1000));
        MemoryMap n = map();
        n.mapRam("mid", 0x20_0000, 0x1000);
        assertThrows(IllegalArgumentException.class, () -> n.mapRam("x", 0x1F_F001, 0x1000));
        assertThrows(IllegalArgumentException.class, () -> n.mapRam("x", 0x20_0FFF, 0x1000));
        assertThrows(IllegalArgumentException.class, () -> n.mapRam("x", 0x20_0100, 0x10));
        assertThrows(IllegalArgumentException.class, () -> n.mapRam("x", 0x1F_0000, 0x20_000));
    }

    @Test
    void romsInLowRamMayTouchButNotOverlap() {
        MemoryMap m = map();
        m.mapRom("mid", 0xE_0000, new byte[0x100]);
        assertDoesNotThrow(() -> m.mapRom("before", 0xD_FF00, new byte[0x100]));
        assertDoesNotThrow(() -> m.mapRom("after", 0xE_0100, new byte[0x100]));
        assertThrows(IllegalArgumentException.class, () -> m.mapRom("x", 0xD_FF01, new byte[0x100]));
        assertThrows(IllegalArgumentException.class, () -> m.mapRom("x", 0xE_01FF, new byte[0x100]));
        assertEquals(3, m.regions().size(), "the rejected ROMs left nothing behind");
    }

    @Test
    void anAliasTargetMustBeMappedAndLongEnough() {
        MemoryMap m = map();
        m.mapRam("r", 0x20_0000, 0x1000);
        assertThrows(IllegalArgumentException.class, () -> m.alias(0x30_0000, 0x40_0000, 16), "nothing there");
        assertThrows(IllegalArgumentException.class, () -> m.alias(0x30_0000, LOW - 8, 16), "past the end of low RAM");
        assertThrows(IllegalArgumentException.class, () -> m.alias(0x30_0000, 0x20_0F00, 0x101), "past the region");
        assertDoesNotThrow(() -> m.alias(0x30_0000, 0x20_0F00, 0x100));
        assertDoesNotThrow(() -> m.alias(0x31_0000, LOW - 16, 16));
    }
}
