package org.apboot.core.cpu;

import java.util.concurrent.ArrayBlockingQueue;

/**
 * Released TLB arrays kept for reuse, so parking and waking thousands of vCPUs allocates
 * nothing. Each host thread keeps a few in a stack of its own (a vCPU gives its array back and
 * takes one again on the thread that runs it, with no atomic operation); a thread's overflow
 * goes to a shared queue, which a thread with none left draws from.
 */
final class TlbPool {
    private static final int LOCAL_MAX = 32;
    private static final ArrayBlockingQueue<long[]> SHARED = new ArrayBlockingQueue<>(256);
    private static final ThreadLocal<Local> LOCAL = ThreadLocal.withInitial(Local::new);

    private static final class Local {
        final long[][] stack = new long[LOCAL_MAX][];
        int size;
    }

    private TlbPool() {
    }

    /** Gives an array back (it is not read again by the caller). */
    static void release(long[] t) {
        Local l = LOCAL.get();
        if (l.size < LOCAL_MAX) {
            l.stack[l.size++] = t;
        } else {
            SHARED.offer(t); // dropped when the shared queue is full too
        }
    }

    /** A released array, or null when there is none. */
    static long[] take() {
        Local l = LOCAL.get();
        if (l.size > 0) {
            long[] t = l.stack[--l.size];
            l.stack[l.size] = null;
            return t;
        }
        return SHARED.poll();
    }
}
