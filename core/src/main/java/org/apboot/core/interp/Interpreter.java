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
