package org.apboot.core.mem;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The physical address space beyond the machine's low RAM: RAM, ROM and device (MMIO) regions
 * anywhere, and aliases (one region's contents visible at a second address). Every vCPU reaches
 * it as its {@link MmioBus}: guest accesses inside low RAM never get here (they take
 * {@link PhysicalMemory}'s fast path), accesses outside it look the region up in a sorted table,
 * after the local APIC page, which wins. A region costs its own size, wherever it lies.
 *
 * <p>ROM inside low RAM (a firmware ROM's alias at 0xF0000) is shadowed: its bytes are copied
 * into low RAM, where code runs as fast as any other, and a guest store there is undone right
 * after it completes, on the storing thread (its lines are watched), so the storing vCPU never
 * reads its own store back; another vCPU reading the same bytes at that very moment could.
 * RAM and device regions may not overlap low RAM.
 *
 * <p>Code in RAM and ROM regions is cached like code in low RAM ({@link #codeRegion}): a region's
 * bytes change only through its store (a guest store, a host write or load, a restored
 * snapshot), whose watched-line notification the map turns into guest physical addresses, one
 * for each address the bytes are mapped at, for the caches ({@link #addCodeListener}). Device
 * regions are never cached.
 *
 * <p>Call order: build the machine, {@link #map} regions and {@link #alias} them, load contents
 * with {@link #write(long, byte[], int, int)}, then run. Mapping while vCPUs run is not
 * supported. Page tables in regions outside low RAM are read, but their accessed and dirty bits
 * are not set.
 */
public final class MemoryMap implements MmioBus, PhysicalMemory.WriteListener {
    /** Highest physical address + 1 a region may reach (52-bit physical addresses). */
    public static final long PHYS_LIMIT = 1L << 52;

    /** A device behind an MMIO region: offsets are from the region's start. */
    public interface Device {
        long read(long offset, int size);

        void write(long offset, int size, long value);
    }

    /** What a region is. */
    public enum Kind { RAM, ROM, MMIO }

    /**
     * One mapped range: {@code size} bytes at {@code base}, backed by {@code store} from
     * {@code storeOffset} (RAM and ROM; an alias of low RAM has low RAM as its store), or by
     * {@code device} (MMIO).
     */
    public static final class Region {
        public final String name;
        public final Kind kind;
        public final long base;
        public final long size;
        final PhysicalMemory store;
        final long storeOffset;
        final Device device;
        /** The region this one aliases, or null. */
        public final Region aliasOf;

        Region(String name, Kind kind, long base, long size, PhysicalMemory store, long storeOffset, Device device,
               Region aliasOf) {
            this.name = name;
            this.kind = kind;
            this.base = base;
            this.size = size;
            this.store = store;
            this.storeOffset = storeOffset;
            this.device = device;
            this.aliasOf = aliasOf;
        }

        boolean contains(long phys) {
            return phys >= base && phys - base < size;
        }

        /** The first address past the region. */
        public long end() {
            return base + size;
        }

        /** Copies the {@code len} bytes at {@code phys} (inside this RAM or ROM region) to {@code dst}. */
        public void copyOut(long phys, byte[] dst, int off, int len) {
            store.copyOut(storeOffset + phys - base, dst, off, len);
        }

        /**
         * Watches the lines of the {@code len} bytes at {@code phys} (inside this RAM or ROM
         * region): later changes reach the code listeners (see {@link MemoryMap#addCodeListener}),
         * with the ordering {@link PhysicalMemory#watchLine} gives.
         */
        public void watch(long phys, int len) {
            store.watchLine(storeOffset + phys - base, len);
        }

        @Override
        public String toString() {
            return String.format("%s %s 0x%x-0x%x%s", kind.name().toLowerCase(), name, base, base + size - 1,
                    aliasOf == null ? "" : " (alias)");
        }
    }

    private final PhysicalMemory low;
    private final MmioBus local;
    /** Regions outside low RAM, sorted by base, never overlapping. */
    private volatile Region[] regions = new Region[0];
    /** ROM-backed regions that lie inside low RAM, restored after guest stores; sorted by base too. */
    private volatile Region[] shadows = new Region[0];
    private long ignoredRomWrites;
    /** Listeners to changes of region bytes by guest physical address (see {@link #addCodeListener}). */
    private volatile PhysicalMemory.WriteListener[] codeListeners = new PhysicalMemory.WriteListener[0];
    /** The region stores (low RAM when it is aliased) whose writes are reported to the code listeners. */
    private final List<PhysicalMemory> reported = new ArrayList<>();

    /**
     * A map over low RAM {@code low}; {@code local} is the per-vCPU device bus (the local APICs)
     * consulted first.
     */
    public MemoryMap(PhysicalMemory low, MmioBus local) {
        this.low = low;
        this.local = local;
    }

    // ---------------------------------------------------------------- mapping

    /** Maps {@code size} bytes of fresh, zeroed RAM at {@code base} (at most 2 GiB per region). */
    public synchronized Region mapRam(String name, long base, long size) {
        checkRange(base, size);
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(String.format("RAM region at 0x%x: at most 2 GiB per region, got %d bytes",
                    base, size));
        }
        requireOutsideLow(base, size, "RAM region");
        return add(new Region(name, Kind.RAM, base, size, new PhysicalMemory(size), 0, null, null));
    }

    /** Maps a ROM holding {@code contents} at {@code base}: guest stores to it are ignored. */
    public synchronized Region mapRom(String name, long base, byte[] contents) {
        checkRange(base, contents.length);
        PhysicalMemory store = new PhysicalMemory(contents.length);
        store.load(0, contents);
        return add(new Region(name, Kind.ROM, base, contents.length, store, 0, null, null));
    }

    /** Maps a device at [base, base+size): guest accesses call {@code device}. */
    public synchronized Region mapDevice(String name, long base, long size, Device device) {
        checkRange(base, size);
        requireOutsideLow(base, size, "MMIO region");
        return add(new Region(name, Kind.MMIO, base, size, null, 0, device, null));
    }

    /**
     * Makes the {@code size} bytes at {@code target} (inside one region, or inside low RAM) also
     * visible at {@code base}.
     */
    public synchronized Region alias(long base, long target, long size) {
        checkRange(base, size);
        Region t = find(regions, target);
        if (t == null) {
            // a ROM shadow in low RAM: the shadow itself, whose base and store offset are those of
            // the bytes shown there (the ROM behind it may be an alias of one lying elsewhere)
            t = find(shadows, target);
        }
        if (t == null) {
            if (!low.contains(target, (int) Math.min(size, Integer.MAX_VALUE))) {
                throw new IllegalArgumentException(String.format(
                        "alias target 0x%x+0x%x is not inside RAM, a ROM or a device region", target, size));
            }
            requireOutsideLow(base, size, "alias of RAM");
            return add(new Region("alias", Kind.RAM, base, size, low, target, null, null));
        }
        Region orig = t.aliasOf != null ? t.aliasOf : t;
        long off = target - t.base;
        if (target < t.base || off + size > t.size) {
            throw new IllegalArgumentException(String.format("alias target 0x%x+0x%x runs past the end of %s",
                    target, size, t));
        }
        if (t.kind != Kind.ROM) {
            requireOutsideLow(base, size, "alias of a " + t.kind.name().toLowerCase() + " region");
        }
        return add(new Region(orig.name, t.kind, base, size, t.store, t.storeOffset + off, t.device, orig));
    }

    private void checkRange(long base, long size) {
        if (size <= 0) {
            throw new IllegalArgumentException("region size must be positive, got " + size);
        }
        if (base < 0 || base >= PHYS_LIMIT || size > PHYS_LIMIT - base) {
            throw new IllegalArgumentException(String.format("region 0x%x+0x%x lies outside the 52-bit physical address space",
                    base, size));
        }
        if (base <= LocalApicPage.LAST && LocalApicPage.FIRST <= base + size - 1) {
            throw new IllegalArgumentException(String.format(
                    "region 0x%x+0x%x overlaps the local APIC page at 0x%x", base, size, LocalApicPage.FIRST));
        }
    }

    private void requireOutsideLow(long base, long size, String what) {
        if (base < low.size()) {
            throw new IllegalArgumentException(String.format("%s at 0x%x overlaps low RAM (0-0x%x): only ROM may",
                    what, base, low.size() - 1));
        }
    }

    private Region add(Region r) {
        for (Region o : regions) {
            if (r.base < o.base + o.size && o.base < r.base + r.size) {
                throw new IllegalArgumentException(String.format("region 0x%x-0x%x overlaps %s", r.base,
                        r.base + r.size - 1, o));
            }
        }
        if (r.base < low.size()) {
            // ROM in low RAM: shadow it there (the part beyond low RAM stays a region)
            long inLow = Math.min(r.size, low.size() - r.base);
            Region shadow = new Region(r.name, Kind.ROM, r.base, inLow, r.store, r.storeOffset, null,
                    r.aliasOf != null ? r.aliasOf : r);
            for (Region o : shadows) {
                if (shadow.base < o.base + o.size && o.base < shadow.base + shadow.size) {
                    throw new IllegalArgumentException(String.format("region 0x%x-0x%x overlaps %s", r.base,
                            r.base + r.size - 1, o));
                }
            }
            if (shadows.length == 0) {
                low.addWriteListener(this);
            }
            shadows = sorted(append(shadows, shadow));
            refreshShadow(shadow);
            low.watchLine(shadow.base, (int) shadow.size);
            if (inLow < r.size) {
                Region rest = new Region(r.name, r.kind, r.base + inLow, r.size - inLow, r.store,
                        r.storeOffset + inLow, r.device, r.aliasOf != null ? r.aliasOf : r);
                regions = sorted(append(regions, rest));
                reportWrites(rest);
            }
            return r;
        }
        regions = sorted(append(regions, r));
        reportWrites(r);
        return r;
    }

    private static Region[] append(Region[] a, Region r) {
        Region[] n = Arrays.copyOf(a, a.length + 1);
        n[a.length] = r;
        return n;
    }

    private static Region[] sorted(Region[] a) {
        Arrays.sort(a, (x, y) -> Long.compare(x.base, y.base));
        return a;
    }

    /** Copies the ROM bytes of {@code shadow} into low RAM. */
    private void refreshShadow(Region shadow) {
        byte[] b = new byte[(int) shadow.size];
        shadow.store.copyOut(shadow.storeOffset, b, 0, b.length);
        low.load(shadow.base, b);
    }

    /** Every region, ROM shadows in low RAM included, by address. */
    public List<Region> regions() {
        List<Region> out = new ArrayList<>(Arrays.asList(shadows));
        out.addAll(Arrays.asList(regions));
        out.sort((x, y) -> Long.compare(x.base, y.base));
        return out;
    }

    /** Guest stores to ROM that were dropped or undone. */
    public synchronized long ignoredRomWrites() {
        return ignoredRomWrites;
    }

    /** Sets the count of {@link #ignoredRomWrites} (a restored snapshot). */
    public synchronized void restoreIgnoredRomWrites(long n) {
        ignoredRomWrites = n;
    }

    /**
     * The memories guest stores can change: low RAM, then the store of each RAM region by
     * address (an alias shares its target's store and is not listed again; ROM is never
     * changed by the guest).
     */
    public List<PhysicalMemory> ramStores() {
        List<PhysicalMemory> out = new ArrayList<>();
        out.add(low);
        for (Region r : regions) {
            if (r.kind == Kind.RAM && r.aliasOf == null && !out.contains(r.store)) {
                out.add(r.store);
            }
        }
        return out;
    }

    private static Region find(Region[] rs, long phys) {
        int lo = 0, hi = rs.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            Region r = rs[mid];
            if (phys < r.base) {
                hi = mid - 1;
            } else if (phys - r.base >= r.size) {
                lo = mid + 1;
            } else {
                return r;
            }
        }
        return null;
    }

    // ---------------------------------------------------------------- code in regions

    /**
     * RAM and ROM regions hold cacheable code; a device's bytes may change without a write, and
     * the local APIC page of the fetching vCPU is a device too.
     */
    @Override
    public Region codeRegion(int cpuIndex, long phys) {
        Region r = find(regions, phys);
        if (r == null || r.device != null || (cpuIndex >= 0 && local.claims(cpuIndex, phys))) {
            return null;
        }
        return r;
    }

    /**
     * Region bytes change only through their store (a guest store, a host write, a ROM load, a
     * restore): the store's watched-line notification reaches an adapter that reports the write
     * at each address the bytes are mapped at. Low RAM's own addresses are not reported (its
     * listeners hear them directly), only its aliases.
     */
    @Override
    public synchronized void addCodeListener(PhysicalMemory.WriteListener listener) {
        for (PhysicalMemory.WriteListener l : codeListeners) {
            if (l == listener) {
                return;
            }
        }
        PhysicalMemory.WriteListener[] old = codeListeners;
        PhysicalMemory.WriteListener[] n = Arrays.copyOf(old, old.length + 1);
        n[old.length] = listener;
        codeListeners = n;
        for (Region r : regions) {
            reportWrites(r);
        }
    }

    /** Makes writes to {@code r}'s store reach the code listeners, once per store (caller holds the lock). */
    private void reportWrites(Region r) {
        if (r.store == null || codeListeners.length == 0 || reported.contains(r.store)) {
            return;
        }
        reported.add(r.store);
        PhysicalMemory store = r.store;
        store.addWriteListener((addr, len) -> reportWrite(store, addr, len));
    }

    /** Bytes [addr, addr+len) of {@code store} changed: tells the code listeners where they are mapped. */
    private void reportWrite(PhysicalMemory store, long addr, int len) {
        PhysicalMemory.WriteListener[] ls = codeListeners;
        for (Region r : regions) {
            if (r.store != store) {
                continue;
            }
            long from = Math.max(addr, r.storeOffset);
            long to = Math.min(addr + len, r.storeOffset + r.size);
            if (from < to) {
                long phys = r.base + (from - r.storeOffset);
                for (PhysicalMemory.WriteListener l : ls) {
                    l.written(phys, (int) (to - from));
                }
            }
        }
    }

    /** The region at {@code phys} outside low RAM, or null. */
    public Region regionAt(long phys) {
        return find(regions, phys);
    }

    // ---------------------------------------------------------------- the guest's view (MmioBus)

    /*
     * The guest's accesses name their vCPU (its local APIC page comes first); the host's pass
     * cpuIndex -1 and see the regions only.
     */

    @Override
    public boolean claims(int cpuIndex, long phys) {
        return (cpuIndex >= 0 && local.claims(cpuIndex, phys)) || find(regions, phys) != null;
    }

    @Override
    public long read(int cpuIndex, long phys, int size) {
        if (cpuIndex >= 0 && local.claims(cpuIndex, phys)) {
            return local.read(cpuIndex, phys, size);
        }
        Region r = find(regions, phys);
        if (r != null && phys - r.base + size <= r.size) {
            long off = phys - r.base;
            return r.device != null ? r.device.read(off, size) & PhysicalMemory.mask(size)
                    : r.store.read(r.storeOffset + off, size);
        }
        if (r == null && size == 1) {
            return 0xFF; // open bus
        }
        long v = 0;
        for (int i = 0; i < size; i++) {
            v |= read(cpuIndex, phys + i, 1) << (8 * i);
        }
        return v;
    }

    @Override
    public void write(int cpuIndex, long phys, int size, long value) {
        if (cpuIndex >= 0 && local.claims(cpuIndex, phys)) {
            local.write(cpuIndex, phys, size, value);
            return;
        }
        Region r = find(regions, phys);
        if (r != null && phys - r.base + size <= r.size) {
            long off = phys - r.base;
            if (r.kind == Kind.ROM) {
                synchronized (this) {
                    ignoredRomWrites++;
                }
            } else if (r.device != null) {
                r.device.write(off, size, value & PhysicalMemory.mask(size));
            } else {
                r.store.write(r.storeOffset + off, size, value);
            }
            return;
        }
        if (r == null && size == 1) {
            return; // nothing there
        }
        for (int i = 0; i < size; i++) {
            write(cpuIndex, phys + i, 1, value >>> (8 * i));
        }
    }

    @Override
    public long compareAndExchange(int cpuIndex, long phys, int size, long expect, long update) {
        Region r = find(regions, phys);
        if (!local.claims(cpuIndex, phys) && r != null && r.kind == Kind.RAM && phys - r.base + size <= r.size) {
            return r.store.compareAndExchange(r.storeOffset + phys - r.base, size, expect, update);
        }
        return MmioBus.super.compareAndExchange(cpuIndex, phys, size, expect, update);
    }

    @Override
    public int fetch(int cpuIndex, long phys, byte[] dst, int len) {
        Region r = find(regions, phys);
        if (r == null || local.claims(cpuIndex, phys)) {
            return 0;
        }
        int n = (int) Math.min(len, r.size - (phys - r.base));
        if (r.store != null) {
            r.store.copyOut(r.storeOffset + phys - r.base, dst, 0, n);
        } else {
            for (int i = 0; i < n; i++) {
                dst[i] = (byte) r.device.read(phys - r.base + i, 1);
            }
        }
        return n;
    }

    /** A guest store into low RAM touched a watched line: undo it where it hit a ROM shadow. */
    @Override
    public void written(long addr, int len) {
        for (Region s : shadows) {
            if (addr < s.base + s.size && s.base < addr + len) {
                long from = Math.max(addr, s.base);
                long to = Math.min(addr + len, s.base + s.size);
                byte[] rom = new byte[(int) (to - from)];
                s.store.copyOut(s.storeOffset + from - s.base, rom, 0, rom.length);
                byte[] now = new byte[rom.length];
                low.copyOut(from, now, 0, now.length);
                if (!Arrays.equals(rom, now)) {
                    synchronized (this) {
                        ignoredRomWrites++;
                    }
                    low.load(from, rom);
                }
            }
        }
    }

    // ---------------------------------------------------------------- the host's view

    /**
     * Copies {@code len} bytes of {@code src} to physical {@code addr}, through low RAM and the
     * regions (a ROM's contents change, with its shadows and aliases).
     *
     * @throws IllegalArgumentException when part of the range is backed by nothing
     */
    public void write(long addr, byte[] src, int off, int len) {
        long p = addr;
        int done = 0;
        while (done < len) {
            Region shadow = find(shadows, p);
            Region r = shadow != null ? shadow : find(regions, p);
            int n;
            if (r != null) {
                n = (int) Math.min(len - done, r.size - (p - r.base));
                if (r.device != null) {
                    for (int i = 0; i < n; i++) {
                        r.device.write(p - r.base + i, 1, src[off + done + i] & 0xFF);
                    }
                } else {
                    r.store.load(r.storeOffset + p - r.base, src, off + done, n);
                    if (r.kind == Kind.ROM) {
                        refreshShadowsOf(r.store);
                    }
                }
            } else if (low.contains(p, 1)) {
                n = (int) Math.min(len - done, low.size() - p);
                Region next = nextShadowAfter(p);
                if (next != null) {
                    n = (int) Math.min(n, next.base - p);
                }
                low.load(p, src, off + done, n);
            } else {
                throw new IllegalArgumentException(String.format("physical 0x%x is not backed by RAM, ROM or a device", p));
            }
            p += n;
            done += n;
        }
    }

    private Region nextShadowAfter(long p) {
        Region best = null;
        for (Region s : shadows) {
            if (s.base > p && (best == null || s.base < best.base)) {
                best = s;
            }
        }
        return best;
    }

    private void refreshShadowsOf(PhysicalMemory store) {
        for (Region s : shadows) {
            if (s.store == store) {
                refreshShadow(s);
            }
        }
    }

    /**
     * Copies {@code len} bytes at physical {@code addr} into {@code dst}; device regions are read
     * byte by byte (their side effects happen), unbacked bytes read 0xFF.
     */
    public void read(long addr, byte[] dst, int off, int len) {
        for (int i = 0; i < len; i++) {
            long p = addr + i;
            if (low.contains(p, 1)) {
                int n = (int) Math.min(len - i, low.size() - p);
                low.copyOut(p, dst, off + i, n);
                i += n - 1;
            } else {
                dst[off + i] = (byte) hostRead(p);
            }
        }
    }

    private long hostRead(long p) {
        Region r = find(regions, p);
        if (r == null) {
            return 0xFF;
        }
        return r.device != null ? r.device.read(p - r.base, 1) : r.store.read(r.storeOffset + p - r.base, 1);
    }

    /** True when every byte of [addr, addr+len) is low RAM or a region. */
    public boolean backed(long addr, long len) {
        long p = addr;
        while (p < addr + len) {
            if (low.contains(p, 1)) {
                p = low.size();
                continue;
            }
            Region r = find(regions, p);
            if (r == null) {
                return false;
            }
            p = r.base + r.size;
        }
        return true;
    }

    /** The local APIC's page, which no region may overlap. */
    static final class LocalApicPage {
        static final long FIRST = 0xFEE0_0000L;
        static final long LAST = 0xFEE0_0FFFL;

        private LocalApicPage() {
        }
    }
}
