package org.apboot.core.cpu;

/**
 * The CPU model CPUID reports: vendor, family/model/stepping, feature bits. Immutable; shared by
 * every vCPU of a machine. Features may be advertised without being implemented (SSE...):
 * executing such an instruction is an "unimplemented" #UD, never a silent wrong result.
 */
public final class CpuModel {
    // CPUID.1:EDX
    public static final int FPU = 1, VME = 1 << 1, DE = 1 << 2, PSE = 1 << 3, TSC = 1 << 4,
            MSR = 1 << 5, PAE = 1 << 6, MCE = 1 << 7, CX8 = 1 << 8, APIC = 1 << 9, SEP = 1 << 11,
            MTRR = 1 << 12, PGE = 1 << 13, MCA = 1 << 14, CMOV = 1 << 15, PAT = 1 << 16,
            PSE36 = 1 << 17, CLFSH = 1 << 19, MMX = 1 << 23, FXSR = 1 << 24, SSE = 1 << 25,
            SSE2 = 1 << 26;
    // CPUID.1:ECX
    public static final int SSE3 = 1, CX16 = 1 << 13, X2APIC = 1 << 21, POPCNT_BIT = 1 << 23,
            HYPERVISOR = 1 << 31;
    // CPUID.80000001:EDX
    public static final int EXT_SYSCALL = 1 << 11, EXT_NX = 1 << 20, EXT_PDPE1GB = 1 << 26,
            EXT_RDTSCP = 1 << 27, EXT_LM = 1 << 29;
    // CPUID.80000001:ECX
    public static final int EXT_LAHF_LM = 1, EXT_ABM = 1 << 5;
    // CPUID.7.0:EBX / ECX
    public static final int L7_BMI1 = 1 << 3, L7_ECX_LA57 = 1 << 16;

    public final String vendor;
    public final int family, model, stepping;
    public final int features1Edx, features1Ecx, extEdx, extEcx, leaf7Ebx, leaf7Ecx;
    /** Physical and linear address widths reported by CPUID 0x80000008. */
    public final int physAddrBits, linearAddrBits;
    public final String brand;

    public CpuModel(String vendor, int family, int model, int stepping, int features1Edx,
                    int features1Ecx, int extEdx, int extEcx, int leaf7Ebx, int leaf7Ecx,
                    int physAddrBits, int linearAddrBits, String brand) {
        if (vendor.length() != 12) {
            throw new IllegalArgumentException("CPUID vendor must be 12 characters: " + vendor);
        }
        this.vendor = vendor;
        this.family = family;
        this.model = model;
        this.stepping = stepping;
        this.features1Edx = features1Edx;
        this.features1Ecx = features1Ecx;
        this.extEdx = extEdx;
        this.extEcx = extEcx;
        this.leaf7Ebx = leaf7Ebx;
        this.leaf7Ecx = leaf7Ecx;
        this.physAddrBits = physAddrBits;
        this.linearAddrBits = linearAddrBits;
        this.brand = brand;
    }

    /**
     * A recent Intel-like 64-bit CPU with x2APIC; {@code la57} adds 5-level paging.
     */
    public static CpuModel standard(boolean la57) {
        return new CpuModel("GenuineIntel", 6, 0x8F, 8,
                FPU | VME | DE | PSE | TSC | MSR | PAE | MCE | CX8 | APIC | SEP | MTRR | PGE | MCA
                        | CMOV | PAT | PSE36 | CLFSH | MMX | FXSR | SSE | SSE2,
                SSE3 | CX16 | X2APIC | POPCNT_BIT | HYPERVISOR,
                EXT_SYSCALL | EXT_NX | EXT_PDPE1GB | EXT_RDTSCP | EXT_LM,
                EXT_LAHF_LM | EXT_ABM,
                L7_BMI1,
                la57 ? L7_ECX_LA57 : 0,
                46, la57 ? 57 : 48,
                "apboot virtual CPU");
    }

    public boolean has(int edx1Bit) {
        return (features1Edx & edx1Bit) != 0;
    }

    public boolean la57() {
        return (leaf7Ecx & L7_ECX_LA57) != 0;
    }
}
