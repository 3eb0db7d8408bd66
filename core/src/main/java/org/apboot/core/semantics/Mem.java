package org.apboot.core.semantics;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.Mmu;
import org.apboot.core.cpu.Segment;
import org.apboot.core.decode.Insn;
import org.apboot.core.fault.CpuException;
import org.apboot.core.mem.PhysicalMemory;

/**
 * Guest memory accesses as instructions perform them: segmentation (limit and type checks), then
 * paging, then RAM or MMIO. Every data access of every engine goes through here.
 *
 * <p>Accesses that cross a page boundary are split into bytes so each page is translated (and can
 * fault) on its own, as on hardware; the access is not atomic then, which x86 does not promise
 * for unlocked split accesses either.
 */
public final class Mem {
    private Mem() {
    }

    // ---------------------------------------------------------------- segmentation

    /**
     * Checks a data access of {@code size} bytes at {@code offset} in segment {@code s} and
     * returns the linear address. In 64-bit mode only FS and GS add a base and nothing is
     * limit-checked; stack accesses there get the canonical check (#SS(0)), other addresses are
     * checked by the MMU (#GP(0)).
     */
    public static long linear(Cpu cpu, int s, long offset, int size, boolean write) {
        Segment sg = cpu.seg[s];
        if (cpu.codeSize == 64) {
            if (s >= Insn.FS) {
                return sg.base + offset;
            }
            if (s == Insn.SS) {
                checkCanonicalStack(cpu, offset);
            }
            return offset;
        }
        long last = offset + size - 1;
        if ((cpu.cr0 & Cpu.CR0_PE) != 0 && (cpu.sysFlags & Cpu.VM) == 0) {
            // fast path: present, writable, expand-up data segment (what flat code uses)
            if ((sg.attrs & FAST_MASK) != FAST_VALUE || last > sg.limit) {
                checkProtected(sg, s, offset, size, write);
            }
        } else if (last > sg.limit) {
            throw limitFault(s, "offset 0x" + Long.toHexString(offset) + " beyond segment limit of " + segName(s));
        }
        return (sg.base + offset) & 0xFFFF_FFFFL;
    }

    private static final int FAST_MASK = Segment.P | Segment.S | Segment.TYPE_CODE
            | Segment.TYPE_CONFORMING_OR_EXPAND_DOWN | Segment.TYPE_READ_OR_WRITE;
    private static final int FAST_VALUE = Segment.P | Segment.S | Segment.TYPE_READ_OR_WRITE;

    private static void checkCanonicalStack(Cpu cpu, long offset) {
        int unused = (cpu.cr4 & Cpu.CR4_LA57) != 0 ? 7 : 16;
        if ((offset << unused >> unused) != offset) {
            throw CpuException.ss(0, "non-canonical stack address 0x" + Long.toHexString(offset));
        }
    }

    /**
     * The selector of the far pointer (m16:16, m16:32 or m16:64) at {@code s:offset}: the two
     * bytes after its {@code offsetSize}-byte offset. Read after the offset, so a fault on the
     * offset comes first. The pointer is one memory operand: its bytes do not wrap around the
     * address size, so one that runs past the segment limit faults (#GP(0), #SS(0) for SS).
     */
    public static int farSelector(Cpu cpu, int s, long offset, int offsetSize) {
        return (int) read(cpu, s, offset + offsetSize, 2);
    }

    /** True if {@code lin} is canonical for the current linear-address width. */
    public static boolean canonical(Cpu cpu, long lin) {
        int unused = (cpu.cr4 & Cpu.CR4_LA57) != 0 ? 7 : 16;
        return (lin << unused >> unused) == lin;
    }

    private static void checkProtected(Segment sg, int s, long offset, int size, boolean write) {
        if ((sg.attrs & Segment.P) == 0) {
            if ((sg.selector & ~3) == 0) {
                throw CpuException.gp(0, "access through a null selector in " + segName(s));
            }
            throw limitFault(s, "access through a not-present segment " + segName(s));
        }
        if ((sg.attrs & Segment.S) == 0) {
            throw limitFault(s, "access through a system segment in " + segName(s));
        }
        int type = sg.attrs & Segment.TYPE_MASK;
        boolean code = (type & Segment.TYPE_CODE) != 0;
        if (write && (code || (type & Segment.TYPE_READ_OR_WRITE) == 0)) {
            throw limitFault(s, "write to a read-only segment " + segName(s));
        }
        if (!write && code && (type & Segment.TYPE_READ_OR_WRITE) == 0) {
            throw limitFault(s, "read from an execute-only segment " + segName(s));
        }
        long last = offset + size - 1;
        if (!code && (type & Segment.TYPE_CONFORMING_OR_EXPAND_DOWN) != 0) {
            long upper = sg.db() ? 0xFFFF_FFFFL : 0xFFFF;
            if (offset <= sg.limit || last > upper) {
                throw limitFault(s, "offset 0x" + Long.toHexString(offset) + " outside expand-down segment " + segName(s));
            }
        } else if (last > sg.limit) {
            throw limitFault(s, "offset 0x" + Long.toHexString(offset) + " beyond the limit of " + segName(s));
        }
    }

