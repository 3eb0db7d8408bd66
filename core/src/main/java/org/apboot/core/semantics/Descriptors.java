package org.apboot.core.semantics;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.Mmu;
import org.apboot.core.cpu.Segment;
import org.apboot.core.fault.CpuException;

/**
 * Segment descriptors in the GDT and LDT: reading them (supervisor-level implicit accesses),
 * decoding base, limit and attributes, and setting the accessed / TSS-busy bits in place.
 *
 * <p>Raw descriptors are handled as the 64-bit little-endian value of their first eight bytes;
 * 16-byte system descriptors of long mode (LDT, TSS, call gates) add a second quadword whose low
 * 32 bits are bits 63:32 of the base or offset.
 */
public final class Descriptors {
    // system descriptor types (S = 0)
    public static final int TSS16_AVAIL = 1, LDT = 2, TSS16_BUSY = 3, CALL_GATE16 = 4, TASK_GATE = 5,
            INT_GATE16 = 6, TRAP_GATE16 = 7, TSS32_AVAIL = 9, TSS32_BUSY = 0xB, CALL_GATE32 = 0xC,
            INT_GATE32 = 0xE, TRAP_GATE32 = 0xF;

    private Descriptors() {
    }

    /** The selector's index and table bits: the error-code form (RPL cleared). */
    public static int errorCode(int selector) {
        return selector & 0xFFFC;
    }

    public static boolean isNull(int selector) {
        return (selector & 0xFFFC) == 0;
    }

    /**
     * Linear address of the descriptor {@code selector} names, or -1 when the GDT/LDT limit does
     * not cover {@code bytes} bytes of it (or the LDT is unusable).
     */
    public static long address(Cpu cpu, int selector, int bytes) {
        int off = selector & 0xFFF8;
        if ((selector & 4) != 0) {
            Segment ldt = cpu.ldtr;
            if (isNull(ldt.selector) || !ldt.present() || off + bytes - 1 > ldt.limit) {
                return -1;
            }
            return ldt.base + off;
        }
        if (off + bytes - 1 > cpu.gdtrLimit) {
            return -1;
        }
        return cpu.gdtrBase + off;
    }

    /**
     * Reads the 8-byte descriptor {@code selector} names; beyond the table limit raises #GP with
     * the selector as error code (the caller maps to #TS where the instruction says so).
     */
    public static long read(Cpu cpu, int selector) {
        long addr = address(cpu, selector, 8);
        if (addr < 0) {
            throw CpuException.gp(errorCode(selector), String.format(
                    "selector 0x%04x beyond the %s limit", selector, (selector & 4) != 0 ? "LDT" : "GDT"));
        }
        return Mem.readSystem(cpu, wrap(cpu, addr), 8);
    }

    /** Reads the 8-byte descriptor or returns 0 when it lies beyond the table limit (LAR/LSL/VERx). */
    public static long readOrZero(Cpu cpu, int selector, int bytes) {
        long addr = address(cpu, selector, bytes);
        if (addr < 0) {
            return 0;
        }
        return Mem.readSystem(cpu, wrap(cpu, addr), 8);
    }

    /** Reads the upper quadword of a 16-byte system descriptor (long mode). */
    public static long readHigh(Cpu cpu, int selector) {
        long addr = address(cpu, selector, 16);
        if (addr < 0) {
            throw CpuException.gp(errorCode(selector), String.format(
                    "16-byte descriptor 0x%04x beyond the table limit", selector));
        }
        return Mem.readSystem(cpu, wrap(cpu, addr + 8), 8);
    }

    private static long wrap(Cpu cpu, long lin) {
        return cpu.longModeActive() ? lin : lin & 0xFFFF_FFFFL;
    }

    // ---------------------------------------------------------------- decoding

    public static long base(long d) {
        return ((d >>> 16) & 0xFF_FFFFL) | ((d >>> 32) & 0xFF00_0000L);
    }

    /** Effective byte-granular limit (the 20-bit limit scaled by G). */
    public static long limit(long d) {
        long raw = (d & 0xFFFF) | ((d >>> 32) & 0xF_0000L);
        return (d & (1L << 55)) != 0 ? (raw << 12) | 0xFFF : raw;
    }

