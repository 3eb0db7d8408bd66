package org.apboot.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Benchmark results read for a report: JMH JSON result files ({@code -rf json}, as
 * {@code apboot bench} writes them), {@code apboot compare --json} output, and the sidecar
 * {@code NAME.meta.json} that {@code apboot bench} writes next to {@code NAME.json} (command,
 * machine, start and end, load average).
 */
final class BenchResults {
    private BenchResults() {
    }

    /** A score, its error (NaN when JMH had too few samples) and unit. */
    record Metric(double score, double error, String unit) {
    }

    /** How JMH ran a result: the JVM and the iteration settings. */
    record RunInfo(String jmhVersion, String jdkVersion, String vmName, String vmVersion, List<String> jvmArgs,
                   int forks, int threads, int warmupIterations, String warmupTime, int measurementIterations,
                   String measurementTime) {
    }

    /** One JMH result: one benchmark method at one set of parameters. */
    record JmhResult(String benchmark, String mode, Map<String, String> params, Metric primary,
                     Map<String, Metric> secondary, RunInfo run) {
        /** The class's simple name: {@code BootBenchmark}. */
        String className() {
            String c = benchmark.substring(0, benchmark.lastIndexOf('.'));
            return c.substring(c.lastIndexOf('.') + 1);
        }

        String method() {
            return benchmark.substring(benchmark.lastIndexOf('.') + 1);
        }

        /** {@code BootBenchmark.bringUp}. */
        String shortName() {
            return className() + "." + method();
        }

        /** Throughput results are better when higher; time per op when lower. */
        boolean higherIsBetter() {
            return mode.equals("thrpt");
        }

        /** APs brought online per second (the bring-up benchmarks' secondary result), or null. */
        Metric apsOnline() {
            return secondary.get("apsOnline");
        }
    }

    /** The figures of one {@code compare --json} run. */
    record Compare(Map<String, String> config, int runs, Metric interpCold, Metric interpWarm, Metric jitCold,
                   Metric jitWarm, double speedup, boolean statesAgree, long guestInstructions) {
    }

    /** What {@code apboot bench} recorded about a run, next to its results. */
    record Meta(String command, String profile, String started, String finished, HostFacts host,
                String loadBefore, String loadAfter) {
    }

    /** One input file and what it held. */
    record Source(Path file, String kind, int results, Instant modified, Meta meta) {
    }

    /** Everything read from the input files, in order. */
    record Loaded(List<Source> sources, List<JmhResult> jmh, List<Compare> compares) {
    }

    /** Reads every file; bad input is a {@link Main.InputException} naming the file. */
    static Loaded load(List<Path> files) {
        List<Source> sources = new ArrayList<>();
        List<JmhResult> jmh = new ArrayList<>();
        List<Compare> compares = new ArrayList<>();
        for (Path f : files) {
            Object doc = read(f);
            Instant modified;
            try {
                modified = Files.getLastModifiedTime(f).toInstant();
            } catch (IOException e) {
                modified = null;
            }
            if (isJmh(doc)) {
                List<JmhResult> rs = new ArrayList<>();
                for (Object o : (List<?>) doc) {
                    rs.add(jmhResult(f, (Map<?, ?>) o));
                }
                jmh.addAll(rs);
                sources.add(new Source(f, "JMH", rs.size(), modified, meta(f)));
            } else if (doc instanceof Map<?, ?> m && m.get("interp") instanceof Map && m.get("jit") instanceof Map) {
                compares.add(compare(f, m, null));
                sources.add(new Source(f, "compare", 1, modified, null));
            } else if (doc instanceof Map<?, ?> m && m.containsKey(BenchCommand.META_KEY)) {
                continue; // a bench run's sidecar: read with the results it describes
            } else if (doc instanceof List<?> l && l.isEmpty()) {
                throw new Main.InputException(f + ": no results in it (an empty JMH run?)");
            } else {
                throw new Main.InputException(f + ": not JMH JSON results (-rf json) or compare --json output");
            }
        }
        if (jmh.isEmpty() && compares.isEmpty()) {
            throw new Main.InputException("no results to report: give JMH JSON files or compare --json output");
        }
        return new Loaded(sources, jmh, compares);
    }

