package org.apboot.core.interp;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.Mmu;
import org.apboot.core.decode.Insn;
import org.apboot.core.decode.Op;
import org.apboot.core.engine.EngineStats;
import org.apboot.core.engine.EngineWorker;
import org.apboot.core.engine.ExitReason;
import org.apboot.core.engine.RunLoop;
import org.apboot.core.engine.Tracer;
import org.apboot.core.fault.CpuException;
import org.apboot.core.fault.Vectors;
import org.apboot.core.semantics.Debug;
import org.apboot.core.semantics.ExceptionDelivery;

/**
 * The interpreter loop for one host thread: look the block up (per-thread jump cache, then the
 * shared cache, then decode), run its instructions through the executor table, deliver faults.
 */
final class InterpreterWorker implements EngineWorker {
    private static final int JC_BITS = 12;
    private static final int JC_MASK = (1 << JC_BITS) - 1;

    private final BlockCache cache;
    private final EngineStats stats;
    /** Direct-mapped per-thread cache: physical address + mode key to block, no hashing. */
    private final DecodedBlock[] jumpCache = new DecodedBlock[1 << JC_BITS];
    private Tracer tracer;
    private boolean deferStats;
    private long jumpCacheHits;
    private long sharedCacheHits;
    private long linkHits;

    /** The counter of blocks reached through their predecessor's link, without a lookup. */
    static final String LINKED = "linked blocks";

    private final java.util.concurrent.atomic.LongAdder linked;

    InterpreterWorker(BlockCache cache, EngineStats stats) {
        this.cache = cache;
        this.stats = stats;
        this.linked = stats.counter(LINKED);
    }

    @Override
    public void setTracer(Tracer tracer) {
        this.tracer = tracer;
    }

    @Override
    public int run(Cpu cpu, long budget) {
        try {
            return loop(cpu, budget);
        } finally {
            if (!deferStats) {
                flushStatistics();
            }
        }
    }

    @Override
    public void deferStatistics() {
        deferStats = true;
    }

    private int loop(Cpu cpu, long budget) {
        long executed = 0;
        // the last block run and the state its lookup saw: a branch back to its own start (the
        // common loop) re-enters it without translating the fetch address again
        DecodedBlock last = null;
        long lastRip = 0;
        long lastCsBase = 0;
        int lastEpoch = 0;
        // the fetch translation of the last lookup: while the epoch holds, a RIP in the same
        // linear page is in the same physical page, and a block's successor there can be taken
        // from its link without a lookup
        long lastLinearPage = -1;
        long lastPhysPage = 0;
        // the last block ran to its end on registers only and no event was taken since: the
        // mode, CS, paging and debug state are those its lookup saw, so re-entering it needs
        // only the address compare and its validity
        boolean unchanged = false;
        Mmu mmu = cpu.mmu;
        while (true) {
            int at = RunLoop.boundary(cpu, tracer, executed, budget);
            if (at == RunLoop.EVENT_TAKEN) {
                last = null;
                unchanged = false;
                continue;
            }
            if (at != RunLoop.RUN) {
                return at;
            }
            int mode = cpu.modeIndex;
            int done;
            DecodedBlock b;
            boolean again = false;
            if (unchanged && cpu.rip == lastRip && last.valid) {
                b = last;
                jumpCacheHits++;
                again = true;
            } else {
                unchanged = false;
                b = null;
                if (!RunLoop.debugStepping(cpu)) {
                    if (last != null && cpu.modeKey == last.modeKey && cpu.seg[Insn.CS].base == lastCsBase
                            && mmu.unchangedSince(lastEpoch)) {
                        // same mode, no TLB or paging change since the lookup: the lookup would
                        // translate an address of the same linear page to the same physical page
                        if (cpu.rip == lastRip && last.valid) {
                            b = last;
                            jumpCacheHits++;
                        } else {
                            long linear = cpu.codeLinear(cpu.rip);
                            DecodedBlock s = last.successor;
                            if (s != null && (linear >>> 12) == lastLinearPage
                                    && s.phys == (lastPhysPage | (linear & 0xFFF)) && s.modeKey == last.modeKey
                                    && s.secondPage < 0 && s.valid) {
                                b = s;
                                linkHits++;
                            }
                        }
                    }
                    if (b != null) {
                        last = b;
                        lastRip = cpu.rip;
                    } else {
                        long linear = cpu.codeLinear(cpu.rip);
                        try {
                            b = lookup(cpu, linear);
                        } catch (CpuException e) {
                            last = null;
                            raise(cpu, e);
                            executed++; // a delivery uses budget: a fault storm must not hold the thread
                            continue;
                        }
                        if (!b.cached) {
                            last = null;
                        } else {
                            if (last != null && b.secondPage < 0 && (linear >>> 12) == lastLinearPage
                                    && cpu.modeKey == last.modeKey && last.successor != b
                                    && (b.phys >>> 12) == (lastPhysPage >>> 12)) {
                                last.successor = b; // the next run of last links here
                            }
                            last = b;
                            lastRip = cpu.rip;
                            lastCsBase = cpu.seg[Insn.CS].base;
                            lastEpoch = mmu.epoch();
                            lastLinearPage = linear >>> 12;
                            lastPhysPage = b.phys & ~0xFFFL;
                        }
                    }
                }
            }
            if (b == null) {
                last = null;
                done = stepWithDebug(cpu);
            } else if (tracer == null) {
                done = again && lastRunFast ? executeFast(cpu, b, b.insns.length) : execute(cpu, b);
                unchanged = b == last && b.registerOnly && done == b.insns.length;
            } else {
                done = executeTraced(cpu, b, tracer, Integer.MAX_VALUE, true);
            }
            // a block that retired nothing (its first instruction faulted) still uses budget, so
            // a guest that faults for ever in a loop of deliveries returns to the scheduler
            executed += Math.max(1, RunLoop.retire(cpu, mode, done));
            if (done < 0) {
                return ExitReason.PAUSE;
            }
        }
    }

