package org.apboot.core.cpu;

import org.apboot.core.fault.CpuException;
import org.apboot.core.mem.PhysicalMemory;

/**
 * The page walk of one vCPU (Intel SDM vol. 3 chapter 4, AMD APM vol. 2 chapter 5): 32-bit
 * paging with 4 KiB and 4 MiB (PSE, PSE-36) pages, PAE paging, and 4- and 5-level paging with
 * 2 MiB and 1 GiB pages. Results are left in public-to-the-package fields so a walk allocates
 * nothing.
 *
 * <ul>
 * <li>Accessed and dirty bits are set with compare-and-set on the entries in guest RAM (other
 *     vCPUs share the tables and may update them concurrently); when an entry changed under us
 *     the walk starts over. They are set only by a walk that succeeds: an access that faults
 *     leaves every entry unchanged.
 * <li>PAE PDPTEs are read on every walk rather than loaded at MOV to CR3. A PDPTE with reserved
 *     bits set therefore raises #PF with RSVD at the first access instead of #GP at the CR3
 *     write.
 * <li>SMAP and protection keys are not modelled; SMEP is.
 * </ul>
 */
final class PageWalker {
    static final long P = 1, RW = 1 << 1, US = 1 << 2, A = 1 << 5, D = 1 << 6, PS = 1 << 7, G = 1 << 8;
    static final long XD = 1L << 63;

    // error-code bits
    static final int PF_P = 1, PF_W = 2, PF_U = 4, PF_RSVD = 8, PF_ID = 16;

    /** The vCPU walked for: fixed, or set by {@link #bind} before each walk (a thread's walker). */
    private Cpu cpu;

    // results of the last walk
    long physPage;
    boolean global;
    boolean large;
    /** Allowed-access bits: bit (access + 3 * user); write bits only if the leaf is dirty. */
    int allow;
    /**
     * The {@link WalkCache} generation the result holds for (the walk changed nothing and read
     * only RAM entries of marked lines: while the generation stays, walking again finds the same
     * and changes nothing), or -1.
     */
    long keptGeneration;

    // entries used by the walk: guest-physical address, value, size (4 or 8)
    private final long[] entAddr = new long[5];
    private final long[] entVal = new long[5];
    private int entries;
    private int entSize;
    // what the shared walk cache needs to know of the last walk: the PAE PDPTE read (the other
    // entries are in entAddr), and whether an entry was read from device memory, read from a
    // line not yet marked, or updated (accessed/dirty flags)
    private long pdpteAddr = -1;
    private boolean fromDevice, unmarked, changed;

    PageWalker(Cpu cpu) {
        this.cpu = cpu;
    }

    /** Makes the next walks walk for {@code c}. */
    void bind(Cpu c) {
        cpu = c;
    }

    /**
     * Walks for an access; on success fills the result fields, else throws #PF or #GP(0). A
     * current result in the machine's {@link WalkCache} stands for the walk; a walk that read
     * and changed nothing but RAM entries of marked lines is kept there for the other vCPUs.
     * {@code control} is {@link WalkCache#control} of the vCPU now (the MMU keeps it).
     */
    void walk(long linear, int access, boolean user, int control) {
        Cpu c = cpu;
        WalkCache wc = c.walks;
        long vpn = linear >>> 12;
        if (wc.find(c, vpn, control, access, user, this)) {
            return;
        }
        keptGeneration = -1;
        long generation = wc.generation(); // before the first entry is read (see WalkCache)
        while (!walkOnce(linear, access, user, false)) {
            // an entry changed between read and accessed/dirty update: walk again
        }
        if (fromDevice) {
            return;
        }
        if (unmarked) {
            // the next walk through these entries can be kept
            for (int i = 0; i < entries; i++) {
                wc.mark(entAddr[i]);
            }
            if (pdpteAddr >= 0) {
                wc.mark(pdpteAddr);
            }
        } else if (!changed) {
            wc.keep(c.cr3, vpn, control, c.model, generation, physPage, allow, global, large);
            keptGeneration = generation;
        }
    }

    /** Physical address of {@code linear}, no side effects; throws #PF when not mapped. */
    long probe(long linear) {
        walkOnce(linear, Mmu.READ, false, true);
        return physPage | (linear & 0xFFF);
    }

    private boolean walkOnce(long linear, int access, boolean user, boolean probe) {
        Cpu c = cpu;
        entries = 0;
        pdpteAddr = -1;
        fromDevice = unmarked = changed = false;
        large = false;
        if ((c.cr4 & Cpu.CR4_PAE) == 0) {
            walk32(linear & 0xFFFF_FFFFL, access, user);
        } else if ((c.efer & Cpu.EFER_LMA) != 0) {
            walkLong(linear, access, user);
        } else {
            walkPae(linear & 0xFFFF_FFFFL, access, user);
        }
        if (probe) {
            return true;
        }
        return checkAndUpdate(linear, access, user);
    }

