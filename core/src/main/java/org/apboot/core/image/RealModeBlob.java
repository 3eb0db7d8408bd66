package org.apboot.core.image;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import org.apboot.core.mem.PhysicalMemory;

/**
 * A trampoline blob in the format of the kernel's {@code realmode.bin} + {@code realmode.relocs}
 * (optionally with {@code realmode.elf} for symbols), validated on construction.
 *
 * <p><b>Header layout.</b> The blob starts with a real_mode_header of u32 fields. Their number depends
 * on the kernel configuration; this class knows the four x86-64 variants:
 * <pre>
 *   text_start, ro_end, trampoline_start, trampoline_header, [sev_es_trampoline_start],
 *   trampoline_start64, trampoline_pgd, [wakeup_start, wakeup_header],
 *   machine_real_restart_asm, machine_real_restart_seg
 * </pre>
 * With ELF symbols the variant follows from the presence of {@code sev_es_trampoline_start} and
 * {@code wakeup_start}, and the header fields are cross-checked against the symbols. Without them a
 * variant fits when its last field is a GDT code selector (non-zero, multiple of 8, below 0x100 and
 * below text_start, unlike every other field which is an offset into the blob) and its
 * trampoline_pgd field is a non-zero multiple of 4 KiB. The first fitting variant in the order
 * {@link HeaderLayout#values()} wins.
 *
 * <p><b>Lock.</b> Parallel bring-up (Linux 6.5+) serialises APs on {@code tr_lock}, the u32 after
 * start/efer/cr4/flags in trampoline_header. With ELF symbols the blob has the lock iff it defines
 * {@code tr_lock}. Without them the code between text_start and ro_end is scanned for a LOCK BTS of
 * trampoline_header + 24 (16-bit form {@code F0 [66] 0F BA 2E disp16 00} or 32-bit form
 * {@code F0 0F BA 2D disp32 00}); found means lock present.
 */
public final class RealModeBlob {
    /** Everything of the blob must lie below this (real-mode reach). */
    public static final long REAL_MODE_LIMIT = 0x10_0000;
    /** Lowest base: the page at 0 holds the real-mode IVT and BIOS data. */
    public static final long MIN_BASE = 0x1000;
    /** The kernel's marker at the very end of realmode.bin (not required). */
    public static final int END_SIGNATURE = 0x65a2_2c82;
    /** trampoline_header without the lock word: start u64, efer u64, cr4 u32, flags u32. */
    public static final int HEADER_SIZE_NO_LOCK = 24;
    public static final int HEADER_SIZE_LOCK = 28;
    public static final int PAGE = 4096;

    /** The real_mode_header variants of x86-64 kernels, by configuration. */
    public enum HeaderLayout {
        /** ACPI sleep support, no SEV-ES (our own blobs). */
        X86_64(false, true),
        /** ACPI sleep support and CONFIG_AMD_MEM_ENCRYPT. */
        X86_64_SEV_ES(true, true),
        X86_64_NO_ACPI_SLEEP(false, false),
        X86_64_SEV_ES_NO_ACPI_SLEEP(true, false);

        private final boolean sevEs;
        private final boolean wakeup;
        private final List<String> fields;

        HeaderLayout(boolean sevEs, boolean wakeup) {
            this.sevEs = sevEs;
            this.wakeup = wakeup;
            List<String> f = new java.util.ArrayList<>(List.of("text_start", "ro_end", "trampoline_start", "trampoline_header"));
            if (sevEs) {
                f.add("sev_es_trampoline_start");
            }
            f.add("trampoline_start64");
            f.add("trampoline_pgd");
            if (wakeup) {
                f.add("wakeup_start");
                f.add("wakeup_header");
            }
            f.add("machine_real_restart_asm");
            f.add("machine_real_restart_seg");
            this.fields = List.copyOf(f);
        }

        public List<String> fields() {
            return fields;
        }

        public int size() {
            return fields.size() * 4;
        }

        public boolean hasSevEs() {
            return sevEs;
        }

