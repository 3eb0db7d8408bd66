package org.apboot.core.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apboot.core.mem.PhysicalMemory;
import org.junit.jupiter.api.Test;

class LayoutTest {
    @Test
    void kernelConstantsMatchTheSymbolMap() {
        GuestImage k = GuestImages.kernel();
        assertEquals(KernelLayout.KERNEL_BASE, k.loadAddress());
        assertEquals(KernelLayout.KERNEL_IMAGE_END - KernelLayout.KERNEL_BASE, k.size());
        assertEquals(KernelLayout.BSP_ENTRY, k.symbol("bsp_entry"));
        assertEquals(KernelLayout.BOOT_PARAMS, k.symbol("boot_params"));
        assertEquals(KernelLayout.ONLINE_COUNT, k.symbol("online_count"));
        assertEquals(KernelLayout.AP_ERRORS, k.symbol("ap_errors"));
        assertEquals(KernelLayout.BSP_STATE, k.symbol("bsp_state"));
        assertEquals(KernelLayout.KERNEL_GDT, k.symbol("kernel_gdt"));
        assertEquals(KernelLayout.KERNEL_GDT_LIMIT + 1, k.symbol("kernel_gdt_end") - k.symbol("kernel_gdt"));
        assertEquals(KernelLayout.KERNEL_PML5, k.symbol("kernel_pml5"));
        assertEquals(KernelLayout.KERNEL_PML4, k.symbol("kernel_pml4"));
        assertEquals(KernelLayout.KERNEL_PDPT, k.symbol("kernel_pdpt"));
        assertEquals(KernelLayout.KERNEL_PD, k.symbol("kernel_pd"));
        assertEquals(KernelLayout.ONLINE_BITMAP, k.symbol("online_bitmap"));
        assertEquals(KernelLayout.BSP_STACK_TOP, k.symbol("bsp_stack_top"));
        assertEquals(KernelLayout.KERNEL_END, k.symbol("kernel_end"));
        assertEquals(KernelLayout.MAX_CPUS / 8, k.symbol("bsp_stack") - k.symbol("online_bitmap"));
        assertTrue(KernelLayout.KERNEL_END <= KernelLayout.TABLES_BASE);

        GuestImage f = GuestImages.firmware();
        assertEquals(FirmwareLayout.AP_ENTRY, f.symbol("fw_ap_entry"));
        assertEquals(FirmwareLayout.FIRMWARE_GDT, f.symbol("fw_gdt"));
        assertEquals(FirmwareLayout.FIRMWARE_MAILBOX_POINTER, f.symbol("fw_mailbox"));
        assertEquals(FirmwareLayout.FIRMWARE_PML4, f.symbol("fw_pml4"));
        assertEquals(FirmwareLayout.FIRMWARE_END, f.loadAddress() + f.size());
        assertTrue(FirmwareLayout.FIRMWARE_END <= FirmwareLayout.MAILBOX);
    }

    @Test
    void pageTablesIdentityMapFourGiB() {
        PhysicalMemory mem = new PhysicalMemory(4 << 20);
        GuestImages.kernel().load(mem);
        GuestImages.firmware().load(mem);
        assertEquals(KernelLayout.KERNEL_PML4 | 0x63, mem.read64(KernelLayout.KERNEL_PML5));
        for (long[] t : new long[][] {{KernelLayout.KERNEL_PML4, KernelLayout.KERNEL_PDPT, KernelLayout.KERNEL_PD},
                {FirmwareLayout.FIRMWARE_PML4, FirmwareLayout.FIRMWARE_PML4 + 0x1000, FirmwareLayout.FIRMWARE_PML4 + 0x2000}}) {
            assertEquals(t[1] | 0x63, mem.read64(t[0]));
            assertEquals(0, mem.read64(t[0] + 8));
            for (int i = 0; i < 4; i++) {
                assertEquals((t[2] + 0x1000L * i) | 0x63, mem.read64(t[1] + 8L * i));
            }
            assertEquals(0, mem.read64(t[1] + 32));
            for (int i = 0; i < 2048; i++) {
                assertEquals(((long) i << 21) | 0xe3, mem.read64(t[2] + 8L * i));
            }
        }
        assertEquals(0x00af9b000000ffffL, mem.read64(KernelLayout.KERNEL_GDT + KernelLayout.KERNEL_CS));
        assertEquals(0x00cf93000000ffffL, mem.read64(KernelLayout.KERNEL_GDT + KernelLayout.KERNEL_DS));
        assertEquals(0x00af9b000000ffffL, mem.read64(FirmwareLayout.FIRMWARE_GDT + FirmwareLayout.FIRMWARE_CS));
        assertEquals(0x00cf93000000ffffL, mem.read64(FirmwareLayout.FIRMWARE_GDT + FirmwareLayout.FIRMWARE_DS));
        assertEquals(FirmwareLayout.MAILBOX, mem.read64(FirmwareLayout.FIRMWARE_MAILBOX_POINTER));
    }

