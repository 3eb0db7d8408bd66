package org.apboot.bench;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.CpuModel;
import org.apboot.core.cpu.CpuProfile;
import org.apboot.core.cpu.Segment;
import org.apboot.core.decode.Insn;
import org.apboot.core.mem.PhysicalMemory;

/**
 * Builds single CPUs directly in a given mode (flat segments loaded into the descriptor caches,
 * no GDT walk), for the interpreter benchmarks.
 */
final class BenchCpus {
    static final int CODE32 = Segment.P | Segment.S | Segment.TYPE_CODE | Segment.TYPE_READ_OR_WRITE
            | Segment.TYPE_ACCESSED | Segment.DB | Segment.G;
    static final int CODE64 = Segment.P | Segment.S | Segment.TYPE_CODE | Segment.TYPE_READ_OR_WRITE
            | Segment.TYPE_ACCESSED | Segment.L | Segment.G;
    static final int DATA32 = Segment.P | Segment.S | Segment.TYPE_READ_OR_WRITE | Segment.TYPE_ACCESSED
            | Segment.DB | Segment.G;
    /** Page tables (identity map of the first 16 MiB with 2 MiB pages). */
    static final long PT_BASE = 0x200000;
    static final int RAM = 16 << 20;

    private BenchCpus() {
    }

    static Cpu real() {
        return new Cpu(0, CpuModel.standard(false), CpuProfile.GENERIC, new PhysicalMemory(RAM));
    }

    /** Flat 32-bit protected mode at CPL 0, paging off. */
    static Cpu prot32() {
        Cpu cpu = real();
        cpu.cr0 |= Cpu.CR0_PE;
        cpu.seg[Insn.CS].set(0x08, 0, 0xFFFF_FFFFL, CODE32);
        for (int s : new int[] {Insn.ES, Insn.SS, Insn.DS, Insn.FS, Insn.GS}) {
            cpu.seg[s].set(0x10, 0, 0xFFFF_FFFFL, DATA32);
        }
        cpu.updateMode();
        return cpu;
    }

    /** 64-bit mode at CPL 0 with 4-level identity paging of the first 16 MiB. */
    static Cpu long64() {
        Cpu cpu = prot32();
        PhysicalMemory m = cpu.ram;
        long pml4 = PT_BASE, pdpt = PT_BASE + 0x1000, pd = PT_BASE + 0x2000;
        m.write(pml4, 8, pdpt | 3);
        m.write(pdpt, 8, pd | 3);
        for (int i = 0; i < 8; i++) {
            m.write(pd + 8L * i, 8, ((long) i << 21) | 0x83);
        }
        cpu.cr3 = pml4;
        cpu.cr4 = Cpu.CR4_PAE;
        cpu.efer = Cpu.EFER_LME | Cpu.EFER_LMA;
        cpu.cr0 |= Cpu.CR0_PG | Cpu.CR0_NE;
        cpu.seg[Insn.CS].set(0x08, 0, 0xFFFF_FFFFL, CODE64);
        cpu.updateMode();
        return cpu;
    }

    /** Bytes of {@code code} (ints 0..255) as a byte array. */
    static byte[] bytes(int... code) {
        byte[] b = new byte[code.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) code[i];
        }
        return b;
    }
}
