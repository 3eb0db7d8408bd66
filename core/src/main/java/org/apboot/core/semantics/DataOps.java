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

    // ---------------------------------------------------------------- whole instructions on Cpu state

    /**
     * XCHG with a memory operand (always locked): the register's value is stored atomically and
     * the old memory value then goes to register {@code reg} (so a faulting store leaves the
     * register as it was).
     */
    public static void xchgMemory(Cpu cpu, int seg, long off, int size, int reg) {
        long v = cpu.getReg(reg, size);
        long h = Rmw.prepare(cpu, seg, off, size);
        cpu.setReg(reg, size, exchangeLocked(cpu, h, seg, off, size, v));
    }

    /** XCHG of two registers: both read before either is written. */
    public static void xchgRegisters(Cpu cpu, int a, int b, int size) {
        long va = cpu.getReg(a, size);
        long vb = cpu.getReg(b, size);
        cpu.setReg(a, size, vb);
        cpu.setReg(b, size, va);
    }

    /**
     * CMPXCHG with a memory destination: compares the accumulator with {@code seg:off}; equal:
     * ZF = 1 and {@code src} is stored; not equal: ZF = 0, the operand is written back with its
     * own value (the access is a write either way, SDM CMPXCHG) and the accumulator is loaded
     * with it. The accumulator is not written when they are equal, so its upper half survives a
     * 32-bit compare. {@code locked}: one atomic compare-and-set.
     */
    public static void cmpxchgMemory(Cpu cpu, int seg, long off, int size, long src, boolean locked) {
        long acc = cpu.getReg(Cpu.RAX, size);
        long h = Rmw.prepare(cpu, seg, off, size);
        long found;
        if (locked) {
            found = cmpxchgLocked(cpu, h, seg, off, size, acc, src);
        } else {
            found = Rmw.read(cpu, h, seg, off, size);
            boolean eq = cmpxchgCompare(cpu, size, acc, found);
            Rmw.write(cpu, h, seg, off, size, eq ? src : found);
        }
        if (found != acc) {
            cpu.setReg(Cpu.RAX, size, found);
        }
    }

    /**
     * CMPXCHG with a register destination {@code dst}: equal: ZF = 1 and {@code dst} = src; not
     * equal: ZF = 0 and the accumulator is loaded from {@code dst}, which is left untouched,
     * upper half included, as the AMD host of the oracle tests does (Intel documents a
     * write-back, which would zero-extend a 32-bit register).
     */
    public static void cmpxchgRegister(Cpu cpu, int dst, int size, long src) {
        long acc = cpu.getReg(Cpu.RAX, size);
        long d = cpu.getReg(dst, size);
        if (cmpxchgCompare(cpu, size, acc, d)) {
            cpu.setReg(dst, size, src);
        } else {
            cpu.setReg(Cpu.RAX, size, d);
        }
    }

    /**
     * XADD with a memory destination: {@code seg:off} += register {@code src}, with the flags of
     * the addition, then register {@code src} = the old operand. {@code locked}: a
     * compare-and-set retry loop.
     */
    public static void xaddMemory(Cpu cpu, int seg, long off, int size, int src, boolean locked) {
        long s = cpu.getReg(src, size);
        long h = Rmw.prepare(cpu, seg, off, size);
        long old;
        if (locked) {
            old = xaddLocked(cpu, h, seg, off, size, s);
        } else {
            old = Rmw.read(cpu, h, seg, off, size);
            Rmw.write(cpu, h, seg, off, size, Alu.add(cpu, size, old, s));
        }
        cpu.setReg(src, size, old);
    }

    /**
     * XADD with a register destination: the source register gets the old destination first and
     * the destination the sum second, so XADD r, r (the same register) ends with the sum.
     */
    public static void xaddRegister(Cpu cpu, int dst, int src, int size) {
        long s = cpu.getReg(src, size);
        long d = cpu.getReg(dst, size);
        long sum = Alu.add(cpu, size, d, s);
        cpu.setReg(src, size, d);
        cpu.setReg(dst, size, sum);
    }

    /**
     * CMPXCHG8B m64: compares EDX:EAX with the operand; equal: ECX:EBX is stored and ZF = 1;
     * not equal: ZF = 0 and EDX:EAX is loaded with the operand (each zero-extended in 64-bit
     * mode); other flags kept.
     */
    public static void cmpxchg8bMemory(Cpu cpu, int seg, long off) {
        long h = Rmw.prepare(cpu, seg, off, 8);
        long expect = (cpu.r[Cpu.RDX] << 32) | (cpu.r[Cpu.RAX] & 0xFFFF_FFFFL);
        long update = (cpu.r[Cpu.RCX] << 32) | (cpu.r[Cpu.RBX] & 0xFFFF_FFFFL);
        long found = cmpxchg8b(cpu, h, seg, off, expect, update);
        if (found != expect) {
            cpu.setReg(Cpu.RAX, 4, found);
            cpu.setReg(Cpu.RDX, 4, found >>> 32);
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
     * CMPXCHG16B m128: compares RDX:RAX with the 16-byte operand at {@code off} (16-byte
     * aligned, else #GP(0)); equal: RCX:RBX is stored and ZF = 1; not equal: ZF = 0 and RDX:RAX
     * is loaded with the operand. There is no 128-bit host compare-and-set: it runs as an
     * exclusive locked operation ({@code PhysicalMemory.exclusive}), atomic with respect to
     * every other locked operation. RDX:RAX are written only after the exclusive section, and
     * only on failure.
     */
    public static void cmpxchg16bMemory(Cpu cpu, int seg, long off) {
        if ((off & 15) != 0) {
            throw CpuException.gp(0, "cmpxchg16b operand not 16-byte aligned");
        }
        long h = Rmw.prepare(cpu, seg, off, 8);
        long h2 = Rmw.prepare(cpu, seg, off + 8, 8);
        long expLo = cpu.r[Cpu.RAX], expHi = cpu.r[Cpu.RDX];
        long newLo = cpu.r[Cpu.RBX], newHi = cpu.r[Cpu.RCX];
        long[] found = new long[2]; // CMPXCHG16B is rare; the exclusive section's lambda allocates anyway
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
        if (!eq) {
            cpu.r[Cpu.RAX] = found[0];
            cpu.r[Cpu.RDX] = found[1];
        }
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
