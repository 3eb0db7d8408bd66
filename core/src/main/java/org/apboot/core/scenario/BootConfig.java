package org.apboot.core.scenario;

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
        return toBuilder().aps(n).build();
    }

    public BootConfig withPath(WakePath p) {
        return toBuilder().path(p).build();
    }

    public BootConfig withProfile(CpuProfile p) {
        return toBuilder().profile(p).build();
    }

    public BootConfig withPaging(int levels) {
        return toBuilder().pagingLevels(levels).build();
    }

    public BootConfig withWork(WorkMode w, long iter) {
        return toBuilder().work(w, iter).build();
    }

    public BootConfig withVariant(String v) {
        return toBuilder().variant(v).build();
    }

    public BootConfig withBlob(Path dir) {
        return toBuilder().blobDir(dir).build();
    }

    public BootConfig withThreads(int t) {
        return toBuilder().hostThreads(t).build();
    }

    public BootConfig withDeterministic(boolean d) {
        return toBuilder().deterministic(d).build();
    }

    public BootConfig withTimeout(long seconds) {
        return toBuilder().timeoutSeconds(seconds).build();
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    /** A mutable copy of a configuration; {@link #build()} validates. */
    public static final class Builder {
        private int aps;
        private WakePath path;
        private CpuProfile profile;
        private int pagingLevels;
        private WorkMode work;
        private long iterations;
        private String variant;
        private Path blobDir;
        private int hostThreads;
        private boolean deterministic;
        private long quantum;
        private long timeoutSeconds;

        private Builder(BootConfig c) {
            aps = c.aps;
            path = c.path;
            profile = c.profile;
            pagingLevels = c.pagingLevels;
            work = c.work;
            iterations = c.iterations;
            variant = c.variant;
            blobDir = c.blobDir;
            hostThreads = c.hostThreads;
            deterministic = c.deterministic;
            quantum = c.quantum;
            timeoutSeconds = c.timeoutSeconds;
        }

        public Builder aps(int v) {
            aps = v;
            return this;
        }

        public Builder path(WakePath v) {
            path = v;
            return this;
        }

        public Builder profile(CpuProfile v) {
            profile = v;
            return this;
        }

        public Builder pagingLevels(int v) {
            pagingLevels = v;
            return this;
        }

        public Builder work(WorkMode w, long iter) {
            work = w;
            iterations = iter;
            return this;
        }

        public Builder variant(String v) {
            variant = v;
            return this;
        }

        public Builder blobDir(Path v) {
            blobDir = v;
            return this;
        }

        public Builder hostThreads(int v) {
            hostThreads = v;
            return this;
        }

        public Builder deterministic(boolean v) {
            deterministic = v;
            return this;
        }

        public Builder quantum(long v) {
            quantum = v;
            return this;
        }

        public Builder timeoutSeconds(long v) {
            timeoutSeconds = v;
            return this;
        }

        public BootConfig build() {
            return new BootConfig(aps, path, profile, pagingLevels, work, iterations, variant, blobDir, hostThreads,
                    deterministic, quantum, timeoutSeconds);
        }
    }

    /** CLI spelling of the path. */
    public String pathName() {
        return path == WakePath.SIPI ? "sipi" : "mailbox64";
    }
}