    /** Access byte in bits 0-7 and flags nibble in bits 12-15, the {@link Segment#attrs} layout. */
    public static int attrs(long d) {
        return (int) ((d >>> 40) & 0xF0FF);
    }

    public static int type(long d) {
        return (int) (d >>> 40) & 0xF;
    }

    public static int dpl(long d) {
        return (int) (d >>> 45) & 3;
    }

    public static boolean present(long d) {
        return (d & (1L << 47)) != 0;
    }

    /** True for a code or data descriptor (S = 1). */
    public static boolean codeOrData(long d) {
        return (d & (1L << 44)) != 0;
    }

    public static boolean isCode(long d) {
        return codeOrData(d) && (type(d) & Segment.TYPE_CODE) != 0;
    }

    public static boolean conforming(long d) {
        return isCode(d) && (type(d) & Segment.TYPE_CONFORMING_OR_EXPAND_DOWN) != 0;
    }

    public static boolean writableData(long d) {
        return codeOrData(d) && (type(d) & (Segment.TYPE_CODE | Segment.TYPE_READ_OR_WRITE)) == Segment.TYPE_READ_OR_WRITE;
    }

    /** Data, or readable code. */
    public static boolean readable(long d) {
        return codeOrData(d) && ((type(d) & Segment.TYPE_CODE) == 0 || (type(d) & Segment.TYPE_READ_OR_WRITE) != 0);
    }

    public static boolean longCode(long d) {
        return (d & (1L << 53)) != 0;
    }

    public static boolean db(long d) {
        return (d & (1L << 54)) != 0;
    }

    /** Gate target offset bits 31:0 (16-bit gates use only 15:0). */
    public static long gateOffset(long d) {
        return (d & 0xFFFF) | ((d >>> 32) & 0xFFFF_0000L);
    }

    public static int gateSelector(long d) {
        return (int) (d >>> 16) & 0xFFFF;
    }

    /** Loads a segment cache from a descriptor. */
    public static void load(Segment s, int selector, long d) {
        s.set(selector & 0xFFFF, base(d), limit(d), attrs(d));
    }

    // ---------------------------------------------------------------- in-place updates

    /** Sets the accessed bit of a code/data descriptor in its table (locked, as the CPU does). */
    public static void setAccessed(Cpu cpu, int selector, long d) {
        if ((d & (1L << 40)) != 0) {
            return;
        }
        orByte5(cpu, selector, 0x01);
    }

    /** Sets the busy bit (type bit 1) of an available TSS descriptor in the GDT. */
    public static void setBusy(Cpu cpu, int selector) {
        orByte5(cpu, selector, 0x02);
    }

    /** Clears the busy bit of a TSS descriptor in the GDT. */
    public static void clearBusy(Cpu cpu, int selector) {
        long lin = wrap(cpu, address(cpu, selector, 8) + 5);
        long phys = cpu.mmu.translate(lin, Mmu.WRITE, false);
        while (true) {
            long old = Mem.readPhysical(cpu, phys, 1);
            if (!cpu.ram.contains(phys, 1)) {
                Mem.writePhysical(cpu, phys, 1, old & ~2);
                return;
            }
            if (cpu.ram.compareAndExchange(phys, 1, old, old & ~2) == old) {
                return;
            }
        }
    }

    private static void orByte5(Cpu cpu, int selector, int bit) {
        long addr = address(cpu, selector, 8);
        if (addr < 0) {
            return;
        }
        long phys = cpu.mmu.translate(wrap(cpu, addr + 5), Mmu.WRITE, false);
        while (true) {
            long old = Mem.readPhysical(cpu, phys, 1);
            if ((old & bit) != 0) {
                return;
            }
            if (!cpu.ram.contains(phys, 1)) {
                Mem.writePhysical(cpu, phys, 1, old | bit);
                return;
            }
            if (cpu.ram.compareAndExchange(phys, 1, old, old | bit) == old) {
                return;
            }
        }
    }
}
