package org.apboot.core.image;

/**
 * Guest-visible layout of the kernel image and the memory the machine sizes around it. These numbers
 * are the contract documented in guest/README.md; guest/kernel/layout.inc holds the same values and a
 * test checks them against the kernel's symbol map.
 *
 * <pre>
 *   0x000000  real-mode IVT (zero)
 *   0x010000  trampoline blob (default base; SIPI vector = trampoline_start >> 12 = 0x11)
 *   0x020000  firmware image                         (FirmwareLayout)
 *   0x030000  ACPI wake-up mailbox (4 KiB)           (FirmwareLayout)
 *   0x031000  MADT with the Multiprocessor Wakeup structure (FirmwareLayout)
 *   0x100000  kernel text          0x101000 boot parameters   0x102000 kernel data and GDT
 *   0x103000  PML5 / 0x104000 PML4 / 0x105000 PDPT / 0x106000..0x109fff PD (0..4 GiB, 2 MiB pages)
 *   0x10a000  online bitmap (MAX_CPUS bits)   0x112000 BSP stack   0x116000 end of kernel
 *   0x200000  cpu -> APIC ID table, APIC ID -> cpu table, then the per-CPU areas
 * </pre>
 */
public final class KernelLayout {
    private KernelLayout() {
    }

    // architectural bits
    public static final long CR0_PE = 1L, CR0_MP = 1L << 1, CR0_ET = 1L << 4, CR0_NE = 1L << 5, CR0_WP = 1L << 16,
            CR0_AM = 1L << 18, CR0_PG = 1L << 31;
    public static final long CR4_PAE = 1L << 5, CR4_PGE = 1L << 7, CR4_LA57 = 1L << 12;
    public static final long EFER_SCE = 1L, EFER_LME = 1L << 8, EFER_LMA = 1L << 10, EFER_NXE = 1L << 11;
    /** Flags of a non-leaf page-table entry: present, writable, accessed, dirty. */
    public static final long PTE_TABLE = 0x63;

    public static final long DEFAULT_TRAMPOLINE_BASE = 0x1_0000;

    public static final long KERNEL_BASE = 0x10_0000;
    public static final long BSP_ENTRY = KERNEL_BASE;
    public static final long BOOT_PARAMS = 0x10_1000;
    public static final long KERNEL_DATA = 0x10_2000;
    public static final long ONLINE_COUNT = KERNEL_DATA;
    public static final long AP_ERRORS = KERNEL_DATA + 4;
    public static final long BSP_STATE = KERNEL_DATA + 8;
    public static final long KERNEL_GDT = KERNEL_DATA + 0x40;
    public static final int KERNEL_GDT_LIMIT = 4 * 8 - 1;
    public static final long KERNEL_PML5 = 0x10_3000;
    public static final long KERNEL_PML4 = 0x10_4000;
    public static final long KERNEL_PDPT = 0x10_5000;
    public static final long KERNEL_PD = 0x10_6000;
    public static final long KERNEL_IMAGE_END = 0x10_a000;
    public static final long ONLINE_BITMAP = 0x10_a000;
    public static final long BSP_STACK_TOP = 0x11_6000;
    public static final long KERNEL_END = 0x11_6000;
    /** Where the machine-sized region (APIC ID tables, per-CPU areas) starts. */
    public static final long TABLES_BASE = 0x20_0000;

    public static final int KERNEL_CS = 0x10;
    public static final int KERNEL_DS = 0x18;

    /** CPUs the online bitmap can hold (BSP included). */
    public static final int MAX_CPUS = 262_144;
    public static final int MAX_APS = MAX_CPUS - 1;

    /** BSP_STATE values. */
    public static final int BSP_WAKING = 1, BSP_WAITING = 2, BSP_DONE = 3, BSP_ERROR = 0xdead;

    /** Kernel CR4: PAE and PGE, plus LA57 for 5-level paging. */
    public static long kernelCr4(boolean fiveLevel) {
        return CR4_PAE | CR4_PGE | (fiveLevel ? CR4_LA57 : 0);
    }

    /** Kernel CR3: the PML5 for 5-level paging, else the PML4. */
    public static long kernelCr3(boolean fiveLevel) {
        return fiveLevel ? KERNEL_PML5 : KERNEL_PML4;
    }

    /** EFER of the BSP and of every AP once in the kernel: SCE | LME | LMA | NXE. */
    public static final long KERNEL_EFER = EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE;
    /** CR0 in the kernel: PE MP ET NE WP AM PG. */
    public static final long KERNEL_CR0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_AM | CR0_PG;

    /** The BSP's starting state: 64-bit mode at bsp_entry on the kernel tables and stack. */
    public static InitialState bspState(boolean fiveLevel) {
        return new InitialState(KERNEL_CR0, kernelCr3(fiveLevel), kernelCr4(fiveLevel), KERNEL_EFER,
                KERNEL_GDT, KERNEL_GDT_LIMIT, 0, 0, KERNEL_CS, KERNEL_DS, KERNEL_DS, KERNEL_DS, KERNEL_DS, KERNEL_DS,
                BSP_ENTRY, BSP_STACK_TOP, 0x2, 0xFEE0_0900L);
    }

    /** What the kernel writes into the trampoline: entry = secondary_startup_64 of our kernel image. */
    public static TrampolineSetup trampolineSetup(boolean fiveLevel) {
        long entry = GuestImages.kernel().symbol("secondary_startup_64");
        long next = fiveLevel ? KERNEL_PML4 : KERNEL_PDPT;
        return new TrampolineSetup(entry, KERNEL_EFER, kernelCr4(fiveLevel), 0, next | PTE_TABLE);
    }

    // ------------------------------------------------------------------ per-CPU areas

    public static final int DEFAULT_PERCPU_STRIDE = 1024;
    /** Per-CPU data occupies the first 512 bytes; the stack grows down from base + stride. */
    public static final int PERCPU_DATA_SIZE = 512;
    public static final int PC_CPU = 0x00, PC_APICID = 0x04, PC_SELF = 0x08, PC_CHECKSUM = 0x10, PC_DELAY = 0x18,
            PC_STATE = 0x20, PC_SCRATCH = 0x40;
    public static final int PC_SCRATCH_QWORDS = 56;
    /** PC_STATE values. */
    public static final int PC_STATE_ENTRY = 1, PC_STATE_STARTED = 2, PC_STATE_ONLINE = 3;

    /** The checksum the calibrate work leaves in PC_CHECKSUM of cpu {@code cpu}. */
    public static long expectedChecksum(int cpu) {
        long sum = 0;
        for (int i = 0; i < PC_SCRATCH_QWORDS; i++) {
            sum += ((long) cpu << 32) + i;
        }
        return sum;
    }
}
