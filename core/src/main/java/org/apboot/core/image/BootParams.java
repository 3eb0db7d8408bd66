package org.apboot.core.image;

import org.apboot.core.mem.PhysicalMemory;

/**
 * The boot-parameter block the machine writes at {@link KernelLayout#BOOT_PARAMS} before the BSP
 * starts, plus the tables it points at. Build one, size guest RAM with {@link #ramBytes()}, load the
 * images, install the trampoline, then {@link #write}.
 */
public final class BootParams {
    private static final java.lang.invoke.VarHandle INT_LE =
            java.lang.invoke.MethodHandles.byteArrayViewVarHandle(int[].class, java.nio.ByteOrder.LITTLE_ENDIAN);
    public enum WakePath { SIPI, MAILBOX64 }

    public enum WorkMode { NONE, CALIBRATE }

    // offsets in the block (guest/kernel/layout.inc)
    public static final int BP_MAGIC = 0x00, BP_VERSION = 0x04, BP_AP_COUNT = 0x08, BP_PATH = 0x0c, BP_FLAGS = 0x10,
            BP_WORK = 0x14, BP_ITERATIONS = 0x18, BP_CPU_APICID = 0x20, BP_APICID_CPU = 0x28, BP_APICID_LIMIT = 0x30,
            BP_SIPI_VECTOR = 0x34, BP_TRAMPOLINE = 0x38, BP_WAKEUP_VECTOR = 0x40, BP_TRAMPOLINE_LOCK = 0x48,
            BP_MAILBOX = 0x50, BP_MADT = 0x58, BP_CR3 = 0x60, BP_CR4 = 0x68, BP_PERCPU_BASE = 0x70,
            BP_PERCPU_STRIDE = 0x78, BP_SIZE = 0x80;
    public static final int MAGIC = 0x5042_5041;   // "APBP"
    public static final int VERSION = 1;
    public static final int FLAG_SERIAL = 1;
    /** Highest APIC ID accepted (keeps the APIC ID -> cpu table below 64 MiB). */
    public static final int MAX_APIC_ID = 0xFF_FFFF;
    /** Marks an APIC ID without a cpu in the APIC ID -> cpu table. */
    public static final int NO_CPU = -1;

    private final int[] apicIds;          // per cpu, cpu 0 = BSP
    private final WakePath path;
    private final boolean serial;
    private final WorkMode work;
    private final long iterations;
    private final boolean fiveLevel;
    private final int stride;
    private final boolean mailboxViaMadt;
    private final int apicIdLimit;
    private final long cpuApicIdTable;
    private final long apicIdCpuTable;
    private final long perCpuBase;
    private final long ramBytes;

