package org.apboot.core.machine;

import java.util.concurrent.atomic.LongAdder;
import org.apboot.core.cpu.Cpu;
import org.apboot.core.engine.Engine;
import org.apboot.core.mem.MmioBus;
import org.apboot.core.mem.PhysicalMemory;

/**
 * A BSP and N application processors sharing guest RAM, with local APICs, the platform I/O
 * ports, and the scheduler that runs them on host threads.
 *
 * <p>vCPU {@code i} has APIC ID {@code i}; vCPU 0 is the BSP and starts runnable, the APs start
 * waiting for INIT/SIPI (or are made runnable by the embedder, e.g. parked in firmware).
 *
 * <p>Call order: construct, load images and set initial register state (through {@link #ram()}
 * and {@link #vcpu(int)}), mark the vCPUs that start running with {@link #start(int)}, then
 * {@link #run(Engine, long)}. A machine runs once.
 */
public final class Machine {
    private final MachineConfig config;
    private final PhysicalMemory ram;
    private final Vcpu[] vcpus;
    private final LocalApic apic;
    private final PlatformIo io = new PlatformIo();
    private final Scheduler scheduler;
    private final LongAdder initIpis = new LongAdder();
    private final LongAdder sipis = new LongAdder();
    private final LongAdder ignoredIpis = new LongAdder();
    private volatile Runnable stopListener;
    private boolean bspQueued;

    public Machine(MachineConfig config) {
        this.config = config;
        this.ram = new PhysicalMemory(config.ramBytes);
        this.apic = new LocalApic(this);
        this.vcpus = new Vcpu[config.cpus];
        for (int i = 0; i < config.cpus; i++) {
            Cpu c = new Cpu(i, config.model, config.profile, ram);
            c.apicId = i;
            c.io = io;
            c.mmio = apic;
            c.msrs = apic;
            vcpus[i] = new Vcpu(c, i == 0);
        }
        this.scheduler = new Scheduler(this, config.hostThreads, config.quantum);
    }

    public MachineConfig config() {
        return config;
    }

    public PhysicalMemory ram() {
        return ram;
    }

    public PlatformIo io() {
        return io;
    }

    public int cpuCount() {
        return vcpus.length;
    }

    public Vcpu vcpu(int index) {
        return vcpus[index];
    }

    /** The vCPU with APIC ID {@code apicId}, or null. */
    public Vcpu byApicId(int apicId) {
        return apicId >= 0 && apicId < vcpus.length ? vcpus[apicId] : null;
    }

    /** Makes vCPU {@code index} runnable from its current register state (firmware-parked APs). */
    public void start(int index) {
        Vcpu v = vcpus[index];
        v.setState(Vcpu.RUNNABLE);
        scheduler.enqueue(v);
        if (index == 0) {
            bspQueued = true;
        }
    }

    /**
     * Runs every runnable vCPU until the machine is quiescent (nothing can run: every vCPU is
     * halted, shut down, waiting for SIPI, or parked on a word nobody will write) or until
     * {@code timeoutNanos} passes (0 = no limit).
     *
     * @return true if the run ended by timeout
     */
    public boolean run(Engine engine, long timeoutNanos) {
        if (!bspQueued && vcpus[0].state() == Vcpu.RUNNABLE) {
            bspQueued = true;
            scheduler.enqueue(vcpus[0]);
        }
        return scheduler.run(engine, timeoutNanos);
    }

    /** Asks a running machine to stop at the next quantum boundary. */
    public void requestStop() {
        scheduler.requestStop();
    }

    /** Called by the scheduler when a vCPU halts or shuts down. */
    void vcpuStopped(Vcpu v) {
        Runnable l = stopListener;
        if (l != null) {
            l.run();
        }
    }

    /** Called (on a host thread) whenever a vCPU halts or shuts down; must be cheap. */
    public void onVcpuStopped(Runnable listener) {
        this.stopListener = listener;
    }

    /**
     * Applies an INIT or STARTUP IPI from {@code from}'s APIC. {@code shorthand}: 0 = the vCPU
     * with APIC ID {@code dest}, 1 = self, 2 = all including self, 3 = all excluding self.
     */
    void deliverIpi(Vcpu from, int shorthand, int dest, boolean init, int vector) {
        switch (shorthand) {
            case 0:
                Vcpu t = byApicId(dest);
                if (t != null) {
                    deliverOne(t, init, vector);
                }
                break;
            case 1:
                deliverOne(from, init, vector);
                break;
            default:
                for (Vcpu v : vcpus) {
                    if (shorthand == 2 || v != from) {
                        deliverOne(v, init, vector);
                    }
                }
                break;
        }
    }

    private void deliverOne(Vcpu t, boolean init, int vector) {
        if (config.profile.tdx) {
            ignoredIpis.increment(); // TDX: APs start only through the wake-up mailbox
            return;
        }
        if (init) {
            initIpis.increment();
            int s = t.state();
            if (s == Vcpu.HALTED || s == Vcpu.SHUTDOWN || s == Vcpu.WAIT_SIPI) {
                t.cpu.resetToRealMode(0, 0);
                t.initCount++;
                t.setState(Vcpu.WAIT_SIPI);
            } else {
                ignoredIpis.increment(); // INIT to a running vCPU: not modelled
            }
        } else {
            sipis.increment();
            if (t.state() == Vcpu.WAIT_SIPI && t.initCount > 0 && t.sipiCount == 0) {
                t.sipiCount++;
                t.cpu.resetToRealMode(vector << 8, 0);
                if (t.casState(Vcpu.WAIT_SIPI, Vcpu.RUNNABLE)) {
                    scheduler.enqueue(t);
                }
            }
        }
    }

    /** Statistics of the machine (not of the engine). */
    public Stats stats() {
        long instr = 0;
        for (Vcpu v : vcpus) {
            instr += v.cpu.instructions;
        }
        return new Stats(instr, initIpis.sum(), sipis.sum(), ignoredIpis.sum(), apic.fixedIpis.sum(),
                scheduler.parks.sum(), scheduler.wakes.sum());
    }

    /** Machine counters. */
    public record Stats(long guestInstructions, long initIpis, long startupIpis, long ignoredIpis,
                        long fixedIpis, long parks, long wakes) {
    }

    /** The MMIO bus the vCPUs see (the local APICs). */
    public MmioBus mmio() {
        return apic;
    }
}
