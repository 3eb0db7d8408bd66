package org.apboot.core.cpu;

import org.apboot.core.fault.CpuException;

/**
 * Linear-to-physical translation for one vCPU: page walks for 32-bit, PAE, 4- and 5-level
 * paging, and a per-vCPU TLB.
 *
 * <p>Call order: the semantics compute a linear address (segmentation), then call
 * {@link #translate}; on a miss the MMU walks the tables in guest RAM ({@link PageWalker}), sets
 * accessed/dirty bits, and either caches the translation or throws #PF with the architectural
 * error code (CR2 is set by exception delivery from {@code CpuException.faultAddress}). CR3
 * writes call {@link #flush}, INVLPG {@link #invalidate}. Changes of CR0, CR4 or EFER are
 * noticed here by themselves: the hit path compares the three registers with the values seen at
 * the last fill and, when a bit that affects translation changed, drops every translation (as
 * the manual requires for CR0.PG/CR4.PGE/PAE/PSE/LA57/SMEP changes, and harmlessly more often).
 *
 * <h2>TLB</h2>
 * Direct-mapped, {@value #TLB_ENTRIES} entries of 4 KiB granularity (large pages are cached one
 * 4 KiB piece per entry); the hit path looks at one entry. A miss looks at that entry again
 * (it may stand for a walk, below) and at its two victim slots, where a fill moves the entries
 * it displaces, before it walks. Each entry is four
 * longs in one array: the linear page number (tag), the physical page address, a meta word
 * holding the generation stamp (low 32 bits) and the allowed-access bits (one bit per access
 * kind and privilege, already combining every level's R/W, U/S and XD with CR0.WP, CR4.SMEP and
 * EFER.NXE), and the walk key (below). Write bits are granted only when the leaf's
 * dirty bit is already set, so the first write to a clean page walks once to set D.
 * Non-global entries carry the current generation, global ones (CR4.PGE and G) the global
 * generation: {@link #flush} renews the first, {@link #flushAll} both, in O(1).
 *
 * <h2>Entries that stand for a walk</h2>
 * The fourth long of an entry is its walk key: non-zero when the walk that filled it changed
 * nothing and read only page-table lines the machine's {@link WalkCache} watches, then the
 * number of the translation context (CR3, paging-control bits, CPU model) and the walk cache's
 * generation. While the key matches the vCPU's current context and generation, walking again
 * would find the same translation and change nothing, so an entry whose stamp a flush made
 * stale is used (and stamped current) instead of walking: a CR3 reload, or the next AP that
 * takes a released array from the pool, finds the pages the previous owner used in the same
 * context without walking. Any write to a watched page-table line bumps the generation, and
 * every such entry is stale at once.
 */
public final class Mmu {
    public static final int READ = 0, WRITE = 1, FETCH = 2;

    static final int TLB_BITS = 8;
    public static final int TLB_ENTRIES = 1 << TLB_BITS;
    private static final int TLB_MASK = TLB_ENTRIES - 1;
    /** Allowed-access bit for (access, user): bit {@code access + 3 * user}. */
    static final int ALLOW_SHIFT = 32;
    /** Meta bit: the entry is a 4 KiB piece of a large page. */
    private static final long LARGE_PIECE = 1L << 62;
    /**
     * The victim slots of entry {@code e} are {@code e ^ VICTIM_1} and {@code e ^ VICTIM_2}: an
     * entry a fill replaces moves to the first, the first's to the second, so up to three pages
     * (or one page in three contexts: firmware, trampoline, kernel) that share a slot stay cached.
     */
    private static final int VICTIM_1 = (TLB_ENTRIES / 2) << 2, VICTIM_2 = (TLB_ENTRIES / 4) << 2;

    private final Cpu cpu;
    /**
     * One walker per host thread, bound to the vCPU it walks for: a walk's results are read
     * right after it on the same thread, and walks never nest. A vCPU keeps none of its own
     * (most APs of a bring-up never walk: see the walk keys above), and a machine of 100,000
     * vCPUs builds without 300,000 objects it does not need.
     */
    private static final ThreadLocal<PageWalker> WALKERS = ThreadLocal.withInitial(() -> new PageWalker(null));
    /**
     * Walks on the thread's walker after which a vCPU gets one of its own: one that keeps
     * walking (a guest that reloads CR3 or touches new pages all the time) then spares the
     * thread-local lookup, a tenth of such a miss.
     */
    private static final int OWN_WALKER_AFTER = 64;
    /** This vCPU's own walker, once it walked {@link #OWN_WALKER_AFTER} times; else null. */
    private PageWalker ownWalker;
    private int sharedWalks;
    /**
     * An empty TLB shared by every MMU that holds no translations: its tags are all -1, which no
     * page number equals, so the hit path needs no null check. Never written.
     */
    private static final long[] EMPTY = emptyTlb();
    /**
     * Entry i at [4i]: tag (linear >>> 12, or -1), [4i+1]: physical page, [4i+2]: meta,
     * [4i+3]: walk key (0: none).
     */
    private long[] tlb = EMPTY;

