package org.apboot;

import java.time.Duration;

/**
 * When a run stops, besides HLT, a fault that shuts a vCPU down, a write to the exit port and a
 * stop request: an address, an instruction count, a timeout. Immutable; start from
 * {@link #none()} and add limits.
 *
 * <pre>{@code
 * RunResult r = m.runVcpu(0, RunLimits.none().until(0x7C20).maxInstructions(1_000_000));
 * }</pre>
 */
public final class RunLimits {
    private static final RunLimits NONE = new RunLimits(false, 0, Long.MAX_VALUE, null);

    final boolean hasUntil;
    final long until;
    final long maxInstructions;
    final Duration timeout;

    private RunLimits(boolean hasUntil, long until, long maxInstructions, Duration timeout) {
        this.hasUntil = hasUntil;
        this.until = until;
        this.maxInstructions = maxInstructions;
        this.timeout = timeout;
    }

    /** No limit: the run ends by HLT, a fault, the exit port or a stop request. */
    public static RunLimits none() {
        return NONE;
    }

    /**
     * Stop before executing the instruction at RIP {@code rip} (an offset in CS, as RIP is);
     * single-vCPU runs only. A run that starts there stops at once.
     */
    public RunLimits until(long rip) {
        return new RunLimits(true, rip, maxInstructions, timeout);
    }

    /** Stop after {@code n} instructions retired in this run (exactly, for one vCPU). */
    public RunLimits maxInstructions(long n) {
        if (n < 0) {
            throw new IllegalArgumentException("instruction limit must be >= 0, got " + n);
        }
        return new RunLimits(hasUntil, until, n, timeout);
    }

    /** Stop once {@code t} of host time has passed (checked every few thousand instructions). */
    public RunLimits timeout(Duration t) {
        if (t.isNegative()) {
            throw new IllegalArgumentException("timeout must not be negative, got " + t);
        }
        return new RunLimits(hasUntil, until, maxInstructions, t);
    }
}
