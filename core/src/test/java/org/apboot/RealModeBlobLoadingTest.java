package org.apboot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import org.apboot.core.image.GuestImages;
import org.apboot.core.image.SymbolMap;
import org.junit.jupiter.api.Test;

/**
 * {@link X86Machine#loadRealModeBlob} with the trampoline the project builds from the kernel's
 * sources: the addresses come from the link map written next to it, the header values from
 * the arguments (EFER without LMA, as the kernel's setup_real_mode() writes it).
 */
class RealModeBlobLoadingTest {
    private static final long BASE = 0x9_0000;

    private static byte[] resource(String file) throws IOException {
        String path = "/org/apboot/guest/" + GuestImages.folder("default") + "/" + file;
        try (InputStream in = RealModeBlobLoadingTest.class.getResourceAsStream(path)) {
            return in.readAllBytes();
        }
    }

    @Test
    void theTrampolineIsRelocatedAndItsHeaderFilled() throws IOException {
        X86Machine m = X86Machine.builder().ramBytes(4 << 20).build();
        LoadedImage img = m.loadRealModeBlob("trampoline", resource("realmode.bin"), resource("realmode.relocs"), null,
                BASE, 0xFFFF_FFFF_8100_0000L, 0xD01, 0x20, 0x1003);
        SymbolMap map = GuestImages.trampolineSymbols("default");
        long header = BASE + map.get("trampoline_header");
        assertEquals(BASE + map.get("trampoline_start"), img.entry());
        assertEquals(img.entry(), img.symbols().get("trampoline_start"));
        assertEquals(BASE + map.get("trampoline_start64"), img.symbols().get("trampoline_start64"));
        assertEquals(header, img.symbols().get("trampoline_header"));
        assertEquals(BASE + map.get("trampoline_pgd"), img.symbols().get("trampoline_pgd"));
        assertEquals(BASE + map.get("tr_lock"), img.symbols().get("tr_lock"));
        assertEquals(List.of(new MemoryRegion("ram", "segment", BASE, resource("realmode.bin").length, false)),
                img.segments());
        assertEquals(0xFFFF_FFFF_8100_0000L, m.read(header, 8));
        assertEquals(0x901, m.read(header + 8, 8)); // SCE, LME, NX: LMA dropped
        assertEquals(0x20, m.read(header + 16, 4));
        assertEquals(0, m.read(header + 20, 4));
        assertEquals(0x1003, m.read(BASE + map.get("trampoline_pgd"), 8));
    }

    @Test
    void badBlobsAndBasesAreRefusedInOneLine() throws IOException {
        X86Machine m = X86Machine.builder().ramBytes(4 << 20).build();
        byte[] bin = resource("realmode.bin");
        byte[] relocs = resource("realmode.relocs");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> m.loadRealModeBlob("t", bin, relocs, null, BASE + 0x100, 1, 0x500, 0x20, 0));
        assertEquals("trampoline base 0x90100 is not 4 KiB aligned", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> m.loadRealModeBlob("t", bin, relocs, null, 0xF_F000, 1, 0x500, 0x20, 0));
        assertFalse(e.getMessage().contains("\n"));
        assertEquals(true, e.getMessage().contains("above the 1 MiB real-mode limit"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> m.loadRealModeBlob("t", new byte[0], relocs, null, BASE, 1, 0x500, 0x20, 0));
        assertEquals("t/realmode.bin: empty file", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> m.loadRealModeBlob("t", bin, relocs, null, BASE, 1, 0, 0x20, 0));
        assertEquals("trampoline setup: EFER 0x0 lacks LME, the AP could not enter long mode", e.getMessage());
    }
}
