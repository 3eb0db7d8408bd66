package org.apboot.cli;

import java.io.PrintWriter;
import java.util.concurrent.atomic.AtomicBoolean;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.apboot.core.image.ImageException;
import org.apboot.core.machine.BootConfig;
import org.apboot.core.machine.BootReport;
import org.apboot.core.machine.BootScenario;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

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
    String engine = "interp";

    @Option(names = "--json", description = "print one JSON object instead of the summary")
    boolean json;

    @Override
    public Integer call() {
        CommandLine cmd = spec.commandLine();
        BootConfig cfg = options.toConfig(cmd);
        var factory = Engines.byName(engine, cmd);
        PrintWriter out = cmd.getOut();
        BootScenario scenario;
        try {
            scenario = new BootScenario(cfg, factory);
        } catch (ImageException | IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cmd, e.getMessage());
        }
        BootReport report = runWithProgress(scenario, cfg, !json && System.console() != null);
        if (json) {
            out.println(Json.write(ReportView.json(report)));
        } else {
            ReportView.text(report, out);
        }
        out.flush();
        return report.success() ? 0 : 1;
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