    private static CpuException limitFault(int s, String why) {
        return s == Insn.SS ? CpuException.ss(0, why) : CpuException.gp(0, why);
    }

    public static String segName(int s) {
        switch (s) {
            case Insn.ES: return "ES";
            case Insn.CS: return "CS";
            case Insn.SS: return "SS";
            case Insn.DS: return "DS";
            case Insn.FS: return "FS";
            default: return "GS";
        }
    }

    // ---------------------------------------------------------------- segmented accesses

    /**
     * Reads {@code size} bytes at {@code s:offset}. In 64-bit mode a read of RAM through a page
     * the TLB holds, with no hook or data breakpoint to honour, is served here; everything else
     * (segmentation outside 64-bit mode, a page walk, a fault, MMIO, hooks) by the complete
     * path. The split keeps this method small once compiled, so HotSpot inlines it into
     * translated blocks and the interpreter's steps. A non-canonical address never hits (the
     * TLB holds canonical pages only): the complete path raises its fault.
     */
    public static long read(Cpu cpu, int s, long offset, int size) {
        long phys = fastPhysical(cpu, s, offset, size, Mmu.READ);
        return phys >= 0 ? cpu.ram.read(phys, size) : readComplete(cpu, s, offset, size);
    }

    /**
     * The RAM address of an access {@link #read} and {@link #write} may serve on their fast path,
     * else -1: an access inside its segment's limit through a segment that needs no further
     * check (64-bit mode; real mode; in protected mode a present, writable, expand-up data
     * segment, what flat code uses), to a page the TLB holds with the rights needed or with
     * paging off, within one page of RAM, with nothing to report to hooks or breakpoints. Every
     * other access, and every one that faults, takes the complete path.
     */
    private static long fastPhysical(Cpu cpu, int s, long offset, int size, int access) {
        if (s < 0 || cpu.memoryHooks != null || cpu.dataBreakpoints) {
            return -1;
        }
        long phys;
        if (cpu.codeSize == 64) {
            // through the TLB only: a non-canonical address is never in it
            long lin = s < Insn.FS ? offset : cpu.seg[s].base + offset;
            phys = cpu.mmu.hit(lin, size, access, cpu.cpl == 3);
        } else {
            Segment sg = cpu.seg[s];
            if (offset + size - 1 > sg.limit || ((cpu.cr0 & Cpu.CR0_PE) != 0 && (cpu.sysFlags & Cpu.VM) == 0
                    && (sg.attrs & FAST_MASK) != FAST_VALUE)) {
                return -1;
            }
            phys = cpu.mmu.quick((sg.base + offset) & 0xFFFF_FFFFL, size, access, cpu.cpl == 3);
        }
        return phys >= 0 && cpu.ram.contains(phys, size) ? phys : -1;
    }

    /** {@link #read} without the fast path. */
    private static long readComplete(Cpu cpu, int s, long offset, int size) {
        // 64-bit mode, no FS/GS base and no SS canonical check: the offset is the linear address
        long lin = cpu.codeSize == 64 && s >= 0 && s < Insn.FS && s != Insn.SS ? offset : linear(cpu, s, offset, size, false);
        long v = readLinear(cpu, lin, size, cpu.cpl == 3);
        if (cpu.dataBreakpoints) {
            Debug.dataAccess(cpu, lin, size, false);
        }
        return v;
    }

    /** Writes {@code size} bytes at {@code s:offset}; the same fast path as {@link #read}. */
    public static void write(Cpu cpu, int s, long offset, int size, long v) {
        long phys = fastPhysical(cpu, s, offset, size, Mmu.WRITE);
        if (phys >= 0) {
            cpu.ram.write(phys, size, v);
        } else {
            writeComplete(cpu, s, offset, size, v);
        }
    }

    /** {@link #write} without the fast path. */
    private static void writeComplete(Cpu cpu, int s, long offset, int size, long v) {
        long lin = cpu.codeSize == 64 && s >= 0 && s < Insn.FS && s != Insn.SS ? offset : linear(cpu, s, offset, size, true);
        writeLinear(cpu, lin, size, v, cpu.cpl == 3);
        if (cpu.dataBreakpoints) {
            Debug.dataAccess(cpu, lin, size, true);
        }
    }

