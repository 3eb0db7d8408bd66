package org.apboot.core.cpu;

import org.apboot.core.mem.IoBus;
import org.apboot.core.mem.MmioBus;
import org.apboot.core.mem.PhysicalMemory;

/**
 * The architectural state of one logical processor, plus the buses it reaches.
 *
 * <p>Plain mutable fields: a vCPU is only ever run by one host thread at a time (the machine's
 * scheduler hands it over with a happens-before edge), so none of this needs to be volatile.
 * Anything that changes how instructions decode or behave must be followed by
 * {@link #updateMode()}, which recomputes {@link #modeKey}, {@link #codeSize} and {@link #cpl}.
 */
public final class Cpu extends FlagState {
    // general registers
    public static final int RAX = 0, RCX = 1, RDX = 2, RBX = 3, RSP = 4, RBP = 5, RSI = 6, RDI = 7;
    // CR0 bits
    public static final long CR0_PE = 1, CR0_MP = 1 << 1, CR0_EM = 1 << 2, CR0_TS = 1 << 3,
            CR0_ET = 1 << 4, CR0_NE = 1 << 5, CR0_WP = 1 << 16, CR0_AM = 1 << 18,
            CR0_NW = 1L << 29, CR0_CD = 1L << 30, CR0_PG = 1L << 31;
    // CR4 bits
    public static final long CR4_VME = 1, CR4_PVI = 1 << 1, CR4_TSD = 1 << 2, CR4_DE = 1 << 3,
            CR4_PSE = 1 << 4, CR4_PAE = 1 << 5, CR4_MCE = 1 << 6, CR4_PGE = 1 << 7,
            CR4_PCE = 1 << 8, CR4_OSFXSR = 1 << 9, CR4_OSXMMEXCPT = 1 << 10, CR4_UMIP = 1 << 11,
            CR4_LA57 = 1 << 12, CR4_FSGSBASE = 1 << 16, CR4_PCIDE = 1 << 17, CR4_SMEP = 1 << 20,
            CR4_SMAP = 1 << 21;
    // EFER bits
    public static final long EFER_SCE = 1, EFER_LME = 1 << 8, EFER_LMA = 1 << 10, EFER_NXE = 1 << 11;
    // RFLAGS bits
    public static final long CF = 1, PF = 1 << 2, AF = 1 << 4, ZF = 1 << 6, SF = 1 << 7, TF = 1 << 8,
            IF = 1 << 9, DF = 1 << 10, OF = 1 << 11, IOPL = 3 << 12, NT = 1 << 14, RF = 1 << 16,
            VM = 1 << 17, AC = 1 << 18, VIF = 1 << 19, VIP = 1 << 20, ID = 1 << 21;
    /** The six arithmetic flags. */
    public static final long ARITH_FLAGS = CF | PF | AF | ZF | SF | OF;

    // mode-key bits
    public static final int MK_PE = 1, MK_PG = 1 << 1, MK_LMA = 1 << 2, MK_CS_D = 1 << 3,
            MK_CS_L = 1 << 4, MK_SS_B = 1 << 5, MK_CPL_SHIFT = 6, MK_PAE = 1 << 8,
            MK_LA57 = 1 << 9, MK_VM = 1 << 10, MK_TDX = 1 << 11;

    /** Index of this vCPU in its machine (0 = BSP). */
    public final int index;
    public int apicId;

    public final long[] r = new long[16];
    public long rip;

    public final Segment[] seg = {new Segment(), new Segment(), new Segment(), new Segment(),
        new Segment(), new Segment()};
    public final Segment ldtr = new Segment();
    public final Segment tr = new Segment();
    public long gdtrBase, idtrBase;
    public int gdtrLimit, idtrLimit;

    public long cr0, cr2, cr3, cr4, cr8;
    public final long[] dr = new long[8];
    public long efer;

    // architectural MSRs the core owns
    public long kernelGsBase, star, lstar, cstar, sfmask, sysenterCs, sysenterEsp, sysenterEip;
    public long miscEnable = 1; // fast-strings enabled
    public long tscAux;
    /** PAT at power-on (SDM vol. 3 table 13-12); INIT leaves PAT as it is. */
    public static final long PAT_POWER_ON = 0x0007_0406_0007_0406L;
    /** IA32_PAT and IA32_MTRR_DEF_TYPE when the platform does not own them (INIT keeps both). */
    public long pat = PAT_POWER_ON, mtrrDefType;
    public long tscOffset;
    /**
     * Clock ticks skipped while halted waiting for the local APIC timer: the vCPU's clock (and
     * TSC) is its retired instructions plus these, so idle time passes without host time.
     */
    public long idleTicks;

