package org.apboot.core.image;

/**
 * What the kernel writes into the trampoline when it installs it (the kernel's setup_real_mode()):
 * the 64-bit entry the trampoline jumps to, EFER (LMA is stripped on install), CR4 (PAE, plus LA57
 * for 5-level paging), the flags word, and entry 0 of trampoline_pgd (the next-level table of the
 * kernel's identity map: the PDPT for 4-level paging, the PML4 for 5-level).
 */
public record TrampolineSetup(long kernelEntry, long efer, long cr4, int flags, long pgdEntry0) {
    public TrampolineSetup {
        if (kernelEntry == 0) {
            throw new ImageException("trampoline setup: kernel entry address is 0");
        }
        if ((efer & KernelLayout.EFER_LME) == 0) {
            throw new ImageException(String.format("trampoline setup: EFER 0x%x lacks LME, the AP could not enter long mode", efer));
        }
        if ((cr4 & KernelLayout.CR4_PAE) == 0) {
            throw new ImageException(String.format("trampoline setup: CR4 0x%x lacks PAE, long mode needs it", cr4));
        }
        if ((cr4 & ~0xFFFF_FFFFL) != 0) {
            throw new ImageException(String.format("trampoline setup: CR4 0x%x does not fit the 32-bit tr_cr4 field", cr4));
        }
    }
}
