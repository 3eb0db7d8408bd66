package org.apboot.core.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashSet;
import java.util.Set;
import org.apboot.core.mem.PhysicalMemory;
import org.junit.jupiter.api.Test;

class RealModeBlobTest {
    static final long BASE = 0x10000;

    static TrampolineSetup setup() {
        return new TrampolineSetup(0x100230, 0xd01, 0xa0, 0, 0x105063);
    }

    static byte[] res(String variant, String file) {
        return GuestImages.resource(GuestImages.folder(variant) + "/" + file);
    }

    @Test
    void defaultBlobHeaderMatchesSymbolMap() {
        RealModeBlob blob = GuestImages.trampoline("default");
        SymbolMap map = GuestImages.trampolineSymbols("default");
        assertEquals(RealModeBlob.HeaderLayout.X86_64, blob.headerLayout());
        assertEquals(map.get("trampoline_start"), blob.trampolineStartOffset());
        assertEquals(map.get("trampoline_start"), blob.textStartOffset());
        assertEquals(map.get("trampoline_header"), blob.trampolineHeaderOffset());
        assertEquals(map.get("trampoline_start64"), blob.trampolineStart64Offset());
        assertEquals(map.get("trampoline_pgd"), blob.trampolinePgdOffset());
        assertEquals(map.get("wakeup_start"), blob.headerField("wakeup_start"));
        assertEquals(map.get("wakeup_header"), blob.headerField("wakeup_header"));
        assertEquals(map.get("machine_real_restart_asm"), blob.headerField("machine_real_restart_asm"));
        assertEquals(8, blob.headerField("machine_real_restart_seg"));
        assertEquals(-1, blob.sevEsTrampolineStartOffset());
        assertTrue(blob.hasLock());
        assertEquals(map.get("tr_lock"), blob.lockOffset());
        assertEquals(blob.trampolineHeaderOffset() + 24, blob.lockOffset());
        assertTrue(blob.hasEndSignature());
        assertEquals(map.get("trampoline_header_end") - map.get("trampoline_header"), RealModeBlob.HEADER_SIZE_LOCK);
    }

