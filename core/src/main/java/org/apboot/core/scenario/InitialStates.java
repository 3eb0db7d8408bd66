package org.apboot.core.scenario;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.Segment;
import org.apboot.core.image.InitialState;
import org.apboot.core.machine.Machine;
import org.apboot.core.machine.Vcpu;
import org.apboot.core.mem.PhysicalMemory;
import org.apboot.core.semantics.Flags;

/**
 * Puts a vCPU into a documented starting state without running guest code, the way firmware or
 * a boot loader hands over: control registers, descriptor tables, and segment registers whose
 * hidden parts are read from the GDT in guest RAM (which must be identity-mapped at
 * {@code gdtBase}).
 */
public final class InitialStates {
    private InitialStates() {
    }

    public static void apply(Machine machine, Vcpu v, InitialState s) {
        of(machine.ram(), s).applyTo(v);
    }

    /**
     * {@code s} with its segment registers read from the GDT in {@code ram} once, to be given to
     * many vCPUs: {@link Applied#applyTo} reads no guest memory, so a machine can apply it to
     * each vCPU right after building it (see {@link Machine#Machine(org.apboot.core.machine.MachineConfig,
     * java.util.function.Consumer, java.util.function.Consumer)}).
     *
     * @throws IllegalArgumentException a selector outside the GDT
     */
    public static Applied of(PhysicalMemory ram, InitialState s) {
        int[] sels = {s.es(), s.cs(), s.ss(), s.ds(), s.fs(), s.gs()};
        Segment[] segs = new Segment[6];
        for (int i = 0; i < 6; i++) {
            segs[i] = new Segment();
            loadFromGdt(ram, segs[i], sels[i], s.gdtBase(), s.gdtLimit());
        }
        return new Applied(s, segs);
    }

    /** An initial state whose segment registers are decoded: see {@link #of}. Immutable. */
    public static final class Applied {
        private final InitialState state;
        private final Segment[] segs;

        private Applied(InitialState state, Segment[] segs) {
            this.state = state;
            this.segs = segs;
        }

        /** Puts {@code v} into the state (its TLB flushed, its mode recomputed). */
        public void applyTo(Vcpu v) {
            InitialState s = state;
            Cpu c = v.cpu;
            c.cr0 = s.cr0();
            c.cr3 = s.cr3();
            c.cr4 = s.cr4();
            c.efer = s.efer();
            c.gdtrBase = s.gdtBase();
            c.gdtrLimit = s.gdtLimit();
            c.idtrBase = s.idtBase();
            c.idtrLimit = s.idtLimit();
            for (int i = 0; i < 6; i++) {
                c.seg[i].copyFrom(segs[i]);
            }
            c.rip = s.rip();
            c.r[Cpu.RSP] = s.rsp();
            Flags.setRflags(c, s.rflags(), -1L);
            v.restoreApicBase(s.apicBase());
            c.halted = false;
            c.updateMode();
            c.mmu.flushAll();
        }
    }

    /** Loads a segment register's selector and hidden descriptor cache straight from the GDT. */
    static void loadFromGdt(PhysicalMemory ram, Segment seg, int selector, long gdtBase, int gdtLimit) {
        if ((selector & ~3) == 0) {
            seg.set(selector, 0, 0, 0);
            return;
        }
        long at = gdtBase + (selector & ~7);
        if ((selector & 4) != 0 || (selector | 7) > gdtLimit || !ram.contains(at, 8)) {
            throw new IllegalArgumentException(String.format(
                    "initial selector 0x%x is outside the GDT at 0x%x (limit 0x%x)", selector, gdtBase, gdtLimit));
        }
        long low = ram.read32(at) & 0xFFFF_FFFFL;
        long high = ram.read32(at + 4) & 0xFFFF_FFFFL;
        long base = (low >>> 16) | ((high & 0xFF) << 16) | (high & 0xFF00_0000L);
        long limit = (low & 0xFFFF) | (high & 0xF_0000L);
        int attrs = (int) ((high >>> 8) & 0xF0FF);
        if ((attrs & Segment.G) != 0) {
            limit = (limit << 12) | 0xFFF;
        }
        seg.set(selector, base, limit, attrs);
    }
}
