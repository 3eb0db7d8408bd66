package org.apboot.core.engine;

import java.util.Map;

/**
 * An engine that can be chosen by name ({@code interp}, {@code jit}): implementations are listed
 * in {@code META-INF/services/org.apboot.core.engine.EngineProvider} and found with
 * {@link java.util.ServiceLoader}, so the machine never names an engine module.
 */
public interface EngineProvider {
    /** The name users pick this engine by. */
    String name();

    /** The settings {@link #factory} accepts, with a one-line description each. */
    Map<String, String> settings();

    /**
     * A factory for engines with {@code settings} applied (names from {@link #settings}, values
     * as text).
     *
     * @throws IllegalArgumentException for an unknown setting or a malformed value
     */
    EngineFactory factory(Map<String, String> settings);

    /** Parses a non-negative integer setting. */
    static int intSetting(String engine, String key, String value) {
        try {
            int v = Integer.parseInt(value.strip());
            if (v >= 0) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(engine + " setting " + key + " must be a non-negative integer, got '" + value + "'");
    }

    /** Rejects settings not in {@code known}. */
    static void checkKnown(String engine, Map<String, String> given, Map<String, String> known) {
        for (String k : given.keySet()) {
            if (!known.containsKey(k)) {
                throw new IllegalArgumentException("unknown " + engine + " setting '" + k + "' (known: "
                        + (known.isEmpty() ? "none" : String.join(", ", new java.util.TreeSet<>(known.keySet()))) + ")");
            }
        }
    }
}