        public boolean hasWakeup() {
            return wakeup;
        }

        int index(String field) {
            return fields.indexOf(field);
        }
    }

    private final String name;
    private final byte[] image;
    private final int[] segmentRelocs;
    private final int[] linearRelocs;
    private final SymbolMap symbols;
    private final HeaderLayout layout;
    private final int[] fields;
    private final int lockOffset;
    private final String lockEvidence;

    private RealModeBlob(String name, byte[] image, int[] seg, int[] lin, SymbolMap symbols, HeaderLayout layout,
                         int[] fields, int lockOffset, String lockEvidence) {
        this.name = name;
        this.image = image;
        this.segmentRelocs = seg;
        this.linearRelocs = lin;
        this.symbols = symbols;
        this.layout = layout;
        this.fields = fields;
        this.lockOffset = lockOffset;
        this.lockEvidence = lockEvidence;
    }

    /** Reads realmode.bin, realmode.relocs and, if present, realmode.elf from {@code dir}. */
    public static RealModeBlob fromDirectory(Path dir) {
        byte[] bin = readFile(dir.resolve("realmode.bin"), true);
        byte[] relocs = readFile(dir.resolve("realmode.relocs"), true);
        byte[] elf = readFile(dir.resolve("realmode.elf"), false);
        return parse(dir.toString(), bin, relocs, elf);
    }

    private static byte[] readFile(Path p, boolean required) {
        try {
            return Files.readAllBytes(p);
        } catch (NoSuchFileException e) {
            if (required) {
                throw new ImageException("missing " + p);
            }
            return null;
        } catch (IOException e) {
            throw new ImageException("cannot read " + p + ": " + e.getMessage());
        }
    }

    /** Parses a blob without symbols; the header layout and lock are found heuristically. */
    public static RealModeBlob parse(byte[] bin, byte[] relocs) {
        return parse("realmode", bin, relocs, null);
    }