    @Test
    void installRelocatesAndFillsHeader() {
        RealModeBlob blob = GuestImages.trampoline("default");
        SymbolMap map = GuestImages.trampolineSymbols("default");
        byte[] orig = blob.bytes();
        PhysicalMemory mem = new PhysicalMemory(1 << 21);
        InstalledTrampoline tr = blob.install(mem, BASE, setup());

        long ts = map.get("trampoline_start");
        assertEquals(0x11, tr.sipiVector());
        assertEquals(BASE + ts, tr.trampolineStart());
        assertEquals(BASE + map.get("trampoline_start64"), tr.trampolineStart64());
        assertEquals(BASE + map.get("trampoline_header"), tr.header());
        assertEquals(BASE + map.get("tr_lock"), tr.lock());
        assertEquals(BASE + map.get("trampoline_pgd"), tr.pgd());

        // real_mode_header now holds physical addresses; the selector stays
        String[] names = {"trampoline_start", "trampoline_start", "trampoline_header", "trampoline_start64",
            "trampoline_pgd", "wakeup_start", "wakeup_header", "machine_real_restart_asm"};
        int[] idx = {0, 2, 3, 4, 5, 6, 7, 8};
        for (int i = 0; i < idx.length; i++) {
            assertEquals(BASE + map.get(names[i]), mem.read32(BASE + 4L * idx[i]) & 0xFFFF_FFFFL, names[i]);
        }
        assertEquals(map.get("wakeup_header"), (mem.read32(BASE + 4) & 0xFFFF_FFFFL) - BASE, "ro_end: data starts there");
        assertEquals(8, mem.read32(BASE + 36));

        // cli; wbinvd; ljmpw $seg, $off: the segment is base >> 4, the offset is left blob-relative
        assertEquals(0xEA, mem.read8(BASE + ts + 3));
        assertEquals(ts + 8, mem.read16(BASE + ts + 4));
        assertEquals(BASE >> 4, mem.read16(BASE + ts + 6));

        // GDT descriptor base and the compat far pointer are linear addresses
        assertEquals(BASE + map.get("tr_gdt"), mem.read32(BASE + map.get("tr_gdt64") + 2) & 0xFFFF_FFFFL);
        assertEquals(map.get("tr_gdt_end") - map.get("tr_gdt") - 1, mem.read16(BASE + map.get("tr_gdt64")));
        assertEquals(BASE + map.get("trampoline_compat"), mem.read32(BASE + map.get("tr_compat")) & 0xFFFF_FFFFL);
        assertEquals(8, mem.read16(BASE + map.get("tr_compat") + 4));

        // 16-bit ljmpl $0x08, $startup_32 (66 EA imm32 imm16) carries the linear address
        long p = findBytes(mem, BASE + ts, BASE + map.get("verify_cpu"), 0x66, 0xEA);
        assertEquals(BASE + map.get("startup_32"), mem.read32(p + 2) & 0xFFFF_FFFFL);
        assertEquals(8, mem.read16(p + 6));

        // every relocation moved by exactly the base; all other bytes untouched
        Set<Long> touched = new HashSet<>();
        for (int off : blob.segmentRelocations()) {
            assertEquals(BASE >> 4, mem.read16(BASE + off));
            for (int k = 0; k < 2; k++) {
                touched.add((long) off + k);
            }
        }
        ByteBuffer ob = ByteBuffer.wrap(orig).order(ByteOrder.LITTLE_ENDIAN);
        for (int off : blob.linearRelocations()) {
            assertEquals(ob.getInt(off) + (int) BASE, mem.read32(BASE + off));
            for (int k = 0; k < 4; k++) {
                touched.add((long) off + k);
            }
        }
        long h = map.get("trampoline_header");
        for (long k = 0; k < 28; k++) {
            touched.add(h + k);
        }
        for (long k = 0; k < 8; k++) {
            touched.add(map.get("trampoline_pgd") + k);
        }
        for (int i = 0; i < orig.length; i++) {
            if (!touched.contains((long) i)) {
                assertEquals(orig[i] & 0xFF, mem.read8(BASE + i), "byte " + i);
            }
        }

        // trampoline_header and trampoline_pgd
        assertEquals(0x100230, mem.read64(BASE + h));
        assertEquals(0x901, mem.read64(BASE + h + 8), "EFER without LMA");
        assertEquals(0xa0, mem.read32(BASE + h + 16));
        assertEquals(0, mem.read32(BASE + h + 20));
        assertEquals(0, mem.read32(BASE + h + 24));
        assertEquals(0x105063, mem.read64(tr.pgd()));
        assertEquals(0, mem.read64(tr.pgd() + 8));
        assertEquals(0, mem.read32(BASE - 4));
        assertEquals(0, mem.read32(BASE + orig.length));
    }

    private static long findBytes(PhysicalMemory mem, long from, long to, int b0, int b1) {
        for (long a = from; a < to; a++) {
            if (mem.read8(a) == b0 && mem.read8(a + 1) == b1) {
                return a;
            }
        }
        throw new AssertionError("pattern not found");
    }

    @Test
    void variantsDifferOnlyWhereTheyShould() {
        for (String v : GuestImages.VARIANTS) {
            RealModeBlob blob = GuestImages.trampoline(v);
            SymbolMap map = GuestImages.trampolineSymbols(v);
            assertEquals(!v.equals("no-lock"), blob.hasLock(), v);
            long hdr = map.get("trampoline_header_end") - map.get("trampoline_header");
            assertEquals(v.equals("no-lock") ? 24 : 28, hdr, v);
            assertEquals(0x11000, blob.install(new PhysicalMemory(1 << 20), BASE, setup()).trampolineStart(), v);
        }
        assertEquals(-1, GuestImages.trampoline("no-lock").install(new PhysicalMemory(1 << 20), BASE, setup()).lock());
        assertTrue(GuestImages.trampoline("efer-always").linearRelocations().length
                < GuestImages.trampoline("default").linearRelocations().length);

        byte[] def = GuestImages.trampoline("default").bytes();
        byte[] ne = GuestImages.trampoline("cr0-no-ne").bytes();
        assertTrue(contains(def, 0x80050033) && !contains(def, 0x80050013));
        assertTrue(contains(ne, 0x80050013) && !contains(ne, 0x80050033));
    }

