package org.apboot.bench;

import org.apboot.core.engine.EngineFactory;
import org.apboot.core.interp.Interpreter;
import org.apboot.jit.JitEngine;

/** The engines the benchmarks compare, by the name the {@code engine} parameter uses. */
final class Engines {
    private Engines() {
    }

    static EngineFactory byName(String name) {
        switch (name) {
            case "interp": return Interpreter::new;
            case "jit": return JitEngine::new;
            default: throw new IllegalArgumentException("unknown engine " + name);
        }
    }
}
