package org.apboot.core.interp;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.Mmu;
import org.apboot.core.decode.Decoder;
import org.apboot.core.decode.Insn;
import org.apboot.core.decode.Op;
import org.apboot.core.engine.EngineStats;
import org.apboot.core.mem.PhysicalMemory;
import org.apboot.core.semantics.Mem;
import org.apboot.core.util.LongMap;

/**
 * Decoded blocks shared by every vCPU of a machine, keyed by (physical address, mode key), and
 * invalidated at 64-byte-line granularity when guest code writes to their bytes.
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

    public BlockCache(PhysicalMemory ram, EngineStats stats) {
        this.ram = ram;
        this.stats = stats;
        ram.addWriteListener(this);
    }

    /** Bits the mode key may use in the cache key: twelve are in use, the rest are room to grow. */
    public static final int KEY_SHIFT = 20;

    static long key(long phys, int modeKey) {
        return (phys << KEY_SHIFT) | modeKey;
    }

    /** The cached block at {@code phys} for {@code modeKey}, or null. */
    public DecodedBlock get(long phys, int modeKey) {
        DecodedBlock b = blocks.get(key(phys, modeKey));
        return b != null && b.valid ? b : null;
    }

    /**
     * Decodes the block starting at the CPU's current RIP, whose code lies at physical
     * {@code phys}, and caches it unless it spans a page.
     *
     * @throws org.apboot.core.fault.CpuException when fetching the second page of a spanning
     *     instruction faults
     */
    public DecodedBlock build(Cpu cpu, long phys) {
        stats.misses.increment();
        stats.blocksBuilt.increment();
        int mode = cpu.codeSize;
        long pageEnd = (phys | 0xFFF) + 1;
        // code outside low RAM (a ROM, another RAM region) comes from the MMIO bus and is
        // decoded afresh each time it runs: nothing watches those bytes for changes
        boolean outside = !ram.contains(phys, 1);
        long limit = outside ? pageEnd : Math.min(pageEnd, ram.size());
        // decode from one copy of the bytes, which publication compares with RAM again once the
        // lines are watched (see publish)
        int span = (int) Math.max(0, Math.min(limit - phys, MAX_INSNS * 15L));
        byte[] code = new byte[span];
        if (outside) {
            span = cpu.mmio.fetch(cpu.index, phys, code, span);
            limit = phys + span;
        } else if (span > 0) {
            ram.copyOut(phys, code, 0, span);
        }
        ArrayList<Insn> list = new ArrayList<>(8);
        long p = phys;
        boolean crosses = false;
        while (list.size() < MAX_INSNS && p < limit) {
            Insn insn = new Insn();
            int off = (int) (p - phys);
            int avail = Math.min(span - off, 15);
            int len = avail <= 0 ? 0 : Decoder.decode(code, off, avail, mode, insn);
            if (len == 0) {
                if (!list.isEmpty() || limit < pageEnd) {
                    break;
                }
                decodeAcrossPage(cpu, phys, (int) (pageEnd - phys), insn);
                list.add(insn);
                crosses = true;
                p += insn.length;
                break;
            }
            if (insn.op.readsClock() && !list.isEmpty()) {
                break; // a clock read begins its own block: the retired count is exact there
            }
            list.add(insn);
            p += len;
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
            crosses = true;
            p = phys + insn.length;
        }
        crosses |= outside;
        DecodedBlock b = new DecodedBlock(phys, cpu.modeKey, list.toArray(new Insn[0]),
                (int) (p - phys), crosses);
        if (!crosses) {
            publish(b, code);
        }
        return b;
    }

    private void decodeAcrossPage(Cpu cpu, long phys, int firstPart, Insn out) {
        byte[] buf = new byte[15];
        for (int i = 0; i < firstPart; i++) {
            buf[i] = (byte) Mem.readPhysical(cpu, phys + i, 1);
        }
        long nextLinear = cpu.codeLinear(cpu.rip + firstPart);
        long phys2 = cpu.mmu.translate(nextLinear, Mmu.FETCH, cpu.cpl == 3);
        for (int i = firstPart; i < 15; i++) {
            buf[i] = (byte) Mem.readPhysical(cpu, phys2 + (i - firstPart), 1);
        }
        int len = Decoder.decode(buf, 0, 15, cpu.codeSize, out);
        out.length = Math.max(len, 1);
    }

    /**
     * Makes {@code b}, decoded from {@code decoded}, findable, race-free with guest writes from
     * other threads: the block enters the page index, then its lines are watched (with a full
     * fence), then its bytes are read again. A write that lands before the watch is seen by that
     * comparison; one after it sees the watched line (every guest store is followed by a
     * StoreLoad barrier before it looks) and finds the block in the index. Either way the block
     * is invalidated.
     */
    private void publish(DecodedBlock b, byte[] decoded) {
        blocks.put(key(b.phys, b.modeKey), b);
        long firstPage = b.phys >>> 12;
        byPage.computeIfAbsent(firstPage, k -> new java.util.concurrent.CopyOnWriteArrayList<DecodedBlock>()).add(b);
        ram.watchLine(b.phys, b.byteLength);
        byte[] now = new byte[b.byteLength];
        ram.copyOut(b.phys, now, 0, now.length);
        if (!java.util.Arrays.equals(now, 0, now.length, decoded, 0, now.length)) {
            b.valid = false;
            stats.invalidations.increment();
        }
        if (!b.valid) {
            // a write raced with decoding: never serve the stale block
            blocks.remove(key(b.phys, b.modeKey), b);
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
                    list.remove(b);
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
