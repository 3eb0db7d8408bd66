package org.apboot.core.image;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** Reads the symbol table of a little-endian ELF32 or ELF64 file (defined symbols only). */
final class ElfSymbols {
    private static final int SHT_SYMTAB = 2;
    private static final int STT_SECTION = 3;
    private static final int STT_FILE = 4;

    private ElfSymbols() {
    }

    static SymbolMap read(String source, byte[] elf) {
        boolean is64 = ElfImage.checkHeader(source, elf);
        ByteBuffer b = ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN);
        long shoff = is64 ? b.getLong(0x28) : b.getInt(0x20) & 0xFFFF_FFFFL;
        int shentsize = b.getShort(is64 ? 0x3A : 0x2E) & 0xFFFF;
        int shnum = b.getShort(is64 ? 0x3C : 0x30) & 0xFFFF;
        int minEnt = is64 ? 64 : 40;
        if (shnum == 0) {
            throw new ImageException(source + ": has no section headers");
        }
        if (shentsize < minEnt || shoff < 0 || shoff + (long) shnum * shentsize > elf.length) {
            throw new ImageException(source + ": section header table lies outside the file");
        }
        for (int i = 0; i < shnum; i++) {
            int sh = (int) (shoff + (long) i * shentsize);
            if (b.getInt(sh + 4) != SHT_SYMTAB) {
                continue;
            }
            long off = is64 ? b.getLong(sh + 24) : b.getInt(sh + 16) & 0xFFFF_FFFFL;
            long size = is64 ? b.getLong(sh + 32) : b.getInt(sh + 20) & 0xFFFF_FFFFL;
            int link = b.getInt(sh + (is64 ? 40 : 24));
            int entsize = is64 ? 24 : 16;
            if (off < 0 || size < 0 || off + size > elf.length) {
                throw new ImageException(source + ": symbol table lies outside the file");
            }
            if (link <= 0 || link >= shnum) {
                throw new ImageException(source + ": symbol table names a missing string table");
            }
            int strsh = (int) (shoff + (long) link * shentsize);
            long stroff = is64 ? b.getLong(strsh + 24) : b.getInt(strsh + 16) & 0xFFFF_FFFFL;
            long strsize = is64 ? b.getLong(strsh + 32) : b.getInt(strsh + 20) & 0xFFFF_FFFFL;
            if (stroff < 0 || strsize < 0 || stroff + strsize > elf.length) {
                throw new ImageException(source + ": string table lies outside the file");
            }
            Map<String, Long> map = new LinkedHashMap<>();
            for (long p = off; p + entsize <= off + size; p += entsize) {
                int s = (int) p;
                long name = b.getInt(s) & 0xFFFF_FFFFL;
                int info = elf[s + (is64 ? 4 : 12)] & 0xFF;
                int shndx = b.getShort(s + (is64 ? 6 : 14)) & 0xFFFF;
                long value = is64 ? b.getLong(s + 8) : b.getInt(s + 4) & 0xFFFF_FFFFL;
                int type = info & 0xF;
                if (shndx == 0 || name == 0 || type == STT_SECTION || type == STT_FILE) {
                    continue;
                }
                if (name >= strsize) {
                    throw new ImageException(source + ": symbol name offset " + name + " lies outside the string table");
                }
                int start = (int) (stroff + name);
                int end = start;
                while (end < stroff + strsize && elf[end] != 0) {
                    end++;
                }
                String n = new String(elf, start, end - start, StandardCharsets.UTF_8);
                // a global definition wins over a local one of the same name
                boolean global = (info >> 4) != 0;
                if (global || !map.containsKey(n)) {
                    map.put(n, value);
                }
            }
            return new SymbolMap(source, map);
        }
        throw new ImageException(source + ": has no symbol table");
    }
}
