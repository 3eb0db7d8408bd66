package org.apboot.jit;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.CpuModel;
import org.apboot.core.cpu.CpuProfile;
import org.apboot.core.decode.Insn;
import org.apboot.core.fault.TestCpus;
import org.apboot.core.mem.PhysicalMemory;
import org.apboot.core.semantics.SegmentLoads;

/**
 * The guest modes of the differential tests and the machine each starts from: 512 KiB of RAM
 * holding the system tables, one {@code hlt} stub per exception vector, the case's code and a
 * random data region.
 *
 * <pre>
 * 0x00000  real-mode IVT (vector v -> 0000:4000+v)
 * 0x01000  GDT (TestCpus' table, plus 0x60 code32 limit 0xFFFFF, 0x68 FS data base 0x24000
 *          limit 0x7FFF, 0x70 GS data base 0x28000 limit 4 GiB, 0x78 code32 limit 0x10FFF)
 * 0x02000  IDT (interrupt gates to the stubs, 8- or 16-byte)
 * 0x04000  256 hlt stubs: an exception ends the run at 0x4000 + vector + 1
 * 0x05000  4 KiB of hlt at offset 0 of real-mode segment 0x500 (code at the top of that segment, and
 *          branches past its end, wrap here)
 * 0x08000  page tables (4 KiB pages for RAM only; 0x30000-0x37FFF not present,
 *          0x38000-0x3FFFF read-only; CR0.WP set)
 * 0x10000  code (a case starts at 0x10000 + offset, offset below 0x1000; real mode also 0x14xxx-0x14FFF)
 * 0x20000  data, random bytes (0x20000-0x3FFFF; the stack lives at 0x2Exxx-0x2Fxxx)
 * </pre>
 */
enum DiffMode {
    LONG64("long64", 64, true),
    PROT32("prot32", 32, false),
    PROT32_PAGING("prot32+paging", 32, true),
    REAL16("real16", 16, false);

    static final int RAM = 512 << 10;
    static final long IDT = 0x2000, STUBS = 0x4000, PAGE_TABLES = 0x8000, CODE = 0x10000, DATA = 0x20000,
            DATA_END = 0x40000, NOT_PRESENT = 0x30000, READ_ONLY = 0x38000;
    static final int CODE32 = 0x60, FS32 = 0x68, GS32 = 0x70, CODE32_LIMITED = 0x78;
    static final long FS64_BASE = 0x24000, GS64_BASE = 0x2A000;
    /** Real-mode segments: CS 0x1000 (code), DS/SS 0x2000, ES 0x2100, FS 0x2800, GS 0x3000. */
    static final int REAL_CS = 0x1000, REAL_DS = 0x2000, REAL_ES = 0x2100, REAL_FS = 0x2800, REAL_GS = 0x3000;
    /** Real-mode code segment whose last bytes are the code (0x5000 + offset) and whose first 4 KiB are HLT. */
    static final int WRAP_CS = 0x500;

    final String label;
    final int bits;
    final boolean paging;

    DiffMode(String label, int bits, boolean paging) {
        this.label = label;
        this.bits = bits;
        this.paging = paging;
    }

    private byte[] base;

    /** The RAM image a case starts from: tables, stubs, {@code data} at 0x20000, {@code code} at {@code load}. */
    byte[] image(byte[] data, byte[] code, long load) {
        byte[] img = base().clone();
        System.arraycopy(data, 0, img, (int) DATA, data.length);
        System.arraycopy(code, 0, img, (int) load, code.length);
        return img;
    }

