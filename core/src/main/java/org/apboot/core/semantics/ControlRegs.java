package org.apboot.core.semantics;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.CpuModel;
import org.apboot.core.cpu.Segment;
import org.apboot.core.fault.CpuException;
import org.apboot.core.fault.Vectors;

/**
 * MOV to and from the control and debug registers, LMSW, SMSW and CLTS, with the architectural
 * checks of the Intel SDM (vol. 2 "MOV—Move to/from Control Registers", vol. 3 sections 2.5 and
 * 10.8.5) and the restrictions of the CPU profile.
 *
 * <p>Every method checks everything first and changes state only when the write is legal, so a
 * fault leaves the CPU untouched. Mode-relevant writes end with {@link Cpu#updateMode()}.
 *
 * <h2>Choices where the manuals leave room</h2>
 * <ul>
 * <li>CR0 bits 63:32 set: #GP(0). Reserved bits in CR0[31:0] are ignored (kept at their reset
 *     value) and ET reads as 1, as the SDM says for processors since the Pentium.
 * <li>CR4 bits are reserved unless the CPU model advertises the feature behind them (LA57 needs
 *     CPUID.7.0:ECX.LA57, PCIDE CPUID.1:ECX.PCID, and so on), as on hardware.
 * <li>CR8 is the task-priority register's priority class. It is kept in {@link Cpu#cr8}, which
 *     the local APIC reads as TPR[7:4]; a write tells the interrupt source, since a lower
 *     priority may let a requested interrupt through.
 * <li>Loading PAE PDPTEs into the processor (legacy PAE paging) is the MMU's: it walks them from
 *     CR3 on use.
 * </ul>
 */
public final class ControlRegs {
    /** CR0 bits that exist (the rest of CR0[31:0] is reserved and ignored on write). */
    public static final long CR0_DEFINED = Cpu.CR0_PE | Cpu.CR0_MP | Cpu.CR0_EM | Cpu.CR0_TS
            | Cpu.CR0_ET | Cpu.CR0_NE | Cpu.CR0_WP | Cpu.CR0_AM | Cpu.CR0_NW | Cpu.CR0_CD | Cpu.CR0_PG;
    /** CR4.OSXSAVE (bit 18): not in {@link Cpu}'s list because apboot has no XSAVE. */
    public static final long CR4_OSXSAVE = 1L << 18;
    /** CR3 bit 63: with CR4.PCIDE, "do not flush this PCID"; never stored. */
    public static final long CR3_NOFLUSH = 1L << 63;
    /** DR7.GD: general detect. */
    public static final long DR7_GD = 1L << 13;
    /** DR6.BD: debug-register access detected. */
    public static final long DR6_BD = 1L << 13;

    private static final long CR0_PAGING_BITS = Cpu.CR0_PG | Cpu.CR0_WP | Cpu.CR0_PE;
    private static final long CR4_PAGING_BITS = Cpu.CR4_PGE | Cpu.CR4_PAE | Cpu.CR4_PSE | Cpu.CR4_LA57
            | Cpu.CR4_SMEP | Cpu.CR4_SMAP;
    private static final long CR4_MODE_BITS = Cpu.CR4_PAE | Cpu.CR4_LA57;

    // CPUID bits CpuModel does not name
    private static final int CPUID1_ECX_PCID = 1 << 17, CPUID1_ECX_XSAVE = 1 << 26;
    private static final int CPUID7_EBX_FSGSBASE = 1, CPUID7_EBX_SMEP = 1 << 7, CPUID7_EBX_SMAP = 1 << 20;
    private static final int CPUID7_ECX_UMIP = 1 << 2;

    private ControlRegs() {
    }

    // ---------------------------------------------------------------- privilege

    /** #GP(0) unless at CPL 0 (v86 counts as CPL 3); real mode always passes. */
    public static void requireCpl0(Cpu cpu, String what) {
        if (cpu.protectedMode() && (cpu.cpl != 0 || cpu.v86())) {
            throw CpuException.gp(0, what + " at CPL " + cpu.cpl + (cpu.v86() ? " (virtual-8086 mode)" : ""));
        }
    }

    /** {@link #requireCpl0} for an instruction named {@code what + n}, named only when it faults. */
    private static void requireCpl0(Cpu cpu, String what, int n) {
        if (cpu.protectedMode() && (cpu.cpl != 0 || cpu.v86())) {
            requireCpl0(cpu, what + n);
        }
    }

