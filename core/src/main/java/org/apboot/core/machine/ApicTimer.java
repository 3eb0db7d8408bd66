package org.apboot.core.machine;

import org.apboot.core.cpu.Cpu;

/**
 * The local APIC timer of one vCPU (Intel SDM vol. 3 section 10.5.4) in one-shot and periodic
 * modes. It counts the vCPU's own clock — retired instructions plus the time it skipped while
 * halted waiting for the timer ({@link Cpu#idleTicks}) — divided by the divide configuration,
 * so a run is as reproducible as its instruction stream. Expiry is noticed between the
 * scheduler's slots (at most one quantum late) and, for a halted vCPU, by skipping its clock
 * forward to the deadline at once. Owned by the vCPU's thread; allocated by the first write of
 * an initial count.
 */
final class ApicTimer {
    /** LVT timer modes (bits 18:17). */
    static final int ONE_SHOT = 0, PERIODIC = 1;

    /** Initial count as written (0 stops the timer). */
    long initial;
    /** log2 of the divider: 0 (divide by 1) to 7 (by 128). */
    int divideShift = 1;
    /** Divide configuration register as written. */
    int divideConfig;
    /** Clock value at which the current count was loaded. */
    long start;
    /** Counting (a one-shot timer stops at zero). */
    boolean running;

    /** The vCPU's timer clock. */
    static long clock(Cpu cpu) {
        return cpu.instructions + cpu.idleTicks;
    }

    void setDivide(int value) {
        divideConfig = value & 0xB;
        int code = (value & 3) | ((value >>> 1) & 4);
        divideShift = code == 7 ? 0 : code + 1;
    }

    void load(long count, long now) {
        initial = count & 0xFFFF_FFFFL;
        start = now;
        running = initial != 0;
    }

    /** Ticks of the clock in one full count. */
    long period() {
        return initial << divideShift;
    }

    /** Clock value at which the count reaches zero; {@link Long#MAX_VALUE} when stopped. */
    long deadline() {
        return running ? start + period() : Long.MAX_VALUE;
    }

    /** The current-count register. */
    long current(long now, int mode) {
        if (!running) {
            return 0;
        }
        long elapsed = (now - start) >>> divideShift;
        if (mode == PERIODIC) {
            return initial - elapsed % initial;
        }
        return elapsed >= initial ? 0 : initial - elapsed;
    }

    /**
     * Called when the clock passed {@link #deadline}: a periodic timer reloads (skipping periods
     * that passed unseen: one interrupt, as an APIC whose IRR bit is already set would give), a
     * one-shot timer stops.
     */
    void expired(long now, int mode) {
        if (mode == PERIODIC) {
            long p = period();
            start += ((now - start) / p) * p;
        } else {
            running = false;
        }
    }

    /** An independent copy (snapshots). */
    ApicTimer copy() {
        ApicTimer t = new ApicTimer();
        t.initial = initial;
        t.divideShift = divideShift;
        t.divideConfig = divideConfig;
        t.start = start;
        t.running = running;
        return t;
    }
}
