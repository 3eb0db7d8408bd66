package org.apboot.core.scenario;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;
import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.CpuModel;
import org.apboot.core.cpu.Mmu;
import org.apboot.core.decode.AttSyntax;
import org.apboot.core.decode.Decoder;
import org.apboot.core.decode.Insn;
import org.apboot.core.engine.Engine;
import org.apboot.core.engine.EngineFactory;
import org.apboot.core.engine.EngineStats;
import org.apboot.core.engine.Tracer;
import org.apboot.core.engine.TracingEngine;
import org.apboot.core.fault.CpuException;
import org.apboot.core.image.BootParams.WakePath;
import org.apboot.core.image.BootParams;
import org.apboot.core.image.FirmwareLayout;
import org.apboot.core.image.GuestImages;
import org.apboot.core.image.InstalledTrampoline;
import org.apboot.core.image.KernelLayout;
import org.apboot.core.image.RealModeBlob;
import org.apboot.core.machine.Machine;
import org.apboot.core.machine.MachineConfig;
import org.apboot.core.machine.Vcpu;
import org.apboot.core.semantics.Mem;

/**
 * The main job: builds a machine for a {@link BootConfig} (kernel image, firmware, trampoline,
 * boot parameters, initial states), runs it on an engine, and checks every AP.
 *
 * <p>Call order: {@link #BootScenario(BootConfig, EngineFactory)} (builds and loads), optionally
 * {@link #setTracer}, then {@link #run()} once.
 */
public final class BootScenario {
    private final BootConfig config;
    private final Machine machine;
    private final Engine engine;
    private final BootParams params;
    private final InstalledTrampoline trampoline;
    private final String trampolineName;
    private Tracer tracer;
    /** Java heap in use before the machine was built, for the per-vCPU footprint. */
    private final long heapBefore;
    /** Wall time of building the machine and the engine (after the heap measurement's GC). */
    private final double setupSeconds;

    public BootScenario(BootConfig config, EngineFactory engines) {
        this.config = config;
        this.heapBefore = usedHeapAfterGc();
        long buildStart = System.nanoTime();
        boolean five = config.pagingLevels() == 5;
        RealModeBlob blob = config.blobDir() != null
                ? RealModeBlob.fromDirectory(config.blobDir())
                : GuestImages.trampoline(config.variant());
        this.trampolineName = config.blobDir() != null ? config.blobDir().toString() : config.variant();
        this.params = BootParams.builder(config.aps())
                .path(config.path())
                .serial(!blob.hasLock())
                .work(config.work(), config.iterations())
                .fiveLevel(five)
                .build();
        InstalledTrampoline[] installed = new InstalledTrampoline[1];
        InitialStates.Applied[] states = new InitialStates.Applied[2]; // the BSP's, the APs'
        boolean mailbox = config.path() == WakePath.MAILBOX64;
        this.machine = new Machine(MachineConfig.builder()
                .ramBytes(params.ramBytes())
                .cpus(config.aps() + 1)
                .model(CpuModel.standard(true))
                .profile(config.profile())
                .hostThreads(config.hostThreads())
                .deterministic(config.deterministic())
                .quantum(config.quantum())
                .build(), ram -> {
                    GuestImages.kernel().load(ram);
                    GuestImages.firmware().load(ram);
                    installed[0] = blob.install(ram, KernelLayout.DEFAULT_TRAMPOLINE_BASE,
                            KernelLayout.trampolineSetup(five));
                    params.write(ram, installed[0]);
                    states[0] = InitialStates.of(ram, KernelLayout.bspState(five));
                    states[1] = mailbox ? InitialStates.of(ram, FirmwareLayout.apState()) : null;
                }, v -> {
                    // each vCPU's state is set while it is in cache (see Machine's constructor)
                    InitialStates.Applied s = v.cpu.index == 0 ? states[0] : states[1];
                    if (s != null) {
                        s.applyTo(v);
                    }
                });
        this.trampoline = installed[0];
        if (mailbox) {
            for (int i = 1; i <= config.aps(); i++) {
                machine.start(i); // parked in the firmware's wake-up loop
            }
        }
        this.engine = engines.create(machine.ram());
        this.setupSeconds = (System.nanoTime() - buildStart) / 1e9;
    }

    public Machine machine() {
        return machine;
    }

    public Engine engine() {
        return engine;
    }

    public InstalledTrampoline trampoline() {
        return trampoline;
    }