    // ---------------------------------------------------------------- MOV from CRn

    /** MOV reg, CRn: the value (64-bit; the caller truncates to the operand size). */
    public static long readCr(Cpu cpu, int n) {
        checkCrNumber(cpu, n);
        requireCpl0(cpu, "MOV from CR", n);
        switch (n) {
            case 0: return cpu.cr0;
            case 2: return cpu.cr2;
            case 3: return cpu.cr3;
            case 4: return cpu.cr4;
            default: return cpu.cr8 & 0xF;
        }
    }

    private static void checkCrNumber(Cpu cpu, int n) {
        if (n == 8) {
            if (cpu.codeSize != 64) {
                throw CpuException.ud("CR8 is reachable only in 64-bit mode");
            }
            return;
        }
        if (n != 0 && n != 2 && n != 3 && n != 4) {
            throw CpuException.ud("CR" + n + " does not exist");
        }
    }

    // ---------------------------------------------------------------- MOV to CRn

    /**
     * MOV CRn, reg. {@code v} is the source register at the operand size (32 bits outside 64-bit
     * mode, so upper bits are already zero there).
     */
    public static void writeCr(Cpu cpu, int n, long v) {
        checkCrNumber(cpu, n);
        requireCpl0(cpu, "MOV to CR", n);
        switch (n) {
            case 0: writeCr0(cpu, v); break;
            case 2: cpu.cr2 = v; break;
            case 3: writeCr3(cpu, v); break;
            case 4: writeCr4(cpu, v); break;
            default: writeCr8(cpu, v); break;
        }
    }

    /** Writes CR0 after the privilege check: every architectural and profile rule. */
    public static void writeCr0(Cpu cpu, long v) {
        if ((v >>> 32) != 0) {
            throw CpuException.gp(0, String.format("reserved bits 63:32 set in CR0 value 0x%x", v));
        }
        long nv = (v & CR0_DEFINED) | (cpu.cr0 & ~CR0_DEFINED & 0xFFFF_FFFFL) | Cpu.CR0_ET;
        long old = cpu.cr0;
        if ((nv & Cpu.CR0_PG) != 0 && (nv & Cpu.CR0_PE) == 0) {
            throw CpuException.gp(0, "setting CR0.PG without CR0.PE");
        }
        if ((nv & Cpu.CR0_NW) != 0 && (nv & Cpu.CR0_CD) == 0) {
            throw CpuException.gp(0, "setting CR0.NW without CR0.CD");
        }
        if (cpu.profile.tdx) {
            if ((nv & Cpu.CR0_PE) == 0) {
                throw CpuException.gp(0, "clearing CR0.PE is not allowed under tdx");
            }
            if ((nv & Cpu.CR0_NE) == 0) {
                throw CpuException.gp(0, "clearing CR0.NE is not allowed under tdx");
            }
        }
        boolean pgOn = (old & Cpu.CR0_PG) == 0 && (nv & Cpu.CR0_PG) != 0;
        boolean pgOff = (old & Cpu.CR0_PG) != 0 && (nv & Cpu.CR0_PG) == 0;
        long efer = cpu.efer;
        if (pgOn && (efer & Cpu.EFER_LME) != 0) {
            // activating IA-32e mode (SDM vol. 3 10.8.5)
            if ((cpu.cr4 & Cpu.CR4_PAE) == 0) {
                throw CpuException.gp(0, "enabling paging with EFER.LME=1 requires CR4.PAE");
            }
            if (cpu.seg[1].longMode()) {
                throw CpuException.gp(0, "activating long mode with CS.L=1");
            }
            int trType = cpu.tr.attrs & Segment.TYPE_MASK;
            if (trType == 1 || trType == 3) {
                throw CpuException.gp(0, "activating long mode with TR referencing a 16-bit TSS");
            }
            efer |= Cpu.EFER_LMA;
        }
        if (pgOff && (cpu.cr4 & Cpu.CR4_PCIDE) != 0) {
            // SDM MOV to CR, #GP(0); CR4.PCIDE is set only in IA-32e mode, so paging is never
            // off with PCIDE set and turning it on needs no such check
            throw CpuException.gp(0, "clearing CR0.PG with CR4.PCIDE=1");
        }
        if (pgOff && (efer & Cpu.EFER_LMA) != 0) {
            if (cpu.codeSize == 64) {
                throw CpuException.gp(0, "clearing CR0.PG in 64-bit mode");
            }
            efer &= ~Cpu.EFER_LMA; // leaving IA-32e mode from compatibility mode
        }
        cpu.cr0 = nv;
        cpu.efer = efer;
        if (((old ^ nv) & CR0_PAGING_BITS) != 0) {
            cpu.mmu.flushAll();
        }
        cpu.updateMode();
    }

