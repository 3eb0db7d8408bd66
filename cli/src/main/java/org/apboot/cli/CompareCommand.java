package org.apboot.cli;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apboot.core.machine.Machine;
import org.apboot.core.scenario.BootConfig;
import org.apboot.core.scenario.BootReport;
import org.apboot.core.scenario.BootScenario;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

/**
 * {@code apboot compare}: the same bring-up under the interpreter and the translator, side by
 * side. Each engine runs {@code --repeat} times on fresh machines (the translator keeps its code
 * cache); the speed-up is the ratio of the warm medians. The final state of every AP of the last
 * runs must agree. Exit 0 when both engines brought every AP online and the states agree.
 */
@Command(name = "compare", mixinStandardHelpOptions = true,
        description = "Run the same bring-up on the interpreter and on the translator and compare speed and final state.")
public final class CompareCommand implements java.util.concurrent.Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    BootOptions options = new BootOptions();

    @Option(names = "--repeat", paramLabel = "N",
            description = "runs per engine; the first is cold, the median of the rest warm (default: ${DEFAULT-VALUE})")
    int repeat = 5;

    @Option(names = "--json", description = "print {\"interp\":{..},\"jit\":{..},\"speedup\":X,\"statesAgree\":B}")
    boolean json;

    @Option(names = "--report", paramLabel = "DIR", description = "also write this comparison as a report (report.md, PNG and SVG charts) into DIR")
    java.nio.file.Path report;

    @Override
    public Integer call() {
        CommandLine cmd = spec.commandLine();
        BootConfig cfg = options.toConfig(cmd);
        if (repeat < 1 || repeat > 1000) {
            throw new CommandLine.ParameterException(cmd, "--repeat must be between 1 and 1000, got " + repeat);
        }
        java.time.Instant started = java.time.Instant.now();
        String loadBefore = HostFacts.loadAverageNow();
        Repeats interp = Repeats.run(cfg, Engines.kept("interp", cmd), repeat, cmd, false, true);
        Repeats jit = Repeats.run(cfg, Engines.kept("jit", cmd), repeat, cmd, false, true);
        List<String> disagreements = disagreements(last(interp), last(jit));
        double speedup = jit.warmApsPerSecond() / interp.warmApsPerSecond();
        PrintWriter out = cmd.getOut();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("interp", interp.json());
        m.put("jit", jit.json());
        m.put("speedup", speedup);
        m.put("statesAgree", disagreements.isEmpty());
        m.put("disagreements", disagreements.size() > 20 ? disagreements.subList(0, 20) : disagreements);
        if (json) {
            out.println(Json.write(m));
        } else {
            BootReport a = interp.last(), b = jit.last();
            out.printf("apboot compare: %d APs, %s path, cpu %s, %d-level paging, work %s, %d runs per engine%n",
                    cfg.aps(), a.path(), a.cpu(), a.paging(), a.work(), repeat);
            out.printf("  %-28s %16s %16s%n", "", "interp", "jit");
            row(out, "APs online", a.online() + "/" + a.aps(), b.online() + "/" + b.aps());
            row(out, "cold: wall time", String.format("%.3f s", interp.cold().wallSeconds()),
                    String.format("%.3f s", jit.cold().wallSeconds()));
            row(out, "cold: APs per second", String.format("%,.0f", interp.cold().apsPerSecond()),
                    String.format("%,.0f", jit.cold().apsPerSecond()));
            row(out, "warm: wall time (median)", String.format("%.3f s", interp.warmWallSeconds()),
                    String.format("%.3f s", jit.warmWallSeconds()));
            row(out, "warm: APs per second", String.format("%,.0f", interp.warmApsPerSecond()),
                    String.format("%,.0f", jit.warmApsPerSecond()));
            row(out, "warm: guest instructions/s", String.format("%,.0f", interp.warmInstructionsPerSecond()),
                    String.format("%,.0f", jit.warmInstructionsPerSecond()));
            row(out, "guest instructions", String.format("%,d", a.guestInstructions()), String.format("%,d", b.guestInstructions()));
            out.printf("  speed-up (warm APs/s)        %.2fx%n", speedup);
            out.printf("  final states                 %s%n", disagreements.isEmpty()
                    ? "agree for every vCPU" : disagreements.size() + " vCPU(s) disagree, first: " + disagreements.get(0));
        }
        out.flush();
        if (report != null) {
            ReportWriter.Written w = ReportCommand.writeCompare(report, m, cfg.hostThreads(),
                    "apboot " + String.join(" ", cmd.getParseResult().originalArgs()), started, loadBefore);
            ReportCommand.summary(json ? cmd.getErr() : out, w);
        }
        return interp.allSucceeded() && jit.allSucceeded() && disagreements.isEmpty() ? 0 : 1;
    }

    private static void row(PrintWriter out, String name, String a, String b) {
        out.printf("  %-28s %16s %16s%n", name, a, b);
    }

    private static Machine last(Repeats r) {
        return r.scenarios().get(r.scenarios().size() - 1).machine();
    }

    /** vCPUs whose checked state (mode, CRs, EFER, CS, RIP, RSP, GDTR, IDTR, run state) differs. */
    static List<String> disagreements(Machine a, Machine b) {
        List<String> out = new java.util.ArrayList<>();
        for (int i = 0; i < a.cpuCount(); i++) {
            BootReport.ApState x = BootScenario.apState(a.vcpu(i)), y = BootScenario.apState(b.vcpu(i));
            if (!x.equals(y)) {
                out.add("vCPU " + i + ": interp " + x + ", jit " + y);
            }
        }
        return out;
    }
}
