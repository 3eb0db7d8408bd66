package org.apboot.core.machine;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.function.Consumer;
import org.apboot.core.engine.WaitLoop;
import org.apboot.core.mem.PhysicalMemory;

/**
 * The vCPUs parked on the words of one 64-byte line, each waiting for its word to satisfy a
 * {@link WaitLoop.Until} relation with a value ({@link Vcpu#parkPhys} and the other park fields).
 * (The scheduler also keeps the vCPUs that wait for an event only, {@code parkUntil} null, in one
 * instance that no write reaches.)
 *
 * <p>Two kinds of waiter per word:
 * <ul>
 * <li><b>until equal</b> (the mailbox's APIC ID, a command going back to 0, a counter reaching
 *     N): indexed by the awaited value in an open-addressing table, so a write wakes exactly the
 *     vCPUs whose value it wrote: with 100,000 APs parked on one mailbox, a write looks up one
 *     bucket, not 100,000 waiters. Many waiters for one value share a bucket (a broadcast wakes
 *     them all at once).
 * <li><b>any other relation</b> (a lock bit to clear, a counter to reach at least N): one list
 *     per word, checked on each write to the word.
 * </ul>
 * Waiters are linked through {@link Vcpu#waitNext}/{@link Vcpu#waitPrev} (no node objects) and
 * unlinked when woken.
 *
 * <p>Concurrency: every change (park, wake, unpark) happens under this object's monitor, and a
 * waiter is in a list exactly while its vCPU is {@link Vcpu#PARKED}: the vCPU's state changes in
 * the same critical section that links or unlinks it. The write path first looks without the
 * monitor ({@link #mayWake}: no allocation, no lock), reading the word table and the buckets
 * with acquire semantics, and takes the monitor only when a waiter may be satisfied. That racy
 * look can miss only a waiter being linked concurrently; the parking thread re-reads the word
 * after linking (with a full fence in between, as the writer has between its store and the
 * look), so one of the two sees the other.
 */
final class LineWaiters {
    private static final VarHandle REFS = MethodHandles.arrayElementVarHandle(Vcpu[].class);
    private static final VarHandle INTS = MethodHandles.arrayElementVarHandle(int[].class);

    /** Line number (physical address >>> 6). */
    final long line;

    /**
     * Words waited on: {@code packed[i]} = offset in the line << 4 | size; append-only (a word
     * stays once used). {@code scanHead[i]}: first waiter of word i that is not an equality wait.
     */
    private static final class Words {
        final int[] packed;
        final Vcpu[] scanHead;

        Words(int n) {
            packed = new int[n];
            scanHead = new Vcpu[n];
        }
    }

    /** Equality waiters: bucket per (word index, value), {@code word[j]} = index + 1, 0 = free. */
    private static final class EqTable {
        final long[] values;
        final int[] word;
        final Vcpu[] heads;
        final int mask;
        /** Buckets with a key (live or emptied); guarded by the line's monitor. */
        int used;
        /** Buckets with waiters; guarded by the line's monitor. */
        int live;

        EqTable(int capacity) {
            values = new long[capacity];
            word = new int[capacity];
            heads = new Vcpu[capacity];
            mask = capacity - 1;
        }

        static int slot(int w, long v, int mask) {
            long h = (v + w * 0x632B_E59B_D9B4_E019L) * 0x9E37_79B9_7F4A_7C15L;
            return (int) (h >>> 40) & mask;
        }

        /** The bucket of (w, v), or -1. Safe without the monitor (acquire reads). */
        int find(int w, long v) {
            int key = w + 1;
            for (int j = slot(w, v, mask); ; j = (j + 1) & mask) {
                int k = (int) INTS.getAcquire(word, j);
                if (k == 0) {
                    return -1;
                }
                if (k == key && values[j] == v) {
                    return j;
                }
            }
        }
    }

    private volatile Words words = new Words(2);
    private volatile int wordCount;
    private volatile EqTable eq;

