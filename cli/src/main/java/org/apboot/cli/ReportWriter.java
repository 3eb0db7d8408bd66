package org.apboot.cli;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import org.apboot.cli.BenchResults.Compare;
import org.apboot.cli.BenchResults.JmhResult;
import org.apboot.cli.BenchResults.Loaded;
import org.apboot.cli.BenchResults.Metric;
import org.apboot.cli.BenchResults.Source;

/**
 * Turns benchmark results into {@code report.md} and its charts in one directory: APs online per
 * second per engine and path, the translator's speed-up over the interpreter, the scaling curve,
 * every result, how to reproduce each, and the machine, JDK, date and command.
 */
final class ReportWriter {
    static final String MARKDOWN = "report.md";
    static final String CHART_APS = "aps-per-second";
    static final String CHART_SPEEDUP = "speedup";
    static final String CHART_SCALING = "scaling";
    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")
            .withZone(ZoneOffset.UTC);
    /** Parameters a benchmark fixes without naming them, for grouping with the others. */
    private static final Map<String, Map<String, String>> IMPLIED = Map.of(
            "BootTdxBenchmark", Map.of("path", "mailbox64", "cpu", "tdx"),
            "BootBlobBenchmark", Map.of("trampoline", "blob"));

    /** What was written. */
    record Written(Path markdown, List<Path> charts, int bringUps, int speedups, int scalingPoints) {
    }

    /** One line of a two-engine table: a configuration and each engine's figure. */
    record Pair(String benchmark, Map<String, String> config, Metric interp, Metric jit, boolean higherIsBetter) {
        /** The translator's speed-up: how many times faster jit ran (NaN when one side is missing). */
        double speedup() {
            if (interp == null || jit == null) {
                return Double.NaN;
            }
            return higherIsBetter ? jit.score() / interp.score() : interp.score() / jit.score();
        }
    }

    private final Loaded data;
    private final Path dir;
    private final String command;
    private final HostFacts host;
    private final Instant now;
    private final StringBuilder md = new StringBuilder();
    private final List<Path> charts = new ArrayList<>();

    private ReportWriter(Loaded data, Path dir, String command, HostFacts host, Instant now) {
        this.data = data;
        this.dir = dir;
        this.command = command;
        this.host = host;
        this.now = now;
    }

