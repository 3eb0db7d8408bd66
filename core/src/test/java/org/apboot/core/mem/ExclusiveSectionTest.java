package org.apboot.core.mem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * {@link PhysicalMemory#exclusive}: locked operations the section makes itself pass (a page walk
 * setting accessed bits inside a split locked operation) and leave nothing behind, so later
 * sections still run; a locked operation of another thread waits until the section ends.
 * Threads are joined with a generous limit so a broken section fails rather than hangs.
 */
class ExclusiveSectionTest {
    private static final long LIMIT_MS = 20_000;

    @Test
    void lockedOperationsInsideASectionPassAndLeaveNothingBehind() throws Exception {
        PhysicalMemory ram = new PhysicalMemory(4096);
        AtomicLong result = new AtomicLong(-1);
        Thread t = new Thread(() -> {
            result.set(ram.exclusive(() -> ram.compareAndExchange(8, 4, 0, 0x55)
                    + ram.compareAndExchange(16, 8, 0, 7) + ram.compareAndExchange(30, 4, 0, 9)));
            ram.exclusive(() -> ram.compareAndExchange(8, 4, 0x55, 0x66));
            ram.compareAndExchange(16, 8, 7, 8);
        });
        t.setDaemon(true);
        t.start();
        t.join(LIMIT_MS);
        assertFalse(t.isAlive(), "a section blocked on its own locked operations");
        assertEquals(0, result.get());
        assertEquals(0x66, ram.read(8, 4));
        assertEquals(8, ram.read64(16));
        assertEquals(9, ram.read(30, 4));
        Thread other = new Thread(() -> ram.exclusive(() -> 0));
        other.setDaemon(true);
        other.start();
        other.join(LIMIT_MS);
        assertFalse(other.isAlive(), "a later section waits for a locked operation that never ended");
    }

    @Test
    void anotherThreadsLockedOperationWaitsForTheSection() throws Exception {
        PhysicalMemory ram = new PhysicalMemory(4096);
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean done = new AtomicBoolean();
        Thread section = new Thread(() -> ram.exclusive(() -> {
            inside.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return ram.read(0, 4);
        }));
        section.setDaemon(true);
        section.start();
        inside.await();
        Thread locked = new Thread(() -> {
            ram.compareAndExchange(0, 4, 0, 1);
            done.set(true);
        });
        locked.setDaemon(true);
        locked.start();
        Thread.sleep(200);
        assertFalse(done.get(), "the locked operation ran inside another thread's section");
        assertEquals(0, ram.read(0, 4));
        release.countDown();
        locked.join(LIMIT_MS);
        section.join(LIMIT_MS);
        assertTrue(done.get());
        assertEquals(1, ram.read(0, 4));
    }
}
