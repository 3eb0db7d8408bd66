package org.apboot;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.CpuModel;
import org.apboot.core.cpu.CpuProfile;
import org.apboot.core.decode.Insn;
import org.apboot.core.engine.Engine;
import org.apboot.core.engine.EngineFactory;
import org.apboot.core.engine.EngineStats;
import org.apboot.core.engine.Tracer;
import org.apboot.core.engine.TracingEngine;
import org.apboot.core.fault.CpuException;
import org.apboot.core.interp.Interpreter;
import org.apboot.core.machine.Machine;
import org.apboot.core.machine.MachineConfig;
import org.apboot.core.mem.PhysicalMemory;

/**
 * An x86 machine for embedders: RAM, vCPUs with local APICs (vCPU {@code i} has APIC ID
 * {@code i}), the debug console (port 0xE9) and serial port (0x3F8), and an engine.
 *
 * <p>Call order: {@link #builder()} ... {@link Builder#build()}, then {@link #load} code and data,
 * set up vCPU state through {@link #vcpu(int)}, make vCPUs runnable with {@link #start(int)}
 * (vCPU 0 starts runnable), install hooks, then {@link #run(Duration)}. After a run, state can be
 * read, changed, and the machine run again. Not thread-safe: one caller drives it.
 */
public final class X86Machine {
    /** Sees each instruction before it executes (the engine single-steps while any hook is set). */
    @FunctionalInterface
    public interface InstructionHook {
        void before(VcpuHandle vcpu, long rip, String disassembly);
    }

    /** Sees a guest exception as it is raised, before delivery. */
    @FunctionalInterface
    public interface FaultHook {
        void fault(VcpuHandle vcpu, String fault);
    }

    /** Sees an external interrupt or NMI (vector 2) as it is taken, after delivery. */
    @FunctionalInterface
    public interface InterruptHook {
        void interrupt(VcpuHandle vcpu, int vector);
    }

    /** Sees a change of CPU mode (real, protected, long, compatibility, paging). */
    @FunctionalInterface
    public interface ModeChangeHook {
        void modeChanged(VcpuHandle vcpu, String newMode);
    }

    /** Sees guest writes to a watched physical range. */
    @FunctionalInterface
    public interface WriteHook {
        void written(long physicalAddress, int length);
    }

    private final Machine machine;
    private final Engine engine;
    private final VcpuHandle[] handles;
    private final List<InstructionHook> instructionHooks = new ArrayList<>();
    private final List<FaultHook> faultHooks = new ArrayList<>();
    private final List<ModeChangeHook> modeHooks = new ArrayList<>();
    private final List<InterruptHook> interruptHooks = new ArrayList<>();
    /** Worker used by {@link #step} and {@link #runUntil}, created on first use. */
    private org.apboot.core.engine.EngineWorker stepper;

