package org.apboot.core.semantics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.MemoryHooks;
import org.apboot.core.decode.Insn;
import org.apboot.core.mem.MmioBus;
import org.junit.jupiter.api.Test;

/**
 * Where a physical access goes: RAM when the whole access lies in RAM, otherwise the MMIO bus,
 * whose reads are cut to the access size (a device answers the bytes asked for, nothing more);
 * the memory hooks see every access with the value cut to its size, and a locked
 * compare-and-exchange shows them a write only when it stored.
 */
class MmioAndMemoryHookRoutingTest {
    private static final long DEVICE = 0x20_0000; // above the 1 MiB of RAM

    /** A device that answers every read with all ones above {@code low} and logs writes. */
    private static final class Device implements MmioBus {
        long low = 0x1234;
        final List<String> log = new ArrayList<>();

        @Override
        public boolean claims(int cpuIndex, long phys) {
            return phys >= DEVICE;
        }

        @Override
        public long read(int cpuIndex, long phys, int size) {
            log.add("read " + Long.toHexString(phys) + "/" + size);
            return 0xFFFF_FFFF_FFFF_0000L | low;
        }

        @Override
        public void write(int cpuIndex, long phys, int size, long value) {
            log.add("write " + Long.toHexString(phys) + "/" + size + "=" + Long.toHexString(value));
            low = value;
        }
    }

    /** Memory hooks that log each access as "read|write PHYS/SIZE=VALUE" (hex). */
    static final class Hooks implements MemoryHooks {
        final List<String> log = new ArrayList<>();

        @Override
        public void read(Cpu cpu, long phys, int size, long value) {
            log.add("read " + Long.toHexString(phys) + "/" + size + "=" + Long.toHexString(value));
        }

        @Override
        public void write(Cpu cpu, long phys, int size, long value) {
            log.add("write " + Long.toHexString(phys) + "/" + size + "=" + Long.toHexString(value));
        }
    }

    @Test
    void accessesOutsideRamGoToTheBusCutToTheirSize() {
        Cpu cpu = TestCpus.prot32(0);
        Device dev = new Device();
        cpu.mmio = dev;
        assertEquals(0x34, Mem.readPhysical(cpu, DEVICE, 1));
        assertEquals(0xFFFF_1234L, Mem.read(cpu, Insn.DS, DEVICE + 4, 4));
        Mem.writePhysical(cpu, DEVICE + 8, 2, 0xABCD_5678L);
        Mem.write(cpu, Insn.DS, DEVICE + 12, 1, 0x1FF);
        assertEquals(List.of("read 200000/1", "read 200004/4", "write 200008/2=5678", "write 20000c/1=ff"), dev.log);
        assertEquals(0, cpu.ram.read16(0x8), "nothing reached RAM");
    }

    /**
     * An aligned access is one access (SDM vol. 3 section 9.1.1: aligned word, doubleword and
     * quadword accesses are atomic), also in the last bytes of a page: the device sees it whole,
     * not byte by byte.
     */
    @Test
    void anAlignedAccessAtTheEndOfAPageReachesTheDeviceWhole() {
        Cpu cpu = TestCpus.prot32(0);
        Device dev = new Device();
        cpu.mmio = dev;
        long last = DEVICE + 0xFFC;
        assertEquals(0xFFFF_1234L, Mem.read(cpu, Insn.DS, last, 4));
        Mem.write(cpu, Insn.DS, last, 4, 0x5678);
        assertEquals(0xFFFF_5678L, Mem.readLinear(cpu, last, 4, false));
        Mem.writeLinear(cpu, last, 4, 0x9ABC, false);
        Mem.write(cpu, Insn.DS, DEVICE + 0xFFE, 2, 0x4321);
        assertEquals(List.of("read 200ffc/4", "write 200ffc/4=5678", "read 200ffc/4", "write 200ffc/4=9abc",
                "write 200ffe/2=4321"), dev.log);
    }

