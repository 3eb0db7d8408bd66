package org.apboot.core.fault;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.CpuModel;
import org.apboot.core.cpu.CpuProfile;
import org.apboot.core.decode.Insn;
import org.apboot.core.mem.PhysicalMemory;
import org.apboot.core.semantics.SegmentLoads;

/** Builds CPUs in a given mode with a GDT in RAM, for the memory, fault and segment tests. */
public final class TestCpus {
    public static final long GDT = 0x1000;
    public static final int CODE32 = 0x08, DATA32 = 0x10, CODE64 = 0x18, CODE16 = 0x20, DATA16 = 0x28,
            UCODE32 = 0x33, UDATA32 = 0x3B, UCODE64 = 0x43, TSS = 0x48, CODE32_DPL3_CONF = 0x58;
    public static final long PML4 = 0x10000;

    private TestCpus() {
    }

    public static Cpu real() {
        return new Cpu(0, CpuModel.standard(false), CpuProfile.GENERIC, new PhysicalMemory(16 << 20));
    }

    /** A segment descriptor: access byte as in the manual (e.g. 0x9A), flags nibble G/DB/L/AVL. */
    public static long seg(long base, long limit, int access, int flags) {
        return (limit & 0xFFFF) | ((base & 0xFF_FFFFL) << 16) | ((long) access << 40)
                | (((limit >> 16) & 0xF) << 48) | ((long) flags << 52) | (((base >> 24) & 0xFF) << 56);
    }

    /** A 16-byte-capable gate's low quadword: offset 31:0, selector, type/DPL/P access byte, IST. */
    public static long gate(long offset, int selector, int access, int ist) {
        return (offset & 0xFFFF) | ((long) selector << 16) | ((long) ist << 32) | ((long) access << 40)
                | ((offset & 0xFFFF_0000L) << 32);
    }

    public static void writeGdt(Cpu cpu) {
        long[] d = new long[16];
        d[1] = seg(0, 0xFFFFF, 0x9A, 0xC);   // 0x08 code32
        d[2] = seg(0, 0xFFFFF, 0x92, 0xC);   // 0x10 data32
        d[3] = seg(0, 0xFFFFF, 0x9A, 0xA);   // 0x18 code64
        d[4] = seg(0, 0xFFFF, 0x9A, 0x0);    // 0x20 code16
        d[5] = seg(0, 0xFFFF, 0x92, 0x0);    // 0x28 data16
        d[6] = seg(0, 0xFFFFF, 0xFA, 0xC);   // 0x30 user code32
        d[7] = seg(0, 0xFFFFF, 0xF2, 0xC);   // 0x38 user data32
        d[8] = seg(0, 0xFFFFF, 0xFA, 0xA);   // 0x40 user code64
        d[9] = seg(0x3000, 0x67, 0x89, 0x0); // 0x48 32-bit TSS (available), 64-bit TSS low half
        d[10] = 0;                           // 0x50 upper half of the 64-bit TSS
        d[11] = seg(0, 0xFFFFF, 0xFE, 0xC);  // 0x58 conforming code DPL 3
        for (int i = 0; i < d.length; i++) {
            cpu.ram.write64(GDT + 8L * i, d[i]);
        }
        cpu.gdtrBase = GDT;
        cpu.gdtrLimit = 8 * d.length - 1;
    }

    /** Flat 32-bit protected mode at CPL 0, no paging. */
    public static Cpu prot32() {
        Cpu cpu = real();
        writeGdt(cpu);
        cpu.cr0 |= Cpu.CR0_PE;
        cpu.updateMode();
        SegmentLoads.commitCode(cpu, CODE32, cpu.ram.read64(GDT + CODE32), 0);
        for (int s : new int[] {Insn.ES, Insn.SS, Insn.DS, Insn.FS, Insn.GS}) {
            SegmentLoads.load(cpu, s, DATA32);
        }
        cpu.r[Cpu.RSP] = 0x8000;
        return cpu;
    }

    /** Identity-maps the first 1 GiB with 2 MiB pages (4-level tables at {@link #PML4}). */
    public static void identityMap(Cpu cpu) {
        cpu.ram.write64(PML4, (PML4 + 0x1000) | 7);
        cpu.ram.write64(PML4 + 0x1000, (PML4 + 0x2000) | 7);
        for (int i = 0; i < 512; i++) {
            cpu.ram.write64(PML4 + 0x2000 + 8L * i, ((long) i << 21) | 0x87);
        }
    }

    /** 64-bit mode at CPL 0 with identity paging, RSP 0x8000. */
    public static Cpu long64() {
        Cpu cpu = prot32();
        identityMap(cpu);
        cpu.cr3 = PML4;
        cpu.cr4 |= Cpu.CR4_PAE;
        cpu.efer |= Cpu.EFER_LME | Cpu.EFER_LMA;
        cpu.cr0 |= Cpu.CR0_PG;
        SegmentLoads.commitCode(cpu, CODE64, cpu.ram.read64(GDT + CODE64), 0);
        cpu.updateMode();
        return cpu;
    }

    /** Writes descriptor {@code d} into the GDT slot of selector {@code sel} (its RPL and TI bits ignored). */
    public static void putDescriptor(Cpu cpu, int sel, long d) {
        cpu.ram.write64(GDT + (sel & ~7), d);
    }

    /** Asserts that {@code r} raises exception {@code vector} with error code {@code err}. */
    public static void assertFault(int vector, int err, Runnable r) {
        CpuException e = org.junit.jupiter.api.Assertions.assertThrows(CpuException.class, r::run);
        org.junit.jupiter.api.Assertions.assertEquals(vector, e.vector, e.toString());
        org.junit.jupiter.api.Assertions.assertEquals(err, e.errorCode, e.toString());
    }
}
