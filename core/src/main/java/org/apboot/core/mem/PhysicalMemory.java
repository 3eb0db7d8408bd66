package org.apboot.core.mem;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Guest RAM shared by every vCPU: one byte array read and written through little-endian
 * {@link VarHandle} views.
 *
 * <p>Memory model (x86 TSO on the JVM): ordinary guest loads use {@code getAcquire} and ordinary
 * stores {@code setRelease} when naturally aligned; unaligned accesses use plain access bracketed
 * by {@link VarHandle#acquireFence()} / {@link VarHandle#releaseFence()}, because byte-array
 * views reject unaligned acquire/release. LOCK-prefixed operations use a compare-and-set on their
 * containing int or long ({@link #compareAndExchange}); one split across 8-byte words runs as an
 * {@link #exclusive} operation, which waits for the compare-and-set ones in flight and holds off
 * new ones, so every locked operation is atomic with respect to every other.
 *
 * <p>Addresses are physical guest addresses; callers (the MMU) have already checked bounds via
 * {@link #contains(long, int)}. Out-of-range addresses throw {@link IndexOutOfBoundsException},
 * which only a caller bug can cause.
 */
public final class PhysicalMemory {
    private static final VarHandle I16 = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle I32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle I64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle I8 = MethodHandles.arrayElementVarHandle(byte[].class);

    /** Taken by split (page- or line-crossing, unaligned) locked operations. */
    /** Single-CAS locked operations in progress (see {@link #exclusive}). */
    private final java.util.concurrent.atomic.AtomicInteger wordLocks = new java.util.concurrent.atomic.AtomicInteger();
    private final Object exclusiveMonitor = new Object();
    private volatile boolean exclusive;
    private volatile Thread exclusiveOwner;
    private static final VarHandle WATCH = MethodHandles.arrayElementVarHandle(long[].class);

    private final byte[] ram;
    private final long size;
    /** One bit per 64-byte line, one long per 4 KiB page: lines someone wants to hear about. */
    private final long[] watched;
    private volatile WriteListener[] listeners = new WriteListener[0];

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
        this.ram = new byte[(int) sizeBytes];
        this.watched = new long[(int) ((sizeBytes + 4095) >>> 12)];
    }

    public long size() {
        return size;
    }

    /** True if [addr, addr+len) lies inside RAM. */
    public boolean contains(long addr, int len) {
        return addr >= 0 && addr + len <= size;
    }

    /** The backing array, for bulk loaders and the code fetcher. Never retained by guests. */
    public byte[] array() {
        return ram;
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
     * True if the line holding {@code addr} is watched (a volatile read: cheap on x86, and never
     * hoisted out of a compiled loop of stores).
     */
    public boolean isWatched(long addr) {
        return (((long) WATCH.getVolatile(watched, (int) (addr >>> 12)) >>> ((addr >>> 6) & 63)) & 1) != 0;
    }

    private void notifyWrite(long addr, int len) {
        long last = addr + len - 1;
        if (isWatched(addr) || ((last ^ addr) >>> 6 != 0 && isWatched(last))) {
            for (WriteListener l : listeners) {
                l.written(addr, len);
            }
        }
    }

    private void notifyRange(long addr, int len) {
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
        return ((byte) I8.getAcquire(ram, (int) addr)) & 0xFF;
    }

    public int read16(long addr) {
        int a = (int) addr;
        if ((a & 1) == 0) {
            return ((short) I16.getAcquire(ram, a)) & 0xFFFF;
        }
        int v = ((short) I16.get(ram, a)) & 0xFFFF;
        VarHandle.acquireFence();
        return v;
    }

    public int read32(long addr) {
        int a = (int) addr;
        if ((a & 3) == 0) {
            return (int) I32.getAcquire(ram, a);
        }
        int v = (int) I32.get(ram, a);
        VarHandle.acquireFence();
        return v;
    }

    public long read64(long addr) {
        int a = (int) addr;
        if ((a & 7) == 0) {
            return (long) I64.getAcquire(ram, a);
        }
        long v = (long) I64.get(ram, a);
        VarHandle.acquireFence();
        return v;
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
        I8.setRelease(ram, (int) addr, (byte) v);
        notifyWrite(addr, 1);
    }

    public void write16(long addr, int v) {
        int a = (int) addr;
        if ((a & 1) == 0) {
            I16.setRelease(ram, a, (short) v);
        } else {
            VarHandle.releaseFence();
            I16.set(ram, a, (short) v);
        }
        notifyWrite(addr, 2);
    }

    public void write32(long addr, int v) {
        int a = (int) addr;
        if ((a & 3) == 0) {
            I32.setRelease(ram, a, v);
        } else {
            VarHandle.releaseFence();
            I32.set(ram, a, v);
        }
        notifyWrite(addr, 4);
    }

    public void write64(long addr, long v) {
        int a = (int) addr;
        if ((a & 7) == 0) {
            I64.setRelease(ram, a, v);
        } else {
            VarHandle.releaseFence();
            I64.set(ram, a, v);
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
                if (size == 4 && (a & 3) == 0) {
                    found = ((int) I32.compareAndExchange(ram, a, (int) expect, (int) update)) & 0xFFFF_FFFFL;
                } else if (size == 8 && (a & 7) == 0) {
                    found = (long) I64.compareAndExchange(ram, a, expect, update);
                } else if ((a & 3) + size <= 4) {
                    found = casInInt(a, size, expect, update);
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
     * CAS of 1, 2 or 3 bytes inside one aligned int: byte-array views offer compare-and-set only
     * for int and long, so narrower locked operations update their containing word.
     */
    private long casInInt(int a, int size, long expect, long update) {
        int base = a & ~3;
        int shift = (a & 3) * 8;
        int m = (int) mask(size) << shift;
        while (true) {
            int cur = (int) I32.getVolatile(ram, base);
            long found = ((cur & m) >>> shift) & mask(size);
            if (found != expect) {
                return found;
            }
            int next = (cur & ~m) | (((int) update << shift) & m);
            if (I32.compareAndSet(ram, base, cur, next)) {
                return found;
            }
        }
    }

    /** CAS of up to 7 bytes inside one aligned long (unaligned locked operations within 8 bytes). */
    private long casInLong(int a, int size, long expect, long update) {
        int base = a & ~7;
        int shift = (a & 7) * 8;
        long m = mask(size) << shift;
        while (true) {
            long cur = (long) I64.getVolatile(ram, base);
            long found = ((cur & m) >>> shift) & mask(size);
            if (found != expect) {
                return found;
            }
            long next = (cur & ~m) | ((update << shift) & m);
            if (I64.compareAndSet(ram, base, cur, next)) {
                return found;
            }
        }
    }

    private long readPlain(int a, int size) {
        switch (size) {
            case 1: return ram[a] & 0xFFL;
            case 2: return ((short) I16.get(ram, a)) & 0xFFFFL;
            case 4: return ((int) I32.get(ram, a)) & 0xFFFF_FFFFL;
            default: return (long) I64.get(ram, a);
        }
    }

    private void writePlain(int a, int size, long v) {
        switch (size) {
            case 1: ram[a] = (byte) v; break;
            case 2: I16.set(ram, a, (short) v); break;
            case 4: I32.set(ram, a, (int) v); break;
            default: I64.set(ram, a, v); break;
        }
    }

    public static long mask(int size) {
        return size == 8 ? -1L : (1L << (size * 8)) - 1;
    }

    // ---------------------------------------------------------------- bulk (loaders, not guests)

    /** Copies {@code len} bytes of {@code src} into guest RAM at {@code addr}. */
    public void load(long addr, byte[] src, int off, int len) {
        if (!contains(addr, len)) {
            throw new IllegalArgumentException(String.format(
                    "image of %d bytes at 0x%x does not fit in %d bytes of guest RAM", len, addr, size));
        }
        System.arraycopy(src, off, ram, (int) addr, len);
        VarHandle.releaseFence();
        notifyRange(addr, len);
    }

    public void load(long addr, byte[] src) {
        load(addr, src, 0, src.length);
    }

    /** Copies guest RAM out. */
    public void copyOut(long addr, byte[] dst, int off, int len) {
        VarHandle.acquireFence();
        System.arraycopy(ram, (int) addr, dst, off, len);
    }
}
