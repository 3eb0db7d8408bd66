package org.apboot;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.Mmu;
import org.apboot.core.cpu.Segment;
import org.apboot.core.decode.Insn;
import org.apboot.core.embed.RegisterNames;
import org.apboot.core.fault.CpuException;
import org.apboot.core.machine.Vcpu;
import org.apboot.core.scenario.BootScenario;
import org.apboot.core.semantics.Flags;
import org.apboot.core.semantics.Mem;

/**
 * One vCPU of an {@link X86Machine}: every register by name ({@link #get}, {@link #set},
 * {@link #registers()}), segment descriptor caches, MSRs, presets for each mode
 * ({@link #reset()}, {@link #realMode}, {@link #flat32}, {@link #long64}), and guest memory
 * through this vCPU's MMU ({@link #readLinear}). Read and write it while the machine is not
 * running.
 */
public final class VcpuHandle {
    private final X86Machine machine;
    private final Vcpu vcpu;

    VcpuHandle(X86Machine machine, Vcpu vcpu) {
        this.machine = machine;
        this.vcpu = vcpu;
    }

    Cpu cpu() {
        return vcpu.cpu;
    }

    public int index() {
        return vcpu.cpu.index;
    }

    public int apicId() {
        return vcpu.cpu.apicId;
    }

    public long reg(Reg r) {
        return vcpu.cpu.r[r.ordinal()];
    }

    public VcpuHandle reg(Reg r, long value) {
        vcpu.cpu.r[r.ordinal()] = value;
        return this;
    }

    public long rip() {
        return vcpu.cpu.rip;
    }

    public VcpuHandle rip(long value) {
        vcpu.cpu.rip = value;
        return this;
    }

    public long rflags() {
        return Flags.rflags(vcpu.cpu);
    }

    public VcpuHandle rflags(long value) {
        Flags.setRflags(vcpu.cpu, value, -1L);
        return this;
    }

    public long cr0() {
        return vcpu.cpu.cr0;
    }

    public long cr3() {
        return vcpu.cpu.cr3;
    }

    public long cr4() {
        return vcpu.cpu.cr4;
    }

    public long efer() {
        return vcpu.cpu.efer;
    }

    /** Selector of segment register {@code sreg} (0 ES, 1 CS, 2 SS, 3 DS, 4 FS, 5 GS). */
    public int selector(int sreg) {
        return vcpu.cpu.seg[sreg].selector;
    }

    public long segmentBase(int sreg) {
        return vcpu.cpu.seg[sreg].base;
    }

    /** Mode name: real16, prot16, prot32, compat16, compat32, long64, v86. */
    public String mode() {
        return vcpu.cpu.modeName();
    }

    public long instructions() {
        return vcpu.cpu.instructions;
    }

    public boolean halted() {
        return vcpu.cpu.halted;
    }

    /** True after a triple fault; {@link #faultChain()} says why. */
    public boolean shutDown() {
        return vcpu.cpu.shutdown;
    }

    public java.util.List<String> faultChain() {
        return vcpu.cpu.faultChain == null ? java.util.List.of() : java.util.List.copyOf(vcpu.cpu.faultChain);
    }

    /** Scheduling state: wait-for-SIPI, runnable, parked, halted, shutdown. */
    public String state() {
        return Vcpu.stateName(vcpu.state());
    }

    /** The instruction at RIP, disassembled in AT&T syntax. */
    public String currentInstruction() {
        return BootScenario.instructionAt(vcpu.cpu);
    }

    /** Real mode at {@code cs:ip} (segment bases = selector * 16, 64 KiB limits), interrupts off. */
    public VcpuHandle realMode(int cs, long ip) {
        vcpu.cpu.resetToRealMode(cs, ip);
        return this;
    }

    /**
     * Flat 32-bit protected mode without paging: CS/DS/ES/SS/FS/GS with base 0 and 4 GiB limits
     * (hidden caches loaded directly; no GDT needed), at {@code eip}.
     */
    public VcpuHandle flat32(long eip, long esp) {
        Cpu c = vcpu.cpu;
        c.cr0 = Cpu.CR0_PE | Cpu.CR0_ET | Cpu.CR0_NE;
        c.efer = 0;
        int data = Segment.P | Segment.S | Segment.TYPE_READ_OR_WRITE | Segment.TYPE_ACCESSED | Segment.DB | Segment.G;
        for (int s = 0; s < 6; s++) {
            c.seg[s].set(s == Insn.CS ? 0x08 : 0x10, 0, 0xFFFF_FFFFL, s == Insn.CS ? data | Segment.TYPE_CODE : data);
        }
        c.rip = eip;
        c.r[Cpu.RSP] = esp;
        c.halted = false;
        c.shutdown = false;
        c.updateMode();
        c.mmu.flushAll();
        return this;
    }

