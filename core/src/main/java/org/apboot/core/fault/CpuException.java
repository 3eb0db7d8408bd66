package org.apboot.core.fault;

/**
 * An architectural exception raised while executing a guest instruction (#GP, #PF, #UD...).
 *
 * <p>Thrown by semantics and memory accesses, caught by the engine, which rolls the instruction
 * back (RIP still points at it) and hands the exception to {@link ExceptionDelivery}. Carries no
 * Java stack trace: it is a guest fact, not a host error.
 */
public final class CpuException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public final int vector;
    public final boolean hasErrorCode;
    public final int errorCode;
    /** For #PF: the faulting linear address (becomes CR2). */
    public final long faultAddress;
    /** A #UD raised because apboot does not implement the instruction (not a guest error). */
    public final boolean unimplemented;
    /** Short human reason, e.g. "clearing CR0.NE is not allowed under tdx". */
    public final String reason;

    public CpuException(int vector, boolean hasErrorCode, int errorCode, long faultAddress,
                        boolean unimplemented, String reason) {
        super(reason, null, false, false);
        this.vector = vector;
        this.hasErrorCode = hasErrorCode;
        this.errorCode = errorCode;
        this.faultAddress = faultAddress;
        this.unimplemented = unimplemented;
        this.reason = reason;
    }

    public static CpuException de() {
        return new CpuException(Vectors.DE, false, 0, 0, false, "divide error");
    }

    public static CpuException ud(String why) {
        return new CpuException(Vectors.UD, false, 0, 0, false, why);
    }

    public static CpuException unimplemented(String what) {
        return new CpuException(Vectors.UD, false, 0, 0, true, "unimplemented: " + what);
    }

    public static CpuException gp(int err, String why) {
        return new CpuException(Vectors.GP, true, err, 0, false, why);
    }

    public static CpuException ss(int err, String why) {
        return new CpuException(Vectors.SS, true, err, 0, false, why);
    }

    public static CpuException np(int err, String why) {
        return new CpuException(Vectors.NP, true, err, 0, false, why);
    }

    public static CpuException ts(int err, String why) {
        return new CpuException(Vectors.TS, true, err, 0, false, why);
    }

    public static CpuException pf(int err, long linear) {
        return new CpuException(Vectors.PF, true, err, linear, false, "page fault");
    }

    public static CpuException ve(String why) {
        return new CpuException(Vectors.VE, false, 0, 0, false, why);
    }

    public static CpuException of(int vector, String why) {
        return new CpuException(vector, Vectors.hasErrorCode(vector), 0, 0, false, why);
    }

    @Override
    public String toString() {
        return Vectors.name(vector) + (hasErrorCode ? String.format("(0x%x)", errorCode) : "")
                + (vector == Vectors.PF ? String.format(" at 0x%x", faultAddress) : "")
                + (reason == null ? "" : ": " + reason);
    }
}