    /**
     * Parses and validates a blob. {@code name} prefixes messages; {@code elf} may be null.
     */
    public static RealModeBlob parse(String name, byte[] bin, byte[] relocs, byte[] elf) {
        String binName = name + "/realmode.bin";
        String relName = name + "/realmode.relocs";
        if (bin == null || bin.length == 0) {
            throw new ImageException(binName + ": empty file");
        }
        if (relocs == null) {
            throw new ImageException(relName + ": missing");
        }
        if (bin.length > REAL_MODE_LIMIT - MIN_BASE) {
            throw new ImageException(String.format("%s: %d bytes cannot fit below 1 MiB", binName, bin.length));
        }
        SymbolMap syms = elf == null ? SymbolMap.empty(name) : ElfSymbols.read(name + "/realmode.elf", elf);
        int minHeader = HeaderLayout.X86_64_NO_ACPI_SLEEP.size();
        if (bin.length < minHeader) {
            throw new ImageException(String.format("%s: %d bytes is too short for a real_mode_header (at least %d)",
                    binName, bin.length, minHeader));
        }
        ByteBuffer b = ByteBuffer.wrap(bin).order(ByteOrder.LITTLE_ENDIAN);

        HeaderLayout layout = syms.contains("trampoline_start64") ? layoutFromSymbols(syms) : guessLayout(binName, b);
        if (bin.length < layout.size()) {
            throw new ImageException(String.format("%s: %d bytes is too short for a %d-field real_mode_header",
                    binName, bin.length, layout.fields().size()));
        }
        int[] f = new int[layout.fields().size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = b.getInt(i * 4);
        }
        for (int i = 0; i < f.length - 1; i++) {   // the last field is a selector
            String field = layout.fields().get(i);
            long v = f[i] & 0xFFFF_FFFFL;
            long limit = field.equals("ro_end") ? bin.length : bin.length - 1L;
            if (v > limit) {
                throw new ImageException(String.format("%s: header field %s = 0x%x lies outside the %d-byte blob",
                        binName, field, v, bin.length));
            }
            if (v < layout.size() && !field.equals("text_start")) {
                throw new ImageException(String.format("%s: header field %s = 0x%x points into the real_mode_header",
                        binName, field, v));
            }
            OptionalLong sym = syms.find(field);
            if (elf != null && sym.isPresent() && sym.getAsLong() != v && !field.equals("text_start") && !field.equals("ro_end")) {
                throw new ImageException(String.format("%s: header field %s = 0x%x disagrees with ELF symbol %s = 0x%x",
                        binName, field, v, field, sym.getAsLong()));
            }
        }
        int start = f[layout.index("trampoline_start")];
        int header = f[layout.index("trampoline_header")];
        int pgd = f[layout.index("trampoline_pgd")];
        if (start % PAGE != 0) {
            throw new ImageException(String.format("%s: trampoline_start at 0x%x is not 4 KiB aligned, no SIPI vector can reach it",
                    binName, start));
        }
        if (pgd % PAGE != 0) {
            throw new ImageException(String.format("%s: trampoline_pgd at 0x%x is not 4 KiB aligned", binName, pgd));
        }
        if ((long) pgd + PAGE > bin.length) {
            throw new ImageException(String.format("%s: trampoline_pgd at 0x%x needs 4096 bytes but the blob ends at 0x%x",
                    binName, pgd, bin.length));
        }
        if (header % 4 != 0) {
            throw new ImageException(String.format("%s: trampoline_header at 0x%x is not 4-byte aligned", binName, header));
        }
        if ((long) header + HEADER_SIZE_NO_LOCK > bin.length) {
            throw new ImageException(String.format("%s: trampoline_header at 0x%x needs %d bytes but the blob ends at 0x%x",
                    binName, header, HEADER_SIZE_NO_LOCK, bin.length));
        }

        int lock;
        String evidence;
        if (elf != null) {
            OptionalLong l = syms.find("tr_lock");
            lock = l.isPresent() ? (int) l.getAsLong() : -1;
            evidence = l.isPresent() ? "ELF symbol tr_lock" : "no ELF symbol tr_lock";
            if (lock >= 0 && lock != header + HEADER_SIZE_NO_LOCK) {
                throw new ImageException(String.format("%s: tr_lock at 0x%x is not the word after trampoline_header.flags (0x%x)",
                        binName, lock, header + HEADER_SIZE_NO_LOCK));
            }
        } else {
            lock = scanForLock(bin, f[layout.index("text_start")], f[layout.index("ro_end")], header + HEADER_SIZE_NO_LOCK);
            evidence = lock >= 0 ? "LOCK BTS of trampoline_header+24 in the code" : "no LOCK BTS of trampoline_header+24 in the code";
        }
        if (lock >= 0 && (long) lock + 4 > bin.length) {
            throw new ImageException(String.format("%s: tr_lock at 0x%x lies outside the %d-byte blob", binName, lock, bin.length));
        }

        int[][] rel = parseRelocs(relName, relocs, bin.length);
        return new RealModeBlob(name, bin.clone(), rel[0], rel[1], syms, layout, f, lock, evidence);
    }

    private static HeaderLayout layoutFromSymbols(SymbolMap syms) {
        boolean sev = syms.contains("sev_es_trampoline_start");
        boolean wake = syms.contains("wakeup_start");
        for (HeaderLayout l : HeaderLayout.values()) {
            if (l.hasSevEs() == sev && l.hasWakeup() == wake) {
                return l;
            }
        }
        throw new AssertionError();
    }

    private static HeaderLayout guessLayout(String binName, ByteBuffer b) {
        int len = b.capacity();
        long textStart = b.getInt(0) & 0xFFFF_FFFFL;
        for (HeaderLayout l : HeaderLayout.values()) {
            if (len < l.size()) {
                continue;
            }
            long seg = b.getInt(l.size() - 4) & 0xFFFF_FFFFL;
            long pgd = b.getInt(l.index("trampoline_pgd") * 4) & 0xFFFF_FFFFL;
            boolean selector = seg != 0 && seg % 8 == 0 && seg < 0x100 && seg < textStart;
            if (selector && pgd != 0 && pgd % PAGE == 0) {
                return l;
            }
        }
        throw new ImageException(binName + ": unrecognised real_mode_header: no known x86-64 layout ends in a code selector"
                + " with a page-aligned trampoline_pgd");
    }

