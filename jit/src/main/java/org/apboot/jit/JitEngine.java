package org.apboot.jit;

import org.apboot.core.engine.Engine;
import org.apboot.core.engine.EngineFactory;
import org.apboot.core.engine.EngineStats;
import org.apboot.core.engine.EngineWorker;
import org.apboot.core.interp.Interpreter;
import org.apboot.core.mem.PhysicalMemory;

/**
 * The translator: guest basic blocks compiled to JVM bytecode, cached per (physical address,
 * mode key) and shared by every vCPU of a machine. It wraps an interpreter for what it does not
 * translate (cold blocks, blocks spanning pages, single-stepping, tracing), which shares its
 * decoded blocks with the translator.
 */
public final class JitEngine implements Engine {
    private final EngineStats stats = new EngineStats();
    private volatile Interpreter interpreter;
    private final CodeCache cache;

    public JitEngine(PhysicalMemory ram) {
        this(ram, JitSettings.DEFAULT);
    }

    public JitEngine(PhysicalMemory ram, JitSettings settings) {
        this.interpreter = new Interpreter(ram, stats);
        this.cache = new CodeCache(ram, interpreter.cache(), settings, stats);
    }

    @Override
    public String name() {
        return "jit";
    }

    @Override
    public EngineWorker newWorker() {
        return new JitWorker(cache, interpreter.newWorker(), stats);
    }

    @Override
    public EngineStats stats() {
        return stats;
    }

    /**
     * Moves this engine, with its translations, to a fresh machine's RAM and returns it: the way
     * to keep the code cache warm across machines of the same workload. Each translated block is
     * checked against the new RAM before it first runs there. The previous machine must not
     * run any more.
     */
    public synchronized JitEngine attach(PhysicalMemory ram) {
        Interpreter fresh = new Interpreter(ram, stats);
        cache.attach(ram, fresh.cache());
        this.interpreter = fresh;
        return this;
    }

    /**
     * A factory that creates one translator for the first machine and moves it, with its code
     * cache, to every later one ({@link #attach}): how repeated runs keep the cache warm. Use it
     * for one machine at a time.
     */
    public static EngineFactory keptAcrossMachines() {
        JitEngine[] engine = new JitEngine[1];
        return ram -> engine[0] == null ? (engine[0] = new JitEngine(ram)) : engine[0].attach(ram);
    }

    /** Translated blocks currently in the code cache. */
    public int translatedBlocks() {
        return cache.size();
    }
}
