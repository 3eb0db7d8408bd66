package org.apboot.core.semantics.system;

import static org.apboot.core.semantics.system.SysCpus.exec;
import static org.apboot.core.semantics.system.SysCpus.fault;
import static org.apboot.core.semantics.system.SysCpus.gp;
import static org.apboot.core.semantics.system.SysCpus.ud;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.CpuProfile;
import org.apboot.core.cpu.MsrHandler;
import org.apboot.core.decode.Insn;
import org.apboot.core.fault.CpuException;
import org.apboot.core.fault.Vectors;
import org.apboot.core.semantics.Cpuid;
import org.apboot.core.semantics.Msrs;
import org.junit.jupiter.api.Test;

class MsrsTest {
    @Test
    void cpl0Only() {
        Cpu user = SysCpus.prot32(3);
        gp(() -> Msrs.rdmsr(user, Msrs.IA32_EFER));
        gp(() -> Msrs.wrmsr(user, Msrs.IA32_EFER, 0));
        Cpu real = SysCpus.real();
        assertEquals(0, Msrs.rdmsr(real, Msrs.IA32_EFER));
    }

    @Test
    void eferRules() {
        Cpu cpu = SysCpus.prot32(0);
        Msrs.wrmsr(cpu, Msrs.IA32_EFER, Cpu.EFER_LME | Cpu.EFER_SCE | Cpu.EFER_NXE);
        assertEquals(Cpu.EFER_LME | Cpu.EFER_SCE | Cpu.EFER_NXE, cpu.efer);
        CpuException e = gp(() -> Msrs.wrmsr(cpu, Msrs.IA32_EFER, 1L << 9));
        assertTrue(e.reason.contains("reserved"), e.reason);
        gp(() -> Msrs.wrmsr(cpu, Msrs.IA32_EFER, 1L << 40));
        // LMA is read-only: writing it does not activate long mode
        Msrs.wrmsr(cpu, Msrs.IA32_EFER, Cpu.EFER_LME | Cpu.EFER_LMA);
        assertEquals(Cpu.EFER_LME, cpu.efer);
        // LME cannot change with paging on
        Cpu lm = SysCpus.long64(0);
        gp(() -> Msrs.wrmsr(lm, Msrs.IA32_EFER, 0));
        // the same LME with paging on is fine, and LMA keeps reflecting the state
        Msrs.wrmsr(lm, Msrs.IA32_EFER, Cpu.EFER_LME | Cpu.EFER_NXE);
        assertEquals(Cpu.EFER_LME | Cpu.EFER_LMA | Cpu.EFER_NXE, lm.efer);
        assertEquals(lm.efer, Msrs.rdmsr(lm, Msrs.IA32_EFER));
    }

    @Test
    void xdDisableMakesNxeReservedAndHidesNx() {
        Cpu cpu = SysCpus.prot32(0);
        long misc = Msrs.rdmsr(cpu, Msrs.IA32_MISC_ENABLE);
        Msrs.wrmsr(cpu, Msrs.IA32_MISC_ENABLE, misc | Msrs.MISC_XD_DISABLE);
        gp(() -> Msrs.wrmsr(cpu, Msrs.IA32_EFER, Cpu.EFER_NXE));
        assertEquals(0, Cpuid.leaf(cpu, 0x8000_0001, 0)[3] & (1 << 20));
        Msrs.wrmsr(cpu, Msrs.IA32_MISC_ENABLE, misc);
        assertTrue((Cpuid.leaf(cpu, 0x8000_0001, 0)[3] & (1 << 20)) != 0);
        Msrs.wrmsr(cpu, Msrs.IA32_EFER, Cpu.EFER_NXE);
    }

    @Test
    void tdxEferWriteRaisesVe() {
        Cpu cpu = SysCpus.real(false, CpuProfile.TDX);
        SysCpus.toProt32(cpu, 0);
        CpuException e = fault(Vectors.VE, 0, () -> Msrs.wrmsr(cpu, Msrs.IA32_EFER, Cpu.EFER_LME));
        assertEquals(20, e.vector);
        assertFalse(e.hasErrorCode);
        assertEquals("WRMSR to EFER raises #VE under tdx", e.reason);
        // even writing the value it already holds
        fault(Vectors.VE, 0, () -> Msrs.wrmsr(cpu, Msrs.IA32_EFER, cpu.efer));
        assertEquals(0, cpu.efer);
        // reading is fine, and other MSRs are writable
        assertEquals(0, Msrs.rdmsr(cpu, Msrs.IA32_EFER));
        Msrs.wrmsr(cpu, Msrs.IA32_GS_BASE, 0x1000);
        // CPL is checked before the #VE
        SysCpus.toProt32(cpu, 3);
        gp(() -> Msrs.wrmsr(cpu, Msrs.IA32_EFER, 0));
    }

