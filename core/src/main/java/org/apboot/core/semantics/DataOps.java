package org.apboot.core.semantics;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.fault.CpuException;

/**
 * Data movement with a twist: MOVZX/MOVSX/MOVSXD, CBW/CWDE/CDQE, CWD/CDQ/CQO, LAHF/SAHF,
 * CMPXCHG, CMPXCHG8B/16B and atomic exchange helpers.
 *
 * <p>LOCK-prefixed forms and XCHG with memory are atomic across host threads: they go through
 * {@link Rmw#cas} (a hardware compare-and-set on RAM) in a retry loop.
 */
public final class DataOps {
    private DataOps() {
    }

    /** MOVZX: the low {@code srcSize} bytes, zero-extended. */
    public static long movzx(int srcSize, long v) {
        return v & Flags.mask(srcSize);
    }

    /** MOVSX/MOVSXD: the low {@code srcSize} bytes, sign-extended to 64 bits. */
    public static long movsx(int srcSize, long v) {
        return Flags.signExtend(v, srcSize);
    }

    /** CBW/CWDE/CDQE: the new rAX (at {@code size}) from the old rAX. */
    public static long cbw(int size, long rax) {
        return Flags.signExtend(rax, size / 2) & Flags.mask(size);
    }

    /** CWD/CDQ/CQO: the new rDX (at {@code size}): the sign of rAX at {@code size}, replicated. */
    public static long cwd(int size, long rax) {
        return (rax & Flags.signBit(size)) != 0 ? Flags.mask(size) : 0;
    }

    /** LAHF: AH = SF:ZF:0:AF:0:PF:1:CF. */
    public static long lahf(Cpu cpu) {
        return (Flags.arith(cpu) & (Cpu.SF | Cpu.ZF | Cpu.AF | Cpu.PF | Cpu.CF)) | 0x2;
    }

    /** SAHF: loads SF, ZF, AF, PF, CF from AH; OF unchanged. */
    public static void sahf(Cpu cpu, long ah) {
        long which = Cpu.SF | Cpu.ZF | Cpu.AF | Cpu.PF | Cpu.CF;
        Flags.update(cpu, which, ah);
    }

    /**
     * CMPXCHG comparison: flags of CMP accumulator, destination; returns true when they are
     * equal (the source is then stored, otherwise the destination is loaded into the
     * accumulator).
     */
    public static boolean cmpxchgCompare(Cpu cpu, int size, long acc, long dst) {
        Alu.sub(cpu, size, acc, dst);
        return ((acc ^ dst) & Flags.mask(size)) == 0;
    }

    /**
     * Locked CMPXCHG on a prepared memory operand: atomically stores {@code src} if the operand
     * equals {@code acc}; records the flags and returns the value found.
     */
    public static long cmpxchgLocked(Cpu cpu, long handle, int seg, long off, int size, long acc, long src) {
        long found = Rmw.cas(cpu, handle, seg, off, size, acc, src);
        cmpxchgCompare(cpu, size, acc, found);
        return found;
    }

    /** Atomic exchange of a prepared memory operand; returns the old value (XCHG, always locked). */
    public static long exchangeLocked(Cpu cpu, long handle, int seg, long off, int size, long v) {
        while (true) {
            long old = Rmw.read(cpu, handle, seg, off, size);
            if (Rmw.cas(cpu, handle, seg, off, size, old, v) == old) {
                return old;
            }
        }
    }

    /**
     * Locked XADD on a prepared memory operand: atomically adds {@code src}; records the flags
     * of the addition and returns the old value (which goes to the source register).
     */
    public static long xaddLocked(Cpu cpu, long handle, int seg, long off, int size, long src) {
        while (true) {
            long old = Rmw.read(cpu, handle, seg, off, size);
            long sum = Alu.add(cpu, size, old, src);
            if (Rmw.cas(cpu, handle, seg, off, size, old, sum) == old) {
                return old;
            }
        }
    }

    /**
     * CMPXCHG8B: compares EDX:EAX ({@code expect}) with the 8-byte operand and, if equal, stores
     * ECX:EBX ({@code update}). Sets ZF only (other flags kept); returns the value found.
     * Always atomic (hardware performs the access locked or not, and a CAS costs little more).
     */
    public static long cmpxchg8b(Cpu cpu, long handle, int seg, long off, long expect, long update) {
        long found = Rmw.cas(cpu, handle, seg, off, 8, expect, update);
        Flags.update(cpu, Cpu.ZF, found == expect ? Cpu.ZF : 0);
        return found;
    }

    /**
     * CMPXCHG16B: compares RDX:RAX with the 16-byte operand at {@code off} (16-byte aligned,
     * else #GP(0)) and, if equal, stores RCX:RBX. Sets ZF; writes the found value into
     * {@code found[0]} (low) and {@code found[1]} (high) for the caller to load on failure.
     * There is no 128-bit host compare-and-set: it runs as an exclusive locked operation
     * ({@code PhysicalMemory.exclusive}), atomic with respect to every other locked operation.
     */
    public static boolean cmpxchg16b(Cpu cpu, int seg, long off, long expLo, long expHi,
                                     long newLo, long newHi, long[] found) {
        if ((off & 15) != 0) {
            throw CpuException.gp(0, "cmpxchg16b operand not 16-byte aligned");
        }
        long h = Rmw.prepare(cpu, seg, off, 8);
        long h2 = Rmw.prepare(cpu, seg, off + 8, 8);
        boolean eq = cpu.ram.exclusive(() -> {
            long lo = Rmw.read(cpu, h, seg, off, 8);
            long hi = Rmw.read(cpu, h2, seg, off + 8, 8);
            boolean same = lo == expLo && hi == expHi;
            if (same) {
                Rmw.write(cpu, h, seg, off, 8, newLo);
                Rmw.write(cpu, h2, seg, off + 8, 8, newHi);
            }
            found[0] = lo;
            found[1] = hi;
            return same ? 1 : 0;
        }) != 0;
        Flags.update(cpu, Cpu.ZF, eq ? Cpu.ZF : 0);
        return eq;
    }

    /**
     * CMOVcc result: {@code src} when the condition holds, else {@code dst}. The source is read
     * (and may fault) either way; with a 32-bit operand the destination register is written
     * (zero-extended) even when the condition is false, which the caller does by always
     * writing the returned value.
     */
    public static long cmov(Cpu cpu, int cc, long dst, long src) {
        return Flags.cond(cpu, cc) ? src : dst;
    }

    /** SETcc: 1 when condition {@code cc} holds, else 0. */
    public static long setcc(Cpu cpu, int cc) {
        return Flags.cond(cpu, cc) ? 1 : 0;
    }

    /** XLAT: AL = [seg:(rBX + AL)] with the address wrapped to {@code addrSize}. */
    public static long xlat(Cpu cpu, int seg, int addrSize) {
        long off = (cpu.r[Cpu.RBX] + (cpu.r[Cpu.RAX] & 0xFF)) & Flags.mask(addrSize);
        return Mem.read(cpu, seg, off, 1);
    }
}
