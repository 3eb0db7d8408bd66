package org.apboot.core.engine;

/** Decorates an engine so that every worker it creates reports to a {@link Tracer}. */
public final class TracingEngine implements Engine {
    private final Engine engine;
    private final Tracer tracer;

    public TracingEngine(Engine engine, Tracer tracer) {
        this.engine = engine;
        this.tracer = tracer;
    }

    @Override
    public String name() {
        return engine.name();
    }

    @Override
    public EngineWorker newWorker() {
        EngineWorker w = engine.newWorker();
        w.setTracer(tracer);
        return w;
    }

    @Override
    public EngineStats stats() {
        return engine.stats();
    }
}
