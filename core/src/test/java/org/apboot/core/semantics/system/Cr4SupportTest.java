package org.apboot.core.semantics.system;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apboot.core.cpu.CpuModel;
import org.apboot.core.semantics.ControlRegs;
import org.junit.jupiter.api.Test;

/**
 * The CR4 bits a CPU model lets software set: each bit exactly when CPUID advertises its
 * feature (SDM vol. 3 section 2.5 and the CPUID feature tables). Bit positions are written out
 * here: VME 0, PVI 1, TSD 2, DE 3, PSE 4, PAE 5, MCE 6, PGE 7, PCE 8, OSFXSR 9, OSXMMEXCPT 10,
 * UMIP 11, LA57 12, FSGSBASE 16, PCIDE 17, OSXSAVE 18, SMEP 20, SMAP 21.
 */
class Cr4SupportTest {
    private static CpuModel model(int edx1, int ecx1, int l7ebx, int l7ecx) {
        return new CpuModel("GenuineIntel", 6, 1, 1, edx1, ecx1, 0, 0, l7ebx, l7ecx, 36, 48, "test");
    }

    @Test
    void standardModel() {
        long legacy = 0x7FF; // VME .. OSXMMEXCPT, without UMIP
        assertEquals(legacy, ControlRegs.cr4Supported(CpuModel.standard(false)));
        assertEquals(legacy | 1L << 12, ControlRegs.cr4Supported(CpuModel.standard(true)));
    }

    @Test
    void eachBitFollowsItsFeature() {
        assertEquals(1L << 8, ControlRegs.cr4Supported(model(0, 0, 0, 0)), "PCE is always there");
        // CPUID.1:EDX bits: VME 1, DE 2, PSE 3, TSC 4, PAE 6, MCE 7, PGE 13, FXSR 24, SSE 25
        int[][] edx = {{1, 0x3}, {2, 1 << 3}, {3, 1 << 4}, {4, 1 << 2}, {6, 1 << 5}, {7, 1 << 6}, {13, 1 << 7},
            {24, 1 << 9}, {25, 1 << 10}};
        for (int[] f : edx) {
            assertEquals(1L << 8 | f[1], ControlRegs.cr4Supported(model(1 << f[0], 0, 0, 0)), "CPUID.1:EDX bit " + f[0]);
        }
        assertEquals(1L << 8 | 1L << 17, ControlRegs.cr4Supported(model(0, 1 << 17, 0, 0)), "PCID");
        assertEquals(1L << 8 | 1L << 18, ControlRegs.cr4Supported(model(0, 1 << 26, 0, 0)), "XSAVE");
        assertEquals(1L << 8 | 1L << 16, ControlRegs.cr4Supported(model(0, 0, 1, 0)), "FSGSBASE");
        assertEquals(1L << 8 | 1L << 20, ControlRegs.cr4Supported(model(0, 0, 1 << 7, 0)), "SMEP");
        assertEquals(1L << 8 | 1L << 21, ControlRegs.cr4Supported(model(0, 0, 1 << 20, 0)), "SMAP");
        assertEquals(1L << 8 | 1L << 11, ControlRegs.cr4Supported(model(0, 0, 0, 1 << 2)), "UMIP");
        assertEquals(1L << 8 | 1L << 12, ControlRegs.cr4Supported(model(0, 0, 0, 1 << 16)), "LA57");
    }
}
