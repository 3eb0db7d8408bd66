package org.apboot.core.engine;

import org.apboot.core.cpu.Cpu;

/** Runs vCPUs on one host thread. */
public interface EngineWorker {
    /**
     * Runs {@code cpu} for about {@code budget} guest instructions (the engine may stop early at a
     * block boundary, never much later), or until it halts, executes PAUSE, or shuts down.
     * Guest exceptions are delivered inside; the call never throws for a guest fault.
     *
     * @return one of the {@link ExitReason} constants
     */
    int run(Cpu cpu, long budget);

    /**
     * Executes exactly one guest instruction of {@code cpu} (or delivers the fault its fetch
     * raises), reporting to the tracer if one is installed.
     *
     * @return {@link ExitReason#HALT}, {@link ExitReason#SHUTDOWN}, {@link ExitReason#PAUSE} if
     *     the instruction was PAUSE, else {@link ExitReason#BUDGET}
     */
    int step(Cpu cpu);

    /** Installs a tracer (null to remove) that sees every instruction this worker executes. */
    void setTracer(Tracer tracer);

    /**
     * From now on, keeps this worker's counters until {@link #flushStatistics} instead of adding
     * them to the engine's statistics each time {@link #run} returns (a scheduler running many
     * short slots on one host thread saves the shared-counter updates of each).
     */
    default void deferStatistics() {
    }

    /** Adds the counters kept since the last flush to the engine's statistics. */
    default void flushStatistics() {
    }
}
