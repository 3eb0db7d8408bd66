package org.apboot.core.semantics;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.Segment;
import org.apboot.core.fault.CpuException;

/**
 * Multi-value pushes for far calls and event delivery, on the current stack or on a stack that is
 * not loaded yet (privilege changes). Every slot is checked against the stack segment before the
 * first byte is written, so a limit violation leaves memory and registers untouched; the caller
 * commits SS and rSP only after the frame is written.
 */
public final class StackFrames {
    private StackFrames() {
    }

    public static long mask(int addrSize) {
        return addrSize == 2 ? 0xFFFF : addrSize == 4 ? 0xFFFF_FFFFL : -1L;
    }

    /**
     * Pushes {@code n} values of {@code width} bytes (first value pushed first) below {@code sp}
     * on the stack with the given cache fields, and returns the new stack pointer (wrapped to
     * {@code addrSize}). Limit/type violations raise #SS({@code ssErr}); in 64-bit frames
     * ({@code addrSize} 8) a non-canonical slot raises #SS({@code ssErr}).
     */
    public static long push(Cpu cpu, long base, long limit, int attrs, int addrSize, long sp, int width,
                            long[] values, int n, boolean user, int ssErr) {
        long m = mask(addrSize);
        long cur = sp & m;
        for (int i = 0; i < n; i++) {
            cur = (cur - width) & m;
            check(cpu, limit, attrs, addrSize, cur, width, ssErr);
        }
        cur = sp & m;
        for (int i = 0; i < n; i++) {
            cur = (cur - width) & m;
            long lin = addrSize == 8 ? cur : (base + cur) & 0xFFFF_FFFFL;
            Mem.writeLinear(cpu, lin, width, values[i], user);
        }
        return cur;
    }

    /**
     * The CPU's frame scratch ({@link Cpu#frame}) holding {@code a}: for {@link #push} right
     * away, before anything else can build a frame.
     */
    public static long[] values(Cpu cpu, long a) {
        long[] f = cpu.frame(1);
        f[0] = a;
        return f;
    }

    /** {@link #values(Cpu, long)} for two values, pushed in this order. */
    public static long[] values(Cpu cpu, long a, long b) {
        long[] f = cpu.frame(2);
        f[0] = a;
        f[1] = b;
        return f;
    }

    /** {@link #values(Cpu, long)} for three values, pushed in this order. */
    public static long[] values(Cpu cpu, long a, long b, long c) {
        long[] f = cpu.frame(3);
        f[0] = a;
        f[1] = b;
        f[2] = c;
        return f;
    }

    /** {@link #values(Cpu, long)} for four values, pushed in this order. */
    public static long[] values(Cpu cpu, long a, long b, long c, long d) {
        long[] f = cpu.frame(4);
        f[0] = a;
        f[1] = b;
        f[2] = c;
        f[3] = d;
        return f;
    }

    /** Pushes onto the current SS:rSP without committing rSP; returns the new stack pointer. */
    public static long pushCurrent(Cpu cpu, int width, long[] values, int n) {
        Segment ss = cpu.seg[org.apboot.core.decode.Insn.SS];
        int as = cpu.stackAddrSize();
        boolean descriptors = (cpu.cr0 & Cpu.CR0_PE) != 0 && !cpu.v86();
        if (!descriptors) {
            // real and v86 mode: plain limit check, #SS(0)
            return push(cpu, ss.base, ss.limit, Segment.P | Segment.S | Segment.TYPE_READ_OR_WRITE, as,
                    cpu.r[Cpu.RSP], width, values, n, cpu.cpl == 3, 0);
        }
        return push(cpu, ss.base, ss.limit, ss.attrs, as, cpu.r[Cpu.RSP], width, values, n, cpu.cpl == 3, 0);
    }

    private static void check(Cpu cpu, long limit, int attrs, int addrSize, long off, int width, int ssErr) {
        if (addrSize == 8) {
            if (!Mem.canonical(cpu, off) || !Mem.canonical(cpu, off + width - 1)) {
                throw CpuException.ss(ssErr, "non-canonical stack address 0x" + Long.toHexString(off));
            }
            return;
        }
        long last = off + width - 1;
        boolean expandDown = (attrs & (Segment.TYPE_CODE | Segment.TYPE_CONFORMING_OR_EXPAND_DOWN))
                == Segment.TYPE_CONFORMING_OR_EXPAND_DOWN;
        if (expandDown) {
            long upper = (attrs & Segment.DB) != 0 ? 0xFFFF_FFFFL : 0xFFFF;
            if (off <= limit || last > upper) {
                throw CpuException.ss(ssErr, String.format("stack slot 0x%x outside expand-down stack segment", off));
            }
        } else if (last > limit) {
            throw CpuException.ss(ssErr, String.format("stack slot 0x%x beyond the stack limit 0x%x", off, limit));
        }
    }

    /** Writes rSP of the (already committed) current stack with its address size. */
    public static void setSp(Cpu cpu, long sp) {
        Stack.setSp(cpu, sp);
    }

    /** Reads {@code width} bytes at {@code depth} above the current rSP (no commit). */
    public static long peek(Cpu cpu, int width, long depth) {
        long m = mask(cpu.stackAddrSize());
        return Mem.read(cpu, org.apboot.core.decode.Insn.SS, (cpu.r[Cpu.RSP] + depth) & m, width);
    }

    /**
     * The whole rSP value after releasing {@code bytes} from the current stack, with the current
     * stack address size (compute before a mode change, assign after).
     */
    public static long spAfter(Cpu cpu, long bytes) {
        long rsp = cpu.r[Cpu.RSP];
        switch (cpu.stackAddrSize()) {
            case 2: return (rsp & ~0xFFFFL) | ((rsp + bytes) & 0xFFFF);
            case 4: return (rsp + bytes) & 0xFFFF_FFFFL;
            default: return rsp + bytes;
        }
    }
}
