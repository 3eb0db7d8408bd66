package org.apboot.core.mem;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The guest's view of {@link MemoryMap} (its {@link MmioBus} methods): the per-vCPU bus first for
 * a vCPU (cpu index 0 and up) and never for the host (-1); then RAM, ROM and device regions by
 * address, found among several; an access running past a region's end goes byte by byte; a
 * byte backed by nothing reads 0xFF and drops stores; a ROM ignores stores and counts them.
 */
class GuestRegionAccessTest {
    private static final long LOW = 0x10_0000;
    private static final long RAM = 0x20_0000;
    private static final long DEV = 0x30_0000;
    private static final long ROM = 0x40_0000;
    /** Where the per-vCPU bus of the test claims one page, for vCPU 0 only. */
    private static final long LOCAL = 0x50_0000;

    /** A device that answers 0xD0 + offset per byte and logs every access. */
    static final class LoggingDevice implements MemoryMap.Device {
        final List<String> log = new ArrayList<>();
        long answer = -1;

        @Override
        public long read(long offset, int size) {
            log.add(String.format("r %x %d", offset, size));
            if (answer != -1) {
                return answer;
            }
            long v = 0;
            for (int i = size - 1; i >= 0; i--) {
                v = v << 8 | (0xD0 + offset + i) & 0xFF;
            }
            return v;
        }

        @Override
        public void write(long offset, int size, long value) {
            log.add(String.format("w %x %d %x", offset, size, value));
        }
    }

    /** A per-vCPU bus claiming [LOCAL, LOCAL+0x1000) for vCPU 0 only: reads 0x1CA1, logs writes. */
    static final class LocalBus implements MmioBus {
        final List<String> log = new ArrayList<>();

        @Override
        public boolean claims(int cpuIndex, long phys) {
            return cpuIndex == 0 && phys >= LOCAL && phys < LOCAL + 0x1000;
        }

        @Override
        public long read(int cpuIndex, long phys, int size) {
            return 0x1CA1;
        }

        @Override
        public void write(int cpuIndex, long phys, int size, long value) {
            log.add(String.format("local %x %d %x", phys, size, value));
        }
    }

    private final LocalBus local = new LocalBus();
    private final LoggingDevice dev = new LoggingDevice();
    private final MemoryMap map = new MemoryMap(new PhysicalMemory(LOW), local);

    GuestRegionAccessTest() {
        map.mapRam("ram", RAM, 0x1000);
        map.mapDevice("dev", DEV, 0x100, dev);
        map.mapRom("rom", ROM, new byte[] {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, (byte) 0x88});
        map.mapRam("local-backing", LOCAL, 0x1000);
    }

    @Test
    void ramRegionReadsBackWhatWasWritten() {
        map.write(0, RAM + 0xFF8, 8, 0x0102_0304_0506_0708L);
        assertEquals(0x0102_0304_0506_0708L, map.read(0, RAM + 0xFF8, 8));
        assertEquals(0x0506_0708L, map.read(1, RAM + 0xFF8, 4));
        assertEquals(0x01, map.read(-1, RAM + 0xFFF, 1));
        map.write(0, RAM, 2, 0xABCD_EF12L);
        assertEquals(0xEF12, map.read(0, RAM, 4), "a 2-byte store writes 2 bytes");
    }

    @Test
    void deviceSeesOffsetsAndMaskedValues() {
        assertEquals(0xD5D4, map.read(0, DEV + 4, 2));
        map.write(0, DEV + 0x10, 1, 0x1234);
        dev.answer = 0x7766_5544_3322_1100L;
        assertEquals(0x1100, map.read(0, DEV, 2), "a device's answer is cut to the access size");
        assertEquals(List.of("r 4 2", "w 10 1 34", "r 0 2"), dev.log);
    }

    @Test
    void romIgnoresStoresAndCountsThem() {
        assertEquals(0x4433_2211L, map.read(0, ROM, 4));
        map.write(0, ROM + 1, 2, 0xFFFF);
        map.write(-1, ROM + 4, 4, 0);
        assertEquals(0x8877_6655_4433_2211L, map.read(0, ROM, 8));
        assertEquals(2, map.ignoredRomWrites());
    }

    @Test
    void unbackedBytesReadAllOnesAndDropStores() {
        assertEquals(0xFF, map.read(0, 0x60_0000, 1));
        assertEquals(0xFFFF_FFFFL, map.read(0, 0x60_0000, 4));
        map.write(0, 0x60_0000, 4, 0x1234_5678);
        map.write(0, 0x60_0000, 1, 0x12);
        assertEquals(0, map.ignoredRomWrites());
        assertFalse(map.claims(0, 0x60_0000));
        assertFalse(map.claims(-1, RAM - 1));
        assertTrue(map.claims(-1, RAM));
        assertTrue(map.claims(-1, RAM + 0xFFF));
        assertFalse(map.claims(-1, RAM + 0x1000));
    }