    /** The tables and stubs of this mode, built once. */
    private synchronized byte[] base() {
        if (base != null) {
            return base;
        }
        PhysicalMemory img = new PhysicalMemory(RAM);
        Cpu tmp = newCpu(img);
        TestCpus.writeGdt(tmp);
        img.write64(TestCpus.GDT + CODE32, TestCpus.seg(0, 0xFFFFF, 0x9A, 0x4));
        img.write64(TestCpus.GDT + FS32, TestCpus.seg(0x24000, 0x7FFF, 0x92, 0x4));
        img.write64(TestCpus.GDT + GS32, TestCpus.seg(0x28000, 0xFFFFF, 0x92, 0xC));
        img.write64(TestCpus.GDT + CODE32_LIMITED, TestCpus.seg(0, 0x10FFF, 0x9A, 0x4));
        for (int i = 0; i < 0x1000; i++) {
            img.write8(((long) WRAP_CS << 4) + i, 0xF4);
        }
        for (int v = 0; v < 256; v++) {
            img.write8(STUBS + v, 0xF4);
            long target = STUBS + v;
            if (bits == 16) {
                img.write32(4L * v, (int) target); // segment 0
            } else if (bits == 64) {
                img.write64(IDT + 16L * v, TestCpus.gate(target, TestCpus.CODE64, 0x8E, 0));
                img.write64(IDT + 16L * v + 8, 0);
            } else {
                img.write64(IDT + 8L * v, TestCpus.gate(target, CODE32, 0x8E, 0));
            }
        }
        if (paging) {
            long pt;
            if (bits == 64) {
                img.write64(PAGE_TABLES, (PAGE_TABLES + 0x1000) | 7);
                img.write64(PAGE_TABLES + 0x1000, (PAGE_TABLES + 0x2000) | 7);
                img.write64(PAGE_TABLES + 0x2000, (PAGE_TABLES + 0x3000) | 7);
                pt = PAGE_TABLES + 0x3000;
            } else {
                img.write32(PAGE_TABLES, (int) ((PAGE_TABLES + 0x1000) | 7));
                pt = PAGE_TABLES + 0x1000;
            }
            for (long page = 0; page < RAM >>> 12; page++) {
                long a = page << 12;
                long pte = a >= NOT_PRESENT && a < READ_ONLY ? 0 : a >= READ_ONLY && a < DATA_END ? a | 1 : a | 3;
                if (bits == 64) {
                    img.write64(pt + 8 * page, pte);
                } else {
                    img.write32(pt + 4 * page, (int) pte);
                }
            }
        }
        base = new byte[(int) img.size()];
        img.copyOut(0, base, 0, base.length);
        return base;
    }

    static Cpu newCpu(PhysicalMemory ram) {
        return new Cpu(0, CpuModel.standard(false), CpuProfile.GENERIC, ram);
    }

    /**
     * A CPU on {@code ram} (holding an {@link #image}) in this mode, CS {@code cs} (0: the usual
     * one) and rIP {@code ip} at the code's first instruction.
     */
    Cpu cpu(PhysicalMemory ram, int cs, long ip) {
        Cpu cpu = newCpu(ram);
        if (bits == 16) {
            cpu.resetToRealMode(cs == 0 ? REAL_CS : cs, ip);
            SegmentLoads.load(cpu, Insn.DS, REAL_DS);
            SegmentLoads.load(cpu, Insn.SS, REAL_DS);
            SegmentLoads.load(cpu, Insn.ES, REAL_ES);
            SegmentLoads.load(cpu, Insn.FS, REAL_FS);
            SegmentLoads.load(cpu, Insn.GS, REAL_GS);
            cpu.idtrBase = 0;
            cpu.idtrLimit = 0x3FF;
            cpu.updateMode();
            return cpu;
        }
        cpu.gdtrBase = TestCpus.GDT;
        cpu.gdtrLimit = 16 * 8 - 1;
        cpu.cr0 |= Cpu.CR0_PE;
        cpu.updateMode();
        int code = bits == 32 && cs != 0 ? cs : CODE32;
        SegmentLoads.commitCode(cpu, code, ram.read64(TestCpus.GDT + code), 0);
        for (int s : new int[] {Insn.ES, Insn.SS, Insn.DS}) {
            SegmentLoads.load(cpu, s, TestCpus.DATA32);
        }
        SegmentLoads.load(cpu, Insn.FS, FS32);
        SegmentLoads.load(cpu, Insn.GS, GS32);
        if (paging) {
            cpu.cr3 = PAGE_TABLES;
            cpu.cr0 |= Cpu.CR0_WP;
            if (bits == 64) {
                cpu.cr4 |= Cpu.CR4_PAE;
                cpu.efer |= Cpu.EFER_LME | Cpu.EFER_LMA;
            }
            cpu.cr0 |= Cpu.CR0_PG;
        }
        if (bits == 64) {
            SegmentLoads.commitCode(cpu, TestCpus.CODE64, ram.read64(TestCpus.GDT + TestCpus.CODE64), 0);
            cpu.seg[Insn.FS].base = FS64_BASE;
            cpu.seg[Insn.GS].base = GS64_BASE;
        }
        cpu.idtrBase = IDT;
        cpu.idtrLimit = bits == 64 ? 256 * 16 - 1 : 256 * 8 - 1;
        cpu.updateMode();
        cpu.rip = ip;
        return cpu;
    }
}
