package org.apboot.core.semantics;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.CpuModel;
import org.apboot.core.cpu.MsrHandler;
import org.apboot.core.decode.Insn;
import org.apboot.core.fault.CpuException;

/**
 * RDMSR, WRMSR and SWAPGS.
 *
 * <p>The core owns the architectural MSRs (EFER, FS/GS bases, the SYSCALL and SYSENTER MSRs, TSC,
 * TSC_AUX, MISC_ENABLE). Everything else, APIC_BASE and the x2APIC range included, is asked of
 * {@link Cpu#msrs} first; an MSR nobody knows raises #GP(0).
 *
 * <p>PAT and the MTRR registers bring-up code touches are asked of the platform first too; when
 * it does not know them they are plain per-CPU storage here: PAT with its power-on value and the
 * SDM's encoding check, MTRRcap reporting no variable or fixed ranges and no write-combining (so
 * the variable-range MSRs do not exist), MTRRdefType with its reserved-bit check. Caching
 * attributes have no effect on an emulator, so storage is all they need.
 */
public final class Msrs {
    public static final int IA32_TSC = 0x10, IA32_APIC_BASE = 0x1B, IA32_BIOS_SIGN_ID = 0x8B,
            IA32_MTRRCAP = 0xFE, IA32_SYSENTER_CS = 0x174, IA32_SYSENTER_ESP = 0x175,
            IA32_SYSENTER_EIP = 0x176, IA32_MISC_ENABLE = 0x1A0, IA32_PAT = 0x277,
            IA32_MTRR_DEF_TYPE = 0x2FF, X2APIC_FIRST = 0x800, X2APIC_LAST = 0x8FF,
            IA32_EFER = 0xC000_0080, IA32_STAR = 0xC000_0081, IA32_LSTAR = 0xC000_0082,
            IA32_CSTAR = 0xC000_0083, IA32_FMASK = 0xC000_0084, IA32_FS_BASE = 0xC000_0100,
            IA32_GS_BASE = 0xC000_0101, IA32_KERNEL_GS_BASE = 0xC000_0102, IA32_TSC_AUX = 0xC000_0103;

    /** MISC_ENABLE bit 22: CPUID.0 reports at most leaf 2. */
    public static final long MISC_LIMIT_CPUID = 1L << 22;
    /** MISC_ENABLE bit 34: execute-disable off (CPUID hides NX, EFER.NXE is reserved). */
    public static final long MISC_XD_DISABLE = 1L << 34;
    /** PAT power-on value (SDM vol. 3 table 13-12). */
    public static final long PAT_DEFAULT = Cpu.PAT_POWER_ON;

    /** MISC_ENABLE bits a guest may write; the rest keep their value (reads as written here). */
    private static final long MISC_WRITABLE = -1L;

    private Msrs() {
    }

    // ---------------------------------------------------------------- helpers

    /** True when {@code v} is canonical for {@code bits} linear-address bits. */
    public static boolean canonical(long v, int bits) {
        return (v << (64 - bits) >> (64 - bits)) == v;
    }

    private static void requireCanonical(Cpu cpu, int msr, long v) {
        if (!canonical(v, cpu.model.linearAddrBits)) {
            throw CpuException.gp(0, String.format("non-canonical value 0x%x written to MSR 0x%x", v, msr));
        }
    }

    /** EFER bits this model lets software set (LMA is read-only and handled separately). */
    public static long eferWritable(Cpu cpu) {
        long w = 0;
        if ((cpu.model.extEdx & CpuModel.EXT_SYSCALL) != 0) w |= Cpu.EFER_SCE;
        if ((cpu.model.extEdx & CpuModel.EXT_LM) != 0) w |= Cpu.EFER_LME;
        if ((cpu.model.extEdx & CpuModel.EXT_NX) != 0 && (cpu.miscEnable & MISC_XD_DISABLE) == 0) {
            w |= Cpu.EFER_NXE;
        }
        return w;
    }

    /** The TSC value RDTSC returns: instructions retired plus the offset WRMSR(TSC) set. */
    public static long tsc(Cpu cpu) {
        return cpu.instructions + cpu.idleTicks + cpu.tscOffset;
    }

    // ---------------------------------------------------------------- RDMSR

    /** RDMSR: #GP(0) outside CPL 0 or for an unknown MSR. */
    public static long rdmsr(Cpu cpu, int msr) {
        ControlRegs.requireCpl0(cpu, "RDMSR");
        if (cpu.overrides != null) {
            long o = cpu.overrides.rdmsr(cpu, msr);
            if (o != MsrHandler.UNKNOWN) {
                return o;
            }
        }
        switch (msr) {
            case IA32_EFER: return cpu.efer;
            case IA32_FS_BASE: return cpu.seg[Insn.FS].base;
            case IA32_GS_BASE: return cpu.seg[Insn.GS].base;
            case IA32_KERNEL_GS_BASE: return cpu.kernelGsBase;
            case IA32_STAR: return cpu.star;
            case IA32_LSTAR: return cpu.lstar;
            case IA32_CSTAR: return cpu.cstar;
            case IA32_FMASK: return cpu.sfmask;
            case IA32_SYSENTER_CS: return cpu.sysenterCs;
            case IA32_SYSENTER_ESP: return cpu.sysenterEsp;
            case IA32_SYSENTER_EIP: return cpu.sysenterEip;
            case IA32_TSC: return tsc(cpu);
            case IA32_TSC_AUX: return cpu.tscAux;
            case IA32_MISC_ENABLE: return cpu.miscEnable;
            default: break;
        }
        long v = cpu.msrs.read(cpu, msr);
        if (v != MsrHandler.UNKNOWN) {
            return v;
        }
        switch (msr) {
            case IA32_PAT: return cpu.pat;
            case IA32_MTRR_DEF_TYPE: return cpu.mtrrDefType;
            case IA32_MTRRCAP: return 0;
            case IA32_BIOS_SIGN_ID: return 0;
            default: throw unknown(msr, "RDMSR");
        }
    }