    private int counter = 2;
    private int gen = 1;
    private int globalGen = 2;
    /** A large page was cached since the last full flush: INVLPG must then drop everything. */
    private boolean largeCached;

    // control-register values seen when the TLB contents were last validated
    private long seenCr0 = -1, seenCr4 = -1, seenEfer = -1;
    /** The walk-cache control bits of the seen CR0, CR4 and EFER ({@link WalkCache#control}). */
    private int seenControl = -1;
    private boolean paging;

    // the translation context whose number walk keys carry, and the CR3 and control bits it
    // was looked up for
    private long contextCr3 = -1;
    private int contextControl = -1;
    private int context;
    /**
     * Walk-key bits that hold the generation; the context number (at most
     * {@link WalkCache#MAX_CONTEXT}, 23 bits) sits above them, so a key is never negative.
     */
    private static final int KEY_GENERATION_BITS = 40;

    /** Walks, TLB misses and hits are not counted on the hit path; misses are. */
    private long misses;
    /**
     * Bumped by everything that drops translations on purpose (flushes, INVLPG, release,
     * control-register changes), not by fills: while it and CR0/CR4/EFER are unchanged, a
     * translation that succeeded before is one the CPU may still use (see
     * {@link #unchangedSince}).
     */
    private int epoch;

    public Mmu(Cpu cpu) {
        this.cpu = cpu;
    }

    /**
     * The slot after the entries: the highest generation ever stamped into the array (kept with
     * the array while it is pooled, so the next owner's generations are above every stamp in it).
     */
    private static final int COUNTER = TLB_ENTRIES * 4;

    private static long[] emptyTlb() {
        long[] t = new long[TLB_ENTRIES * 4 + 1];
        java.util.Arrays.fill(t, -1L);
        t[COUNTER] = 2;
        return t;
    }

    /**
     * Drops the TLB's storage (a halted vCPU, and a parked one unless the scheduler lets it keep
     * its translations for a quick return, keeps only its architectural state: with 100,000
     * vCPUs, 8 KiB of TLB each would dominate the heap). The next miss takes an array
     * from the pool again. Nothing is cleared: the array keeps the last generation stamped in it
     * ({@link #COUNTER}), and its next owner starts above that, so no old entry matches.
     */
    public void release() {
        long[] t = tlb;
        epoch++;
        if (t != EMPTY) {
            tlb = EMPTY;
            t[COUNTER] = counter;
            TlbPool.release(t);
        }
    }

    /**
     * Translates {@code linear} for an access of kind {@link #READ}, {@link #WRITE} or
     * {@link #FETCH}; {@code user} is true for CPL-3 accesses (descriptor-table and other
     * implicit supervisor accesses pass false). Returns the physical address.
     *
     * @throws org.apboot.core.fault.CpuException #PF, or #GP(0) for a non-canonical address
     */
    public long translate(long linear, int access, boolean user) {
        Cpu c = cpu;
        if (c.cr0 != seenCr0 || c.cr4 != seenCr4 || c.efer != seenEfer) {
            controlChanged();
        }
        if (!paging) {
            return linear & 0xFFFF_FFFFL;
        }
        long p = cached(linear, access, user);
        return p >= 0 ? p : miss(linear, access, user);
    }

    /**
     * The physical address of an access of {@code size} bytes at {@code linear} when the TLB
     * holds its page with the rights the access needs, else -1: the part of {@link #translate}
     * that needs no walk, with no side effect, for fast paths that fall back to the complete
     * access. Also -1 when paging is off, when CR0, CR4 or EFER changed since the TLB was last
     * validated (only {@link #translate} notices that), or when the access spans two pages.
     */
    public long hit(long linear, int size, int access, boolean user) {
        // a stale paging bit is harmless: quick checks the control registers first
        return paging ? quick(linear, size, access, user) : -1;
    }

    /**
     * {@link #hit}, and with paging off the physical address itself (the linear address's low
     * 32 bits): the translation of an access within one page that needs no walk and can raise
     * no fault, or -1. Also -1 when CR0, CR4 or EFER changed since they were last seen (only
     * {@link #translate} takes such a change in).
     */
    public long quick(long linear, int size, int access, boolean user) {
        Cpu c = cpu;
        if (c.cr0 != seenCr0 || c.cr4 != seenCr4 || c.efer != seenEfer
                || ((linear ^ (linear + size - 1)) & ~0xFFFL) != 0) {
            return -1;
        }
        return paging ? cached(linear, access, user) : linear & 0xFFFF_FFFFL;
    }

