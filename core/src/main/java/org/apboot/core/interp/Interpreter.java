package org.apboot.core.interp;

import org.apboot.core.engine.Engine;
import org.apboot.core.engine.EngineStats;
import org.apboot.core.engine.EngineWorker;
import org.apboot.core.mem.PhysicalMemory;

/**
 * The reference engine: executes decoded instructions through the shared semantics, with a
 * decoded-block cache shared by every vCPU.
 */
public final class Interpreter implements Engine {
    private final EngineStats stats;
    private final BlockCache cache;

    public Interpreter(PhysicalMemory ram) {
        this(ram, new EngineStats());
    }

    /**
     * An interpreter counting into {@code stats}: an engine that wraps this one (the translator
     * runs cold code here) shares one set of counters.
     */
    public Interpreter(PhysicalMemory ram, EngineStats stats) {
        this.stats = stats;
        this.cache = new BlockCache(ram, stats);
    }

    /**
     * An interpreter for {@code ram} whose block cache starts with {@code earlier}'s blocks (see
     * {@link BlockCache#carriedOver}).
     */
    private Interpreter(PhysicalMemory ram, BlockCache.Carry earlier) {
        this.stats = new EngineStats();
        this.cache = BlockCache.carriedOver(ram, stats, earlier);
    }

    /**
     * A factory whose every interpreter after the first starts with the decoded blocks of the
     * one before (checked against its own RAM as they are first used): how repeated runs of the
     * same guest on fresh machines keep their decoded code, as the translator's code cache does.
     * Use it for one machine at a time.
     */
    public static org.apboot.core.engine.EngineFactory keptAcrossMachines() {
        BlockCache.Carry[] last = new BlockCache.Carry[1];
        return ram -> {
            Interpreter i = last[0] == null ? new Interpreter(ram) : new Interpreter(ram, last[0]);
            last[0] = i.cache.carry(); // the blocks, not the machine's memory
            return i;
        };
    }

    @Override
    public String name() {
        return "interp";
    }

    @Override
    public EngineWorker newWorker() {
        return new InterpreterWorker(cache, stats);
    }

    @Override
    public EngineStats stats() {
        return stats;
    }

    public BlockCache cache() {
        return cache;
    }
}