    private X86Machine(Builder b) {
        this.machine = new Machine(MachineConfig.builder().ramBytes(b.ramBytes).cpus(b.cpus)
                .model(CpuModel.standard(b.la57)).profile(b.profile).hostThreads(b.hostThreads)
                .deterministic(b.deterministic).quantum(b.quantum).build());
        this.engine = b.engines.create(machine.ram());
        this.handles = new VcpuHandle[b.cpus];
        for (int i = 0; i < b.cpus; i++) {
            handles[i] = new VcpuHandle(this, machine.vcpu(i));
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** How to build an {@link X86Machine}. */
    public static final class Builder {
        private long ramBytes = 16L << 20;
        private int cpus = 1;
        private CpuProfile profile = CpuProfile.GENERIC;
        private boolean la57 = true;
        private int hostThreads = 1;
        private boolean deterministic;
        private long quantum = 20_000;
        private EngineFactory engines = Interpreter::new;

        public Builder ramBytes(long bytes) {
            ramBytes = bytes;
            return this;
        }

        /** Number of vCPUs, BSP included. */
        public Builder cpus(int n) {
            cpus = n;
            return this;
        }

        /** {@code generic} or {@code tdx}. */
        public Builder profile(String name) {
            profile = CpuProfile.parse(name);
            return this;
        }

        /** Whether CPUID offers 5-level paging (default true). */
        public Builder la57(boolean offered) {
            la57 = offered;
            return this;
        }

        public Builder hostThreads(int n) {
            hostThreads = n;
            return this;
        }

        /** One host thread, fixed quanta, round robin: the same run every time. */
        public Builder deterministic(boolean d) {
            deterministic = d;
            return this;
        }

        public Builder quantum(long instructions) {
            quantum = instructions;
            return this;
        }

        /** The engine (default: the interpreter). */
        public Builder engine(EngineFactory factory) {
            engines = factory;
            return this;
        }

        /** @throws IllegalArgumentException for impossible settings */
        public X86Machine build() {
            return new X86Machine(this);
        }
    }

    // ---------------------------------------------------------------- memory

    /** Copies {@code bytes} into guest RAM at physical {@code address}. */
    public X86Machine load(long address, byte[] bytes) {
        machine.ram().load(address, bytes);
        return this;
    }

    /** Reads 1, 2, 4 or 8 bytes of guest RAM. */
    public long read(long address, int size) {
        check(address, size);
        return machine.ram().read(address, size);
    }

    /** Writes 1, 2, 4 or 8 bytes of guest RAM. */
    public X86Machine write(long address, int size, long value) {
        check(address, size);
        machine.ram().write(address, size, value);
        return this;
    }

    private void check(long address, int size) {
        if (size != 1 && size != 2 && size != 4 && size != 8) {
            throw new IllegalArgumentException("access size must be 1, 2, 4 or 8, got " + size);
        }
        if (!machine.ram().contains(address, size)) {
            throw new IllegalArgumentException(String.format("0x%x+%d is outside guest RAM of %d bytes",
                    address, size, machine.ram().size()));
        }
    }

    public long ramBytes() {
        return machine.ram().size();
    }

    /**
     * Builds identity page tables for the first 4 GiB (2 MiB pages) at {@code pml4} (24 KiB:
     * PML4, PDPT, 4 PDs).
     */
    void identityMap(long pml4) {
        PhysicalMemory ram = machine.ram();
        if ((pml4 & 0xFFF) != 0 || !ram.contains(pml4, 6 * 4096)) {
            throw new IllegalArgumentException(String.format("page tables at 0x%x must be page-aligned and fit in RAM", pml4));
        }
        long pdpt = pml4 + 0x1000;
        ram.load(pml4, new byte[6 * 4096]);
        ram.write64(pml4, pdpt | 0x3);
        for (int i = 0; i < 4; i++) {
            long pd = pml4 + 0x2000 + i * 0x1000L;
            ram.write64(pdpt + 8L * i, pd | 0x3);
            for (int j = 0; j < 512; j++) {
                ram.write64(pd + 8L * j, (((long) i << 30) + ((long) j << 21)) | 0x83);
            }
        }
    }

    // ---------------------------------------------------------------- vCPUs

    public int cpuCount() {
        return handles.length;
    }

    public VcpuHandle vcpu(int index) {
        return handles[index];
    }

    /** Makes vCPU {@code index} runnable from its current state (clears a previous HLT). */
    public X86Machine start(int index) {
        handles[index].cpu().halted = false;
        machine.start(index);
        return this;
    }

    /**
     * Raises external interrupt {@code vector} (16-255) at vCPU {@code index}'s local APIC, as an
     * I/O APIC's fixed, edge-triggered message would. The vCPU takes it at an instruction
     * boundary once its APIC is software-enabled (SVR bit 8), RFLAGS.IF is set and the vector's
     * priority class is above the processor priority; a halted vCPU wakes to take it. Callable
     * from any thread, also while the machine runs.
     */
    public X86Machine interrupt(int index, int vector) {
        checkIndex(index);
        machine.interrupt(index, vector);
        return this;
    }

    /** Raises an NMI at vCPU {@code index} (taken unless an NMI handler is still running). */
    public X86Machine nmi(int index) {
        checkIndex(index);
        machine.nmi(index);
        return this;
    }

    private void checkIndex(int index) {
        if (index < 0 || index >= handles.length) {
            throw new IllegalArgumentException("no vCPU " + index + " (machine has " + handles.length + ")");
        }
    }

    // ---------------------------------------------------------------- hooks

    public X86Machine onInstruction(InstructionHook h) {
        instructionHooks.add(h);
        return this;
    }

    public X86Machine onFault(FaultHook h) {
        faultHooks.add(h);
        return this;
    }

    public X86Machine onInterrupt(InterruptHook h) {
        interruptHooks.add(h);
        return this;
    }

    private boolean hooked() {
        return !instructionHooks.isEmpty() || !faultHooks.isEmpty() || !modeHooks.isEmpty()
                || !interruptHooks.isEmpty();
    }

    public X86Machine onModeChange(ModeChangeHook h) {
        modeHooks.add(h);
        return this;
    }

    /** Calls {@code h} after guest writes touching [address, address+length). */
    public X86Machine onWrite(long address, int length, WriteHook h) {
        PhysicalMemory ram = machine.ram();
        ram.addWriteListener((a, len) -> {
            if (a < address + length && address < a + len) {
                h.written(a, len);
            }
        });
        ram.watchLine(address, length);
        return this;
    }

    // ---------------------------------------------------------------- running

    /**
     * Runs until nothing can run any more (every vCPU halted, shut down, waiting for SIPI, or
     * parked on memory nobody writes) or the timeout passes.
     *
     * @return true if the run ended by timeout
     */
    public boolean run(Duration timeout) {
        Engine e = engine;
        if (hooked()) {
            e = new TracingEngine(engine, new HookTracer());
        }
        return machine.run(e, timeout.toNanos());
    }

    /**
     * Executes exactly one instruction on vCPU {@code index}, outside the scheduler (other vCPUs
     * do not run). Hooks see it as in {@link #run}.
     *
     * @return what the instruction did: {@code "ok"}, {@code "halt"}, {@code "pause"},
     *     {@code "shutdown"}, or {@code "init"} when a pending INIT reset the vCPU to
     *     wait-for-SIPI instead
     */
    public String step(int index) {
        return org.apboot.core.engine.ExitReason.name(stepOnce(handles[index]))
                .replace("budget", "ok");
    }

    /**
     * Steps vCPU {@code index} until its RIP equals {@code rip}, it halts or shuts down, or
     * {@code maxInstructions} have run (outside the scheduler: other vCPUs do not run).
     *
     * @return true if the vCPU stopped at {@code rip}
     */
    public boolean runUntil(int index, long rip, long maxInstructions) {
        VcpuHandle v = handles[index];
        for (long n = 0; n < maxInstructions; n++) {
            if (v.rip() == rip) {
                return true;
            }
            int r = stepOnce(v);
            if (r == org.apboot.core.engine.ExitReason.HALT || r == org.apboot.core.engine.ExitReason.SHUTDOWN) {
                break;
            }
        }
        return v.rip() == rip;
    }

    private int stepOnce(VcpuHandle v) {
        if (stepper == null) {
            stepper = engine.newWorker();
        }
        stepper.setTracer(hooked() ? new HookTracer() : null);
        int r = stepper.step(v.cpu());
        if (r == org.apboot.core.engine.ExitReason.INIT) {
            machine.applyInit(machine.vcpu(v.index()));
        }
        return r;
    }

    /** Text the guest wrote to the debug console port 0xE9. */
    public String consoleOutput() {
        return machine.io().consoleText();
    }

    /** Text the guest wrote to the serial port 0x3F8. */
    public String serialOutput() {
        return machine.io().serialText();
    }

    /** Statistics of the machine and its engine. */
    public Statistics statistics() {
        EngineStats es = engine.stats();
        Machine.Stats ms = machine.stats();
        return new Statistics(engine.name(), ms.guestInstructions(), es.blocksBuilt.sum(), es.hitRate(),
                es.invalidations.sum(), ms.parks(), ms.wakes(), es.counters());
    }

    /**
     * Counters after (or between) runs; {@code engineCounters} holds the engine's own counters
     * by name (the translator's: blocks translated, chained exits, evictions...).
     */
    public record Statistics(String engine, long guestInstructions, long blocksBuilt, double cacheHitRate,
                             long invalidations, long parks, long wakeUps, java.util.Map<String, Long> engineCounters) {
        /** The engine counter {@code name}, 0 when the engine has none by that name. */
        public long counter(String name) {
            return engineCounters.getOrDefault(name, 0L);
        }
    }

    private final class HookTracer implements Tracer {
        @Override
        public void beforeInstruction(Cpu cpu, Insn insn, long rip) {
            if (!instructionHooks.isEmpty()) {
                String text = org.apboot.core.decode.AttSyntax.render(insn, rip);
                for (InstructionHook h : instructionHooks) {
                    h.before(handles[cpu.index], rip, text);
                }
            }
        }

        @Override
        public void fault(Cpu cpu, CpuException e) {
            for (FaultHook h : faultHooks) {
                h.fault(handles[cpu.index], e.toString());
            }
        }

        @Override
        public void interrupt(Cpu cpu, int vector) {
            for (InterruptHook h : interruptHooks) {
                h.interrupt(handles[cpu.index], vector);
            }
        }

        @Override
        public void modeChanged(Cpu cpu, int oldModeKey) {
            for (ModeChangeHook h : modeHooks) {
                h.modeChanged(handles[cpu.index], cpu.modeName());
            }
        }
    }
}
