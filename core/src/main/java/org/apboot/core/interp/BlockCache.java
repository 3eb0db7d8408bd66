package org.apboot.core.interp;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.Mmu;
import org.apboot.core.decode.Decoder;
import org.apboot.core.decode.Insn;
import org.apboot.core.decode.Op;
import org.apboot.core.engine.EngineStats;
import org.apboot.core.mem.MemoryMap;
import org.apboot.core.mem.MmioBus;
import org.apboot.core.mem.PhysicalMemory;
import org.apboot.core.util.LongMap;

/**
 * Decoded blocks shared by every vCPU of a machine, keyed by (physical address, mode key), and
 * invalidated when a write (a guest store from any vCPU, a host write or load, a restored
 * snapshot) changes their bytes: only the blocks whose bytes it overlaps, found through the
 * 64-byte lines they watch. Code in low RAM and in RAM and ROM regions anywhere is cached
 * (regions report their writes by physical address, aliases included, see
 * {@link MmioBus#addCodeListener}); code from a device is decoded afresh each time it runs.
 *
 * <p>Thread-safe: blocks are immutable and published through a {@link ConcurrentHashMap}; two
 * threads that miss at once may both decode, and one result wins.
 */
public final class BlockCache implements PhysicalMemory.WriteListener {
    /** Upper bound on instructions per block, to bound decode work and keep quanta fair. */
    public static final int MAX_INSNS = 64;

    private final ConcurrentHashMap<Long, DecodedBlock> blocks = new ConcurrentHashMap<>();
    /** Blocks per physical page, for invalidation. */
    private final LongMap<List<DecodedBlock>> byPage = new LongMap<>();
    private final PhysicalMemory ram;
    private final EngineStats stats;

    /**
     * Blocks of an earlier machine's cache, by key, not yet checked against this machine's RAM
     * (see {@link #carriedOver}); null when there were none.
     */
    private final ConcurrentHashMap<Long, DecodedBlock> carried;

    public BlockCache(PhysicalMemory ram, EngineStats stats) {
        this.ram = ram;
        this.stats = stats;
        this.carried = null;
        ram.addWriteListener(this);
    }

    private BlockCache(PhysicalMemory ram, EngineStats stats, Carry earlier) {
        this.ram = ram;
        this.stats = stats;
        this.carried = new ConcurrentHashMap<>();
        if (earlier.carried != null) {
            carried.putAll(earlier.carried); // never looked up there: still unchecked
        }
        for (DecodedBlock b : earlier.blocks.values()) {
            if (b.valid && b.code != null && !b.crossesPage()) {
                carried.put(key(b.phys, b.modeKey), b);
            }
        }
        ram.addWriteListener(this);
    }

    /**
     * What a later machine's cache takes over from this one ({@link #carriedOver}): its blocks,
     * without its RAM, so that keeping it does not keep the earlier machine's memory alive.
     */
    public static final class Carry {
        private final ConcurrentHashMap<Long, DecodedBlock> blocks;
        private final ConcurrentHashMap<Long, DecodedBlock> carried;

        private Carry(ConcurrentHashMap<Long, DecodedBlock> blocks, ConcurrentHashMap<Long, DecodedBlock> carried) {
            this.blocks = blocks;
            this.carried = carried;
        }
    }

    /** This cache's blocks for a later machine's cache; read when that cache is made. */
    public Carry carry() {
        return new Carry(blocks, carried);
    }

    /**
     * A cache for a new machine's {@code ram} that starts with the blocks of {@code earlier}
     * (a cache's {@link #carry}): each is used once this RAM holds the bytes it was decoded
     * from, compared when it is first looked up (after its lines are watched), so repeated runs
     * of the same guest on fresh machines decode nothing again. Blocks spanning two pages are
     * not carried over, nor any outside this machine's low RAM.
     */
    public static BlockCache carriedOver(PhysicalMemory ram, EngineStats stats, Carry earlier) {
        return new BlockCache(ram, stats, earlier);
    }

    /** Bits the mode key may use in the cache key: twelve are in use, the rest are room to grow. */
    public static final int KEY_SHIFT = 20;