    /**
     * 64-bit long mode with identity-mapped 4-level paging built by the machine at {@code pml4}
     * (6 pages: PML4, PDPT, four page directories mapping the first 4 GiB with 2 MiB pages).
     */
    public VcpuHandle long64(long pml4, long rip, long rsp) {
        machine.identityMap(pml4);
        Cpu c = vcpu.cpu;
        c.cr0 = Cpu.CR0_PE | Cpu.CR0_ET | Cpu.CR0_NE | Cpu.CR0_WP | Cpu.CR0_PG;
        c.cr4 = Cpu.CR4_PAE;
        c.cr3 = pml4;
        c.efer = Cpu.EFER_LME | Cpu.EFER_LMA | Cpu.EFER_NXE | Cpu.EFER_SCE;
        int data = Segment.P | Segment.S | Segment.TYPE_READ_OR_WRITE | Segment.TYPE_ACCESSED | Segment.DB | Segment.G;
        for (int s = 0; s < 6; s++) {
            c.seg[s].set(s == Insn.CS ? 0x08 : 0x10, 0, 0xFFFF_FFFFL, data);
        }
        c.seg[Insn.CS].attrs = Segment.P | Segment.S | Segment.TYPE_CODE | Segment.TYPE_READ_OR_WRITE
                | Segment.TYPE_ACCESSED | Segment.L | Segment.G;
        c.rip = rip;
        c.r[Cpu.RSP] = rsp;
        c.halted = false;
        c.shutdown = false;
        c.updateMode();
        c.mmu.flushAll();
        return this;
    }

    // ---------------------------------------------------------------- registers by name

    /**
     * Every register name {@link #get} and {@link #set} accept, in a fixed order: {@code rax} ..
     * {@code r15}, {@code rip}, {@code rflags}, the selectors {@code es cs ss ds fs gs ldtr tr},
     * their caches ({@code cs.base}, {@code cs.limit}, {@code cs.attrs}...), {@code gdtr.base},
     * {@code gdtr.limit}, {@code idtr.base}, {@code idtr.limit}, {@code cr0 cr2 cr3 cr4 cr8},
     * {@code dr0}-{@code dr3}, {@code dr6}, {@code dr7}, {@code efer}, and the MSRs
     * {@code fs_base gs_base kernel_gs_base star lstar cstar sfmask sysenter_cs sysenter_esp
     * sysenter_eip pat tsc_aux misc_enable apic_base tsc}.
     */
    public static List<String> registerNames() {
        return RegisterNames.all();
    }

    /**
     * The value of register {@code name} (case-insensitive, see {@link #registerNames()}).
     *
     * @throws IllegalArgumentException for an unknown name
     */
    public long get(String name) {
        return RegisterNames.get(vcpu.cpu, name);
    }

    /**
     * Sets register {@code name} without the guest's checks. Writing CR0, CR4, EFER, RFLAGS or a
     * segment cache recomputes the mode and drops the TLB; a selector written in real or
     * virtual-8086 mode also sets that segment's base to selector × 16 (in protected mode only
     * the selector changes: set the cache with {@link #segment(String, SegmentState)}).
     *
     * @throws IllegalArgumentException for an unknown name, or an MSR value WRMSR would refuse
     */
    public VcpuHandle set(String name, long value) {
        RegisterNames.set(vcpu.cpu, name, value);
        return this;
    }

    /** Every register of {@link #registerNames()} with its value, in that order. */
    public Map<String, Long> registers() {
        Map<String, Long> out = new LinkedHashMap<>();
        for (String n : RegisterNames.all()) {
            out.put(n, RegisterNames.get(vcpu.cpu, n));
        }
        return out;
    }

    /** Segment register {@code name} ({@code es cs ss ds fs gs ldtr tr}) with its descriptor cache. */
    public SegmentState segment(String name) {
        return new SegmentState((int) get(name), get(name + ".base"), get(name + ".limit"), (int) get(name + ".attrs"));
    }

    /** Loads segment register {@code name} and its descriptor cache directly (no descriptor table read). */
    public VcpuHandle segment(String name, SegmentState s) {
        set(name + ".selector", s.selector());
        set(name + ".base", s.base());
        set(name + ".limit", s.limit());
        set(name + ".attrs", s.attributes());
        return this;
    }

