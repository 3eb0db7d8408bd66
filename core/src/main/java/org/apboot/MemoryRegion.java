package org.apboot;

/**
 * One entry of an {@link X86Machine}'s memory map, as {@link X86Machine#memoryMap()} lists it.
 *
 * @param kind {@code ram}, {@code rom} or {@code mmio} (low RAM is {@code ram} named {@code low})
 * @param name the name given when mapped
 * @param base first physical address
 * @param size bytes
 * @param alias true when this range shows another region's contents
 */
public record MemoryRegion(String kind, String name, long base, long size, boolean alias) {
    @Override
    public String toString() {
        return String.format("%s %s 0x%x-0x%x%s", kind, name, base, base + size - 1, alias ? " (alias)" : "");
    }
}
