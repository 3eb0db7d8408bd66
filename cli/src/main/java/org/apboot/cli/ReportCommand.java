package org.apboot.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code apboot report FILE.json... [--out DIR]}: JMH JSON results and {@code compare --json}
 * output as a Markdown report ({@code report.md}) with charts (PNG and SVG): APs online per
 * second per engine and path, the translator's speed-up, the scaling curve, every result and how
 * to reproduce it, with the machine, JDK, date and command. Exit 0 when written, 2 for bad input
 * (a missing file, a file that is neither).
 */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Turn JMH JSON results (and compare --json output) into a Markdown report with charts (PNG, SVG).")
public final class ReportCommand implements java.util.concurrent.Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "FILE.json",
            description = "JMH results (java -jar benchmarks.jar ... -rf json, or apboot bench) or apboot compare --json output")
    List<Path> files;

    @Option(names = "--out", paramLabel = "DIR", description = "directory for report.md and the charts (default: ${DEFAULT-VALUE})")
    Path out = Path.of("report");

    @Override
    public Integer call() {
        BenchResults.Loaded data = BenchResults.load(files);
        String command = "apboot report " + files.stream().map(Path::toString).collect(Collectors.joining(" "))
                + " --out " + out;
        ReportWriter.Written w = ReportWriter.write(data, out, command, HostFacts.current(), Instant.now());
        summary(cmdOut(), w);
        return 0;
    }

    private PrintWriter cmdOut() {
        return spec.commandLine().getOut();
    }

    static void summary(PrintWriter out, ReportWriter.Written w) {
        out.printf("apboot report: %s (%d bring-up rows, %d speed-ups, %d scaling points)%n", w.markdown(), w.bringUps(),
                w.speedups(), w.scalingPoints());
        if (!w.charts().isEmpty()) {
            out.println("  charts: " + w.charts().stream().map(p -> p.getFileName().toString())
                    .collect(Collectors.joining(" ")));
        }
        out.flush();
    }

    /**
     * The report of one {@code compare} run, from the object {@code compare --json} prints
     * ({@code threads}: the host threads it ran on, which that object does not carry).
     */
    static ReportWriter.Written writeCompare(Path dir, Map<String, Object> compareJson, int threads, String command,
                                             Instant started, String loadBefore) {
        BenchResults.Compare c = BenchResults.compare(null, compareJson, threads);
        HostFacts host = HostFacts.current();
        BenchResults.Meta meta = new BenchResults.Meta(command, "compare", ReportWriter.when(started),
                ReportWriter.when(Instant.now()), host, loadBefore, host.loadAverage());
        BenchResults.Source src = new BenchResults.Source(Path.of(THIS_RUN), "compare", 1, Instant.now(), meta);
        BenchResults.Loaded data = new BenchResults.Loaded(List.of(src), List.of(), List.of(c));
        return ReportWriter.write(data, dir, command, host, Instant.now());
    }

    /** The source name of a report written by {@code compare --report}. */
    static final String THIS_RUN = "(this run)";
}
