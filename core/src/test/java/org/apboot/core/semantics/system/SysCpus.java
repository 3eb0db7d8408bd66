package org.apboot.core.semantics.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.CpuModel;
import org.apboot.core.cpu.CpuProfile;
import org.apboot.core.cpu.Segment;
import org.apboot.core.decode.Decoder;
import org.apboot.core.decode.Insn;
import org.apboot.core.fault.CpuException;
import org.apboot.core.interp.ExecutorTable;
import org.apboot.core.mem.PhysicalMemory;
import org.junit.jupiter.api.function.Executable;

/** CPU factories, mode set-ups and a one-instruction runner for the system-instruction tests. */
final class SysCpus {
    static final int CODE32 = Segment.P | Segment.S | Segment.TYPE_CODE | Segment.TYPE_READ_OR_WRITE
            | Segment.TYPE_ACCESSED | Segment.DB | Segment.G;
    static final int CODE64 = Segment.P | Segment.S | Segment.TYPE_CODE | Segment.TYPE_READ_OR_WRITE
            | Segment.TYPE_ACCESSED | Segment.L | Segment.G;
    static final int CODE16 = Segment.P | Segment.S | Segment.TYPE_CODE | Segment.TYPE_READ_OR_WRITE
            | Segment.TYPE_ACCESSED;
    static final int DATA32 = Segment.P | Segment.S | Segment.TYPE_READ_OR_WRITE | Segment.TYPE_ACCESSED
            | Segment.DB | Segment.G;
    /** Page tables live here (identity map of the first 16 MiB). */
    static final long PT_BASE = 0x200000;

    private SysCpus() {
    }

    static Cpu real() {
        return new Cpu(0, CpuModel.standard(false), CpuProfile.GENERIC, new PhysicalMemory(16 << 20));
    }

    static Cpu real(boolean la57, CpuProfile profile) {
        return new Cpu(0, CpuModel.standard(la57), profile, new PhysicalMemory(16 << 20));
    }

    /** Flat 32-bit protected mode, CPL {@code cpl}, paging off. */
    static Cpu prot32(int cpl) {
        Cpu cpu = real();
        toProt32(cpu, cpl);
        return cpu;
    }

    static void toProt32(Cpu cpu, int cpl) {
        cpu.cr0 |= Cpu.CR0_PE;
        cpu.seg[Insn.CS].set(0x08 | cpl, 0, 0xFFFF_FFFFL, CODE32 | cpl << Segment.DPL_SHIFT);
        for (int s : new int[] {Insn.ES, Insn.SS, Insn.DS, Insn.FS, Insn.GS}) {
            cpu.seg[s].set(0x10 | cpl, 0, 0xFFFF_FFFFL, DATA32 | cpl << Segment.DPL_SHIFT);
        }
        cpu.updateMode();
    }

    /** Loads a flat code segment in CS with the given attributes (what a far jump would do). */
    static void loadCs(Cpu cpu, int sel, int attrs) {
        cpu.seg[Insn.CS].set(sel, 0, 0xFFFF_FFFFL, attrs);
        cpu.updateMode();
    }

    /** Writes 4-level (or 5-level) identity-map tables for the first 16 MiB with 2 MiB pages. */
    static long identityTables(Cpu cpu, boolean fiveLevel) {
        PhysicalMemory m = cpu.ram;
        long pml5 = PT_BASE, pml4 = PT_BASE + 0x1000, pdpt = PT_BASE + 0x2000, pd = PT_BASE + 0x3000;
        for (long a = PT_BASE; a < PT_BASE + 0x4000; a += 8) {
            m.write(a, 8, 0);
        }
        m.write(pml5, 8, pml4 | 3);
        m.write(pml4, 8, pdpt | 3);
        m.write(pdpt, 8, pd | 3);
        for (int i = 0; i < 8; i++) {
            m.write(pd + 8L * i, 8, ((long) i << 21) | 0x83);
        }
        return fiveLevel ? pml5 : pml4;
    }

    /** 64-bit mode at CPL {@code cpl} with identity paging (tables written, CR3 set). */
    static Cpu long64(int cpl) {
        Cpu cpu = real();
        toProt32(cpu, 0);
        cpu.cr3 = identityTables(cpu, false);
        cpu.cr4 = Cpu.CR4_PAE;
        cpu.efer = Cpu.EFER_LME | Cpu.EFER_LMA;
        cpu.cr0 |= Cpu.CR0_PG | Cpu.CR0_NE;
        loadCs(cpu, 0x08 | cpl, CODE64 | cpl << Segment.DPL_SHIFT);
        cpu.seg[Insn.SS].selector = 0x10 | cpl;
        cpu.updateMode();
        return cpu;
    }

    /** Asserts {@code body} raises exactly {@code vector}(error code) and returns the exception. */
    static CpuException fault(int vector, int errorCode, Executable body) {
        CpuException e = assertThrows(CpuException.class, body);
        assertEquals(vector, e.vector, () -> "vector, got " + e);
        if (e.hasErrorCode) {
            assertEquals(errorCode, e.errorCode, () -> "error code, got " + e);
        }
        return e;
    }

    static CpuException gp(Executable body) {
        CpuException e = fault(13, 0, body);
        assertTrue(e.hasErrorCode);
        return e;
    }

    static CpuException ud(Executable body) {
        return fault(6, 0, body);
    }

    /**
     * Decodes {@code code} in the CPU's current mode and executes it through the executor table,
     * with the interpreter's contract (RIP = next instruction on entry, restored on a fault).
     */
    static Insn exec(Cpu cpu, int... code) {
        byte[] b = new byte[code.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) code[i];
        }
        Insn insn = new Insn();
        int len = Decoder.decode(b, 0, b.length, cpu.codeSize, insn);
        assertEquals(b.length, len, "instruction length");
        long start = cpu.rip;
        cpu.rip = start + len;
        try {
            ExecutorTable.get(insn.op).execute(cpu, insn);
        } catch (CpuException e) {
            cpu.rip = start;
            throw e;
        }
        return insn;
    }
}
