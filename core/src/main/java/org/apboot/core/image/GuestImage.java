package org.apboot.core.image;

import org.apboot.core.mem.PhysicalMemory;

/** A flat guest image linked at a fixed physical address, with its symbol map. */
public final class GuestImage {
    private final String name;
    private final long loadAddress;
    private final byte[] bytes;
    private final SymbolMap symbols;

    public GuestImage(String name, long loadAddress, byte[] bytes, SymbolMap symbols) {
        this.name = name;
        this.loadAddress = loadAddress;
        this.bytes = bytes.clone();
        this.symbols = symbols;
    }

    public String name() {
        return name;
    }

    public long loadAddress() {
        return loadAddress;
    }

    public int size() {
        return bytes.length;
    }

    public byte[] bytes() {
        return bytes.clone();
    }

    public SymbolMap symbols() {
        return symbols;
    }

    /** Physical address of a symbol. */
    public long symbol(String name) {
        return symbols.get(name);
    }

    /** Copies the image to its load address. */
    public void load(PhysicalMemory mem) {
        if (!mem.contains(loadAddress, bytes.length)) {
            throw new ImageException(String.format("guest RAM of %d bytes cannot hold %s (%d bytes at 0x%x)",
                    mem.size(), name, bytes.length, loadAddress));
        }
        mem.load(loadAddress, bytes);
    }
}
