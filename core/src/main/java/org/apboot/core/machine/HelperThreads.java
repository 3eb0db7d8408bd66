package org.apboot.core.machine;

import java.util.concurrent.Executor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The host threads that run helper workers, shared by every machine of the process and kept a
 * while after a run: starting and joining a thread costs about half a millisecond on a
 * virtualised host, a tenth of a 4096-AP bring-up, and benchmarks and {@code boot --repeat}
 * build a new machine for every run. A task goes to an idle thread when there is one, else to
 * a new thread; a thread idle for {@link #KEEP_ALIVE_SECONDS} ends, so nothing stays behind.
 */
final class HelperThreads {
    /** How long an idle helper thread waits for the next task before it ends. */
    static final long KEEP_ALIVE_SECONDS = 2;

    private static final AtomicLong STARTED = new AtomicLong();

    private static final ThreadPoolExecutor POOL = new ThreadPoolExecutor(0, Integer.MAX_VALUE,
            KEEP_ALIVE_SECONDS, TimeUnit.SECONDS, new SynchronousQueue<>(), task -> {
                Thread t = new Thread(task, "apboot-helper-" + STARTED.incrementAndGet());
                t.setDaemon(true);
                return t;
            });

    private HelperThreads() {
    }

    /** Where helper workers run; each task runs at once, on a thread of its own. */
    static Executor executor() {
        return POOL;
    }

    /** Helper threads running a task now (for tests). */
    static int busy() {
        return POOL.getActiveCount();
    }

    /** Helper threads started so far in this process (for tests). */
    static long started() {
        return STARTED.get();
    }
}