    /**
     * LOCK-prefixed compare-and-exchange of {@code size} bytes; returns the value found. The
     * caller derives its new value from a previous {@link #read} and retries on mismatch.
     */
    public static long compareAndExchange(Cpu cpu, int s, long offset, int size, long expect, long update) {
        long lin = linear(cpu, s, offset, size, true);
        long phys = cpu.mmu.translate(lin, Mmu.WRITE, cpu.cpl == 3);
        if (cpu.dataBreakpoints) {
            Debug.dataAccess(cpu, lin, size, true);
        }
        if (((lin ^ (lin + size - 1)) & ~0xFFFL) != 0) {
            // page-split locked access: make sure both pages are writable before the locked op
            cpu.mmu.translate((lin + size - 1) & ~0xFFFL, Mmu.WRITE, cpu.cpl == 3); // CR2: first byte there
            boolean user = cpu.cpl == 3;
            return cpu.ram.exclusive(() -> {
                long found = readLinear(cpu, lin, size, user);
                if (found == expect) {
                    writeLinear(cpu, lin, size, update, user);
                }
                return found;
            });
        }
        long found = !cpu.ram.contains(phys, size) ? cpu.mmio.compareAndExchange(cpu.index, phys, size, expect, update)
                : cpu.ram.compareAndExchange(phys, size, expect & PhysicalMemory.mask(size), update & PhysicalMemory.mask(size));
        if (cpu.memoryHooks != null && found == (expect & PhysicalMemory.mask(size))) {
            cpu.memoryHooks.write(cpu, phys, size, update & PhysicalMemory.mask(size));
        }
        return found;
    }

    // ---------------------------------------------------------------- linear accesses

    public static long readLinear(Cpu cpu, long lin, int size, boolean user) {
        if (((lin ^ (lin + size - 1)) & ~0xFFFL) != 0) {
            long v = 0;
            for (int i = 0; i < size; i++) {
                v |= readPhysical(cpu, cpu.mmu.translate(lin + i, Mmu.READ, user), 1) << (8 * i);
            }
            return v;
        }
        return readPhysical(cpu, cpu.mmu.translate(lin, Mmu.READ, user), size);
    }

    public static void writeLinear(Cpu cpu, long lin, int size, long v, boolean user) {
        if (((lin ^ (lin + size - 1)) & ~0xFFFL) != 0) {
            long[] phys = new long[size]; // rare path: translate every byte first so no partial write
            for (int i = 0; i < size; i++) {
                phys[i] = cpu.mmu.translate(lin + i, Mmu.WRITE, user);
            }
            for (int i = 0; i < size; i++) {
                writePhysical(cpu, phys[i], 1, v >>> (8 * i));
            }
            return;
        }
        writePhysical(cpu, cpu.mmu.translate(lin, Mmu.WRITE, user), size, v);
    }

    /** Supervisor-level read of a system structure (GDT, IDT, TSS, page tables excluded). */
    public static long readSystem(Cpu cpu, long lin, int size) {
        return readLinear(cpu, lin, size, false);
    }

    public static void writeSystem(Cpu cpu, long lin, int size, long v) {
        writeLinear(cpu, lin, size, v, false);
    }

    public static long readPhysical(Cpu cpu, long phys, int size) {
        if (cpu.memoryHooks != null) {
            return readHooked(cpu, phys, size);
        }
        if (cpu.ram.contains(phys, size)) {
            return cpu.ram.read(phys, size);
        }
        return cpu.mmio.read(cpu.index, phys, size) & PhysicalMemory.mask(size);
    }

    private static long readHooked(Cpu cpu, long phys, int size) {
        long v = cpu.ram.contains(phys, size) ? cpu.ram.read(phys, size)
                : cpu.mmio.read(cpu.index, phys, size) & PhysicalMemory.mask(size);
        cpu.memoryHooks.read(cpu, phys, size, v);
        return v;
    }

    public static void writePhysical(Cpu cpu, long phys, int size, long v) {
        if (cpu.memoryHooks != null) {
            cpu.memoryHooks.write(cpu, phys, size, v & PhysicalMemory.mask(size));
        }
        if (cpu.ram.contains(phys, size)) {
            cpu.ram.write(phys, size, v);
        } else {
            cpu.mmio.write(cpu.index, phys, size, v & PhysicalMemory.mask(size));
        }
    }
}
