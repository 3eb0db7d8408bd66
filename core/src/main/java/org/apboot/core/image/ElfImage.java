package org.apboot.core.image;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A little-endian x86 ELF32 or ELF64 executable as a loader sees it: its loadable segments
 * (placed at their physical addresses, {@code p_paddr}, with the part beyond the file bytes
 * zeroed), its entry point and its symbols. Every offset and size is checked against the file,
 * and segments may not overlap; a malformed file gives an {@link ImageException} of one line.
 */
public final class ElfImage {
    private static final int PT_LOAD = 1;

    /** One loadable segment: {@code data} goes to {@code physical}, zeros up to {@code memSize}. */
    public record Segment(long physical, long virtual, byte[] data, long memSize) {
    }

    public final boolean is64;
    public final long entry;
    public final List<Segment> segments;
    /** Defined symbols by name (empty for a stripped file). */
    public final Map<String, Long> symbols;

    private ElfImage(boolean is64, long entry, List<Segment> segments, Map<String, Long> symbols) {
        this.is64 = is64;
        this.entry = entry;
        this.segments = segments;
        this.symbols = symbols;
    }

    /** True when {@code bytes} start with the ELF magic. */
    public static boolean isElf(byte[] bytes) {
        return bytes.length >= 4 && bytes[0] == 0x7f && bytes[1] == 'E' && bytes[2] == 'L' && bytes[3] == 'F';
    }

    /**
     * Checks the identification and size of an ELF header (little-endian, 32- or 64-bit) and
     * says whether it is 64-bit; anything else is an {@link ImageException} naming {@code source}.
     */
    static boolean checkHeader(String source, byte[] elf) {
        if (!isElf(elf)) {
            throw new ImageException(source + ": not an ELF file");
        }
        if (elf.length < 52) {
            throw new ImageException(source + ": truncated ELF header (" + elf.length + " bytes)");
        }
        int cls = elf[4];
        if (cls != 1 && cls != 2) {
            throw new ImageException(source + ": unknown ELF class " + cls);
        }
        if (elf[5] != 1) {
            throw new ImageException(source + ": not a little-endian ELF file");
        }
        boolean is64 = cls == 2;
        if (is64 && elf.length < 64) {
            throw new ImageException(source + ": truncated ELF header (" + elf.length + " bytes)");
        }
        return is64;
    }

    public static ElfImage parse(String source, byte[] elf) {
        boolean is64 = checkHeader(source, elf);
        ByteBuffer b = ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN);
        int machine = b.getShort(0x12) & 0xFFFF;
        if (machine != (is64 ? 62 : 3)) {
            throw new ImageException(source + ": not an x86 " + (is64 ? "x86-64" : "i386") + " ELF file (machine " + machine + ")");
        }
        int type = b.getShort(0x10) & 0xFFFF;
        if (type != 2) {
            throw new ImageException(source + ": not an executable ELF file (type " + type + ")");
        }
        long entry = is64 ? b.getLong(0x18) : u32(b, 0x18);
        long phoff = is64 ? b.getLong(0x20) : u32(b, 0x1C);
        int phentsize = b.getShort(is64 ? 0x36 : 0x2A) & 0xFFFF;
        int phnum = b.getShort(is64 ? 0x38 : 0x2C) & 0xFFFF;
        if (phnum == 0) {
            throw new ImageException(source + ": has no program headers");
        }
        if (phentsize < (is64 ? 56 : 32) || phoff < 0 || phoff + (long) phnum * phentsize > elf.length) {
            throw new ImageException(source + ": program header table lies outside the file (truncated?)");
        }
        List<Segment> segs = new ArrayList<>();
        for (int i = 0; i < phnum; i++) {
            int ph = (int) (phoff + (long) i * phentsize);
            if (b.getInt(ph) != PT_LOAD) {
                continue;
            }
            long off = is64 ? b.getLong(ph + 8) : u32(b, ph + 4);
            long vaddr = is64 ? b.getLong(ph + 16) : u32(b, ph + 8);
            long paddr = is64 ? b.getLong(ph + 24) : u32(b, ph + 12);
            long filesz = is64 ? b.getLong(ph + 32) : u32(b, ph + 16);
            long memsz = is64 ? b.getLong(ph + 40) : u32(b, ph + 20);
            if (off < 0 || filesz < 0 || off + filesz > elf.length) {
                throw new ImageException(String.format("%s: segment %d (file bytes 0x%x+0x%x) runs past the end of the file (truncated?)",
                        source, i, off, filesz));
            }
            if (memsz < filesz || memsz < 0 || paddr < 0 || paddr + memsz < paddr) {
                throw new ImageException(String.format("%s: segment %d has memory size 0x%x below its file size 0x%x",
                        source, i, memsz, filesz));
            }
            if (memsz == 0) {
                continue;
            }
            for (Segment s : segs) {
                if (paddr < s.physical + s.memSize && s.physical < paddr + memsz) {
                    throw new ImageException(String.format("%s: segment %d (0x%x-0x%x) overlaps the segment at 0x%x-0x%x",
                            source, i, paddr, paddr + memsz - 1, s.physical, s.physical + s.memSize - 1));
                }
            }
            byte[] data = new byte[(int) filesz];
            System.arraycopy(elf, (int) off, data, 0, data.length);
            segs.add(new Segment(paddr, vaddr, data, memsz));
        }
        if (segs.isEmpty()) {
            throw new ImageException(source + ": has no loadable segment");
        }
        boolean entryInside = false;
        for (Segment s : segs) {
            entryInside |= entry >= s.virtual && entry - s.virtual < s.memSize;
        }
        if (!entryInside) {
            throw new ImageException(String.format("%s: entry 0x%x lies outside every loadable segment", source, entry));
        }
        Map<String, Long> symbols = Map.of();
        int shnum = b.getShort(is64 ? 0x3C : 0x30) & 0xFFFF;
        if (shnum > 0 && hasSymtab(b, elf, is64, shnum)) {
            symbols = ElfSymbols.read(source, elf).asMap();
        }
        return new ElfImage(is64, entry, List.copyOf(segs), symbols);
    }

    private static boolean hasSymtab(ByteBuffer b, byte[] elf, boolean is64, int shnum) {
        long shoff = is64 ? b.getLong(0x28) : u32(b, 0x20);
        int shentsize = b.getShort(is64 ? 0x3A : 0x2E) & 0xFFFF;
        if (shoff <= 0 || shentsize < (is64 ? 64 : 40) || shoff + (long) shnum * shentsize > elf.length) {
            return false; // stripped or sections cut off: no symbols, the segments still load
        }
        for (int i = 0; i < shnum; i++) {
            if (b.getInt((int) (shoff + (long) i * shentsize) + 4) == 2) {
                return true;
            }
        }
        return false;
    }

    private static long u32(ByteBuffer b, int at) {
        return b.getInt(at) & 0xFFFF_FFFFL;
    }
}
