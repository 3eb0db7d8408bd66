package org.apboot.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code apboot bench}: runs the JMH benchmarks of the benchmark jar in forked JVMs and writes
 * their results as one JMH JSON file, with a sidecar {@code NAME.meta.json} (command, machine,
 * start and end, load average) that {@code apboot report} reads.
 *
 * <p>{@code --quick} runs the headline set ({@link #QUICK}) with short iterations: a few minutes on
 * 2 cores, for a smoke check or a trend, not for
 * publishing. Without it the full profile runs every benchmark with its own parameters and
 * iterations (about an hour on 2 cores). Arguments after {@code --} go to JMH (for example
 * {@code -- -prof gc}). The jar is built first when it is missing or older than the sources.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Run the JMH benchmarks and write JMH JSON results (--quick: the headline set in a few minutes).")
public final class BenchCommand implements java.util.concurrent.Callable<Integer> {
    /** Marks the sidecar a bench run writes next to its results. */
    static final String META_KEY = "apbootBenchMeta";

    /** One JMH run of the quick profile: include pattern and parameters, then iterations. */
    record QuickRun(List<String> select, List<String> iterations) {
    }

    /** Bring-ups: one fork, 4 × 1 s warm-up (a fresh machine per op warms up slowly), 3 × 1 s measured. */
    static final List<String> BRINGUP_ITERATIONS = List.of("-f", "1", "-wi", "4", "-w", "1s", "-i", "3", "-r", "1s");

    /** Guest loops and decoding: one fork, 2 × 1 s warm-up, 3 × 1 s measured. */
    static final List<String> QUICK_ITERATIONS = List.of("-f", "1", "-wi", "2", "-w", "1s", "-i", "3", "-r", "1s");

    /** The quick profile: the headline set, one JMH run per entry. */
    static final List<QuickRun> QUICK = List.of(
            new QuickRun(List.of("\\.BootBenchmark\\.", "-p", "aps=4096", "-p", "cache=warm", "-p", "work=none",
                    "-p", "threads=1", "-p", "cpu=generic"), BRINGUP_ITERATIONS),
            new QuickRun(List.of("\\.ScalingBenchmark\\.", "-p", "aps=1,100,10000,100000", "-p", "threads=1"),
                    BRINGUP_ITERATIONS),
            new QuickRun(List.of("\\.DispatchBenchmark\\."), QUICK_ITERATIONS),
            new QuickRun(List.of("\\.MemoryBenchmark\\."), QUICK_ITERATIONS),
            new QuickRun(List.of("\\.DecodeBenchmark\\."), QUICK_ITERATIONS),
            new QuickRun(List.of("\\.GuestLoopBenchmark\\.", "-p", "loop=alu64"), QUICK_ITERATIONS));

    static final String BUILD = "mvn -B -ntp -q -DskipTests package -pl benchmarks -am";

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--quick", description = "the headline set with short iterations (a few minutes), instead of everything")
    boolean quick;

    @Option(names = "--out", paramLabel = "FILE.json",
            description = "JMH JSON results (default: bench-quick.json or bench-full.json)")
    Path out;

    @Option(names = "--report", paramLabel = "DIR", description = "also write the report of the results into DIR")
    Path report;

    @Option(names = "--jar", paramLabel = "FILE", description = "the benchmark jar (default: benchmarks/target/benchmarks.jar "
            + "of this source tree, built when missing or stale)")
    Path jar;

    @Option(names = "--blob", paramLabel = "DIR",
            description = "a kernel build's arch/x86/realmode/rm directory for BootBlobBenchmark (full profile)")
    Path blob;

    @Option(names = "--ignore-lock", description = "run even when another JMH run holds JMH's lock (-Djmh.ignoreLock=true)")
    boolean ignoreLock;

    @Option(names = "--dry-run", description = "print the commands instead of running them")
    boolean dryRun;

    @Parameters(paramLabel = "JMH_ARG", description = "after --: more JMH arguments for every run (e.g. -- -prof gc)")
    List<String> jmhArgs = new ArrayList<>();

    @Override
    public Integer call() throws IOException, InterruptedException {
        PrintWriter o = spec.commandLine().getOut();
        Path results = out != null ? out : Path.of(quick ? "bench-quick.json" : "bench-full.json");
        if (blob != null && !Files.isDirectory(blob)) {
            throw new Main.InputException("--blob " + blob + ": not a directory");
        }
        Path theJar = jar != null ? jar : defaultJar(o);
        if (!dryRun && !Files.isRegularFile(theJar)) {
            throw new Main.InputException("--jar " + theJar + ": no such file (build it with " + BUILD + ")");
        }
        List<List<String>> runs = commands(theJar, results);
        if (dryRun) {
            runs.forEach(c -> o.println(shell(c)));
            o.flush();
            return 0;
        }
        String loadBefore = HostFacts.loadAverageNow();
        Instant started = Instant.now();
        List<Path> parts = new ArrayList<>();
        Path tmp = Files.createTempDirectory("apboot-bench");
        try {
            for (int i = 0; i < runs.size(); i++) {
                Path part = tmp.resolve("part" + i + ".json");
                List<String> c = new ArrayList<>(runs.get(i));
                c.addAll(List.of("-rf", "json", "-rff", part.toString()));
                o.println("apboot bench: " + shell(c));
                o.flush();
                int code = new ProcessBuilder(c).inheritIO().start().waitFor();
                if (code != 0) {
                    spec.commandLine().getErr().println("apboot: JMH exited with " + code + " (run " + (i + 1) + " of "
                            + runs.size() + ")");
                    return Main.EXIT_FAILURE;
                }
                parts.add(part);
            }
            int n = merge(parts, results);
            Instant finished = Instant.now();
            writeMeta(results, started, finished, loadBefore);
            o.printf("apboot bench: %d results in %s -> %s%n", n, minutes(Duration.between(started, finished)), results);
            o.flush();
        } finally {
            try (Stream<Path> s = Files.list(tmp)) {
                for (Path p : s.collect(Collectors.toList())) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(tmp);
        }
        if (report != null) {
            BenchResults.Loaded data = BenchResults.load(List.of(results));
            ReportWriter.Written w = ReportWriter.write(data, report, "apboot report " + results + " --out " + report,
                    HostFacts.current(), Instant.now());
            ReportCommand.summary(o, w);
        }
        return 0;
    }

    /** The JMH command lines of the profile (without the result-file arguments). */
    List<List<String>> commands(Path theJar, Path results) {
        List<String> java = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        if (ignoreLock) {
            java.add("-Djmh.ignoreLock=true");
        }
        if (blob != null) {
            java.add("-D" + "apboot.blob=" + blob.toAbsolutePath());
        }
        java.addAll(List.of("-jar", theJar.toString()));
        List<List<String>> runs = new ArrayList<>();
        if (quick) {
            for (QuickRun q : QUICK) {
                List<String> c = new ArrayList<>(java);
                c.addAll(q.select());
                c.addAll(q.iterations());
                c.addAll(jmhArgs);
                runs.add(c);
            }
        } else {
            List<String> c = new ArrayList<>(java);
            c.addAll(jmhArgs);
            runs.add(c);
        }
        return runs;
    }

    /** A command line as a shell reads it (arguments with special characters in single quotes). */
    static String shell(List<String> command) {
        return command.stream().map(a -> a.matches("[A-Za-z0-9_./=,:+@%-]+") ? a : "'" + a.replace("'", "'\\''") + "'")
                .collect(Collectors.joining(" "));
    }

    /** Joins JMH JSON arrays into one, keeping JMH's own text for every result; returns the count. */
    static int merge(List<Path> parts, Path into) throws IOException {
        List<String> bodies = new ArrayList<>();
        int n = 0;
        for (Path p : parts) {
            if (!Files.isRegularFile(p)) {
                continue; // JMH writes no file when every benchmark of the run failed
            }
            String t = Files.readString(p, StandardCharsets.UTF_8).strip();
            if (!t.startsWith("[") || !t.endsWith("]")) {
                throw new IOException(p + ": not a JMH JSON array");
            }
            n += ((List<?>) JsonReader.parse(t)).size();
            String body = t.substring(1, t.length() - 1).strip();
            if (!body.isEmpty()) {
                bodies.add(body);
            }
        }
        Path parent = into.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(into, "[\n" + String.join(",\n", bodies) + "\n]\n", StandardCharsets.UTF_8);
        return n;
    }

    private void writeMeta(Path results, Instant started, Instant finished, String loadBefore) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(META_KEY, 1);
        m.put("command", "apboot " + String.join(" ", spec.commandLine().getParseResult().originalArgs()));
        m.put("profile", quick ? "quick" : "full");
        m.put("started", ReportWriter.when(started));
        m.put("finished", ReportWriter.when(finished));
        m.put("seconds", Duration.between(started, finished).toSeconds());
        HostFacts h = HostFacts.current();
        m.put("machine", h.json());
        Map<String, Object> load = new LinkedHashMap<>();
        load.put("before", loadBefore);
        load.put("after", h.loadAverage());
        m.put("loadAverage", load);
        String n = results.getFileName().toString();
        String base = n.endsWith(".json") ? n.substring(0, n.length() - 5) : n;
        Files.writeString(results.resolveSibling(base + ".meta.json"), Json.write(m) + "\n", StandardCharsets.UTF_8);
    }

    private static String minutes(Duration d) {
        return String.format("%d min %02d s", d.toMinutes(), d.toSecondsPart());
    }

    /**
     * {@code benchmarks/target/benchmarks.jar} of the source tree this command runs from, built
     * (with {@link #BUILD}) when missing or older than any source of core, jit or benchmarks.
     */
    private Path defaultJar(PrintWriter o) throws IOException, InterruptedException {
        Path root = sourceRoot();
        if (root == null) {
            throw new Main.InputException("cannot find the benchmark jar: pass --jar FILE (built by " + BUILD + ")");
        }
        Path j = root.resolve("benchmarks/target/benchmarks.jar");
        if (!stale(root, j)) {
            return j;
        }
        if (dryRun) {
            o.println("(cd " + root + " && " + BUILD + ")");
            return j;
        }
        spec.commandLine().getErr().println("apboot: building the benchmark jar (" + BUILD + ")...");
        spec.commandLine().getErr().flush();
        int code = new ProcessBuilder("mvn", "-B", "-ntp", "-q", "-DskipTests", "package", "-pl", "benchmarks", "-am")
                .directory(root.toFile()).inheritIO().start().waitFor();
        if (code != 0 || !Files.isRegularFile(j)) {
            throw new Main.InputException("building the benchmark jar failed (" + BUILD + " in " + root + ")");
        }
        return j;
    }

    /** The source tree holding this class (the directory with benchmarks/pom.xml above it), or null. */
    static Path sourceRoot() {
        try {
            Path p = Path.of(BenchCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            for (; p != null; p = p.getParent()) {
                if (Files.isRegularFile(p.resolve("benchmarks/pom.xml"))) {
                    return p;
                }
            }
        } catch (URISyntaxException | RuntimeException e) {
            return null;
        }
        return null;
    }

    private static boolean stale(Path root, Path jarFile) throws IOException {
        if (!Files.isRegularFile(jarFile)) {
            return true;
        }
        FileTime built = Files.getLastModifiedTime(jarFile);
        for (String d : List.of("pom.xml", "core/pom.xml", "jit/pom.xml", "benchmarks/pom.xml", "core/src/main",
                "jit/src/main", "benchmarks/src/main")) {
            Path p = root.resolve(d);
            if (!Files.exists(p)) {
                continue;
            }
            try (Stream<Path> s = Files.walk(p)) {
                if (s.filter(Files::isRegularFile).anyMatch(f -> newer(f, built))) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean newer(Path f, FileTime t) {
        try {
            return Files.getLastModifiedTime(f).compareTo(t) > 0;
        } catch (IOException e) {
            return false;
        }
    }
}
