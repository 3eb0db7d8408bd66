package org.apboot.core.cpu;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.apboot.core.mem.PhysicalMemory;
import org.apboot.core.util.LongMap;

/**
 * Results of page walks shared by every vCPU of one guest RAM: thousands of APs walk the same
 * tables for the same pages after each CR3 load or paging switch, and a hit here replaces the
 * walk's four or five dependent table reads with one lookup. A vCPU's TLB is filled from it as
 * from a walk.
 *
 * <p>A result is kept only when the walk changed nothing (every entry it used already had its
 * accessed flag, and the leaf its dirty flag for the rights granted), read every entry from RAM,
 * and every entry's 64-byte line was marked here before the entry was read. Marked lines are
 * watched ({@link PhysicalMemory#watchLine}); any guest write to one — a table update, or a walk
 * setting an accessed or dirty flag — bumps the generation, which drops every result at once.
 * The walk reads the generation before its first entry: a write after an entry's read bumps it
 * past the result's stamp, a write before is seen by the read. Page tables are written rarely,
 * so one generation for everything is enough.
 *
 * <p>The key is the whole of what a walk depends on: CR3, the paging-control bits of CR0, CR4
 * and EFER, the CPU model and the linear page. Access rights are cached as the walk's
 * allowed-access bits; an access they do not allow walks for real (and faults there).
 */
final class WalkCache implements PhysicalMemory.WriteListener {
    private static final int BITS = 12;
    private static final int MASK = (1 << BITS) - 1;
    private static final VarHandle GEN;

    static {
        try {
            GEN = MethodHandles.lookup().findVarHandle(WalkCache.class, "generation", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** One walk's result: immutable, published by a plain store (final fields). */
    static final class Result {
        final long cr3, vpn;
        final int control;
        final CpuModel model;
        final long generation;
        final long physPage;
        final int allow;
        final boolean global, large;

        Result(long cr3, long vpn, int control, CpuModel model, long generation, long physPage, int allow,
               boolean global, boolean large) {
            this.cr3 = cr3;
            this.vpn = vpn;
            this.control = control;
            this.model = model;
            this.generation = generation;
            this.physPage = physPage;
            this.allow = allow;
            this.global = global;
            this.large = large;
        }
    }

    private final PhysicalMemory ram;
    private final Result[] results = new Result[1 << BITS];
    /** The 64-byte lines (by line number) holding entries of kept walks: few, so a sparse set. */
    private final LongMap<Boolean> marks = new LongMap<>();
    @SuppressWarnings("unused") // through GEN
    private volatile long generation;

    WalkCache(PhysicalMemory ram) {
        this.ram = ram;
        ram.addWriteListener(this);
    }

    /** The paging-control bits a walk depends on (CR0.WP; CR4.PSE/PAE/PGE/LA57/SMEP; EFER.NXE/LMA). */
    static int control(Cpu c) {
        int k = 0;
        if ((c.cr0 & Cpu.CR0_WP) != 0) k |= 1;
        if ((c.cr4 & Cpu.CR4_PSE) != 0) k |= 2;
        if ((c.cr4 & Cpu.CR4_PAE) != 0) k |= 4;
        if ((c.cr4 & Cpu.CR4_PGE) != 0) k |= 8;
        if ((c.cr4 & Cpu.CR4_LA57) != 0) k |= 16;
        if ((c.cr4 & Cpu.CR4_SMEP) != 0) k |= 32;
        if ((c.efer & Cpu.EFER_NXE) != 0) k |= 64;
        if ((c.efer & Cpu.EFER_LMA) != 0) k |= 128;
        return k;
    }

    private static int index(long cr3, long vpn) {
        long h = (vpn ^ (cr3 >>> 12) * 0x9E3779B97F4A7C15L);
        return (int) (h ^ (h >>> 29)) & MASK;
    }

    long generation() {
        return (long) GEN.getVolatile(this);
    }

    /**
     * The cached result for this walk when it is current and allows the access, else null.
     */
    Result find(Cpu c, long vpn, int control, int access, boolean user) {
        long cr3 = c.cr3;
        Result r = results[index(cr3, vpn)];
        if (r != null && r.vpn == vpn && r.cr3 == cr3 && r.control == control && r.model == c.model
                && ((r.allow >>> (access + (user ? 3 : 0))) & 1) != 0 && r.generation == generation()) {
            return r;
        }
        return null;
    }

    void put(Result r) {
        results[index(r.cr3, r.vpn)] = r;
    }

    /** True when the line holding {@code addr} is marked (its writes bump the generation). */
    boolean marked(long addr) {
        return marks.get(addr >>> 6) != null;
    }

    /** Marks the line holding {@code addr}: watched first, so a marked line's writes are reported. */
    void mark(long addr) {
        if (!ram.contains(addr, 1) || marked(addr)) {
            return;
        }
        ram.watchLine(addr, 1);
        marks.put(addr >>> 6, Boolean.TRUE);
    }

    @Override
    public void written(long addr, int len) {
        for (long line = addr >>> 6, last = (addr + len - 1) >>> 6; line <= last; line++) {
            if (marked(line << 6)) {
                GEN.getAndAdd(this, 1L);
                return;
            }
        }
    }
}
