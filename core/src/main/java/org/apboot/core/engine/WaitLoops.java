package org.apboot.core.engine;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.Mmu;
import org.apboot.core.decode.Insn;
import org.apboot.core.fault.CpuException;
import org.apboot.core.mem.PhysicalMemory;
import org.apboot.core.semantics.Mem;
import org.apboot.core.util.LongMap;

/**
 * The wait loops of a machine's guest code, recognised once per loop and cached by (physical
 * address of the anchor, mode key), as decoded blocks are: whatever engine ran the vCPU, a PAUSE
 * exit leaves it at the anchor with its state written back, and {@link #at} names the loop.
 * Unrecognised PAUSE sites are cached too (as null), so a PAUSE in ordinary code is decoded
 * once. A cached answer is dropped when guest code writes to the bytes it was read from.
 *
 * <p>Thread-safe: lookups are lock-free and allocate nothing; two threads that recognise the same
 * loop at once both decode it and one answer wins.
 */
public final class WaitLoops implements PhysicalMemory.WriteListener {
    private static final class Entry {
        final WaitLoop loop;
        /** The physical bytes the answer was read from: [start, end). */
        final long start, end;
        volatile boolean valid = true;

        Entry(WaitLoop loop, long start, long end) {
            this.loop = loop;
            this.start = start;
            this.end = end;
        }
    }

    private static final Entry[] NO_ENTRIES = new Entry[0];

    private final PhysicalMemory ram;
    private final LongMap<Entry> byKey = new LongMap<>();
    /** Cached entries per physical page, for invalidation. */
    private final LongMap<Entry[]> byPage = new LongMap<>();

    public WaitLoops(PhysicalMemory ram) {
        this.ram = ram;
        ram.addWriteListener(this);
    }

    /**
     * The wait loop a vCPU that just exited on PAUSE spins in ({@code cpu.rip} is the anchor, the
     * instruction after the PAUSE), or null when its code is not a loop {@link WaitLoopRecognizer}
     * recognises.
     */
    public WaitLoop at(Cpu cpu) {
        long lin = cpu.codeLinear(cpu.rip);
        long phys;
        try {
            phys = cpu.mmu.translate(lin, Mmu.FETCH, cpu.cpl == 3);
        } catch (CpuException e) {
            return null;
        }
        long key = (phys << 12) | (cpu.modeKey & 0xFFF);
        Entry e = byKey.get(key);
        if (e != null && e.valid) {
            return e.loop;
        }
        return recognise(cpu, lin, phys, key);
    }

    /** Number of cached answers (recognised loops and PAUSE sites that are not). */
    public int size() {
        return byKey.size();
    }


    private WaitLoop recognise(Cpu cpu, long anchorLinear, long anchorPhys, long key) {
        long csLimit = cpu.seg[Insn.CS].limit;
        boolean limited = cpu.codeSize != 64;
        boolean user = cpu.cpl == 3;
        long page = anchorLinear & ~0xFFFL;
        long pagePhys = anchorPhys & ~0xFFFL;
        byte[] seen = new byte[4096];
        WaitLoopRecognizer.Code code = off -> {
            if (limited && off > csLimit) {
                return -1;
            }
            long lin = cpu.codeLinear(off);
            if ((lin & ~0xFFFL) == page) {
                // the anchor's page: its translation was just checked for the fetch
                long p = pagePhys | (lin & 0xFFF);
                if (!ram.contains(p, 1)) {
                    return -1;
                }
                int b = ram.read8(p);
                seen[(int) (lin & 0xFFF)] = (byte) b;
                return b;
            }
            long p;
            try {
                p = cpu.mmu.translate(lin, Mmu.FETCH, user);
            } catch (CpuException ex) {
                return -1;
            }
            return ram.contains(p, 1) ? ram.read8(p) : -1;
        };
        long[] span = new long[2];
        WaitLoop loop = WaitLoopRecognizer.recognise(code, cpu.rip, cpu.codeSize, span);
        long first = (anchorLinear & 0xFFF) + span[0];
        long end = (anchorLinear & 0xFFF) + span[1];
        if (first < 0 || end > 4096 || first >= end) {
            return loop; // the loop spans pages: its answer depends on two mappings, not cached
        }
        Entry e = new Entry(loop, pagePhys + first, pagePhys + end);
        publish(key, e);
        ram.watchLine(e.start, (int) (e.end - e.start));
        // a write that raced with decoding, before the lines were watched: never serve it
        for (long a = e.start; a < e.end; a++) {
            if ((byte) ram.read8(a) != seen[(int) (a - pagePhys)]) {
                e.valid = false;
                break;
            }
        }
        return loop;
    }

    private synchronized void publish(long key, Entry e) {
        long page = e.start >>> 12;
        Entry[] old = byPage.get(page);
        if (old == null) {
            old = NO_ENTRIES;
        }
        int live = 0;
        for (Entry x : old) {
            if (x.valid) {
                live++;
            }
        }
        Entry[] n = new Entry[live + 1];
        int k = 0;
        for (Entry x : old) {
            if (x.valid) {
                n[k++] = x;
            }
        }
        n[k] = e;
        byPage.put(page, n);
        byKey.put(key, e);
    }

    @Override
    public void written(long addr, int len) {
        long last = addr + len - 1;
        for (long page = addr >>> 12; page <= last >>> 12; page++) {
            Entry[] es = byPage.get(page);
            if (es == null) {
                continue;
            }
            for (Entry e : es) {
                if (e.valid && addr < e.end && e.start <= last) {
                    e.valid = false;
                }
            }
        }
    }

    /**
     * The physical address of {@code poll}'s word for {@code cpu} (at the loop's anchor), or -1
     * when the vCPU cannot be parked on it: the access faults, crosses a page or a 64-byte line,
     * or is not RAM (a device register is not watched).
     */
    public static long physical(Cpu cpu, WaitLoop.Poll poll) {
        int size = poll.size();
        WaitLoop.Address a = poll.address();
        try {
            long lin = Mem.linear(cpu, a.segment(), a.offset(cpu), size, false);
            if ((lin & 0xFFF) + size > 0x1000) {
                return -1;
            }
            long phys = cpu.mmu.translate(lin, Mmu.READ, cpu.cpl == 3);
            if (!cpu.ram.contains(phys, size) || ((phys ^ (phys + size - 1)) >>> 6) != 0) {
                return -1;
            }
            return phys;
        } catch (CpuException e) {
            return -1;
        }
    }
}
