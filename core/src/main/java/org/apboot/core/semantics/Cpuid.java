package org.apboot.core.semantics;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.CpuModel;
import org.apboot.core.fault.CpuException;

/**
 * CPUID, RDTSC and RDTSCP.
 *
 * <h2>CPUID leaves</h2>
 * Built from {@link Cpu#model}: 0 (max basic leaf {@value #MAX_BASIC}, vendor), 1 (signature,
 * APIC ID, features; OSXSAVE clear since apboot has no XSAVE), 2 (no descriptors), 4 (no cache
 * levels), 7.0 (structured features incl. LA57), 0xB (x2APIC topology), 0x80000000-0x80000008
 * (extended features, brand string, address widths), and 0x40000000 (hypervisor signature
 * "apbootVCPU\0\0", since the model sets the hypervisor bit). Leaves 3, 5, 6, 8-0xA,
 * 0x80000005-7 and subleaves that do not exist return zeros.
 *
 * <p>A leaf above the maximum basic or extended leaf returns the data of the highest basic leaf,
 * as Intel processors do (SDM vol. 2 CPUID, "If a value entered for CPUID.EAX is higher than the
 * maximum input value..."). MISC_ENABLE.LIMIT_CPUID lowers the maximum basic leaf to 2, and
 * MISC_ENABLE.XD_DISABLE hides CPUID.80000001:EDX.NX.
 *
 * <h2>Topology</h2>
 * Leaf 0xB reports one thread per core (SMT level: shift 0, one logical processor) and up to 256
 * cores per package (core level: shift 8), so the package is APIC ID &gt;&gt; 8. EDX is the full
 * 32-bit x2APIC ID on every subleaf, which is how APs find their per-CPU data. Leaf 1 reports the
 * 8-bit initial APIC ID in EBX[31:24] and a logical-processor count of 1 (HTT is not advertised,
 * so software must not use that field).
 *
 * <h2>Time stamp counter</h2>
 * The TSC counts retired guest instructions, plus the time a halted CPU skipped waiting for its
 * APIC timer, plus the offset software set through WRMSR: monotonic per CPU and reproducible
 * between runs, which wall-clock time would not be.
 */
public final class Cpuid {
    public static final int MAX_BASIC = 0xB;
    public static final int MAX_EXTENDED = 0x8000_0008;
    public static final int HYPERVISOR_LEAF = 0x4000_0000;
    /** Shift from the x2APIC ID to the package ID in leaf 0xB. */
    public static final int CORE_LEVEL_SHIFT = 8;

    private static final int OSXSAVE = 1 << 27;
    private static final String HYPERVISOR_SIGNATURE = "apbootVCPU\0\0";

    private Cpuid() {
    }

    /** CPUID: reads EAX/ECX, writes EAX, EBX, ECX, EDX (zero-extending to 64 bits). */
    public static void cpuid(Cpu cpu) {
        int[] v = leaf(cpu, (int) cpu.r[Cpu.RAX], (int) cpu.r[Cpu.RCX], SCRATCH.get());
        if (cpu.overrides != null) {
            cpu.overrides.cpuid(cpu, (int) cpu.r[Cpu.RAX], (int) cpu.r[Cpu.RCX], v);
        }
        cpu.r[Cpu.RAX] = v[0] & 0xFFFF_FFFFL;
        cpu.r[Cpu.RBX] = v[1] & 0xFFFF_FFFFL;
        cpu.r[Cpu.RCX] = v[2] & 0xFFFF_FFFFL;
        cpu.r[Cpu.RDX] = v[3] & 0xFFFF_FFFFL;
    }

    /** Maximum basic leaf as currently reported (MISC_ENABLE.LIMIT_CPUID caps it at 2). */
    public static int maxBasic(Cpu cpu) {
        return (cpu.miscEnable & Msrs.MISC_LIMIT_CPUID) != 0 ? 2 : MAX_BASIC;
    }

    /** The four registers {EAX, EBX, ECX, EDX} for leaf {@code eax}, subleaf {@code ecx}. */
    public static int[] leaf(Cpu cpu, int eax, int ecx) {
        return leaf(cpu, eax, ecx, new int[4]);
    }

    /** Per host thread: CPUID runs on an AP's path and must not allocate. */
    private static final ThreadLocal<int[]> SCRATCH = ThreadLocal.withInitial(() -> new int[4]);

    private static int[] set(int[] out, int a, int b, int c, int d) {
        out[0] = a;
        out[1] = b;
        out[2] = c;
        out[3] = d;
        return out;
    }

    /** {@link #leaf(Cpu, int, int)} into {@code out}, which it returns. */
    private static int[] leaf(Cpu cpu, int eax, int ecx, int[] out) {
        int max = maxBasic(cpu);
        if (Integer.compareUnsigned(eax, 0x8000_0000) >= 0) {
            if (Integer.compareUnsigned(eax, MAX_EXTENDED) > 0) {
                return basic(cpu, max, ecx, out);
            }
            return extended(cpu, eax, out);
        }
        if (eax == HYPERVISOR_LEAF) {
            return set(out, HYPERVISOR_LEAF, str(HYPERVISOR_SIGNATURE, 0), str(HYPERVISOR_SIGNATURE, 4),                 str(HYPERVISOR_SIGNATURE, 8));
        }
        if (Integer.compareUnsigned(eax, max) > 0) {
            return basic(cpu, max, ecx, out);
        }
        return basic(cpu, eax, ecx, out);
    }

