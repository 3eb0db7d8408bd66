package org.apboot;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntConsumer;
import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.CpuModel;
import org.apboot.core.cpu.CpuProfile;
import org.apboot.core.decode.Insn;
import org.apboot.core.embed.PcPorts;
import org.apboot.core.embed.RunControl;
import org.apboot.core.engine.Engine;
import org.apboot.core.engine.EngineFactory;
import org.apboot.core.engine.EngineProvider;
import org.apboot.core.engine.EngineStats;
import org.apboot.core.engine.Engines;
import org.apboot.core.engine.Tracer;
import org.apboot.core.engine.TracingEngine;
import org.apboot.core.fault.CpuException;
import org.apboot.core.machine.Machine;
import org.apboot.core.machine.MachineConfig;
import org.apboot.core.mem.MemoryMap;
import org.apboot.core.mem.PhysicalMemory;

/**
 * An x86 machine for embedders: low RAM from physical address 0, more RAM, ROM and devices
 * anywhere in the physical address space ({@link #mapRam}, {@link #mapRom}, {@link #alias},
 * {@link #mapMmio}), vCPUs with local APICs (vCPU {@code i} has APIC ID {@code i}), the ports of
 * a minimal PC (debug console 0xE9, serial 0x3F8, exit port 0xF4, reset through 0x64 and 0xCF9,
 * the 8259 and 8254 ports), and an engine, chosen by name ({@code interp}, {@code jit}) or by
 * factory.
 *
 * <p>Call order: {@link #builder()} ... {@link Builder#build()}; map memory; {@link #load} code
 * and data; set up vCPU state through {@link #vcpu(int)} (registers by name, or a preset:
 * reset, real, flat32, long64, at CPL 0 or 3); install hooks; then run one vCPU
 * ({@link #runVcpu}) or the whole machine ({@link #run(RunLimits)}). After a run, state can be
 * read, changed, and the machine run again. One thread drives the machine; {@link #stop()},
 * {@link #interrupt} and {@link #nmi} may be called from any thread while it runs.
 */
public final class X86Machine {
    /** Sees each instruction before it executes (the engine single-steps while any hook is set). */
    @FunctionalInterface
    public interface InstructionHook {
        void before(VcpuHandle vcpu, long rip, String disassembly);
    }

    /**
     * Sees each basic block before it runs: its first instruction's RIP and its length in bytes,
     * as the decoder's block-ending rule (the one both engines share) cut it.
     */
    @FunctionalInterface
    public interface BlockHook {
        void block(VcpuHandle vcpu, long rip, int size);
    }

    /** Sees a guest exception as it is raised, before delivery. */
    @FunctionalInterface
    public interface FaultHook {
        void fault(VcpuHandle vcpu, String fault);
    }

    /**
     * Decides about a guest exception before it is delivered: true when the host handled it
     * (nothing is delivered; the vCPU goes on at the faulting instruction, or wherever the
     * handler moved RIP), false to let it be delivered as usual.
     */
    @FunctionalInterface
    public interface FaultHandler {
        boolean handle(VcpuHandle vcpu, GuestFault fault);
    }

    /** Where an interrupt comes from, as {@link InterruptHandler}s are told. */
    public enum InterruptKind {
        /** A maskable interrupt from the vCPU's local APIC ({@link #interrupt}, an IPI, its timer). */
        EXTERNAL,
        /** A non-maskable interrupt (vector 2). */
        NMI,
        /** An interrupt instruction: INT n, INT3, INTO (when OF is set) or INT1. */
        SOFTWARE
    }

    /**
     * Decides about an interrupt before it is delivered: true when the host handled it (nothing
     * is delivered; the vCPU goes on where the guest's handler would have returned to, or
     * wherever the handler moved RIP), false to let it be delivered as usual.
     */
    @FunctionalInterface
    public interface InterruptHandler {
        boolean handle(VcpuHandle vcpu, int vector, InterruptKind kind);
    }

    /**
     * Sees an external interrupt or NMI (vector 2) as it is taken, after delivery (not one an
     * {@link InterruptHandler} handled, which is never delivered).
     */
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

    /** Answers (or lets pass, with an empty value) a guest IN from a hooked port. */
    @FunctionalInterface
    public interface PortInHook {
        java.util.OptionalLong in(VcpuHandle vcpu, int port, int size);
    }

    /** Sees a guest OUT to a hooked port, before the device does. */
    @FunctionalInterface
    public interface PortOutHook {
        void out(VcpuHandle vcpu, int port, int size, long value);
    }