    // derived mode state, refreshed by updateMode()
    public int modeKey;
    /** Default operand/decoding size of the current code segment: 16, 32 or 64. */
    public int codeSize = 16;
    public int cpl;

    // execution state
    public boolean halted;
    /** Set once a triple fault (or a fault the platform cannot deliver) shut the CPU down. */
    public boolean shutdown;
    /**
     * Blocks maskable interrupts for one instruction after STI / MOV SS / POP SS. Engines clear
     * it when they start the next block, so an event is never taken right after the instruction
     * that set it (at worst one block later, which the architecture allows).
     */
    public boolean interruptShadow;
    /** DR6 bits of a debug trap to deliver at the next instruction boundary (see {@code semantics.Debug}). */
    public long pendingDebug;
    /** DR7 arms an instruction breakpoint / a data breakpoint. */
    public boolean insnBreakpoints, dataBreakpoints;
    /**
     * Breakpoints are armed or a debug trap is pending: engines then run one instruction at a
     * time with the debug checks (they do so as well while RFLAGS.TF or RF is set).
     */
    public boolean debugActive;
    /** Set when an NMI is delivered; cleared by IRET (NMIs are blocked in between). */
    public boolean nmiBlocked;
    /**
     * {@link #events} bits: a maskable interrupt or an NMI may be pending; an INIT arrived (the
     * engine returns {@code ExitReason.INIT} and the machine resets the CPU).
     */
    public static final int EVENT_INTR = 1, EVENT_NMI = 2, EVENT_INIT = 4;
    /**
     * External events requested by other vCPUs (IPIs) or the embedder, {@code EVENT_*} bits.
     * Written by any thread ({@link #raiseEvents}); read by this vCPU's engine at block
     * boundaries with opaque access, which costs a plain load but cannot be hoisted out of the
     * run loop. A set bit means "look at the interrupt source", not that an event is certain.
     */
    @SuppressWarnings("unused")
    private int events;
    private static final java.lang.invoke.VarHandle EVENTS;