    static long key(long phys, int modeKey) {
        return (phys << KEY_SHIFT) | modeKey;
    }

    /** The cached block at {@code phys} for {@code modeKey}, or null. */
    public DecodedBlock get(long phys, int modeKey) {
        long k = key(phys, modeKey);
        DecodedBlock b = blocks.get(k);
        if (b == null && carried != null) {
            b = adopt(k);
        }
        return b != null && b.valid ? b : null;
    }

    /**
     * Takes the carried-over block under {@code k} into this cache when this RAM holds the bytes
     * it was decoded from: indexed, then watched, then compared, as {@link #publish} does, so a
     * write racing with the check either changes the bytes compared or finds the block indexed.
     * One thread takes a given block; another that looks at the same time decodes its own. The
     * caches of a kept engine serve one machine at a time.
     */
    private DecodedBlock adopt(long k) {
        DecodedBlock b = carried.remove(k);
        if (b == null || !b.valid || !ram.contains(b.phys, b.byteLength)) {
            return null;
        }
        // its link names a block of the earlier machine, unchecked here: this machine's runs
        // link it again to blocks of this cache
        b.successor = null;
        DecodedBlock present = blocks.putIfAbsent(k, b);
        if (present != null) {
            return present;
        }
        if (!indexWatchAndCompare(null, b, b.code)) {
            blocks.remove(k, b);
            unindex(b);
            return null;
        }
        stats.sharedCacheHits.increment();
        return b;
    }

    /**
     * True when the CPU, at its RIP, would fetch {@code b} (found under the physical address and
     * mode key of that RIP): always, unless {@code b}'s instruction spans two pages, whose second
     * page must still translate to where it was fetched from (one TLB probe).
     *
     * @throws org.apboot.core.fault.CpuException when fetching the second page faults, as
     *     decoding the instruction again would
     */
    public static boolean holds(Cpu cpu, DecodedBlock b) {
        if (b.secondPage < 0) {
            return true;
        }
        long nextLinear = cpu.codeLinear(cpu.rip + b.firstPart);
        return cpu.mmu.translate(nextLinear, Mmu.FETCH, cpu.cpl == 3) == b.secondPage;
    }