    /** Adjusts in place the {EAX, EBX, ECX, EDX} a guest CPUID of {@code leaf}/{@code subleaf} returns. */
    @FunctionalInterface
    public interface CpuidHook {
        void cpuid(VcpuHandle vcpu, int leaf, int subleaf, int[] regs);
    }

    /** Answers a guest RDMSR (at CPL 0), or lets the CPU answer with an empty value. */
    @FunctionalInterface
    public interface RdmsrHook {
        java.util.OptionalLong rdmsr(VcpuHandle vcpu, int msr);
    }

    /** Takes a guest WRMSR (at CPL 0) by returning true; false lets the CPU handle it. */
    @FunctionalInterface
    public interface WrmsrHook {
        boolean wrmsr(VcpuHandle vcpu, int msr, long value);
    }

    /**
     * Sees a guest data access in a watched physical range: a read after it happens (with the
     * value read), a write before it happens (with the value to store).
     */
    @FunctionalInterface
    public interface MemoryHook {
        void access(VcpuHandle vcpu, long physicalAddress, int size, long value);
    }

    private final Machine machine;
    private final Engine engine;
    private final GuestHooks guestHooks;
    private final MemoryMap memoryMap;
    private final PcPorts ports;
    private final RunControl control;
    private final VcpuHandle[] handles;
    /** A hook for the RIPs {@code first}..{@code last} (unsigned, inclusive). */
    private record Ranged<H>(long first, long last, H hook) {
        boolean covers(long rip) {
            return Long.compareUnsigned(rip, first) >= 0 && Long.compareUnsigned(rip, last) <= 0;
        }
    }

    // copy-on-write: a hook may remove itself (or another) while the lists are walked
    private final List<Ranged<InstructionHook>> instructionHooks = new CopyOnWriteArrayList<>();
    private final List<Ranged<BlockHook>> blockHooks = new CopyOnWriteArrayList<>();
    private final List<FaultHook> faultHooks = new CopyOnWriteArrayList<>();
    private final List<FaultHandler> faultHandlers = new CopyOnWriteArrayList<>();
    private final List<ModeChangeHook> modeHooks = new CopyOnWriteArrayList<>();
    private final List<InterruptHook> interruptHooks = new CopyOnWriteArrayList<>();
    /** The bus's wrappers of the port hooks, and the on/off switches of the write hooks, by hook. */
    private final Map<Object, PcPorts.PortHook> portHooks = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<Object, java.util.concurrent.atomic.AtomicBoolean> writeHooks =
            new java.util.concurrent.ConcurrentHashMap<>();
    /** Worker used by {@link #step} and {@link #runUntil}, created on first use. */
    private org.apboot.core.engine.EngineWorker stepper;
    /** Runs and steps in progress (a snapshot or restore needs none). */
    private final java.util.concurrent.atomic.AtomicInteger running = new java.util.concurrent.atomic.AtomicInteger();
    /**
     * The snapshot the machine was last taken of or restored to, or null: its RAM images equal
     * guest RAM except on the pages written since, so restoring it copies only those.
     */
    private Snapshot current;

