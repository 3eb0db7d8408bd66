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
    private static final VarHandle GENERATION;

    static {
        try {
            GENERATION = MethodHandles.lookup().findVarHandle(WalkCache.class, "generation", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    // A slot is STRIDE longs: a sequence number (odd while a writer fills the slot), then the
    // walk's key and outcome. Results live in one array, so keeping one allocates nothing.
    private static final int SEQ = 0, CR3 = 1, VPN = 2, PHYS = 3, META = 4, GEN = 5, STRIDE = 6;
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(long[].class);
    private static final long GLOBAL = 1L << 40, LARGE = 1L << 41;

    private final PhysicalMemory ram;
    private final long[] slots = new long[STRIDE << BITS];
    private final CpuModel[] models = new CpuModel[1 << BITS];
    /** The 64-byte lines (by line number) holding entries of kept walks: few, so a sparse set. */
    private final LongMap<Boolean> marks = new LongMap<>();
    @SuppressWarnings("unused") // through GENERATION
    private volatile long generation;

    /**
     * Translation contexts (CR3, paging-control bits, CPU model) by number, for TLB entries that
     * outlive flushes and change hands between vCPUs ({@link Mmu}). Numbers are unique in the
     * JVM, not only in this RAM: TLB arrays are pooled per host thread and pass between
     * machines, and an entry of another machine must never match. Open addressing by a hash of
     * CR3 and the control bits; a slot is filled once, under this object's monitor, and
     * published by the release store of its CR3 (plus one, so that an empty slot reads 0).
     */
    private static final int CONTEXT_BITS = 10;
    private static final int CONTEXT_MASK = (1 << CONTEXT_BITS) - 1;
    private static final VarHandle CONTEXT_KEY = MethodHandles.arrayElementVarHandle(long[].class);
    /** The next context number (0 is never one); numbers stop at {@link #MAX_CONTEXT}. */
    private static final java.util.concurrent.atomic.AtomicInteger NEXT_CONTEXT =
            new java.util.concurrent.atomic.AtomicInteger(1);
    /** The largest context number: the walk key holds 24 bits of it (see {@link Mmu}). */
    static final int MAX_CONTEXT = (1 << 23) - 1;
    private final long[] contextCr3 = new long[1 << CONTEXT_BITS];
    private final int[] contextControl = new int[1 << CONTEXT_BITS];
    private final CpuModel[] contextModel = new CpuModel[1 << CONTEXT_BITS];
    private final int[] contextNumber = new int[1 << CONTEXT_BITS];
    private int contexts;

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
        return (long) GENERATION.getVolatile(this);
    }

    /**
     * Looks this walk up: when a current result allows the access, copies it into {@code out}
     * ({@code physPage}, {@code allow}, {@code global}, {@code large}) and returns true. A slot
     * that a writer is filling, or filled again while it was read, is a miss.
     */
    boolean find(Cpu c, long vpn, int control, int access, boolean user, PageWalker out) {
        long cr3 = c.cr3;
        int i = index(cr3, vpn);
        int b = i * STRIDE;
        long[] s = slots;
        long seq = (long) SLOT.getAcquire(s, b + SEQ);
        if ((seq & 1) != 0) {
            return false;
        }
        long meta = s[b + META];
        boolean hit = s[b + VPN] == vpn && s[b + CR3] == cr3 && models[i] == c.model
                && (int) (meta >>> 8 & 0xFF) == control
                && ((meta >>> (access + (user ? 3 : 0))) & 1) != 0;
        long phys = s[b + PHYS];
        long gen = s[b + GEN];
        VarHandle.loadLoadFence();
        if (!hit || (long) SLOT.getOpaque(s, b + SEQ) != seq || gen != generation()) {
            return false;
        }
        out.physPage = phys;
        out.keptGeneration = gen;
        out.allow = (int) (meta & 0xFF);
        out.global = (meta & GLOBAL) != 0;
        out.large = (meta & LARGE) != 0;
        return true;
    }

    /**
     * Keeps a walk's result, stamped with the generation read before its first entry. A slot
     * another writer holds is left to it (keeping is an optimisation, never needed).
     */
    void keep(long cr3, long vpn, int control, CpuModel model, long generation, long physPage, int allow,
              boolean global, boolean large) {
        int i = index(cr3, vpn);
        int b = i * STRIDE;
        long[] s = slots;
        long seq = (long) SLOT.getVolatile(s, b + SEQ);
        if ((seq & 1) != 0 || !SLOT.compareAndSet(s, b + SEQ, seq, seq + 1)) {
            return;
        }
        VarHandle.storeStoreFence(); // the odd sequence number is visible before any field changes
        s[b + CR3] = cr3;
        s[b + VPN] = vpn;
        s[b + PHYS] = physPage;
        s[b + META] = (allow & 0xFF) | (long) (control & 0xFF) << 8 | (global ? GLOBAL : 0) | (large ? LARGE : 0);
        s[b + GEN] = generation;
        models[i] = model;
        SLOT.setRelease(s, b + SEQ, seq + 2);
    }

    /**
     * The number (1 to {@link #MAX_CONTEXT}) of the translation context
     * {@code (cr3, control, model)}, the same for every vCPU of this RAM and used by no other;
     * 0 when numbers or this table's slots ran out (then nothing is shared by context).
     */
    int context(long cr3, int control, CpuModel model) {
        long[] keys = contextCr3;
        int start = (int) ((cr3 >>> 12) * 0x9E3779B1L + control) & CONTEXT_MASK;
        for (int n = 0, i = start; n <= CONTEXT_MASK; n++, i = (i + 1) & CONTEXT_MASK) {
            long k = (long) CONTEXT_KEY.getAcquire(keys, i);
            if (k == 0) {
                return addContext(cr3, control, model, start);
            }
            if (k == cr3 + 1 && contextControl[i] == control && contextModel[i] == model) {
                return contextNumber[i];
            }
        }
        return 0;
    }

    private synchronized int addContext(long cr3, int control, CpuModel model, int start) {
        for (int n = 0, i = start; n <= CONTEXT_MASK; n++, i = (i + 1) & CONTEXT_MASK) {
            long k = contextCr3[i];
            if (k == 0) {
                if (contexts >= CONTEXT_MASK - CONTEXT_MASK / 4) {
                    return 0; // keep the table sparse: a full one would make every miss probe it all
                }
                int number = NEXT_CONTEXT.getAndUpdate(x -> x > MAX_CONTEXT ? x : x + 1);
                if (number > MAX_CONTEXT) {
                    return 0;
                }
                contexts++;
                contextControl[i] = control;
                contextModel[i] = model;
                contextNumber[i] = number;
                CONTEXT_KEY.setRelease(contextCr3, i, cr3 + 1);
                return number;
            }
            if (k == cr3 + 1 && contextControl[i] == control && contextModel[i] == model) {
                return contextNumber[i];
            }
        }
        return 0;
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
                GENERATION.getAndAdd(this, 1L);
                return;
            }
        }
    }
}
