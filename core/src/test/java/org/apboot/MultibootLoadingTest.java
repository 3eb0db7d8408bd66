package org.apboot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link X86Machine#loadMultiboot} with kernels that use the header's address fields (Multiboot
 * v1, flags bit 16): one that boots, and malformed ones refused with one line each.
 */
class MultibootLoadingTest {
    private static final int MAGIC = 0x1BADB002;
    private static final int ADDRESS_FIELDS = 1 << 16;

    /**
     * A 64-byte kernel loaded at {@code load}: the header (its address {@code load}), then at
     * offset 32: mov %ebx,%esi; mov (%esi),%ecx; mov $9,%al; out %al,$0xf4; hlt.
     */
    private static byte[] kernel(long load, long loadEnd, long bssEnd, long entry) {
        ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(MAGIC).putInt(ADDRESS_FIELDS).putInt(-(MAGIC + ADDRESS_FIELDS));
        b.putInt((int) load).putInt((int) load).putInt((int) loadEnd).putInt((int) bssEnd).putInt((int) entry);
        b.put(GuestPrograms.bytes(0x89, 0xde, 0x8b, 0x0e, 0xb0, 0x09, 0xe6, 0xf4, 0xf4));
        return b.array();
    }

    @Test
    void aKernelWithAddressFieldsBootsWithItsBssZeroed() {
        X86Machine m = X86Machine.builder().ramBytes(4 << 20).build();
        m.write(0x100040, 8, -1L); // inside the bss: the loader must zero it
        LoadedImage img = m.loadMultiboot("k", kernel(0x100000, 0x100040, 0x100100, 0x100020), "");
        assertEquals(0x100020, img.entry());
        assertEquals(List.of(new MemoryRegion("ram", "segment", 0x100000, 0x100, false)), img.segments());
        assertEquals(0, m.read(0x100040, 8));
        RunResult r = m.runVcpu(0, RunLimits.none());
        assertEquals("exit-port", r.exit());
        assertEquals(9, r.status());
        assertEquals(X86Machine.MULTIBOOT_INFO, m.vcpu(0).get("rsi")); // EBX: the boot information
        assertEquals(0x2BADB000L | 0x09, m.vcpu(0).get("rax") & 0xFFFF_FFFFL); // EAX's magic, AL set by the kernel
    }

    @Test
    void malformedKernelsAreRefusedInOneLine() {
        X86Machine m = X86Machine.builder().ramBytes(4 << 20).build();
        assertEquals("k: no Multiboot header (magic 0x1badb002 with a valid checksum) in the first 8 KiB",
                refusal(m, new byte[64]));
        assertEquals("k: Multiboot image 0x100000-0x10007f runs past the end of the file (truncated?)",
                refusal(m, kernel(0x100000, 0x100080, 0, 0x100020)));
        assertEquals("k: entry 0x200000 lies outside the loaded image 0x100000-0x10003f",
                refusal(m, kernel(0x100000, 0, 0, 0x200000)));
        assertEquals("k: the image at 0x9000-0x903f overlaps the boot information at 0x9000",
                refusal(m, kernel(0x9000, 0, 0, 0x9020)));
        assertEquals("k: segment 0x7ff000-0x7ff03f lies outside guest memory",
                refusal(m, kernel(0x7FF000, 0, 0, 0x7FF020)));
        assertEquals("k: truncated Multiboot header", refusal(m, java.util.Arrays.copyOf(kernel(0x100000, 0, 0, 0), 24)));
    }

    private static String refusal(X86Machine m, byte[] file) {
        return assertThrows(IllegalArgumentException.class, () -> m.loadMultiboot("k", file, "")).getMessage();
    }
}