    /** Multi-threaded machines: parking here is allowed once this is set (see Scheduler#armed). */
    volatile boolean armed;
    /** Each worker's slot sequence when the line was first watched for parking; guarded by this. */
    long[] armSnapshot;

    LineWaiters(long line) {
        this.line = line;
    }

    private static boolean overlaps(long wordAddr, int size, long addr, int len) {
        return wordAddr < addr + len && addr < wordAddr + size;
    }

    /**
     * True when a write of [addr, addr+len) may have satisfied a waiter here. Lock-free and
     * allocation-free; the caller has fenced after its store.
     */
    boolean mayWake(PhysicalMemory ram, long addr, int len) {
        int n = wordCount;
        if (n == 0) {
            return false;
        }
        Words ws = words;
        EqTable t = eq;
        long base = line << 6;
        for (int i = 0; i < n; i++) {
            int p = ws.packed[i];
            long wa = base + (p >>> 4);
            int size = p & 0xF;
            if (!overlaps(wa, size, addr, len)) {
                continue;
            }
            if (REFS.getAcquire(ws.scanHead, i) != null) {
                return true;
            }
            if (t != null) {
                int j = t.find(i, ram.read(wa, size));
                if (j >= 0 && REFS.getAcquire(t.heads, j) != null) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Links a vCPU whose park fields are set; the caller holds the monitor. */
    void add(Vcpu v) {
        // a vCPU waiting for an event only (no relation) is kept as a waiter of a dummy word
        int i = v.parkUntil == null ? wordIndex(0, 1) : wordIndex((int) (v.parkPhys & 63), v.parkSize);
        v.waitWord = i;
        v.waitLine = this;
        if (v.parkUntil == WaitLoop.Until.EQUAL) {
            EqTable t = eq;
            if (t == null || (t.used + 1) * 2 > t.values.length) {
                t = rehash(t, 1);
            }
            int j = t.find(i, v.parkValue);
            if (j < 0) {
                j = EqTable.slot(i, v.parkValue, t.mask);
                while (t.word[j] != 0) {
                    j = (j + 1) & t.mask;
                }
                t.values[j] = v.parkValue;
                INTS.setRelease(t.word, j, i + 1);
                t.used++;
            }
            Vcpu head = t.heads[j];
            if (head == null) {
                t.live++;
            }
            push(v, head);
            REFS.setRelease(t.heads, j, v);
        } else {
            Words ws = words;
            Vcpu head = ws.scanHead[i];
            push(v, head);
            REFS.setRelease(ws.scanHead, i, v);
        }
    }

    private static void push(Vcpu v, Vcpu head) {
        v.waitPrev = null;
        v.waitNext = head;
        if (head != null) {
            head.waitPrev = v;
        }
    }

    /** Index of the word (offset, size), added when new; the caller holds the monitor. */
    private int wordIndex(int offset, int size) {
        int key = offset << 4 | size;
        Words ws = words;
        int n = wordCount;
        for (int i = 0; i < n; i++) {
            if (ws.packed[i] == key) {
                return i;
            }
        }
        if (n == ws.packed.length) {
            Words bigger = new Words(n * 2);
            System.arraycopy(ws.packed, 0, bigger.packed, 0, n);
            System.arraycopy(ws.scanHead, 0, bigger.scanHead, 0, n);
            words = bigger; // published before the count that makes word n visible
            ws = bigger;
        }
        ws.packed[n] = key;
        wordCount = n + 1;
        return n;
    }

    /**
     * A table holding the live buckets of {@code old} with room for {@code extra} more, sized so
     * that it is at most a quarter full (it also shrinks a table emptied by wake-ups).
     */
    private EqTable rehash(EqTable old, int extra) {
        int live = old == null ? 0 : old.live;
        int cap = 8;
        while (cap < (live + extra) * 4) {
            cap <<= 1;
        }
        EqTable t = new EqTable(cap);
        if (old != null) {
            for (int j = 0; j < old.values.length; j++) {
                Vcpu head = old.heads[j];
                if (head != null) {
                    int k = EqTable.slot(old.word[j] - 1, old.values[j], t.mask);
                    while (t.word[k] != 0) {
                        k = (k + 1) & t.mask;
                    }
                    t.values[k] = old.values[j];
                    t.word[k] = old.word[j];
                    t.heads[k] = head;
                }
            }
            t.used = t.live = live;
        }
        eq = t;
        return t;
    }

    /** Rebuilds a table that wake-ups left mostly empty (so an idle machine holds little). */
    private void shrinkIfSparse(EqTable t) {
        if (t.values.length > 64 && t.live * 16 < t.values.length) {
            rehash(t, 0);
        }
    }

    /**
     * Unlinks {@code v} if it waits here; the caller holds the monitor. Returns false when it was
     * not linked (already woken).
     */
    boolean remove(Vcpu v) {
        if (v.waitLine != this) {
            return false;
        }
        unlink(v);
        return true;
    }

    private void unlink(Vcpu v) {
        Vcpu next = v.waitNext;
        Vcpu prev = v.waitPrev;
        if (next != null) {
            next.waitPrev = prev;
        }
        if (prev != null) {
            prev.waitNext = next;
        } else if (v.parkUntil == WaitLoop.Until.EQUAL) {
            EqTable t = eq;
            int j = t.find(v.waitWord, v.parkValue);
            REFS.setRelease(t.heads, j, next);
            if (next == null) {
                t.live--;
                shrinkIfSparse(t);
            }
        } else {
            REFS.setRelease(words.scanHead, v.waitWord, next);
        }
        v.waitNext = v.waitPrev = null;
        v.waitLine = null;
    }

    /**
     * Wakes every waiter satisfied by the current contents of the words overlapping
     * [addr, addr+len) (every word when {@code len} is 0); the caller holds the monitor. Returns
     * how many were woken.
     */
    int wakeSatisfied(PhysicalMemory ram, long addr, int len, Scheduler s) {
        int woken = 0;
        int n = wordCount;
        Words ws = words;
        long base = line << 6;
        for (int i = 0; i < n; i++) {
            int p = ws.packed[i];
            long wa = base + (p >>> 4);
            int size = p & 0xF;
            if (len != 0 && !overlaps(wa, size, addr, len)) {
                continue;
            }
            long now = ram.read(wa, size);
            EqTable t = eq;
            int j = t == null ? -1 : t.find(i, now);
            Vcpu head = j >= 0 ? t.heads[j] : null;
            if (head != null) {
                // the whole bucket is satisfied: detach it at once
                REFS.setRelease(t.heads, j, null);
                t.live--;
                for (Vcpu v = head; v != null; ) {
                    Vcpu next = v.waitNext;
                    v.waitNext = v.waitPrev = null;
                    v.waitLine = null;
                    s.wakeParked(v);
                    woken++;
                    v = next;
                }
                shrinkIfSparse(t);
            }
            for (Vcpu v = ws.scanHead[i]; v != null; ) {
                Vcpu next = v.waitNext;
                if (v.parkUntil.holds(now, v.parkValue, size)) {
                    unlink(v);
                    s.wakeParked(v);
                    woken++;
                }
                v = next;
            }
        }
        return woken;
    }

    /** Every waiter, for reports; the caller holds the monitor. */
    void forEach(Consumer<Vcpu> c) {
        int n = wordCount;
        Words ws = words;
        for (int i = 0; i < n; i++) {
            for (Vcpu v = ws.scanHead[i]; v != null; v = v.waitNext) {
                c.accept(v);
            }
        }
        EqTable t = eq;
        if (t != null) {
            for (Vcpu head : t.heads) {
                for (Vcpu v = head; v != null; v = v.waitNext) {
                    c.accept(v);
                }
            }
        }
    }
}
