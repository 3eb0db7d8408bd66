package org.apboot.core.image;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The committed guest images (built by guest/build.sh) on the classpath under
 * {@code /org/apboot/guest/}.
 */
public final class GuestImages {
    /** Trampoline variants by name; "default" is the correct Linux 6.5+ behaviour. */
    public static final List<String> VARIANTS = List.of("default", "efer-always", "cr0-no-ne", "idt6", "no-lock");
    private static final String ROOT = "/org/apboot/guest/";
    private static final Map<String, Object> CACHE = new ConcurrentHashMap<>();

    private GuestImages() {
    }

    /** The trampoline blob of a variant (see {@link #VARIANTS}). */
    public static RealModeBlob trampoline(String variant) {
        String dir = folder(variant);
        return (RealModeBlob) CACHE.computeIfAbsent("tr:" + dir, k -> RealModeBlob.parse(dir,
                resource(dir + "/realmode.bin"), resource(dir + "/realmode.relocs"), resource(dir + "/realmode.elf")));
    }

    /** The symbol map written next to a trampoline variant (blob offsets). */
    public static SymbolMap trampolineSymbols(String variant) {
        String dir = folder(variant);
        return (SymbolMap) CACHE.computeIfAbsent("trmap:" + dir, k -> SymbolMap.parse(dir + "/realmode.map",
                new String(resource(dir + "/realmode.map"), StandardCharsets.UTF_8)));
    }

    /** The kernel image (BSP code, AP entry stub, boot parameters, page tables), loaded at 1 MiB. */
    public static GuestImage kernel() {
        return (GuestImage) CACHE.computeIfAbsent("kernel", k -> flat("kernel", KernelLayout.KERNEL_BASE));
    }

    /** The firmware image (mailbox wake-up loop, GDT, identity page tables). */
    public static GuestImage firmware() {
        return (GuestImage) CACHE.computeIfAbsent("firmware", k -> flat("firmware", FirmwareLayout.FIRMWARE_BASE));
    }

    /** Resource folder of a variant, relative to the guest root: "trampoline" or "trampoline-NAME". */
    public static String folder(String variant) {
        if (!VARIANTS.contains(variant)) {
            throw new ImageException("unknown trampoline variant '" + variant + "' (known: " + String.join(", ", VARIANTS) + ")");
        }
        return variant.equals("default") ? "trampoline" : "trampoline-" + variant;
    }

    private static GuestImage flat(String name, long base) {
        byte[] bin = resource(name + ".bin");
        SymbolMap map = SymbolMap.parse(name + ".map", new String(resource(name + ".map"), StandardCharsets.UTF_8));
        long start = map.get(name.equals("kernel") ? "kernel_image_start" : "fw_image_start");
        if (start != base) {
            throw new ImageException(String.format("%s.bin is linked at 0x%x, expected 0x%x", name, start, base));
        }
        return new GuestImage(name, base, bin, map);
    }

    static byte[] resource(String path) {
        try (InputStream in = GuestImages.class.getResourceAsStream(ROOT + path)) {
            if (in == null) {
                throw new ImageException("guest image resource " + ROOT + path + " is missing (run guest/build.sh)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new ImageException("cannot read guest image resource " + ROOT + path + ": " + e.getMessage());
        }
    }
}
