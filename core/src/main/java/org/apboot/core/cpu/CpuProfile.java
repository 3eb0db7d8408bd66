package org.apboot.core.cpu;

/**
 * What the platform lets the CPU do. The semantics consult the profile at the points where
 * virtualised platforms differ from bare metal.
 */
public enum CpuProfile {
    /** Bare metal. */
    GENERIC(false),
    /**
     * Intel TDX guest: CR0.PE and CR0.NE cannot be cleared (#GP), WRMSR to EFER raises #VE,
     * APs start only through the ACPI wake-up mailbox.
     */
    TDX(true);

    public final boolean tdx;

    CpuProfile(boolean tdx) {
        this.tdx = tdx;
    }

    public String cliName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static CpuProfile parse(String s) {
        for (CpuProfile p : values()) {
            if (p.cliName().equals(s)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown CPU profile '" + s + "' (expected generic or tdx)");
    }
}
