package org.apboot;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.Segment;
import org.apboot.core.decode.Insn;
import org.apboot.core.machine.BootScenario;
import org.apboot.core.machine.Vcpu;
import org.apboot.core.semantics.Flags;

/**
 * One vCPU of an {@link X86Machine}: its registers and mode, readable at any time the machine is
 * not running, writable before it runs.
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
        c.updateMode();
        c.mmu.flushAll();
        return this;
    }
}
