package org.apboot.core.cpu;

/**
 * A segment register: the visible selector and the hidden descriptor cache loaded with it.
 *
 * <p>{@link #limit} is the effective byte-granular limit (the 20-bit limit scaled by G), so
 * limit checks never look at G again. {@link #attrs} holds the descriptor's access byte in bits
 * 0-7 (type 0-3, S 4, DPL 5-6, P 7) and the flags nibble in bits 12-15 (AVL 12, L 13, D/B 14,
 * G 15), the layout of the descriptor's bytes 5-6 and also of VMX/KVM segment access rights.
 */
public final class Segment {
    public static final int TYPE_MASK = 0xF;
    public static final int S = 1 << 4;
    public static final int DPL_SHIFT = 5;
    public static final int P = 1 << 7;
    public static final int AVL = 1 << 12;
    public static final int L = 1 << 13;
    public static final int DB = 1 << 14;
    public static final int G = 1 << 15;
    /** Type bit 3 for code/data segments: set = code. */
    public static final int TYPE_CODE = 0x8;
    /** Code: conforming; data: expand-down. */
    public static final int TYPE_CONFORMING_OR_EXPAND_DOWN = 0x4;
    /** Code: readable; data: writable. */
    public static final int TYPE_READ_OR_WRITE = 0x2;
    public static final int TYPE_ACCESSED = 0x1;

    public int selector;
    public long base;
    public long limit;
    public int attrs;

    public int dpl() {
        return (attrs >> DPL_SHIFT) & 3;
    }

    public boolean present() {
        return (attrs & P) != 0;
    }

    public boolean isCode() {
        return (attrs & S) != 0 && (attrs & TYPE_CODE) != 0;
    }

    public boolean db() {
        return (attrs & DB) != 0;
    }

    public boolean longMode() {
        return (attrs & L) != 0;
    }

    /** Loads the real-mode (or virtual-8086) form: base = selector * 16, 64 KiB limit. */
    public void loadReal(int sel) {
        selector = sel & 0xFFFF;
        base = (long) selector << 4;
        // real-mode loads keep the cached limit and attributes on real hardware; we keep the
        // attributes and limit unchanged, which is what "unreal mode" code relies on.
    }

    public void set(int sel, long base, long limit, int attrs) {
        this.selector = sel;
        this.base = base;
        this.limit = limit;
        this.attrs = attrs;
    }

    public void copyFrom(Segment o) {
        selector = o.selector;
        base = o.base;
        limit = o.limit;
        attrs = o.attrs;
    }

    @Override
    public String toString() {
        return String.format("sel=0x%04x base=0x%x limit=0x%x attrs=0x%04x", selector, base, limit, attrs);
    }
}
