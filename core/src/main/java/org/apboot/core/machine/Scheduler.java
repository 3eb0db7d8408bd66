package org.apboot.core.machine;

import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.apboot.core.cpu.Cpu;
import org.apboot.core.engine.Engine;
import org.apboot.core.engine.EngineWorker;
import org.apboot.core.engine.ExitReason;
import org.apboot.core.engine.WaitLoop;
import org.apboot.core.engine.WaitLoops;
import org.apboot.core.mem.PhysicalMemory;
import org.apboot.core.util.LongMap;

/**
 * Multiplexes vCPUs over a few host threads with the machine's own run queue.
 *
 * <p>A wake-up (SIPI, a write to a word a parked vCPU polls) is a run-queue operation: the woken
 * vCPU goes into the waking thread's "run next" slot, so a serial handshake (the BSP writes the
 * mailbox, the AP acknowledges, the BSP goes on) costs no host thread switch.
 *
 * <h2>Parking</h2>
 * A vCPU that exits on PAUSE is looked up in {@link WaitLoops}: when its code is a recognised
 * {@link WaitLoop} and a poll of the loop fails, it is parked on that poll's word (a
 * {@link LineWaiters} per 64-byte line) until a write makes the poll's condition true; when every
 * poll holds (the loop is about to leave) it runs on; an unrecognised loop is requeued, never
 * parked. Nothing here looks at an engine's private state: the loop's descriptor and the vCPU's
 * architectural registers say everything.
 *
 * <p>No lost wake-up: the parking thread links the waiter, issues a full fence, then re-reads
 * the word (and the vCPU's events); a writer stores, reads the line's watched bit (volatile),
 * and on a watched line issues a full fence before looking for waiters. With host threads
 * writing and parking concurrently one of the two always sees the other. The one window that
 * fences alone do not close is a line's first watch: a writer that read the watched bit just
 * before it was set skips the look. So on a machine with several host threads a line becomes
 * parkable ("armed") only once every other worker has finished the slot it was in when the bit
 * was set (each worker counts slot starts and ends in {@link #slotSeq}); until then a vCPU that
 * would park there is requeued. When every thread is idle, parked vCPUs are re-examined once
 * anyway ({@link #rescued} counts what that finds: nothing, unless a thread that is not a worker
 * wrote guest memory during the run); if none can run, the machine is quiescent and the run
 * ends.
 *
 * <h2>Several host threads</h2>
 * Worker 0, the <em>primary</em>, runs on the thread that started the run, as a one-thread
 * machine's only worker does (so the vCPU state the caller has just set up is in that core's
 * cache), and runs everything a one-thread machine would, in the same order:
 * vCPUs made runnable (a STARTUP IPI, a wake-up, an interrupt) go to its run-next slot or to
 * the run queue, and only it takes them. The other workers, the <em>helpers</em>, run only
 * vCPUs that have shown they compute: a vCPU whose slot on the primary runs out of budget (the
 * primary's slots are a tenth of the quantum) without making another vCPU runnable (a BSP
 * sending STARTUP IPIs stays) moves to the compute queue, which the helpers
 * serve (and the primary, when it has nothing else). So a bring-up that the guest serialises (a
 * lock around the trampoline's stack, the mailbox handshake) stays on one thread with warm
 * caches, as on a one-thread machine, instead of handing every short burst to another core,
 * whose cache misses cost more than the burst; and work that can run at once (each AP's
 * calibration loop) runs on the helpers while the primary brings up the next AP.
 *
 * <p>What a second thread costs the primary when the helpers have nothing to do, which is most
 * of a bare bring-up, is kept to what a one-thread machine pays: the helpers start only when the
 * primary first hands a vCPU over ({@link #startHelpers}; a bare bring-up starts none, and until
 * then the primary neither counts its slots nor waits for work that no idle helper can hand
 * back), their threads come from {@link HelperThreads} (no thread start per run), a napping
 * helper is retired at the end of the run rather than woken and awaited (see
 * {@link Worker#phase}), and while every helper is idle
 * the primary is the memory's sole writer, whose aligned stores need no locked exchange (see
 * {@link #startSharing}).
 *
 * <p>Deterministic mode: one host thread (the caller's), fixed quanta, FIFO order: the same
 * machine and engine give the same interleaving every time.
 */
