package org.apboot.core.image;

/**
 * A trampoline copied into guest RAM and relocated. All addresses are physical.
 *
 * @param base              where the blob starts (page-aligned, below 1 MiB)
 * @param size              blob length in bytes
 * @param sipiVector        the STARTUP IPI vector: trampolineStart >> 12
 * @param trampolineStart   16-bit SIPI entry
 * @param trampolineStart64 64-bit entry for the ACPI wake-up mailbox
 * @param header            trampoline_header (start, efer, cr4, flags[, lock])
 * @param lock              tr_lock, or -1 for a lock-less blob (serial bring-up only)
 * @param pgd               trampoline_pgd
 */
public record InstalledTrampoline(long base, int size, int sipiVector, long trampolineStart, long trampolineStart64,
                                  long header, long lock, long pgd) {
    public boolean hasLock() {
        return lock >= 0;
    }
}