    private static CpuException unknown(int msr, String what) {
        return CpuException.gp(0, "unknown MSR 0x" + Integer.toHexString(msr) + " (" + what + ")");
    }

    // ---------------------------------------------------------------- WRMSR

    /** WRMSR: every check first, then the write. */
    public static void wrmsr(Cpu cpu, int msr, long v) {
        ControlRegs.requireCpl0(cpu, "WRMSR");
        if (cpu.overrides != null && cpu.overrides.wrmsr(cpu, msr, v)) {
            return;
        }
        switch (msr) {
            case IA32_EFER: writeEfer(cpu, v); return;
            case IA32_FS_BASE: requireCanonical(cpu, msr, v); cpu.seg[Insn.FS].base = v; return;
            case IA32_GS_BASE: requireCanonical(cpu, msr, v); cpu.seg[Insn.GS].base = v; return;
            case IA32_KERNEL_GS_BASE: requireCanonical(cpu, msr, v); cpu.kernelGsBase = v; return;
            case IA32_STAR: cpu.star = v; return;
            case IA32_LSTAR: requireCanonical(cpu, msr, v); cpu.lstar = v; return;
            case IA32_CSTAR: requireCanonical(cpu, msr, v); cpu.cstar = v; return;
            case IA32_FMASK:
                requireLow32(msr, v);
                cpu.sfmask = v;
                return;
            case IA32_SYSENTER_CS: cpu.sysenterCs = v & 0xFFFF_FFFFL; return;
            case IA32_SYSENTER_ESP: requireCanonical(cpu, msr, v); cpu.sysenterEsp = v; return;
            case IA32_SYSENTER_EIP: requireCanonical(cpu, msr, v); cpu.sysenterEip = v; return;
            case IA32_TSC: cpu.tscOffset = v - cpu.instructions - cpu.idleTicks; return;
            case IA32_TSC_AUX:
                requireLow32(msr, v);
                cpu.tscAux = v;
                return;
            case IA32_MISC_ENABLE:
                cpu.miscEnable = (cpu.miscEnable & ~MISC_WRITABLE) | (v & MISC_WRITABLE);
                return;
            default: break;
        }
        if (cpu.msrs.write(cpu, msr, v)) {
            return;
        }
        switch (msr) {
            case IA32_PAT: writePat(cpu, v); return;
            case IA32_MTRR_DEF_TYPE:
                if ((v & ~0xCFFL) != 0) {
                    throw CpuException.gp(0, String.format("reserved bits set in MTRRdefType value 0x%x", v));
                }
                cpu.mtrrDefType = v;
                return;
            case IA32_MTRRCAP: throw CpuException.gp(0, "MTRRcap (0xfe) is read-only");
            case IA32_BIOS_SIGN_ID: return; // microcode revision request: nothing to load
            default: throw unknown(msr, "WRMSR");
        }
    }

    private static void requireLow32(int msr, long v) {
        if ((v >>> 32) != 0) {
            throw CpuException.gp(0, String.format("reserved bits 63:32 set writing 0x%x to MSR 0x%x", v, msr));
        }
    }

    private static void writePat(Cpu cpu, long v) {
        for (int i = 0; i < 8; i++) {
            int t = (int) (v >>> (8 * i)) & 0xFF;
            if (t == 2 || t == 3 || t > 7) {
                throw CpuException.gp(0, String.format("invalid memory type %d in PAT entry %d (value 0x%x)", t, i, v));
            }
        }
        cpu.pat = v;
    }

    /**
     * WRMSR to EFER: #VE under tdx (the TDX module does not let a guest write EFER); reserved
     * bits #GP(0); LME can change only with paging off; LMA is read-only (the written bit is
     * ignored and keeps reflecting whether long mode is active).
     */
    public static void writeEfer(Cpu cpu, long v) {
        if (cpu.profile.tdx) {
            throw CpuException.ve("WRMSR to EFER raises #VE under tdx");
        }
        long reserved = ~(eferWritable(cpu) | Cpu.EFER_LMA);
        if ((v & reserved) != 0) {
            throw CpuException.gp(0, String.format("reserved bits 0x%x set in EFER value 0x%x", v & reserved, v));
        }
        long old = cpu.efer;
        if ((cpu.cr0 & Cpu.CR0_PG) != 0 && ((old ^ v) & Cpu.EFER_LME) != 0) {
            throw CpuException.gp(0, "changing EFER.LME while paging is enabled");
        }
        long nv = (v & ~Cpu.EFER_LMA) | (old & Cpu.EFER_LMA);
        cpu.efer = nv;
        if (((old ^ nv) & Cpu.EFER_NXE) != 0) {
            cpu.mmu.flushAll();
        }
        cpu.updateMode();
    }

    // ---------------------------------------------------------------- SWAPGS

    /** SWAPGS: exchanges GS.base and KERNEL_GS_BASE; 64-bit mode and CPL 0 only. */
    public static void swapgs(Cpu cpu) {
        if (cpu.codeSize != 64) {
            throw CpuException.ud("SWAPGS outside 64-bit mode");
        }
        if (cpu.cpl != 0) {
            throw CpuException.gp(0, "SWAPGS at CPL " + cpu.cpl);
        }
        long t = cpu.seg[Insn.GS].base;
        cpu.seg[Insn.GS].base = cpu.kernelGsBase;
        cpu.kernelGsBase = t;
    }
}