    /** The same for a locked compare-and-exchange in the last bytes of a RAM page: the hooks see its store only. */
    @Test
    void aCompareAndExchangeAtTheEndOfARamPageIsOneAccess() {
        Cpu cpu = TestCpus.prot32(0);
        Hooks hooks = new Hooks();
        cpu.memoryHooks = hooks;
        cpu.ram.write32(0x3FFC, 0x1234_5678);
        assertEquals(0x1234_5678L, Mem.compareAndExchange(cpu, Insn.DS, 0x3FFC, 4, 0x1234_5678L, 0x0BAD_F00DL));
        assertEquals(0x0BAD_F00DL, cpu.ram.read32(0x3FFC) & 0xFFFF_FFFFL);
        assertEquals(List.of("write 3ffc/4=badf00d"), hooks.log, "the hooks see the store only");
    }

    @Test
    void anAccessRunningPastTheEndOfRamGoesToTheBus() {
        Cpu cpu = TestCpus.prot32(0);
        Device dev = new Device();
        cpu.mmio = dev;
        cpu.ram.write16(0xFFFFE, 0x7777);
        assertEquals(0xFFFF_1234L, Mem.readPhysical(cpu, 0xFFFFE, 4));
        assertEquals(0x7777, Mem.readPhysical(cpu, 0xFFFFE, 2));
        assertEquals(List.of("read ffffe/4"), dev.log);
    }

    @Test
    void hooksSeeEveryRamAndDeviceAccessWithItsValue() {
        Cpu cpu = TestCpus.prot32(0);
        Hooks hooks = new Hooks();
        cpu.memoryHooks = hooks;
        cpu.mmio = new Device();
        cpu.ram.write32(0x3000, 0xCAFE_F00D);
        assertEquals(0xF00D, Mem.readPhysical(cpu, 0x3000, 2));
        assertEquals(0x1234, Mem.readPhysical(cpu, DEVICE, 2));
        Mem.writePhysical(cpu, 0x3004, 2, 0x1_BEEF);
        Mem.writePhysical(cpu, DEVICE, 1, 0x1_BEEF);
        assertEquals(List.of("read 3000/2=f00d", "read 200000/2=1234", "write 3004/2=beef", "write 200000/1=ef"),
                hooks.log);
        assertEquals(0xBEEF, cpu.ram.read32(0x3004));
    }

    @Test
    void aCompareAndExchangeInRamComparesAndStoresOnlyItsSize() {
        Cpu cpu = TestCpus.prot32(0);
        Hooks hooks = new Hooks();
        cpu.memoryHooks = hooks;
        cpu.ram.write32(0x3000, 0xAAAA_1234);
        assertEquals(0x1234, Mem.compareAndExchange(cpu, Insn.DS, 0x3000, 2, 0xFFFF_1234L, 0x7777_5678L));
        assertEquals(0xAAAA_5678L, cpu.ram.read32(0x3000) & 0xFFFF_FFFFL);
        assertEquals(0x5678, Mem.compareAndExchange(cpu, Insn.DS, 0x3000, 2, 0x1234, 0x9999));
        assertEquals(0xAAAA_5678L, cpu.ram.read32(0x3000) & 0xFFFF_FFFFL, "no match: nothing stored");
        assertEquals(List.of("write 3000/2=5678"), hooks.log, "the hooks see the store only");
    }

    @Test
    void aCompareAndExchangeOnADeviceReadsComparesAndWrites() {
        Cpu cpu = TestCpus.prot32(0);
        Device dev = new Device();
        cpu.mmio = dev;
        dev.low = 0;
        assertEquals(0xFFFF_FFFF_FFFF_0000L, Mem.compareAndExchange(cpu, Insn.DS, DEVICE, 8, 0xFFFF_FFFF_FFFF_0000L, 0x42));
        assertEquals(0x42, dev.low);
        assertEquals(List.of("read 200000/8", "write 200000/8=42"), dev.log);
    }
}
