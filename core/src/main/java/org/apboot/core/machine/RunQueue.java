package org.apboot.core.machine;

/**
 * The machine's run queue: FIFO, linked through the vCPUs themselves ({@link Vcpu#queueNext}),
 * so enqueueing allocates nothing (a wake-up per AP must not cost a node). A vCPU is in the
 * queue at most once (adding a queued one again changes nothing); a lock guards the links (the host threads are few, the critical sections
 * a few stores).
 */
final class RunQueue {
    private Vcpu head, tail;
    /** Length, readable without the lock (idle checks). */
    private volatile int size;

    synchronized void add(Vcpu v) {
        if (v.queued) {
            return; // already waiting to run: it runs once
        }
        v.queued = true;
        v.queueNext = null;
        if (tail == null) {
            head = v;
        } else {
            tail.queueNext = v;
        }
        tail = v;
        size++;
    }

    /** The first vCPU, removed; null when empty. */
    Vcpu poll() {
        if (size == 0) {
            return null;
        }
        synchronized (this) {
            Vcpu v = head;
            if (v == null) {
                return null;
            }
            head = v.queueNext;
            if (head == null) {
                tail = null;
            }
            v.queueNext = null;
            v.queued = false;
            size--;
            return v;
        }
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** The queued vCPUs in order (a snapshot of a machine that does not run). */
    synchronized java.util.List<Vcpu> contents() {
        java.util.List<Vcpu> out = new java.util.ArrayList<>();
        for (Vcpu v = head; v != null; v = v.queueNext) {
            out.add(v);
        }
        return out;
    }

    /** Empties the queue (a restore of a machine that does not run). */
    synchronized void clear() {
        for (Vcpu v = head; v != null; ) {
            Vcpu next = v.queueNext;
            v.queueNext = null;
            v.queued = false;
            v = next;
        }
        head = tail = null;
        size = 0;
    }
}