    @Test
    void initialStatesAndTrampolineSetup() {
        InitialState bsp = KernelLayout.bspState(false);
        assertEquals(0x80050033L, bsp.cr0());
        assertEquals(0xa0, bsp.cr4());
        assertEquals(0x104000, bsp.cr3());
        assertEquals(0xd01, bsp.efer());
        assertEquals(0x100000, bsp.rip());
        assertEquals(0x116000, bsp.rsp());
        assertEquals(0x10a0, KernelLayout.bspState(true).cr4());
        assertEquals(0x103000, KernelLayout.bspState(true).cr3());
        InitialState ap = FirmwareLayout.apState();
        assertEquals(0x80010033L, ap.cr0());
        assertEquals(0x21000, ap.cr3());
        assertEquals(0x20, ap.cr4());
        assertEquals(0x20000, ap.rip());
        assertEquals(0x08, ap.cs());

        TrampolineSetup four = KernelLayout.trampolineSetup(false);
        assertEquals(GuestImages.kernel().symbol("secondary_startup_64"), four.kernelEntry());
        assertEquals(KernelLayout.KERNEL_PDPT | 0x63, four.pgdEntry0());
        assertEquals(KernelLayout.KERNEL_PML4 | 0x63, KernelLayout.trampolineSetup(true).pgdEntry0());
        assertEquals(0x10a0, KernelLayout.trampolineSetup(true).cr4());
        // the firmware EFER minus LMA equals what the trampoline is told: no WRMSR on the mailbox path
        assertEquals(FirmwareLayout.FIRMWARE_EFER & ~KernelLayout.EFER_LMA, four.efer() & ~KernelLayout.EFER_LMA);
        assertEquals(1540, KernelLayout.expectedChecksum(0));
        assertEquals(56L * (3L << 32) + 1540, KernelLayout.expectedChecksum(3));
    }

    static PhysicalMemory boot(BootParams bp, String variant) {
        PhysicalMemory mem = new PhysicalMemory(bp.ramBytes());
        GuestImages.kernel().load(mem);
        GuestImages.firmware().load(mem);
        InstalledTrampoline tr = GuestImages.trampoline(variant).install(mem, KernelLayout.DEFAULT_TRAMPOLINE_BASE,
                KernelLayout.trampolineSetup(bp.fiveLevel()));
        bp.write(mem, tr);
        return mem;
    }

    @Test
    void bootParamsAreWrittenWhereTheKernelReadsThem() {
        BootParams bp = BootParams.builder(3).bspApicId(7).apApicIds(300, 2, 65536)
                .path(BootParams.WakePath.MAILBOX64).work(BootParams.WorkMode.CALIBRATE, 12345).serial(true).build();
        PhysicalMemory mem = boot(bp, "default");
        long b = KernelLayout.BOOT_PARAMS;
        assertEquals(BootParams.MAGIC, mem.read32(b));
        assertEquals(1, mem.read32(b + BootParams.BP_VERSION));
        assertEquals(3, mem.read32(b + BootParams.BP_AP_COUNT));
        assertEquals(1, mem.read32(b + BootParams.BP_PATH));
        assertEquals(1, mem.read32(b + BootParams.BP_FLAGS));
        assertEquals(1, mem.read32(b + BootParams.BP_WORK));
        assertEquals(12345, mem.read64(b + BootParams.BP_ITERATIONS));
        assertEquals(65537, mem.read32(b + BootParams.BP_APICID_LIMIT));
        assertEquals(0x11, mem.read32(b + BootParams.BP_SIPI_VECTOR));
        assertEquals(0x10000, mem.read64(b + BootParams.BP_TRAMPOLINE));
        SymbolMap tm = GuestImages.trampolineSymbols("default");
        assertEquals(0x10000 + tm.get("trampoline_start64"), mem.read64(b + BootParams.BP_WAKEUP_VECTOR));
        assertEquals(0x10000 + tm.get("tr_lock"), mem.read64(b + BootParams.BP_TRAMPOLINE_LOCK));
        assertEquals(FirmwareLayout.MAILBOX, mem.read64(b + BootParams.BP_MAILBOX));
        assertEquals(FirmwareLayout.MADT, mem.read64(b + BootParams.BP_MADT));
        assertEquals(0x104000, mem.read64(b + BootParams.BP_CR3));
        assertEquals(0xa0, mem.read64(b + BootParams.BP_CR4));
        assertEquals(bp.perCpuBase(), mem.read64(b + BootParams.BP_PERCPU_BASE));
        assertEquals(1024, mem.read64(b + BootParams.BP_PERCPU_STRIDE));

        long c2a = mem.read64(b + BootParams.BP_CPU_APICID);
        long a2c = mem.read64(b + BootParams.BP_APICID_CPU);
        int[] ids = {7, 300, 2, 65536};
        for (int cpu = 0; cpu < ids.length; cpu++) {
            assertEquals(ids[cpu], mem.read32(c2a + 4L * cpu));
            assertEquals(cpu, mem.read32(a2c + 4L * ids[cpu]));
        }
        assertEquals(-1, mem.read32(a2c));
        assertEquals(-1, mem.read32(a2c + 4 * 299));
        assertTrue(c2a >= KernelLayout.TABLES_BASE && a2c > c2a && bp.perCpuBase() >= a2c + 4 * 65537);
        assertEquals(bp.perCpuBase() + 2 * 1024, bp.perCpuArea(2));
        assertTrue(bp.perCpuArea(3) + 1024 <= bp.ramBytes());

        // MADT: "APIC", checksum 0, wake-up structure pointing at the mailbox
        long madt = FirmwareLayout.MADT;
        assertEquals(0x43495041, mem.read32(madt));
        int sum = 0;
        for (int i = 0; i < mem.read32(madt + 4); i++) {
            sum += mem.read8(madt + i);
        }
        assertEquals(0, sum & 0xFF);
        assertEquals(0x10, mem.read8(madt + 44));
        assertEquals(16, mem.read8(madt + 45));
        assertEquals(FirmwareLayout.MAILBOX, mem.read64(madt + 44 + 8));
        assertEquals(0, mem.read32(FirmwareLayout.MAILBOX));
    }

