package org.apboot.core.semantics;

import org.apboot.core.cpu.Cpu;

/**
 * Debug exceptions raised by the processor itself (Intel SDM vol. 3 chapter 18): single-step
 * traps (RFLAGS.TF), the task-switch trap (the T bit of a 32-bit TSS), instruction breakpoints
 * (faults) and data breakpoints (traps) in DR0-DR3 armed through DR7. The general-detect fault
 * (DR7.GD) is raised by {@link ControlRegs}.
 *
 * <p>Engines run an instruction at a time while {@link Cpu#debugActive} is set or RFLAGS has TF
 * or RF: they ask {@link #instructionHits} before an instruction, add {@link #DR6_BS} after one
 * that began with TF set (software interrupts excepted), and deliver #DB with the bits of
 * {@link Cpu#pendingDebug} once the instruction completed and no MOV SS / POP SS shadow holds it
 * back. Data accesses report into {@link Cpu#pendingDebug} through {@link #dataAccess}.
 *
 * <p>Not modelled: I/O breakpoints (RW = 10 with CR4.DE), and a data breakpoint hit in the middle
 * of a REP string instruction is reported after the whole instruction, not after the iteration.
 */
public final class Debug {
    private Debug() {
    }

    /** DR6 status bits: breakpoint conditions 0-3, debug-register access, single step, task switch. */
    public static final long DR6_B0 = 1, DR6_BD = ControlRegs.DR6_BD, DR6_BS = 1L << 14, DR6_BT = 1L << 15;
    /** DR7 local enables (L0-L3) and LE, cleared by hardware task switches. */
    static final long DR7_LOCAL = 0x55 | 1L << 8;

    private static final int RW_EXECUTE = 0, RW_WRITE = 1, RW_IO = 2;

    private static boolean enabled(long dr7, int i) {
        return ((dr7 >>> (2 * i)) & 3) != 0;
    }

    private static int rw(long dr7, int i) {
        return (int) (dr7 >>> (16 + 4 * i)) & 3;
    }

    /** Breakpoint length in bytes from its LEN field: 00 = 1, 01 = 2, 10 = 8, 11 = 4. */
    private static int length(long dr7, int i) {
        switch ((int) (dr7 >>> (18 + 4 * i)) & 3) {
            case 0: return 1;
            case 1: return 2;
            case 2: return 8;
            default: return 4;
        }
    }

    /** Recomputes the armed-breakpoint flags after DR7 (or a task switch) changed it. */
    public static void dr7Changed(Cpu cpu) {
        long dr7 = cpu.dr[7];
        boolean insn = false, data = false;
        for (int i = 0; i < 4; i++) {
            if (enabled(dr7, i)) {
                int rw = rw(dr7, i);
                insn |= rw == RW_EXECUTE;
                data |= rw == RW_WRITE || rw == 3;
            }
        }
        cpu.insnBreakpoints = insn;
        cpu.dataBreakpoints = data;
        refresh(cpu);
    }

    /** Keeps {@link Cpu#debugActive} in step with the breakpoints and the pending trap. */
    public static void refresh(Cpu cpu) {
        cpu.debugActive = cpu.insnBreakpoints || cpu.dataBreakpoints || cpu.pendingDebug != 0;
    }

    /** Requests a debug trap with DR6 bits {@code bits} at the next instruction boundary. */
    public static void requestTrap(Cpu cpu, long bits) {
        cpu.pendingDebug |= bits;
        cpu.debugActive = true;
    }

    /** DR6 B bits of the enabled instruction breakpoints at linear address {@code linear}. */
    public static long instructionHits(Cpu cpu, long linear) {
        long dr7 = cpu.dr[7];
        long hits = 0;
        long mask = cpu.codeSize == 64 ? -1L : 0xFFFF_FFFFL;
        for (int i = 0; i < 4; i++) {
            if (enabled(dr7, i) && rw(dr7, i) == RW_EXECUTE && ((cpu.dr[i] ^ linear) & mask) == 0) {
                hits |= DR6_B0 << i;
            }
        }
        return hits;
    }

    /**
     * A data access of {@code size} bytes at {@code linear}: records the enabled data breakpoints
     * whose (length-aligned) range it overlaps, reported as a trap after the instruction.
     */
    public static void dataAccess(Cpu cpu, long linear, int size, boolean write) {
        long dr7 = cpu.dr[7];
        long hits = 0;
        for (int i = 0; i < 4; i++) {
            int rw = rw(dr7, i);
            if (!enabled(dr7, i) || rw == RW_EXECUTE || rw == RW_IO || (rw == RW_WRITE && !write)) {
                continue;
            }
            int len = length(dr7, i);
            long start = cpu.dr[i] & -len;
            if (linear < start + len && start < linear + size) {
                hits |= DR6_B0 << i;
            }
        }
        if (hits != 0) {
            requestTrap(cpu, hits);
        }
    }

    /** Takes the pending trap's DR6 bits (they are set in DR6 as the #DB is delivered). */
    public static long takePending(Cpu cpu) {
        long bits = cpu.pendingDebug;
        cpu.pendingDebug = 0;
        refresh(cpu);
        cpu.dr[6] |= bits;
        return bits;
    }
}
