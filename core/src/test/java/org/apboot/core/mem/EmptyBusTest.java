package org.apboot.core.mem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The buses with nothing on them, and what a device bus gets by default: an unclaimed I/O port
 * or physical address reads all ones and ignores stores (an undriven bus floats high); a
 * device bus's locked compare-and-exchange is a read, a compare and (on a match only) a write;
 * no code is fetched from a device bus unless it says so.
 */
class EmptyBusTest {
    @Test
    void unclaimedPortsReadAllOnes() {
        assertEquals(0xFF, IoBus.EMPTY.in(0, 0x80, 1));
        assertEquals(0xFFFF, IoBus.EMPTY.in(0, 0x80, 2));
        assertEquals(0xFFFF_FFFF, IoBus.EMPTY.in(0, 0x80, 4));
        IoBus.EMPTY.out(0, 0x80, 1, 0x12);
        assertEquals(0xFF, IoBus.EMPTY.in(1, 0x80, 1));
    }

    @Test
    void unclaimedAddressesReadAllOnes() {
        assertFalse(MmioBus.EMPTY.claims(0, 0xFEE0_0000L));
        assertEquals(0xFFL, MmioBus.EMPTY.read(0, 0x1000, 1));
        assertEquals(0xFFFFL, MmioBus.EMPTY.read(0, 0x1000, 2));
        assertEquals(0xFFFF_FFFFL, MmioBus.EMPTY.read(0, 0x1000, 4));
        assertEquals(-1L, MmioBus.EMPTY.read(0, 0x1000, 8));
        MmioBus.EMPTY.write(0, 0x1000, 4, 0);
        assertEquals(0xFFFF_FFFFL, MmioBus.EMPTY.compareAndExchange(0, 0x1000, 4, 0xFFFF_FFFFL, 0));
        assertEquals(0, MmioBus.EMPTY.fetch(0, 0x1000, new byte[4], 4));
    }

    @Test
    void aDeviceCompareAndExchangeWritesOnlyOnAMatch() {
        List<String> log = new ArrayList<>();
        MmioBus dev = new MmioBus() {
            @Override
            public boolean claims(int cpuIndex, long phys) {
                return true;
            }

            @Override
            public long read(int cpuIndex, long phys, int size) {
                log.add("read " + cpuIndex + " " + Long.toHexString(phys) + " " + size);
                return 0x1234;
            }

            @Override
            public void write(int cpuIndex, long phys, int size, long value) {
                log.add("write " + cpuIndex + " " + Long.toHexString(phys) + " " + size + " " + Long.toHexString(value));
            }
        };
        assertEquals(0x1234, dev.compareAndExchange(2, 0xC000, 2, 0x1111, 0x2222));
        assertEquals(List.of("read 2 c000 2"), log);
        assertEquals(0x1234, dev.compareAndExchange(3, 0xC004, 2, 0x1234, 0x5678));
        assertEquals(List.of("read 2 c000 2", "read 3 c004 2", "write 3 c004 2 5678"), log);
        assertEquals(0, dev.fetch(0, 0xC000, new byte[4], 4));
    }
}