    /**
     * MSR {@code index} as RDMSR at CPL 0 reads it (architectural MSRs, the APIC's, EFER...).
     *
     * @throws IllegalArgumentException for an MSR the CPU does not have
     */
    public long msr(int index) {
        return RegisterNames.readMsr(vcpu.cpu, index);
    }

    /**
     * Writes MSR {@code index} as WRMSR at CPL 0 would, with its checks.
     *
     * @throws IllegalArgumentException when WRMSR would raise #GP
     */
    public VcpuHandle msr(int index, long value) {
        RegisterNames.writeMsr(vcpu.cpu, index, value);
        return this;
    }

    // ---------------------------------------------------------------- presets

    /** The power-on state: real mode at F000:FFF0 with CS base 0xFFFF0000 (the reset vector 0xFFFFFFF0). */
    public VcpuHandle reset() {
        vcpu.cpu.resetToRealMode(0xF000, 0xFFF0);
        vcpu.cpu.mmu.flushAll();
        return this;
    }

    /**
     * Flat 32-bit protected mode at CPL 0 or 3 ({@code cpl3}): code and data segments with base 0
     * and 4 GiB limits (selectors 0x08/0x10 at CPL 0, 0x1B/0x23 at CPL 3), loaded into the caches
     * directly; no GDT, IDT or TSS exist, so an interrupt or fault at CPL 3 has nowhere to go
     * unless the embedder builds them.
     */
    public VcpuHandle flat32(long eip, long esp, boolean cpl3) {
        flat32(eip, esp);
        if (cpl3) {
            toCpl3(false);
        }
        return this;
    }

    /**
     * 64-bit long mode at CPL 0 or 3 with identity paging of the first 4 GiB in page tables the
     * machine builds at {@link X86Machine#reservedPageTables()} (user-accessible 2 MiB pages).
     */
    public VcpuHandle long64(long rip, long rsp, boolean cpl3) {
        long64(machine.ensureReservedPageTables(), rip, rsp);
        if (cpl3) {
            toCpl3(true);
        }
        return this;
    }

    private void toCpl3(boolean longMode) {
        Cpu c = vcpu.cpu;
        int dpl3 = 3 << Segment.DPL_SHIFT;
        for (int s = 0; s < 6; s++) {
            c.seg[s].attrs |= dpl3;
            c.seg[s].selector = s == Insn.CS ? (longMode ? 0x2B : 0x1B) : 0x23;
        }
        c.updateMode();
        c.mmu.flushAll();
    }

    // ---------------------------------------------------------------- memory through the MMU

    /**
     * The physical address this vCPU's MMU maps linear {@code linear} to for a read at its
     * current privilege (paging off: the linear address itself). A walk sets accessed bits as
     * the guest's own access would.
     *
     * @throws GuestFault with the #PF (error code, address) or #GP the access would raise
     */
    public long translate(long linear) {
        return translate(linear, Mmu.READ);
    }

    private long translate(long linear, int access) {
        Cpu c = vcpu.cpu;
        try {
            return c.mmu.translate(linear, access, c.cpl == 3);
        } catch (CpuException e) {
            throw new GuestFault(e.vector, e.errorCode, e.faultAddress == 0 ? linear : e.faultAddress, e.toString());
        }
    }

    /**
     * Reads 1, 2, 4 or 8 bytes at linear {@code linear} as this vCPU would (paging, its
     * privilege; no segmentation), from RAM, ROM or devices.
     *
     * @throws GuestFault with the fault the guest's access would raise
     */
    public long readLinear(long linear, int size) {
        checkSize(size);
        Cpu c = vcpu.cpu;
        try {
            return Mem.readLinear(c, linear, size, c.cpl == 3);
        } catch (CpuException e) {
            throw new GuestFault(e.vector, e.errorCode, e.faultAddress == 0 ? linear : e.faultAddress, e.toString());
        }
    }

    /**
     * Writes 1, 2, 4 or 8 bytes at linear {@code linear} as this vCPU would (nothing is written
     * when any byte faults).
     *
     * @throws GuestFault with the fault the guest's access would raise
     */
    public VcpuHandle writeLinear(long linear, int size, long value) {
        checkSize(size);
        Cpu c = vcpu.cpu;
        try {
            Mem.writeLinear(c, linear, size, value, c.cpl == 3);
        } catch (CpuException e) {
            throw new GuestFault(e.vector, e.errorCode, e.faultAddress == 0 ? linear : e.faultAddress, e.toString());
        }
        return this;
    }

    private static void checkSize(int size) {
        if (size != 1 && size != 2 && size != 4 && size != 8) {
            throw new IllegalArgumentException("access size must be 1, 2, 4 or 8, got " + size);
        }
    }
}
