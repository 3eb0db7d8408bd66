package org.apboot.core.semantics.system;

import static org.apboot.core.semantics.system.SysCpus.gp;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.CpuModel;
import org.apboot.core.cpu.CpuOverrides;
import org.apboot.core.cpu.CpuProfile;
import org.apboot.core.cpu.Mmu;
import org.apboot.core.cpu.MsrHandler;
import org.apboot.core.mem.PhysicalMemory;
import org.apboot.core.semantics.Msrs;
import org.junit.jupiter.api.Test;

/**
 * RDMSR/WRMSR of the architectural MSRs the core keeps (SDM vol. 4), their write checks (EFER
 * reserved bits by the model's CPUID, PAT memory types 2, 3 and above 7 reserved, FMASK and
 * TSC_AUX bits 63:32 reserved), the TSC, the embedder's overrides, and the TLB flush a change of
 * EFER.NXE needs (the meaning of bit 63 of every paging entry changes).
 */
class MsrRulesTest {
    private static CpuModel model(int extEdx) {
        return new CpuModel("GenuineIntel", 6, 0x8F, 8, CpuModel.FPU, 0, extEdx, 0, 0, 0, 46, 48, "m");
    }

    private static Cpu cpu(int extEdx) {
        return new Cpu(0, model(extEdx), CpuProfile.GENERIC, new PhysicalMemory(1 << 20));
    }

    @Test
    void eferWritableBitsFollowTheModel() {
        assertEquals(0, Msrs.eferWritable(cpu(0)));
        assertEquals(Cpu.EFER_SCE, Msrs.eferWritable(cpu(CpuModel.EXT_SYSCALL)));
        assertEquals(Cpu.EFER_LME, Msrs.eferWritable(cpu(CpuModel.EXT_LM)));
        assertEquals(Cpu.EFER_NXE, Msrs.eferWritable(cpu(CpuModel.EXT_NX)));
        Cpu xd = cpu(CpuModel.EXT_NX | CpuModel.EXT_SYSCALL);
        xd.miscEnable |= Msrs.MISC_XD_DISABLE;
        assertEquals(Cpu.EFER_SCE, Msrs.eferWritable(xd));
        gp(() -> Msrs.wrmsr(xd, Msrs.IA32_EFER, Cpu.EFER_NXE));
        Cpu nosc = cpu(CpuModel.EXT_LM);
        gp(() -> Msrs.wrmsr(nosc, Msrs.IA32_EFER, Cpu.EFER_SCE));
        Msrs.wrmsr(nosc, Msrs.IA32_EFER, Cpu.EFER_LME | Cpu.EFER_LMA); // LMA is ignored, not reserved
        assertEquals(Cpu.EFER_LME, nosc.efer);
    }

    @Test
    void tscIsInstructionsPlusIdleTicksPlusTheOffsetWrmsrSets() {
        Cpu cpu = SysCpus.real();
        cpu.instructions = 100;
        cpu.idleTicks = 20;
        cpu.tscOffset = 3;
        assertEquals(123, Msrs.tsc(cpu));
        Msrs.wrmsr(cpu, Msrs.IA32_TSC, 1000);
        assertEquals(1000, Msrs.rdmsr(cpu, Msrs.IA32_TSC));
        cpu.instructions = 150;
        assertEquals(1050, Msrs.rdmsr(cpu, Msrs.IA32_TSC));
    }

    @Test
    void architecturalMsrsReadBackWhatWasWritten() {
        Cpu cpu = SysCpus.real();
        int[] msrs = {Msrs.IA32_FS_BASE, Msrs.IA32_GS_BASE, Msrs.IA32_KERNEL_GS_BASE, Msrs.IA32_STAR,
                Msrs.IA32_LSTAR, Msrs.IA32_CSTAR, Msrs.IA32_SYSENTER_ESP, Msrs.IA32_SYSENTER_EIP};
        for (int i = 0; i < msrs.length; i++) {
            long v = 0xFFFF_8000_0000_1000L + 0x10L * i;
            Msrs.wrmsr(cpu, msrs[i], v);
            assertEquals(v, Msrs.rdmsr(cpu, msrs[i]), Integer.toHexString(msrs[i]));
        }
        Msrs.wrmsr(cpu, Msrs.IA32_FMASK, 0x4_7FD5L);
        assertEquals(0x4_7FD5L, Msrs.rdmsr(cpu, Msrs.IA32_FMASK));
        Msrs.wrmsr(cpu, Msrs.IA32_SYSENTER_CS, 0x1_0000_0010L); // bits 63:32 dropped
        assertEquals(0x10, Msrs.rdmsr(cpu, Msrs.IA32_SYSENTER_CS));
        Msrs.wrmsr(cpu, Msrs.IA32_TSC_AUX, 0xFFFF_FFFFL);
        assertEquals(0xFFFF_FFFFL, Msrs.rdmsr(cpu, Msrs.IA32_TSC_AUX));
        Msrs.wrmsr(cpu, Msrs.IA32_MISC_ENABLE, 0x1L | Msrs.MISC_LIMIT_CPUID);
        assertEquals(0x1L | Msrs.MISC_LIMIT_CPUID, Msrs.rdmsr(cpu, Msrs.IA32_MISC_ENABLE));
        Msrs.wrmsr(cpu, Msrs.IA32_PAT, 0x0007_0406_0007_0406L);
        assertEquals(0x0007_0406_0007_0406L, Msrs.rdmsr(cpu, Msrs.IA32_PAT));
    }

