package org.apboot.core.mem;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Guest RAM shared by every vCPU: one {@code long[]}, eight guest bytes per element in
 * little-endian order (guest byte {@code a} is bits {@code 8*(a&7)} up of element {@code a>>>3}),
 * read and written through the array-element {@link VarHandle}, which supports every access mode
 * on every JDK (byte-array views lost acquire/release and compare-and-set in JDK 23).
 *
 * <p>Memory model (x86 TSO on the JVM): ordinary guest loads are {@code getAcquire} of the
 * element(s) holding the value, then a shift: one element when the value lies inside it (every
 * naturally aligned access, so those are single-copy atomic as on x86), two when it spans an
 * 8-byte boundary. An aligned 8-byte store is one {@code setRelease}; a narrower or unaligned
 * store replaces its bytes of the containing element with a release compare-and-exchange loop, so
 * it is single-copy atomic and never loses a store another vCPU makes at the same time to a
 * neighbouring byte of that element; a store spanning two elements does that on each of them.
 * LOCK-prefixed operations use a compare-and-exchange on their containing element
 * ({@link #compareAndExchange}); one split across 8-byte words runs as an {@link #exclusive}
 * operation, which waits for the compare-and-exchange ones in flight and holds off new ones, so
 * every locked operation is atomic with respect to every other.
 *
 * <p>Snapshots: {@link #snapshot} copies the contents and from then on every store (they all end
 * in the write notification, which the watched lines use too) records its 4 KiB page, so
 * {@link #restoreWritten} copies back only the pages written since.
 *
 * <p>Addresses are physical guest addresses; callers (the MMU) have already checked bounds via
 * {@link #contains(long, int)}. Out-of-range addresses throw {@link IndexOutOfBoundsException}
 * (except in the padding of the last element when the size is not a multiple of 8), which only a
 * caller bug can cause.
 */
public final class PhysicalMemory {
    /** Element access to {@link #ram}: every access mode, on every JDK. */
    private static final VarHandle L = MethodHandles.arrayElementVarHandle(long[].class);
    /** Plain little-endian 8-byte access to loader and copy buffers (bulk copies only). */
    private static final VarHandle BYTES64 =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /** Single-CAS locked operations in progress (see {@link #exclusive}). */
    private final java.util.concurrent.atomic.AtomicInteger wordLocks = new java.util.concurrent.atomic.AtomicInteger();
    private final Object exclusiveMonitor = new Object();
    private volatile boolean exclusive;
    private volatile Thread exclusiveOwner;
    private static final VarHandle WATCH = MethodHandles.arrayElementVarHandle(long[].class);

    /**
     * The one host thread running vCPUs while a machine runs on a single host thread, or its
     * primary while none of its helpers runs vCPUs, else null.
     * Its aligned 8-byte stores are release stores, not locked exchanges: the exchange only
     * orders a store before the writer's look at the watched bits for the benefit of another
     * thread that watches a line and then re-reads it (a vCPU publishing decoded code, or
     * parking), and on such a machine that thread is this one, in program order. Every other
     * thread's stores (an embedder writing guest memory during a run) stay locked, and narrower
     * stores stay compare-and-exchange merges (they must not lose a neighbouring byte another
     * thread writes).
     */
    private volatile Thread soleWriter;

    /** Guest bytes, eight per element, little-endian. */
    private final long[] ram;
    private final long size;
    /** One bit per 64-byte line, one long per 4 KiB page: lines someone wants to hear about. */
    private final long[] watched;
    private volatile WriteListener[] listeners = new WriteListener[0];
    /** What the CPU side keeps per memory (see {@link #sharedByCpus}); created once. */
    private volatile Object sharedByCpus;
    /**
     * Pages written since the last {@link #snapshot} or restore, or null while no snapshot was
     * taken (the store path then pays one field load and a branch that is never taken). Plain
     * fields: they change only while no vCPU runs, and starting a run orders them for the workers.
     */
    private DirtyPages dirty;
    /** {@code dirty}'s bit per page, read on every store while a snapshot exists; or null. */
    private long[] dirtyBits;

    /**
     * Notified after guest writes to a watched line (see {@link #watchLine}): translated code
     * that must be invalidated, or vCPUs parked polling a memory word.
     */
    public interface WriteListener {
        /**
         * Called after bytes [addr, addr+len) were written, at least one of them on a watched
         * line, on the writing thread. The store has release semantics only: a listener that
         * pairs with readers of guest memory (Dekker style) issues its own full fence first.
         */
        void written(long addr, int len);
    }

    public PhysicalMemory(long sizeBytes) {
        if (sizeBytes <= 0 || sizeBytes > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("guest RAM size must be between 1 byte and 2 GiB, got " + sizeBytes);
        }
        this.size = sizeBytes;
        this.ram = new long[(int) ((sizeBytes + 7) >>> 3)];
        this.watched = new long[(int) ((sizeBytes + 4095) >>> 12)];
    }

    /**
     * The one object the vCPUs of this memory share (the CPU package keeps its shared page-walk
     * results there), made by {@code create} on the first call; later calls return it. The memory
     * never looks inside: this lets per-memory CPU state live beside the RAM without this package
     * depending on the CPU's. Called when a vCPU is built, not on any access path.
     */
    public <T> T sharedByCpus(Class<T> type, java.util.function.Function<PhysicalMemory, T> create) {
        Object o = sharedByCpus; // a machine's vCPUs are built one after another: no lock after the first
        if (o == null) {
            synchronized (this) {
                o = sharedByCpus;
                if (o == null) {
                    o = create.apply(this);
                    sharedByCpus = o;
                }
            }
        }
        return type.cast(o);
    }

    public long size() {
        return size;
    }

    /** True if [addr, addr+len) lies inside RAM. */
    public boolean contains(long addr, int len) {
        return addr >= 0 && addr + len <= size;
    }

    /** Adds a listener for writes to watched lines. */
    public synchronized void addWriteListener(WriteListener l) {
        WriteListener[] old = listeners;
        WriteListener[] n = java.util.Arrays.copyOf(old, old.length + 1);
        n[old.length] = l;
        listeners = n;
    }

    /**
     * Marks the 64-byte lines covering [addr, addr+len) as watched: later writes to them reach the
     * listeners. Lines stay watched (a listener that no longer cares returns quickly).
     *
     * <p>Ordering: the bits are set (or seen set) with volatile semantics, and writers read them
     * with volatile semantics after their store. A write whose check came before the bit was set
     * in that order is not reported; a caller that must not miss one (the scheduler parking a
     * vCPU) waits until every thread that could have made such a write has passed a
     * synchronisation point after this call.
     */
    public void watchLine(long addr, int len) {
        if (len <= 0 || !contains(addr, 1)) {
            return;
        }
        long end = Math.min(addr + len, size);
        boolean set = false;
        for (long line = addr >>> 6; line <= (end - 1) >>> 6; line++) {
            long bit = 1L << (line & 63);
            int word = (int) (line >>> 6);
            if (((long) WATCH.getVolatile(watched, word) & bit) == 0) {
                WATCH.getAndBitwiseOr(watched, word, bit);
                set = true;
            }
        }
        if (set) {
            VarHandle.fullFence();
        }
    }

    /**
     * Names the host thread that is about to run every vCPU of the machine alone (null when the
     * run ends, or when several host threads run vCPUs): see {@link #soleWriter}. Whoever calls
     * it with null while the named thread runs must wait for that thread to pass a point where
     * it stores nothing before another thread decodes, parks or watches lines.
     */
    public void soleWriter(Thread t) {
        soleWriter = t;
    }

    /**
     * True on the thread {@link #soleWriter} named: while it runs a slot, no other thread runs
     * vCPUs, so what it stores is ordered for every vCPU by program order alone (a listener it
     * calls may skip the fence it needs against other vCPU threads; not the one against a thread
     * that writes guest memory from outside, which fences its own side).
     */
    public boolean soleWriterIsCurrent() {
        return Thread.currentThread() == soleWriter;
    }

    /**
     * True if the line holding {@code addr} is watched (a volatile read: cheap on x86, and never
     * hoisted out of a compiled loop of stores).
     */
    public boolean isWatched(long addr) {
        return (((long) WATCH.getVolatile(watched, (int) (addr >>> 12)) >>> ((addr >>> 6) & 63)) & 1) != 0;
    }

    private void notifyWrite(long addr, int len) {
        long last = addr + len - 1;
        long[] db = dirtyBits;
        if (db != null) {
            // after the first store to a page, a store inside it costs this load and branch
            int page = (int) (addr >>> 12);
            if ((db[page >>> 6] & (1L << page)) == 0 || (last >>> 12) != page) {
                dirty.mark(page);
                dirty.mark((int) (last >>> 12));
            }
        }
        if (isWatched(addr) || ((last ^ addr) >>> 6 != 0 && isWatched(last))) {
            for (WriteListener l : listeners) {
                l.written(addr, len);
            }
        }
    }

    private void notifyRange(long addr, int len) {
        DirtyPages d = dirty;
        if (d != null && len > 0) {
            for (long page = addr >>> 12; page <= (addr + len - 1) >>> 12; page++) {
                d.mark((int) page);
            }
        }
        for (long a = addr & ~63L; a < addr + len; a += 64) {
            if (isWatched(a)) {
                for (WriteListener l : listeners) {
                    l.written(addr, len);
                }
                return;
            }
        }
    }

    // ---------------------------------------------------------------- ordinary (TSO) accesses

    public int read8(long addr) {
        int a = (int) addr;
        return (int) ((long) L.getAcquire(ram, a >>> 3) >>> ((a & 7) << 3)) & 0xFF;
    }

    public int read16(long addr) {
        int a = (int) addr;
        int sh = (a & 7) << 3;
        if (sh <= 48) {
            return (int) ((long) L.getAcquire(ram, a >>> 3) >>> sh) & 0xFFFF;
        }
        return (int) readSpan(a, sh) & 0xFFFF;
    }

    public int read32(long addr) {
        int a = (int) addr;
        int sh = (a & 7) << 3;
        if (sh <= 32) {
            return (int) ((long) L.getAcquire(ram, a >>> 3) >>> sh);
        }
        return (int) readSpan(a, sh);
    }

    public long read64(long addr) {
        int a = (int) addr;
        int sh = (a & 7) << 3;
        if (sh == 0) {
            return (long) L.getAcquire(ram, a >>> 3);
        }
        return readSpan(a, sh);
    }

    /**
     * The eight bytes at {@code a}, which straddle elements {@code a>>>3} and the next one
     * ({@code sh = 8*(a&7)}, 8..56): an unaligned load, not single-copy atomic (nor is it on x86
     * across a cache line).
     */
    private long readSpan(int a, int sh) {
        int i = a >>> 3;
        long lo = (long) L.getAcquire(ram, i);
        long hi = (long) L.getAcquire(ram, i + 1);
        return (lo >>> sh) | (hi << (64 - sh));
    }

    /** Reads 1, 2, 4 or 8 bytes, zero-extended. */
    public long read(long addr, int size) {
        switch (size) {
            case 1: return read8(addr);
            case 2: return read16(addr);
            case 4: return read32(addr) & 0xFFFF_FFFFL;
            default: return read64(addr);
        }
    }

    public void write8(long addr, int v) {
        int a = (int) addr;
        int sh = (a & 7) << 3;
        merge(a >>> 3, 0xFFL << sh, (v & 0xFFL) << sh);
        notifyWrite(addr, 1);
    }

    public void write16(long addr, int v) {
        int a = (int) addr;
        int sh = (a & 7) << 3;
        if (sh <= 48) {
            merge(a >>> 3, 0xFFFFL << sh, (v & 0xFFFFL) << sh);
        } else {
            writeSpan(a, sh, 0xFFFFL, v & 0xFFFFL);
        }
        notifyWrite(addr, 2);
    }

    public void write32(long addr, int v) {
        int a = (int) addr;
        int sh = (a & 7) << 3;
        if (sh <= 32) {
            merge(a >>> 3, 0xFFFF_FFFFL << sh, (v & 0xFFFF_FFFFL) << sh);
        } else {
            writeSpan(a, sh, 0xFFFF_FFFFL, v & 0xFFFF_FFFFL);
        }
        notifyWrite(addr, 4);
    }

    public void write64(long addr, long v) {
        int a = (int) addr;
        int sh = (a & 7) << 3;
        if (sh == 0) {
            if (soleWriterIsCurrent()) {
                L.setRelease(ram, a >>> 3, v); // see soleWriter
            } else {
                // a volatile exchange, not a release store: like the volatile compare-and-exchange
                // of narrower stores it orders the volatile read of the watched bits after the
                // store (Dekker with watchLine; code publication relies on it, see
                // BlockCache#publish). On x86 both are one locked instruction, and the volatile
                // read a plain load.
                L.getAndSet(ram, a >>> 3, v);
            }
        } else {
            writeSpan(a, sh, -1L, v);
        }
        notifyWrite(addr, 8);
    }

    /** Writes 1, 2, 4 or 8 bytes. */
    public void write(long addr, int size, long v) {
        switch (size) {
            case 1: write8(addr, (int) v); break;
            case 2: write16(addr, (int) v); break;
            case 4: write32(addr, (int) v); break;
            default: write64(addr, v); break;
        }
    }

    /**
     * Stores {@code bits} into the bytes {@code m} selects of element {@code i}, keeping the others:
     * a volatile compare-and-exchange loop, so the store is single-copy atomic and a concurrent
     * store by another thread to the other bytes of the element is never lost.
     */
    private void merge(int i, long m, long bits) {
        long cur = (long) L.get(ram, i);
        while (true) {
            long witness = (long) L.compareAndExchange(ram, i, cur, (cur & ~m) | bits);
            if (witness == cur) {
                return;
            }
            cur = witness;
        }
    }

    /**
     * Stores the value {@code v} (of the bytes {@code m} selects, low-aligned) at {@code a}, where
     * it straddles element {@code a>>>3} and the next ({@code sh = 8*(a&7)}, 8..56): each part is
     * merged into its element, low part first.
     */
    private void writeSpan(int a, int sh, long m, long v) {
        int i = a >>> 3;
        merge(i, m << sh, v << sh);
        merge(i + 1, m >>> (64 - sh), v >>> (64 - sh));
    }

    // ---------------------------------------------------------------- locked (atomic) accesses

    /**
     * Atomically replaces the {@code size}-byte value at {@code addr} with {@code update} if it
     * equals {@code expect} (both zero-extended). Returns the value found (equal to {@code expect}
     * on success). Sequentially consistent, as LOCK-prefixed instructions are.
     */
    public long compareAndExchange(long addr, int size, long expect, long update) {
        int a = (int) addr;
        long found;
        if ((a & 7) + size > 8) {
            // split across 8-byte words: no single host CAS covers it, so it runs alone
            found = exclusive(() -> {
                long f = readPlain(a, size);
                if (f == expect) {
                    writePlain(a, size, update);
                }
                return f;
            });
        } else {
            boolean counted = enterWordLock();
            try {
                if (size == 8) {
                    found = (long) L.compareAndExchange(ram, a >>> 3, expect, update);
                } else {
                    found = casInLong(a, size, expect, update);
                }
            } finally {
                if (counted) {
                    wordLocks.getAndDecrement();
                }
            }
        }
        if (found == expect) {
            notifyWrite(addr, size);
        }
        return found;
    }

    // ---------------------------------------------------------------- exclusive locked operations

    /**
     * Runs a locked operation that no single host compare-and-set covers (split across 8-byte
     * words or pages, or 16 bytes wide) while no other locked operation on this memory is in
     * progress, so it is atomic with respect to all of them, as a bus lock is. {@code body} uses
     * plain accesses; locked operations it makes itself (a page walk setting A/D bits) pass.
     * Ordinary (unlocked) accesses of other vCPUs are not held back.
     */
    public long exclusive(java.util.function.LongSupplier body) {
        synchronized (exclusiveMonitor) {
            exclusiveOwner = Thread.currentThread();
            exclusive = true;
            try {
                while (wordLocks.get() != 0) {
                    Thread.onSpinWait();
                }
                VarHandle.fullFence();
                long r = body.getAsLong();
                VarHandle.fullFence();
                return r;
            } finally {
                exclusive = false;
                exclusiveOwner = null;
            }
        }
    }

    /**
     * Announces a single-CAS locked operation; waits while an exclusive one runs. Returns false
     * (nothing announced) inside this thread's own exclusive section. The announcement and the
     * exclusive flag are both sequentially consistent, so either the exclusive operation sees the
     * count or this one sees the flag.
     */
    private boolean enterWordLock() {
        while (true) {
            if (exclusive) {
                if (exclusiveOwner == Thread.currentThread()) {
                    return false;
                }
                Thread.onSpinWait();
                continue;
            }
            wordLocks.getAndIncrement();
            if (!exclusive) {
                return true;
            }
            wordLocks.getAndDecrement();
        }
    }

    /**
     * Atomic read-modify-write helper for LOCK-prefixed ALU operations: applies {@code op} in a
     * CAS loop and returns the old value.
     */
    public long atomicUpdate(long addr, int size, java.util.function.LongUnaryOperator op) {
        while (true) {
            long old = read(addr, size);
            long next = op.applyAsLong(old) & mask(size);
            if (compareAndExchange(addr, size, old, next) == old) {
                return old;
            }
        }
    }

    /** Atomically swaps in {@code v} and returns the old value (XCHG with memory). */
    public long exchange(long addr, int size, long v) {
        while (true) {
            long old = read(addr, size);
            if (compareAndExchange(addr, size, old, v & mask(size)) == old) {
                return old;
            }
        }
    }

    /**
     * Compare-and-exchange of 1 to 7 bytes inside one element (narrow or unaligned locked
     * operations within 8 bytes): a loop on the whole element, so a concurrent change to its other
     * bytes makes it retry rather than be lost.
     */
    private long casInLong(int a, int size, long expect, long update) {
        int i = a >>> 3;
        int shift = (a & 7) * 8;
        long vm = mask(size);
        long m = vm << shift;
        long bits = (update & vm) << shift;
        long cur = (long) L.getVolatile(ram, i);
        while (true) {
            long found = (cur >>> shift) & vm;
            if (found != expect) {
                return found;
            }
            long witness = (long) L.compareAndExchange(ram, i, cur, (cur & ~m) | bits);
            if (witness == cur) {
                return found;
            }
            cur = witness;
        }
    }

    /** The {@code size} bytes at {@code a}, split across two elements (exclusive operations only). */
    private long readPlain(int a, int size) {
        return readSpan(a, (a & 7) << 3) & mask(size);
    }

    /**
     * Writes the {@code size} bytes at {@code a}, split across two elements (exclusive operations
     * only): merged into each element, so ordinary stores other vCPUs make meanwhile to the
     * neighbouring bytes survive.
     */
    private void writePlain(int a, int size, long v) {
        writeSpan(a, (a & 7) << 3, mask(size), v & mask(size));
    }

    public static long mask(int size) {
        return size == 8 ? -1L : (1L << (size * 8)) - 1;
    }

    // ---------------------------------------------------------------- bulk (loaders, not guests)

    /**
     * Copies {@code len} bytes of {@code src} into guest RAM at {@code addr}. Whole elements are
     * stored plainly, partly covered ones merged (see {@link #merge}), then a release fence.
     */
    public void load(long addr, byte[] src, int off, int len) {
        if (!contains(addr, len)) {
            throw new IllegalArgumentException(String.format(
                    "image of %d bytes at 0x%x does not fit in %d bytes of guest RAM", len, addr, size));
        }
        java.util.Objects.checkFromIndexSize(off, len, src.length);
        int a = (int) addr;
        int end = a + len;
        int p = a;
        if ((p & 7) != 0 && p < end) {
            int n = Math.min(8 - (p & 7), end - p);
            loadPart(p, n, src, off);
            p += n;
        }
        for (; end - p >= 8; p += 8) {
            ram[p >>> 3] = (long) BYTES64.get(src, off + (p - a));
        }
        if (p < end) {
            loadPart(p, end - p, src, off + (p - a));
        }
        VarHandle.releaseFence();
        notifyRange(addr, len);
    }

    /** Merges {@code n} bytes of {@code src} from {@code so} at {@code p}, all inside one element. */
    private void loadPart(int p, int n, byte[] src, int so) {
        int sh = (p & 7) << 3;
        long bits = 0;
        for (int k = 0; k < n; k++) {
            bits |= (src[so + k] & 0xFFL) << (8 * k);
        }
        merge(p >>> 3, mask(n) << sh, bits << sh);
    }

    public void load(long addr, byte[] src) {
        load(addr, src, 0, src.length);
    }

    /**
     * Copies {@code len} guest bytes at {@code addr} into {@code dst} from {@code off} (loaders,
     * the instruction fetcher, tests): plain loads, then an acquire fence. Not atomic.
     */
    public void copyOut(long addr, byte[] dst, int off, int len) {
        if (!contains(addr, len)) {
            throw new IndexOutOfBoundsException(String.format(
                    "%d bytes at 0x%x are not inside %d bytes of guest RAM", len, addr, size));
        }
        java.util.Objects.checkFromIndexSize(off, len, dst.length);
        int a = (int) addr;
        int end = a + len;
        int p = a;
        for (; (p & 7) != 0 && p < end; p++) {
            dst[off + (p - a)] = (byte) (ram[p >>> 3] >>> ((p & 7) << 3));
        }
        for (; end - p >= 8; p += 8) {
            BYTES64.set(dst, off + (p - a), ram[p >>> 3]);
        }
        if (p < end) {
            long w = ram[p >>> 3];
            for (int k = 0; p < end; p++, k++) {
                dst[off + (p - a)] = (byte) (w >>> (8 * k));
            }
        }
        VarHandle.acquireFence();
    }

    // ---------------------------------------------------------------- snapshots (no vCPU running)

    /** Guest pages of 4 KiB, the last one possibly partial. */
    private int pageCount() {
        return (int) ((size + 4095) >>> 12);
    }

    /**
     * A copy of every guest byte (in this class's element layout, for {@link #restoreWritten} and
     * {@link #restoreAll}), after which writes are recorded per page: the next restore copies back
     * only the pages written from now on. Call only while no vCPU runs.
     */
    public long[] snapshot() {
        long[] copy = ram.clone();
        trackFromNow();
        return copy;
    }

    private void trackFromNow() {
        if (dirty == null) {
            dirty = new DirtyPages(pageCount());
            dirtyBits = dirty.bits;
        } else {
            dirty.clear();
        }
        VarHandle.fullFence();
    }

    /** Pages written since the last {@link #snapshot} or restore (0 before the first snapshot). */
    public int writtenPages() {
        DirtyPages d = dirty;
        return d == null ? 0 : d.count();
    }

    /**
     * Copies back from {@code image} the pages written since the last {@link #snapshot} or
     * restore, which must have left the memory equal to {@code image} (the caller keeps track of
     * that). Returns the number of pages copied. Call only while no vCPU runs.
     */
    public int restoreWritten(long[] image) {
        checkImage(image);
        DirtyPages d = dirty;
        if (d == null) {
            return 0;
        }
        int n = d.count();
        for (int i = 0; i < n; i++) {
            restorePage(image, d.page(i));
        }
        d.clear();
        return n;
    }

    /**
     * Copies every page of {@code image} back (a snapshot other than the one the memory last
     * matched), then records writes from there. Returns the number of pages copied.
     */
    public int restoreAll(long[] image) {
        checkImage(image);
        int pages = pageCount();
        for (int page = 0; page < pages; page++) {
            restorePage(image, page);
        }
        trackFromNow();
        return pages;
    }

    private void checkImage(long[] image) {
        if (image.length != ram.length) {
            throw new IllegalArgumentException("image of " + image.length * 8L + " bytes for " + size + " bytes of RAM");
        }
    }

    /**
     * Copies page {@code page} of {@code image} into RAM. The listeners hear of each watched line
     * whose bytes change, as after a guest write (translated code from it is dropped, page-walk
     * results forgotten, parked vCPUs looked at); lines whose bytes come back unchanged keep
     * their translations.
     */
    private void restorePage(long[] image, int page) {
        int from = page << 9;
        int n = Math.min(512, ram.length - from);
        long watchedLines = (long) WATCH.getVolatile(watched, page);
        long changed = 0;
        for (long w = watchedLines; w != 0; w &= w - 1) {
            int line = Long.numberOfTrailingZeros(w);
            int at = from + line * 8;
            int end = Math.min(at + 8, from + n);
            if (at < end && !java.util.Arrays.equals(ram, at, end, image, at, end)) {
                changed |= 1L << line;
            }
        }
        System.arraycopy(image, from, ram, from, n);
        VarHandle.fullFence();
        long base = (long) page << 12;
        while (changed != 0) {
            int first = Long.numberOfTrailingZeros(changed);
            int run = Long.numberOfTrailingZeros(~(changed >>> first));
            long addr = base + first * 64L;
            int len = (int) Math.min(run * 64L, size - addr);
            for (WriteListener l : listeners) {
                l.written(addr, len);
            }
            changed &= run == 64 ? 0 : ~(((1L << run) - 1) << first);
        }
    }
}
