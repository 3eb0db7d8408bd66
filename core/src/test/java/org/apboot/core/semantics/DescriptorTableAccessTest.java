package org.apboot.core.semantics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.Segment;
import org.apboot.core.fault.CpuException;
import org.apboot.core.fault.Vectors;
import org.apboot.core.mem.MmioBus;
import org.junit.jupiter.api.Test;

/**
 * Finding and updating descriptors (SDM vol. 3 sections 3.4.2, 3.5.1, 7.2.2): the table a
 * selector names (TI), the limit covering every byte of the descriptor, an unusable LDT, the
 * upper half of a 16-byte descriptor, linear addresses wrapping at 4 GiB outside IA-32e mode,
 * and the accessed and busy bits set and cleared in the table itself, also when the table lies
 * in device memory.
 */
class DescriptorTableAccessTest {
    private static final long GDT = 0x1000, LDT = 0x2000;
    private final Cpu cpu = TestCpus.prot32(0);

    DescriptorTableAccessTest() {
        cpu.gdtrBase = GDT;
        cpu.gdtrLimit = 0x1F;
        for (int i = 0; i < 8; i++) {
            cpu.ram.write64(GDT + 8L * i, 0x1111_0000_0000_0000L + i);
            cpu.ram.write64(LDT + 8L * i, 0x2222_0000_0000_0000L + i);
        }
        cpu.ldtr.set(0x28, LDT, 0x17, Segment.P | 2);
    }

    private static void gp(int err, Runnable r) {
        CpuException e = assertThrows(CpuException.class, r::run);
        assertEquals(Vectors.GP, e.vector, e.toString());
        assertEquals(err, e.errorCode, e.toString());
    }

    @Test
    void gdtSelectorsUpToTheLimit() {
        assertEquals(GDT + 0x18, Descriptors.address(cpu, 0x1B, 8));
        assertEquals(-1, Descriptors.address(cpu, 0x20, 8));
        assertEquals(GDT + 0x10, Descriptors.address(cpu, 0x10, 16));
        assertEquals(-1, Descriptors.address(cpu, 0x18, 16));
        assertEquals(0x1111_0000_0000_0003L, Descriptors.read(cpu, 0x18));
        gp(0x20, () -> Descriptors.read(cpu, 0x23));
        assertEquals(0x1111_0000_0000_0003L, Descriptors.readOrZero(cpu, 0x18, 8));
        assertEquals(0, Descriptors.readOrZero(cpu, 0x20, 8));
        assertEquals(0x1111_0000_0000_0003L, Descriptors.readHigh(cpu, 0x10));
        gp(0x18, () -> Descriptors.readHigh(cpu, 0x18));
    }

    @Test
    void ldtSelectorsUpToTheLdtLimit() {
        assertEquals(LDT + 0x10, Descriptors.address(cpu, 0x14, 8));
        assertEquals(-1, Descriptors.address(cpu, 0x1C, 8));
        assertEquals(0x2222_0000_0000_0002L, Descriptors.read(cpu, 0x17));
        gp(0x1C, () -> Descriptors.read(cpu, 0x1F));
        cpu.ldtr.attrs &= ~Segment.P;
        assertEquals(-1, Descriptors.address(cpu, 0x04, 8));
        cpu.ldtr.set(0, LDT, 0x17, Segment.P | 2); // null LDTR
        assertEquals(-1, Descriptors.address(cpu, 0x04, 8));
    }

    @Test
    void anLdtAtLinearZeroHasADescriptorAtAddressZero() {
        cpu.ldtr.set(0x28, 0, 0x17, Segment.P | 2);
        cpu.ram.write64(0x0000, 0x00CF_9200_0000_FFFFL);
        cpu.ram.write64(0x0008, 0x5555_0000_0000_0001L);
        assertEquals(0, Descriptors.address(cpu, 0x04, 8));
        assertEquals(0x00CF_9200_0000_FFFFL, Descriptors.read(cpu, 0x04));
        assertEquals(0x00CF_9200_0000_FFFFL, Descriptors.readOrZero(cpu, 0x04, 8));
        assertEquals(0x5555_0000_0000_0001L, Descriptors.readHigh(cpu, 0x04));
        Descriptors.setAccessed(cpu, 0x04, 0x00CF_9200_0000_FFFFL);
        assertEquals(0x93, cpu.ram.read8(0x0005));
    }

