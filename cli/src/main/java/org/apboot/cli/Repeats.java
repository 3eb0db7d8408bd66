package org.apboot.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apboot.core.engine.EngineFactory;
import org.apboot.core.image.ImageException;
import org.apboot.core.scenario.BootConfig;
import org.apboot.core.scenario.BootReport;
import org.apboot.core.scenario.BootScenario;
import picocli.CommandLine;

/**
 * The same bring-up N times in one JVM, each on a fresh machine, with the engine (its code cache)
 * kept: the first run is the cold one, the median of the others the warm figure.
 *
 * @param reports every run's report, in order
 * @param scenarios the scenario of each run (for comparing final states)
 */
record Repeats(List<BootReport> reports, List<BootScenario> scenarios) {
    static Repeats run(BootConfig cfg, EngineFactory engine, int n, CommandLine cmd, boolean bar, boolean keepScenarios) {
        List<BootReport> reports = new ArrayList<>();
        List<BootScenario> scenarios = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            BootScenario s;
            try {
                s = new BootScenario(cfg, engine);
            } catch (ImageException | IllegalArgumentException e) {
                throw new CommandLine.ParameterException(cmd, e.getMessage());
            }
            reports.add(BootCommand.runWithProgress(s, cfg, bar && i == 0));
            scenarios.add(keepScenarios ? s : null);
        }
        return new Repeats(reports, scenarios);
    }

    BootReport cold() {
        return reports.get(0);
    }

    BootReport last() {
        return reports.get(reports.size() - 1);
    }

    boolean allSucceeded() {
        return reports.stream().allMatch(BootReport::success);
    }

    /** Median wall seconds of the warm runs (all but the first), or the cold run's when N = 1. */
    double warmWallSeconds() {
        return median(reports.size() == 1 ? reports : reports.subList(1, reports.size()), BootReport::wallSeconds);
    }

    double warmApsPerSecond() {
        return median(reports.size() == 1 ? reports : reports.subList(1, reports.size()), BootReport::apsPerSecond);
    }

    double warmInstructionsPerSecond() {
        return last().guestInstructions() / warmWallSeconds();
    }

    private static double median(List<BootReport> rs, java.util.function.ToDoubleFunction<BootReport> f) {
        double[] v = rs.stream().mapToDouble(f).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    /** The boot JSON of the last run, with {@code cold}, {@code warm} and {@code runs} added. */
    Map<String, Object> json() {
        Map<String, Object> m = ReportView.json(last());
        if (reports.size() > 1) {
            m.put("apsPerSecond", warmApsPerSecond());
            m.put("wallSeconds", warmWallSeconds());
            m.put("cold", figures(cold().wallSeconds(), cold().apsPerSecond()));
            m.put("warm", figures(warmWallSeconds(), warmApsPerSecond()));
            m.put("runs", reports.size());
        }
        return m;
    }

    private static Map<String, Object> figures(double wall, double aps) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("wallSeconds", wall);
        m.put("apsPerSecond", aps);
        return m;
    }

    /** One line per kind of run for the human summary. */
    String text() {
        return String.format("  cold run          %.3f s, %,.0f APs/s%n  warm runs         %.3f s, %,.0f APs/s (median of %d)%n",
                cold().wallSeconds(), cold().apsPerSecond(), warmWallSeconds(), warmApsPerSecond(), reports.size() - 1);
    }
}
