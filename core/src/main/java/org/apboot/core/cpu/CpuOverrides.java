package org.apboot.core.cpu;

/**
 * An embedder's say over CPUID, RDMSR and WRMSR, consulted by the one semantics both engines
 * use, after the architectural privilege checks. Installed in {@link Cpu#overrides}; while it
 * is null the semantics skip it.
 */
public interface CpuOverrides {
    /** Adjusts in place the {EAX, EBX, ECX, EDX} CPUID computed for {@code leaf}/{@code subleaf}. */
    void cpuid(Cpu cpu, int leaf, int subleaf, int[] regs);

    /** The value RDMSR of {@code msr} returns, or {@link MsrHandler#UNKNOWN} to let the CPU answer. */
    long rdmsr(Cpu cpu, int msr);

    /** True when the override takes the write (the CPU does nothing more, raises nothing). */
    boolean wrmsr(Cpu cpu, int msr, long value);
}