    private BootParams(Builder b) {
        int n = b.apApicIds.length;
        if (n < 1 || n > KernelLayout.MAX_APS) {
            throw new ImageException("AP count must be between 1 and " + KernelLayout.MAX_APS + ", got " + n);
        }
        if (b.stride < KernelLayout.DEFAULT_PERCPU_STRIDE || b.stride % 64 != 0) {
            throw new ImageException("per-CPU stride must be a multiple of 64 and at least "
                    + KernelLayout.DEFAULT_PERCPU_STRIDE + " bytes, got " + b.stride);
        }
        if (b.iterations < 0) {
            throw new ImageException("calibrate iterations must not be negative, got " + b.iterations);
        }
        apicIds = new int[n + 1];
        apicIds[0] = b.bspApicId;
        System.arraycopy(b.apApicIds, 0, apicIds, 1, n);
        int max = 0;
        for (int cpu = 0; cpu <= n; cpu++) {
            int id = apicIds[cpu];
            if (id < 0 || id > MAX_APIC_ID) {
                throw new ImageException(String.format("APIC ID 0x%x of cpu %d is outside 0..0x%x",
                        id & 0xFFFF_FFFFL, cpu, MAX_APIC_ID));
            }
            max = Math.max(max, id);
        }
        int[] owner = new int[max + 1]; // cpu + 1 per APIC ID given out so far (the IDs are at most 2^24)
        for (int cpu = 0; cpu <= n; cpu++) {
            int id = apicIds[cpu];
            if (owner[id] != 0) {
                throw new ImageException("APIC ID " + id + " is given to both cpu " + (owner[id] - 1)
                        + " and cpu " + cpu);
            }
            owner[id] = cpu + 1;
        }
        path = b.path;
        serial = b.serial;
        work = b.work;
        iterations = b.iterations;
        fiveLevel = b.fiveLevel;
        stride = b.stride;
        mailboxViaMadt = b.mailboxViaMadt;
        apicIdLimit = max + 1;
        cpuApicIdTable = KernelLayout.TABLES_BASE;
        apicIdCpuTable = align(cpuApicIdTable + 4L * (n + 1), 4096);
        perCpuBase = align(apicIdCpuTable + 4L * apicIdLimit, 4096);
        ramBytes = align(perCpuBase + (long) stride * (n + 1), 1 << 20);
        if (ramBytes > Integer.MAX_VALUE - 8) {
            throw new ImageException(String.format("%d APs with a %d-byte per-CPU stride need %d MiB of guest RAM, more than 2 GiB",
                    n, stride, ramBytes >> 20));
        }
    }

    private static long align(long v, long a) {
        return (v + a - 1) & -a;
    }

    /** APs get APIC IDs 1..apCount, the BSP 0. */
    public static Builder builder(int apCount) {
        if (apCount < 1 || apCount > KernelLayout.MAX_APS) {
            throw new ImageException("AP count must be between 1 and " + KernelLayout.MAX_APS + ", got " + apCount);
        }
        int[] ids = new int[apCount];
        for (int i = 0; i < apCount; i++) {
            ids[i] = i + 1;
        }
        return new Builder().apApicIds(ids);
    }

    public static final class Builder {
        private int bspApicId;
        private int[] apApicIds = new int[0];
        private WakePath path = WakePath.SIPI;
        private boolean serial;
        private WorkMode work = WorkMode.NONE;
        private long iterations;
        private boolean fiveLevel;
        private int stride = KernelLayout.DEFAULT_PERCPU_STRIDE;
        private boolean mailboxViaMadt;

        public Builder bspApicId(int id) {
            this.bspApicId = id;
            return this;
        }

        /** APIC IDs of the APs in cpu order (cpu 1 first). */
        public Builder apApicIds(int... ids) {
            this.apApicIds = ids.clone();
            return this;
        }

        public Builder path(WakePath p) {
            this.path = p;
            return this;
        }

        /** One AP at a time, each waited for before the next (needed with a lock-less trampoline). */
        public Builder serial(boolean s) {
            this.serial = s;
            return this;
        }

        public Builder work(WorkMode w, long iterations) {
            this.work = w;
            this.iterations = iterations;
            return this;
        }

        public Builder fiveLevel(boolean f) {
            this.fiveLevel = f;
            return this;
        }

        public Builder perCpuStride(int bytes) {
            this.stride = bytes;
            return this;
        }

        /** Leave BP_MAILBOX at 0 so the BSP finds the mailbox through the MADT. */
        public Builder mailboxViaMadt(boolean v) {
            this.mailboxViaMadt = v;
            return this;
        }

        public BootParams build() {
            return new BootParams(this);
        }
    }

    /** Guest RAM needed, rounded up to 1 MiB. */
    public long ramBytes() {
        return ramBytes;
    }

    public int apCount() {
        return apicIds.length - 1;
    }

    public int apicId(int cpu) {
        return apicIds[cpu];
    }

    public WakePath path() {
        return path;
    }

    public boolean serial() {
        return serial;
    }

    public WorkMode work() {
        return work;
    }

    public boolean fiveLevel() {
        return fiveLevel;
    }

