package org.apboot.core.engine;

/**
 * An execution engine: the interpreter, or the translator. The machine never names a concrete
 * engine; the embedder or the CLI picks one.
 *
 * <p>Call order: {@link #newWorker()} once per host thread, then {@link EngineWorker#run} for
 * whichever vCPU that thread is running. State shared by all vCPUs (decoded or translated code)
 * lives in the engine; per-thread lookup caches live in the worker.
 */
public interface Engine {
    /** Short name: {@code interp}, {@code jit}. */
    String name();

    /** A worker for one host thread. Not thread-safe; never shared between threads. */
    EngineWorker newWorker();

    /** Counters since the engine was created. */
    EngineStats stats();
}
