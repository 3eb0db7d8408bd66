package org.apboot.core.image;

import org.apboot.core.mem.PhysicalMemory;

/**
 * The firmware side: image, mailbox and MADT addresses, and the state of an AP parked in the
 * firmware's 64-bit wake-up loop (mailbox path).
 */
public final class FirmwareLayout {
    private FirmwareLayout() {
    }

    public static final long FIRMWARE_BASE = 0x2_0000;
    public static final long AP_ENTRY = FIRMWARE_BASE;          // fw_ap_entry
    public static final long FIRMWARE_GDT = 0x2_0030;
    public static final int FIRMWARE_GDT_LIMIT = 3 * 8 - 1;
    /** u64 in the firmware image holding the mailbox address the loop polls. */
    public static final long FIRMWARE_MAILBOX_POINTER = 0x2_0048;
    public static final long FIRMWARE_PML4 = 0x2_1000;
    public static final long FIRMWARE_END = 0x2_7000;
    public static final int FIRMWARE_CS = 0x08;
    public static final int FIRMWARE_DS = 0x10;

    public static final long MAILBOX = 0x3_0000;
    public static final int MAILBOX_SIZE = 4096;
    public static final int MB_COMMAND = 0, MB_APIC_ID = 4, MB_WAKEUP_VECTOR = 8;
    public static final int MB_CMD_NOOP = 0, MB_CMD_WAKEUP = 1;

    public static final long MADT = 0x3_1000;
    /** MADT header (44 bytes) + one Multiprocessor Wakeup structure (16 bytes). */
    public static final int MADT_LENGTH = 44 + 16;

    /** EFER of a parked AP: SCE | LME | LMA | NXE (the trampoline then finds EFER equal and skips WRMSR). */
    public static final long FIRMWARE_EFER = KernelLayout.KERNEL_EFER;
    /** CR0 of a parked AP: PE MP ET NE WP PG. */
    public static final long FIRMWARE_CR0 = KernelLayout.CR0_PE | KernelLayout.CR0_MP | KernelLayout.CR0_ET
            | KernelLayout.CR0_NE | KernelLayout.CR0_WP | KernelLayout.CR0_PG;

    /** Starting state of every AP on the mailbox path: 64-bit mode at fw_ap_entry, 4-level paging. */
    public static InitialState apState() {
        return new InitialState(FIRMWARE_CR0, FIRMWARE_PML4, KernelLayout.CR4_PAE, FIRMWARE_EFER,
                FIRMWARE_GDT, FIRMWARE_GDT_LIMIT, 0, 0, FIRMWARE_CS, FIRMWARE_DS, FIRMWARE_DS, FIRMWARE_DS,
                FIRMWARE_DS, FIRMWARE_DS, AP_ENTRY, 0, 0x2, 0xFEE0_0800L);
    }

    /**
     * Writes a minimal MADT (signature "APIC", revision 5, local APIC address 0xFEE00000) holding one
     * Multiprocessor Wakeup structure (type 0x10, length 16, mailbox version 0) that points at
     * {@code mailbox}, with a valid checksum; clears the mailbox page.
     */
    public static void writeMadt(PhysicalMemory mem, long madt, long mailbox) {
        if (!mem.contains(madt, MADT_LENGTH) || !mem.contains(mailbox, MAILBOX_SIZE)) {
            throw new ImageException(String.format("guest RAM of %d bytes cannot hold the MADT at 0x%x and the mailbox at 0x%x",
                    mem.size(), madt, mailbox));
        }
        byte[] t = new byte[MADT_LENGTH];
        put(t, 0, 4, 0x4349_5041L);                // "APIC"
        put(t, 4, 4, MADT_LENGTH);
        t[8] = 5;                                  // revision
        byte[] oem = "APBOOTAPBOOTMADT".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        System.arraycopy(oem, 0, t, 10, 6);        // OEM ID
        System.arraycopy(oem, 6, t, 16, 8);        // OEM table ID
        put(t, 24, 4, 1);                          // OEM revision
        put(t, 36, 4, 0xFEE0_0000L);               // local APIC address
        put(t, 40, 4, 0);                          // flags: no 8259
        t[44] = 0x10;
        t[45] = 16;
        put(t, 46, 2, 0);                          // mailbox version
        put(t, 52, 8, mailbox);
        int sum = 0;
        for (byte x : t) {
            sum += x;
        }
        t[9] = (byte) -sum;
        mem.load(madt, t);
        mem.load(mailbox, new byte[MAILBOX_SIZE]);
    }

    private static void put(byte[] a, int off, int n, long v) {
        for (int i = 0; i < n; i++) {
            a[off + i] = (byte) (v >>> (8 * i));
        }
    }
}