    public int perCpuStride() {
        return stride;
    }

    public long perCpuBase() {
        return perCpuBase;
    }

    /** Base (GS base) of cpu's per-CPU area; its stack top is base + stride. */
    public long perCpuArea(int cpu) {
        return perCpuBase + (long) stride * cpu;
    }

    public long cpuApicIdTable() {
        return cpuApicIdTable;
    }

    public long apicIdCpuTable() {
        return apicIdCpuTable;
    }

    public int apicIdLimit() {
        return apicIdLimit;
    }

    /**
     * Writes the block, the two APIC ID tables and, for the mailbox path, the MADT and a cleared
     * mailbox (and points the firmware's fw_mailbox at it). Call after loading the images and
     * installing {@code tr}.
     */
    public void write(PhysicalMemory mem, InstalledTrampoline tr) {
        if (mem.size() < ramBytes) {
            throw new ImageException(String.format("guest RAM of %d bytes is smaller than the %d bytes %d APs need",
                    mem.size(), ramBytes, apCount()));
        }
        int n = apCount();
        // both tables are built here and copied in whole (loaded, not stored 32 bits at a time:
        // with 100,000 APs that is 200,000 guest stores fewer while the machine is built)
        byte[] toApicId = new byte[4 * (n + 1)];
        byte[] toCpu = new byte[4 * apicIdLimit];
        java.util.Arrays.fill(toCpu, (byte) 0xFF); // no cpu has that APIC ID
        for (int cpu = 0; cpu <= n; cpu++) {
            INT_LE.set(toApicId, 4 * cpu, apicIds[cpu]);
            INT_LE.set(toCpu, 4 * apicIds[cpu], cpu);
        }
        mem.load(cpuApicIdTable, toApicId);
        mem.load(apicIdCpuTable, toCpu);
        long bp = KernelLayout.BOOT_PARAMS;
        mem.load(bp, new byte[BP_SIZE]);
        mem.write32(bp + BP_VERSION, VERSION);
        mem.write32(bp + BP_AP_COUNT, n);
        mem.write32(bp + BP_PATH, path.ordinal());
        mem.write32(bp + BP_FLAGS, serial ? FLAG_SERIAL : 0);
        mem.write32(bp + BP_WORK, work.ordinal());
        mem.write64(bp + BP_ITERATIONS, iterations);
        mem.write64(bp + BP_CPU_APICID, cpuApicIdTable);
        mem.write64(bp + BP_APICID_CPU, apicIdCpuTable);
        mem.write32(bp + BP_APICID_LIMIT, apicIdLimit);
        mem.write32(bp + BP_SIPI_VECTOR, tr.sipiVector());
        mem.write64(bp + BP_TRAMPOLINE, tr.base());
        mem.write64(bp + BP_WAKEUP_VECTOR, tr.trampolineStart64());
        mem.write64(bp + BP_TRAMPOLINE_LOCK, tr.hasLock() ? tr.lock() : 0);
        mem.write64(bp + BP_MAILBOX, mailboxViaMadt ? 0 : FirmwareLayout.MAILBOX);
        mem.write64(bp + BP_MADT, FirmwareLayout.MADT);
        mem.write64(bp + BP_CR3, KernelLayout.kernelCr3(fiveLevel));
        mem.write64(bp + BP_CR4, KernelLayout.kernelCr4(fiveLevel));
        mem.write64(bp + BP_PERCPU_BASE, perCpuBase);
        mem.write64(bp + BP_PERCPU_STRIDE, stride);
        FirmwareLayout.writeMadt(mem, FirmwareLayout.MADT, FirmwareLayout.MAILBOX);
        if (path == WakePath.MAILBOX64) {
            mem.write64(FirmwareLayout.FIRMWARE_MAILBOX_POINTER, FirmwareLayout.MAILBOX);
        }
        mem.write32(bp + BP_MAGIC, MAGIC);   // last: a complete block
    }
}
