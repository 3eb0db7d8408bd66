package org.apboot.jit;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.Mmu;
import org.apboot.core.decode.Insn;
import org.apboot.core.engine.EngineStats;
import org.apboot.core.engine.EngineWorker;
import org.apboot.core.engine.ExitReason;
import org.apboot.core.engine.RunLoop;
import org.apboot.core.engine.Tracer;
import org.apboot.core.fault.CpuException;
import org.apboot.core.semantics.ExceptionDelivery;

/**
 * The translator's run loop for one host thread: find the translated block for the CPU's RIP
 * (chained successor, per-thread jump cache, shared cache), run it, account for what it retired
 * and deliver its faults. Whatever is not translated — cold blocks, blocks spanning a page, a
 * block started in an interrupt shadow with an event waiting, debug stepping, tracing — runs one block at a time in
 * the interpreter worker this worker wraps, so both engines share every rule of the run loop.
 */
final class JitWorker implements EngineWorker {
    private static final int JC_BITS = 12;
    private static final int JC_MASK = (1 << JC_BITS) - 1;

    private final CodeCache cache;
    private final EngineWorker interp;
    /**
     * Direct-mapped per-thread cache of shared-cache slots by (physical address, mode key): a
     * hit finds the translated block, or knows the block is still cold or untranslatable,
     * without hashing.
     */
    private final CodeCache.Slot[] jumpCache = new CodeCache.Slot[1 << JC_BITS];
    private final BlockExit exit = new BlockExit();
    private final EngineStats stats;
    private final java.util.concurrent.atomic.LongAdder chainedStat, fallbackStat, compiledRunsStat;
    private Tracer tracer;
    private boolean deferStats;
    private long jumpCacheHits, sharedCacheHits, chained, interpreted, compiledRuns;

    JitWorker(CodeCache cache, EngineWorker interp, EngineStats stats) {
        this.cache = cache;
        this.interp = interp;
        this.stats = stats;
        this.chainedStat = stats.counter("chained exits");
        this.fallbackStat = stats.counter("interpreted blocks");
        this.compiledRunsStat = stats.counter("translated block runs");
    }

    @Override
    public void setTracer(Tracer tracer) {
        this.tracer = tracer;
        interp.setTracer(tracer);
    }

    @Override
    public int step(Cpu cpu) {
        return interp.step(cpu);
    }

    @Override
    public int run(Cpu cpu, long budget) {
        if (tracer != null) {
            return interp.run(cpu, budget); // a tracer sees every instruction: interpret
        }
        try {
            return loop(cpu, Math.min(budget, 1 << 30));
        } finally {
            if (!deferStats) {
                flushStatistics();
            }
        }
    }

    @Override
    public void deferStatistics() {
        deferStats = true;
        interp.deferStatistics();
    }

    private int loop(Cpu cpu, long budget) {
        long executed = 0;
        CompiledBlock prev = null;
        long prevLinear = 0;
        while (true) {
            int at = RunLoop.boundary(cpu, null, executed, budget);
            if (at == RunLoop.EVENT_TAKEN) {
                prev = null;
                continue;
            }
            if (at != RunLoop.RUN) {
                return at;
            }
            CompiledBlock b = null;
            long linear = cpu.codeLinear(cpu.rip);
            // an interrupt shadow with an event waiting runs one instruction in the interpreter;
            // without one the shadow just ends and the translated block runs whole
            if (!RunLoop.debugStepping(cpu) && !RunLoop.shadowHoldsEvent(cpu)) {
                if (cpu.interruptShadow) {
                    cpu.interruptShadow = false;
                }
                b = chainedSuccessor(cpu, prev, prevLinear, linear);
                if (b == null) {
                    b = lookup(cpu, linear);
                    if (b != null && prev != null) {
                        link(prev, exit.exit, b, prevLinear, linear);
                    }
                }
            }
            prev = null;
            if (b == null) {
                long before = cpu.instructions;
                int reason = interp.run(cpu, 1);
                interpreted++;
                executed += Math.max(1, cpu.instructions - before);
                if (reason != ExitReason.BUDGET) {
                    return reason;
                }
                continue;
            }
            int mode = cpu.modeIndex;
            int done;
            compiledRuns++;
            // a loop may retire passes itself (see Lowering#backEdge): count from the Cpu
            long before = cpu.instructions;
            try {
                done = b.execute(cpu, exit, budget - executed);
            } catch (CpuException e) {
                RunLoop.retire(cpu, mode, exit.faultRetired);
                executed += Math.max(1, cpu.instructions - before);
                ExceptionDelivery.deliver(cpu, e);
                continue;
            }
            RunLoop.retire(cpu, mode, done);
            executed += Math.max(1, cpu.instructions - before);
            if (done < 0) {
                return ExitReason.PAUSE;
            }
            prev = b;
            prevLinear = linear;
        }
    }


