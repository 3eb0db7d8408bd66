package org.apboot.core.image;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;

/**
 * A Multiboot (version 1) kernel: the header found in the first 8 KiB of the file (magic
 * 0x1BADB002, flags, checksum), loaded either through the header's address fields (flag bit 16)
 * or as an ELF executable. The loader then starts the kernel in flat 32-bit protected mode with
 * EAX = {@link #BOOT_MAGIC} and EBX = the address of the boot information it built.
 */
public final class MultibootImage {
    public static final int HEADER_MAGIC = 0x1BAD_B002;
    public static final int BOOT_MAGIC = 0x2BAD_B002;
    /** Requirement flags this loader meets: page-aligned modules (0), memory information (1), a video mode request (2, ignored). */
    private static final int UNDERSTOOD = 0x7;
    private static final int ADDRESS_FIELDS = 1 << 16;
    private static final int SEARCH = 8192;

    public final long entry;
    public final List<ElfImage.Segment> segments;
    public final Map<String, Long> symbols;

    private MultibootImage(long entry, List<ElfImage.Segment> segments, Map<String, Long> symbols) {
        this.entry = entry;
        this.segments = segments;
        this.symbols = symbols;
    }

    public static MultibootImage parse(String source, byte[] file) {
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        int at = -1;
        for (int p = 0; p + 12 <= Math.min(file.length, SEARCH); p += 4) {
            if (b.getInt(p) == HEADER_MAGIC && b.getInt(p) + b.getInt(p + 4) + b.getInt(p + 8) == 0) {
                at = p;
                break;
            }
        }
        if (at < 0) {
            throw new ImageException(source + ": no Multiboot header (magic 0x1badb002 with a valid checksum) in the first 8 KiB");
        }
        int flags = b.getInt(at + 4);
        int unknown = flags & 0xFFFF & ~UNDERSTOOD;
        if (unknown != 0) {
            throw new ImageException(String.format("%s: the Multiboot header requires features this loader lacks (flags 0x%x)",
                    source, unknown));
        }
        if ((flags & ADDRESS_FIELDS) == 0) {
            if (!ElfImage.isElf(file)) {
                throw new ImageException(source + ": a Multiboot kernel without address fields must be an ELF file");
            }
            ElfImage elf = ElfImage.parse(source, file);
            if (elf.is64) {
                throw new ImageException(source + ": a Multiboot kernel must be a 32-bit ELF file");
            }
            return new MultibootImage(elf.entry, elf.segments, elf.symbols);
        }
        if (at + 32 > file.length) {
            throw new ImageException(source + ": truncated Multiboot header");
        }
        long headerAddr = u32(b, at + 12), loadAddr = u32(b, at + 16), loadEnd = u32(b, at + 20);
        long bssEnd = u32(b, at + 24), entry = u32(b, at + 28);
        if (loadAddr > headerAddr) {
            throw new ImageException(String.format("%s: Multiboot load address 0x%x lies above the header address 0x%x",
                    source, loadAddr, headerAddr));
        }
        long fileOffset = at - (headerAddr - loadAddr);
        if (fileOffset < 0) {
            throw new ImageException(source + ": Multiboot load address lies before the start of the file");
        }
        long length = loadEnd == 0 ? file.length - fileOffset : loadEnd - loadAddr;
        if (length <= 0 || fileOffset + length > file.length) {
            throw new ImageException(String.format("%s: Multiboot image 0x%x-0x%x runs past the end of the file (truncated?)",
                    source, loadAddr, loadAddr + length - 1));
        }
        long memSize = bssEnd == 0 ? length : bssEnd - loadAddr;
        if (memSize < length) {
            throw new ImageException(String.format("%s: Multiboot bss end 0x%x lies below the load end 0x%x", source, bssEnd,
                    loadAddr + length));
        }
        if (entry < loadAddr || entry >= loadAddr + memSize) {
            throw new ImageException(String.format("%s: entry 0x%x lies outside the loaded image 0x%x-0x%x", source, entry,
                    loadAddr, loadAddr + memSize - 1));
        }
        byte[] data = new byte[(int) length];
        System.arraycopy(file, (int) fileOffset, data, 0, data.length);
        return new MultibootImage(entry, List.of(new ElfImage.Segment(loadAddr, loadAddr, data, memSize)), Map.of());
    }

    /**
     * The boot information for a machine with {@code lowRamBytes} of RAM from 0 (and the
     * {@code extra} RAM ranges, {base, size} pairs), placed at {@code at}: flags (memory,
     * command line, memory map), mem_lower/mem_upper, the command line at {@code at + 0x100}
     * and the memory map at {@code at + 0x200}. Returns the bytes to load at {@code at}.
     */
    public static byte[] bootInformation(long at, long lowRamBytes, List<long[]> extra, String cmdline) {
        byte[] cmd = (cmdline == null ? "" : cmdline).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        if (cmd.length > 0xFF) {
            throw new ImageException("Multiboot command line longer than 255 bytes");
        }
        int entries = 2 + extra.size();
        ByteBuffer b = ByteBuffer.allocate(0x200 + entries * 24).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, 1 | 1 << 2 | 1 << 6);
        b.putInt(4, (int) Math.min(640, lowRamBytes >>> 10));
        b.putInt(8, (int) Math.max(0, (lowRamBytes - 0x10_0000) >>> 10));
        b.putInt(16, (int) (at + 0x100));
        b.putInt(44, entries * 24);
        b.putInt(48, (int) (at + 0x200));
        b.position(0x100);
        b.put(cmd);
        int p = 0x200;
        p = mmapEntry(b, p, 0, Math.min(lowRamBytes, 0x9_FC00));
        p = mmapEntry(b, p, 0x10_0000, Math.max(0, lowRamBytes - 0x10_0000));
        for (long[] r : extra) {
            p = mmapEntry(b, p, r[0], r[1]);
        }
        return b.array();
    }

    private static int mmapEntry(ByteBuffer b, int p, long base, long length) {
        b.putInt(p, 20);
        b.putLong(p + 4, base);
        b.putLong(p + 12, length);
        b.putInt(p + 20, 1);
        return p + 24;
    }

    private static long u32(ByteBuffer b, int at) {
        return b.getInt(at) & 0xFFFF_FFFFL;
    }
}
