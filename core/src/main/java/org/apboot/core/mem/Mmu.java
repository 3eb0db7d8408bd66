package org.apboot.core.mem;

import org.apboot.core.cpu.Cpu;

/**
 * Linear-to-physical translation for one vCPU: page walks for 32-bit, PAE, 4- and 5-level
 * paging, and a per-vCPU TLB.
 *
 * <p>Call order: the semantics compute a linear address (segmentation), then call
 * {@link #translate}; on a miss the MMU walks the tables in guest RAM, sets accessed/dirty bits,
 * and either caches the translation or throws #PF with the architectural error code (CR2 is set
 * by exception delivery from {@code CpuException.faultAddress}). CR3 writes, CR0/CR4 paging-bit
 * changes and INVLPG must call {@link #flush}, {@link #flushAll} or {@link #invalidate}.
 */
public final class Mmu {
    public static final int READ = 0, WRITE = 1, FETCH = 2;

    private final Cpu cpu;

    public Mmu(Cpu cpu) {
        this.cpu = cpu;
    }

    /**
     * Translates {@code linear} for an access of kind {@link #READ}, {@link #WRITE} or
     * {@link #FETCH}; {@code user} is true for CPL-3 accesses (descriptor-table and other
     * implicit supervisor accesses pass false). Returns the physical address.
     *
     * @throws org.apboot.core.fault.CpuException #PF
     */
    public long translate(long linear, int access, boolean user) {
        if ((cpu.cr0 & Cpu.CR0_PG) == 0) {
            return linear & 0xFFFF_FFFFL;
        }
        throw new UnsupportedOperationException("paging not implemented yet");
    }

    /** Drops non-global translations (MOV to CR3). */
    public void flush() {
    }

    /** Drops every translation, global ones too (CR4.PGE/PAE/LA57 or CR0.PG changes). */
    public void flushAll() {
    }

    /** Drops the translation of the page containing {@code linear} (INVLPG), global or not. */
    public void invalidate(long linear) {
    }
}
