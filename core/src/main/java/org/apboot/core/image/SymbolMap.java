package org.apboot.core.image;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Symbol name to value, as linked: a physical address for the kernel and firmware images, an offset
 * from the start of the blob for a trampoline.
 */
public final class SymbolMap {
    private final String source;
    private final Map<String, Long> symbols;

    SymbolMap(String source, Map<String, Long> symbols) {
        this.source = source;
        this.symbols = Collections.unmodifiableMap(new LinkedHashMap<>(symbols));
    }

    /** An empty map, for blobs that come without symbols. */
    public static SymbolMap empty(String source) {
        return new SymbolMap(source, Map.of());
    }

    /** Parses the text map written by guest/build.sh: one {@code name hexvalue} per line. */
    public static SymbolMap parse(String source, String text) {
        Map<String, Long> map = new LinkedHashMap<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] parts = line.split("\\s+");
            if (parts.length != 2) {
                throw new ImageException(source + ":" + (i + 1) + ": expected 'name hexvalue', got '" + line + "'");
            }
            long value;
            try {
                value = Long.parseUnsignedLong(parts[1], 16);
            } catch (NumberFormatException e) {
                throw new ImageException(source + ":" + (i + 1) + ": '" + parts[1] + "' is not a hexadecimal value");
            }
            map.putIfAbsent(parts[0], value);
        }
        return new SymbolMap(source, map);
    }

    public OptionalLong find(String name) {
        Long v = symbols.get(name);
        return v == null ? OptionalLong.empty() : OptionalLong.of(v);
    }

    /** The value of {@code name}; a missing symbol is an {@link ImageException}. */
    public long get(String name) {
        Long v = symbols.get(name);
        if (v == null) {
            throw new ImageException(source + ": no symbol '" + name + "'");
        }
        return v;
    }

    public boolean contains(String name) {
        return symbols.containsKey(name);
    }

    public Map<String, Long> asMap() {
        return symbols;
    }

    public String source() {
        return source;
    }

    public int size() {
        return symbols.size();
    }
}