    /** Traces one vCPU (by index) through {@code tracer}; others run untraced but single-stepped. */
    public void setTracer(Tracer tracer) {
        this.tracer = tracer;
    }

    /** Number of APs whose online bit is set so far (readable while the run is in progress). */
    public int onlineSoFar() {
        return machine.ram().read32(KernelLayout.ONLINE_COUNT);
    }

    /** Runs the bring-up and checks every AP. {@code progress} (may be null) gets the online count. */
    public BootReport run(IntConsumer progress) {
        long start = System.nanoTime();
        boolean timedOut;
        if (tracer != null) {
            timedOut = runTraced();
        } else {
            timedOut = machine.run(engine, config.timeoutSeconds() * 1_000_000_000L);
        }
        double wall = (System.nanoTime() - start) / 1e9;
        long heap = usedHeapAfterGc(); // after timing: what the machine keeps, not garbage
        if (progress != null) {
            progress.accept(onlineSoFar());
        }
        return report(wall, timedOut, heap);
    }

    private boolean runTraced() {
        return machine.run(new TracingEngine(engine, tracer), config.timeoutSeconds() * 1_000_000_000L);
    }

    private static long usedHeapAfterGc() {
        Runtime rt = Runtime.getRuntime();
        System.gc();
        return rt.totalMemory() - rt.freeMemory();
    }

    // ------------------------------------------------------------------ checking

    private BootReport report(double wall, boolean timedOut, long heap) {
        int aps = config.aps();
        int online = onlineSoFar();
        boolean five = config.pagingLevels() == 5;
        long expectCr4 = KernelLayout.kernelCr4(five);
        long expectCr0 = KernelLayout.KERNEL_CR0 & ~("cr0-no-ne".equals(config.variant()) && config.blobDir() == null
                ? KernelLayout.CR0_NE : 0);
        List<BootReport.Failure> failures = new ArrayList<>();
        int failed = 0;
        int idtGarbage = 0;
        long firstIdtBase = 0;
        long[] byMode = new long[Cpu.MODE_COUNT];
        long total = 0;
        for (int i = 0; i <= aps; i++) {
            Cpu c = machine.vcpu(i).cpu;
            total += c.instructions;
            for (int m = 0; m < byMode.length; m++) {
                byMode[m] += c.modeInstructions[m];
            }
        }
        for (int i = 1; i <= aps; i++) {
            Vcpu v = machine.vcpu(i);
            Cpu c = v.cpu;
            String problem = checkAp(v, five, expectCr0, expectCr4);
            if (c.idtrBase != 0) {
                if (idtGarbage == 0) {
                    firstIdtBase = c.idtrBase;
                }
                idtGarbage++;
            }
            if (problem != null) {
                failed++;
                if (failures.size() < 50) {
                    failures.add(failure(v, problem));
                }
            }
        }
        List<String> warnings = new ArrayList<>();
        if (idtGarbage > 0) {
            warnings.add(String.format("%d AP(s) ended with a non-zero IDT base (first: 0x%x, limit 0x%x): the 64-bit LIDT in "
                    + "trampoline_start64 read a 6-byte descriptor as 10 bytes and took the following bytes as the upper "
                    + "base; a later fault would vector through garbage instead of shutting down",
                    idtGarbage, firstIdtBase, machine.vcpu(1).cpu.idtrLimit));
        }
        if (params.serial()) {
            warnings.add("trampoline has no real-mode stack lock (kernels before 6.5): APs were brought up one at a time");
        }
        Machine.Stats ms = machine.stats();
        if (ms.ignoredIpis() > 0 && config.profile().tdx) {
            warnings.add(ms.ignoredIpis() + " INIT/STARTUP IPI(s) ignored: under tdx APs start only through the mailbox");
        }
        EngineStats es = engine.stats();
        BootReport.EngineSummary summary = new BootReport.EngineSummary(es.blocksBuilt.sum(), es.jumpCacheHits.sum(),
                es.sharedCacheHits.sum(), es.misses.sum(), es.invalidations.sum(), es.hitRate(), es.counters());
        return new BootReport(aps, online, failed, engine.name(), config.pathName(), config.profile().cliName(),
                config.pagingLevels(), trampolineName, params.serial() ? "serial" : "parallel",
                config.work().name().toLowerCase(java.util.Locale.ROOT)
                        + (config.work() == BootParams.WorkMode.CALIBRATE ? ":" + config.iterations() : ""),
                setupSeconds, wall, wall > 0 ? online / wall : 0, total, byMode, summary, ms, timedOut, failures,
                warnings, apState(machine.vcpu(1)), machine.io().consoleText(), heap,
                Math.max(0, heap - heapBefore - machine.ram().size()) / (aps + 1));
    }

