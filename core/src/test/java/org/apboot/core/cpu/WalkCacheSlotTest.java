package org.apboot.core.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicReference;
import org.apboot.core.mem.PhysicalMemory;
import org.junit.jupiter.api.Test;

/**
 * The slots of {@link WalkCache}: a kept result is found with every field as kept, only for the
 * accesses it allows and only while its generation is current; and a reader racing a writer that
 * refills the same slot sees one whole result or a miss, never fields of two results.
 */
class WalkCacheSlotTest {
    private static final long CR3 = 0x10000, VPN = 0x401;
    private static final long PHYS_A = 0x5000, PHYS_B = 0x7FE0_0000L;

    private static final CpuModel MODEL = CpuModel.standard(false);

    private static Cpu cpu(PhysicalMemory ram) {
        Cpu c = new Cpu(0, MODEL, CpuProfile.GENERIC, ram);
        c.cr3 = CR3;
        return c;
    }

    @Test
    void aKeptResultIsFoundWholeForTheAccessesItAllows() {
        Cpu c = cpu(new PhysicalMemory(1 << 20));
        WalkCache wc = c.walks;
        PageWalker out = new PageWalker(c);
        int control = WalkCache.control(c);
        int supervisorRead = 1 << Mmu.READ;
        wc.keep(CR3, VPN, control, c.model, wc.generation(), PHYS_B, supervisorRead, true, true);
        assertTrue(wc.find(c, VPN, control, Mmu.READ, false, out));
        assertEquals(PHYS_B, out.physPage);
        assertEquals(supervisorRead, out.allow);
        assertTrue(out.global);
        assertTrue(out.large);
        assertFalse(wc.find(c, VPN, control, Mmu.WRITE, false, out), "a write is not allowed");
        assertFalse(wc.find(c, VPN, control, Mmu.READ, true, out), "a user read is not allowed");
        assertFalse(wc.find(c, VPN + 1, control, Mmu.READ, false, out), "another page");
        assertFalse(wc.find(c, VPN, control ^ 1, Mmu.READ, false, out), "other paging controls");
    }

    @Test
    void aWriteToAMarkedLineDropsKeptResults() {
        PhysicalMemory ram = new PhysicalMemory(1 << 20);
        Cpu c = cpu(ram);
        WalkCache wc = c.walks;
        PageWalker out = new PageWalker(c);
        int control = WalkCache.control(c);
        wc.mark(0x13008);
        wc.keep(CR3, VPN, control, c.model, wc.generation(), PHYS_A, 0x3F, false, false);
        assertTrue(wc.find(c, VPN, control, Mmu.READ, false, out));
        ram.write64(0x13008, 0x9000 | 3);
        assertFalse(wc.find(c, VPN, control, Mmu.READ, false, out));
    }

    @Test
    void aReaderRacingAWriterOfTheSameSlotSeesOneWholeResult() throws Exception {
        PhysicalMemory ram = new PhysicalMemory(1 << 20);
        Cpu writerCpu = cpu(ram);
        Cpu readerCpu = cpu(ram);
        WalkCache wc = writerCpu.walks;
        int control = WalkCache.control(writerCpu);
        int n = 300_000;
        Thread writer = new Thread(() -> {
            for (int k = 0; k < n; k++) {
                boolean b = (k & 1) != 0;
                wc.keep(CR3, VPN, control, writerCpu.model, wc.generation(), b ? PHYS_B : PHYS_A,
                        b ? 0x3F : 0x07, b, b);
            }
        });
        AtomicReference<String> torn = new AtomicReference<>();
        int[] hits = new int[1];
        // the reader goes on until it has read n times and found results (once the writer is
        // done every read finds the last one): two busy threads may otherwise overlap so that
        // every read meets a write in progress, a miss by design
        Thread reader = new Thread(() -> {
            PageWalker out = new PageWalker(readerCpu);
            for (int k = 0; (k < n || hits[0] == 0) && torn.get() == null; k++) {
                if (!readerCpu.walks.find(readerCpu, VPN, control, Mmu.READ, false, out)) {
                    continue;
                }
                hits[0]++;
                boolean a = out.physPage == PHYS_A && out.allow == 0x07 && !out.global && !out.large;
                boolean b = out.physPage == PHYS_B && out.allow == 0x3F && out.global && out.large;
                if (!a && !b) {
                    torn.set("phys 0x" + Long.toHexString(out.physPage) + " allow 0x" + Integer.toHexString(out.allow)
                            + " global " + out.global + " large " + out.large);
                }
            }
        });
        writer.start();
        reader.start();
        writer.join();
        reader.join();
        assertEquals(null, torn.get());
        assertTrue(hits[0] > 0, "the reader found results");
        assertTrue(readerCpu.walks.find(readerCpu, VPN, control, Mmu.READ, false, new PageWalker(readerCpu)),
                "the last kept result is found");
    }
}