    @Test
    void anAccessPastARegionsEndGoesByteByByte() {
        map.write(0, RAM + 0xFFC, 4, 0xA4A3_A2A1L);
        assertEquals(0xFFA4_A3A2L, map.read(0, RAM + 0xFFD, 4), "the last byte is open bus");
        map.write(0, RAM + 0xFFE, 4, 0x0B0A_0908L);
        assertEquals(0xFFFF_0908L, map.read(0, RAM + 0xFFE, 4));
        assertEquals(0x55_4433_2211_FFFFL, map.read(0, ROM - 2, 8) & 0xFF_FFFF_FFFF_FFFFL);
        assertEquals(0xFFFF_FF88L, map.read(0, ROM + 7, 4));
        map.write(0, DEV + 0xFF, 2, 0xBBAA);
        assertEquals(List.of("w ff 1 aa"), dev.log, "the device gets its own byte only");
        map.write(0, ROM + 7, 2, 0xBBAA);
        assertEquals(1, map.ignoredRomWrites(), "one ROM byte stored to");
    }

    @Test
    void aVcpusOwnBusComesFirstAndTheHostNeverSeesIt() {
        map.write(-1, LOCAL, 4, 0x600D_F00DL);
        assertEquals(0x1CA1, map.read(0, LOCAL, 4), "vCPU 0's local bus");
        assertEquals(0x600D_F00DL, map.read(1, LOCAL, 4), "vCPU 1 has no local device there");
        assertEquals(0x600D_F00DL, map.read(-1, LOCAL, 4), "the host sees the region");
        map.write(0, LOCAL, 4, 0xBAD);
        assertEquals(List.of("local 500000 4 bad"), local.log);
        assertEquals(0x600D_F00DL, map.read(-1, LOCAL, 4));
        assertTrue(map.claims(0, LOCAL));
        assertEquals(0x1CA1, map.compareAndExchange(0, LOCAL, 4, 0x1CA1, 7));
        assertEquals(List.of("local 500000 4 bad", "local 500000 4 7"), local.log);
        assertEquals(0x600D_F00DL, map.read(-1, LOCAL, 4), "the exchange went to the local bus");
        byte[] code = new byte[4];
        assertEquals(0, map.fetch(0, LOCAL, code, 4), "no code fetched from a local device");
        assertEquals(4, map.fetch(1, LOCAL, code, 4));
        assertArrayEquals(new byte[] {0x0D, (byte) 0xF0, 0x0D, 0x60}, code);
    }

    @Test
    void aVcpuWithoutALocalClaimStillFindsTheRegion() {
        MemoryMap m = new MemoryMap(new PhysicalMemory(LOW), new MmioBus() {
            @Override
            public boolean claims(int cpuIndex, long phys) {
                return cpuIndex != 0;
            }

            @Override
            public long read(int cpuIndex, long phys, int size) {
                return 0x1CA1;
            }

            @Override
            public void write(int cpuIndex, long phys, int size, long value) {
            }
        });
        m.mapRam("r", RAM, 0x1000);
        m.write(0, RAM, 2, 0x4242);
        assertEquals(0x4242, m.read(0, RAM, 2));
        assertEquals(0x4242, m.read(-1, RAM, 2), "the host ignores a bus that claims cpu -1");
        assertTrue(m.claims(-1, RAM));
        assertFalse(m.claims(-1, 0x60_0000), "the host ignores a bus that claims cpu -1");
        assertTrue(m.claims(1, 0x60_0000));
    }

    @Test
    void aLocalDeviceWhereNoRegionIsClaimedForItsVcpuOnly() {
        MemoryMap m = new MemoryMap(new PhysicalMemory(LOW), local);
        assertTrue(m.claims(0, LOCAL));
        assertFalse(m.claims(1, LOCAL));
        assertFalse(m.claims(-1, LOCAL));
    }