    /** Null if the AP is online in the state the kernel stub leaves, else what is wrong. */
    private String checkAp(Vcpu v, boolean five, long expectCr0, long expectCr4) {
        Cpu c = v.cpu;
        int cpuNo = c.index;
        boolean bit = (machine.ram().read8(KernelLayout.ONLINE_BITMAP + (cpuNo >>> 3)) >>> (cpuNo & 7) & 1) != 0;
        if (c.shutdown) {
            return "shut down: " + (c.shutdownReason == null ? "triple fault" : c.shutdownReason);
        }
        if (!bit) {
            if (v.state() == Vcpu.PARKED) {
                String on = v.parkedOn();
                return on == null ? "not online: parked in a PAUSE loop that waits for an interrupt"
                        : "not online: parked polling " + on;
            }
            return "not online (" + Vcpu.stateName(v.state()) + ")";
        }
        if (v.state() != Vcpu.HALTED) {
            return "online but not halted (" + Vcpu.stateName(v.state()) + ")";
        }
        if (!"long64".equals(c.modeName())) {
            return "online in " + c.modeName() + " instead of long64";
        }
        if (c.cr0 != expectCr0) {
            return String.format("CR0 0x%x, expected 0x%x", c.cr0, expectCr0);
        }
        if (c.cr4 != expectCr4) {
            return String.format("CR4 0x%x, expected 0x%x", c.cr4, expectCr4);
        }
        if (c.cr3 != KernelLayout.kernelCr3(five)) {
            return String.format("CR3 0x%x, expected 0x%x", c.cr3, KernelLayout.kernelCr3(five));
        }
        if (c.efer != KernelLayout.KERNEL_EFER) {
            return String.format("EFER 0x%x, expected 0x%x", c.efer, KernelLayout.KERNEL_EFER);
        }
        if (c.seg[Insn.CS].selector != KernelLayout.KERNEL_CS) {
            return String.format("CS 0x%x, expected 0x%x", c.seg[Insn.CS].selector, KernelLayout.KERNEL_CS);
        }
        if (c.gdtrBase != KernelLayout.KERNEL_GDT || c.gdtrLimit != KernelLayout.KERNEL_GDT_LIMIT) {
            return String.format("GDTR 0x%x/0x%x, expected 0x%x/0x%x", c.gdtrBase, c.gdtrLimit,
                    KernelLayout.KERNEL_GDT, KernelLayout.KERNEL_GDT_LIMIT);
        }
        return null;
    }

    private BootReport.Failure failure(Vcpu v, String problem) {
        Cpu c = v.cpu;
        List<String> chain = c.faultChain == null ? List.of() : List.copyOf(c.faultChain);
        return new BootReport.Failure(c.apicId, Vcpu.stateName(v.state()), c.modeName(), c.rip,
                instructionAt(c), chain, problem);
    }

    /** The instruction at the vCPU's RIP, disassembled, or why it cannot be read. */
    public static String instructionAt(Cpu c) {
        try {
            long linear = c.codeLinear(c.rip);
            byte[] buf = new byte[15];
            for (int i = 0; i < 15; i++) {
                long phys = c.mmu.translate(linear + i, Mmu.FETCH, false);
                buf[i] = (byte) Mem.readPhysical(c, phys, 1);
            }
            Insn insn = new Insn();
            int len = Decoder.decode(buf, 0, 15, c.codeSize, insn);
            if (len == 0) {
                return "(bad)";
            }
            return AttSyntax.render(insn, c.rip);
        } catch (CpuException e) {
            return "(unreadable: " + e + ")";
        }
    }

    public static BootReport.ApState apState(Vcpu v) {
        Cpu c = v.cpu;
        return new BootReport.ApState(c.apicId, c.modeName(), c.cr0, c.cr3, c.cr4, c.efer, c.seg[Insn.CS].selector,
                c.rip, c.r[Cpu.RSP], c.gdtrBase, c.gdtrLimit, c.idtrBase, c.idtrLimit, Vcpu.stateName(v.state()));
    }
}