    @Test
    void lockLessBlobAndMadtLookupAndFiveLevel() {
        BootParams bp = BootParams.builder(2).mailboxViaMadt(true).fiveLevel(true).build();
        PhysicalMemory mem = boot(bp, "no-lock");
        long b = KernelLayout.BOOT_PARAMS;
        assertEquals(0, mem.read64(b + BootParams.BP_TRAMPOLINE_LOCK));
        assertEquals(0, mem.read64(b + BootParams.BP_MAILBOX));
        assertEquals(0x103000, mem.read64(b + BootParams.BP_CR3));
        assertEquals(0x10a0, mem.read64(b + BootParams.BP_CR4));
        assertEquals(0, mem.read32(b + BootParams.BP_PATH));
        SymbolMap tm = GuestImages.trampolineSymbols("no-lock");
        assertEquals(KernelLayout.KERNEL_PML4 | 0x63, mem.read64(0x10000 + tm.get("trampoline_pgd")));
        assertEquals(0x10a0, mem.read32(0x10000 + tm.get("tr_cr4")));
        assertFalse(tm.contains("tr_lock"));
    }

    @Test
    void ramScalesToAHundredThousandAps() {
        BootParams bp = BootParams.builder(100_000).build();
        assertTrue(bp.ramBytes() <= 104L << 20, "ram " + bp.ramBytes());
        assertTrue(bp.ramBytes() >= bp.perCpuArea(100_000) + 1024);
        BootParams max = BootParams.builder(KernelLayout.MAX_APS).build();
        assertTrue(max.ramBytes() < Integer.MAX_VALUE);
    }

    @Test
    void badBootParamsGetPreciseMessages() {
        assertEquals("AP count must be between 1 and 262143, got 0",
                RealModeBlobTest.fail(() -> BootParams.builder(0)));
        assertEquals("AP count must be between 1 and 262143, got 262144",
                RealModeBlobTest.fail(() -> BootParams.builder(262_144)));
        assertEquals("APIC ID 2 is given to both cpu 1 and cpu 2",
                RealModeBlobTest.fail(() -> BootParams.builder(2).apApicIds(2, 2).build()));
        assertEquals("APIC ID 0x1000000 of cpu 1 is outside 0..0xffffff",
                RealModeBlobTest.fail(() -> BootParams.builder(1).apApicIds(0x1000000).build()));
        assertEquals("per-CPU stride must be a multiple of 64 and at least 1024 bytes, got 1000",
                RealModeBlobTest.fail(() -> BootParams.builder(1).perCpuStride(1000).build()));
        assertEquals("guest RAM of 2097152 bytes is smaller than the 3145728 bytes 4 APs need",
                RealModeBlobTest.fail(() -> {
                    BootParams bp = BootParams.builder(4).build();
                    bp.write(new PhysicalMemory(2 << 20), new InstalledTrampoline(0x10000, 1, 0x11, 0x11000, 0x111b0, 0x14000, -1, 0x13000));
                }));
        assertThrows(ImageException.class, () -> SymbolMap.parse("m", "foo zz").get("foo"));
        assertEquals("m: no symbol 'bar'", RealModeBlobTest.fail(() -> SymbolMap.parse("m", "foo 10\n").get("bar")));
    }
}
