package org.apboot.core.cpu;

/**
 * An embedder's say over interrupts before they are delivered, consulted by the one semantics
 * both engines use: external interrupts and NMIs as they are taken at an instruction boundary
 * ({@code ExternalEvents}), and INT n, INT3, INTO (when it interrupts) and INT1 as they raise
 * their vector, before any gate or privilege check ({@code ExceptionDelivery}). Installed in
 * {@link Cpu#interruptTakeover}; while it is null the semantics skip it.
 */
public interface InterruptTakeover {
    /** A maskable interrupt from the local APIC, accepted with RFLAGS.IF set. */
    int EXTERNAL = 0;
    /** A non-maskable interrupt (vector 2). */
    int NMI = 1;
    /** An interrupt raised by an instruction: INT n, INT3, INTO or INT1. */
    int SOFTWARE = 2;

    /**
     * True when the embedder handled the interrupt itself: nothing is delivered. RIP is where
     * the guest's handler would return to (the interrupted instruction for external events, the
     * next one for software interrupts) unless the embedder moved it.
     */
    boolean takeOver(Cpu cpu, int vector, int kind);
}
