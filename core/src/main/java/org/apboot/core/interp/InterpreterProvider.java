package org.apboot.core.interp;

import java.util.Map;
import org.apboot.core.engine.EngineFactory;
import org.apboot.core.engine.EngineProvider;

/** Makes the interpreter available by the name {@code interp}; it has no settings. */
public final class InterpreterProvider implements EngineProvider {
    @Override
    public String name() {
        return "interp";
    }

    @Override
    public Map<String, String> settings() {
        return Map.of();
    }

    @Override
    public EngineFactory factory(Map<String, String> settings) {
        EngineProvider.checkKnown(name(), settings, settings());
        return Interpreter::new;
    }
}