    /**
     * Decodes the block starting at the CPU's current RIP, whose code lies at physical
     * {@code phys}, and caches it when its bytes are in memory whose changes this cache hears
     * of: low RAM, or a RAM or ROM region (see {@link MmioBus#codeRegion}). Code from a device or
     * from nothing is decoded afresh each time.
     *
     * @throws org.apboot.core.fault.CpuException when fetching the second page of a spanning
     *     instruction faults
     */
    public DecodedBlock build(Cpu cpu, long phys) {
        stats.misses.increment();
        stats.blocksBuilt.increment();
        int mode = cpu.codeSize;
        long pageEnd = (phys | 0xFFF) + 1;
        long backedEnd = backedEnd(cpu, phys);
        boolean cached = backedEnd > phys;
        long limit = cached ? Math.min(pageEnd, backedEnd) : pageEnd;
        // decode from one copy of the bytes, which publication compares with memory again once
        // the lines are watched (see publish)
        int span = (int) Math.max(0, Math.min(limit - phys, MAX_INSNS * 15L));
        byte[] code = new byte[span];
        if (cached) {
            copyCode(cpu, phys, code, 0, span);
        } else {
            span = cpu.mmio.fetch(cpu.index, phys, code, span);
            limit = phys + span;
        }
        ArrayList<Insn> list = new ArrayList<>(8);
        long p = phys;
        long secondPage = -1;
        while (list.size() < MAX_INSNS && p < limit) {
            Insn insn = new Insn();
            int off = (int) (p - phys);
            int avail = Math.min(span - off, 15);
            int len = avail <= 0 ? 0 : Decoder.decode(code, off, avail, mode, insn);
            if (len == 0) {
                if (!list.isEmpty() || limit < pageEnd) {
                    break;
                }
                // the block's first instruction runs past the page: it is the whole block, and
                // its bytes are those decoded here, from both pages
                int firstPart = (int) (pageEnd - phys);
                code = new byte[15];
                long next = decodeAcrossPage(cpu, phys, firstPart, insn, code);
                list.add(insn);
                p += insn.length;
                int rest = insn.length - firstPart;
                if (cached && rest > 0 && insn.length <= 15 && backedEnd(cpu, next) >= next + rest) {
                    secondPage = next;
                } else {
                    cached = false;
                }
                break;
            }
            if (insn.op.readsClock() && !list.isEmpty()) {
                break; // a clock read begins its own block: the retired count is exact there
            }
            list.add(insn);
            p += len;
            if (insn.op == Op.JCC && insn.imm >= 0) {
                continue; // a forward Jcc: the block goes on along its fall-through path (see DecodedBlock)
            }
            if (insn.endsBlock() || insn.op == Op.PAUSE || insn.op == Op.INVALID
                    || insn.op == Op.UNIMPLEMENTED || StringExecutors.repeated(insn)) {
                break;
            }
        }
        if (list.isEmpty()) {
            // fetch from beyond RAM: open bus reads as all ones, which decodes as invalid
            Insn insn = new Insn();
            byte[] ff = {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF,
                (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF,
                (byte) 0xFF, (byte) 0xFF, (byte) 0xFF};
            int len = Decoder.decode(ff, 0, 15, mode, insn);
            insn.length = Math.max(len, 1);
            list.add(insn);
            cached = false;
            p = phys + insn.length;
        }
        int length = (int) (p - phys);
        DecodedBlock b = new DecodedBlock(phys, cpu.modeKey, list.toArray(new Insn[0]), length, secondPage,
                (int) Math.min(length, pageEnd - phys), cached);
        if (cached) {
            publish(cpu, b, code);
        }
        return b;
    }

    /**
     * Decodes into {@code out} the instruction whose first {@code firstPart} bytes end the page
     * at {@code phys}, with the rest from where the next linear address is fetched; its bytes go
     * to {@code bytes} (15 of them). Returns the physical address of that second part.
     */
    private long decodeAcrossPage(Cpu cpu, long phys, int firstPart, Insn out, byte[] bytes) {
        for (int i = 0; i < firstPart; i++) {
            bytes[i] = (byte) fetchByte(cpu, phys + i);
        }
        long nextLinear = cpu.codeLinear(cpu.rip + firstPart);
        long phys2 = cpu.mmu.translate(nextLinear, Mmu.FETCH, cpu.cpl == 3);
        for (int i = firstPart; i < 15; i++) {
            bytes[i] = (byte) fetchByte(cpu, phys2 + (i - firstPart));
        }
        int len = Decoder.decode(bytes, 0, 15, cpu.codeSize, out);
        out.length = Math.max(len, 1);
        return phys2;
    }

    /** One code byte, from RAM, a region or a device (an instruction fetch: no memory hooks). */
    private int fetchByte(Cpu cpu, long p) {
        return ram.contains(p, 1) ? ram.read8(p) : (int) cpu.mmio.read(cpu.index, p, 1) & 0xFF;
    }

    /**
     * The end of the cacheable memory holding {@code phys}: low RAM's size, or a RAM or ROM
     * region's end; {@code phys} itself when the code there is not cacheable.
     */
    private long backedEnd(Cpu cpu, long phys) {
        if (ram.contains(phys, 1)) {
            return ram.size();
        }
        MemoryMap.Region r = cpu.mmio.codeRegion(cpu.index, phys);
        return r == null ? phys : r.end();
    }

    /** Copies {@code len} code bytes at {@code phys}, all in low RAM or in one region. */
    private void copyCode(Cpu cpu, long phys, byte[] dst, int off, int len) {
        if (ram.contains(phys, 1)) {
            ram.copyOut(phys, dst, off, len);
        } else {
            cpu.mmio.codeRegion(cpu.index, phys).copyOut(phys, dst, off, len);
        }
    }

    /**
     * Watches the lines of {@code len} code bytes at {@code phys} (all in low RAM or in one
     * region): this cache hears of every later write to them, whichever vCPU or host thread
     * makes it.
     */
    private void watchCode(Cpu cpu, long phys, int len) {
        if (ram.contains(phys, 1)) {
            ram.watchLine(phys, len);
        } else {
            cpu.mmio.addCodeListener(this); // before the lines are watched: no write goes unheard
            cpu.mmio.codeRegion(cpu.index, phys).watch(phys, len);
        }
    }

    /**
     * Makes {@code b}, decoded from {@code decoded}, findable, race-free with guest writes from
     * other threads: the block enters the page index, then its lines are watched (with a full
     * fence), then its bytes are read again. A write that lands before the watch is seen by that
     * comparison; one after it sees the watched line (every guest store is followed by a
     * StoreLoad barrier before it looks) and finds the block in the index. Either way the block
     * is invalidated. A block spanning two pages is indexed, watched and compared on both.
     */
    private void publish(Cpu cpu, DecodedBlock b, byte[] decoded) {
        b.code = decoded.length == b.byteLength ? decoded : java.util.Arrays.copyOf(decoded, b.byteLength);
        DecodedBlock replaced = blocks.put(key(b.phys, b.modeKey), b);
        if (replaced != null && replaced != b && replaced.crossesPage()) {
            // its second page translates elsewhere now: retire it rather than keep watching it
            replaced.valid = false;
            unindex(replaced);
        }
        if (!indexWatchAndCompare(cpu, b, decoded)) {
            b.valid = false;
            stats.invalidations.increment();
        }
        if (!b.valid) {
            // a write raced with decoding: never serve the stale block
            blocks.remove(key(b.phys, b.modeKey), b);
            unindex(b);
        }
    }

    /**
     * The steps {@link #publish} and {@link #adopt} share, in their race-free order: {@code b}
     * enters the page index, its lines are watched, then its bytes are read again; true when they
     * still equal {@code expected}. {@code cpu} (for code outside low RAM) may be null for a block
     * wholly in low RAM.
     */
    private boolean indexWatchAndCompare(Cpu cpu, DecodedBlock b, byte[] expected) {
        index(b.phys >>> 12, b);
        int rest = b.byteLength - b.firstPart;
        if (rest > 0) {
            index(b.secondPage >>> 12, b);
        }
        watchCode(cpu, b.phys, b.firstPart);
        if (rest > 0) {
            watchCode(cpu, b.secondPage, rest);
        }
        byte[] now = new byte[b.byteLength];
        copyCode(cpu, b.phys, now, 0, b.firstPart);
        if (rest > 0) {
            copyCode(cpu, b.secondPage, now, b.firstPart, rest);
        }
        return java.util.Arrays.equals(now, 0, now.length, expected, 0, now.length);
    }

    private void index(long page, DecodedBlock b) {
        byPage.computeIfAbsent(page, k -> new CopyOnWriteArrayList<DecodedBlock>()).add(b);
    }

    private void unindex(DecodedBlock b) {
        List<DecodedBlock> first = byPage.get(b.phys >>> 12);
        if (first != null) {
            first.remove(b);
        }
        if (b.crossesPage()) {
            List<DecodedBlock> second = byPage.get(b.secondPage >>> 12);
            if (second != null) {
                second.remove(b);
            }
        }
    }

    @Override
    public void written(long addr, int len) {
        for (long page = addr >>> 12; page <= (addr + len - 1) >>> 12; page++) {
            List<DecodedBlock> list = byPage.get(page);
            if (list == null) {
                continue;
            }
            for (DecodedBlock b : list) {
                if (b.valid && b.overlaps(addr, len)) {
                    b.valid = false;
                    blocks.remove(key(b.phys, b.modeKey), b);
                    unindex(b);
                    stats.invalidations.increment();
                }
            }
        }
    }

    /** Number of cached blocks. */
    public int size() {
        return blocks.size();
    }

    /** Calls {@code action} for every valid cached block (in no particular order). */
    public void forEach(java.util.function.Consumer<DecodedBlock> action) {
        for (DecodedBlock b : blocks.values()) {
            if (b.valid) {
                action.accept(b);
            }
        }
    }
}
