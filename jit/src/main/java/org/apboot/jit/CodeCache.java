package org.apboot.jit;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.apboot.core.cpu.Cpu;
import org.apboot.core.engine.EngineStats;
import org.apboot.core.interp.BlockCache;
import org.apboot.core.interp.DecodedBlock;
import org.apboot.core.mem.PhysicalMemory;
import org.apboot.core.util.LongMap;

/**
 * Translated blocks shared by every vCPU, keyed by (physical address, mode key): a mode switch
 * looks under another key and flushes nothing. Blocks are translated from the interpreter's
 * decoded blocks once they are hot, once for all threads (a slot's monitor serialises
 * translation of one block; other blocks translate in parallel).
 *
 * <p>Self-modifying code: a guest write to bytes a block came from invalidates that block only
 * (byte-exact overlap, found through a per-page index); data sharing a page or a 64-byte line
 * with code invalidates nothing. Code in RAM and ROM regions outside low RAM is translated too:
 * the memory map reports writes to them by physical address ({@code MmioBus#addCodeListener}).
 * A block whose one instruction spans two pages is not translated; the interpreter runs it from
 * its decoded-block cache, which checks the second page's translation on each use.
 *
 * <p>Bounded: past {@code maxBlocks} live blocks the whole generation is dropped; running blocks
 * finish and their classes unload once unreferenced.
 */
final class CodeCache implements PhysicalMemory.WriteListener {
    /** Room for every mode-key bit and more: the key is (phys << 20) | modeKey. */
    static final int KEY_SHIFT = BlockCache.KEY_SHIFT;

    /** Per-block translation state. */
    static final class Slot {
        final long phys;
        final int modeKey;
        /** Times the block ran in the interpreter (racy: an approximate count is enough). */
        int heat;
        /** Never translate (spans a page, instruction too long...). */
        volatile boolean untranslatable;
        volatile CompiledBlock block;
        /** The cache generation the slot belongs to (see {@link #current}). */
        final int generation;
        /** Waiting in the pending batch, with the decoded block and code size to translate. */
        volatile boolean pending;
        /** Handed to the background translator: interpret until it publishes. */
        volatile boolean queued;
        DecodedBlock decodedBlock;
        int codeSize;

        Slot(long phys, int modeKey, int generation) {
            this.phys = phys;
            this.modeKey = modeKey;
            this.generation = generation;
        }
    }

    private final ConcurrentHashMap<Long, Slot> slots = new ConcurrentHashMap<>();
    /** Translated blocks by physical page, for invalidation (a new map per generation). */
    private volatile LongMap<CopyOnWriteArrayList<CompiledBlock>> byPage = new LongMap<>();
    private final AtomicInteger live = new AtomicInteger();
    /** Hot blocks waiting to be translated together (guarded by this). */
    private final List<Slot> pending = new java.util.ArrayList<>();
    private volatile int pendingCount;
    /** Bumped when a generation is dropped: slots of older generations are no longer in the map. */
    private volatile int generation;
    private volatile BlockCache decoded;
    private volatile PhysicalMemory ram;
    /** Bumped by {@link #attach}: blocks of older epochs are checked against the new RAM. */
    private volatile int epoch;
    private final JitSettings settings;
    private final EngineStats stats;
    private final LongAdder translated, classes, guestBytes, bytecodeBytes, translateNanos, evictions, invalidations;

    CodeCache(PhysicalMemory ram, BlockCache decoded, JitSettings settings, EngineStats stats) {
        this.decoded = decoded;
        this.ram = ram;
        this.settings = settings;
        this.stats = stats;
        this.translated = stats.counter("blocks translated");
        this.classes = stats.counter("classes defined");
        this.guestBytes = stats.counter("guest bytes translated");
        this.bytecodeBytes = stats.counter("bytecode bytes");
        this.translateNanos = stats.counter("translation ns");
        this.invalidations = stats.counter("translated blocks invalidated");
        this.evictions = stats.counter("translated blocks evicted");
        ram.addWriteListener(this);
    }

    static long key(long phys, int modeKey) {
        return (phys << KEY_SHIFT) | modeKey;
    }

    /** The slot for a block at {@code phys} in mode {@code modeKey}, created on first use. */
    Slot slot(long phys, int modeKey) {
        Long k = key(phys, modeKey);
        Slot s = slots.get(k);
        if (s == null) {
            s = slots.computeIfAbsent(k, x -> new Slot(phys, modeKey, generation));
        }
        return s;
    }

