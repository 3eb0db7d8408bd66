package org.apboot.core.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import org.apboot.core.mem.PhysicalMemory;
import org.junit.jupiter.api.Test;

/** Loads a blob built from a kernel tree: APBOOT_KERNEL_RM_DIR=.../arch/x86/realmode/rm */
class KernelTreeBlobTest {
    @Test
    void kernelBlobLoads() {
        String dir = System.getenv("APBOOT_KERNEL_RM_DIR");
        assumeTrue(dir != null && !dir.isEmpty(),
                "APBOOT_KERNEL_RM_DIR is not set (point it at a kernel build's arch/x86/realmode/rm): skipping");
        RealModeBlob blob = RealModeBlob.fromDirectory(Path.of(dir));
        PhysicalMemory mem = new PhysicalMemory(2 << 20);
        InstalledTrampoline tr = blob.install(mem, 0x10000, KernelLayout.trampolineSetup(false));
        assertEquals(0, tr.trampolineStart() & 0xFFF);
        assertEquals(tr.trampolineStart() >> 12, tr.sipiVector());
        assertTrue(tr.trampolineStart64() > tr.base() && tr.trampolineStart64() < tr.base() + tr.size());
        // the header fields are relocated to physical addresses
        assertEquals(tr.trampolineStart(), mem.read32(tr.base() + 4L * blob.headerLayout().fields().indexOf("trampoline_start")));
        System.out.println("kernel blob: " + blob + " (" + blob.lockEvidence() + ")");
    }
}
