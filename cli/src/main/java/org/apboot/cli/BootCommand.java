package org.apboot.cli;

import java.io.PrintWriter;
import java.util.concurrent.atomic.AtomicBoolean;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.apboot.core.scenario.BootConfig;
import org.apboot.core.scenario.BootReport;
import org.apboot.core.scenario.BootScenario;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

/**
 * {@code apboot boot}: brings N APs online through real guest code and reports. Exit 0 when every
 * AP came online in the expected state, 1 when any failed, 2 for bad input.
 */
@Command(name = "boot", mixinStandardHelpOptions = true,
        description = "Bring up N application processors through the firmware, the trampoline and the kernel entry stub.")
public final class BootCommand implements java.util.concurrent.Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    BootOptions options = new BootOptions();

    @Option(names = "--engine", paramLabel = "interp|jit", description = "execution engine (default: ${DEFAULT-VALUE})")
    String engine = Engines.DEFAULT;

    @Option(names = "--repeat", paramLabel = "N",
            description = "the same bring-up N times, each on a fresh machine, the engine's code cache kept: "
                    + "the first run is reported as cold, the median of the rest as warm (default: ${DEFAULT-VALUE})")
    int repeat = 1;

    @Option(names = "--json", description = "print one JSON object instead of the summary")
    boolean json;

    @Override
    public Integer call() {
        CommandLine cmd = spec.commandLine();
        BootConfig cfg = options.toConfig(cmd);
        if (repeat < 1 || repeat > 1000) {
            throw new CommandLine.ParameterException(cmd, "--repeat must be between 1 and 1000, got " + repeat);
        }
        var factory = Engines.kept(engine, cmd);
        PrintWriter out = cmd.getOut();
        Repeats runs = Repeats.run(cfg, factory, repeat, cmd, !json && System.console() != null, false);
        if (json) {
            out.println(Json.write(runs.json()));
        } else {
            ReportView.text(runs.last(), out);
            if (repeat > 1) {
                out.print(runs.text());
            }
        }
        out.flush();
        return runs.allSucceeded() ? 0 : 1;
    }

    /** Runs the scenario; on a terminal, shows a progress bar fed by the guest's online counter. */
    static BootReport runWithProgress(BootScenario scenario, BootConfig cfg, boolean bar) {
        if (!bar) {
            return scenario.run(null);
        }
        AtomicBoolean done = new AtomicBoolean();
        try (ProgressBar pb = new ProgressBarBuilder().setTaskName("APs online").setInitialMax(cfg.aps())
                .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(100).continuousUpdate().build()) {
            Thread poll = new Thread(() -> {
                while (!done.get()) {
                    pb.stepTo(scenario.onlineSoFar());
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "apboot-progress");
            poll.setDaemon(true);
            poll.start();
            BootReport r = scenario.run(null);
            done.set(true);
            pb.stepTo(r.online());
            return r;
        }
    }
}