    @Test
    void ia32eModeDoesNotWrapAt4Gib() {
        Cpu l = org.apboot.core.fault.TestCpus.long64(); // identity map of the first 1 GiB only
        l.gdtrBase = 0x1_0000_0000L;
        l.gdtrLimit = 0xFF;
        CpuException e = assertThrows(CpuException.class, () -> Descriptors.read(l, 0x08));
        assertEquals(Vectors.PF, e.vector, e.toString());
        assertEquals(0x1_0000_0008L, e.faultAddress);
    }

    @Test
    void addressesWrapAt4GibOutsideIa32eMode() {
        cpu.gdtrBase = 0xFFFF_FFF8L;
        cpu.ram.write64(0x0008, 0x3333_0000_0000_0001L);
        assertEquals(0x3333_0000_0000_0001L, Descriptors.read(cpu, 0x10)); // linear 0x1_0000_0008
        assertEquals(0x3333_0000_0000_0001L, Descriptors.readOrZero(cpu, 0x10, 8));
        cpu.ram.write64(0x0010, 0x4444_0000_0000_0001L);
        assertEquals(0x4444_0000_0000_0001L, Descriptors.readHigh(cpu, 0x10));
    }

    @Test
    void theAccessedBitIsSetOnlyWhenClear() {
        long d = 0x00CF_9200_0000_FFFFL; // data, accessed clear
        cpu.ram.write64(GDT + 0x10, d);
        Descriptors.setAccessed(cpu, 0x10, d);
        assertEquals(0x93, cpu.ram.read8(GDT + 0x15));
        cpu.ram.write8(GDT + 0x15, 0x92);
        Descriptors.setAccessed(cpu, 0x10, d | (1L << 40)); // the caller's copy says accessed: no write
        assertEquals(0x92, cpu.ram.read8(GDT + 0x15));
        Descriptors.setAccessed(cpu, 0x20, d); // beyond the limit: nothing written anywhere
        assertEquals(0, cpu.ram.read8(0x4));
        assertEquals(0, cpu.ram.read8(0x5));
    }

    @Test
    void busyBitOfATss() {
        cpu.ram.write64(GDT + 0x18, 0x0000_8900_0000_0067L);
        Descriptors.setBusy(cpu, 0x18);
        assertEquals(0x8B, cpu.ram.read8(GDT + 0x1D));
        Descriptors.setBusy(cpu, 0x18);
        assertEquals(0x8B, cpu.ram.read8(GDT + 0x1D));
        Descriptors.clearBusy(cpu, 0x18);
        assertEquals(0x89, cpu.ram.read8(GDT + 0x1D));
    }

    /** 4 KiB of byte-addressed device memory at 2 MiB (above the 1 MiB of RAM). */
    private static final class DeviceTable implements MmioBus {
        static final long BASE = 0x20_0000;
        final byte[] bytes = new byte[0x1000];

        @Override
        public boolean claims(int cpuIndex, long phys) {
            return phys >= BASE && phys < BASE + bytes.length;
        }

        @Override
        public long read(int cpuIndex, long phys, int size) {
            long v = 0;
            for (int i = size - 1; i >= 0; i--) {
                v = (v << 8) | (bytes[(int) (phys - BASE) + i] & 0xFF);
            }
            return v;
        }

        @Override
        public void write(int cpuIndex, long phys, int size, long value) {
            for (int i = 0; i < size; i++) {
                bytes[(int) (phys - BASE) + i] = (byte) (value >>> (8 * i));
            }
        }
    }

    @Test
    void bitsAreUpdatedInAGdtInDeviceMemory() {
        DeviceTable dev = new DeviceTable();
        cpu.mmio = dev;
        cpu.gdtrBase = DeviceTable.BASE;
        dev.bytes[0x10 + 5] = (byte) 0x92;
        dev.bytes[0x18 + 5] = (byte) 0x89;
        Descriptors.setAccessed(cpu, 0x10, 0x00CF_9200_0000_FFFFL);
        assertEquals((byte) 0x93, dev.bytes[0x15]);
        Descriptors.setBusy(cpu, 0x18);
        assertEquals((byte) 0x8B, dev.bytes[0x1D]);
        Descriptors.clearBusy(cpu, 0x18);
        assertEquals((byte) 0x89, dev.bytes[0x1D]);
    }
}
