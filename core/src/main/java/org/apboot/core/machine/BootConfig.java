package org.apboot.core.machine;

import java.nio.file.Path;
import org.apboot.core.cpu.CpuProfile;
import org.apboot.core.image.BootParams.WakePath;
import org.apboot.core.image.BootParams.WorkMode;
import org.apboot.core.image.GuestImages;
import org.apboot.core.image.KernelLayout;

/**
 * One mass AP bring-up: how many APs, which wake-up path, CPU profile, paging depth, per-CPU
 * work, which trampoline (a variant of ours or a kernel build's blob), and how to schedule.
 *
 * @param blobDir a kernel build's {@code arch/x86/realmode/rm} directory, or null for our own
 *     trampoline {@code variant}
 * @param timeoutSeconds wall-clock limit of the run (0 = none)
 */
public record BootConfig(int aps, WakePath path, CpuProfile profile, int pagingLevels, WorkMode work,
                         long iterations, String variant, Path blobDir, int hostThreads,
                         boolean deterministic, long quantum, long timeoutSeconds) {
    public static final int DEFAULT_APS = 4096;
    public static final long DEFAULT_CALIBRATE_ITERATIONS = 10_000;

    public BootConfig {
        if (aps < 1 || aps > KernelLayout.MAX_APS) {
            throw new IllegalArgumentException("--aps must be between 1 and " + KernelLayout.MAX_APS + ", got " + aps);
        }
        if (pagingLevels != 4 && pagingLevels != 5) {
            throw new IllegalArgumentException("--paging must be 4 or 5, got " + pagingLevels);
        }
        if (profile.tdx && path == WakePath.SIPI) {
            throw new IllegalArgumentException("--cpu tdx starts APs only through the mailbox: use --path mailbox64");
        }
        if (iterations < 0) {
            throw new IllegalArgumentException("calibrate iterations must not be negative, got " + iterations);
        }
        if (blobDir == null && !GuestImages.VARIANTS.contains(variant)) {
            throw new IllegalArgumentException("unknown --variant '" + variant + "' (known: "
                    + String.join(", ", GuestImages.VARIANTS) + ")");
        }
        if (blobDir != null && !"default".equals(variant)) {
            throw new IllegalArgumentException("--variant selects one of our trampolines; it cannot be combined with --blob");
        }
        if (hostThreads < 1 || hostThreads > 256) {
            throw new IllegalArgumentException("--threads must be between 1 and 256, got " + hostThreads);
        }
        if (quantum < 1) {
            throw new IllegalArgumentException("quantum must be positive, got " + quantum);
        }
        if (timeoutSeconds < 0) {
            throw new IllegalArgumentException("timeout must not be negative, got " + timeoutSeconds);
        }
    }

    /** The main job's defaults: 4096 APs over SIPI, generic CPU, 4-level paging, no per-CPU work. */
    public static BootConfig defaults() {
        return new BootConfig(DEFAULT_APS, WakePath.SIPI, CpuProfile.GENERIC, 4, WorkMode.NONE, 0,
                "default", null, 1, false, 20_000, 600);
    }

    public BootConfig withAps(int n) {
        return new BootConfig(n, path, profile, pagingLevels, work, iterations, variant, blobDir, hostThreads,
                deterministic, quantum, timeoutSeconds);
    }

    public BootConfig withPath(WakePath p) {
        return new BootConfig(aps, p, profile, pagingLevels, work, iterations, variant, blobDir, hostThreads,
                deterministic, quantum, timeoutSeconds);
    }

    public BootConfig withProfile(CpuProfile p) {
        return new BootConfig(aps, path, p, pagingLevels, work, iterations, variant, blobDir, hostThreads,
                deterministic, quantum, timeoutSeconds);
    }

    public BootConfig withPaging(int levels) {
        return new BootConfig(aps, path, profile, levels, work, iterations, variant, blobDir, hostThreads,
                deterministic, quantum, timeoutSeconds);
    }

    public BootConfig withWork(WorkMode w, long iter) {
        return new BootConfig(aps, path, profile, pagingLevels, w, iter, variant, blobDir, hostThreads,
                deterministic, quantum, timeoutSeconds);
    }

    public BootConfig withVariant(String v) {
        return new BootConfig(aps, path, profile, pagingLevels, work, iterations, v, blobDir, hostThreads,
                deterministic, quantum, timeoutSeconds);
    }

    public BootConfig withBlob(Path dir) {
        return new BootConfig(aps, path, profile, pagingLevels, work, iterations, variant, dir, hostThreads,
                deterministic, quantum, timeoutSeconds);
    }

    public BootConfig withThreads(int t) {
        return new BootConfig(aps, path, profile, pagingLevels, work, iterations, variant, blobDir, t,
                deterministic, quantum, timeoutSeconds);
    }

    public BootConfig withDeterministic(boolean d) {
        return new BootConfig(aps, path, profile, pagingLevels, work, iterations, variant, blobDir, hostThreads,
                d, quantum, timeoutSeconds);
    }

    public BootConfig withTimeout(long seconds) {
        return new BootConfig(aps, path, profile, pagingLevels, work, iterations, variant, blobDir, hostThreads,
                deterministic, quantum, seconds);
    }

    /** CLI spelling of the path. */
    public String pathName() {
        return path == WakePath.SIPI ? "sipi" : "mailbox64";
    }
}
