package org.apboot;

import java.util.List;
import java.util.Map;

/**
 * What a loader put into guest memory ({@link X86Machine#loadElf}, {@link X86Machine#loadMultiboot},
 * {@link X86Machine#loadRealModeBlob}).
 *
 * @param entry the entry point (a virtual address for ELF, as the file states it)
 * @param segments the loaded ranges by physical address (kind {@code ram}, named {@code segment})
 * @param symbols defined symbols by name (empty when the file has none)
 */
public record LoadedImage(long entry, List<MemoryRegion> segments, Map<String, Long> symbols) {
}
