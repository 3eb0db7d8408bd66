package org.apboot.core.cpu;

/**
 * Model-specific registers owned by the platform rather than the core (the x2APIC range,
 * platform MSRs). The core handles the architectural ones (EFER, FS/GS bases, SYSCALL and
 * SYSENTER MSRs, TSC, MISC_ENABLE) itself and asks this handler for the rest.
 */
public interface MsrHandler {
    /** Sentinel: this handler does not know the MSR (the core raises #GP(0)). */
    long UNKNOWN = 0x8000_0000_0000_0001L;

    /** Returns the value or {@link #UNKNOWN}. May throw a CpuException for a guest error. */
    long read(Cpu cpu, int msr);

    /** Returns false if the MSR is unknown (the core raises #GP(0)). */
    boolean write(Cpu cpu, int msr, long value);

    MsrHandler NONE = new MsrHandler() {
        @Override
        public long read(Cpu cpu, int msr) {
            return UNKNOWN;
        }

        @Override
        public boolean write(Cpu cpu, int msr, long value) {
            return false;
        }
    };
}