    private static int scanForLock(byte[] bin, int from, int to, int lockOff) {
        int end = Math.min(to, bin.length);
        for (int i = Math.max(from, 0); i + 5 < end; i++) {
            if ((bin[i] & 0xFF) != 0x0F || (bin[i + 1] & 0xFF) != 0xBA) {
                continue;
            }
            boolean locked = (i >= 1 && (bin[i - 1] & 0xFF) == 0xF0) || (i >= 2 && (bin[i - 2] & 0xFF) == 0xF0);
            if (!locked) {
                continue;
            }
            int modrm = bin[i + 2] & 0xFF;
            if (modrm == 0x2E && i + 5 < end) {             // 16-bit addressing: disp16, /5 = BTS
                int disp = (bin[i + 3] & 0xFF) | (bin[i + 4] & 0xFF) << 8;
                if (disp == lockOff && bin[i + 5] == 0) {
                    return lockOff;
                }
            } else if (modrm == 0x2D && i + 7 < end) {      // 32-bit addressing: disp32
                int disp = ByteBuffer.wrap(bin, i + 3, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
                if (disp == lockOff && bin[i + 7] == 0) {
                    return lockOff;
                }
            }
        }
        return -1;
    }

    private static int[][] parseRelocs(String relName, byte[] r, int blobLen) {
        if (r.length < 8) {
            throw new ImageException(String.format("%s: %d bytes is too short (needs at least 8: two counts)", relName, r.length));
        }
        if (r.length % 4 != 0) {
            throw new ImageException(String.format("%s: length %d is not a multiple of 4", relName, r.length));
        }
        ByteBuffer b = ByteBuffer.wrap(r).order(ByteOrder.LITTLE_ENDIAN);
        int pos = 0;
        int[][] out = new int[2][];
        String[] kinds = {"segment", "linear"};
        int[] width = {2, 4};
        for (int k = 0; k < 2; k++) {
            if (pos + 4 > r.length) {
                throw new ImageException(String.format("%s: truncated: the %s relocation count is missing", relName, kinds[k]));
            }
            long count = b.getInt(pos) & 0xFFFF_FFFFL;
            pos += 4;
            long room = (r.length - pos) / 4 - (k == 0 ? 1 : 0);
            if (count > room) {
                throw new ImageException(String.format("%s: truncated: declares %d %s relocations, room for %d",
                        relName, count, kinds[k], Math.max(room, 0)));
            }
            int[] offs = new int[(int) count];
            for (int i = 0; i < count; i++) {
                long off = b.getInt(pos) & 0xFFFF_FFFFL;
                pos += 4;
                if (off + width[k] > blobLen) {
                    throw new ImageException(String.format(
                            "%s: %s relocation #%d at offset 0x%x needs %d bytes but the blob is %d bytes",
                            relName, kinds[k], i, off, width[k], blobLen));
                }
                offs[i] = (int) off;
            }
            out[k] = offs;
        }
        if (pos != r.length) {
            throw new ImageException(String.format("%s: %d trailing bytes after the linear relocations", relName, r.length - pos));
        }
        return out;
    }

    /**
     * Copies the blob to {@code base}, applies both relocation kinds and fills trampoline_header and
     * trampoline_pgd entry 0, as the kernel's setup_real_mode() does.
     */
    public InstalledTrampoline install(PhysicalMemory mem, long base, TrampolineSetup setup) {
        if (base % PAGE != 0) {
            throw new ImageException(String.format("trampoline base 0x%x is not 4 KiB aligned", base));
        }
        if (base < MIN_BASE) {
            throw new ImageException(String.format("trampoline base 0x%x overlaps the real-mode IVT (below 0x%x)", base, MIN_BASE));
        }
        if (base + image.length > REAL_MODE_LIMIT) {
            throw new ImageException(String.format(
                    "trampoline of %d bytes at 0x%x ends at 0x%x, above the 1 MiB real-mode limit",
                    image.length, base, base + image.length));
        }
        if (!mem.contains(base, image.length)) {
            throw new ImageException(String.format("guest RAM of %d bytes cannot hold the %d-byte trampoline at 0x%x",
                    mem.size(), image.length, base));
        }
        mem.load(base, image);
        int seg = (int) (base >> 4);
        for (int off : segmentRelocs) {
            mem.write16(base + off, seg);
        }
        for (int off : linearRelocs) {
            mem.write32(base + off, mem.read32(base + off) + (int) base);
        }
        long h = base + trampolineHeaderOffset();
        mem.write64(h, setup.kernelEntry());
        mem.write64(h + 8, setup.efer() & ~KernelLayout.EFER_LMA);
        mem.write32(h + 16, (int) setup.cr4());
        mem.write32(h + 20, setup.flags());
        if (hasLock()) {
            mem.write32(base + lockOffset, 0);
        }
        long pgd = base + trampolinePgdOffset();
        mem.write64(pgd, setup.pgdEntry0());
        long start = base + trampolineStartOffset();
        return new InstalledTrampoline(base, image.length, (int) (start >> 12), start,
                base + trampolineStart64Offset(), h, hasLock() ? base + lockOffset : -1, pgd);
    }

    // ------------------------------------------------------------------ accessors

    public String name() {
        return name;
    }

    public int size() {
        return image.length;
    }

    public byte[] bytes() {
        return image.clone();
    }

    public HeaderLayout headerLayout() {
        return layout;
    }

    /** The raw (unrelocated) value of a header field by its kernel name, e.g. "trampoline_pgd". */
    public long headerField(String field) {
        int i = layout.index(field);
        if (i < 0) {
            throw new ImageException(name + ": real_mode_header layout " + layout + " has no field " + field);
        }
        return fields[i] & 0xFFFF_FFFFL;
    }

    public int textStartOffset() {
        return (int) headerField("text_start");
    }

    public int roEndOffset() {
        return (int) headerField("ro_end");
    }

    public int trampolineStartOffset() {
        return (int) headerField("trampoline_start");
    }

    public int trampolineHeaderOffset() {
        return (int) headerField("trampoline_header");
    }

    public int trampolineStart64Offset() {
        return (int) headerField("trampoline_start64");
    }

    public int trampolinePgdOffset() {
        return (int) headerField("trampoline_pgd");
    }

    /** sev_es_trampoline_start, or -1 when the layout has no such field. */
    public int sevEsTrampolineStartOffset() {
        return layout.hasSevEs() ? (int) headerField("sev_es_trampoline_start") : -1;
    }

    public boolean hasLock() {
        return lockOffset >= 0;
    }

    /** Offset of tr_lock, or -1. */
    public int lockOffset() {
        return lockOffset;
    }

    /** Why {@link #hasLock()} says what it says (for reports). */
    public String lockEvidence() {
        return lockEvidence;
    }

    /** True if the blob ends with the kernel's end signature. */
    public boolean hasEndSignature() {
        return image.length >= 4
                && ByteBuffer.wrap(image, image.length - 4, 4).order(ByteOrder.LITTLE_ENDIAN).getInt() == END_SIGNATURE;
    }

    public int[] segmentRelocations() {
        return segmentRelocs.clone();
    }

    public int[] linearRelocations() {
        return linearRelocs.clone();
    }

    /** ELF symbols (blob offsets); empty when the blob came without realmode.elf. */
    public SymbolMap symbols() {
        return symbols;
    }

    @Override
    public String toString() {
        return String.format("%s: %d bytes, %s header, %d segment + %d linear relocations, %s",
                name, image.length, layout, segmentRelocs.length, linearRelocs.length,
                hasLock() ? "tr_lock at 0x" + Integer.toHexString(lockOffset) : "no tr_lock");
    }
}
