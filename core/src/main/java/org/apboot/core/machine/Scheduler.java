package org.apboot.core.machine;

import java.util.ArrayList;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.apboot.core.cpu.Cpu;
import org.apboot.core.engine.Engine;
import org.apboot.core.engine.EngineWorker;
import org.apboot.core.engine.ExitReason;
import org.apboot.core.fault.CpuException;
import org.apboot.core.mem.Mmu;
import org.apboot.core.mem.PhysicalMemory;
import org.apboot.core.semantics.Flags;
import org.apboot.core.semantics.Mem;

/**
 * Multiplexes vCPUs over a few host threads with the machine's own run queue.
 *
 * <p>A wake-up (SIPI, a write to a word a parked vCPU polls) is a run-queue operation: the woken
 * vCPU goes into the waking thread's "run next" slot, so a serial handshake (the BSP writes the
 * mailbox, the AP acknowledges, the BSP goes on) costs no host thread switch. A vCPU that exits
 * on PAUSE is parked on the word its loop polls ({@link Cpu#pollSeg}/{@link Cpu#pollOffset})
 * until a write makes its condition true. When every thread is idle, parked vCPUs are
 * re-examined once (this also covers a wake-up lost to a racing write); if none can run, the
 * machine is quiescent and the run ends.
 *
 * <p>Deterministic mode: one host thread (the caller's), fixed quanta, FIFO order: the same
 * machine and engine give the same interleaving every time.
 */
final class Scheduler implements PhysicalMemory.WriteListener {
    private final Machine machine;
    private final PhysicalMemory ram;
    private final int threads;
    private final long quantum;
    private final ConcurrentLinkedQueue<Vcpu> queue = new ConcurrentLinkedQueue<>();
    private final ConcurrentHashMap<Long, ParkedWaiters> parked = new ConcurrentHashMap<>();
    private final ThreadLocal<Worker> current = new ThreadLocal<>();
    private final AtomicInteger idle = new AtomicInteger();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final Object recheckLock = new Object();
    private volatile long deadline = Long.MAX_VALUE;
    private volatile boolean timedOut;
    final java.util.concurrent.atomic.LongAdder parks = new java.util.concurrent.atomic.LongAdder();
    final java.util.concurrent.atomic.LongAdder wakes = new java.util.concurrent.atomic.LongAdder();

    private static final class Worker {
        final EngineWorker engine;
        Vcpu runNext;

        Worker(EngineWorker engine) {
            this.engine = engine;
        }
    }

    Scheduler(Machine machine, int threads, long quantum) {
        this.machine = machine;
        this.ram = machine.ram();
        this.threads = threads;
        this.quantum = quantum;
        ram.addWriteListener(this);
    }

    /** Makes a vCPU runnable (its state is already RUNNABLE). */
    void enqueue(Vcpu v) {
        Worker w = current.get();
        if (w != null && w.runNext == null) {
            w.runNext = v;
        } else {
            queue.add(v);
        }
    }

    /**
     * True when a halted or parked vCPU has an event it can take now (read with volatile
     * semantics: the caller has just published the vCPU's state, or read it).
     */
    static boolean eventWakes(Vcpu v) {
        return v.cpu.canTake(v.cpu.eventsVolatile());
    }

    /** Wakes a parked vCPU if it is still parked; exactly one caller wins. */
    boolean wake(Vcpu v) {
        if (v.casState(Vcpu.PARKED, Vcpu.RUNNABLE)) {
            wakes.increment();
            enqueue(v);
            return true;
        }
        return false;
    }

    /** Wakes a parked vCPU for a reason other than its word (INIT), removing it from the waiters. */
    void unpark(Vcpu v) {
        ParkedWaiters w = parked.get(v.parkPhys >>> 6);
        if (w != null) {
            w.remove(v);
        }
        wake(v);
    }