    @Test
    void idt6LeavesGarbageInTheUpperIdtBase() {
        for (String v : new String[] {"default", "idt6"}) {
            SymbolMap map = GuestImages.trampolineSymbols(v);
            PhysicalMemory mem = new PhysicalMemory(1 << 20);
            GuestImages.trampoline(v).install(mem, BASE, setup());
            long idt = BASE + map.get("tr_idt");
            long base64 = mem.read64(idt + 2);   // what a 64-bit LIDT loads as the base
            if (v.equals("default")) {
                assertEquals(0, base64);
                assertEquals(0, mem.read16(idt));
            } else {
                // the 6-byte descriptor is followed by the data selector word 0x18 and padding:
                // a 64-bit LIDT loads base 63:32 = 0x18, a canonical but non-zero IDT base
                assertEquals(map.get("tr_idt") + 10, map.get("tr_gdt64"));
                assertEquals(0x0000_0018_0000_0000L, base64);
            }
        }
    }

    private static boolean contains(byte[] a, int v) {
        ByteBuffer b = ByteBuffer.wrap(a).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i + 4 <= a.length; i++) {
            if (b.getInt(i) == v) {
                return true;
            }
        }
        return false;
    }

    @Test
    void heuristicsWithoutElfAgreeWithSymbols() {
        for (String v : GuestImages.VARIANTS) {
            RealModeBlob withElf = GuestImages.trampoline(v);
            RealModeBlob bare = RealModeBlob.parse(res(v, "realmode.bin"), res(v, "realmode.relocs"));
            assertEquals(withElf.headerLayout(), bare.headerLayout(), v);
            assertEquals(withElf.lockOffset(), bare.lockOffset(), v);
            assertEquals(0, bare.symbols().size());
            assertArrayEquals(withElf.linearRelocations(), bare.linearRelocations());
        }
    }

    static byte[] synthetic(int... fields) {
        byte[] bin = new byte[0x4000];
        ByteBuffer b = ByteBuffer.wrap(bin).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < fields.length; i++) {
            b.putInt(i * 4, fields[i]);
        }
        return bin;
    }

    static final byte[] NO_RELOCS = new byte[8];

    @Test
    void otherKernelHeaderLayoutsAreRecognised() {
        RealModeBlob sev = RealModeBlob.parse(synthetic(0x1000, 0x2000, 0x1000, 0x2000, 0x1100, 0x1200, 0x3000,
                0x1300, 0x2100, 0x1400, 0x8), NO_RELOCS);
        assertEquals(RealModeBlob.HeaderLayout.X86_64_SEV_ES, sev.headerLayout());
        assertEquals(0x1100, sev.sevEsTrampolineStartOffset());
        assertEquals(0x1200, sev.trampolineStart64Offset());
        assertEquals(0x3000, sev.trampolinePgdOffset());
        assertFalse(sev.hasLock());

        RealModeBlob noSleep = RealModeBlob.parse(synthetic(0x1000, 0x2000, 0x1000, 0x2000, 0x1200, 0x3000, 0x1400, 0x10),
                NO_RELOCS);
        assertEquals(RealModeBlob.HeaderLayout.X86_64_NO_ACPI_SLEEP, noSleep.headerLayout());
        assertEquals(0x3000, noSleep.trampolinePgdOffset());
    }

    @Test
    void lockIsFoundByCodeScan() {
        // 16-bit "lock btsl $0, disp16" of trampoline_header + 24
        byte[] bin = synthetic(0x1000, 0x2000, 0x1000, 0x2000, 0x1200, 0x3000, 0x1300, 0x1340, 0x1400, 0x8);
        byte[] code = {0x66, (byte) 0xF0, 0x0F, (byte) 0xBA, 0x2E, 0x18, 0x20, 0x00};
        System.arraycopy(code, 0, bin, 0x1010, code.length);
        RealModeBlob b = RealModeBlob.parse(bin, NO_RELOCS);
        assertTrue(b.hasLock());
        assertEquals(0x2018, b.lockOffset());
        bin[0x1011] = (byte) 0x90;   // no LOCK prefix: not the lock
        assertFalse(RealModeBlob.parse(bin, NO_RELOCS).hasLock());
    }

    // ------------------------------------------------------------------ malformed input

    static String fail(Runnable r) {
        ImageException e = assertThrows(ImageException.class, r::run);
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }

    static byte[] defaultBin() {
        return res("default", "realmode.bin");
    }

    static byte[] defaultRelocs() {
        return res("default", "realmode.relocs");
    }

    static byte[] withInt(byte[] a, int off, int v) {
        byte[] c = a.clone();
        ByteBuffer.wrap(c).order(ByteOrder.LITTLE_ENDIAN).putInt(off, v);
        return c;
    }

    static byte[] ints(int... v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int x : v) {
            b.putInt(x);
        }
        return b.array();
    }

    @Test
    void malformedBlobsGetPreciseMessages() {
        byte[] bin = defaultBin();
        byte[] rel = defaultRelocs();
        int len = bin.length;
        assertEquals("realmode/realmode.bin: empty file", fail(() -> RealModeBlob.parse(new byte[0], rel)));
        assertEquals("realmode/realmode.bin: 20 bytes is too short for a real_mode_header (at least 32)",
                fail(() -> RealModeBlob.parse(new byte[20], rel)));
        assertEquals("realmode/realmode.bin: 2097152 bytes cannot fit below 1 MiB",
                fail(() -> RealModeBlob.parse(new byte[2 << 20], rel)));
        assertEquals("realmode/realmode.bin: header field trampoline_start64 = 0x100000 lies outside the " + len + "-byte blob",
                fail(() -> RealModeBlob.parse(withInt(bin, 16, 0x100000), rel)));
        assertEquals("realmode/realmode.bin: header field trampoline_header = 0x10 points into the real_mode_header",
                fail(() -> RealModeBlob.parse(withInt(bin, 12, 0x10), rel)));
        assertEquals("realmode/realmode.bin: trampoline_start at 0x1010 is not 4 KiB aligned, no SIPI vector can reach it",
                fail(() -> RealModeBlob.parse(withInt(bin, 8, 0x1010), rel)));
        assertEquals("realmode/realmode.bin: unrecognised real_mode_header: no known x86-64 layout ends in a code selector"
                + " with a page-aligned trampoline_pgd", fail(() -> RealModeBlob.parse(withInt(bin, 36, 0x1234), rel)));
        int start64 = GuestImages.trampoline("default").trampolineStart64Offset();
        assertEquals(String.format("t/realmode.bin: header field trampoline_start64 = 0x%x disagrees with ELF symbol"
                        + " trampoline_start64 = 0x%x", start64 + 16, start64),
                fail(() -> RealModeBlob.parse("t", withInt(bin, 16, start64 + 16), rel, res("default", "realmode.elf"))));
        assertEquals("t/realmode.elf: not an ELF file",
                fail(() -> RealModeBlob.parse("t", bin, rel, new byte[64])));
        byte[] elf = res("default", "realmode.elf");
        byte[] cutElf = java.util.Arrays.copyOf(elf, 200);
        assertEquals("t/realmode.elf: section header table lies outside the file",
                fail(() -> RealModeBlob.parse("t", bin, rel, cutElf)));
    }

    @Test
    void malformedRelocationsGetPreciseMessages() {
        byte[] bin = defaultBin();
        int len = bin.length;
        String p = "realmode/realmode.relocs: ";
        assertEquals(p + "4 bytes is too short (needs at least 8: two counts)",
                fail(() -> RealModeBlob.parse(bin, new byte[4])));
        assertEquals(p + "length 10 is not a multiple of 4", fail(() -> RealModeBlob.parse(bin, new byte[10])));
        assertEquals(p + "truncated: declares 5 segment relocations, room for 1",
                fail(() -> RealModeBlob.parse(bin, ints(5, 0x1000, 0))));
        assertEquals(p + "truncated: declares 4294967295 segment relocations, room for 0",
                fail(() -> RealModeBlob.parse(bin, ints(-1, 0))));
        assertEquals(p + "truncated: declares 3 linear relocations, room for 1",
                fail(() -> RealModeBlob.parse(bin, ints(0, 3, 0x10))));
        assertEquals(p + "truncated: declares 1 segment relocations, room for 0",
                fail(() -> RealModeBlob.parse(bin, ints(1, 0x10))));
        assertEquals(p + "4 trailing bytes after the linear relocations",
                fail(() -> RealModeBlob.parse(bin, ints(0, 1, 0x10, 0x20))));
        assertEquals(p + String.format("segment relocation #1 at offset 0x%x needs 2 bytes but the blob is %d bytes", len - 1, len),
                fail(() -> RealModeBlob.parse(bin, ints(2, 0x10, len - 1, 0))));
        assertEquals(p + String.format("linear relocation #0 at offset 0x%x needs 4 bytes but the blob is %d bytes", len - 2, len),
                fail(() -> RealModeBlob.parse(bin, ints(0, 1, len - 2))));
        assertEquals(p + "linear relocation #0 at offset 0x100000 needs 4 bytes but the blob is " + len + " bytes",
                fail(() -> RealModeBlob.parse(bin, ints(0, 1, 0x100000))));
    }

    @Test
    void badInstallRequestsGetPreciseMessages() {
        RealModeBlob blob = GuestImages.trampoline("default");
        int len = blob.size();
        PhysicalMemory mem = new PhysicalMemory(1 << 20);
        assertEquals("trampoline base 0x10010 is not 4 KiB aligned", fail(() -> blob.install(mem, 0x10010, setup())));
        assertEquals("trampoline base 0x0 overlaps the real-mode IVT (below 0x1000)", fail(() -> blob.install(mem, 0, setup())));
        assertEquals(String.format("trampoline of %d bytes at 0xfe000 ends at 0x%x, above the 1 MiB real-mode limit",
                len, 0xfe000 + len), fail(() -> blob.install(mem, 0xfe000, setup())));
        assertEquals(String.format("guest RAM of 73728 bytes cannot hold the %d-byte trampoline at 0x10000", len),
                fail(() -> blob.install(new PhysicalMemory(0x12000), 0x10000, setup())));
        assertEquals("trampoline setup: EFER 0x1 lacks LME, the AP could not enter long mode",
                fail(() -> new TrampolineSetup(0x100000, 1, 0x20, 0, 0)));
        assertEquals("trampoline setup: kernel entry address is 0", fail(() -> new TrampolineSetup(0, 0x901, 0x20, 0, 0)));
        assertEquals("unknown trampoline variant 'bogus' (known: default, efer-always, cr0-no-ne, idt6, no-lock)",
                fail(() -> GuestImages.trampoline("bogus")));
    }

    @Test
    void fromDirectoryReadsKernelFileNames(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        assertTrue(fail(() -> RealModeBlob.fromDirectory(dir)).startsWith("missing "));
        java.nio.file.Files.write(dir.resolve("realmode.bin"), defaultBin());
        java.nio.file.Files.write(dir.resolve("realmode.relocs"), defaultRelocs());
        RealModeBlob bare = RealModeBlob.fromDirectory(dir);
        assertTrue(bare.hasLock());
        assertEquals(0, bare.symbols().size());
        assertEquals("LOCK BTS of trampoline_header+24 in the code", bare.lockEvidence());
        java.nio.file.Files.write(dir.resolve("realmode.elf"), res("default", "realmode.elf"));
        RealModeBlob full = RealModeBlob.fromDirectory(dir);
        assertEquals("ELF symbol tr_lock", full.lockEvidence());
        assertNotEquals(0, full.symbols().size());
    }
}
