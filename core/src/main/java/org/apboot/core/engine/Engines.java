package org.apboot.core.engine;

import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

/** The engines on the class path, by name (see {@link EngineProvider}). */
public final class Engines {
    private Engines() {
    }

    /** Every engine provider found, by name. */
    public static Map<String, EngineProvider> available() {
        Map<String, EngineProvider> out = new TreeMap<>();
        for (EngineProvider p : ServiceLoader.load(EngineProvider.class, Engines.class.getClassLoader())) {
            out.putIfAbsent(p.name(), p);
        }
        return out;
    }

    /**
     * The factory of engine {@code name} with {@code settings}.
     *
     * @throws IllegalArgumentException naming the known engines when there is none by that name
     */
    public static EngineFactory byName(String name, Map<String, String> settings) {
        Map<String, EngineProvider> all = available();
        EngineProvider p = all.get(name);
        if (p == null) {
            throw new IllegalArgumentException("unknown engine '" + name + "' (known: " + String.join(", ", all.keySet()) + ")");
        }
        return p.factory(settings);
    }
}