final class Scheduler implements PhysicalMemory.WriteListener {
    private final Machine machine;
    private final PhysicalMemory ram;
    private final int threads;
    private final long quantum;
    private final RunQueue queue = new RunQueue();
    /** vCPUs that ran out of budget, for the helpers (empty on a one-thread machine). */
    private final RunQueue computeQueue = new RunQueue();
    /** The budget of the primary's slots on a machine with helpers (see the class comment). */
    private final long primarySlice;
    /** Waiters per 64-byte line (line number to waiters); a line's entry stays once created. */
    private final LongMap<LineWaiters> lines = new LongMap<>();
    /** vCPUs parked in loops that poll nothing: only an event wakes them. */
    private final LineWaiters eventWaiters;
    private final WaitLoops waitLoops;
    /**
     * Per worker: slot starts plus slot ends (odd while the worker runs a slot). Only with
     * several host threads (see the class comment), else null.
     */
    private final AtomicLongArray slotSeq;
    private final ThreadLocal<Worker> current = new ThreadLocal<>();
    /**
     * Guards {@link #sharingHelpers} and the memory's sole writer on a machine with helpers: the
     * primary is the sole writer while every helper is idle.
     */
    private final Object writerMode = new Object();
    /** Helpers that run vCPUs (since they last idled). Guarded by {@link #writerMode}. */
    private int sharingHelpers;

    /** The workers of the current run (several host threads only), for {@link #wakeIdle}. */
    private volatile Worker[] workers = new Worker[0];
    private final AtomicInteger idle = new AtomicInteger();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final Object recheckLock = new Object();
    private volatile long deadline = Long.MAX_VALUE;
    private volatile boolean timedOut;
    /**
     * Counters of {@link #count}: parks, wake-ups, INIT and STARTUP IPIs applied, and vCPUs the
     * primary handed to the helpers (see the class comment).
     */
    static final int PARKS = 0, WAKES = 1, INIT_IPIS = 2, STARTUP_IPIS = 3, COMPUTE_HANDOFFS = 4, COUNTERS = 5;
    /** The machine's totals per counter; a worker adds its own when its run ends. */
    private final LongAdder[] totals = new LongAdder[COUNTERS];

    {
        java.util.Arrays.setAll(totals, k -> new LongAdder());
    }

    /**
     * Counts one event of {@code counter}. A worker counts in a plain field of its own (an atomic
     * add per IPI, park and wake-up would be a locked instruction on the bring-up path); a thread
     * that is not a worker counts in the totals directly.
     */
    void count(int counter) {
        Worker w = currentWorker();
        if (w != null) {
            w.counts[counter]++;
        } else {
            totals[counter].increment();
        }
    }

    /** The total of {@code counter} over the runs that ended. */
    long total(int counter) {
        return totals[counter].sum();
    }

    private void addCounts(long[] counts) {
        for (int k = 0; k < counts.length; k++) {
            totals[k].add(counts[k]);
            counts[k] = 0;
        }
    }

    /** Parked vCPUs the idle re-examination found satisfied (a wake-up the write path missed). */
    final LongAdder rescued = new LongAdder();

    private static final class Worker {
        final EngineWorker engine;
        final int index;
        /** The host thread running this worker (set when it starts). */
        Thread thread;
        /**
         * The vCPU the primary runs when its current slot ends (a wake-up it caused); always
         * null on a helper. Only the primary's own thread reads or writes it.
         */
        Vcpu runNext;
        /** This worker's counts, indexed like {@link #totals}, not yet added to them. */
        final long[] counts = new long[COUNTERS];
        /**
         * A helper's state as the end of the run sees it: {@link #ACTIVE}, {@link #NAPPING} (it
         * sleeps and will look at nothing before it sets {@code ACTIVE} again), or
         * {@link #RETIRED} (the primary ended the run while it napped and finished its run for
         * it: on waking it leaves at once).
         */
        final AtomicInteger phase = new AtomicInteger(ACTIVE);
        static final int ACTIVE = 0, NAPPING = 1, RETIRED = 2;
        /** A helper that counts in {@link #sharingHelpers} (it runs vCPUs since it last idled). */
        boolean sharing;
        /** The vCPU of the current slot made another one runnable (see {@link #enqueue}). */
        boolean wokeInSlot;

        Worker(EngineWorker engine, int index) {
            this.engine = engine;
            this.index = index;
            engine.deferStatistics(); // added once, when the worker stops (see workerLoop)
        }
    }

    /**
     * The primary worker of the current run, or null: found by comparing threads, without the
     * thread-local lookup a wake-up would otherwise pay.
     */
    private volatile Worker primary;