    /**
     * Lookup counters are kept in plain fields while running (an adder update per block costs an
     * atomic operation) and added to the shared statistics when {@link #run} returns.
     */
    @Override
    public void flushStatistics() {
        if (jumpCacheHits != 0) {
            stats.jumpCacheHits.add(jumpCacheHits);
            jumpCacheHits = 0;
        }
        if (sharedCacheHits != 0) {
            stats.sharedCacheHits.add(sharedCacheHits);
            sharedCacheHits = 0;
        }
        if (linkHits != 0) {
            linked.add(linkHits);
            linkHits = 0;
        }
    }

    /** The block at RIP, whose linear address is {@code linear}. */
    private DecodedBlock lookup(Cpu cpu, long linear) {
        long phys = cpu.mmu.translate(linear, Mmu.FETCH, cpu.cpl == 3);
        int key = cpu.modeKey;
        int slot = (int) (phys ^ (phys >>> JC_BITS) ^ ((long) key * 0x9E37)) & JC_MASK;
        DecodedBlock b = jumpCache[slot];
        if (b != null && b.phys == phys && b.modeKey == key && b.valid && BlockCache.holds(cpu, b)) {
            jumpCacheHits++;
            return b;
        }
        b = cache.get(phys, key);
        if (b != null && BlockCache.holds(cpu, b)) {
            sharedCacheHits++;
        } else {
            b = cache.build(cpu, phys);
        }
        if (b.cached) {
            jumpCache[slot] = b;
        }
        return b;
    }

    /** The last {@link #execute} took the path without checks per instruction. */
    private boolean lastRunFast;

    /**
     * Runs the block's instructions. Returns the number retired, negated when the block ended in
     * PAUSE (the machine may park the vCPU).
     */
    private int execute(Cpu cpu, DecodedBlock b) {
        Insn[] insns = b.insns;
        int n = insns.length;
        if (cpu.interruptShadow) {
            n = shadowedLength(cpu, n);
        }
        if (n != insns.length || b.overlong || (cpu.codeSize != 64 && !fitsInCs(cpu, b))) {
            lastRunFast = false;
            return executeChecked(cpu, b, n);
        }
        lastRunFast = true;
        return executeFast(cpu, b, n);
    }

    /**
     * {@link #execute}'s path for a block known to need no checks per instruction: every
     * instruction at most 15 bytes, the whole block inside the CS limit and below the point where
     * RIP wraps, no interrupt shadow to honour. Jcc pairs may run as one step; a Jcc inside the
     * block that is taken ends the run right after it (see {@link DecodedBlock}). A register-only
     * block that branched back to its own start comes here directly when its previous run did
     * ({@link #lastRunFast}): nothing it ran can have changed CS, the mode or the shadow.
     */
    private int executeFast(Cpu cpu, DecodedBlock b, int n) {
        Insn[] insns = b.insns;
        Step[] steps = b.pairedSteps;
        boolean inner = b.innerBranches;
        int k = 0;
        long start = cpu.rip;
        try {
            while (k < n) {
                Insn insn = insns[k];
                long next = start + insn.length;
                cpu.rip = next;
                Step step = steps[k];
                int ran = step.run(cpu, insn);
                k += ran;
                if (step.touchesMemory && !b.valid && k < n) {
                    // the block wrote to its own bytes: continue from freshly decoded code
                    return k;
                }
                if (inner && k < n && cpu.rip != (ran == 1 ? next : next + insns[k - 1].length)) {
                    return k; // a Jcc inside the block was taken: the block ends there
                }
                start = cpu.rip;
            }
        } catch (CpuException e) {
            cpu.rip = start;
            deliver(cpu, e);
            return k;
        }
        return b.endsInPause ? -n : n;
    }

