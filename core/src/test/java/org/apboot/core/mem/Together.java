package org.apboot.core.mem;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * Runs one body per host thread, all starting together: each thread spins until every one has
 * started, so the bodies overlap as much as the host allows.
 */
final class Together {
    private Together() {
    }

    /** Runs {@code body.accept(t)} on threads t = 0..threads-1 and waits for all of them. */
    static void run(int threads, IntConsumer body) throws InterruptedException {
        AtomicInteger ready = new AtomicInteger();
        List<Thread> all = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread th = new Thread(() -> {
                ready.incrementAndGet();
                while (ready.get() < threads) {
                    Thread.onSpinWait();
                }
                body.accept(id);
            });
            th.setDaemon(true);
            th.start();
            all.add(th);
        }
        for (Thread th : all) {
            th.join();
        }
    }
}