    /**
     * The block linked into {@code prev}'s exit slot, when it is the block the lookup would find:
     * valid, same mode, and its linear address on the same page as {@code prev}'s at the same
     * distance as their physical addresses (the page's translation is the one {@code prev} ran
     * under, so no page walk is needed).
     */
    private CompiledBlock chainedSuccessor(Cpu cpu, CompiledBlock prev, long prevLinear, long linear) {
        if (prev == null) {
            return null;
        }
        if (exit.exit < 0) {
            return indirectSuccessor(cpu, prev, linear);
        }
        CompiledBlock next = prev.linked(exit.exit);
        if (next != null && cache.usable(next) && next.modeKey == cpu.modeKey
                && ((prevLinear ^ linear) >>> 12) == 0 && next.phys - prev.phys == linear - prevLinear
                && withinCsLimit(cpu, next)) {
            chained++;
            return next;
        }
        return null;
    }

    /**
     * The block that followed {@code prev}'s indirect exit last time, when the CPU is at the same
     * linear address in that block's mode and the address translates to it now (the exit may have
     * changed paging: the translation is made again, through the TLB, as a lookup would).
     */
    private CompiledBlock indirectSuccessor(Cpu cpu, CompiledBlock prev, long linear) {
        CompiledBlock.IndirectLink l = prev.indirect;
        if (l == null || l.linear != linear) {
            return null;
        }
        CompiledBlock next = l.block;
        if (next.modeKey != cpu.modeKey || !cache.usable(next) || !withinCsLimit(cpu, next)) {
            return null;
        }
        if (fetchPhysical(cpu, linear) != next.phys) {
            return null;
        }
        chained++;
        return next;
    }

    /**
     * The physical address code at {@code linear} is fetched from, or -1 when the fetch faults
     * (the block then runs in the interpreter, which raises the fault).
     */
    private static long fetchPhysical(Cpu cpu, long linear) {
        try {
            return cpu.mmu.translate(linear, Mmu.FETCH, cpu.cpl == 3);
        } catch (CpuException e) {
            return -1;
        }
    }

    /** Links {@code next} into the exit slot {@code prev} left through, when chaining is sound. */
    private static void link(CompiledBlock prev, int slot, CompiledBlock next, long prevLinear, long linear) {
        if (slot < 0) {
            CompiledBlock.IndirectLink l = prev.indirect;
            if (prev.valid && (l == null || l.linear != linear || l.block != next)) {
                prev.indirect = new CompiledBlock.IndirectLink(linear, next);
            }
            return;
        }
        if (((prevLinear ^ linear) >>> 12) == 0 && next.phys - prev.phys == linear - prevLinear && prev.valid) {
            prev.link(slot, next);
        }
    }

    /** The translated block for the CPU's RIP, translating it when hot; null to interpret. */
    private CompiledBlock lookup(Cpu cpu, long linear) {
        long phys = fetchPhysical(cpu, linear);
        if (phys < 0) {
            return null;
        }
        int key = cpu.modeKey;
        int jc = (int) (phys ^ (phys >>> JC_BITS) ^ ((long) key * 0x9E37)) & JC_MASK;
        CodeCache.Slot slot = jumpCache[jc];
        if (slot != null && slot.phys == phys && slot.modeKey == key && cache.current(slot)) {
            jumpCacheHits++;
        } else {
            slot = cache.slot(phys, key);
            jumpCache[jc] = slot;
            sharedCacheHits++;
        }
        CompiledBlock b = slot.block;
        if (b == null || !cache.usable(b)) {
            if (slot.untranslatable || slot.heat++ < cache.threshold()) {
                return null;
            }
            b = cache.translate(cpu, slot);
            if (b == null) {
                return null;
            }
        }
        return withinCsLimit(cpu, b) ? b : null;
    }

    /** Outside 64-bit mode the whole block must lie within CS; else the interpreter raises #GP. */
    private static boolean withinCsLimit(Cpu cpu, CompiledBlock b) {
        return cpu.codeSize == 64 || cpu.rip + b.byteLength - 1 <= cpu.seg[Insn.CS].limit;
    }

    @Override
    public void flushStatistics() {
        interp.flushStatistics();
        stats.jumpCacheHits.add(jumpCacheHits);
        stats.sharedCacheHits.add(sharedCacheHits);
        chainedStat.add(chained);
        fallbackStat.add(interpreted);
        compiledRunsStat.add(compiledRuns);
        jumpCacheHits = sharedCacheHits = chained = interpreted = compiledRuns = 0;
    }
}