    /** Leaf 1 EAX: stepping, model, family, extended model and family as the SDM encodes them. */
    public static int signature(CpuModel m) {
        int family = Math.min(m.family, 0xF);
        int extFamily = m.family >= 0xF ? m.family - 0xF : 0;
        int extModel = (m.family == 6 || m.family >= 0xF) ? (m.model >> 4) & 0xF : 0;
        return (m.stepping & 0xF) | (m.model & 0xF) << 4 | family << 8 | extModel << 16 | (extFamily & 0xFF) << 20;
    }

    private static int[] basic(Cpu cpu, int leaf, int sub, int[] out) {
        CpuModel m = cpu.model;
        switch (leaf) {
            case 0:
                return set(out, maxBasic(cpu), str(m.vendor, 0), str(m.vendor, 8), str(m.vendor, 4));
            case 1: {
                int clflush = m.has(CpuModel.CLFSH) ? 8 << 8 : 0;
                int ebx = clflush | 1 << 16 | (cpu.apicId & 0xFF) << 24;
                return set(out, signature(m), ebx, m.features1Ecx & ~OSXSAVE, m.features1Edx);
            }
            case 2:
                return set(out, 1, 0, 0, 0);
            case 7:
                return sub == 0 ? set(out, 0, m.leaf7Ebx, m.leaf7Ecx, 0) : set(out, 0, 0, 0, 0);
            case 0xB:
                return topology(cpu, sub, out);
            default:
                return set(out, 0, 0, 0, 0);
        }
    }

    private static int[] topology(Cpu cpu, int sub, int[] out) {
        int id = cpu.apicId;
        switch (sub) {
            case 0: return set(out, 0, 1, 1 << 8, id);
            case 1: return set(out, CORE_LEVEL_SHIFT, 1 << CORE_LEVEL_SHIFT, 1 | 2 << 8, id);
            default: return set(out, 0, 0, sub & 0xFF, id);
        }
    }

    private static int[] extended(Cpu cpu, int leaf, int[] out) {
        CpuModel m = cpu.model;
        switch (leaf) {
            case 0x8000_0000:
                return set(out, MAX_EXTENDED, 0, 0, 0);
            case 0x8000_0001: {
                int edx = m.extEdx;
                if ((cpu.miscEnable & Msrs.MISC_XD_DISABLE) != 0) {
                    edx &= ~CpuModel.EXT_NX;
                }
                return set(out, 0, 0, m.extEcx, edx);
            }
            case 0x8000_0002:
            case 0x8000_0003:
            case 0x8000_0004: {
                int base = (leaf - 0x8000_0002) * 16;
                return set(out, brand(m, base), brand(m, base + 4), brand(m, base + 8), brand(m, base + 12));
            }
            case 0x8000_0008:
                return set(out, (m.physAddrBits & 0xFF) | (m.linearAddrBits & 0xFF) << 8, 0, 0, 0);
            default:
                return set(out, 0, 0, 0, 0);
        }
    }

    private static int str(String s, int off) {
        int v = 0;
        for (int i = 0; i < 4; i++) {
            int c = off + i < s.length() ? s.charAt(off + i) & 0xFF : 0;
            v |= c << (8 * i);
        }
        return v;
    }

    /** Four bytes of the brand string, cut to 47 characters (the 48th is its terminating NUL). */
    private static int brand(CpuModel m, int off) {
        int v = 0;
        for (int i = 0; i < 4; i++) {
            int at = off + i;
            int c = at < Math.min(m.brand.length(), 47) ? m.brand.charAt(at) & 0xFF : 0;
            v |= c << (8 * i);
        }
        return v;
    }

    // ---------------------------------------------------------------- TSC

    private static void checkTsd(Cpu cpu, String what) {
        if ((cpu.cr4 & Cpu.CR4_TSD) != 0 && cpu.protectedMode() && (cpu.cpl != 0 || cpu.v86())) {
            throw CpuException.gp(0, what + " at CPL " + cpu.cpl + " with CR4.TSD set");
        }
    }

    /** RDTSC: EDX:EAX = TSC. */
    public static void rdtsc(Cpu cpu) {
        checkTsd(cpu, "RDTSC");
        long t = Msrs.tsc(cpu);
        cpu.r[Cpu.RAX] = t & 0xFFFF_FFFFL;
        cpu.r[Cpu.RDX] = t >>> 32;
    }

    /** RDTSCP: EDX:EAX = TSC, ECX = TSC_AUX. #UD when the model lacks RDTSCP. */
    public static void rdtscp(Cpu cpu) {
        if ((cpu.model.extEdx & CpuModel.EXT_RDTSCP) == 0) {
            throw CpuException.ud("RDTSCP not supported by this CPU model");
        }
        checkTsd(cpu, "RDTSCP");
        long t = Msrs.tsc(cpu);
        cpu.r[Cpu.RAX] = t & 0xFFFF_FFFFL;
        cpu.r[Cpu.RDX] = t >>> 32;
        cpu.r[Cpu.RCX] = cpu.tscAux & 0xFFFF_FFFFL;
    }
}