    /** True while {@code slot} belongs to the current generation (a per-thread cache may keep it). */
    boolean current(Slot slot) {
        return slot.generation == generation;
    }

    int threshold() {
        return settings.threshold();
    }

    /**
     * Called by a worker for a hot block at {@code slot} (the CPU's RIP at its start): returns
     * the translated block, or null to interpret it this time. The block joins the pending batch;
     * the batch is translated into one class when it is full, or when one of its blocks has run
     * {@code batch} more times in the interpreter (at once with threshold 0). One lock serialises
     * translation: two threads asking for the same block get one translation.
     */
    CompiledBlock translate(Cpu cpu, Slot slot) {
        if (slot.queued) {
            return null; // the background translator has it
        }
        int wait = settings.threshold() == 0 ? 0 : settings.batch();
        if (slot.pending && pendingCount < settings.batch() && slot.heat < settings.threshold() + wait) {
            return null; // waiting for its batch, without taking the lock
        }
        List<Slot> batch;
        synchronized (this) {
            CompiledBlock b = slot.block;
            if (b != null && b.valid) {
                return b;
            }
            if (slot.untranslatable || slot.queued) {
                return null;
            }
            if (!slot.pending) {
                DecodedBlock d = decoded.get(slot.phys, slot.modeKey);
                if (d == null) {
                    d = decoded.build(cpu, slot.phys);
                }
                if (!d.cached || d.crossesPage() || BlockCompiler.anyInsnTooLong(d.insns)) {
                    slot.untranslatable = true;
                    return null;
                }
                if (!ram.contains(slot.phys, d.byteLength)) {
                    // code in a region: its writes reach this cache through the memory map, from
                    // before the block is published
                    cpu.mmio.addCodeListener(this);
                }
                slot.decodedBlock = d;
                slot.codeSize = cpu.codeSize;
                slot.pending = true;
                pending.add(slot);
                pendingCount = pending.size();
            }
            if (pending.size() < settings.batch() && slot.heat < settings.threshold() + wait) {
                return null;
            }
            batch = takePending();
            if (!background()) {
                publishBatch(batch, compileBatch(batch));
                b = slot.block;
                return b != null && b.valid ? b : null;
            }
        }
        BACKGROUND.execute(() -> {
            CompiledBlock[] out;
            try {
                out = compileBatch(batch);
            } catch (RuntimeException | LinkageError e) {
                out = null; // never expected; those blocks stay in the interpreter
            }
            synchronized (this) {
                publishBatch(batch, out);
            }
        });
        return null;
    }

    /** Translation runs in the background unless settings or the threshold say otherwise. */
    private boolean background() {
        return settings.background() && settings.threshold() > 0;
    }