    /** Writes CR3 after the privilege check; flushes non-global translations. */
    public static void writeCr3(Cpu cpu, long v) {
        boolean pcide = (cpu.cr4 & Cpu.CR4_PCIDE) != 0;
        boolean noFlush = pcide && (v & CR3_NOFLUSH) != 0;
        long value = pcide ? v & ~CR3_NOFLUSH : v;
        if (cpu.longModeActive()) {
            long reserved = -1L << cpu.model.physAddrBits;
            if ((value & reserved) != 0) {
                throw CpuException.gp(0, String.format("reserved bits set in CR3 value 0x%x", v));
            }
        } else {
            value &= 0xFFFF_FFFFL;
        }
        cpu.cr3 = value;
        if (!noFlush) {
            cpu.mmu.flush();
        }
    }

    /** The CR4 bits this CPU model supports. */
    public static long cr4Supported(CpuModel m) {
        long s = Cpu.CR4_PCE;
        if (m.has(CpuModel.VME)) s |= Cpu.CR4_VME | Cpu.CR4_PVI;
        if (m.has(CpuModel.TSC)) s |= Cpu.CR4_TSD;
        if (m.has(CpuModel.DE)) s |= Cpu.CR4_DE;
        if (m.has(CpuModel.PSE)) s |= Cpu.CR4_PSE;
        if (m.has(CpuModel.PAE)) s |= Cpu.CR4_PAE;
        if (m.has(CpuModel.MCE)) s |= Cpu.CR4_MCE;
        if (m.has(CpuModel.PGE)) s |= Cpu.CR4_PGE;
        if (m.has(CpuModel.FXSR)) s |= Cpu.CR4_OSFXSR;
        if (m.has(CpuModel.SSE)) s |= Cpu.CR4_OSXMMEXCPT;
        if ((m.leaf7Ecx & CPUID7_ECX_UMIP) != 0) s |= Cpu.CR4_UMIP;
        if (m.la57()) s |= Cpu.CR4_LA57;
        if ((m.leaf7Ebx & CPUID7_EBX_FSGSBASE) != 0) s |= Cpu.CR4_FSGSBASE;
        if ((m.features1Ecx & CPUID1_ECX_PCID) != 0) s |= Cpu.CR4_PCIDE;
        if ((m.features1Ecx & CPUID1_ECX_XSAVE) != 0) s |= CR4_OSXSAVE;
        if ((m.leaf7Ebx & CPUID7_EBX_SMEP) != 0) s |= Cpu.CR4_SMEP;
        if ((m.leaf7Ebx & CPUID7_EBX_SMAP) != 0) s |= Cpu.CR4_SMAP;
        return s;
    }

    /** Writes CR4 after the privilege check. */
    public static void writeCr4(Cpu cpu, long v) {
        long reserved = ~cr4Supported(cpu.model);
        if ((v & reserved) != 0) {
            throw CpuException.gp(0, String.format("reserved bits 0x%x set in CR4 value 0x%x", v & reserved, v));
        }
        long old = cpu.cr4;
        boolean lma = cpu.longModeActive();
        if (lma && (v & Cpu.CR4_PAE) == 0) {
            throw CpuException.gp(0, "clearing CR4.PAE while long mode is active");
        }
        if (lma && ((old ^ v) & Cpu.CR4_LA57) != 0) {
            throw CpuException.gp(0, "changing CR4.LA57 while long mode is active (LA57 can change only with paging off)");
        }
        if ((old & Cpu.CR4_PCIDE) == 0 && (v & Cpu.CR4_PCIDE) != 0) {
            if (!lma) {
                throw CpuException.gp(0, "setting CR4.PCIDE outside long mode");
            }
            if ((cpu.cr3 & 0xFFF) != 0) {
                throw CpuException.gp(0, "setting CR4.PCIDE with CR3[11:0] != 0");
            }
        }
        cpu.cr4 = v;
        long changed = old ^ v;
        if ((changed & CR4_PAGING_BITS) != 0 || (old & ~v & Cpu.CR4_PCIDE) != 0) {
            cpu.mmu.flushAll();
        }
        if ((changed & CR4_MODE_BITS) != 0) {
            cpu.updateMode();
        }
    }

