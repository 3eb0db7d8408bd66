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

    /** Installs a tracer (null to remove) that sees every instruction this worker executes. */
    void setTracer(Tracer tracer);
}
