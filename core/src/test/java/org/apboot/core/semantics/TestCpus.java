package org.apboot.core.semantics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.CpuModel;
import org.apboot.core.cpu.CpuProfile;
import org.apboot.core.cpu.Segment;
import org.apboot.core.decode.Decoder;
import org.apboot.core.decode.Insn;
import org.apboot.core.fault.CpuException;
import org.apboot.core.interp.ExecutorTable;
import org.apboot.core.mem.PhysicalMemory;

/** CPUs in the modes the semantics tests need, and a readable flags assertion. */
public final class TestCpus {
    private TestCpus() {
    }

    /** Real mode after reset at 0000:0100, 1 MiB of RAM. */
    public static Cpu real() {
        Cpu cpu = new Cpu(0, CpuModel.standard(false), CpuProfile.GENERIC, new PhysicalMemory(1 << 20));
        cpu.resetToRealMode(0, 0x100);
        return cpu;
    }

    /** Flat 32-bit protected mode (base 0, 4 GiB limits, paging off), CPL {@code cpl}. */
    public static Cpu prot32(int cpl) {
        Cpu cpu = real();
        int data = Segment.P | Segment.S | Segment.TYPE_READ_OR_WRITE | Segment.TYPE_ACCESSED | Segment.DB | Segment.G
                | (cpl << Segment.DPL_SHIFT);
        for (int s = 0; s < 6; s++) {
            cpu.seg[s].set(0x10 | cpl, 0, 0xFFFF_FFFFL, data);
        }
        cpu.seg[Insn.CS].set(0x08 | cpl, 0, 0xFFFF_FFFFL, data | Segment.TYPE_CODE);
        cpu.cr0 |= Cpu.CR0_PE;
        cpu.updateMode();
        return cpu;
    }

    /** 64-bit mode state for register-only work (no memory: paging is not set up). */
    public static Cpu long64() {
        Cpu cpu = prot32(0);
        cpu.efer |= Cpu.EFER_LME | Cpu.EFER_LMA;
        cpu.seg[Insn.CS].attrs = (cpu.seg[Insn.CS].attrs & ~Segment.DB) | Segment.L;
        cpu.updateMode();
        return cpu;
    }

    /** Decodes {@code code} in the CPU's current mode; the whole array must be one instruction. */
    public static Insn decode(Cpu cpu, byte... code) {
        Insn insn = new Insn();
        int len = Decoder.decode(code, 0, code.length, cpu.codeSize, insn);
        assertEquals(code.length, len, "instruction length");
        return insn;
    }

    /**
     * Decodes {@code code} and executes it through the executor table with the interpreter's
     * contract (RIP = next instruction on entry, restored on a fault).
     */
    public static Insn exec(Cpu cpu, byte... code) {
        Insn insn = decode(cpu, code);
        long start = cpu.rip;
        cpu.rip = start + code.length;
        try {
            ExecutorTable.get(insn.op).execute(cpu, insn);
        } catch (CpuException e) {
            cpu.rip = start;
            throw e;
        }
        return insn;
    }

    /** Asserts the six arithmetic flags: {@code expected} lists the set ones, e.g. "CF ZF PF". */
    public static void assertFlags(Cpu cpu, String expected) {
        long want = 0;
        for (String f : expected.trim().split("\\s+")) {
            switch (f) {
                case "": break;
                case "CF": want |= Cpu.CF; break;
                case "PF": want |= Cpu.PF; break;
                case "AF": want |= Cpu.AF; break;
                case "ZF": want |= Cpu.ZF; break;
                case "SF": want |= Cpu.SF; break;
                case "OF": want |= Cpu.OF; break;
                default: throw new IllegalArgumentException(f);
            }
        }
        assertEquals(names(want), names(Flags.arith(cpu)));
    }

    private static String names(long f) {
        StringBuilder sb = new StringBuilder();
        String[] n = {"CF", "PF", "AF", "ZF", "SF", "OF"};
        long[] b = {Cpu.CF, Cpu.PF, Cpu.AF, Cpu.ZF, Cpu.SF, Cpu.OF};
        for (int k = 0; k < 6; k++) {
            if ((f & b[k]) != 0) {
                sb.append(n[k]).append(' ');
            }
        }
        return sb.toString().trim();
    }
}
