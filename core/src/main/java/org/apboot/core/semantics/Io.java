package org.apboot.core.semantics;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.Mmu;
import org.apboot.core.cpu.Segment;
import org.apboot.core.decode.Insn;
import org.apboot.core.fault.CpuException;

/**
 * IN, OUT, INS and OUTS through {@link Cpu#io}, with the protected-mode I/O permission check
 * (SDM vol. 1 section 19.5): when CPL &gt; IOPL, or in virtual-8086 mode, every byte of the access
 * must have a clear bit in the TSS I/O permission bitmap.
 *
 * <p>String forms with REP run at most {@link Strings#ITERATIONS_PER_STEP} iterations per call
 * (returning false when more remain: the engine re-executes the instruction), updating rCX and
 * rDI/rSI after every element, so a fault part-way leaves the registers describing the remaining work and the
 * instruction restarts where it stopped, as on hardware. INS checks the destination before
 * reading the port, so a faulting store never swallows a port read.
 */
public final class Io {
    private Io() {
    }

    /** IOPL from RFLAGS. */
    public static int iopl(Cpu cpu) {
        return (int) (cpu.sysFlags >>> 12) & 3;
    }

    /** True when an access needs the TSS bitmap: protected mode with CPL &gt; IOPL, or v86. */
    public static boolean needsBitmap(Cpu cpu) {
        return cpu.protectedMode() && (cpu.v86() || cpu.cpl > iopl(cpu));
    }

    /**
     * Checks that {@code size} ports starting at {@code port} are accessible; #GP(0) otherwise.
     */
    public static void checkPermission(Cpu cpu, int port, int size) {
        if (!needsBitmap(cpu)) {
            return;
        }
        Segment tr = cpu.tr;
        int type = tr.attrs & Segment.TYPE_MASK;
        String where = String.format("I/O port 0x%x at CPL %d, IOPL %d", port, cpu.cpl, iopl(cpu));
        if ((tr.attrs & Segment.S) != 0 || (type != 9 && type != 0xB) || !tr.present()) {
            throw CpuException.gp(0, where + ": TR is not a 32/64-bit TSS, no I/O bitmap");
        }
        if (tr.limit < 0x67) {
            throw CpuException.gp(0, where + ": TSS limit 0x" + Long.toHexString(tr.limit) + " below the I/O map base field");
        }
        long mapBase = Mem.readSystem(cpu, tssAddress(cpu, tr.base + 0x66), 2);
        long byteOff = mapBase + (port >>> 3);
        if (byteOff + 1 > tr.limit) {
            throw CpuException.gp(0, where + ": I/O bitmap byte beyond the TSS limit");
        }
        long bits = Mem.readSystem(cpu, tssAddress(cpu, tr.base + byteOff), 2);
        long mask = ((1L << size) - 1) << (port & 7);
        if ((bits & mask) != 0) {
            throw CpuException.gp(0, where + ": denied by the TSS I/O permission bitmap");
        }
    }

    private static long tssAddress(Cpu cpu, long lin) {
        return cpu.longModeActive() ? lin : lin & 0xFFFF_FFFFL;
    }

    /** IN: reads {@code size} bytes from {@code port} after the permission check. */
    public static long in(Cpu cpu, int port, int size) {
        port &= 0xFFFF;
        checkPermission(cpu, port, size);
        return cpu.io.in(cpu.index, port, size) & mask(size);
    }

    /** OUT: writes {@code size} bytes to {@code port} after the permission check. */
    public static void out(Cpu cpu, int port, int size, long v) {
        port &= 0xFFFF;
        checkPermission(cpu, port, size);
        cpu.io.out(cpu.index, port, size, (int) (v & mask(size)));
    }

    private static long mask(int size) {
        return size == 4 ? 0xFFFF_FFFFL : (1L << (8 * size)) - 1;
    }

    // ---------------------------------------------------------------- string forms

    private static long addrMask(int addrSize) {
        return addrSize == 8 ? -1L : addrSize == 4 ? 0xFFFF_FFFFL : 0xFFFF;
    }

    private static long step(Cpu cpu, int size) {
        return (cpu.sysFlags & Cpu.DF) != 0 ? -size : size;
    }

    /** INS/INSB/INSW/INSD: port DX to ES:rDI, {@code rep} as encoded (any REP prefix repeats). */
    public static boolean ins(Cpu cpu, int size, int addrSize, int rep) {
        int port = (int) (cpu.r[Cpu.RDX] & 0xFFFF);
        long am = addrMask(addrSize);
        boolean repeat = rep != Insn.REP_NONE;
        if (repeat && (cpu.r[Cpu.RCX] & am) == 0) {
            return true;
        }
        checkPermission(cpu, port, size);
        boolean user = cpu.cpl == 3;
        long budget = Strings.ITERATIONS_PER_STEP;
        do {
            if (budget-- == 0) {
                return false;
            }
            long di = cpu.r[Cpu.RDI] & am;
            long lin = Mem.linear(cpu, Insn.ES, di, size, true);
            cpu.mmu.translate(lin, Mmu.WRITE, user);
            cpu.mmu.translate(lin + size - 1, Mmu.WRITE, user);
            long v = cpu.io.in(cpu.index, port, size) & mask(size);
            Mem.writeLinear(cpu, lin, size, v, user);
            cpu.setReg(Cpu.RDI, addrSize, di + step(cpu, size));
            if (repeat) {
                cpu.setReg(Cpu.RCX, addrSize, (cpu.r[Cpu.RCX] & am) - 1);
            }
        } while (repeat && (cpu.r[Cpu.RCX] & am) != 0);
        return true;
    }

    /** OUTS/OUTSB/OUTSW/OUTSD: {@code seg}:rSI to port DX. */
    public static boolean outs(Cpu cpu, int size, int addrSize, int seg, int rep) {
        int port = (int) (cpu.r[Cpu.RDX] & 0xFFFF);
        long am = addrMask(addrSize);
        boolean repeat = rep != Insn.REP_NONE;
        if (repeat && (cpu.r[Cpu.RCX] & am) == 0) {
            return true;
        }
        checkPermission(cpu, port, size);
        long budget = Strings.ITERATIONS_PER_STEP;
        do {
            if (budget-- == 0) {
                return false;
            }
            long si = cpu.r[Cpu.RSI] & am;
            long v = Mem.read(cpu, seg, si, size);
            cpu.io.out(cpu.index, port, size, (int) v);
            cpu.setReg(Cpu.RSI, addrSize, si + step(cpu, size));
            if (repeat) {
                cpu.setReg(Cpu.RCX, addrSize, (cpu.r[Cpu.RCX] & am) - 1);
            }
        } while (repeat && (cpu.r[Cpu.RCX] & am) != 0);
        return true;
    }
}
