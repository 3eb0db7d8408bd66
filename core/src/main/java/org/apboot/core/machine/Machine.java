package org.apboot.core.machine;

import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
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
    private final LongAdder ignoredIpis = new LongAdder();
    private volatile Runnable stopListener;
    private boolean bspQueued;

    public Machine(MachineConfig config) {
        this(config, ram -> { }, v -> { });
    }

    /**
     * Builds the machine in one pass: guest RAM first, then {@code load} fills it (images, tables),
     * then each vCPU is built and handed to {@code setup} at once, in index order, before the next
     * is built. A machine of 100,000 vCPUs holds more vCPU state than the host's caches: state set
     * up while the vCPU is still in cache costs a fraction of a second pass over all of them.
     * {@code setup} sets register state (and may call {@link Vcpu} methods that need no other
     * vCPU); {@link #start} comes after the constructor.
     */
    public Machine(MachineConfig config, Consumer<PhysicalMemory> load, Consumer<Vcpu> setup) {
        this.config = config;
        this.ram = new PhysicalMemory(config.ramBytes);
        load.accept(ram);
        this.apic = new LocalApic(this);
        this.vcpus = new Vcpu[config.cpus];
        for (int i = 0; i < config.cpus; i++) {
            Cpu c = new Cpu(i, config.model, config.profile, ram);
            c.apicId = i;
            c.io = io;
            c.mmio = apic;
            c.msrs = apic;
            c.interrupts = apic;
            Vcpu v = new Vcpu(c, i == 0);
            vcpus[i] = v;
            setup.accept(v);
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
     * Applies an INIT or STARTUP IPI to {@code t}. INIT resets a halted, shut-down or waiting
     * vCPU to wait-for-SIPI at once; a running or parked one gets it at its next instruction
     * boundary (its engine stops with {@code ExitReason.INIT}, then {@link #applyInit}). The
     * first STARTUP after an INIT starts a waiting vCPU in real mode at {@code vector << 12};
     * later ones are ignored, as on hardware. A STARTUP that arrives while an INIT is still
     * pending (the vCPU has not reached a boundary since) is held and applied with the INIT: on
     * hardware the INIT took effect first. Under the tdx profile both are ignored: APs start
     * only through the wake-up mailbox. INIT and STARTUP for one vCPU are applied under its
     * monitor, so a STARTUP right behind an INIT from another thread sees the reset done.
     */
    void deliverInitOrStartup(Vcpu t, boolean init, int vector) {
        if (config.profile.tdx) {
            ignoredIpis.increment();
            return;
        }
        synchronized (t) {
            if (init) {
                scheduler.count(Scheduler.INIT_IPIS);
                int s = t.state();
                if (s == Vcpu.WAIT_SIPI || ((s == Vcpu.HALTED || s == Vcpu.SHUTDOWN) && t.casState(s, Vcpu.WAIT_SIPI))) {
                    resetForInit(t);
                } else {
                    t.cpu.raiseEvents(Cpu.EVENT_INIT);
                    kick(t);
                }
            } else {
                scheduler.count(Scheduler.STARTUP_IPIS);
                if (t.state() == Vcpu.WAIT_SIPI && t.initCount > 0 && t.sipiCount == 0) {
                    startup(t, vector);
                } else if ((t.cpu.events() & Cpu.EVENT_INIT) != 0 && t.latchedSipi < 0) {
                    t.latchedSipi = vector & 0xFF; // see Vcpu#latchedSipi
                }
            }
        }
    }

    /** A vCPU's engine stopped for a pending INIT: reset it to wait-for-SIPI. */
    public void applyInit(Vcpu t) {
        synchronized (t) {
            int latched = t.latchedSipi;
            t.cpu.mmu.release();
            resetForInit(t); // clears the latch
            t.setState(Vcpu.WAIT_SIPI);
            if (latched >= 0) {
                startup(t, latched);
            }
        }
    }

    /** A STARTUP IPI accepted by a vCPU waiting for one; the caller holds its monitor. */
    private void startup(Vcpu t, int vector) {
        t.sipiCount++;
        t.cpu.startAt(vector);
        if (t.casState(Vcpu.WAIT_SIPI, Vcpu.RUNNABLE)) {
            scheduler.enqueue(t);
        }
    }

    private static void resetForInit(Vcpu t) {
        t.latchedSipi = -1;
        t.cpu.resetToRealMode(0, 0);
        t.resetApic();
        t.initCount++;
        t.sipiCount = 0;
    }

    /**
     * After a scheduling slot of a vCPU with an APIC timer: fires the timer if its count ran out;
     * a vCPU that halted with the timer armed and IF set skips its clock to the deadline.
     */
    void timerAfterSlot(Vcpu v, boolean halted) {
        if (halted) {
            apic.skipToTimer(v);
        } else {
            apic.pollTimer(v);
        }
    }

    /**
     * After an interrupt or NMI was requested for {@code t}: wakes it if it is halted or parked
     * and can take the event now. A running vCPU notices at its next block boundary; one that
     * halts or parks concurrently re-checks its events after publishing its state, so the
     * request cannot be lost between the two.
     */
    void kick(Vcpu t) {
        int s = t.state();
        if (s == Vcpu.HALTED) {
            if (Scheduler.eventWakes(t) && t.casState(Vcpu.HALTED, Vcpu.RUNNABLE)) {
                scheduler.enqueue(t);
            }
        } else if (s == Vcpu.PARKED && Scheduler.eventWakes(t)) {
            scheduler.unpark(t);
        }
    }

    /**
     * Requests external interrupt {@code vector} (16-255) for vCPU {@code index} as an I/O APIC
     * would (fixed delivery, edge): it is taken when the vCPU's APIC is software-enabled, RFLAGS.IF
     * is set and the vector's priority class is above the processor priority.
     */
    public void interrupt(int index, int vector) {
        if (vector < 16 || vector > 255) {
            throw new IllegalArgumentException("interrupt vector must be 16..255, got " + vector);
        }
        apic.ipis.fixed(null, vcpus[index], vector);
    }

    /** Requests an NMI for vCPU {@code index}. */
    public void nmi(int index) {
        Vcpu t = vcpus[index];
        t.nmiPending = true;
        t.cpu.raiseEvents(Cpu.EVENT_NMI);
        kick(t);
    }

    /**
     * The state of every vCPU and of the run queue (see {@link MachineState}); guest memory and
     * devices are not included. Call only while the machine does not run.
     */
    public MachineState saveState() {
        return MachineState.of(this, scheduler.queued(), bspQueued);
    }

    /**
     * Puts every vCPU and the run queue back in a state {@link #saveState} returned for this
     * machine: parked vCPUs wait on their words again, runnable ones are queued in the saved
     * order. Call only while the machine does not run, after guest memory was restored (a vCPU
     * parked on a word must find it as it was).
     *
     * @throws IllegalArgumentException for a state of another machine
     */
    public void restoreState(MachineState s) {
        if (s.owner != this) {
            throw new IllegalArgumentException("the state belongs to another machine");
        }
        scheduler.detachAll(vcpus);
        for (int i = 0; i < vcpus.length; i++) {
            s.vcpus[i].restoreTo(vcpus[i]);
        }
        for (Vcpu v : vcpus) {
            if (v.state() == Vcpu.PARKED) {
                scheduler.relinkParked(v);
            }
        }
        for (int i : s.queue) {
            scheduler.requeueRestored(vcpus[i]);
        }
        bspQueued = s.bspQueued;
    }

    /** Statistics of the machine (not of the engine). */
    public Stats stats() {
        long instr = 0;
        long walks = 0;
        for (Vcpu v : vcpus) {
            instr += v.cpu.instructions;
            walks += v.cpu.mmu.misses();
        }
        return new Stats(instr, scheduler.total(Scheduler.INIT_IPIS), scheduler.total(Scheduler.STARTUP_IPIS), ignoredIpis.sum(), apic.ipis.interruptIpis.sum(),
                apic.ipis.droppedIpis.sum(), scheduler.total(Scheduler.PARKS), scheduler.total(Scheduler.WAKES),
                scheduler.total(Scheduler.COMPUTE_HANDOFFS), walks);
    }

    /**
     * Machine counters: INIT/STARTUP IPIs applied and ignored, interrupt IPIs (fixed,
     * lowest-priority, NMI) accepted and dropped, parks and wake-ups, on a machine of several
     * host threads the vCPUs handed from the primary worker to the helpers, and the page walks
     * of every vCPU's MMU (TLB misses its entries and victim slots did not serve).
     */
    public record Stats(long guestInstructions, long initIpis, long startupIpis, long ignoredIpis,
                        long interruptIpis, long droppedIpis, long parks, long wakes, long computeHandoffs,
                        long pageWalks) {
    }

    /** The scheduler (tests look at its counters). */
    Scheduler scheduler() {
        return scheduler;
    }

    /** The MMIO bus the vCPUs see (the local APICs). */
    public MmioBus mmio() {
        return apic;
    }
}
