package org.apboot.core.semantics.system;

import static org.apboot.core.semantics.system.SysCpus.gp;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.CpuModel;
import org.apboot.core.cpu.CpuOverrides;
import org.apboot.core.cpu.MsrHandler;
import org.apboot.core.semantics.Cpuid;
import org.apboot.core.semantics.Msrs;
import org.junit.jupiter.api.Test;

/**
 * CPUID's encodings (SDM vol. 2 CPUID: the leaf 1 signature with its extended family and model
 * fields, strings four ASCII bytes per register, low byte first), leaves with nothing to report,
 * the embedder's override, and RDTSC/RDTSCP with CR4.TSD.
 */
class CpuidEncodingTest {
    private static CpuModel model(int family, int model, int stepping) {
        return new CpuModel("GenuineIntel", family, model, stepping, CpuModel.FPU, 0, 0, 0, 0, 0, 46, 48, "m");
    }

    @Test
    void signatureFields() {
        // family 6: the display model's high nibble goes to bits 19:16
        assertEquals(0x0008_06F8, Cpuid.signature(model(6, 0x8F, 8)));
        // family 0xF plus 8 (0x17): base family 0xF, extended family 8, extended model 3
        assertEquals(0x0083_0F12, Cpuid.signature(model(0x17, 0x31, 2)));
        // family 0xF itself: extended family 0, extended model used
        assertEquals(0x0002_0F13, Cpuid.signature(model(0xF, 0x21, 3)));
        // family 5: no extended model, only the low nibble of the model
        assertEquals(0x0000_0524, Cpuid.signature(model(5, 0x12, 4)));
    }

    private static int[] run(Cpu cpu, int eax, int ecx) {
        cpu.r[Cpu.RAX] = 0xFFFF_FFFF_0000_0000L | (eax & 0xFFFF_FFFFL);
        cpu.r[Cpu.RCX] = ecx;
        Cpuid.cpuid(cpu);
        return new int[] {(int) cpu.r[Cpu.RAX], (int) cpu.r[Cpu.RBX], (int) cpu.r[Cpu.RCX], (int) cpu.r[Cpu.RDX]};
    }

    @Test
    void vendorAndHypervisorStrings() {
        Cpu cpu = SysCpus.real();
        // "Genu" "ineI" "ntel" in EBX, EDX, ECX
        assertArrayEquals(new int[] {Cpuid.MAX_BASIC, 0x756E_6547, 0x6C65_746E, 0x4965_6E69}, run(cpu, 0, 0));
        // "apbo" "otVC" "PU\0\0" in EBX, ECX, EDX
        assertArrayEquals(new int[] {Cpuid.HYPERVISOR_LEAF, 0x6F62_7061, 0x4356_746F, 0x0000_5550},
                run(cpu, Cpuid.HYPERVISOR_LEAF, 0));
    }

    @Test
    void leavesWithNothingToReportAreZero() {
        Cpu cpu = SysCpus.real();
        assertArrayEquals(new int[] {1, 0, 0, 0}, run(cpu, 2, 0));
        assertArrayEquals(new int[] {0, 0, 0, 0}, run(cpu, 3, 0));
        assertArrayEquals(new int[] {0, 0, 0, 0}, run(cpu, 0x8000_0005, 0));
        // leaf 1 ECX is the model's, without OSXSAVE
        assertEquals(cpu.model.features1Ecx & ~(1 << 27), run(cpu, 1, 0)[2]);
        assertEquals(0, run(cpu, 1, 0)[2] & (1 << 27));
    }

    @Test
    void anOverrideAdjustsTheComputedRegisters() {
        Cpu cpu = SysCpus.real();
        cpu.overrides = new CpuOverrides() {
            @Override
            public void cpuid(Cpu c, int leaf, int subleaf, int[] regs) {
                if (leaf == 1) {
                    regs[2] |= 1 << 30;
                }
            }

            @Override
            public long rdmsr(Cpu c, int msr) {
                return MsrHandler.UNKNOWN;
            }

            @Override
            public boolean wrmsr(Cpu c, int msr, long value) {
                return false;
            }
        };
        assertEquals(1 << 30, run(cpu, 1, 0)[2] & (1 << 30));
        assertEquals(0, run(cpu, 0x8000_0001, 0)[2] & (1 << 30));
    }

    @Test
    void timeStampCounterHalvesAndTsd() {
        Cpu cpu = SysCpus.prot32(3);
        cpu.instructions = 0x1_2345_6789L;
        cpu.tscAux = 0xABCD;
        cpu.r[Cpu.RCX] = -1;
        Cpuid.rdtscp(cpu);
        assertEquals(0x2345_6789L, cpu.r[Cpu.RAX]);
        assertEquals(1, cpu.r[Cpu.RDX]);
        assertEquals(0xABCD, cpu.r[Cpu.RCX]);
        cpu.cr4 |= Cpu.CR4_TSD;
        gp(() -> Cpuid.rdtsc(cpu));
        gp(() -> Cpuid.rdtscp(cpu));
        Cpu kernel = SysCpus.prot32(0);
        kernel.cr4 |= Cpu.CR4_TSD;
        Cpuid.rdtsc(kernel);
        Cpu v86 = SysCpus.prot32(0);
        v86.cr4 |= Cpu.CR4_TSD;
        v86.sysFlags |= Cpu.VM;
        v86.updateMode();
        gp(() -> Cpuid.rdtsc(v86));
        Cpu real = SysCpus.real();
        real.cr4 |= Cpu.CR4_TSD;
        Cpuid.rdtsc(real);
        Msrs.wrmsr(real, Msrs.IA32_TSC, 0);
    }
}