    // ---------------------------------------------------------------- walks

    private void walk32(long lin, int access, boolean user) {
        Cpu c = cpu;
        entSize = 4;
        long pdeAddr = (c.cr3 & 0xFFFF_F000L) + ((lin >>> 22) << 2);
        long pde = readEntry(pdeAddr, 4);
        use(pdeAddr, pde, lin, access, user);
        if ((pde & PS) != 0 && (c.cr4 & Cpu.CR4_PSE) != 0) {
            int limit = c.model.has(org.apboot.core.cpu.CpuModel.PSE36) ? Math.min(c.model.physAddrBits, 40) : 32;
            long rsvd = bits(21, limit - 19);
            if ((pde & rsvd) != 0) {
                throw fault(lin, access, user, PF_P | PF_RSVD);
            }
            long base = (pde & 0xFFC0_0000L) | (((pde >>> 13) & 0xFF) << 32);
            leaf(base + (lin & 0x3F_F000L), pde, true);
            return;
        }
        long pteAddr = (pde & 0xFFFF_F000L) + (((lin >>> 12) & 0x3FF) << 2);
        long pte = readEntry(pteAddr, 4);
        use(pteAddr, pte, lin, access, user);
        leaf(pte & 0xFFFF_F000L, pte, false);
    }

    private void walkPae(long lin, int access, boolean user) {
        Cpu c = cpu;
        entSize = 8;
        int m = c.model.physAddrBits;
        long addrMask = bits(m - 1, 12);
        long rsvdHigh = bits(62, m) | ((c.efer & Cpu.EFER_NXE) == 0 ? XD : 0);
        pdpteAddr = (c.cr3 & 0xFFFF_FFE0L) + ((lin >>> 30) << 3);
        long pdpte = readEntry(pdpteAddr, 8);
        if ((pdpte & P) == 0) {
            throw fault(lin, access, user, 0);
        }
        if ((pdpte & (bits(63, m) | bits(2, 1) | bits(8, 5))) != 0) {
            throw fault(lin, access, user, PF_P | PF_RSVD);
        }
        // PAE PDPTEs carry no access rights and no accessed flag: not recorded as used
        long pdeAddr = (pdpte & addrMask) + (((lin >>> 21) & 0x1FF) << 3);
        long pde = readEntry(pdeAddr, 8);
        use(pdeAddr, pde, lin, access, user);
        if ((pde & PS) != 0) {
            if ((pde & (rsvdHigh | bits(20, 13))) != 0) {
                throw fault(lin, access, user, PF_P | PF_RSVD);
            }
            leaf((pde & bits(m - 1, 21)) + (lin & 0x1F_F000L), pde, true);
            return;
        }
        checkReserved(pde, rsvdHigh, lin, access, user);
        long pteAddr = (pde & addrMask) + (((lin >>> 12) & 0x1FF) << 3);
        long pte = readEntry(pteAddr, 8);
        use(pteAddr, pte, lin, access, user);
        checkReserved(pte, rsvdHigh, lin, access, user);
        leaf(pte & addrMask, pte, false);
    }

    private void walkLong(long lin, int access, boolean user) {
        Cpu c = cpu;
        entSize = 8;
        boolean la57 = (c.cr4 & Cpu.CR4_LA57) != 0;
        int unused = la57 ? 7 : 16;
        if ((lin << unused >> unused) != lin) {
            throw CpuException.gp(0, "non-canonical address 0x" + Long.toHexString(lin));
        }
        int m = c.model.physAddrBits;
        long addrMask = bits(m - 1, 12);
        long rsvdHigh = bits(51, m) | ((c.efer & Cpu.EFER_NXE) == 0 ? XD : 0);
        long table = c.cr3 & addrMask;
        int shift = la57 ? 48 : 39;
        for (; shift > 12; shift -= 9) {
            long addr = table + (((lin >>> shift) & 0x1FF) << 3);
            long e = readEntry(addr, 8);
            use(addr, e, lin, access, user);
            if (shift >= 39) {
                checkReserved(e, rsvdHigh | PS, lin, access, user);
            } else if ((e & PS) != 0) {
                boolean gig = shift == 30;
                if (gig && (c.model.extEdx & org.apboot.core.cpu.CpuModel.EXT_PDPE1GB) == 0) {
                    throw fault(lin, access, user, PF_P | PF_RSVD);
                }
                long rsvd = rsvdHigh | (gig ? bits(29, 13) : bits(20, 13));
                checkReserved(e, rsvd, lin, access, user);
                long pageMask = (1L << shift) - 1;
                leaf((e & addrMask & ~pageMask) + (lin & pageMask & ~0xFFFL), e, true);
                return;
            } else {
                checkReserved(e, rsvdHigh, lin, access, user);
            }
            table = e & addrMask;
        }
        long addr = table + (((lin >>> 12) & 0x1FF) << 3);
        long pte = readEntry(addr, 8);
        use(addr, pte, lin, access, user);
        checkReserved(pte, rsvdHigh, lin, access, user);
        leaf(pte & addrMask, pte, false);
    }

