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
 * <li><b>until equal</b> (the mailbox's APIC ID, a command going back to 0, a flag set to 1):
 *     indexed by the awaited value in an open-addressing table, so a write wakes exactly the
 *     vCPUs whose value it wrote: with 100,000 APs parked on one mailbox, a write looks up one
 *     bucket, not 100,000 waiters. Many waiters for one value share a bucket (a broadcast wakes
 *     them all at once).
 * <li><b>any other relation</b> (a lock bit to clear, a counter to reach at least N): grouped
 *     per word by relation and value ({@link Group}), so a write evaluates each distinct
 *     condition once: thousands of APs parked on the trampoline lock are one group, and a
 *     release wakes the one that has waited longest without looking at the others.
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
    private static final VarHandle GROUPS = MethodHandles.arrayElementVarHandle(Group[][].class);
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);

    /** Line number (physical address >>> 6). */
    final long line;
    /** The machine, whose vCPUs the equality buckets name by index. */
    private final Machine machine;

    /**
     * Words waited on: {@code packed[i]} = offset in the line << 4 | size; append-only (a word
     * stays once used). {@code groups[i]}: the groups of word i's waiters that are not equality
     * waits, or null; replaced, never changed in place, so a reader without the monitor sees a
     * consistent array.
     */
    private static final class Words {
        final int[] packed;
        final Group[][] groups;

        Words(int n) {
            packed = new int[n];
            groups = new Group[n][];
        }
    }

    /**
     * The waiters of one word that wait for the same relation with the same value and either
     * all take what they wait for or none does: a write satisfies all of them or none. Linked
     * newest first; a group leaves its word's array when its last waiter goes.
     */
    private static final class Group {
        final WaitLoop.Until until;
        final long value;
        final boolean takes;
        /** The newest waiter; read without the monitor by {@link #mayWake}. */
        volatile Vcpu head;
        /** The oldest waiter (the one a release wakes first). */
        Vcpu tail;

        Group(WaitLoop.Until until, long value, boolean takes) {
            this.until = until;
            this.value = value;
            this.takes = takes;
        }

        /** True if {@code v}'s park fields name this group (an event-only wait has no value). */
        boolean holdsWaiter(Vcpu v) {
            return v.parkUntil == until && (until == null || (v.parkValue == value && v.parkTakes == takes));
        }
    }

    /**
     * Equality waiters: one bucket per (word index, value), open addressing with linear probing.
     * A bucket is two longs in one array, so a probe touches one cache line: {@code kv[2j]} the
     * value, {@code kv[2j+1]} the meta word, (word index + 1) << 32 | (first waiter's CPU index +
     * 1); meta 0 is a free slot, a zero low half an emptied bucket (its key stays until the table
     * is rebuilt, so probe chains never break under a lock-free reader).
     */
    private static final class EqTable {
        final long[] kv;
        final int mask;
        /** Buckets with a key (live or emptied); guarded by the line's monitor. */
        int used;
        /** Buckets with waiters; guarded by the line's monitor. */
        int live;

        EqTable(int capacity) {
            kv = new long[2 * capacity];
            mask = capacity - 1;
        }

        int capacity() {
            return mask + 1;
        }

        static int slot(int w, long v, int mask) {
            long h = (v ^ ((long) w << 58)) * 0x9E37_79B9_7F4A_7C15L;
            return (int) (h >>> 32) & mask;
        }

        /** The bucket of (w, v), or -1. Safe without the monitor (acquire reads). */
        int find(int w, long v) {
            long key = (long) (w + 1) << 32;
            for (int j = slot(w, v, mask); ; j = (j + 1) & mask) {
                long meta = (long) LONGS.getAcquire(kv, 2 * j + 1);
                if (meta == 0) {
                    return -1;
                }
                if ((meta & ~0xFFFF_FFFFL) == key && kv[2 * j] == v) {
                    return j;
                }
            }
        }

        /** CPU index + 1 of bucket j's first waiter, 0 when none. Safe without the monitor. */
        int head(int j) {
            return (int) (long) LONGS.getAcquire(kv, 2 * j + 1);
        }

        /** Sets bucket j's first waiter (null: none); the caller holds the monitor. */
        void setHead(int j, Vcpu v) {
            long meta = (long) LONGS.get(kv, 2 * j + 1);
            LONGS.setRelease(kv, 2 * j + 1, (meta & ~0xFFFF_FFFFL) | (v == null ? 0 : v.cpu.index + 1L));
        }

        /** A new bucket for (w, v) with no waiter, in a slot known to be free of it. */
        int insert(int w, long v) {
            int j = slot(w, v, mask);
            while (kv[2 * j + 1] != 0) {
                j = (j + 1) & mask;
            }
            kv[2 * j] = v;
            LONGS.setRelease(kv, 2 * j + 1, (long) (w + 1) << 32);
            used++;
            return j;
        }
    }

    private volatile Words words = new Words(2);
    private volatile int wordCount;
    private volatile EqTable eq;

    /** Multi-threaded machines: parking here is allowed once this is set (see Scheduler#armed). */
    volatile boolean armed;
    /** Each worker's slot sequence when the line was first watched for parking; guarded by this. */
    long[] armSnapshot;

    LineWaiters(long line, Machine machine) {
        this.line = line;
        this.machine = machine;
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
            Group[] gs = (Group[]) GROUPS.getAcquire(ws.groups, i);
            if (gs == null && t == null) {
                continue;
            }
            long now = ram.read(wa, size);
            if (gs != null) {
                for (Group g : gs) {
                    if (g.head != null && g.until != null && g.until.holds(now, g.value, size)) {
                        return true;
                    }
                }
            }
            if (t != null) {
                int j = t.find(i, now);
                if (j >= 0 && t.head(j) != 0) {
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
            int j = t == null ? -1 : t.find(i, v.parkValue);
            if (j < 0) {
                if (t == null || (t.used + 1) * 3 > t.capacity() * 2) {
                    t = rehash(t, 1); // at most two thirds full
                }
                j = t.insert(i, v.parkValue);
            }
            int h = t.head(j);
            Vcpu head = h == 0 ? null : machine.vcpu(h - 1);
            if (head == null) {
                t.live++;
            }
            push(v, head);
            t.setHead(j, v);
        } else {
            Words ws = words;
            Group[] gs = ws.groups[i];
            Group g = gs == null ? null : groupOf(gs, v);
            if (g == null) {
                g = new Group(v.parkUntil, v.parkUntil == null ? 0 : v.parkValue, v.parkUntil != null && v.parkTakes);
                Group[] more = gs == null ? new Group[1] : java.util.Arrays.copyOf(gs, gs.length + 1);
                more[more.length - 1] = g;
                GROUPS.setRelease(ws.groups, i, more);
            }
            push(v, g.head);
            if (g.tail == null) {
                g.tail = v;
            }
            g.head = v;
        }
    }

    private static Group groupOf(Group[] gs, Vcpu v) {
        for (Group g : gs) {
            if (g.holdsWaiter(v)) {
                return g;
            }
        }
        return null;
    }

    /** Takes an emptied group out of word {@code i}'s array; the caller holds the monitor. */
    private void dropGroup(int i, Group g) {
        Words ws = words;
        Group[] gs = ws.groups[i];
        if (gs.length == 1) {
            GROUPS.setRelease(ws.groups, i, null);
            return;
        }
        Group[] fewer = new Group[gs.length - 1];
        for (int k = 0, n = 0; k < gs.length; k++) {
            if (gs[k] != g) {
                fewer[n++] = gs[k];
            }
        }
        GROUPS.setRelease(ws.groups, i, fewer);
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
            System.arraycopy(ws.groups, 0, bigger.groups, 0, n);
            words = bigger; // published before the count that makes word n visible
            ws = bigger;
        }
        ws.packed[n] = key;
        wordCount = n + 1;
        return n;
    }

    /**
     * A table holding the live buckets of {@code old} with room for {@code extra} more, at most a
     * third full (it also shrinks a table emptied by wake-ups).
     */
    private EqTable rehash(EqTable old, int extra) {
        int live = old == null ? 0 : old.live;
        int cap = 8;
        while (cap < (live + extra) * 3) {
            cap <<= 1;
        }
        EqTable t = new EqTable(cap);
        if (old != null) {
            long[] kv = old.kv;
            for (int j = 0; j < old.capacity(); j++) {
                long meta = kv[2 * j + 1];
                if ((int) meta != 0) {
                    int k = EqTable.slot((int) (meta >>> 32) - 1, kv[2 * j], t.mask);
                    while (t.kv[2 * k + 1] != 0) {
                        k = (k + 1) & t.mask;
                    }
                    t.kv[2 * k] = kv[2 * j];
                    t.kv[2 * k + 1] = meta;
                }
            }
            t.used = t.live = live;
        }
        eq = t;
        return t;
    }

    /** Rebuilds a table that wake-ups left mostly empty (so an idle machine holds little). */
    private void shrinkIfSparse(EqTable t) {
        if (t.capacity() > 64 && t.live * 16 < t.capacity()) {
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
        }
        if (v.parkUntil == WaitLoop.Until.EQUAL) {
            if (prev == null) {
                EqTable t = eq;
                int j = t.find(v.waitWord, v.parkValue);
                t.setHead(j, next);
                if (next == null) {
                    t.live--;
                    shrinkIfSparse(t);
                }
            }
        } else if (prev == null || next == null) {
            Group g = groupOf(words.groups[v.waitWord], v);
            if (prev == null) {
                g.head = next;
            }
            if (next == null) {
                g.tail = prev;
            }
            if (g.head == null) {
                dropGroup(v.waitWord, g);
            }
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
            int h = j >= 0 ? t.head(j) : 0;
            if (h != 0) {
                // the whole bucket is satisfied: detach it at once
                Vcpu head = machine.vcpu(h - 1);
                t.setHead(j, null);
                t.live--;
                woken += wakeChain(head, s);
                shrinkIfSparse(t);
            }
            Group[] gs = ws.groups[i];
            if (gs == null) {
                continue;
            }
            for (Group g : gs) { // a snapshot: wake-ups below may replace the word's array
                if (g.head == null || g.until == null || !g.until.holds(now, g.value, size)) {
                    continue;
                }
                if (g.takes && len != 0) {
                    // waiters that take what they wait for (a lock): a write wakes the one
                    // waiting longest, the others would find it taken again; the
                    // re-examination of an idle machine ({@code len} 0) wakes them all
                    Vcpu oldest = g.tail;
                    unlink(oldest);
                    s.wakeParked(oldest);
                    woken++;
                    continue;
                }
                Vcpu head = g.head;
                g.head = g.tail = null;
                dropGroup(i, g);
                woken += wakeChain(head, s);
            }
        }
        return woken;
    }

    /** Every waiter, for reports; the caller holds the monitor. */
    void forEach(Consumer<Vcpu> c) {
        int n = wordCount;
        Words ws = words;
        for (int i = 0; i < n; i++) {
            Group[] gs = ws.groups[i];
            for (int k = 0; gs != null && k < gs.length; k++) {
                for (Vcpu v = gs[k].head; v != null; v = v.waitNext) {
                    c.accept(v);
                }
            }
        }
        EqTable t = eq;
        if (t != null) {
            for (int j = 0; j < t.capacity(); j++) {
                int h = t.head(j);
                for (Vcpu v = h == 0 ? null : machine.vcpu(h - 1); v != null; v = v.waitNext) {
                    c.accept(v);
                }
            }
        }
    }

    /** Wakes every vCPU of a chain already detached from its waiters; returns how many. */
    private static int wakeChain(Vcpu head, Scheduler s) {
        int n = 0;
        for (Vcpu v = head; v != null; ) {
            Vcpu next = v.waitNext;
            v.waitNext = v.waitPrev = null;
            v.waitLine = null;
            s.wakeParked(v);
            n++;
            v = next;
        }
        return n;
    }
}
