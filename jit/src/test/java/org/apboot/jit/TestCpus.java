package org.apboot.jit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HexFormat;
import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.CpuModel;
import org.apboot.core.cpu.CpuProfile;
import org.apboot.core.cpu.Segment;
import org.apboot.core.decode.Insn;
import org.apboot.core.engine.EngineWorker;
import org.apboot.core.interp.Interpreter;
import org.apboot.core.mem.PhysicalMemory;
import org.apboot.core.semantics.Flags;

/** Single CPUs in a given mode, built directly (descriptor caches loaded, no GDT), for translator tests. */
final class TestCpus {
    static final int RAM = 4 << 20;
    static final long PT_BASE = 0x200000;

    private TestCpus() {
    }

    /** Flat 32-bit protected mode, paging off; data segments limited to {@code dataLimit}. */
    static Cpu flat32(long dataLimit) {
        Cpu c = new Cpu(0, CpuModel.standard(false), CpuProfile.GENERIC, new PhysicalMemory(RAM));
        c.cr0 = Cpu.CR0_PE | Cpu.CR0_ET | Cpu.CR0_NE;
        int data = Segment.P | Segment.S | Segment.TYPE_READ_OR_WRITE | Segment.TYPE_ACCESSED | Segment.DB;
        for (int s = 0; s < 6; s++) {
            if (s == Insn.CS) {
                c.seg[s].set(0x08, 0, 0xFFFF_FFFFL, data | Segment.TYPE_CODE | Segment.G);
            } else {
                c.seg[s].set(0x10, 0, dataLimit, data);
            }
        }
        c.updateMode();
        return c;
    }

    /** 64-bit mode with 2 MiB identity pages over the first {@code mappedMiB} MiB. */
    static Cpu long64(int mappedMiB) {
        Cpu c = flat32(0xFFFF_FFFFL);
        PhysicalMemory m = c.ram;
        long pml4 = PT_BASE, pdpt = PT_BASE + 0x1000, pd = PT_BASE + 0x2000;
        m.write(pml4, 8, pdpt | 3);
        m.write(pdpt, 8, pd | 3);
        for (int i = 0; i < mappedMiB / 2; i++) {
            m.write(pd + 8L * i, 8, ((long) i << 21) | 0x83);
        }
        c.cr3 = pml4;
        c.cr4 = Cpu.CR4_PAE;
        c.efer = Cpu.EFER_LME | Cpu.EFER_LMA;
        c.cr0 |= Cpu.CR0_PG;
        c.seg[Insn.CS].set(0x08, 0, 0xFFFF_FFFFL, Segment.P | Segment.S | Segment.TYPE_CODE
                | Segment.TYPE_READ_OR_WRITE | Segment.TYPE_ACCESSED | Segment.L | Segment.G);
        c.updateMode();
        return c;
    }

    static byte[] hex(String h) {
        return HexFormat.of().parseHex(h);
    }

    /**
     * Asserts that {@code translated}, after a translated block retired {@code retired}
     * instructions, is in the state {@code reference} reaches by single-stepping that many
     * instructions on the interpreter: registers, RIP, RFLAGS and the first 64 KiB of memory.
     */
    static void assertSameAsStepped(Cpu reference, Cpu translated, int retired, String what) {
        EngineWorker interp = new Interpreter(reference.ram).newWorker();
        for (int k = 0; k < retired; k++) {
            interp.step(reference);
        }
        assertEquals(state(reference), state(translated), what);
        byte[] a = new byte[0x10000], b = new byte[0x10000];
        reference.ram.copyOut(0, a, 0, a.length);
        translated.ram.copyOut(0, b, 0, b.length);
        assertArrayEquals(a, b, what + ": guest memory");
    }

    /** Registers, RIP and RFLAGS as one comparable string. */
    static String state(Cpu c) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 16; i++) {
            sb.append(Long.toHexString(c.r[i])).append(' ');
        }
        return sb.append("rip ").append(Long.toHexString(c.rip))
                .append(" rflags ").append(Long.toHexString(Flags.rflags(c))).toString();
    }
}