    /** Writes CR8 (TPR) after the privilege check. */
    public static void writeCr8(Cpu cpu, long v) {
        if ((v & ~0xFL) != 0) {
            throw CpuException.gp(0, String.format("reserved bits set in CR8 value 0x%x", v));
        }
        cpu.cr8 = v;
        cpu.interrupts.priorityChanged(cpu);
    }

    // ---------------------------------------------------------------- LMSW / SMSW / CLTS

    /**
     * LMSW: loads CR0 bits 3:0 (PE, MP, EM, TS) from the low bits of {@code msw}; PE can be set
     * but not cleared.
     */
    public static void lmsw(Cpu cpu, long msw) {
        requireCpl0(cpu, "LMSW");
        long nv = (cpu.cr0 & ~0xEL) | (msw & 0xF) | (cpu.cr0 & Cpu.CR0_PE);
        long old = cpu.cr0;
        cpu.cr0 = nv;
        if (((old ^ nv) & Cpu.CR0_PE) != 0) {
            cpu.mmu.flushAll();
            cpu.updateMode();
        }
    }

    /**
     * SMSW: the value to store (all of CR0; the caller stores 16 bits to memory, or the operand
     * size to a register). #GP(0) at CPL &gt; 0 when CR4.UMIP is set.
     */
    public static long smsw(Cpu cpu) {
        checkUmip(cpu, "SMSW");
        return cpu.cr0;
    }

    /** #GP(0) for SGDT/SIDT/SLDT/SMSW/STR at CPL &gt; 0 when CR4.UMIP is set. */
    public static void checkUmip(Cpu cpu, String what) {
        if ((cpu.cr4 & Cpu.CR4_UMIP) != 0 && cpu.protectedMode() && (cpu.cpl > 0 || cpu.v86())) {
            throw CpuException.gp(0, what + " at CPL " + cpu.cpl + " with CR4.UMIP set");
        }
    }

    /** CLTS: clears CR0.TS. */
    public static void clts(Cpu cpu) {
        requireCpl0(cpu, "CLTS");
        cpu.cr0 &= ~Cpu.CR0_TS;
    }

    // ---------------------------------------------------------------- debug registers

    private static int drIndex(Cpu cpu, int n) {
        if (n < 0 || n > 7) {
            throw CpuException.ud("DR" + n + " does not exist");
        }
        if (n == 4 || n == 5) {
            if ((cpu.cr4 & Cpu.CR4_DE) != 0) {
                throw CpuException.ud("DR" + n + " with CR4.DE set");
            }
            return n + 2;
        }
        return n;
    }

    /** The privilege and general-detect checks of MOV to/from DR{@code n} ({@code what + n}). */
    private static void checkDrAccess(Cpu cpu, String what, int n) {
        requireCpl0(cpu, what, n);
        if ((cpu.dr[7] & DR7_GD) != 0) {
            // general-detect fault: BD is reported and GD cleared for the handler
            cpu.dr[6] |= DR6_BD;
            cpu.dr[7] &= ~DR7_GD;
            throw CpuException.of(Vectors.DB, what + n + " with DR7.GD set");
        }
    }

    /** MOV reg, DRn. */
    public static long readDr(Cpu cpu, int n) {
        int i = drIndex(cpu, n);
        checkDrAccess(cpu, "MOV from DR", n);
        return cpu.dr[i];
    }

    /** MOV DRn, reg. */
    public static void writeDr(Cpu cpu, int n, long v) {
        int i = drIndex(cpu, n);
        checkDrAccess(cpu, "MOV to DR", n);
        if (i >= 6 && (v >>> 32) != 0) {
            throw CpuException.gp(0, String.format("reserved bits 63:32 set in DR%d value 0x%x", n, v));
        }
        if (i == 6) {
            cpu.dr[6] = (v & 0xE00FL) | 0xFFFF_0FF0L;
        } else if (i == 7) {
            cpu.dr[7] = (v & 0xFFFF_23FFL) | 0x400;
            Debug.dr7Changed(cpu);
        } else {
            cpu.dr[i] = cpu.codeSize == 64 ? v : v & 0xFFFF_FFFFL;
        }
    }
}