    @Test
    void aStorePastARegionsEndIntoTheNextWritesOnlyItsOwnBytes() {
        MemoryMap m = new MemoryMap(new PhysicalMemory(LOW), MmioBus.EMPTY);
        m.mapRam("a", RAM, 0x10);
        m.mapRam("b", RAM + 0x10, 0x10);
        m.write(0, RAM + 0xE, 4, 0x55_4433_2211L);
        assertEquals(0x2211, m.read(0, RAM + 0xE, 2));
        assertEquals(0x4433, m.read(0, RAM + 0x10, 2));
        assertEquals(0, m.read(0, RAM + 0x12, 1), "the fifth byte of the value is not stored");
        assertEquals(0x4433_2211L, m.read(0, RAM + 0xE, 4));
    }

    @Test
    void lockedIncrementsOnARamRegionLoseNothing() throws Exception {
        MemoryMap m = new MemoryMap(new PhysicalMemory(LOW), MmioBus.EMPTY);
        m.mapRam("r", RAM, 0x1000);
        int n = 50_000;
        Together.run(2, t -> {
            for (int i = 0; i < n; i++) {
                long old;
                do {
                    old = m.read(t, RAM + 0x40, 4);
                } while (m.compareAndExchange(t, RAM + 0x40, 4, old, old + 1) != old);
            }
        });
        assertEquals(2 * n, m.read(-1, RAM + 0x40, 4));
    }

    @Test
    void compareAndExchangeOnRamRegionsDevicesAndRom() {
        map.write(0, RAM + 0x10, 4, 0x1111_2222L);
        assertEquals(0x1111_2222L, map.compareAndExchange(0, RAM + 0x10, 4, 0x1111_2222L, 0x3333_4444L));
        assertEquals(0x3333_4444L, map.read(0, RAM + 0x10, 4));
        assertEquals(0x3333_4444L, map.compareAndExchange(0, RAM + 0x10, 4, 5, 6), "mismatch");
        assertEquals(0x3333_4444L, map.read(0, RAM + 0x10, 4));
        // straddling the region's end: read, compare, write byte by byte
        assertEquals(0xFFFF_0000L, map.compareAndExchange(0, RAM + 0xFFE, 4, 0xFFFF_0000L, 0x0102_0304L));
        assertEquals(0x0304, map.read(0, RAM + 0xFFE, 2));
        assertEquals(0xD1D0, map.compareAndExchange(0, DEV, 2, 0xD1D0, 0xBEEF));
        assertEquals(List.of("r 0 2", "w 0 2 beef"), dev.log);
        assertEquals(0x2211, map.compareAndExchange(0, ROM, 2, 0x2211, 0));
        assertEquals(0x2211, map.read(0, ROM, 2), "ROM keeps its bytes");
        assertEquals(1, map.ignoredRomWrites());
    }

    @Test
    void fetchCopiesUpToTheRegionsEnd() {
        byte[] code = new byte[8];
        assertEquals(0, map.fetch(0, 0x60_0000, code, 8));
        assertEquals(3, map.fetch(0, ROM + 5, code, 8));
        assertArrayEquals(new byte[] {0x66, 0x77, (byte) 0x88, 0, 0, 0, 0, 0}, code);
        assertEquals(2, map.fetch(0, ROM, code, 2));
        assertArrayEquals(new byte[] {0x11, 0x22, (byte) 0x88, 0, 0, 0, 0, 0}, code);
        assertEquals(4, map.fetch(0, DEV + 0xFC, code, 8));
        assertArrayEquals(new byte[] {(byte) 0xCC, (byte) 0xCD, (byte) 0xCE, (byte) 0xCF, 0, 0, 0, 0}, code);
        assertEquals(List.of("r fc 1", "r fd 1", "r fe 1", "r ff 1"), dev.log);
    }

    @Test
    void theLowestAndHighestRegionsAreFoundToo() {
        MemoryMap m = new MemoryMap(new PhysicalMemory(LOW), MmioBus.EMPTY);
        long[] bases = {0x10_0000, 0x20_0000, 0x30_0000, 0x40_0000, 0x50_0000};
        for (long b : bases) {
            m.mapRam("r", b, 0x100);
        }
        for (int i = 0; i < bases.length; i++) {
            long b = bases[i];
            m.write(-1, b, 1, i + 1);
            m.write(-1, b + 0xFF, 1, 0x10 + i);
            assertEquals(i + 1, m.read(-1, b, 1));
            assertEquals(0x10 + i, m.read(-1, b + 0xFF, 1));
            assertEquals(0xFF, m.read(-1, b + 0x100, 1));
            assertEquals(0xFF, m.read(-1, b - 1, 1));
            assertEquals(b, m.regionAt(b + 0x80).base);
        }
        assertEquals(null, m.regionAt(0x60_0000));
        assertEquals(null, m.regionAt(0x8_0000), "low RAM is not a region");
    }
}
