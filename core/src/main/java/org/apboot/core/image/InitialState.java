package org.apboot.core.image;

/**
 * Register state the machine gives a vCPU that does not start through INIT/SIPI (the BSP, and every
 * AP parked in the firmware for the mailbox path). Segment registers hold selectors; the machine
 * loads their hidden parts from the GDT at {@code gdtBase}. Interrupts are off (RFLAGS = 0x2),
 * general registers not listed are zero.
 */
public record InitialState(long cr0, long cr3, long cr4, long efer, long gdtBase, int gdtLimit, long idtBase,
                           int idtLimit, int cs, int ds, int es, int ss, int fs, int gs, long rip, long rsp,
                           long rflags, long apicBase) {
}
