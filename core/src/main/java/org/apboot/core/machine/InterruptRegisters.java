package org.apboot.core.machine;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The 256-bit interrupt request (IRR) and in-service (ISR) registers of one local APIC.
 *
 * <p>Any host thread may {@link #request} a vector (an IPI sender); everything else runs on the
 * owning vCPU's thread. IRR words are therefore updated with atomic bitwise operations and read
 * with acquire semantics; the ISR is plain. Allocated on a vCPU's first interrupt, so the
 * 100,000 APs of a bring-up that takes none carry no interrupt state.
 */
final class InterruptRegisters {
    private static final VarHandle WORDS = MethodHandles.arrayElementVarHandle(long[].class);

    private final long[] irr = new long[4];
    private final long[] isr = new long[4];

    /** Sets {@code vector} in the IRR (any thread). */
    void request(int vector) {
        WORDS.getAndBitwiseOr(irr, vector >>> 6, 1L << (vector & 63));
    }

    /** Highest requested vector, or -1. */
    int highestRequested() {
        for (int w = 3; w >= 0; w--) {
            long bits = (long) WORDS.getAcquire(irr, w);
            if (bits != 0) {
                return w * 64 + 63 - Long.numberOfLeadingZeros(bits);
            }
        }
        return -1;
    }

    /** Highest vector in service, or -1. */
    int highestInService() {
        for (int w = 3; w >= 0; w--) {
            if (isr[w] != 0) {
                return w * 64 + 63 - Long.numberOfLeadingZeros(isr[w]);
            }
        }
        return -1;
    }

    /** Moves {@code vector} from the IRR to the ISR (interrupt acknowledge). */
    void accept(int vector) {
        WORDS.getAndBitwiseAnd(irr, vector >>> 6, ~(1L << (vector & 63)));
        isr[vector >>> 6] |= 1L << (vector & 63);
    }

    /** EOI: clears the highest in-service vector, if any. */
    void endOfInterrupt() {
        int v = highestInService();
        if (v >= 0) {
            isr[v >>> 6] &= ~(1L << (v & 63));
        }
    }

    /** Bits 32*k .. 32*k+31 of the IRR (k = 0..7), as the APIC register pages show them. */
    int irrWord(int k) {
        return (int) ((long) WORDS.getAcquire(irr, k >>> 1) >>> ((k & 1) * 32));
    }

    /** Bits 32*k .. 32*k+31 of the ISR. */
    int isrWord(int k) {
        return (int) (isr[k >>> 1] >>> ((k & 1) * 32));
    }

    /** INIT: nothing requested, nothing in service. */
    void clear() {
        for (int w = 0; w < 4; w++) {
            WORDS.setRelease(irr, w, 0L);
            isr[w] = 0;
        }
    }

    /** IRR words then ISR words (a snapshot; no vCPU of the machine runs). */
    long[] save() {
        long[] out = new long[8];
        for (int w = 0; w < 4; w++) {
            out[w] = (long) WORDS.getAcquire(irr, w);
            out[4 + w] = isr[w];
        }
        return out;
    }

    /** Back to what {@link #save} returned. */
    void restore(long[] saved) {
        for (int w = 0; w < 4; w++) {
            WORDS.setRelease(irr, w, saved[w]);
            isr[w] = saved[4 + w];
        }
    }
}