    /** Writes the report into {@code dir} (created if needed). */
    static Written write(Loaded data, Path dir, String command, HostFacts host, Instant now) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new Main.InputException(dir + ": cannot create the report directory (" + e.getMessage() + ")");
        }
        ReportWriter w = new ReportWriter(data, dir, command, host, now);
        try {
            return w.write();
        } catch (IOException e) {
            throw new Main.InputException(dir + ": cannot write the report (" + e.getMessage() + ")");
        }
    }

    private Written write() throws IOException {
        md.append("# apboot benchmark report\n\n");
        header();
        List<Pair> bringUps = bringUps();
        List<Pair> speedups = speedups();
        Map<String, TreeMap<Integer, Metric>> scaling = scaling();
        bringUpSection(bringUps);
        speedupSection(speedups);
        scalingSection(scaling);
        compareSection();
        allResultsSection();
        reproduceSection();
        Path file = dir.resolve(MARKDOWN);
        Files.writeString(file, md.toString(), StandardCharsets.UTF_8);
        int points = scaling.values().stream().mapToInt(Map::size).sum();
        return new Written(file, List.copyOf(charts), bringUps.size(), speedups.size(), points);
    }

    // ------------------------------------------------------------------ header

    private void header() {
        md.append("| | |\n|---|---|\n");
        for (Source s : data.sources()) {
            StringBuilder v = new StringBuilder();
            if (s.file().toString().equals(ReportCommand.THIS_RUN)) {
                v.append("this `apboot compare` run");
            } else {
                v.append('`').append(s.file().getFileName()).append("`: ").append(s.kind().equals("JMH")
                        ? s.results() + " JMH result" + (s.results() == 1 ? "" : "s") : "apboot compare --json output");
            }
            if (s.meta() != null && !s.meta().started().isEmpty()) {
                v.append(", measured ").append(s.meta().started()).append(" to ").append(s.meta().finished());
            } else if (s.modified() != null) {
                v.append(", file written ").append(WHEN.format(s.modified()));
            }
            row("results", v.toString());
            if (s.meta() != null) {
                row("command", "`" + s.meta().command() + "`");
                if (s.meta().host() != null) {
                    row("machine", s.meta().host().machine() + " (recorded by the run)");
                }
                row("load average", "before " + s.meta().loadBefore() + ", after " + s.meta().loadAfter()
                        + " (1, 5, 15 min; " + host.cores() + " cores)");
            }
        }
        Set<String> jdks = new LinkedHashSet<>();
        Set<String> jvmArgs = new LinkedHashSet<>();
        Set<String> jmh = new LinkedHashSet<>();
        Set<String> settings = new LinkedHashSet<>();
        for (JmhResult r : data.jmh()) {
            jdks.add(r.run().jdkVersion() + " (" + r.run().vmName() + " " + r.run().vmVersion() + ")");
            jvmArgs.add(r.run().jvmArgs().isEmpty() ? "(none)" : String.join(" ", r.run().jvmArgs()));
            jmh.add(r.run().jmhVersion());
            settings.add(r.run().forks() + " fork" + (r.run().forks() == 1 ? "" : "s") + ", " + r.run().warmupIterations()
                    + " × " + r.run().warmupTime() + " warm-up, " + r.run().measurementIterations() + " × "
                    + r.run().measurementTime() + " measured, " + r.run().threads() + " JMH thread"
                    + (r.run().threads() == 1 ? "" : "s"));
        }
        if (!jdks.isEmpty()) {
            row("JDK", String.join("; ", jdks));
            row("JVM options", String.join("; ", jvmArgs.stream().map(a -> "`" + a + "`").toList()));
            row("JMH", String.join(", ", jmh) + ": " + String.join("; ", settings));
        }
        if (data.sources().stream().noneMatch(s -> s.meta() != null && s.meta().host() != null)) {
            row("machine", host.machine() + " (where this report was written: JMH results do not record the machine)");
        }
        row("report", "written " + WHEN.format(now) + " by `" + command + "` with " + host.jdk());
        md.append('\n');
        md.append("Throughput figures are higher-is-better; the error is JMH's 99.9 % confidence half-width "
                + "(blank when there were too few samples). On a machine shared with other work, compare figures "
                + "taken in one run only.");
        int fewest = data.jmh().stream().mapToInt(r -> Math.max(1, r.run().forks()) * r.run().measurementIterations())
                .filter(n -> n > 1).min().orElse(0);
        if (fewest > 1 && fewest <= 5) {
            md.append(String.format(Locale.ROOT, " With %d samples that half-width is %.1f standard deviations: read "
                    + "the scores as a trend and the errors as a measure of the noise.", fewest, halfWidthInSd(fewest)));
        }
        md.append("\n\n");
    }

    /** JMH's 99.9 % half-width in standard deviations for n samples: t(0.9995, n - 1) / sqrt(n). */
    static double halfWidthInSd(int n) {
        double[] t = {Double.NaN, Double.NaN, 636.62, 31.599, 12.924, 8.610}; // t(0.9995, n - 1) for n = 2..5
        return t[n] / Math.sqrt(n);
    }

    /** A time as the report writes it: 2026-12-06 15:40 UTC. */
    static String when(Instant t) {
        return WHEN.format(t);
    }

    private void row(String k, String v) {
        md.append("| ").append(k).append(" | ").append(cell(v)).append(" |\n");
    }

    // ------------------------------------------------------------------ bring-up

    /** Bring-up results (JMH {@code apsOnline}, compare runs), interp and jit side by side. */
    private List<Pair> bringUps() {
        Map<String, Pair> byKey = new LinkedHashMap<>();
        for (JmhResult r : data.jmh()) {
            if (r.apsOnline() != null && !r.className().equals("ScalingBenchmark")) { // scaling has its own section
                add(byKey, r.className(), config(r), r.params().get("engine"), r.apsOnline(), true);
            }
        }
        List<Pair> out = new ArrayList<>(byKey.values());
        for (Compare c : data.compares()) {
            String warm = c.runs() > 1 ? "compare, warm (median of " + (c.runs() - 1) + ")" : "compare";
            out.add(new Pair(warm, c.config(), c.interpWarm(), c.jitWarm(), true));
            if (c.runs() > 1) {
                out.add(new Pair("compare, cold (first run)", c.config(), c.interpCold(), c.jitCold(), true));
            }
        }
        return out;
    }

    /** Every result measured on both engines, paired. */
    private List<Pair> speedups() {
        Map<String, Pair> byKey = new LinkedHashMap<>();
        for (JmhResult r : data.jmh()) {
            if (r.params().containsKey("engine")) {
                Metric m = r.apsOnline() != null ? new Metric(r.apsOnline().score(), r.apsOnline().error(), "APs/s")
                        : new Metric(r.primary().score(), r.primary().error(), unit(r, r.primary().unit()));
                add(byKey, r.shortName(), config(r), r.params().get("engine"), m, r.higherIsBetter());
            }
        }
        List<Pair> out = new ArrayList<>();
        for (Pair p : byKey.values()) {
            if (p.interp() != null && p.jit() != null) {
                out.add(p);
            }
        }
        for (Compare c : data.compares()) {
            out.add(new Pair("compare (warm APs/s)", c.config(), c.interpWarm(), c.jitWarm(), true));
        }
        return out;
    }

    private static void add(Map<String, Pair> byKey, String bench, Map<String, String> config, String engine,
                            Metric m, boolean higher) {
        String key = bench + " " + config;
        Pair p = byKey.getOrDefault(key, new Pair(bench, config, null, null, higher));
        if ("interp".equals(engine)) {
            p = new Pair(bench, config, m, p.jit(), higher);
        } else if ("jit".equals(engine)) {
            p = new Pair(bench, config, p.interp(), m, higher);
        } else {
            return;
        }
        byKey.put(key, p);
    }

    /** What one op of each benchmark is (plural, singular), for units people can read. */
    private static final Map<String, String[]> OPS = Map.ofEntries(
            Map.entry("BootBenchmark", new String[] {"bring-ups", "bring-up"}),
            Map.entry("BootTdxBenchmark", new String[] {"bring-ups", "bring-up"}),
            Map.entry("BootBlobBenchmark", new String[] {"bring-ups", "bring-up"}),
            Map.entry("ScalingBenchmark", new String[] {"bring-ups", "bring-up"}),
            Map.entry("DispatchBenchmark", new String[] {"block exits", "block exit"}),
            Map.entry("MemoryBenchmark", new String[] {"iterations", "iteration"}),
            Map.entry("GuestLoopBenchmark", new String[] {"guest instructions", "guest instruction"}),
            Map.entry("InterpreterLoopBenchmark", new String[] {"guest instructions", "guest instruction"}),
            Map.entry("RomLoopBenchmark", new String[] {"guest instructions", "guest instruction"}),
            Map.entry("DecodeBenchmark", new String[] {"passes over the mix", "pass over the mix"}),
            Map.entry("DecoderBenchmark", new String[] {"instructions decoded", "instruction decoded"}),
            Map.entry("TranslateBenchmark", new String[] {"blocks", "block"}));

    /** JMH's unit with "op" named: {@code ops/s} of DispatchBenchmark is {@code block exits/s}. */
    static String unit(JmhResult r, String unit) {
        String[] op = OPS.get(r.className());
        if (op == null) {
            return unit;
        }
        if (unit.startsWith("ops/")) {
            return op[0] + unit.substring(3);
        }
        if (unit.endsWith("/op")) {
            return unit.substring(0, unit.length() - 2) + op[1];
        }
        return unit;
    }

    /** A secondary result's unit with its name: apsOnline's {@code ops/s} is {@code APs online/s}. */
    private static String secondaryUnit(String name, String unit) {
        if (!unit.startsWith("ops/")) {
            return unit;
        }
        return (name.equals("apsOnline") ? "APs online" : name) + unit.substring(3);
    }

    /** A result's parameters without the engine, with the ones its benchmark implies. */
    private static Map<String, String> config(JmhResult r) {
        Map<String, String> c = new LinkedHashMap<>();
        c.putAll(IMPLIED.getOrDefault(r.className(), Map.of()));
        r.params().forEach((k, v) -> {
            if (!k.equals("engine")) {
                c.put(k, v);
            }
        });
        return c;
    }

    private void bringUpSection(List<Pair> rows) throws IOException {
        if (rows.isEmpty()) {
            return;
        }
        md.append("## APs online per second\n\n");
        Varying v = Varying.of(rows, Set.of("path", "aps"));
        md.append("APs brought online per second (bring-up benchmarks' `apsOnline`; the timed part is the guest run "
                + "of one whole bring-up on a fresh machine).");
        v.note(md);
        md.append("\n\n| benchmark | path | APs | settings | interp (APs/s) | jit (APs/s) | jit ÷ interp |\n"
                + "|---|---|---:|---|---:|---:|---:|\n");
        List<String> cats = new ArrayList<>();
        List<Double> interp = new ArrayList<>();
        List<Double> jit = new ArrayList<>();
        for (Pair p : rows) {
            md.append("| ").append(cell(short_(p.benchmark()))).append(" | ").append(p.config().getOrDefault("path", ""))
                    .append(" | ").append(count(p.config().get("aps"))).append(" | ").append(cell(v.settings(p.config())))
                    .append(" | ").append(withError(p.interp())).append(" | ").append(withError(p.jit()))
                    .append(" | ").append(ratio(p.speedup())).append(" |\n");
            Set<String> keys = new LinkedHashSet<>(List.of("path", "aps"));
            keys.addAll(v.keys());
            cats.add(label(p.benchmark(), p.config(), keys));
            interp.add(p.interp() == null ? null : p.interp().score());
            jit.add(p.jit() == null ? null : p.jit().score());
        }
        md.append('\n');
        Map<String, List<Double>> series = new LinkedHashMap<>();
        series.put("interp", interp);
        series.put("jit", jit);
        charts.addAll(ReportCharts.bars(dir, CHART_APS, "APs online per second", "APs/s", cats, series));
        image(CHART_APS, "APs online per second per engine and path");
    }

    private void speedupSection(List<Pair> rows) throws IOException {
        if (rows.isEmpty()) {
            return;
        }
        md.append("## The translator's speed-up\n\n");
        md.append("How many times faster the translator (`jit`) ran than the interpreter (`interp`) on the same "
                + "benchmark and parameters (throughput: jit ÷ interp; time per op: interp ÷ jit).\n\n");
        Map<String, List<Pair>> byBench = new LinkedHashMap<>();
        rows.forEach(p -> byBench.computeIfAbsent(p.benchmark(), k -> new ArrayList<>()).add(p));
        Map<String, Varying> varying = new LinkedHashMap<>();
        byBench.forEach((b, ps) -> varying.put(b, Varying.of(ps, Set.of())));
        md.append("| benchmark | parameters | interp | jit | unit | jit speed-up |\n|---|---|---:|---:|---|---:|\n");
        List<String> cats = new ArrayList<>();
        List<Double> ratios = new ArrayList<>();
        for (Pair p : rows) {
            Varying v = varying.get(p.benchmark());
            md.append("| ").append(cell(p.benchmark())).append(" | ").append(cell(v.settings(p.config()))).append(" | ")
                    .append(withError(p.interp())).append(" | ").append(withError(p.jit())).append(" | ")
                    .append(cell(p.interp().unit())).append(" | ").append(ratio(p.speedup())).append(" |\n");
            cats.add(label(p.benchmark(), p.config(), v.keys()));
            ratios.add(p.speedup());
        }
        md.append('\n');
        varying.forEach((b, v) -> {
            if (!v.common().isEmpty()) {
                md.append("* ").append(cell(b)).append(", every row: ").append(kv(v.common()).replace(" ", ", ")).append('\n');
            }
        });
        md.append('\n');
        Map<String, List<Double>> series = new LinkedHashMap<>();
        series.put("jit speed-up over interp (×)", ratios);
        charts.addAll(ReportCharts.bars(dir, CHART_SPEEDUP, "The translator's speed-up", "× interp", cats, series));
        image(CHART_SPEEDUP, "the translator's speed-up over the interpreter");
    }

    // ------------------------------------------------------------------ scaling

    /** The scaling sweep's points: series (engine, threads, other parameters) to APs -> APs/s. */
    private Map<String, TreeMap<Integer, Metric>> scaling() {
        List<JmhResult> rs = new ArrayList<>();
        for (JmhResult r : data.jmh()) {
            if (r.className().equals("ScalingBenchmark") && r.apsOnline() != null && r.params().containsKey("aps")) {
                rs.add(r);
            }
        }
        Map<String, Set<String>> values = new LinkedHashMap<>();
        for (JmhResult r : rs) {
            r.params().forEach((k, val) -> values.computeIfAbsent(k, x -> new LinkedHashSet<>()).add(val));
        }
        Map<String, TreeMap<Integer, Metric>> series = new LinkedHashMap<>();
        for (JmhResult r : rs) {
            StringBuilder name = new StringBuilder(r.params().getOrDefault("engine", "?"));
            String t = r.params().get("threads");
            if (t != null) {
                name.append(", ").append(t).append(t.equals("1") ? " thread" : " threads");
            }
            r.params().forEach((k, val) -> {
                if (!k.equals("engine") && !k.equals("threads") && !k.equals("aps") && values.get(k).size() > 1) {
                    name.append(", ").append(k).append('=').append(val);
                }
            });
            series.computeIfAbsent(name.toString(), x -> new TreeMap<>()).put(Integer.parseInt(r.params().get("aps")),
                    r.apsOnline());
        }
        return series;
    }

    private void scalingSection(Map<String, TreeMap<Integer, Metric>> series) throws IOException {
        if (series.isEmpty()) {
            return;
        }
        md.append("## Scaling\n\n");
        md.append("APs online per second as the AP count grows (`ScalingBenchmark`; the translator's code cache "
                + "kept across machines), and in brackets the host time per AP. A flat line means the cost per AP "
                + "does not grow with the machine.\n\n");
        Set<Integer> xs = new java.util.TreeSet<>();
        series.values().forEach(m -> xs.addAll(m.keySet()));
        md.append("| APs |");
        series.keySet().forEach(k -> md.append(' ').append(cell(k)).append(" |"));
        md.append("\n|---:|");
        series.keySet().forEach(k -> md.append("---:|"));
        md.append('\n');
        for (int x : xs) {
            md.append("| ").append(count(String.valueOf(x))).append(" |");
            for (TreeMap<Integer, Metric> m : series.values()) {
                Metric y = m.get(x);
                md.append(' ').append(y == null ? "" : num(y.score()) + " (" + perAp(y.score()) + ")").append(" |");
            }
            md.append('\n');
        }
        md.append('\n');
        Map<String, double[][]> lines = new LinkedHashMap<>();
        series.forEach((k, m) -> {
            double[][] pts = new double[2][m.size()];
            int i = 0;
            for (Map.Entry<Integer, Metric> e : m.entrySet()) {
                pts[0][i] = e.getKey();
                pts[1][i] = e.getValue().score();
                i++;
            }
            lines.put(k, pts);
        });
        charts.addAll(ReportCharts.logLines(dir, CHART_SCALING, "APs online per second as the AP count grows",
                "APs", "APs/s", lines));
        image(CHART_SCALING, "the scaling curve");
    }

    private static String perAp(double apsPerSecond) {
        double us = 1e6 / apsPerSecond;
        return us >= 1000 ? num(us / 1000) + " ms/AP" : num(us) + " µs/AP";
    }

    // ------------------------------------------------------------------ compare, all, reproduce

    private void compareSection() {
        if (data.compares().isEmpty()) {
            return;
        }
        md.append("## Comparisons\n\n");
        md.append("`apboot compare`: the same bring-up on both engines in one JVM, each on fresh machines; cold is "
                + "the first run, warm the median of the others (the translator keeps its code cache).\n\n");
        md.append("| configuration | runs | interp cold | interp warm | jit cold | jit warm | speed-up (warm) | final states |\n"
                + "|---|---:|---:|---:|---:|---:|---:|---|\n");
        for (Compare c : data.compares()) {
            md.append("| ").append(cell(kv(c.config()))).append(" | ").append(c.runs()).append(" | ")
                    .append(num(c.interpCold().score())).append(" | ").append(num(c.interpWarm().score())).append(" | ")
                    .append(num(c.jitCold().score())).append(" | ").append(num(c.jitWarm().score())).append(" | ")
                    .append(ratio(c.speedup())).append(" | ").append(c.statesAgree() ? "agree" : "DISAGREE").append(" |\n");
        }
        md.append("\nAPs online per second.\n\n");
    }

    private void allResultsSection() {
        if (data.jmh().isEmpty()) {
            return;
        }
        md.append("## All results\n\n| benchmark | parameters | mode | score | error | unit |\n|---|---|---|---:|---:|---|\n");
        for (JmhResult r : data.jmh()) {
            String params = kv(r.params());
            md.append("| ").append(cell(r.shortName())).append(" | ").append(cell(params)).append(" | ").append(r.mode())
                    .append(" | ").append(num(r.primary().score())).append(" | ").append(err(r.primary().error()))
                    .append(" | ").append(cell(unit(r, r.primary().unit()))).append(" |\n");
            r.secondary().forEach((k, m) -> md.append("| ").append(cell(r.shortName() + ":" + k)).append(" | ")
                    .append(cell(params)).append(" | ").append(r.mode()).append(" | ").append(num(m.score())).append(" | ")
                    .append(err(m.error())).append(" | ").append(cell(secondaryUnit(k, m.unit()))).append(" |\n"));
        }
        md.append('\n');
    }

    private void reproduceSection() {
        md.append("## Reproduce\n\n");
        if (!data.jmh().isEmpty()) {
            md.append("Build the benchmark jar with `mvn -B -ntp -q -DskipTests package -pl benchmarks -am`, then:\n\n");
        }
        md.append("```\n");
        Map<String, List<JmhResult>> byBench = new LinkedHashMap<>();
        for (JmhResult r : data.jmh()) {
            byBench.computeIfAbsent(r.benchmark(), k -> new ArrayList<>()).add(r);
        }
        byBench.forEach((b, rs) -> md.append(jmhCommand(b, rs)).append('\n'));
        for (Compare c : data.compares()) {
            StringBuilder s = new StringBuilder("./apboot compare");
            c.config().forEach((k, v) -> {
                if (k.equals("trampoline")) { // a variant of ours, or a kernel blob's directory
                    s.append(v.contains("/") ? " --blob " : " --variant ").append(v);
                } else {
                    s.append(" --").append(k).append(' ').append(v);
                }
            });
            md.append(s).append(" --repeat ").append(c.runs()).append('\n');
        }
        md.append("```\n");
    }

    /** The JMH command line that runs exactly these results' benchmark, parameters and iterations. */
    static String jmhCommand(String benchmark, List<JmhResult> rs) {
        StringBuilder s = new StringBuilder("java -jar benchmarks/target/benchmarks.jar '")
                .append(benchmark.replace(".", "\\.")).append("$'");
        Map<String, Set<String>> values = new LinkedHashMap<>();
        for (JmhResult r : rs) {
            r.params().forEach((k, v) -> values.computeIfAbsent(k, x -> new LinkedHashSet<>()).add(v));
        }
        values.forEach((k, v) -> s.append(" -p ").append(k).append('=').append(String.join(",", v)));
        BenchResults.RunInfo run = rs.get(0).run();
        s.append(" -f ").append(run.forks()).append(" -wi ").append(run.warmupIterations()).append(" -w ")
                .append(run.warmupTime().replace(" ", "")).append(" -i ").append(run.measurementIterations())
                .append(" -r ").append(run.measurementTime().replace(" ", ""));
        if (run.threads() != 1) {
            s.append(" -t ").append(run.threads());
        }
        return s.toString();
    }

    // ------------------------------------------------------------------ formatting

    /** Parameters that differ between the rows of a table (the others are named once, above it). */
    private record Varying(Set<String> keys, Map<String, String> common, Set<String> shownElsewhere) {
        static Varying of(List<Pair> rows, Set<String> shownElsewhere) {
            Map<String, Set<String>> values = new LinkedHashMap<>();
            for (Pair p : rows) {
                p.config().forEach((k, v) -> values.computeIfAbsent(k, x -> new LinkedHashSet<>()).add(v));
            }
            Set<String> keys = new LinkedHashSet<>();
            Map<String, String> common = new LinkedHashMap<>();
            values.forEach((k, v) -> {
                boolean everywhere = rows.stream().allMatch(p -> p.config().containsKey(k));
                if (v.size() == 1 && everywhere) {
                    common.put(k, v.iterator().next());
                } else {
                    keys.add(k);
                }
            });
            return new Varying(keys, common, shownElsewhere);
        }

        String settings(Map<String, String> config) {
            List<String> parts = new ArrayList<>();
            for (String k : keys) {
                if (!shownElsewhere.contains(k) && config.containsKey(k)) {
                    parts.add(k + "=" + config.get(k));
                }
            }
            return String.join(" ", parts);
        }

        void note(StringBuilder md) {
            Map<String, String> c = new LinkedHashMap<>(common);
            shownElsewhere.forEach(c::remove);
            if (!c.isEmpty()) {
                md.append(" Every row: ").append(kv(c).replace(" ", ", ")).append('.');
            }
        }
    }

    private void image(String name, String alt) {
        md.append("![").append(alt).append("](").append(name).append(".png)\n\n");
        md.append("Vector version: [").append(name).append(".svg](").append(name).append(".svg)\n\n");
    }

    /**
     * A chart label: the benchmark's short name and the values of {@code keys}: "Boot sipi 4,096 APs",
     * "Dispatch chained", "Scaling 100 APs threads=2".
     */
    private static String label(String bench, Map<String, String> config, Set<String> keys) {
        StringBuilder b = new StringBuilder(short_(bench).replaceAll("\\.[A-Za-z]+$", "").replaceAll(" \\(.*\\)", "")
                .replace(",", ""));
        for (String k : keys) {
            String v = config.get(k);
            if (v == null) {
                continue;
            }
            b.append(' ');
            if (k.equals("aps")) {
                b.append(count(v)).append(v.equals("1") ? " AP" : " APs");
            } else if (v.matches("[0-9]+") || v.equals("true") || v.equals("false")) {
                b.append(k).append('=').append(v);
            } else {
                b.append(v);
            }
        }
        return b.toString();
    }

    /** {@code BootBenchmark} -> {@code Boot}; other names unchanged. */
    private static String short_(String bench) {
        int dot = bench.indexOf('.');
        String c = dot > 0 ? bench.substring(0, dot) : bench;
        String rest = dot > 0 ? bench.substring(dot) : "";
        return (c.endsWith("Benchmark") ? c.substring(0, c.length() - "Benchmark".length()) : c) + rest;
    }

    static String kv(Map<String, String> m) {
        List<String> parts = new ArrayList<>();
        m.forEach((k, v) -> parts.add(k + "=" + v));
        return String.join(" ", parts);
    }

    private static String count(String n) {
        if (n == null) {
            return "";
        }
        try {
            return String.format(Locale.ROOT, "%,d", Long.parseLong(n));
        } catch (NumberFormatException e) {
            return n;
        }
    }

    private static String withError(Metric m) {
        if (m == null) {
            return "";
        }
        return Double.isNaN(m.error()) ? num(m.score()) : num(m.score()) + " ± " + num(m.error());
    }

    private static String err(double e) {
        return Double.isNaN(e) ? "" : num(e);
    }

    private static String ratio(double r) {
        return Double.isNaN(r) || Double.isInfinite(r) ? "" : String.format(Locale.ROOT, "%.2f×", r);
    }

    /**
     * Figures as people read them: up to a million with thousands grouped (154,100), above in
     * millions or billions with three significant digits (48.6 M, 1.23 G), small ones with three
     * significant digits (812.3, 12.35, 1.23, 0.0123).
     */
    static String num(double v) {
        if (Double.isNaN(v)) {
            return "n/a";
        }
        double a = Math.abs(v);
        if (a >= 1e9) {
            return sig3(v / 1e9) + " G";
        } else if (a >= 1e6) {
            return sig3(v / 1e6) + " M";
        } else if (a >= 1000) {
            return String.format(Locale.ROOT, "%,.0f", v);
        } else if (a >= 100) {
            return String.format(Locale.ROOT, "%.1f", v);
        } else if (a >= 10) {
            return String.format(Locale.ROOT, "%.2f", v);
        } else if (a == 0) {
            return "0";
        }
        return sig3(v);
    }

    /** Three significant digits, trailing zeros kept: 40.0, 4.00, 100, 0.0123. */
    private static String sig3(double v) {
        double r = new BigDecimal(v).round(new MathContext(3)).doubleValue();
        int magnitude = r == 0 ? 0 : (int) Math.floor(Math.log10(Math.abs(r)));
        return String.format(Locale.ROOT, "%." + Math.max(0, 2 - magnitude) + "f", r);
    }

    private static String cell(String s) {
        return Objects.requireNonNullElse(s, "").replace("|", "\\|").replace("\n", " ");
    }
}