    /**
     * Outside 64-bit mode: true when the block at RIP lies inside the CS limit and RIP does not
     * wrap within it or right after it (the next RIP of its last instruction).
     */
    private static boolean fitsInCs(Cpu cpu, DecodedBlock b) {
        long next = cpu.rip + b.byteLength;
        return next - 1 <= cpu.seg[Insn.CS].limit && next <= (cpu.codeSize == 32 ? 0xFFFF_FFFFL : 0xFFFF);
    }

    /**
     * {@link #execute} one step per instruction with the checks: RIP wraps at the code size,
     * each instruction's length and its end against the CS limit.
     */
    private int executeChecked(Cpu cpu, DecodedBlock b, int n) {
        Insn[] insns = b.insns;
        Step[] steps = b.steps;
        long ripMask = cpu.codeSize == 64 ? -1L : cpu.codeSize == 32 ? 0xFFFF_FFFFL : 0xFFFF;
        boolean checkLimit = cpu.codeSize != 64
                && cpu.rip + b.byteLength - 1 > cpu.seg[Insn.CS].limit;
        int k = 0;
        long start = cpu.rip;
        try {
            for (; k < n; k++) {
                Insn insn = insns[k];
                int len = insn.length;
                if (checkLimit && start + len - 1 > cpu.seg[Insn.CS].limit) {
                    throw CpuException.gp(0, "instruction beyond the CS limit");
                }
                if (len > 15) {
                    throw CpuException.gp(0, "instruction longer than 15 bytes");
                }
                long next = (start + len) & ripMask;
                cpu.rip = next;
                Step step = steps[k];
                step.run(cpu, insn);
                if (step.touchesMemory && !b.valid && k + 1 < n) {
                    // the block wrote to its own bytes: continue from freshly decoded code
                    return k + 1;
                }
                if (cpu.rip != next && k + 1 < n) {
                    return k + 1; // a Jcc inside the block was taken: the block ends there
                }
                start = cpu.rip;
            }
        } catch (CpuException e) {
            cpu.rip = start;
            deliver(cpu, e);
            return k;
        }
        return insns[n - 1].op == Op.PAUSE ? -n : n;
    }

    /**
     * The bytes of the basic block that starts at instruction {@code from}: up to and including
     * the first Jcc from there (where a block that goes on past its Jccs has a basic block end),
     * or to the block's end.
     */
    private static int basicBlockLength(Insn[] insns, int from) {
        int bytes = 0;
        for (int k = from; k < insns.length; k++) {
            bytes += insns[k].length;
            if (insns[k].op == Op.JCC) {
                break;
            }
        }
        return bytes;
    }

    @Override
    public int step(Cpu cpu) {
        try {
            if (cpu.shutdown) {
                return ExitReason.SHUTDOWN;
            }
            int ev = cpu.events();
            if ((ev & Cpu.EVENT_INIT) != 0) {
                return ExitReason.INIT;
            }
            if (ev != 0 && RunLoop.takeEvent(cpu, tracer) && cpu.shutdown) {
                return ExitReason.SHUTDOWN;
            }
            if (cpu.halted) {
                return ExitReason.HALT;
            }
            int mode = cpu.modeIndex;
            int done = stepWithDebug(cpu);
            RunLoop.retire(cpu, mode, done);
            if (cpu.shutdown) {
                return ExitReason.SHUTDOWN;
            }
            if (cpu.halted) {
                return ExitReason.HALT;
            }
            return done < 0 ? ExitReason.PAUSE : ExitReason.BUDGET;
        } finally {
            if (!deferStats) {
                flushStatistics();
            }
        }
    }