    @Test
    void segmentBasesAndCanonicalChecks() {
        Cpu cpu = SysCpus.long64(0);
        Msrs.wrmsr(cpu, Msrs.IA32_FS_BASE, 0xFFFF_8000_0000_1000L);
        Msrs.wrmsr(cpu, Msrs.IA32_GS_BASE, 0x7FFF_FFFF_F000L);
        assertEquals(0xFFFF_8000_0000_1000L, cpu.seg[Insn.FS].base);
        assertEquals(0x7FFF_FFFF_F000L, Msrs.rdmsr(cpu, Msrs.IA32_GS_BASE));
        for (int msr : new int[] {Msrs.IA32_FS_BASE, Msrs.IA32_GS_BASE, Msrs.IA32_KERNEL_GS_BASE,
            Msrs.IA32_LSTAR, Msrs.IA32_CSTAR, Msrs.IA32_SYSENTER_EIP, Msrs.IA32_SYSENTER_ESP}) {
            gp(() -> Msrs.wrmsr(cpu, msr, 0x0000_8000_0000_0000L));
        }
        assertEquals(0xFFFF_8000_0000_1000L, cpu.seg[Insn.FS].base);
        // a 57-bit model accepts 57-bit canonical values
        Cpu la57 = SysCpus.real(true, CpuProfile.GENERIC);
        Msrs.wrmsr(la57, Msrs.IA32_GS_BASE, 0x00FF_8000_0000_0000L);
        assertEquals(0x00FF_8000_0000_0000L, la57.seg[Insn.GS].base);
    }

    @Test
    void syscallSysenterTscAux() {
        Cpu cpu = SysCpus.prot32(0);
        Msrs.wrmsr(cpu, Msrs.IA32_STAR, 0x0023_0010_0000_0000L);
        Msrs.wrmsr(cpu, Msrs.IA32_LSTAR, 0xFFFF_FFFF_8100_0000L);
        Msrs.wrmsr(cpu, Msrs.IA32_FMASK, 0x4700);
        Msrs.wrmsr(cpu, Msrs.IA32_SYSENTER_CS, 0x10);
        assertEquals(0x0023_0010_0000_0000L, Msrs.rdmsr(cpu, Msrs.IA32_STAR));
        assertEquals(0xFFFF_FFFF_8100_0000L, Msrs.rdmsr(cpu, Msrs.IA32_LSTAR));
        assertEquals(0x4700, Msrs.rdmsr(cpu, Msrs.IA32_FMASK));
        assertEquals(0x10, Msrs.rdmsr(cpu, Msrs.IA32_SYSENTER_CS));
        gp(() -> Msrs.wrmsr(cpu, Msrs.IA32_TSC_AUX, 1L << 32));
        Msrs.wrmsr(cpu, Msrs.IA32_TSC_AUX, 7);
        assertEquals(7, Msrs.rdmsr(cpu, Msrs.IA32_TSC_AUX));
        cpu.instructions = 1000;
        Msrs.wrmsr(cpu, Msrs.IA32_TSC, 1_000_000);
        cpu.instructions = 1010;
        assertEquals(1_000_010, Msrs.rdmsr(cpu, Msrs.IA32_TSC));
    }