    // ---------------------------------------------------------------- helpers

    /** Records an entry the walk uses; faults when it is not present. */
    private void use(long addr, long value, long lin, int access, boolean user) {
        if ((value & P) == 0) {
            throw fault(lin, access, user, 0);
        }
        entAddr[entries] = addr;
        entVal[entries] = value;
        entries++;
    }

    private void checkReserved(long e, long rsvd, long lin, int access, boolean user) {
        if ((e & rsvd) != 0) {
            throw fault(lin, access, user, PF_P | PF_RSVD);
        }
    }

    private void leaf(long page, long e, boolean isLarge) {
        physPage = page;
        large = isLarge;
        global = (e & G) != 0 && (cpu.cr4 & Cpu.CR4_PGE) != 0;
    }

    /**
     * Combines the rights of every entry used, checks the access, sets accessed/dirty bits.
     * Returns false when an entry changed concurrently (the caller walks again).
     */
    private boolean checkAndUpdate(long lin, int access, boolean user) {
        Cpu c = cpu;
        long rw = RW, us = US, xd = 0;
        for (int i = 0; i < entries; i++) {
            long e = entVal[i];
            rw &= e;
            us &= e;
            xd |= e;
        }
        boolean writable = rw != 0;
        boolean userPage = us != 0;
        boolean noExec = (xd & XD) != 0 && (c.efer & Cpu.EFER_NXE) != 0 && entSize == 8;
        boolean wp = (c.cr0 & Cpu.CR0_WP) != 0;
        boolean smep = (c.cr4 & Cpu.CR4_SMEP) != 0;
        int a = 1 << Mmu.READ;                                     // supervisor read
        if (writable || !wp) a |= 1 << Mmu.WRITE;                  // supervisor write
        if (!noExec && !(smep && userPage)) a |= 1 << Mmu.FETCH;   // supervisor fetch
        if (userPage) {
            a |= 1 << (3 + Mmu.READ);
            if (writable) a |= 1 << (3 + Mmu.WRITE);
            if (!noExec) a |= 1 << (3 + Mmu.FETCH);
        }
        if ((a & (1 << (access + (user ? 3 : 0)))) == 0) {
            throw fault(lin, access, user, PF_P);
        }
        // accessed flags top-down, then dirty on the leaf for a write
        int last = entries - 1;
        for (int i = 0; i <= last; i++) {
            long e = entVal[i];
            long want = e | A;
            if (i == last && access == Mmu.WRITE) {
                want |= D;
            }
            if (want != e) {
                changed = true;
                if (!casEntry(entAddr[i], e, want)) {
                    return false;
                }
            }
            entVal[i] = want;
        }
        if ((entVal[last] & D) == 0) {
            a &= ~((1 << Mmu.WRITE) | (1 << (3 + Mmu.WRITE)));
        }
        allow = a;
        return true;
    }

    private boolean casEntry(long addr, long expect, long update) {
        PhysicalMemory ram = cpu.ram;
        if (!ram.contains(addr, entSize)) {
            return true; // tables in device memory: nothing to update
        }
        long m = PhysicalMemory.mask(entSize);
        return ram.compareAndExchange(addr, entSize, expect & m, update & m) == (expect & m);
    }

    private long readEntry(long addr, int size) {
        PhysicalMemory ram = cpu.ram;
        if (ram.contains(addr, size)) {
            if (!unmarked && !cpu.walks.marked(addr)) {
                unmarked = true; // checked before the read: see WalkCache
            }
            return ram.read(addr, size);
        }
        fromDevice = true;
        return cpu.mmio.read(cpu.index, addr, size) & PhysicalMemory.mask(size);
    }

    private CpuException fault(long lin, int access, boolean user, int bits) {
        Cpu c = cpu;
        int err = bits;
        if (access == Mmu.WRITE) err |= PF_W;
        if (user) err |= PF_U;
        if (access == Mmu.FETCH && ((c.cr4 & Cpu.CR4_SMEP) != 0
                || ((c.cr4 & Cpu.CR4_PAE) != 0 && (c.efer & Cpu.EFER_NXE) != 0))) {
            err |= PF_ID;
        }
        return CpuException.pf(err, lin);
    }

    /** Mask of bits hi..lo inclusive (empty when hi < lo). */
    static long bits(int hi, int lo) {
        if (hi < lo) {
            return 0;
        }
        long upper = hi >= 63 ? -1L : (1L << (hi + 1)) - 1;
        return upper & ~((1L << lo) - 1);
    }
}
