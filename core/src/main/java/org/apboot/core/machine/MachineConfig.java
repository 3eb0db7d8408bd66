package org.apboot.core.machine;

import org.apboot.core.cpu.CpuModel;
import org.apboot.core.cpu.CpuProfile;

/**
 * How to build a {@link Machine}. Immutable; use {@link #builder()}.
 */
public final class MachineConfig {
    /** Most vCPUs a machine accepts (BSP included). */
    public static final int MAX_CPUS = 1 << 20;

    public final long ramBytes;
    public final int cpus;
    public final CpuModel model;
    public final CpuProfile profile;
    public final int hostThreads;
    public final boolean deterministic;
    /** Guest instructions a vCPU runs before the scheduler switches to another. */
    public final long quantum;

    private MachineConfig(Builder b) {
        if (b.cpus < 1 || b.cpus > MAX_CPUS) {
            throw new IllegalArgumentException("CPU count must be between 1 and " + MAX_CPUS + ", got " + b.cpus);
        }
        if (b.hostThreads < 1 || b.hostThreads > 256) {
            throw new IllegalArgumentException("host threads must be between 1 and 256, got " + b.hostThreads);
        }
        if (b.quantum < 1) {
            throw new IllegalArgumentException("quantum must be positive, got " + b.quantum);
        }
        this.ramBytes = b.ramBytes;
        this.cpus = b.cpus;
        this.model = b.model;
        this.profile = b.profile;
        this.deterministic = b.deterministic;
        this.hostThreads = b.deterministic ? 1 : b.hostThreads;
        this.quantum = b.quantum;
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private long ramBytes = 64L << 20;
        private int cpus = 2;
        private CpuModel model = CpuModel.standard(true);
        private CpuProfile profile = CpuProfile.GENERIC;
        private int hostThreads = 1;
        private boolean deterministic;
        private long quantum = 20_000;

        public Builder ramBytes(long v) {
            ramBytes = v;
            return this;
        }

        /** Total vCPUs: the BSP plus the APs. */
        public Builder cpus(int v) {
            cpus = v;
            return this;
        }

        public Builder model(CpuModel v) {
            model = v;
            return this;
        }

        public Builder profile(CpuProfile v) {
            profile = v;
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

        public MachineConfig build() {
            return new MachineConfig(this);
        }
    }
}
