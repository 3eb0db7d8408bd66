package org.apboot.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apboot.core.cpu.CpuProfile;
import org.apboot.core.image.BootParams.WakePath;
import org.apboot.core.image.BootParams.WorkMode;
import org.apboot.core.scenario.BootConfig;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/** The options shared by {@code boot}, {@code compare} and {@code trace}. */
final class BootOptions {
    @Option(names = "--aps", paramLabel = "N", description = "application processors to bring up (default: ${DEFAULT-VALUE})")
    int aps = BootConfig.DEFAULT_APS;

    @Option(names = "--path", paramLabel = "sipi|mailbox64", description = "wake-up path (default: ${DEFAULT-VALUE})")
    String path = "sipi";

    @Option(names = "--threads", paramLabel = "T", description = "host threads running vCPUs (default: ${DEFAULT-VALUE})")
    int threads = 1;

    @Option(names = "--paging", paramLabel = "4|5", description = "kernel paging levels (default: ${DEFAULT-VALUE})")
    int paging = 4;

    @Option(names = "--cpu", paramLabel = "generic|tdx", description = "CPU profile (default: ${DEFAULT-VALUE})")
    String cpu = "generic";

    @Option(names = "--work", paramLabel = "none|calibrate[:ITER]",
            description = "per-CPU work in start_secondary (default: ${DEFAULT-VALUE}; calibrate defaults to "
                    + BootConfig.DEFAULT_CALIBRATE_ITERATIONS + " iterations)")
    String work = "none";

    @Option(names = "--blob", paramLabel = "DIR",
            description = "a kernel build's arch/x86/realmode/rm directory (realmode.bin, realmode.relocs[, realmode.elf])")
    Path blob;

    @Option(names = "--variant", paramLabel = "V",
            description = "our trampoline variant: default, efer-always, cr0-no-ne, idt6, no-lock (default: ${DEFAULT-VALUE})")
    String variant = "default";

    @Option(names = "--deterministic", description = "one host thread, fixed quanta, round robin: replayable interleaving")
    boolean deterministic;

    @Option(names = "--quantum", paramLabel = "INSNS", description = "guest instructions per scheduling quantum (default: ${DEFAULT-VALUE})")
    long quantum = 20_000;

    @Option(names = "--timeout", paramLabel = "SECONDS", description = "wall-clock limit of the run, 0 = none (default: ${DEFAULT-VALUE})")
    long timeout = 600;

    /** Options for commands that default to a handful of APs (trace). */
    static BootOptions small() {
        BootOptions o = new BootOptions();
        o.aps = 4;
        return o;
    }

    /** Validates and converts to a {@link BootConfig}; bad values become picocli parameter errors. */
    BootConfig toConfig(CommandLine cmd) {
        WakePath p;
        switch (path) {
            case "sipi": p = WakePath.SIPI; break;
            case "mailbox64": p = WakePath.MAILBOX64; break;
            default: throw new CommandLine.ParameterException(cmd, "--path must be sipi or mailbox64, got '" + path + "'");
        }
        CpuProfile profile;
        try {
            profile = CpuProfile.parse(cpu);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cmd, "--cpu must be generic or tdx, got '" + cpu + "'");
        }
        WorkMode w;
        long iter = 0;
        if (work.equals("none")) {
            w = WorkMode.NONE;
        } else if (work.equals("calibrate") || work.startsWith("calibrate:")) {
            w = WorkMode.CALIBRATE;
            iter = BootConfig.DEFAULT_CALIBRATE_ITERATIONS;
            if (work.startsWith("calibrate:")) {
                try {
                    iter = Long.parseLong(work.substring("calibrate:".length()));
                } catch (NumberFormatException e) {
                    throw new CommandLine.ParameterException(cmd, "--work calibrate:ITER needs a number, got '" + work + "'");
                }
            }
        } else {
            throw new CommandLine.ParameterException(cmd, "--work must be none or calibrate[:ITER], got '" + work + "'");
        }
        if (blob != null && !Files.isDirectory(blob)) {
            throw new CommandLine.ParameterException(cmd, "--blob " + blob + ": not a directory");
        }
        try {
            return new BootConfig(aps, p, profile, paging, w, iter, variant, blob, threads, deterministic, quantum, timeout);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cmd, e.getMessage());
        }
    }
}