    static {
        try {
            EVENTS = java.lang.invoke.MethodHandles.lookup().findVarHandle(Cpu.class, "events", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Where maskable interrupts and NMIs come from (the local APIC of a machine's vCPU). */
    public InterruptSource interrupts = InterruptSource.NONE;
    /** Guest instructions retired. */
    public long instructions;
    /** Guest instructions retired per mode, indexed by {@link #modeIndex}. */
    public final long[] modeInstructions = new long[MODE_COUNT];
    /** 0 real16, 1 prot16, 2 prot32, 3 compat, 4 long64, 5 v86; refreshed by updateMode(). */
    public int modeIndex;
    public static final int MODE_COUNT = 6;
    /**
     * Exceptions raised while delivering the current event, oldest first, each rendered as a
     * guest fact ("#GP(0x0) in prot32 at cs:rip 0x8:0x10034: ..."); null until the first fault.
     * Exception delivery empties and refills one {@link org.apboot.core.fault.FaultChain} per
     * CPU (copy it to keep it past the next event); a shut-down CPU keeps the chain that killed it.
     */
    public java.util.List<String> faultChain;
    /** Why the CPU shut down (triple fault and its cause), or null. */
    public String shutdownReason;

    // buses and platform
    public final CpuModel model;
    public final CpuProfile profile;
    public final PhysicalMemory ram;
    public final Mmu mmu;
    /** Page-walk results shared by every vCPU of {@link #ram}. */
    final WalkCache walks;
    public MmioBus mmio = MmioBus.EMPTY;
    public IoBus io = IoBus.EMPTY;
    public MsrHandler msrs = MsrHandler.NONE;
    /** The embedder's CPUID and MSR overrides, or null (the usual case: nothing is asked). */
    public CpuOverrides overrides;
    /** The embedder's memory-access hooks, or null (the usual case: nothing is reported). */
    public MemoryHooks memoryHooks;
    /** The embedder's interrupt handlers, or null (the usual case: every interrupt is delivered). */
    public InterruptTakeover interruptTakeover;

    public Cpu(int index, CpuModel model, CpuProfile profile, PhysicalMemory ram) {
        this.index = index;
        this.model = model;
        this.profile = profile;
        this.ram = ram;
        this.walks = ram.sharedByCpus(WalkCache.class, WalkCache::new);
        this.mmu = new Mmu(this);
        resetToRealMode(0xF000, 0xFFF0);
    }

    /**
     * Puts the CPU in its power-on / INIT state (Intel SDM vol. 3 table 9-1): real mode, CS
     * selector {@code csSelector}, IP {@code ip}, every other register cleared.
     */
    public void resetToRealMode(int csSelector, long ip) {
        java.util.Arrays.fill(r, 0);
        r[RDX] = 0x600 | (model.family << 8 & 0xF00) | (model.model & 0xF) << 4 | model.stepping;
        for (Segment s : seg) {
            s.set(0, 0, 0xFFFF, Segment.P | Segment.S | Segment.TYPE_READ_OR_WRITE | Segment.TYPE_ACCESSED);
        }
        seg[1].set(csSelector & 0xFFFF, (long) (csSelector & 0xFFFF) << 4, 0xFFFF,
                Segment.P | Segment.S | Segment.TYPE_CODE | Segment.TYPE_READ_OR_WRITE | Segment.TYPE_ACCESSED);
        if (csSelector == 0xF000 && ip == 0xFFF0) {
            seg[1].base = 0xFFFF0000L; // reset vector alias
        }
        ldtr.set(0, 0, 0xFFFF, Segment.P | 0x2);
        tr.set(0, 0, 0xFFFF, Segment.P | 0xB);
        gdtrBase = idtrBase = 0;
        gdtrLimit = idtrLimit = 0xFFFF;
        rip = ip;
        cr0 = CR0_ET | CR0_CD | CR0_NW;
        cr2 = cr3 = cr4 = cr8 = 0;
        java.util.Arrays.fill(dr, 0);
        nmiBlocked = false;
        pendingDebug = 0;
        insnBreakpoints = dataBreakpoints = debugActive = false;
        dr[6] = 0xFFFF0FF0L;
        dr[7] = 0x400;
        efer = 0;
        flagOp = 0;
        flagBits = 0;
        sysFlags = 0x2;
        halted = false;
        shutdown = false;
        interruptShadow = false;
        updateMode();
    }

    /**
     * A STARTUP IPI's effect on a vCPU waiting for one: execution begins at {@code vector}:0000
     * in real mode (CS selector {@code vector << 8}, base {@code vector << 12}). Only CS and RIP
     * change; the rest is the state INIT left, as on hardware.
     */
    public void startAt(int vector) {
        Segment cs = seg[1];
        cs.selector = (vector & 0xFF) << 8;
        cs.base = (long) (vector & 0xFF) << 12;
        rip = 0;
    }

    /** Requests events ({@code EVENT_*} bits) from any thread, with a full fence. */
    public void raiseEvents(int bits) {
        EVENTS.getAndBitwiseOr(this, bits);
    }

    /** Drops event requests ({@code EVENT_*} bits) before looking at the source. */
    public void clearEvents(int bits) {
        EVENTS.getAndBitwiseAnd(this, ~bits);
    }

    /** The requested events, {@code EVENT_*} bits (opaque read: cheap, never hoisted). */
    public int events() {
        return (int) EVENTS.getOpaque(this);
    }

    /** The requested events, read with volatile semantics (for wake-up decisions). */
    public int eventsVolatile() {
        return (int) EVENTS.getVolatile(this);
    }

    /**
     * True when a requested event could be taken at an instruction boundary now, the interrupt
     * shadow aside: an NMI while NMIs are not blocked, or a maskable interrupt with RFLAGS.IF set.
     */
    public boolean eventDeliverable() {
        return canTake(events());
    }

    /** True when one of the requested {@code events} could be taken in the current state. */
    public boolean canTake(int events) {
        return events != 0 && ((events & EVENT_INIT) != 0 || ((events & EVENT_NMI) != 0 && !nmiBlocked)
                || ((events & EVENT_INTR) != 0 && (sysFlags & IF) != 0));
    }

    /**
     * Recomputes {@link #modeKey}, {@link #codeSize} and {@link #cpl} from CR0, CR4, EFER, RFLAGS.VM
     * and the CS/SS caches, and tells the MMU that translation state may have changed. Call after
     * any change to those.
     */
    public void updateMode() {
        boolean pe = (cr0 & CR0_PE) != 0;
        boolean vm = (sysFlags & VM) != 0;
        boolean lma = (efer & EFER_LMA) != 0;
        Segment cs = seg[1];
        if (!pe) {
            cpl = 0;
        } else if (vm) {
            cpl = 3;
        } else {
            cpl = cs.selector & 3;
        }
        if (lma && cs.longMode()) {
            codeSize = 64;
        } else if (pe && !vm && cs.db()) {
            codeSize = 32;
        } else {
            codeSize = 16;
        }
        int k = 0;
        if (pe) k |= MK_PE;
        if ((cr0 & CR0_PG) != 0) k |= MK_PG;
        if (lma) k |= MK_LMA;
        if (codeSize == 32) k |= MK_CS_D;
        if (codeSize == 64) k |= MK_CS_L;
        if (seg[2].db()) k |= MK_SS_B;
        k |= cpl << MK_CPL_SHIFT;
        if ((cr4 & CR4_PAE) != 0) k |= MK_PAE;
        if ((cr4 & CR4_LA57) != 0) k |= MK_LA57;
        if (vm) k |= MK_VM;
        if (profile.tdx) k |= MK_TDX;
        modeKey = k;
        if (!pe) {
            modeIndex = 0;
        } else if (vm) {
            modeIndex = 5;
        } else if (lma) {
            modeIndex = codeSize == 64 ? 4 : 3;
        } else {
            modeIndex = codeSize == 32 ? 2 : 1;
        }
    }

    /**
     * The linear address of code at offset {@code offset} in CS: CS base plus offset, truncated
     * to 32 bits outside 64-bit mode.
     */
    public long codeLinear(long offset) {
        long linear = seg[1].base + offset;
        return codeSize == 64 ? linear : linear & 0xFFFF_FFFFL;
    }

    public boolean protectedMode() {
        return (cr0 & CR0_PE) != 0;
    }

    public boolean longModeActive() {
        return (efer & EFER_LMA) != 0;
    }

    public boolean v86() {
        return (sysFlags & VM) != 0;
    }

    /** Stack address size in bytes (8 in 64-bit mode, else 4 or 2 by SS.B). */
    public int stackAddrSize() {
        if (codeSize == 64) {
            return 8;
        }
        return seg[2].db() && protectedMode() && !v86() ? 4 : 2;
    }

    /**
     * Human name of the current mode: real16, v86, prot16, prot32 (with "+paging" when paging is
     * on), compat16, compat32, long64. A constant string: fault records keep it without copying.
     */
    public String modeName() {
        if (!protectedMode()) {
            return "real16";
        }
        if (v86()) {
            return "v86";
        }
        if (longModeActive()) {
            return codeSize == 64 ? "long64" : codeSize == 32 ? "compat32" : "compat16";
        }
        boolean paging = (cr0 & CR0_PG) != 0;
        if (codeSize == 32) {
            return paging ? "prot32+paging" : "prot32";
        }
        return paging ? "prot16+paging" : "prot16";
    }

    /** Scratch for a stack frame being built; see {@link #frame}. Made on first use. */
    private long[] frame;

    /**
     * A scratch array of at least {@code n} longs for the values of a stack frame (far call,
     * event delivery) that is filled and pushed at once: this CPU's thread uses it for one frame
     * at a time, so a far call or a delivered fault allocates nothing. Made on the first call,
     * so the vCPUs that never build a frame (an AP's bring-up) do not carry it.
     */
    public long[] frame(int n) {
        long[] f = frame;
        if (f == null || f.length < n) {
            f = new long[Math.max(n, 12)];
            frame = f;
        }
        return f;
    }

    /** Reads general register {@code reg} (0-15, or Insn.AH..BH) at {@code size} bytes, zero-extended. */
    public long getReg(int reg, int size) {
        if (reg >= 16) {
            return (r[reg - 16] >>> 8) & 0xFF;
        }
        long v = r[reg];
        switch (size) {
            case 1: return v & 0xFF;
            case 2: return v & 0xFFFF;
            case 4: return v & 0xFFFF_FFFFL;
            default: return v;
        }
    }

    /**
     * Writes general register {@code reg} at {@code size} bytes with the architectural merge rules:
     * 8- and 16-bit writes keep the upper bits, 32-bit writes zero-extend to 64.
     */
    public void setReg(int reg, int size, long v) {
        if (reg >= 16) {
            int i = reg - 16;
            r[i] = (r[i] & ~0xFF00L) | ((v & 0xFF) << 8);
            return;
        }
        r[reg] = merge(r[reg], size, v);
    }

    /**
     * The new value of a general register {@code old} after writing {@code v} at {@code size}
     * bytes: 8- and 16-bit writes keep the upper bits, 32-bit writes zero-extend to 64.
     */
    public static long merge(long old, int size, long v) {
        switch (size) {
            case 1: return (old & ~0xFFL) | (v & 0xFF);
            case 2: return (old & ~0xFFFFL) | (v & 0xFFFF);
            case 4: return v & 0xFFFF_FFFFL;
            default: return v;
        }
    }

    /** The low {@code size} bytes of register value {@code v}, zero-extended. */
    public static long low(long v, int size) {
        switch (size) {
            case 1: return v & 0xFF;
            case 2: return v & 0xFFFF;
            case 4: return v & 0xFFFF_FFFFL;
            default: return v;
        }
    }
}