    /**
     * {@link #execute} one instruction at a time, for at most {@code limit} instructions, with an
     * optional tracer watching every instruction, mode change and fault.
     */
    private int executeTraced(Cpu cpu, DecodedBlock b, Tracer t, int limit, boolean reportBlocks) {
        Insn[] insns = b.insns;
        Step[] steps = b.steps;
        long ripMask = cpu.codeSize == 64 ? -1L : cpu.codeSize == 32 ? 0xFFFF_FFFFL : 0xFFFF;
        boolean checkLimit = cpu.codeSize != 64
                && cpu.rip + b.byteLength - 1 > cpu.seg[Insn.CS].limit;
        int n = shadowedLength(cpu, Math.min(insns.length, limit));
        int k = 0;
        long start = cpu.rip;
        try {
            for (; k < n; k++) {
                Insn insn = insns[k];
                start = cpu.rip;
                if (checkLimit && start + insn.length - 1 > cpu.seg[Insn.CS].limit) {
                    throw CpuException.gp(0, "instruction beyond the CS limit");
                }
                if (insn.length > 15) {
                    throw CpuException.gp(0, "instruction longer than 15 bytes");
                }
                if (reportBlocks && (k == 0 || insns[k - 1].op == Op.JCC)) {
                    t.beforeBlock(cpu, start, basicBlockLength(insns, k));
                }
                if (t != null) {
                    t.beforeInstruction(cpu, insn, start);
                }
                int modeBefore = cpu.modeKey;
                long next = (start + insn.length) & ripMask;
                cpu.rip = next;
                steps[k].run(cpu, insn);
                if (t != null && cpu.modeKey != modeBefore) {
                    t.modeChanged(cpu, modeBefore);
                }
                if (!b.valid && k + 1 < n) {
                    // the block wrote to its own bytes: continue from freshly decoded code
                    return k + 1;
                }
                if (cpu.rip != next && k + 1 < n) {
                    return k + 1; // a Jcc inside the block was taken: the block ends there
                }
            }
        } catch (CpuException e) {
            cpu.rip = start;
            if (t != null) {
                t.fault(cpu, e);
                if (t.handled(cpu, e)) {
                    return k;
                }
            }
            deliver(cpu, e);
            return k;
        }
        return insns[n - 1].op == Op.PAUSE ? -n : n;
    }

    /** How many of a block's {@code n} instructions to run: one in an interrupt shadow with an event waiting. */
    private static int shadowedLength(Cpu cpu, int n) {
        boolean one = RunLoop.shadowHoldsEvent(cpu);
        cpu.interruptShadow = false;
        return one ? 1 : n;
    }

    /**
     * One instruction with the debug checks (Intel SDM vol. 3 section 18.3): a pending debug trap
     * first (unless a MOV SS / POP SS shadow holds it for one more instruction), then an
     * instruction breakpoint at the fetch address (a fault, suppressed by RFLAGS.RF), then the
     * instruction, which clears RF when it completes (IRET sets it from its frame) and, when it
     * began with TF set, requests a single-step trap — except a software interrupt that entered
     * its handler (which cleared TF). Data breakpoint hits of a faulting instruction are dropped.
     * Returns the instructions retired (0 or 1), negated for PAUSE.
     */
    private int stepWithDebug(Cpu cpu) {
        if (cpu.pendingDebug != 0 && !cpu.interruptShadow) {
            deliverDebugTrap(cpu);
            return 0;
        }
        long rf = cpu.sysFlags & Cpu.RF;
        if (cpu.insnBreakpoints && rf == 0) {
            long hits = Debug.instructionHits(cpu, cpu.codeLinear(cpu.rip));
            if (hits != 0) {
                cpu.dr[6] |= hits;
                raise(cpu, CpuException.of(Vectors.DB, "instruction breakpoint"));
                return 0;
            }
        }
        boolean singleStep = (cpu.sysFlags & Cpu.TF) != 0;
        DecodedBlock b;
        try {
            b = lookup(cpu, cpu.codeLinear(cpu.rip));
        } catch (CpuException e) {
            raise(cpu, e);
            return 0;
        }
        Op op = b.insns[0].op;
        long pendingBefore = cpu.pendingDebug;
        int done = executeTraced(cpu, b, tracer, 1, false);
        if (done == 0) {
            cpu.pendingDebug = pendingBefore;
            Debug.refresh(cpu);
            return 0;
        }
        if (rf != 0 && op != Op.IRET) {
            cpu.sysFlags &= ~Cpu.RF;
        }
        boolean enteredHandler = (op == Op.INT || op == Op.INT3 || op == Op.INTO || op == Op.INT1)
                && (cpu.sysFlags & Cpu.TF) == 0;
        if (singleStep && !enteredHandler) {
            Debug.requestTrap(cpu, Debug.DR6_BS);
        }
        if (cpu.pendingDebug != 0 && !cpu.interruptShadow && !cpu.shutdown) {
            deliverDebugTrap(cpu);
        }
        return done;
    }


    /** Delivers the pending debug trap (#DB after the instruction: RIP is the next one). */
    private void deliverDebugTrap(Cpu cpu) {
        long bits = Debug.takePending(cpu);
        String what = (bits & Debug.DR6_BT) != 0 ? "task-switch trap"
                : (bits & Debug.DR6_BS) != 0 ? "single-step trap" : "data breakpoint";
        raise(cpu, CpuException.of(Vectors.DB, what));
    }

    /** Delivers an exception, telling the tracer first. */
    private void raise(Cpu cpu, CpuException e) {
        if (tracer != null) {
            tracer.fault(cpu, e);
            if (tracer.handled(cpu, e)) {
                return;
            }
        }
        deliver(cpu, e);
    }

    private void deliver(Cpu cpu, CpuException e) {
        ExceptionDelivery.deliver(cpu, e);
    }
}