    @Test
    void platformMsrsAreDelegated() {
        Cpu cpu = SysCpus.prot32(0);
        CpuException e = gp(() -> Msrs.rdmsr(cpu, 0x1B));
        assertEquals("unknown MSR 0x1b (RDMSR)", e.reason);
        gp(() -> Msrs.wrmsr(cpu, 0x830, 0));
        gp(() -> Msrs.rdmsr(cpu, 0x12345));
        Map<Integer, Long> store = new HashMap<>();
        cpu.msrs = new MsrHandler() {
            @Override
            public long read(Cpu c, int msr) {
                return msr == 0x1B || (msr >= 0x800 && msr <= 0x8FF) ? store.getOrDefault(msr, 0xFEE0_0900L) : UNKNOWN;
            }

            @Override
            public boolean write(Cpu c, int msr, long value) {
                if (msr == 0x1B || (msr >= 0x800 && msr <= 0x8FF)) {
                    store.put(msr, value);
                    return true;
                }
                return false;
            }
        };
        assertEquals(0xFEE0_0900L, Msrs.rdmsr(cpu, 0x1B));
        Msrs.wrmsr(cpu, 0x1B, 0xFEE0_0D00L);
        assertEquals(0xFEE0_0D00L, Msrs.rdmsr(cpu, 0x1B));
        Msrs.wrmsr(cpu, 0x808, 0x10);
        assertEquals(0x10, store.get(0x808));
        gp(() -> Msrs.rdmsr(cpu, 0x3A));
    }

    @Test
    void patAndMtrrStorage() {
        Cpu cpu = SysCpus.prot32(0);
        assertEquals(Msrs.PAT_DEFAULT, Msrs.rdmsr(cpu, Msrs.IA32_PAT));
        Msrs.wrmsr(cpu, Msrs.IA32_PAT, 0x0007_0106_0007_0406L);
        assertEquals(0x0007_0106_0007_0406L, Msrs.rdmsr(cpu, Msrs.IA32_PAT));
        gp(() -> Msrs.wrmsr(cpu, Msrs.IA32_PAT, 0x02));
        assertEquals(0, Msrs.rdmsr(cpu, Msrs.IA32_MTRRCAP));
        gp(() -> Msrs.wrmsr(cpu, Msrs.IA32_MTRRCAP, 0));
        Msrs.wrmsr(cpu, Msrs.IA32_MTRR_DEF_TYPE, 0xC06);
        assertEquals(0xC06, Msrs.rdmsr(cpu, Msrs.IA32_MTRR_DEF_TYPE));
        gp(() -> Msrs.wrmsr(cpu, Msrs.IA32_MTRR_DEF_TYPE, 0x1000));
        gp(() -> Msrs.rdmsr(cpu, 0x200)); // no variable ranges
        // per CPU
        Cpu other = SysCpus.prot32(0);
        assertEquals(Msrs.PAT_DEFAULT, Msrs.rdmsr(other, Msrs.IA32_PAT));
    }

    @Test
    void rdmsrWrmsrThroughTheDecoder() {
        Cpu cpu = SysCpus.long64(0);
        cpu.r[Cpu.RCX] = 0xFFFF_FFFF_0000_0000L | Msrs.IA32_GS_BASE; // upper RCX ignored
        cpu.r[Cpu.RAX] = 0xDEAD_BEEF_0000_2000L;
        cpu.r[Cpu.RDX] = 0xDEAD_BEEF_FFFF_8800L;
        exec(cpu, 0x0F, 0x30); // wrmsr
        assertEquals(0xFFFF_8800_0000_2000L, cpu.seg[Insn.GS].base);
        cpu.r[Cpu.RAX] = -1;
        cpu.r[Cpu.RDX] = -1;
        exec(cpu, 0x0F, 0x32); // rdmsr
        assertEquals(0x2000, cpu.r[Cpu.RAX]);
        assertEquals(0xFFFF_8800L, cpu.r[Cpu.RDX]);
    }

    @Test
    void swapgs() {
        Cpu cpu = SysCpus.long64(0);
        cpu.seg[Insn.GS].base = 0x1000;
        cpu.kernelGsBase = 0x2000;
        exec(cpu, 0x0F, 0x01, 0xF8);
        assertEquals(0x2000, cpu.seg[Insn.GS].base);
        assertEquals(0x1000, Msrs.rdmsr(cpu, Msrs.IA32_KERNEL_GS_BASE));
        Cpu user = SysCpus.long64(3);
        gp(() -> Msrs.swapgs(user));
        Cpu compat = SysCpus.long64(0);
        SysCpus.loadCs(compat, 0x18, SysCpus.CODE32);
        ud(() -> Msrs.swapgs(compat));
        ud(() -> Msrs.swapgs(SysCpus.prot32(0)));
    }
}