    /** The worker running on the calling thread, or null (not a worker thread). */
    private Worker currentWorker() {
        Worker w = primary;
        if (w != null && w.thread == Thread.currentThread()) {
            return w;
        }
        return threads == 1 ? null : current.get();
    }

    Scheduler(Machine machine, int threads, long quantum) {
        this.machine = machine;
        this.ram = machine.ram();
        this.threads = threads;
        this.quantum = quantum;
        this.waitLoops = new WaitLoops(ram);
        this.eventWaiters = new LineWaiters(-1, machine);
        this.slotSeq = threads > 1 ? new AtomicLongArray(threads) : null;
        this.primarySlice = Math.max(1, quantum / 10);
        ram.addWriteListener(this);
    }

    /** Makes a vCPU runnable (its state is already RUNNABLE). */
    void enqueue(Vcpu v) {
        Worker w = currentWorker();
        if (w != null) {
            w.wokeInSlot = true;
        }
        if (w != null && w.index == 0 && w.runNext == null) {
            w.runNext = v;
        } else {
            queue.add(v);
            wakeIdle(queue);
        }
    }

    /**
     * True when a halted or parked vCPU has an event it can take now (read with volatile
     * semantics: the caller has just published the vCPU's state, or read it).
     */
    static boolean eventWakes(Vcpu v) {
        return v.cpu.canTake(v.cpu.eventsVolatile());
    }

    /**
     * Makes a vCPU that was just unlinked from its waiters runnable; the caller holds the
     * monitor of the {@link LineWaiters} it was linked in, so it is still {@link Vcpu#PARKED}.
     */
    void wakeParked(Vcpu v) {
        if (!v.casState(Vcpu.PARKED, Vcpu.RUNNABLE)) {
            throw new IllegalStateException("vCPU " + v.cpu.index + " was linked as a waiter but "
                    + Vcpu.stateName(v.state()));
        }
        count(WAKES);
        enqueue(v);
    }