    private X86Machine(Builder b) {
        this.machine = new Machine(MachineConfig.builder().ramBytes(b.ramBytes).cpus(b.cpus)
                .model(CpuModel.standard(b.la57)).profile(b.profile).hostThreads(b.hostThreads)
                .deterministic(b.deterministic).quantum(b.quantum).build());
        EngineFactory factory = b.engines != null ? b.engines : Engines.byName(b.engineName, b.engineSettings);
        this.engine = factory.create(machine.ram());
        this.memoryMap = new MemoryMap(machine.ram(), machine.mmio());
        this.ports = new PcPorts(machine.io());
        this.control = new RunControl(machine);
        ports.onExit(control::exitPort);
        ports.onReset(control::reset);
        this.handles = new VcpuHandle[b.cpus];
        for (int i = 0; i < b.cpus; i++) {
            Cpu c = machine.vcpu(i).cpu;
            c.mmio = memoryMap;
            c.io = ports;
            handles[i] = new VcpuHandle(this, machine.vcpu(i));
        }
        this.guestHooks = new GuestHooks(handles);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * The engines on the class path by name, each with its settings and what they mean
     * ({@code interp} always; {@code jit} when the translator module is present).
     */
    public static Map<String, Map<String, String>> engines() {
        Map<String, Map<String, String>> out = new LinkedHashMap<>();
        for (Map.Entry<String, EngineProvider> e : Engines.available().entrySet()) {
            out.put(e.getKey(), e.getValue().settings());
        }
        return out;
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
        private EngineFactory engines;
        private String engineName = "interp";
        private final Map<String, String> engineSettings = new LinkedHashMap<>();

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

        /**
         * The engine by name: {@code interp} (the default) or {@code jit}, found on the class
         * path (the translator is in module {@code apboot-jit}); {@link #engines()} lists them.
         * An unknown name fails in {@link #build()}, naming the known ones.
         */
        public Builder engine(String name) {
            engines = null;
            engineName = name;
            return this;
        }

        /**
         * A setting of the engine chosen by name, e.g. {@code engineSetting("threshold", "0")}
         * for the translator ({@link #engines()} lists each engine's settings). Checked in
         * {@link #build()}.
         */
        public Builder engineSetting(String key, String value) {
            engineSettings.put(key, value);
            return this;
        }

        /**
         * @throws IllegalArgumentException for impossible settings, an unknown engine or engine
         *     setting (one line, naming the known ones)
         */
        public X86Machine build() {
            return new X86Machine(this);
        }
    }

    // ---------------------------------------------------------------- memory

    /**
     * Copies {@code bytes} to physical {@code address}: low RAM, RAM regions, ROM (the host may
     * write ROM; the guest may not) or devices.
     *
     * @throws IllegalArgumentException when part of the range is backed by nothing
     */
    public X86Machine load(long address, byte[] bytes) {
        memoryMap.write(address, bytes, 0, bytes.length);
        return this;
    }

    /** Reads 1, 2, 4 or 8 bytes at physical {@code address} (RAM, ROM or a device). */
    public long read(long address, int size) {
        check(address, size);
        if (machine.ram().contains(address, size)) {
            return machine.ram().read(address, size);
        }
        return memoryMap.read(-1, address, size);
    }

    /** Writes 1, 2, 4 or 8 bytes at physical {@code address} as the guest would (ROM ignores it). */
    public X86Machine write(long address, int size, long value) {
        check(address, size);
        if (machine.ram().contains(address, size)) {
            machine.ram().write(address, size, value);
        } else {
            memoryMap.write(-1, address, size, value);
        }
        return this;
    }

    /** {@code length} bytes at physical {@code address}; unbacked bytes read 0xFF. */
    public byte[] readBytes(long address, int length) {
        byte[] out = new byte[length];
        memoryMap.read(address, out, 0, length);
        return out;
    }

    private void check(long address, int size) {
        if (size != 1 && size != 2 && size != 4 && size != 8) {
            throw new IllegalArgumentException("access size must be 1, 2, 4 or 8, got " + size);
        }
        if (!memoryMap.backed(address, size)) {
            throw new IllegalArgumentException(String.format("0x%x+%d is outside guest RAM (and every ROM and device region)", address, size));
        }
    }

    /**
     * Maps {@code size} bytes of zeroed RAM at physical {@code base}, outside low RAM (at most
     * 2 GiB per region; a region costs its own size wherever it lies). Code runs from it as
     * from low RAM: decoded once, translated by the translator, and invalidated by a write to
     * its bytes from any vCPU or the host.
     *
     * @throws IllegalArgumentException when it overlaps low RAM, another region or the local APIC page
     */
    public X86Machine mapRam(long base, long size) {
        memoryMap.mapRam("ram", base, size);
        return this;
    }

    /**
     * Maps a ROM holding {@code contents} at physical {@code base}: guest stores to it are
     * ignored. A ROM may lie in low RAM (its bytes are shadowed there and a guest store is undone
     * right after it, see {@link MemoryMap}). Code runs from it, a shadow or an alias as from
     * low RAM (decoded once, translated by the translator); a host write to the ROM
     * ({@link #load}) invalidates the code made from the bytes it changes.
     */
    public X86Machine mapRom(long base, byte[] contents) {
        memoryMap.mapRom("rom", base, contents);
        return this;
    }

    /**
     * Makes the {@code size} bytes at physical {@code target} (in low RAM, or inside one mapped
     * region) visible at {@code base} too: one ROM at 0xF0000 and 0xFFFF0000, say.
     */
    public X86Machine alias(long base, long target, long size) {
        memoryMap.alias(base, target, size);
        return this;
    }

    /** Maps a device at [base, base+size), outside low RAM: guest accesses call {@code handler}. */
    public X86Machine mapMmio(long base, long size, MmioHandler handler) {
        memoryMap.mapDevice("mmio", base, size, new MemoryMap.Device() {
            @Override
            public long read(long offset, int sz) {
                return handler.read(offset, sz);
            }

            @Override
            public void write(long offset, int sz, long value) {
                handler.write(offset, sz, value);
            }
        });
        return this;
    }

    /** The memory map: low RAM, then every region by address (ROM shadows in low RAM included). */
    public List<MemoryRegion> memoryMap() {
        List<MemoryRegion> out = new ArrayList<>();
        out.add(new MemoryRegion("ram", "low", 0, machine.ram().size(), false));
        for (MemoryMap.Region r : memoryMap.regions()) {
            out.add(new MemoryRegion(r.kind.name().toLowerCase(java.util.Locale.ROOT), r.name, r.base, r.size,
                    r.aliasOf != null));
        }
        return out;
    }

    /** Guest stores to ROM so far (ignored or undone). */
    public long ignoredRomWrites() {
        return memoryMap.ignoredRomWrites();
    }

    public long ramBytes() {
        return machine.ram().size();
    }

    // ---------------------------------------------------------------- loaders

    /**
     * Loads an x86 ELF32 or ELF64 executable: each loadable segment at its physical address
     * ({@code p_paddr}), the bytes beyond its file part zeroed. Sets no register: start a vCPU
     * at {@link LoadedImage#entry()} in the mode the file needs.
     *
     * @throws IllegalArgumentException (one line) for a malformed file (truncated, overlapping
     *     segments, entry outside every segment) or a segment outside guest memory
     */
    public LoadedImage loadElf(String name, byte[] file) {
        return new ImageLoading(this, memoryMap).elf(name, file);
    }

    /**
     * Installs a real-mode trampoline blob in the format of the Linux kernel's
     * {@code realmode.bin} and {@code realmode.relocs} ({@code elf}, its {@code realmode.elf},
     * may be null) at {@code base} as the kernel's setup_real_mode() does: copied, both
     * relocation kinds applied, trampoline_header filled with the 64-bit entry
     * {@code kernelEntry}, {@code efer} (LMA dropped), {@code cr4} and flags 0, the lock cleared,
     * and entry 0 of trampoline_pgd set to {@code pgdEntry0}. An AP sent STARTUP with vector
     * {@code entry >> 12} runs it. The returned symbols are the physical addresses of
     * {@code trampoline_start}, {@code trampoline_start64}, {@code trampoline_header},
     * {@code trampoline_pgd} and, when the blob has one, {@code tr_lock}.
     *
     * @throws IllegalArgumentException with one line for a malformed blob, a base that is not
     *     4 KiB aligned, below 0x1000 or whose blob would end above 1 MiB or outside low RAM
     */
    public LoadedImage loadRealModeBlob(String name, byte[] bin, byte[] relocs, byte[] elf, long base,
                                        long kernelEntry, long efer, long cr4, long pgdEntry0) {
        return new ImageLoading(this, memoryMap).realModeBlob(machine.ram(), name, bin, relocs, elf, base,
                kernelEntry, efer, cr4, pgdEntry0);
    }

    /**
     * Loads a Multiboot (v1) kernel and starts vCPU 0 as a Multiboot loader does: flat 32-bit
     * protected mode at the entry, interrupts off, EAX = 0x2BADB002, EBX = the boot information
     * (memory sizes, {@code cmdline}, a memory map of low RAM and the RAM regions) built at
     * physical {@value #MULTIBOOT_INFO} (command line 0x100 bytes further, memory map 0x200).
     *
     * @throws IllegalArgumentException (one line) for a missing or invalid header, a malformed
     *     image, or one that does not fit in guest memory
     */
    public LoadedImage loadMultiboot(String name, byte[] file, String cmdline) {
        return new ImageLoading(this, memoryMap).multiboot(name, file, cmdline, machine.ram().size());
    }

    /** Where {@link #loadMultiboot} builds the boot information. */
    public static final long MULTIBOOT_INFO = 0x9000;

    /**
     * Builds identity page tables for the first 4 GiB (2 MiB pages, user-accessible, writable)
     * at {@code pml4} (24 KiB: PML4, PDPT, 4 PDs).
     */
    void identityMap(long pml4) {
        PhysicalMemory ram = machine.ram();
        if ((pml4 & 0xFFF) != 0 || !ram.contains(pml4, PAGE_TABLE_BYTES)) {
            throw new IllegalArgumentException(String.format("page tables at 0x%x must be page-aligned and fit in RAM", pml4));
        }
        long pdpt = pml4 + 0x1000;
        ram.load(pml4, new byte[PAGE_TABLE_BYTES]);
        ram.write64(pml4, pdpt | 0x7);
        for (int i = 0; i < 4; i++) {
            long pd = pml4 + 0x2000 + i * 0x1000L;
            ram.write64(pdpt + 8L * i, pd | 0x7);
            for (int j = 0; j < 512; j++) {
                ram.write64(pd + 8L * j, (((long) i << 30) + ((long) j << 21)) | 0x87);
            }
        }
    }

    /** Bytes of the identity page tables {@link VcpuHandle#long64} builds. */
    public static final int PAGE_TABLE_BYTES = 6 * 4096;

    /**
     * Where the machine keeps the identity page tables of the {@code long64} presets that do not
     * name their own: the last {@value #PAGE_TABLE_BYTES} bytes of low RAM, page-aligned. Guest
     * code must leave them alone while it relies on them.
     */
    public long reservedPageTables() {
        return (machine.ram().size() - PAGE_TABLE_BYTES) & ~0xFFFL;
    }

    long ensureReservedPageTables() {
        long at = reservedPageTables();
        identityMap(at);
        return at;
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

    /**
     * Calls {@code h} before every instruction a vCPU executes, with its RIP and its AT&T
     * disassembly. While any such hook is installed the translator hands every vCPU to its
     * interpreter (also for code translated before), so both engines call it for the same
     * instructions in the same order.
     */
    public X86Machine onInstruction(InstructionHook h) {
        return onInstruction(0, -1L, h);
    }

    /**
     * As {@link #onInstruction(InstructionHook)}, for instructions whose RIP lies in
     * {@code first}..{@code last} (unsigned, inclusive) only.
     */
    public X86Machine onInstruction(long first, long last, InstructionHook h) {
        instructionHooks.add(new Ranged<>(first, last, h));
        return this;
    }

    /**
     * Calls {@code h} before every basic block a vCPU runs whose first instruction's RIP lies in
     * {@code first}..{@code last} (unsigned, inclusive). As with instruction hooks, the
     * translator hands every vCPU to its interpreter while one is installed (also for code
     * translated before), so both engines report the same blocks in the same order; a block
     * single-stepped under RFLAGS.TF or a breakpoint is not reported.
     */
    public X86Machine onBlock(long first, long last, BlockHook h) {
        blockHooks.add(new Ranged<>(first, last, h));
        return this;
    }

    /** As {@link #onBlock(long, long, BlockHook)}, for every block. */
    public X86Machine onBlock(BlockHook h) {
        return onBlock(0, -1L, h);
    }

    /**
     * Lets {@code h} handle guest exceptions (#UD, #GP, #PF...) instead of the guest's IDT:
     * handlers run in the order installed after the {@link #onFault} hooks, and the first that
     * returns true stops delivery. The fault is given as guest facts (vector, error code, the
     * #PF address, the reason); the vCPU's registers are as before the faulting instruction, so
     * a handler that emulates or skips it moves RIP itself. Applies on both engines, also over
     * code translated before (the translator hands the vCPUs to its interpreter while a handler
     * is installed).
     */
    public X86Machine handleFaults(FaultHandler h) {
        faultHandlers.add(h);
        return this;
    }

    /**
     * Calls {@code h} for each guest exception as it is raised, before the {@link #handleFaults}
     * handlers and delivery. While one is installed the translator hands the vCPUs to its
     * interpreter, so both engines report the same faults in the same order.
     */
    public X86Machine onFault(FaultHook h) {
        faultHooks.add(h);
        return this;
    }

    /**
     * Lets {@code h} handle interrupts instead of the guest's IVT or IDT: external interrupts and
     * NMIs as they are taken at an instruction boundary (RIP is the interrupted instruction; a
     * halted vCPU wakes and goes on after its HLT), and INT n, INT3, INTO and INT1 as they raise
     * their vector, before any gate or privilege check (RIP is the next instruction, so a
     * handler that emulates a system call just sets registers). Handlers run in the order
     * installed, on the vCPU's thread, and the first that returns true stops delivery: an
     * external interrupt handled that way is ended at the local APIC as the guest's EOI would
     * end it, and an NMI leaves NMIs unblocked. The handlers sit in the one semantics both
     * engines run, so they apply to code translated before they were installed, and while none
     * is installed they cost a null check per interrupt.
     */
    public X86Machine handleInterrupts(InterruptHandler h) {
        guestHooks.handleInterrupts(h);
        return this;
    }

    /** Calls {@code h} after each external interrupt or NMI is delivered (see {@link InterruptHook}). */
    public X86Machine onInterrupt(InterruptHook h) {
        interruptHooks.add(h);
        return this;
    }

    private boolean hooked() {
        return !instructionHooks.isEmpty() || !blockHooks.isEmpty() || !faultHooks.isEmpty() || !faultHandlers.isEmpty() || !modeHooks.isEmpty()
                || !interruptHooks.isEmpty() || guestHooks.watchesMemory();
    }

    /**
     * Calls {@code h} after each instruction that changed the vCPU's mode (real, protected,
     * long, compatibility, paging), with the new mode's name. While one is installed the
     * translator hands the vCPUs to its interpreter, so both engines report the same changes.
     */
    public X86Machine onModeChange(ModeChangeHook h) {
        modeHooks.add(h);
        return this;
    }

    /**
     * Calls {@code h} for guest IN instructions (and INS) from ports {@code first}..{@code last}:
     * a present value is what the guest reads, an empty one lets the devices answer. Hooks run in
     * the order installed, on the vCPU's thread, with the same calls on both engines; installed
     * between runs they apply to code already translated (port accesses always reach the bus).
     * Ports without hooks cost nothing extra.
     */
    public X86Machine onPortIn(int first, int last, PortInHook h) {
        checkPorts(first, last);
        PcPorts.PortHook wrapper = new PcPorts.PortHook() {
            @Override
            public long in(int cpuIndex, int port, int size) {
                java.util.OptionalLong v = h.in(handles[cpuIndex], port, size);
                return v.isPresent() ? v.getAsLong() : PcPorts.PASS;
            }

            @Override
            public void out(int cpuIndex, int port, int size, int value) {
            }
        };
        portHooks.put(h, wrapper);
        ports.hook(first, last, wrapper);
        return this;
    }

    /** Calls {@code h} for guest OUT instructions (and OUTS) to ports {@code first}..{@code last}, before the device. */
    public X86Machine onPortOut(int first, int last, PortOutHook h) {
        checkPorts(first, last);
        PcPorts.PortHook wrapper = new PcPorts.PortHook() {
            @Override
            public long in(int cpuIndex, int port, int size) {
                return PcPorts.PASS;
            }

            @Override
            public void out(int cpuIndex, int port, int size, int value) {
                h.out(handles[cpuIndex], port, size, value & PhysicalMemory.mask(size));
            }
        };
        portHooks.put(h, wrapper);
        ports.hook(first, last, wrapper);
        return this;
    }

    private static void checkPorts(int first, int last) {
        if (first < 0 || last > 0xFFFF || first > last) {
            throw new IllegalArgumentException(String.format("port range 0x%x-0x%x must lie in 0..0xffff", first, last));
        }
    }

    /**
     * Calls {@code h} after each guest CPUID has computed its values, to change them. Hooks run
     * in the order installed; a machine without CPUID, RDMSR or WRMSR hooks never asks.
     */
    public X86Machine onCpuid(CpuidHook h) {
        guestHooks.onCpuid(h);
        return this;
    }

    /**
     * Calls {@code h} for each guest RDMSR at CPL 0 (at CPL 3 the CPU raises #GP first): the first
     * hook with a value answers, even for MSRs the CPU does not have.
     */
    public X86Machine onRdmsr(RdmsrHook h) {
        guestHooks.onRdmsr(h);
        return this;
    }

    /** Calls {@code h} for each guest WRMSR at CPL 0: the first hook returning true takes the write. */
    public X86Machine onWrmsr(WrmsrHook h) {
        guestHooks.onWrmsr(h);
        return this;
    }

    /**
     * Calls {@code h} for every guest data read that touches physical [address, address+length)
     * (instruction operands, stack, descriptor tables; not page walks or instruction fetches),
     * after the read, with its address, size and value. While any memory hook is installed the
     * translator hands every vCPU to its interpreter, so both engines report the same accesses in
     * the same order, also for code translated before the hook was installed.
     */
    public X86Machine onMemoryRead(long address, long length, MemoryHook h) {
        guestHooks.onMemoryRead(address, length, h);
        return this;
    }

    /**
     * Calls {@code h} for every guest data write that touches physical [address, address+length),
     * before the store, with the value to be stored (a locked compare-and-exchange only when it
     * stores). See {@link #onMemoryRead}.
     */
    public X86Machine onMemoryWrite(long address, long length, MemoryHook h) {
        guestHooks.onMemoryWrite(address, length, h);
        return this;
    }

    /** Calls {@code h} after guest writes touching [address, address+length). */
    public X86Machine onWrite(long address, int length, WriteHook h) {
        PhysicalMemory ram = machine.ram();
        java.util.concurrent.atomic.AtomicBoolean on = new java.util.concurrent.atomic.AtomicBoolean(true);
        writeHooks.put(h, on);
        ram.addWriteListener((a, len) -> {
            if (a < address + length && address < a + len && on.get()) {
                h.written(a, len);
            }
        });
        ram.watchLine(address, length);
        return this;
    }

    /**
     * Removes {@code hook} (any hook or handler given to an {@code on...} or {@code handle...}
     * method). Like installing, removing takes effect on both engines, also for code translated
     * before: the hook is not called again, even when it removes itself (or another) while the
     * machine runs, and once no hook that needs the interpreter is left, the translator runs its
     * blocks again from the next run on.
     *
     * @return true when the hook was installed
     */
    public boolean removeHook(Object hook) {
        boolean found = instructionHooks.removeIf(r -> r.hook == hook) | blockHooks.removeIf(r -> r.hook == hook)
                | faultHooks.removeIf(h -> h == hook) | faultHandlers.removeIf(h -> h == hook)
                | modeHooks.removeIf(h -> h == hook) | interruptHooks.removeIf(h -> h == hook)
                | guestHooks.remove(hook);
        PcPorts.PortHook port = portHooks.remove(hook);
        if (port != null) {
            found |= ports.unhook(port);
        }
        java.util.concurrent.atomic.AtomicBoolean write = writeHooks.remove(hook);
        if (write != null) {
            write.set(false);
            found = true;
        }
        return found;
    }

    // ---------------------------------------------------------------- running

    /**
     * Runs vCPU {@code index} alone on the calling thread (other vCPUs do not run) until it
     * halts, shuts down, writes the exit or reset port, reaches a limit, or {@link #stop()} is
     * called. Hooks see its instructions as in {@link #run(Duration)}. The instruction limit
     * and the address are exact on either engine (near them the vCPU runs one instruction at a
     * time); a halted vCPU with a deliverable interrupt wakes and goes on.
     */
    public RunResult runVcpu(int index, RunLimits limits) {
        checkIndex(index);
        if (stepper == null) {
            stepper = engine.newWorker();
        }
        stepper.setTracer(hooked() ? new HookTracer() : null);
        Cpu cpu = handles[index].cpu();
        long before = cpu.instructions;
        control.begin();
        long t0 = System.nanoTime();
        RunControl.Outcome o;
        running.incrementAndGet();
        try {
            o = control.runVcpu(stepper, machine.vcpu(index), limits.hasUntil, limits.until,
                    limits.maxInstructions, deadline(t0, limits));
        } finally {
            running.decrementAndGet();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new RunResult(o.exit(), o.status(), o.cpu(), cpu.instructions - before, seconds, o.fault());
    }

    /**
     * Runs the whole machine on its scheduler (the runnable vCPUs, see {@link #start}) until
     * nothing can run any more (exit {@code hlt}), a vCPU writes the exit or reset port or shuts
     * down, the instruction limit (total over the vCPUs, checked every few thousand
     * instructions) or the timeout is reached, or {@link #stop()} is called.
     *
     * @throws IllegalArgumentException for {@link RunLimits#until}, which needs {@link #runVcpu}
     */
    public RunResult run(RunLimits limits) {
        if (limits.hasUntil) {
            throw new IllegalArgumentException("an until address needs a single-vCPU run (runVcpu)");
        }
        Engine e = hooked() ? new TracingEngine(engine, new HookTracer()) : engine;
        long before = machine.stats().guestInstructions();
        control.begin();
        long t0 = System.nanoTime();
        RunControl.Outcome o;
        running.incrementAndGet();
        try {
            o = control.runMachine(e, limits.maxInstructions,
                    limits.timeout == null ? 0 : Math.max(1, limits.timeout.toNanos()));
        } finally {
            running.decrementAndGet();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new RunResult(o.exit(), o.status(), o.cpu(), machine.stats().guestInstructions() - before, seconds,
                o.fault());
    }

    private static long deadline(long now, RunLimits limits) {
        if (limits.timeout == null) {
            return now + Long.MAX_VALUE / 2;
        }
        return now + Math.min(limits.timeout.toNanos(), Long.MAX_VALUE / 2);
    }

    /**
     * Ends the current run at the next instruction boundary the engine reaches (within a few
     * thousand instructions); callable from any thread at any moment. A stop requested before a
     * run starts is forgotten when it starts.
     */
    public void stop() {
        control.requestStop();
    }

    /**
     * Calls {@code log} with every byte the guest writes to I/O port {@code port} (each byte of a
     * wider write, low byte first), on the writing vCPU's thread: POST codes, say.
     */
    public X86Machine logPort(int port, IntConsumer log) {
        if (port < 0 || port > 0xFFFF) {
            throw new IllegalArgumentException("I/O port must be 0..0xFFFF, got " + port);
        }
        ports.logPort(port, log);
        return this;
    }

    /** The interrupt masks programmed into the 8259s: master in the low byte, slave in the high. */
    public int picMasks() {
        return ports.picMasks();
    }

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
        running.incrementAndGet();
        try {
            return machine.run(e, timeout.toNanos());
        } finally {
            running.decrementAndGet();
        }
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
        int r;
        running.incrementAndGet();
        try {
            r = stepper.step(v.cpu());
        } finally {
            running.decrementAndGet();
        }
        if (r == org.apboot.core.engine.ExitReason.INIT) {
            machine.applyInit(machine.vcpu(v.index()));
        }
        return r;
    }

    // ---------------------------------------------------------------- snapshots

    /**
     * Saves the whole machine (see {@link Snapshot} for what that covers). Taking one copies all
     * guest RAM once; from then on the machine records which 4 KiB pages are written (the first
     * store to each page since the snapshot sets a bit; later stores to it cost a load and a
     * branch), so that {@link #restore} copies back only those. The machine goes on unchanged.
     *
     * @throws IllegalStateException while the machine runs (from a hook, or another thread)
     */
    public Snapshot snapshot() {
        requireStopped("take a snapshot");
        List<PhysicalMemory> stores = memoryMap.ramStores();
        long[][] images = new long[stores.size()][];
        for (int i = 0; i < images.length; i++) {
            images[i] = stores.get(i).snapshot();
        }
        Snapshot s = new Snapshot(this, machine.saveState(), stores, images, ports.save(), machine.io().save(),
                memoryMap.ignoredRomWrites(), machine.stats().guestInstructions());
        current = s;
        return s;
    }

    /**
     * Puts the machine back in the state of {@code snapshot}: afterwards it runs exactly as it
     * did from the moment the snapshot was taken (on a deterministic machine, instruction for
     * instruction). Restoring the snapshot last taken or restored copies back only the pages
     * written since then; restoring an older one copies all of RAM once. Translated and decoded
     * code stays valid where the guest bytes come back unchanged and is dropped where they
     * differ (code the guest rewrote after the snapshot runs its original bytes again). Write
     * hooks ({@link #onWrite}) hear of restored bytes that change on the lines they watch. An
     * {@link #interrupt} or {@link #nmi} raised from another thread while the restore is under
     * way may be lost or kept: raise events before or after it.
     *
     * @return the number of 4 KiB pages copied back (what the restore cost)
     * @throws IllegalArgumentException for a snapshot of another machine
     * @throws IllegalStateException while the machine runs (from a hook, or another thread), or
     *     when RAM was mapped after the snapshot was taken
     */
    public int restore(Snapshot snapshot) {
        java.util.Objects.requireNonNull(snapshot, "snapshot");
        if (snapshot.owner != this) {
            throw new IllegalArgumentException("the snapshot was taken of another machine");
        }
        requireStopped("restore a snapshot");
        List<PhysicalMemory> stores = memoryMap.ramStores();
        if (!stores.equals(snapshot.stores)) {
            throw new IllegalStateException("RAM was mapped after the snapshot was taken: "
                    + "its contents would not be restored (take a new snapshot after mapping)");
        }
        boolean sinceCurrent = snapshot == current;
        int pages = 0;
        for (int i = 0; i < stores.size(); i++) {
            long[] image = snapshot.images[i];
            pages += sinceCurrent ? stores.get(i).restoreWritten(image) : stores.get(i).restoreAll(image);
        }
        // after memory: a vCPU parked on a word must find the word as it was
        machine.restoreState(snapshot.vcpus);
        ports.restore(snapshot.ports);
        machine.io().restore(snapshot.io, sinceCurrent);
        memoryMap.restoreIgnoredRomWrites(snapshot.ignoredRomWrites);
        current = snapshot;
        return pages;
    }

    /**
     * The 4 KiB pages of RAM written since the last {@link #snapshot} or {@link #restore}: what
     * restoring that snapshot would copy back (0 before the first snapshot).
     */
    public int dirtyPages() {
        int n = 0;
        for (PhysicalMemory m : memoryMap.ramStores()) {
            n += m.writtenPages();
        }
        return n;
    }

    private void requireStopped(String what) {
        if (running.get() != 0) {
            throw new IllegalStateException("cannot " + what + " while the machine runs: wait until run, runVcpu, "
                    + "step or runUntil has returned");
        }
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
            String text = null;
            for (Ranged<InstructionHook> r : instructionHooks) {
                if (r.covers(rip)) {
                    if (text == null) {
                        text = org.apboot.core.decode.AttSyntax.render(insn, rip);
                    }
                    r.hook.before(handles[cpu.index], rip, text);
                }
            }
        }

        @Override
        public void beforeBlock(Cpu cpu, long rip, int size) {
            for (Ranged<BlockHook> r : blockHooks) {
                if (r.covers(rip)) {
                    r.hook.block(handles[cpu.index], rip, size);
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
        public boolean handled(Cpu cpu, CpuException e) {
            if (faultHandlers.isEmpty()) {
                return false;
            }
            GuestFault f = new GuestFault(e.vector, e.errorCode, e.faultAddress, e.toString());
            for (FaultHandler h : faultHandlers) {
                if (h.handle(handles[cpu.index], f)) {
                    return true;
                }
            }
            return false;
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
