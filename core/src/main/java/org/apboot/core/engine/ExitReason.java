package org.apboot.core.engine;

/** Why {@link EngineWorker#run} returned. */
public final class ExitReason {
    /** The instruction budget ran out. */
    public static final int BUDGET = 0;
    /** The CPU executed HLT (cpu.halted is set). */
    public static final int HALT = 1;
    /**
     * The CPU executed PAUSE: it is probably spinning on a memory word and may be parked. The
     * engine stops right after the PAUSE with every register written back and {@code cpu.rip}
     * at the next instruction, the anchor by which {@link WaitLoops} names the loop.
     */
    public static final int PAUSE = 2;
    /** The CPU shut down (triple fault); cpu.shutdownReason says why. */
    public static final int SHUTDOWN = 3;
    /** An INIT IPI reached the running CPU: the machine resets it to wait-for-SIPI. */
    public static final int INIT = 4;

    private ExitReason() {
    }

    public static String name(int reason) {
        switch (reason) {
            case BUDGET: return "budget";
            case HALT: return "halt";
            case PAUSE: return "pause";
            case INIT: return "init";
            default: return "shutdown";
        }
    }
}
