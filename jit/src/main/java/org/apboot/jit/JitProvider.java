package org.apboot.jit;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apboot.core.engine.EngineFactory;
import org.apboot.core.engine.EngineProvider;

/**
 * Makes the translator available by the name {@code jit}, with the settings of
 * {@link JitSettings}: {@code threshold}, {@code maxBlocks}, {@code batch}, {@code background}.
 */
public final class JitProvider implements EngineProvider {
    private static final Map<String, String> SETTINGS = new LinkedHashMap<>();

    static {
        SETTINGS.put("threshold", "interpreted runs of a block before it is translated (0: at once)");
        SETTINGS.put("maxBlocks", "translated blocks per code-cache generation");
        SETTINGS.put("batch", "blocks translated together into one class");
        SETTINGS.put("background", "translate on a background thread (true or false)");
    }

    @Override
    public String name() {
        return "jit";
    }

    @Override
    public Map<String, String> settings() {
        return SETTINGS;
    }

    @Override
    public EngineFactory factory(Map<String, String> settings) {
        EngineProvider.checkKnown(name(), settings, SETTINGS);
        JitSettings s = JitSettings.DEFAULT;
        for (Map.Entry<String, String> e : settings.entrySet()) {
            String v = e.getValue();
            switch (e.getKey()) {
                case "threshold": s = s.withThreshold(EngineProvider.intSetting(name(), e.getKey(), v)); break;
                case "batch": s = s.withBatch(EngineProvider.intSetting(name(), e.getKey(), v)); break;
                case "maxBlocks": s = s.withMaxBlocks(EngineProvider.intSetting(name(), e.getKey(), v)); break;
                default:
                    if (!v.equals("true") && !v.equals("false")) {
                        throw new IllegalArgumentException("jit setting background must be true or false, got '" + v + "'");
                    }
                    s = s.withBackground(Boolean.parseBoolean(v));
                    break;
            }
        }
        JitSettings chosen = s;
        return ram -> new JitEngine(ram, chosen);
    }
}
