package org.apboot;

/**
 * A guest exception reported to the host as guest facts (vector, error code, #PF address,
 * reason): thrown by the linear-address accessors of {@link VcpuHandle} when the vCPU's MMU
 * refuses the access (a #PF with its error code and address, a #GP for a non-canonical address),
 * and handed to {@link X86Machine.FaultHandler}s before delivery. Nothing is delivered to the
 * guest by the accessors.
 */
public final class GuestFault extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int vector;
    private final int errorCode;
    private final long address;

    GuestFault(int vector, int errorCode, long address, String text) {
        super(text, null, false, false);
        this.vector = vector;
        this.errorCode = errorCode;
        this.address = address;
    }

    /** The exception vector (14 for #PF, 13 for #GP). */
    public int vector() {
        return vector;
    }

    /** The error code the exception would push (the #PF error code bits P, W/R, U/S, RSVD, I/D). */
    public int errorCode() {
        return errorCode;
    }

    /** The linear address that faulted (what CR2 would hold for a #PF). */
    public long address() {
        return address;
    }
}
