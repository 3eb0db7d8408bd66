package org.apboot.core.semantics;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.Mmu;

/**
 * Read-modify-write memory operands: the destination is checked for writing (segment and
 * page) before it is read, so an instruction that computes flags and then writes can never
 * fault after the flags changed. One translation serves the read and the write.
 *
 * <p>{@link #prepare} returns a handle: the physical address when the access lies in one page,
 * or {@link #SPLIT} when it crosses a page (both pages are then checked, and the accesses go
 * through {@link Mem} again). Pass the same segment and offset to the other methods.
 */
public final class Rmw {
    /** Handle of a page-crossing access. */
    public static final long SPLIT = -1;

    private Rmw() {
    }

    /** Checks {@code seg:off} for a {@code size}-byte write and returns the access handle. */
    public static long prepare(Cpu cpu, int seg, long off, int size) {
        long lin = Mem.linear(cpu, seg, off, size, true);
        boolean user = cpu.cpl == 3;
        if (((lin ^ (lin + size - 1)) & ~0xFFFL) != 0) {
            cpu.mmu.translate(lin, Mmu.WRITE, user);
            // the second page from its first byte: a fault there reports that byte in CR2, as
            // the byte-wise accesses of Mem do
            cpu.mmu.translate((lin + size - 1) & ~0xFFFL, Mmu.WRITE, user);
            return SPLIT;
        }
        return cpu.mmu.translate(lin, Mmu.WRITE, user);
    }

    public static long read(Cpu cpu, long handle, int seg, long off, int size) {
        if (handle >= 0) {
            return Mem.readPhysical(cpu, handle, size);
        }
        return Mem.read(cpu, seg, off, size);
    }

    public static void write(Cpu cpu, long handle, int seg, long off, int size, long v) {
        if (handle >= 0) {
            Mem.writePhysical(cpu, handle, size, v);
        } else {
            Mem.write(cpu, seg, off, size, v);
        }
    }

    /**
     * Read-modify-write of the memory operand {@code seg:off} with {@link RmwOps} operation
     * {@code op} (operands {@code b} and {@code c} as {@link RmwOps#compute} takes them). The
     * operand is checked for writing first, so a fault leaves flags and memory as they were.
     * With {@code locked} (a LOCK prefix) the update is a compare-and-set retry loop: another
     * host thread's store between the read and the write makes it read and compute again, so
     * the operation is atomic; the flags are those of the attempt that was stored.
     */
    public static void update(Cpu cpu, int op, int size, int seg, long off, long b, long c, boolean locked) {
        long h = prepare(cpu, seg, off, size);
        if (locked) {
            while (true) {
                long a = read(cpu, h, seg, off, size);
                long r = RmwOps.compute(cpu, op, size, a, b, c);
                if (cas(cpu, h, seg, off, size, a, r) == a) {
                    return;
                }
            }
        }
        long a = read(cpu, h, seg, off, size);
        write(cpu, h, seg, off, size, RmwOps.compute(cpu, op, size, a, b, c));
    }

    /**
     * Atomic compare-and-exchange on a prepared operand (LOCK): returns the value found, which
     * equals {@code expect} when {@code update} was stored.
     */
    public static long cas(Cpu cpu, long handle, int seg, long off, int size, long expect, long update) {
        long m = Flags.mask(size);
        if (handle >= 0 && cpu.ram.contains(handle, size)) {
            long found = cpu.ram.compareAndExchange(handle, size, expect & m, update & m);
            if (cpu.memoryHooks != null && found == (expect & m)) {
                cpu.memoryHooks.write(cpu, handle, size, update & m);
            }
            return found;
        }
        return Mem.compareAndExchange(cpu, seg, off, size, expect & m, update & m);
    }
}