    /** The TLB's translation of {@code linear} for the access, or -1 (paging on, TLB current). */
    private long cached(long linear, int access, boolean user) {
        long vpn = linear >>> 12;
        int e = ((int) vpn & TLB_MASK) << 2;
        long[] t = tlb;
        if (t[e] == vpn) {
            long meta = t[e + 2];
            int stamp = (int) meta;
            if ((stamp == gen || stamp == globalGen)
                    && ((meta >>> (ALLOW_SHIFT + access + (user ? 3 : 0))) & 1) != 0) {
                return t[e + 1] | (linear & 0xFFF);
            }
        }
        return -1;
    }

    /**
     * True when entry {@code e} of {@code t} (its tag already compared) allows the access and
     * is current: by its stamp, or by its walk key, when it is stamped current again.
     */
    private boolean current(long[] t, int e, int access, boolean user) {
        long meta = t[e + 2];
        if (((meta >>> (ALLOW_SHIFT + access + (user ? 3 : 0))) & 1) == 0) {
            return false;
        }
        int stamp = (int) meta;
        if (stamp == gen || stamp == globalGen) {
            return true;
        }
        long key = t[e + 3];
        if (key == 0 || key != walkKey()) {
            return false;
        }
        t[e + 2] = (meta & ~0xFFFF_FFFFL) | (gen & 0xFFFF_FFFFL);
        if ((meta & LARGE_PIECE) != 0) {
            largeCached = true;
        }
        return true;
    }

    /**
     * The walk key of the current context and walk-cache generation: what an entry must carry
     * to stand for a walk now (see the class comment); 0 when contexts ran out. Called on the
     * miss path only, after {@link #translate} brought the seen control registers up to date.
     */
    private long walkKey() {
        return walkKey(cpu.walks.generation());
    }

    private long walkKey(long generation) {
        Cpu c = cpu;
        int control = seenControl;
        if (c.cr3 != contextCr3 || control != contextControl) {
            context = c.walks.context(c.cr3, control, c.model);
            contextCr3 = c.cr3;
            contextControl = control;
        }
        return context == 0 ? 0 : (long) context << KEY_GENERATION_BITS
                | (generation & ((1L << KEY_GENERATION_BITS) - 1));
    }

    private long miss(long linear, int access, boolean user) {
        long vpn = linear >>> 12;
        int e = ((int) vpn & TLB_MASK) << 2;
        long[] t = tlb;
        if (t == EMPTY) {
            t = takeArray();
        }
        // the entry may stand for a walk (its stamp is stale: after a flush, the common case,
        // so it is looked at first), or sit in a victim slot
        if (t[e] == vpn && current(t, e, access, user)) {
            return t[e + 1] | (linear & 0xFFF);
        }
        int v1 = e ^ VICTIM_1, v2 = e ^ VICTIM_2;
        if (t[v1] == vpn && current(t, v1, access, user)) {
            return swapIn(t, e, v1) | (linear & 0xFFF);
        }
        if (t[v2] == vpn && current(t, v2, access, user)) {
            return swapIn(t, e, v2) | (linear & 0xFFF);
        }
        misses++;
        PageWalker w = walker();
        try {
            w.walk(linear, access, user, seenControl); // throws #PF / #GP
        } finally {
            unbind(w);
        }
        if (t[e] != -1L) {
            // the entry it replaces moves to the first victim slot, that one's to the second
            // (the same page in another context too: a CR3 switch back finds it there)
            System.arraycopy(t, v1, t, v2, 4);
            System.arraycopy(t, e, t, v1, 4);
        }
        t[e] = vpn;
        t[e + 1] = w.physPage;
        int stamp = w.global ? globalGen : gen;
        t[e + 2] = ((long) w.allow << ALLOW_SHIFT) | (stamp & 0xFFFF_FFFFL) | (w.large ? LARGE_PIECE : 0);
        t[e + 3] = w.keptGeneration >= 0 ? walkKey(w.keptGeneration) : 0;
        if (w.large) {
            largeCached = true;
        }
        return w.physPage | (linear & 0xFFF);
    }

    /** Swaps entry {@code v} with entry {@code e}; returns the physical page now at {@code e}. */
    private static long swapIn(long[] t, int e, int v) {
        for (int i = 0; i < 4; i++) {
            long x = t[e + i];
            t[e + i] = t[v + i];
            t[v + i] = x;
        }
        return t[e + 1];
    }

    /** Gives this MMU an array from the pool (or a new one), with generations above its stamps. */
    private long[] takeArray() {
        long[] t = TlbPool.take();
        if (t == null) {
            t = emptyTlb();
        }
        tlb = t;
        // new generations above every stamp the array holds: its old entries never match by
        // stamp (those that stand for a walk still match by their walk key)
        counter = Math.max(counter, (int) t[COUNTER]);
        gen = next();
        globalGen = next();
        if (tlb != t) { // the counter started over and the array was dropped
            t = emptyTlb();
            tlb = t;
        }
        return t;
    }

