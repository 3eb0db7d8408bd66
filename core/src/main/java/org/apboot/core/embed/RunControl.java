package org.apboot.core.embed;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.engine.Engine;
import org.apboot.core.engine.EngineStats;
import org.apboot.core.engine.EngineWorker;
import org.apboot.core.engine.ExitReason;
import org.apboot.core.engine.Tracer;
import org.apboot.core.machine.Machine;
import org.apboot.core.machine.Vcpu;

/**
 * Runs for embedders, on either engine: one vCPU on the calling thread, or the whole machine
 * on its scheduler, until HLT, an address, an instruction count, a deadline, a stop request
 * from another thread, or a device that ends the run (exit port, reset).
 *
 * <p>Call order: {@link #begin} at the start of each run, then {@link #runVcpu} or
 * {@link #runMachine}; {@link #requestStop}, {@link #exitPort} and {@link #reset} may be called
 * from any thread at any time. A stop is seen within one engine slice ({@value #SLICE}
 * instructions at most), always at an instruction boundary.
 */
public final class RunControl {
    /** Guest instructions an engine runs between two looks at the stop flag and the clock. */
    public static final long SLICE = 20_000;
    /** Blocks never hold more instructions than this (the decoder's block limit). */
    private static final long BLOCK_MAX = 64;
    /** A block starting within this many bytes before the target could contain it. */
    private static final long BLOCK_BYTES = 64 * 15 + 15;

    /** How a run ended: the exit kinds of {@code apboot run --json} plus {@code address}. */
    public static final String HLT = "hlt", EXIT_PORT = "exit-port", FAULT = "fault", SHUTDOWN = "shutdown",
            LIMIT = "limit", STOP = "stop", ADDRESS = "address";

    /** The end of a run. */
    public record Outcome(String exit, long status, int cpu, String fault) {
    }

    private final Machine machine;
    private volatile boolean stop;
    /** The device-requested end of the run, or null. */
    private volatile Outcome deviceExit;

    public RunControl(Machine machine) {
        this.machine = machine;
    }

    /** Clears the stop flag and any device exit: a stop requested before this is forgotten. */
    public void begin() {
        stop = false;
        deviceExit = null;
    }

    /** Asks the current run to end at the next instruction boundary it looks at (any thread). */
    public void requestStop() {
        stop = true;
        machine.requestStop();
    }

    /** The guest wrote {@code status} to the exit port (called on the vCPU's thread). */
    public void exitPort(int cpuIndex, long status) {
        deviceEnds(new Outcome(EXIT_PORT, status, cpuIndex, null), cpuIndex);
    }

    /** The guest asked for a reset (keyboard controller or reset control register). */
    public void reset(int cpuIndex) {
        deviceEnds(new Outcome(SHUTDOWN, 0, cpuIndex, null), cpuIndex);
    }

    private void deviceEnds(Outcome o, int cpuIndex) {
        if (deviceExit == null) {
            deviceExit = o;
        }
        // the port write ended its block: halting makes the engine return right after it
        machine.vcpu(cpuIndex).cpu.halted = true;
        machine.requestStop();
    }

    /**
     * Runs {@code v} alone with {@code worker} until one of the limits: {@code until} (a RIP to
     * stop at, when {@code hasUntil}), {@code maxInstructions} retired in this run,
     * {@code deadline} ({@link System#nanoTime} value, or {@link Long#MAX_VALUE}).
     */
    public Outcome runVcpu(EngineWorker worker, Vcpu v, boolean hasUntil, long until, long maxInstructions,
                           long deadline) {
        Cpu cpu = v.cpu;
        long start = cpu.instructions;
        while (true) {
            Outcome dev = deviceExit;
            if (dev != null) {
                cpu.halted = false;
                return dev;
            }
            if (stop) {
                return new Outcome(STOP, 0, cpu.index, null);
            }
            long done = cpu.instructions - start;
            if (done >= maxInstructions || System.nanoTime() - deadline > 0) {
                return new Outcome(LIMIT, 0, cpu.index, null);
            }
            if (hasUntil && cpu.rip == until && !cpu.halted) {
                return new Outcome(ADDRESS, 0, cpu.index, null);
            }
            long remaining = maxInstructions - done;
            int r;
            if (remaining <= 2 * BLOCK_MAX || (hasUntil && Long.compareUnsigned(until - cpu.rip, BLOCK_BYTES) < 0)) {
                // a block could run past the limit or over the target: one instruction at a time
                r = worker.step(cpu);
            } else {
                long budget = hasUntil ? 1 : Math.min(SLICE, remaining - BLOCK_MAX);
                r = worker.run(cpu, budget);
            }
            switch (r) {
                case ExitReason.HALT:
                    if (deviceExit != null) {
                        continue;
                    }
                    if (cpu.eventDeliverable()) {
                        continue; // an interrupt wakes it at the next boundary
                    }
                    return new Outcome(HLT, 0, cpu.index, null);
                case ExitReason.SHUTDOWN:
                    return new Outcome(FAULT, 0, cpu.index, cpu.shutdownReason);
                case ExitReason.INIT:
                    machine.applyInit(v);
                    return new Outcome(HLT, 0, cpu.index, null);
                default:
                    break;
            }
        }
    }

    /**
     * Runs the whole machine on its scheduler until it is quiescent, {@code maxInstructions}
     * retired in total (checked after each slice, so a few thousand more may run), the
     * deadline, a stop request or a device exit.
     */
    public Outcome runMachine(Engine engine, long maxInstructions, long timeoutNanos) {
        long start = machine.stats().guestInstructions();
        boolean[] limited = {false};
        Engine limitedEngine = new Engine() {
            @Override
            public String name() {
                return engine.name();
            }

            @Override
            public EngineWorker newWorker() {
                EngineWorker inner = engine.newWorker();
                return new EngineWorker() {
                    @Override
                    public int run(Cpu cpu, long budget) {
                        int r = inner.run(cpu, Math.min(budget, SLICE));
                        if (stop || deviceExit != null) {
                            machine.requestStop();
                        } else if (maxInstructions != Long.MAX_VALUE
                                && machine.stats().guestInstructions() - start >= maxInstructions) {
                            limited[0] = true;
                            machine.requestStop();
                        }
                        return r;
                    }

                    @Override
                    public int step(Cpu cpu) {
                        return inner.step(cpu);
                    }

                    @Override
                    public void setTracer(Tracer tracer) {
                        inner.setTracer(tracer);
                    }
                };
            }

            @Override
            public EngineStats stats() {
                return engine.stats();
            }
        };
        boolean timedOut = machine.run(limitedEngine, timeoutNanos);
        Outcome dev = deviceExit;
        if (dev != null) {
            machine.vcpu(dev.cpu()).cpu.halted = false;
            return dev;
        }
        if (stop) {
            return new Outcome(STOP, 0, -1, null);
        }
        if (timedOut || limited[0]) {
            return new Outcome(LIMIT, 0, -1, null);
        }
        for (int i = 0; i < machine.cpuCount(); i++) {
            Cpu c = machine.vcpu(i).cpu;
            if (c.shutdown) {
                return new Outcome(FAULT, 0, i, c.shutdownReason);
            }
        }
        return new Outcome(HLT, 0, -1, null);
    }
}