    private static Object read(Path f) {
        String text;
        try {
            text = Files.readString(f, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new Main.InputException(f + ": no such file");
        } catch (IOException e) {
            throw new Main.InputException(f + ": cannot read (" + e.getMessage() + ")");
        }
        try {
            return JsonReader.parse(text);
        } catch (JsonReader.JsonException e) {
            throw new Main.InputException(f + ": not JSON (" + e.getMessage() + ")");
        }
    }

    private static boolean isJmh(Object doc) {
        if (!(doc instanceof List<?> l) || l.isEmpty()) {
            return false;
        }
        for (Object o : l) {
            if (!(o instanceof Map<?, ?> m) || !(m.get("benchmark") instanceof String) || !(m.get("primaryMetric") instanceof Map)) {
                return false;
            }
        }
        return true;
    }

    private static JmhResult jmhResult(Path f, Map<?, ?> m) {
        Map<String, String> params = new LinkedHashMap<>();
        if (m.get("params") instanceof Map<?, ?> p) {
            p.forEach((k, v) -> params.put(String.valueOf(k), String.valueOf(v)));
        }
        Map<String, Metric> secondary = new LinkedHashMap<>();
        if (m.get("secondaryMetrics") instanceof Map<?, ?> s) {
            s.forEach((k, v) -> {
                if (v instanceof Map<?, ?> mv) {
                    Metric x = metric(f, mv);
                    if (!Double.isNaN(x.score())) { // profilers' text results have no score
                        secondary.put(String.valueOf(k), x);
                    }
                }
            });
        }
        List<String> jvmArgs = new ArrayList<>();
        if (m.get("jvmArgs") instanceof List<?> a) {
            a.forEach(x -> jvmArgs.add(String.valueOf(x)));
        }
        RunInfo run = new RunInfo(str(m.get("jmhVersion")), str(m.get("jdkVersion")), str(m.get("vmName")),
                str(m.get("vmVersion")), jvmArgs, integer(m.get("forks")), integer(m.get("threads")),
                integer(m.get("warmupIterations")), str(m.get("warmupTime")), integer(m.get("measurementIterations")),
                str(m.get("measurementTime")));
        return new JmhResult((String) m.get("benchmark"), str(m.get("mode")), params,
                metric(f, (Map<?, ?>) m.get("primaryMetric")), secondary, run);
    }

    private static Metric metric(Path f, Map<?, ?> m) {
        double score = number(m.get("score"));
        if (!(m.get("score") instanceof Number) && !"NaN".equals(m.get("score"))) {
            throw new Main.InputException(f + ": not JMH JSON results (a metric without a score)");
        }
        return new Metric(score, number(m.get("scoreError")), str(m.get("scoreUnit")));
    }

    /** A compare --json document (from a file, or from the command in this JVM with its thread count). */
    static Compare compare(Path f, Map<?, ?> m, Integer threads) {
        Map<?, ?> interp = (Map<?, ?>) m.get("interp");
        Map<?, ?> jit = (Map<?, ?>) m.get("jit");
        if (!(interp.get("apsPerSecond") instanceof Number) || !(jit.get("apsPerSecond") instanceof Number)) {
            throw new Main.InputException((f == null ? "compare" : f.toString())
                    + ": not compare --json output (no apsPerSecond for each engine)");
        }
        Map<String, String> config = new LinkedHashMap<>();
        for (String k : List.of("path", "cpu", "aps", "work", "paging", "trampoline")) {
            Object v = interp.get(k);
            // the default paging and trampoline go without saying
            if (v != null && !(k.equals("paging") && v.toString().equals("4")) && !(k.equals("trampoline") && v.equals("default"))) {
                config.put(k, String.valueOf(v));
            }
        }
        if (threads != null) {
            config.put("threads", String.valueOf(threads));
        }
        int runs = interp.get("runs") instanceof Number n ? n.intValue() : 1;
        return new Compare(config, runs, figure(interp, "cold"), figure(interp, "warm"), figure(jit, "cold"),
                figure(jit, "warm"), number(m.get("speedup")), Boolean.TRUE.equals(m.get("statesAgree")),
                jit.get("guestInstructions") instanceof Number n ? n.longValue() : 0);
    }

    /** APs per second of the cold or warm runs; with a single run both are that run. */
    private static Metric figure(Map<?, ?> engine, String which) {
        Object o = engine.get(which);
        double v = o instanceof Map<?, ?> fm ? number(fm.get("apsPerSecond")) : number(engine.get("apsPerSecond"));
        return new Metric(v, Double.NaN, "APs/s");
    }

    /** The sidecar {@code NAME.meta.json} of {@code NAME.json}, or null. */
    static Meta meta(Path results) {
        String n = results.getFileName().toString();
        if (!n.endsWith(".json")) {
            return null;
        }
        Path p = results.resolveSibling(n.substring(0, n.length() - 5) + ".meta.json");
        if (!Files.isRegularFile(p)) {
            return null;
        }
        Object doc;
        try {
            doc = JsonReader.parse(Files.readString(p, StandardCharsets.UTF_8));
        } catch (IOException | JsonReader.JsonException e) {
            return null; // a broken sidecar only loses the facts it held
        }
        if (!(doc instanceof Map<?, ?> m)) {
            return null;
        }
        Map<?, ?> load = m.get("loadAverage") instanceof Map<?, ?> l ? l : Map.of();
        HostFacts host = m.get("machine") instanceof Map<?, ?> h ? HostFacts.fromJson(h, null) : null;
        return new Meta(str(m.get("command")), str(m.get("profile")), str(m.get("started")), str(m.get("finished")),
                host, str(load.get("before")), str(load.get("after")));
    }

    static String str(Object o) {
        return o == null ? "" : o.toString();
    }

    private static int integer(Object o) {
        return o instanceof Number n ? n.intValue() : 0;
    }

    /** A JSON number, or NaN for "NaN", null and anything else. */
    static double number(Object o) {
        if (o instanceof Number n) {
            return n.doubleValue();
        }
        if (o instanceof String s) {
            try {
                return Double.parseDouble(s);
            } catch (NumberFormatException e) {
                return Double.NaN;
            }
        }
        return Double.NaN;
    }
}