    /** Wakes a parked vCPU for a reason other than its word (an event, INIT). */
    void unpark(Vcpu v) {
        LineWaiters lw = v.parkUntil == null ? eventWaiters : lines.get(v.parkPhys >>> 6);
        if (lw != null) {
            synchronized (lw) {
                if (lw.remove(v)) {
                    wakeParked(v);
                }
            }
        }
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
            ram.soleWriter(Thread.currentThread());
            try {
                workerLoop(new Worker(engine.newWorker(), 0));
            } finally {
                ram.soleWriter(null);
            }
        } else {
            runWithHelpers(engine);
        }
        return timedOut;
    }

    /**
     * A run of several host threads: the calling thread is the primary (worker 0), as the only
     * worker of a one-thread run is, so the vCPU state the caller has just set up is in its own
     * cache when the run starts; the helpers run on {@link HelperThreads}. At the
     * end the primary finishes the run of every helper that is napping, instead of waking it and
     * waiting (see {@link Worker#phase}), and waits for the others.
     */
    private void runWithHelpers(Engine engine) {
        synchronized (writerMode) {
            sharingHelpers = 0;
            ram.soleWriter(Thread.currentThread()); // the helpers start idle
        }
        Worker[] all = new Worker[threads];
        for (int t = 0; t < threads; t++) {
            all[t] = new Worker(engine.newWorker(), t);
        }
        workers = all;
        helpersErrors = new ArrayList<>();
        helpersDone = new CountDownLatch(threads - 1);
        helpersStarted = false;
        idle.set(threads - 1); // helpers not started yet count as idle (see startHelpers)
        try {
            workerLoop(all[0]);
        } finally {
            // the primary may also have left by an exception: the helpers must end too. Napping
            // ones are retired before the others are woken, so that they stay asleep.
            stop.set(true);
            if (helpersStarted) {
                for (int t = 1; t < threads; t++) {
                    Worker h = all[t];
                    if (h.phase.compareAndSet(Worker.NAPPING, Worker.RETIRED)) {
                        idle.decrementAndGet(); // for it: it leaves without touching the scheduler
                        finishRun(h);
                        helpersDone.countDown();
                    }
                }
                stopAll();
                awaitHelpers(helpersDone);
            } else {
                for (int t = 1; t < threads; t++) {
                    finishRun(all[t]);
                }
            }
            ram.soleWriter(null);
            for (int t = 1; t < threads; t++) {
                Thread th = all[t].thread;
                if (th != null && all[t].phase.get() == Worker.RETIRED) {
                    LockSupport.unpark(th); // back to the pool now, not after its nap
                }
            }
            // what the helpers had not taken waits in the one queue a snapshot or the next run sees
            for (Vcpu v = computeQueue.poll(); v != null; v = computeQueue.poll()) {
                queue.add(v);
            }
        }
        ArrayList<Throwable> errors = helpersErrors;
        synchronized (errors) {
            if (!errors.isEmpty()) {
                Throwable e = errors.get(0);
                throw e instanceof RuntimeException ? (RuntimeException) e : new IllegalStateException(e);
            }
        }
    }

    /** Errors of the current run's helpers (the first is rethrown when the run ends). */
    private ArrayList<Throwable> helpersErrors = new ArrayList<>();
    /** Counted down by each helper of the current run as it ends. */
    private CountDownLatch helpersDone;
    /** Whether the current run started its helpers; read and written by the primary only. */
    private boolean helpersStarted;

    /**
     * Starts the helpers of this run on {@link HelperThreads}, the first time the primary hands
     * a vCPU to the compute queue. A run that never does (a bare bring-up: every vCPU wakes
     * another or waits within the primary's slice) starts none and pays nothing for them: no
     * task handed to a pool thread, no helper to stop and wait for at the end. Until then the
     * helpers count as idle.
     */
    private void startHelpers() {
        helpersStarted = true;
        Worker[] all = workers;
        ArrayList<Throwable> errors = helpersErrors;
        CountDownLatch done = helpersDone;
        idle.addAndGet(-(threads - 1)); // each counts itself again when it idles
        for (int t = 1; t < threads; t++) {
            Worker w = all[t];
            HelperThreads.executor().execute(() -> {
                try {
                    workerLoop(w);
                } catch (Throwable e) {
                    synchronized (errors) {
                        errors.add(e);
                    }
                    stopAll();
                } finally {
                    if (w.phase.get() != Worker.RETIRED) {
                        done.countDown();
                    }
                }
            });
        }
    }

    /** Whether the last run started its helper threads (for tests). */
    boolean helpersStarted() {
        return helpersStarted;
    }

    /**
     * Called by a helper that takes a vCPU after idling, before it runs it: the primary stops
     * being the memory's sole writer (see {@link PhysicalMemory#soleWriter}), and its stores are
     * fenced again from its next slot on. The helper waits for the slot the primary is in to end,
     * since that slot's stores may not have seen the change; that is one primary slice at most.
     */
    private void startSharing(Worker h) {
        synchronized (writerMode) {
            if (sharingHelpers++ == 0) {
                ram.soleWriter(null);
            }
        }
        h.sharing = true;
        long seq = slotSeq.get(0);
        if ((seq & 1) != 0) {
            while (slotSeq.get(0) == seq && !stop.get()) {
                Thread.onSpinWait();
            }
        }
    }

    /**
     * Called by a helper that goes idle: with no helper running vCPUs, the primary writes memory
     * alone, and plain stores are enough again (nothing else decodes, parks or watches lines).
     */
    private void stopSharing(Worker h) {
        h.sharing = false;
        synchronized (writerMode) {
            if (--sharingHelpers == 0 && !stop.get()) {
                Worker p = primary;
                ram.soleWriter(p != null ? p.thread : null);
            }
        }
    }

    /**
     * Waits for the helpers still finishing their run: they are awake and see the stop within
     * microseconds, so a short spin first spares this thread an OS wake-up.
     */
    private static void awaitHelpers(CountDownLatch done) {
        long spinUntil = System.nanoTime() + IDLE_SPIN_NANOS;
        while (done.getCount() > 0 && System.nanoTime() < spinUntil) {
            Thread.onSpinWait();
        }
        boolean interrupted = false;
        while (true) {
            try {
                done.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    void requestStop() {
        stopAll();
    }

    /** Ends the run: every worker returns at its next look (a napping one is woken for it). */
    private void stopAll() {
        stop.set(true);
        for (Worker w : workers) {
            Thread t = w.thread;
            if (t != null && t != Thread.currentThread() && w.phase.get() != Worker.RETIRED) {
                LockSupport.unpark(t);
            }
        }
    }

    private void workerLoop(Worker w) {
        w.thread = Thread.currentThread();
        if (w.index == 0) {
            primary = w;
        }
        if (threads > 1) {
            current.set(w);
        }
        int slots = 0;
        try {
            while (!stop.get()) {
                Vcpu v = w.runNext;
                if (v != null) {
                    w.runNext = null;
                } else if (w.index == 0) {
                    v = queue.poll();
                    if (v == null && slotSeq != null) {
                        v = computeQueue.poll();
                    }
                } else {
                    v = computeQueue.poll();
                    if (v != null && !w.sharing) {
                        startSharing(w);
                    }
                }
                if (v == null) {
                    if (idleUntilWork(w)) {
                        return;
                    }
                    continue;
                }
                // until the helpers start, no other thread stores or parks: nothing reads the
                // primary's slot sequence (see armed and startSharing), so it is not counted
                boolean counted = slotSeq != null && (w.index != 0 || helpersStarted);
                if (counted) {
                    slotSeq.incrementAndGet(w.index);
                }
                w.wokeInSlot = false;
                if (v.keptTlb) { // it kept its TLB while parked (keepOrReleaseTlb); it runs again
                    v.keptTlb = false;
                    keptTlbs.decrementAndGet();
                }
                int reason = runSlot(w, v);
                if (counted) {
                    // only this thread writes its entry; the slot's stores are ordered before
                    // it, which is all a reader of the end needs (see armed)
                    slotSeq.lazySet(w.index, slotSeq.get(w.index) + 1);
                }
                if (v.timer != null) {
                    machine.timerAfterSlot(v, reason == ExitReason.HALT);
                }
                switch (reason) {
                    case ExitReason.BUDGET:
                        if (slotSeq == null || (w.index == 0 && w.wokeInSlot)) {
                            // a vCPU that woke another in its slot (a BSP sending STARTUP
                            // IPIs, a lock holder releasing) drives the others: it stays on
                            // the primary, next to the vCPUs it wakes
                            requeue(v, queue);
                        } else {
                            requeue(v, computeQueue);
                            if (w.index == 0) {
                                w.counts[COMPUTE_HANDOFFS]++;
                                if (!helpersStarted) {
                                    startHelpers();
                                }
                            }
                        }
                        break;
                    case ExitReason.HALT:
                        v.cpu.mmu.release();
                        v.setState(Vcpu.HALTED);
                        // an interrupt requested while it was halting saw it still runnable
                        if (eventWakes(v) && v.casState(Vcpu.HALTED, Vcpu.RUNNABLE)) {
                            queue.add(v);
                            wakeIdle(queue);
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
                        if (!v.parkReady || !tryPark(w, v)) {
                            requeue(v, queue);
                        }
                        break;
                }
                // the clock is read every DEADLINE_SLOTS slots (a slot is bounded by its quantum)
                if ((++slots & (DEADLINE_SLOTS - 1)) == 0 && System.nanoTime() > deadline) {
                    timedOut = true;
                    stopAll();
                }
            }
        } finally {
            if (w.index == 0) {
                primary = null;
            }
            if (threads > 1) {
                current.remove();
            }
            if (w.phase.get() != Worker.RETIRED) {
                finishRun(w);
            }
        }
    }

    /**
     * A worker's last duties in a run: its counts go to the totals, and a vCPU it was about to
     * run goes back to the queue. Done by the worker's thread, or by the primary for a helper it
     * retired.
     */
    private void finishRun(Worker w) {
        w.engine.flushStatistics();
        addCounts(w.counts);
        if (w.runNext != null) {
            queue.add(w.runNext);
            w.runNext = null;
        }
    }

    /**
     * Puts a vCPU whose slot ended back on the queue. Behind others it gives up its TLB storage
     * first, as a parked one does: otherwise every vCPU of a long round-robin (thousands of APs
     * computing past their quantum) would hold one, and the pool could not recycle them.
     */
    private void requeue(Vcpu v, RunQueue q) {
        if (!q.isEmpty()) {
            v.cpu.mmu.release();
        }
        q.add(v);
        wakeIdle(q);
    }

    /**
     * Unparks the idle workers that serve {@code q} (napping in {@link #idleUntilWork}) after a
     * vCPU was added to it: the primary for the run queue, every worker for the compute queue.
     */
    private void wakeIdle(RunQueue q) {
        if (threads > 1 && idle.get() > 0) {
            Worker[] all = workers;
            for (int i = 0, n = q == queue ? 1 : all.length; i < n; i++) {
                Thread t = all[i].thread;
                if (t != null && t != Thread.currentThread()) {
                    LockSupport.unpark(t);
                }
            }
        }
    }

    /** Slots between two reads of the clock for the run's deadline (a power of two). */
    private static final int DEADLINE_SLOTS = 64;

    /** PAUSE exits a vCPU may take in one slot without being parked before it is requeued. */
    private static final int SLOT_PAUSES = 8;

    /**
     * Runs a vCPU for one slot. A PAUSE exit ends the slot when the vCPU is in a wait loop that
     * still waits ({@link Vcpu#parkReady} is then set and the park fields say on what), or after
     * {@value #SLOT_PAUSES} PAUSE exits that could not park (an unrecognised loop; a loop about to
     * leave runs on).
     */
    private int runSlot(Worker w, Vcpu v) {
        v.parkReady = false;
        long spinUntil = 0;
        long budget = slotSeq != null && w.index == 0 ? primarySlice : quantum;
        for (int pauses = 1; ; pauses++) {
            int reason = w.engine.run(v.cpu, budget);
            if (reason != ExitReason.PAUSE) {
                return reason;
            }
            if (waits(v)) {
                if (!spinsBeforeParking(w)) {
                    return reason;
                }
                long now = System.nanoTime();
                if (spinUntil == 0) {
                    spinUntil = now + SPIN_BEFORE_PARK_NANOS;
                } else if (now - spinUntil >= 0) {
                    return reason;
                }
                v.parkReady = false;
                pauses = 0; // a parkable loop spins by the clock, not by the pause count
            } else if (pauses >= SLOT_PAUSES) {
                return reason;
            }
        }
    }

    /**
     * How long a vCPU whose wait loop would park keeps spinning first, on a machine of several
     * host threads when its worker has nothing else to run and every other worker is busy: the
     * word's writer may be running on another thread just then (a vCPU on a helper), and a
     * park and wake-up cost more than this wait.
     */
    private static final long SPIN_BEFORE_PARK_NANOS = 5_000;

    /** True when a vCPU about to park on worker {@code w} should spin a while instead (see above). */
    private boolean spinsBeforeParking(Worker w) {
        return threads > 1 && w.runNext == null && !hasWork(w) && idle.get() == 0;
    }

    /** True when a queue that worker {@code w} serves holds a vCPU. */
    private boolean hasWork(Worker w) {
        return !computeQueue.isEmpty() || (w.index == 0 && !queue.isEmpty());
    }

    /**
     * After a PAUSE exit: true when the vCPU spins in a recognised wait loop and a poll of it
     * fails now (the park fields then describe the first failing poll, and
     * {@link Vcpu#parkReady} is set); false when its loop is not recognised, a polled word
     * cannot be watched, or every poll holds.
     */
    private boolean waits(Vcpu v) {
        Cpu c = v.cpu;
        WaitLoop loop = waitLoops.at(c);
        if (loop == null) {
            return false;
        }
        List<WaitLoop.Poll> polls = loop.polls();
        if (polls.isEmpty()) {
            v.parkUntil = null; // only an event ends it
            v.parkReady = true;
            return true;
        }
        for (int i = 0, n = polls.size(); i < n; i++) {
            WaitLoop.Poll p = polls.get(i);
            long phys = WaitLoops.physical(c, p);
            if (phys < 0) {
                return false;
            }
            int size = p.size();
            long value = p.value().of(c, size);
            if (!p.until().holds(ram.read(phys, size), value, size)) {
                v.parkPhys = phys;
                v.parkSize = size;
                v.parkUntil = p.until();
                v.parkValue = value;
                v.parkTakes = p.takes();
                v.parkReady = true;
                return true;
            }
        }
        return false;
    }

    /**
     * How long an idle worker polls the queue before it naps: about a handshake's round trip, so
     * a vCPU handed over by a busy thread starts without an OS wake-up.
     */
    private static final long IDLE_SPIN_NANOS = 50_000;

    /**
     * How long an idle worker naps between looks at the queues once it has polled them for
     * {@link #IDLE_SPIN_NANOS}: long, as a vCPU queued for it unparks it at once (see
     * {@link #wakeIdle}); frequent short naps cost the busy thread time on a virtualised host.
     */
    private static final long NAP_NANOS = 1_000_000;

    /** Returns true when the run is over; false when there may be work again. */
    private boolean idleUntilWork(Worker self) {
        if (self.sharing) {
            stopSharing(self);
        }
        idle.incrementAndGet();
        boolean retired = false;
        try {
            // poll first (a busy worker hands work over within microseconds), then nap
            long spinUntil = threads > 1 ? System.nanoTime() + IDLE_SPIN_NANOS : 0;
            for (int nap = 0; nap < 64; ) {
                if (hasWork(self) || stop.get()) {
                    return stop.get();
                }
                if (idle.get() == threads) {
                    // every worker idle (helpers not started count as idle): none can hand
                    // work over, so waiting for one is pointless; see whether the run is over
                    break;
                }
                if (System.nanoTime() < spinUntil) {
                    Thread.onSpinWait();
                    continue;
                }
                if (threads > 1 && !nap(self)) {
                    retired = true;
                    return true;
                }
                nap++;
            }
            synchronized (recheckLock) {
                if (stop.get()) {
                    return true;
                }
                if (queue.isEmpty() && computeQueue.isEmpty() && idle.get() == threads) {
                    if (recheckParked() == 0 && queue.isEmpty()) {
                        stopAll();
                        return true;
                    }
                }
            }
            if (System.nanoTime() > deadline) {
                timedOut = true;
                stopAll();
                return true;
            }
            return false;
        } finally {
            if (!retired) {
                idle.decrementAndGet();
            }
        }
    }

    /**
     * Sleeps {@link #NAP_NANOS} or until unparked. Returns false when a helper was retired
     * meanwhile (see {@link Worker#phase}): its run is over and finished for it.
     */
    private boolean nap(Worker w) {
        if (w.index == 0) {
            LockSupport.parkNanos(this, NAP_NANOS);
            return true;
        }
        w.phase.set(Worker.NAPPING);
        if (!stop.get()) { // a stop set before NAPPING was visible may not retire it: look first
            LockSupport.parkNanos(this, NAP_NANOS);
        }
        return w.phase.compareAndSet(Worker.NAPPING, Worker.ACTIVE);
    }

    /** Wakes every parked vCPU whose condition holds; returns how many. */
    private int recheckParked() {
        int[] n = {0};
        lines.forEachValue(lw -> {
            synchronized (lw) {
                n[0] += lw.wakeSatisfied(ram, 0, 0, this);
            }
        });
        rescued.add(n[0]);
        return n[0];
    }

    /**
     * Parks a vCPU whose park fields are set, from a thread that is not a worker, on a machine
     * with one host thread (tests of the park/wake protocol). Same result as {@link #tryPark}.
     */
    boolean parkForTest(Vcpu v) {
        if (slotSeq != null) {
            throw new IllegalStateException("only on a single-threaded machine");
        }
        return tryPark(null, v);
    }

    /**
     * Parks a vCPU whose PAUSE exit found a failing poll (the park fields). Returns false (the
     * caller requeues it) when it must keep running: its APIC timer has to count, the line is not
     * armed yet, or the condition became true (or an event arrived) while it was being parked.
     */
    private boolean tryPark(Worker w, Vcpu v) {
        Cpu c = v.cpu;
        if ((c.sysFlags & Cpu.IF) != 0 && LocalApic.timerArmed(v)) {
            return false; // its clock must run for the timer to expire: keep it running
        }
        // read before the vCPU is published: once parked, another thread may wake and run it
        long phys = v.parkPhys;
        int size = v.parkSize;
        WaitLoop.Until until = v.parkUntil;
        long value = v.parkValue;
        LineWaiters lw;
        if (until == null) {
            lw = eventWaiters;
        } else {
            lw = lines.get(phys >>> 6);
            if (lw == null) {
                lw = lines.computeIfAbsent(phys >>> 6, line -> new LineWaiters(line, machine));
            }
            ram.watchLine(phys, size);
            if (slotSeq != null && !armed(lw, w)) {
                return false;
            }
        }
        keepOrReleaseTlb(v);
        synchronized (lw) {
            v.setState(Vcpu.PARKED);
            lw.add(v);
        }
        count(PARKS);
        VarHandle.fullFence(); // the waiter is published before the word is read again
        if ((until != null && until.holds(ram.read(phys, size), value, size)) || eventWakes(v)) {
            synchronized (lw) {
                if (lw.remove(v)) {
                    if (!v.casState(Vcpu.PARKED, Vcpu.RUNNABLE)) {
                        throw new IllegalStateException("linked waiter not parked");
                    }
                    return false;
                }
            }
            // a writer or an event woke it meanwhile, and queued it
        }
        return true;
    }

    /** Parked vCPUs of this machine that may keep their TLB storage at once (see keepOrReleaseTlb). */
    private static final int KEPT_TLB_LIMIT = 8;
    /** Parked vCPUs holding their TLB storage now. */
    private final AtomicInteger keptTlbs = new AtomicInteger();

    /**
     * A vCPU about to park gives its TLB storage back, as a halted one does, so that thousands of
     * waiting vCPUs hold none, unless it has parked before on this machine and fewer than
     * {@value #KEPT_TLB_LIMIT} parked vCPUs keep theirs: a vCPU that waits again and again (a BSP
     * waiting for each AP's acknowledgement in turn) is woken within microseconds and would walk
     * or revive every entry it had. Keeping entries across a wait is what hardware does; they stay
     * subject to every invalidation as while running.
     */
    private void keepOrReleaseTlb(Vcpu v) {
        if (v.parkedBefore && keptTlbs.get() < KEPT_TLB_LIMIT) {
            if (keptTlbs.incrementAndGet() <= KEPT_TLB_LIMIT) {
                v.keptTlb = true;
                return;
            }
            keptTlbs.decrementAndGet();
        }
        v.parkedBefore = true;
        v.cpu.mmu.release();
    }

    /** Parked vCPUs holding their TLB storage now (for tests). */
    int keptTlbCount() {
        return keptTlbs.get();
    }

    /**
     * True when parking on the line is safe from the first-watch race (class comment): the
     * line's watched bit was set before the first call, which records every worker's slot
     * sequence; it is armed once each other worker was between slots then or has moved on since.
     */
    private boolean armed(LineWaiters lw, Worker self) {
        if (lw.armed) {
            return true;
        }
        synchronized (lw) {
            long[] snap = lw.armSnapshot;
            if (snap == null) {
                snap = new long[threads];
                for (int i = 0; i < threads; i++) {
                    snap[i] = slotSeq.get(i);
                }
                lw.armSnapshot = snap;
            }
            for (int i = 0; i < threads; i++) {
                if (i != self.index && (snap[i] & 1) != 0 && slotSeq.get(i) == snap[i]) {
                    return false;
                }
            }
            lw.armed = true;
            return true;
        }
    }

    @Override
    public void written(long addr, int len) {
        if (!ram.soleWriterIsCurrent()) {
            // the store is visible before the waiters are looked at (Dekker with tryPark on
            // another thread); the sole writer's own parks are in its program order
            VarHandle.fullFence();
        }
        long last = (addr + len - 1) >>> 6;
        for (long line = addr >>> 6; line <= last; line++) {
            LineWaiters lw = lines.get(line);
            if (lw != null && lw.mayWake(ram, addr, len)) {
                synchronized (lw) {
                    lw.wakeSatisfied(ram, addr, len, this);
                }
            }
        }
    }

    // ---------------------------------------------------------------- snapshots (machine not running)

    /** The run queue's vCPUs in order. */
    List<Vcpu> queued() {
        return queue.contents();
    }

    /**
     * Forgets every queued and parked vCPU (their states are about to be replaced): the queue is
     * emptied and every parked vCPU unlinked from its waiters, using the park fields it has now.
     */
    void detachAll(Vcpu[] vcpus) {
        queue.clear();
        for (Vcpu v : vcpus) {
            if (v.state() == Vcpu.PARKED) {
                LineWaiters lw = v.waitLine;
                if (lw != null) {
                    synchronized (lw) {
                        lw.remove(v);
                    }
                }
            }
        }
    }

    /** Links a restored {@link Vcpu#PARKED} vCPU as a waiter on its park fields again. */
    void relinkParked(Vcpu v) {
        LineWaiters lw;
        if (v.parkUntil == null) {
            lw = eventWaiters;
        } else {
            lw = lines.computeIfAbsent(v.parkPhys >>> 6, line -> new LineWaiters(line, machine));
            ram.watchLine(v.parkPhys, v.parkSize);
        }
        synchronized (lw) {
            lw.add(v);
        }
    }

    /** Appends a restored runnable vCPU to the run queue, in the saved order. */
    void requeueRestored(Vcpu v) {
        queue.add(v);
    }

    /** Number of vCPUs currently parked on memory. */
    int parkedCount() {
        int[] n = {0};
        synchronized (eventWaiters) {
            eventWaiters.forEach(v -> n[0]++);
        }
        lines.forEachValue(lw -> {
            synchronized (lw) {
                lw.forEach(v -> n[0]++);
            }
        });
        return n[0];
    }
}