    @Test
    void reservedHighHalvesFault() {
        Cpu cpu = SysCpus.real();
        gp(() -> Msrs.wrmsr(cpu, Msrs.IA32_FMASK, 1L << 32));
        gp(() -> Msrs.wrmsr(cpu, Msrs.IA32_TSC_AUX, 1L << 32));
        gp(() -> Msrs.wrmsr(cpu, Msrs.IA32_LSTAR, 0x0000_8000_0000_0000L));
    }

    @Test
    void patRejectsReservedMemoryTypesInAnyEntry() {
        Cpu cpu = SysCpus.real();
        long good = 0x0007_0406_0007_0406L;
        for (int i = 0; i < 8; i++) {
            int shift = 8 * i;
            for (long t : new long[] {2, 3, 8, 0xFF}) {
                long bad = (good & ~(0xFFL << shift)) | (t << shift);
                gp(() -> Msrs.wrmsr(cpu, Msrs.IA32_PAT, bad));
            }
        }
        assertEquals(Msrs.PAT_DEFAULT, Msrs.rdmsr(cpu, Msrs.IA32_PAT));
        Msrs.wrmsr(cpu, Msrs.IA32_PAT, 0x0706_0504_0100_0706L); // every defined type
        assertEquals(0x0706_0504_0100_0706L, Msrs.rdmsr(cpu, Msrs.IA32_PAT));
    }

    @Test
    void overridesAnswerFirst() {
        Cpu cpu = SysCpus.real();
        long[] written = {0};
        cpu.overrides = new CpuOverrides() {
            @Override
            public void cpuid(Cpu c, int leaf, int subleaf, int[] regs) {
            }

            @Override
            public long rdmsr(Cpu c, int msr) {
                return msr == Msrs.IA32_STAR ? 0x1234 : MsrHandler.UNKNOWN;
            }

            @Override
            public boolean wrmsr(Cpu c, int msr, long value) {
                if (msr == Msrs.IA32_LSTAR) {
                    written[0] = value;
                    return true;
                }
                return false;
            }
        };
        cpu.star = 0x9999;
        assertEquals(0x1234, Msrs.rdmsr(cpu, Msrs.IA32_STAR));
        cpu.cstar = 0x8888;
        assertEquals(0x8888, Msrs.rdmsr(cpu, Msrs.IA32_CSTAR));
        Msrs.wrmsr(cpu, Msrs.IA32_LSTAR, 0x0000_8000_0000_0000L); // taken by the override, not checked
        assertEquals(0x0000_8000_0000_0000L, written[0]);
        assertEquals(0, cpu.lstar);
        Msrs.wrmsr(cpu, Msrs.IA32_CSTAR, 0x77);
        assertEquals(0x77, cpu.cstar);
    }

    @Test
    void changingNxeFlushesTheTlb() {
        Cpu cpu = SysCpus.long64(0);
        Msrs.wrmsr(cpu, Msrs.IA32_EFER, cpu.efer | Cpu.EFER_NXE);
        long pd = SysCpus.PT_BASE + 0x3000;
        assertEquals(0x60_0000L, cpu.mmu.translate(0x60_0000L, Mmu.FETCH, false));
        cpu.ram.write(pd + 3 * 8, 8, 0x80_0000 | 0x83); // linear 6 MiB -> physical 8 MiB
        assertEquals(0x60_0000L, cpu.mmu.translate(0x60_0000L, Mmu.FETCH, false), "stale until a flush");
        Msrs.wrmsr(cpu, Msrs.IA32_EFER, cpu.efer & ~Cpu.EFER_NXE);
        assertEquals(0x80_0000L, cpu.mmu.translate(0x60_0000L, Mmu.FETCH, false));
        cpu.ram.write(pd + 3 * 8, 8, 0x60_0000 | 0x83);
        Msrs.wrmsr(cpu, Msrs.IA32_EFER, cpu.efer); // no change of NXE: nothing dropped
        assertEquals(0x80_0000L, cpu.mmu.translate(0x60_0000L, Mmu.FETCH, false));
    }
}