    /** One daemon thread translates for every engine in the JVM (translation is short and rare). */
    private static final java.util.concurrent.ExecutorService BACKGROUND =
            java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "apboot-translator");
                t.setDaemon(true);
                return t;
            });

    /** Takes the pending blocks whose decoded blocks are still valid (caller holds the lock). */
    private List<Slot> takePending() {
        List<Slot> batch = new java.util.ArrayList<>();
        for (Slot s : pending) {
            s.pending = false;
            if (s.decodedBlock.valid && current(s)) {
                s.queued = true;
                batch.add(s);
            }
        }
        pending.clear();
        pendingCount = 0;
        return batch;
    }

    /** Translates a batch into one class (no lock held: other vCPUs keep running). */
    private CompiledBlock[] compileBatch(List<Slot> batch) {
        if (batch.isEmpty()) {
            return new CompiledBlock[0];
        }
        long t0 = System.nanoTime();
        List<DecodedBlock> blocks = new java.util.ArrayList<>();
        int[] codeSizes = new int[batch.size()];
        for (int k = 0; k < codeSizes.length; k++) {
            blocks.add(batch.get(k).decodedBlock);
            codeSizes[k] = batch.get(k).codeSize;
        }
        CompiledBlock[] out = Translator.translate(blocks, codeSizes);
        classes.increment();
        translateNanos.add(System.nanoTime() - t0);
        return out;
    }

    /**
     * Publishes a translated batch (caller holds the lock). A block whose bytes were written, or
     * whose generation was dropped, while it was being translated is not published.
     */
    private void publishBatch(List<Slot> batch, CompiledBlock[] out) {
        for (int k = 0; k < batch.size(); k++) {
            Slot s = batch.get(k);
            s.queued = false;
            DecodedBlock d = s.decodedBlock;
            s.decodedBlock = null;
            if (out == null) {
                s.untranslatable = true;
                continue;
            }
            CompiledBlock b = out[k];
            translated.increment();
            guestBytes.add(b.byteLength);
            bytecodeBytes.add(b.bytecodeBytes);
            if (!current(s)) {
                continue;
            }
            if (ram.contains(b.phys, b.byteLength)) {
                ram.copyOut(b.phys, b.guestBytes, 0, b.byteLength);
            }
            b.epoch = epoch;
            publish(s, b, d);
        }
    }

    private void publish(Slot slot, CompiledBlock b, DecodedBlock d) {
        if (live.incrementAndGet() > settings.maxBlocks()) {
            dropAll();
            live.incrementAndGet();
        }
        byPage.computeIfAbsent(b.phys >>> 12, p -> new CopyOnWriteArrayList<CompiledBlock>()).add(b);
        slot.block = b;
        // the decoded block's lines are watched; a write that raced with translation cleared its
        // valid flag, and a later one finds this block in the page index
        if (!d.valid) {
            invalidate(b);
        }
    }

    private void invalidate(CompiledBlock b) {
        if (b.valid) {
            b.invalidate();
            live.decrementAndGet();
            CopyOnWriteArrayList<CompiledBlock> list = byPage.get(b.phys >>> 12);
            if (list != null) {
                list.remove(b);
            }
        }
    }

    /** Drops every translated block: a new generation starts empty. */
    private synchronized void dropAll() {
        int[] n = {0};
        byPage.forEachValue(list -> {
            for (CompiledBlock b : list) {
                if (b.valid) {
                    b.invalidate();
                    n[0]++;
                }
            }
        });
        byPage = new LongMap<>();
        generation++;
        slots.clear();
        live.set(0);
        evictions.add(n[0]);
    }

    @Override
    public void written(long addr, int len) {
        for (long page = addr >>> 12; page <= (addr + len - 1) >>> 12; page++) {
            CopyOnWriteArrayList<CompiledBlock> list = byPage.get(page);
            if (list == null) {
                continue;
            }
            for (CompiledBlock b : list) {
                if (b.valid && b.overlaps(addr, len)) {
                    invalidate(b);
                    invalidations.increment();
                }
            }
        }
    }

    /**
     * Moves the cache to another machine's RAM (the previous machine must not run any more):
     * translations are kept, and each is used again only once its guest bytes are found
     * unchanged at the same physical address of the new RAM ({@link #usable}). This is what keeps
     * a cache warm across fresh machines of the same workload.
     */
    synchronized void attach(PhysicalMemory newRam, BlockCache newDecoded) {
        // code from the old machine's regions is not carried over: their bytes are not kept
        PhysicalMemory old = ram;
        byPage.forEachValue(list -> {
            for (CompiledBlock b : list) {
                if (!old.contains(b.phys, b.byteLength)) {
                    invalidate(b);
                }
            }
        });
        this.decoded = newDecoded;
        this.ram = newRam;
        newRam.addWriteListener(this);
        epoch++;
    }

    /**
     * True when {@code b} may run: valid, and checked against the current RAM (a block from
     * before an {@link #attach} is compared byte for byte once, then watched; a mismatch
     * invalidates it).
     */
    boolean usable(CompiledBlock b) {
        if (!b.valid) {
            return false;
        }
        int e = epoch;
        if (b.epoch == e) {
            return true;
        }
        synchronized (b) {
            if (b.epoch != e && b.valid) {
                PhysicalMemory m = ram;
                // watch first, then compare: a write after the comparison finds the block watched
                m.watchLine(b.phys, b.byteLength);
                if (m.contains(b.phys, b.byteLength) && sameBytes(m, b)) {
                    byPage.computeIfAbsent(b.phys >>> 12, p -> new CopyOnWriteArrayList<CompiledBlock>()).addIfAbsent(b);
                    b.epoch = e;
                } else {
                    invalidate(b);
                }
            }
        }
        return b.valid;
    }

    private static boolean sameBytes(PhysicalMemory m, CompiledBlock b) {
        byte[] now = new byte[b.byteLength];
        m.copyOut(b.phys, now, 0, b.byteLength);
        return java.util.Arrays.equals(now, b.guestBytes);
    }

    /** Translated blocks currently valid. */
    int size() {
        return live.get();
    }
}