    /** The walker to walk with now: this vCPU's own, or the thread's, bound to this vCPU. */
    private PageWalker walker() {
        PageWalker w = ownWalker;
        if (w != null) {
            return w;
        }
        if (++sharedWalks > OWN_WALKER_AFTER) {
            w = new PageWalker(cpu);
            ownWalker = w;
            return w;
        }
        w = WALKERS.get();
        w.bind(cpu);
        return w;
    }

    /** Whether this vCPU walks with a walker of its own (for tests). */
    boolean hasOwnWalker() {
        return ownWalker != null;
    }

    /** After a walk: the thread's walker keeps no machine alive (its results stay). */
    private void unbind(PageWalker w) {
        if (w != ownWalker) {
            w.bind(null);
        }
    }

    private void controlChanged() {
        Cpu c = cpu;
        epoch++;
        long relevant0 = Cpu.CR0_PG | Cpu.CR0_WP | Cpu.CR0_PE;
        long relevant4 = Cpu.CR4_PSE | Cpu.CR4_PAE | Cpu.CR4_PGE | Cpu.CR4_LA57 | Cpu.CR4_SMEP | Cpu.CR4_PCIDE;
        long relevantE = Cpu.EFER_NXE | Cpu.EFER_LMA;
        if (((c.cr0 ^ seenCr0) & relevant0) != 0 || ((c.cr4 ^ seenCr4) & relevant4) != 0
                || ((c.efer ^ seenEfer) & relevantE) != 0) {
            flushAll();
        }
        seenCr0 = c.cr0;
        seenCr4 = c.cr4;
        seenEfer = c.efer;
        seenControl = WalkCache.control(c);
        paging = (c.cr0 & Cpu.CR0_PG) != 0 && (c.cr0 & Cpu.CR0_PE) != 0;
    }

    /** Drops non-global translations (MOV to CR3). */
    public void flush() {
        epoch++;
        gen = next();
    }

    /** Drops every translation, global ones too (CR4.PGE/PAE/LA57 or CR0.PG changes). */
    public void flushAll() {
        epoch++;
        gen = next();
        globalGen = next();
        largeCached = false;
    }

    private int next() {
        if (counter >= Integer.MAX_VALUE - 2) {
            // generation space exhausted (after ~2^31 flushes): start over with an empty TLB
            // (the array is dropped, not pooled: its stamps would match the new generations)
            tlb = EMPTY;
            counter = 2;
        }
        return ++counter;
    }

    /** Drops the translation of the page containing {@code linear} (INVLPG), global or not. */
    public void invalidate(long linear) {
        epoch++;
        if (largeCached) {
            // a large page is cached as several 4 KiB entries: drop them all (over-invalidation
            // is always permitted)
            flushAll();
            return;
        }
        int e = ((int) (linear >>> 12) & TLB_MASK) << 2;
        if (tlb != EMPTY) {
            tlb[e] = -1L;
            tlb[e ^ VICTIM_1] = -1L;
            tlb[e ^ VICTIM_2] = -1L;
        }
    }

    /** The current translation epoch (see {@link #unchangedSince}). */
    public int epoch() {
        return epoch;
    }

    /**
     * True if no flush, invalidation, release or control-register change happened since
     * {@link #epoch} returned {@code e}: every translation that succeeded since then may be used
     * again as it was. A fill since may have evicted its entry, and a page-table write since may
     * have changed what a walk would find; a processor may keep using a translation it cached
     * until software invalidates it (SDM vol. 3, 4.10.4.2), so the old result stands for both.
     */
    public boolean unchangedSince(int e) {
        Cpu c = cpu;
        return e == epoch && c.cr0 == seenCr0 && c.cr4 == seenCr4 && c.efer == seenEfer;
    }

    /** TLB misses (page walks) so far, for statistics. */
    public long misses() {
        return misses;
    }

    /** True when the cached translation state currently has paging enabled (after a translate). */
    public boolean pagingEnabled() {
        return (cpu.cr0 & Cpu.CR0_PG) != 0 && (cpu.cr0 & Cpu.CR0_PE) != 0;
    }

    /**
     * Walks the page tables for {@code linear} without touching the TLB, accessed/dirty bits or
     * raising faults (debuggers, disassemblers). Returns the physical address or -1.
     */
    public long probe(long linear) {
        if (!pagingEnabled()) {
            return linear & 0xFFFF_FFFFL;
        }
        PageWalker w = walker();
        try {
            return w.probe(linear);
        } catch (CpuException e) {
            return -1;
        } finally {
            unbind(w);
        }
    }
}