    /**
     * Runs until the machine is quiescent, {@link #requestStop()} is called, or the timeout passes.
     *
     * @return true if the run ended by timeout
     */
    boolean run(Engine engine, long timeoutNanos) {
        stop.set(false);
        timedOut = false;
        deadline = timeoutNanos <= 0 ? Long.MAX_VALUE : System.nanoTime() + timeoutNanos;
        if (threads == 1) {
            workerLoop(new Worker(engine.newWorker()));
        } else {
            ArrayList<Thread> pool = new ArrayList<>();
            ArrayList<Throwable> errors = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Worker w = new Worker(engine.newWorker());
                Thread th = new Thread(() -> workerLoop(w), "apboot-vcpu-" + t);
                th.setDaemon(true);
                th.setUncaughtExceptionHandler((thr, e) -> {
                    synchronized (errors) {
                        errors.add(e);
                    }
                    stop.set(true);
                });
                pool.add(th);
            }
            pool.forEach(Thread::start);
            for (Thread th : pool) {
                try {
                    th.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    stop.set(true);
                }
            }
            if (!errors.isEmpty()) {
                Throwable e = errors.get(0);
                throw e instanceof RuntimeException ? (RuntimeException) e : new IllegalStateException(e);
            }
        }
        return timedOut;
    }

    void requestStop() {
        stop.set(true);
    }

    private void workerLoop(Worker w) {
        current.set(w);
        try {
            while (!stop.get()) {
                Vcpu v = w.runNext;
                if (v != null) {
                    w.runNext = null;
                } else {
                    v = queue.poll();
                }
                if (v == null) {
                    if (idleUntilWork()) {
                        return;
                    }
                    continue;
                }
                int reason = runUntilSteady(w, v);
                if (v.timer != null) {
                    machine.timerAfterSlot(v, reason == ExitReason.HALT);
                }
                switch (reason) {
                    case ExitReason.BUDGET:
                        queue.add(v);
                        break;
                    case ExitReason.HALT:
                        v.cpu.mmu.release();
                        v.setState(Vcpu.HALTED);
                        // an interrupt requested while it was halting saw it still runnable
                        if (eventWakes(v) && v.casState(Vcpu.HALTED, Vcpu.RUNNABLE)) {
                            queue.add(v);
                        } else {
                            machine.vcpuStopped(v);
                        }
                        break;
                    case ExitReason.INIT:
                        machine.applyInit(v);
                        break;
                    case ExitReason.SHUTDOWN:
                        v.setState(Vcpu.SHUTDOWN);
                        machine.vcpuStopped(v);
                        break;
                    default:
                        if (v.lastPauseInterval < 0 || !tryPark(v)) {
                            queue.add(v);
                        }
                        break;
                }
                if (System.nanoTime() > deadline) {
                    timedOut = true;
                    stop.set(true);
                }
            }
        } finally {
            // hand back anything this thread was about to run
            if (w.runNext != null) {
                queue.add(w.runNext);
                w.runNext = null;
            }
            current.remove();
        }
    }

    /** PAUSE exits in a row a vCPU may take in one slot while its spin loop settles. */
    private static final int SETTLE_PAUSES = 8;

    /**
     * Runs a vCPU for one slot. A PAUSE exit is returned only once the spin loop is steady (see
     * {@link Vcpu#lastPauseRip}); until then the vCPU keeps running, so a loop that reads the word
     * after its PAUSE has read it before the machine decides what to watch.
     */
    private int runUntilSteady(Worker w, Vcpu v) {
        for (int i = 0; ; i++) {
            int reason = w.engine.run(v.cpu, quantum);
            Cpu c = v.cpu;
            if (reason != ExitReason.PAUSE) {
                v.lastPauseRip = -1;
                v.lastPauseInterval = -1;
                return reason;
            }
            long rip = c.seg[org.apboot.core.decode.Insn.CS].base + c.rip;
            long interval = c.instructions - v.lastPauseInstructions;
            boolean steady = rip == v.lastPauseRip && interval == v.lastPauseInterval;
            v.lastPauseInterval = rip == v.lastPauseRip ? interval : -1;
            v.lastPauseRip = rip;
            v.lastPauseInstructions = c.instructions;
            if (steady || i >= SETTLE_PAUSES) {
                if (!steady) {
                    v.lastPauseInterval = -1; // not a recognisable spin loop: requeue, never park
                }
                return reason;
            }
        }
    }

    /** Returns true when the run is over; false when there may be work again. */
    private boolean idleUntilWork() {
        idle.incrementAndGet();
        try {
            for (int spin = 0; spin < 64; spin++) {
                if (!queue.isEmpty() || stop.get()) {
                    return stop.get();
                }
                if (threads > 1) {
                    LockSupport.parkNanos(spin < 16 ? 1_000 : 20_000);
                }
                if (idle.get() == threads) {
                    break;
                }
            }
            synchronized (recheckLock) {
                if (stop.get()) {
                    return true;
                }
                if (queue.isEmpty() && idle.get() == threads) {
                    if (recheckParked() == 0 && queue.isEmpty()) {
                        stop.set(true);
                        return true;
                    }
                }
            }
            if (System.nanoTime() > deadline) {
                timedOut = true;
                stop.set(true);
                return true;
            }
            return false;
        } finally {
            idle.decrementAndGet();
        }
    }

    /** Wakes every parked vCPU whose condition holds; returns how many. */
    private int recheckParked() {
        int n = 0;
        for (ParkedWaiters w : parked.values()) {
            ArrayList<Vcpu> ready = w.takeSatisfied(ram);
            if (ready != null) {
                for (Vcpu v : ready) {
                    if (wake(v)) {
                        n++;
                    }
                }
            }
        }
        return n;
    }

    /**
     * Parks a vCPU that exited on PAUSE on the word its loop polled. Returns false (the caller
     * requeues it) when the word cannot be determined or the condition already holds.
     */
    private boolean tryPark(Vcpu v) {
        Cpu c = v.cpu;
        if ((c.sysFlags & Cpu.IF) != 0 && LocalApic.timerArmed(v)) {
            return false; // its clock must run for the timer to expire: keep it running
        }
        int size = c.pollSize == 1 || c.pollSize == 2 || c.pollSize == 4 || c.pollSize == 8 ? c.pollSize : 4;
        long phys;
        try {
            long lin = Mem.linear(c, c.pollSeg, c.pollOffset, size, false);
            phys = c.mmu.translate(lin, Mmu.READ, c.cpl == 3);
        } catch (CpuException e) {
            return false;
        }
        if (!ram.contains(phys, size) || ((phys ^ (phys + size - 1)) >>> 6) != 0) {
            return false;
        }
        long mask = PhysicalMemory.mask(size);
        long seen = c.pollValue & mask;
        boolean untilEqual = false;
        long value = seen;
        if (c.flagOp == Flags.SUB && c.flagSize == size) {
            long d = c.flagDst & mask, s = c.flagSrc & mask;
            if (d == seen && s != seen) {
                untilEqual = true;
                value = s;
            } else if (s == seen && d != seen) {
                untilEqual = true;
                value = d;
            }
        }
        c.mmu.release();
        v.parkPhys = phys;
        v.parkSize = size;
        v.parkValue = value;
        v.parkUntilEqual = untilEqual;
        ParkedWaiters w = parked.computeIfAbsent(phys >>> 6, k -> new ParkedWaiters());
        v.setState(Vcpu.PARKED);
        w.add(v);
        ram.watchLine(phys, size);
        parks.increment();
        long now = ram.read(phys, size);
        boolean holds = untilEqual ? now == value : now != value;
        if (holds || eventWakes(v)) {
            w.remove(v);
            if (v.casState(Vcpu.PARKED, Vcpu.RUNNABLE)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void written(long addr, int len) {
        for (long line = addr >>> 6; line <= (addr + len - 1) >>> 6; line++) {
            ParkedWaiters w = parked.get(line);
            if (w == null) {
                continue;
            }
            ArrayList<Vcpu> ready = w.takeSatisfied(ram);
            if (ready != null) {
                for (Vcpu v : ready) {
                    wake(v);
                }
            }
        }
    }

    /** Number of vCPUs currently parked on memory. */
    int parkedCount() {
        int[] n = {0};
        parked.values().forEach(w -> w.forEach(v -> n[0]++));
        return n[0];
    }
}
