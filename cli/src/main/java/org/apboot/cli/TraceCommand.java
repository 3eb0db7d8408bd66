package org.apboot.cli;

import java.io.PrintWriter;
import org.apboot.core.cpu.Cpu;
import org.apboot.core.decode.AttSyntax;
import org.apboot.core.decode.Insn;
import org.apboot.core.engine.Tracer;
import org.apboot.core.fault.CpuException;
import org.apboot.core.image.ImageException;
import org.apboot.core.scenario.BootConfig;
import org.apboot.core.scenario.BootReport;
import org.apboot.core.scenario.BootScenario;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

/**
 * {@code apboot trace --ap K}: one AP's instructions (AT&T syntax) and mode transitions during a
 * bring-up. A traced run executes one instruction at a time with the interpreter's checks on
 * either engine (the translator hands traced vCPUs to its interpreter), so both print the same.
 */
@Command(name = "trace", mixinStandardHelpOptions = true,
        description = "Print one AP's mode transitions and instructions during a bring-up.")
public final class TraceCommand implements java.util.concurrent.Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    BootOptions options = BootOptions.small();

    @Option(names = "--ap", paramLabel = "K", required = true, description = "APIC ID of the AP to trace (1..N; 0 = the BSP)")
    int ap;

    @Option(names = "--limit", paramLabel = "N", description = "stop printing after N instructions (default: ${DEFAULT-VALUE})")
    long limit = 200_000;

    @Option(names = "--modes-only", description = "print only mode transitions and faults")
    boolean modesOnly;

    @Option(names = "--engine", paramLabel = "interp|jit", description = "execution engine (default: ${DEFAULT-VALUE})")
    String engine = Engines.DEFAULT;

    @Override
    public Integer call() {
        CommandLine cmd = spec.commandLine();
        BootConfig cfg = options.toConfig(cmd).withThreads(1).withDeterministic(true);
        if (ap < 0 || ap > cfg.aps()) {
            throw new CommandLine.ParameterException(cmd, "--ap must be between 0 and " + cfg.aps() + ", got " + ap);
        }
        if (limit < 0) {
            throw new CommandLine.ParameterException(cmd, "--limit must not be negative, got " + limit);
        }
        BootScenario scenario;
        try {
            scenario = new BootScenario(cfg, Engines.byName(engine, cmd));
        } catch (ImageException | IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cmd, e.getMessage());
        }
        PrintWriter out = cmd.getOut();
        long[] printed = {0};
        scenario.setTracer(new Tracer() {
            private boolean started;

            @Override
            public void beforeInstruction(Cpu cpu, Insn insn, long rip) {
                if (cpu.apicId != ap) {
                    return;
                }
                if (!started) {
                    started = true;
                    out.printf("-- AP %d starts in %s at %04x:%x%n", ap, cpu.modeName(), cpu.seg[Insn.CS].selector, rip);
                }
                if (!modesOnly && printed[0] < limit) {
                    out.printf("%-8s %04x:%08x  %s%n", cpu.modeName(), cpu.seg[Insn.CS].selector, rip, AttSyntax.render(insn, rip));
                }
                printed[0]++;
            }

            @Override
            public void modeChanged(Cpu cpu, int oldModeKey) {
                if (cpu.apicId == ap) {
                    out.printf("-- mode %s  cs=0x%x cr0=0x%x cr4=0x%x efer=0x%x%n", cpu.modeName(), cpu.seg[Insn.CS].selector,
                            cpu.cr0, cpu.cr4, cpu.efer);
                }
            }

            @Override
            public void interrupt(Cpu cpu, int vector) {
                if (cpu.apicId == ap) {
                    out.printf("-- interrupt 0x%02x taken, handler at %04x:%x%n", vector, cpu.seg[Insn.CS].selector, cpu.rip);
                }
            }

            @Override
            public void fault(Cpu cpu, CpuException e) {
                if (cpu.apicId == ap) {
                    out.printf("-- fault %s at %04x:%x%n", e, cpu.seg[Insn.CS].selector, cpu.rip);
                }
            }
        });
        BootReport r = scenario.run(null);
        if (printed[0] > limit) {
            out.printf("-- %d more instructions not printed (--limit %d)%n", printed[0] - limit, limit);
        }
        var v = scenario.machine().vcpu(ap);
        out.printf("-- AP %d ends %s in %s at rip 0x%x after %d instructions%n", ap,
                org.apboot.core.machine.Vcpu.stateName(v.state()), v.cpu.modeName(), v.cpu.rip, v.cpu.instructions);
        if (v.cpu.faultChain != null) {
            v.cpu.faultChain.forEach(f -> out.println("-- fault chain: " + f));
        }
        out.flush();
        return r.success() ? 0 : 1;
    }
}
