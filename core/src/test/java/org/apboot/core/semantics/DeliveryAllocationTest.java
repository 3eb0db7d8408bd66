package org.apboot.core.semantics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import org.apboot.core.cpu.Cpu;
import org.apboot.core.decode.Insn;
import org.apboot.core.fault.CpuException;
import org.apboot.core.fault.TestCpus;
import org.junit.jupiter.api.Test;

/**
 * Delivering a fault and building a far-call frame allocate nothing once a CPU has built its
 * first frame and recorded its first fault: the fault chain keeps raw values and renders text
 * only when read, and frames are filled in the CPU's scratch. A guest that faults by the
 * million (demand paging) pays no formatting and no garbage for it. Measured with the JVM's
 * per-thread allocation counter around many repetitions, after a warm-up; skipped where the
 * JVM has no such counter.
 */
class DeliveryAllocationTest {
    private static final long IDT = 0x2000;
    private static final int WARM_UP = 2_000, MEASURED = 20_000;

    private static com.sun.management.ThreadMXBean allocationCounter() {
        java.lang.management.ThreadMXBean t = ManagementFactory.getThreadMXBean();
        assumeTrue(t instanceof com.sun.management.ThreadMXBean
                && ((com.sun.management.ThreadMXBean) t).isThreadAllocatedMemorySupported(),
                "this JVM does not count allocated bytes per thread");
        com.sun.management.ThreadMXBean counter = (com.sun.management.ThreadMXBean) t;
        counter.setThreadAllocatedMemoryEnabled(true);
        return counter;
    }

    /**
     * Runs {@code r} {@link #MEASURED} times after a warm-up and asserts that this thread
     * allocated less than a byte per run over them ({@code what} names a run in the message).
     */
    private static void assertAllocatesNothing(String what, Runnable r) {
        com.sun.management.ThreadMXBean counter = allocationCounter();
        for (int i = 0; i < WARM_UP; i++) {
            r.run();
        }
        long before = counter.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < MEASURED; i++) {
            r.run();
        }
        long bytes = counter.getCurrentThreadAllocatedBytes() - before;
        assertTrue(bytes < MEASURED, bytes + " bytes allocated by " + MEASURED + " " + what);
    }

    @Test
    void realModeFaultThroughTheIvt() {
        Cpu cpu = TestCpus.real();
        cpu.idtrBase = 0;
        cpu.idtrLimit = 0x3FF;
        cpu.ram.write32(13 * 4, (0x1234 << 16) | 0x5678);
        CpuException gp = CpuException.gp(0, "general protection");
        assertAllocatesNothing("deliveries", () -> {
            cpu.r[Cpu.RSP] = 0x8000;
            ExceptionDelivery.deliver(cpu, gp);
        });
        assertEquals(0x5678, cpu.rip);
        assertEquals(0x7FFA, cpu.r[Cpu.RSP]);
        assertEquals("#GP(0x0) in real16 at cs:rip 0x1234:0x5678: general protection", cpu.faultChain.get(0),
                "the chain of the last delivery, rendered when read");
        assertEquals(1, cpu.faultChain.size());
    }

    @Test
    void protectedModeFaultWithErrorCodeThroughAnInterruptGate() {
        Cpu cpu = TestCpus.prot32();
        cpu.idtrBase = IDT;
        cpu.idtrLimit = 0x7FF;
        cpu.ram.write64(IDT + 8L * 13, TestCpus.gate(0x4000, TestCpus.CODE32, 0x8E, 0));
        CpuException gp = CpuException.gp(0x18, "selector beyond the GDT limit");
        assertAllocatesNothing("deliveries", () -> {
            cpu.r[Cpu.RSP] = 0x8000;
            cpu.rip = 0x1234;
            ExceptionDelivery.deliver(cpu, gp);
        });
        assertEquals(0x4000, cpu.rip);
        assertEquals(0x7FF0, cpu.r[Cpu.RSP]);
        assertEquals(0x18, cpu.ram.read32(0x7FF0), "error code");
        assertEquals("#GP(0x18) in prot32 at cs:rip 0x8:0x1234: selector beyond the GDT limit", cpu.faultChain.get(0));
    }

    @Test
    void longModePageFaultThroughAnIstStack() {
        Cpu cpu = TestCpus.long64();
        cpu.idtrBase = IDT;
        cpu.idtrLimit = 0xFFF;
        SegmentLoads.ltr(cpu, TestCpus.TSS);
        cpu.ram.write64(0x3000 + 0x24, 0x9008); // IST1
        cpu.ram.write64(IDT + 16L * 14, TestCpus.gate(0x4000, TestCpus.CODE64, 0x8E, 1));
        cpu.ram.write64(IDT + 16L * 14 + 8, 0);
        CpuException pf = CpuException.pf(2, 0xDEAD000);
        assertAllocatesNothing("deliveries", () -> {
            cpu.r[Cpu.RSP] = 0x7777;
            cpu.rip = 0x1234;
            ExceptionDelivery.deliver(cpu, pf);
        });
        assertEquals(0x8FD0, cpu.r[Cpu.RSP]);
        assertEquals(0x1234, cpu.ram.read64(0x8FD8), "return RIP");
        assertTrue(cpu.faultChain.get(0).startsWith("#PF(0x2) in long64 at cs:rip 0x18:0x1234 (address 0xdead000)"),
                cpu.faultChain.get(0));
    }

    @Test
    void farCallInProtectedMode() {
        Cpu cpu = TestCpus.prot32();
        assertAllocatesNothing("far calls", () -> {
            cpu.r[Cpu.RSP] = 0x8000;
            cpu.rip = 0x1234;
            FarTransfers.callFar(cpu, TestCpus.CODE32, 0x4000, 4);
        });
        assertEquals(0x4000, cpu.rip);
        assertEquals(0x7FF8, cpu.r[Cpu.RSP]);
        assertEquals(0x1234, cpu.ram.read32(0x7FF8), "return offset");
        assertEquals(TestCpus.CODE32, cpu.ram.read32(0x7FFC) & 0xFFFF, "return selector");
        assertEquals(TestCpus.CODE32, cpu.seg[Insn.CS].selector);
    }
}
