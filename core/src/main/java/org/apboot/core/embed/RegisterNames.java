package org.apboot.core.embed;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.Segment;
import org.apboot.core.fault.CpuException;
import org.apboot.core.semantics.Debug;
import org.apboot.core.semantics.Flags;
import org.apboot.core.semantics.Msrs;

/**
 * Every architectural register of a {@link Cpu} by name, for embedders and the command line:
 * general registers, RIP, RFLAGS, segment selectors and their descriptor caches
 * ({@code cs.base}, {@code cs.limit}, {@code cs.attrs}), LDTR and TR likewise, GDTR and IDTR,
 * control, debug and the architectural MSRs.
 *
 * <p>Writes are the embedder's, not the guest's: no privilege or reserved-bit checks. A write
 * to a register that changes the mode (CR0, CR4, EFER, RFLAGS, CS or SS caches) recomputes it
 * and drops the vCPU's TLB; writing a segment selector in real or virtual-8086 mode also sets
 * its base to selector × 16, in protected mode only the selector changes.
 */
public final class RegisterNames {
    private static final String[] GPR = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
        "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"};
    private static final String[] SEG = {"es", "cs", "ss", "ds", "fs", "gs"};
    private static final String[] MSR_NAMES = {"fs_base", "gs_base", "kernel_gs_base", "star", "lstar", "cstar",
        "sfmask", "sysenter_cs", "sysenter_esp", "sysenter_eip", "pat", "tsc_aux", "misc_enable", "apic_base", "tsc"};
    private static final int[] MSR_NUMBERS = {Msrs.IA32_FS_BASE, Msrs.IA32_GS_BASE, Msrs.IA32_KERNEL_GS_BASE,
        Msrs.IA32_STAR, Msrs.IA32_LSTAR, Msrs.IA32_CSTAR, Msrs.IA32_FMASK, Msrs.IA32_SYSENTER_CS,
        Msrs.IA32_SYSENTER_ESP, Msrs.IA32_SYSENTER_EIP, Msrs.IA32_PAT, Msrs.IA32_TSC_AUX, Msrs.IA32_MISC_ENABLE,
        Msrs.IA32_APIC_BASE, Msrs.IA32_TSC};
    private static final List<String> NAMES;

    static {
        List<String> n = new ArrayList<>(List.of(GPR));
        n.add("rip");
        n.add("rflags");
        for (String s : SEG) {
            n.add(s);
        }
        n.add("ldtr");
        n.add("tr");
        for (String s : SEG) {
            n.add(s + ".base");
            n.add(s + ".limit");
            n.add(s + ".attrs");
        }
        for (String s : new String[] {"ldtr", "tr"}) {
            n.add(s + ".base");
            n.add(s + ".limit");
            n.add(s + ".attrs");
        }
        n.addAll(List.of("gdtr.base", "gdtr.limit", "idtr.base", "idtr.limit",
                "cr0", "cr2", "cr3", "cr4", "cr8", "dr0", "dr1", "dr2", "dr3", "dr6", "dr7", "efer"));
        n.addAll(List.of(MSR_NAMES));
        NAMES = Collections.unmodifiableList(n);
    }

    private RegisterNames() {
    }

    /** Every register name, in a fixed order (general, RIP, RFLAGS, segments, tables, CRs, DRs, MSRs). */
    public static List<String> all() {
        return NAMES;
    }

    private static int index(String[] table, String name) {
        for (int i = 0; i < table.length; i++) {
            if (table[i].equals(name)) {
                return i;
            }
        }
        return -1;
    }

    private static IllegalArgumentException unknown(String name) {
        return new IllegalArgumentException("unknown register '" + name + "' (known: rax..r15, rip, rflags, "
                + "es..gs, ldtr, tr and their .base/.limit/.attrs, gdtr.base/limit, idtr.base/limit, "
                + "cr0, cr2, cr3, cr4, cr8, dr0-dr3, dr6, dr7, efer, " + String.join(", ", MSR_NAMES) + ")");
    }

    private static Segment segment(Cpu c, String name) {
        int s = index(SEG, name);
        if (s >= 0) {
            return c.seg[s];
        }
        if (name.equals("ldtr")) {
            return c.ldtr;
        }
        return name.equals("tr") ? c.tr : null;
    }

    /** The value of register {@code name} (case-insensitive). */
    public static long get(Cpu c, String name) {
        String n = name.toLowerCase(Locale.ROOT);
        int g = index(GPR, n);
        if (g >= 0) {
            return c.r[g];
        }
        int dot = n.indexOf('.');
        if (dot > 0) {
            String base = n.substring(0, dot), field = n.substring(dot + 1);
            if (base.equals("gdtr") || base.equals("idtr")) {
                boolean gdt = base.equals("gdtr");
                if (field.equals("base")) {
                    return gdt ? c.gdtrBase : c.idtrBase;
                }
                if (field.equals("limit")) {
                    return gdt ? c.gdtrLimit : c.idtrLimit;
                }
                throw unknown(name);
            }
            Segment s = segment(c, base);
            if (s == null) {
                throw unknown(name);
            }
            switch (field) {
                case "base": return s.base;
                case "limit": return s.limit;
                case "attrs": return s.attrs;
                case "selector": return s.selector;
                default: throw unknown(name);
            }
        }
        Segment s = segment(c, n);
        if (s != null) {
            return s.selector;
        }
        switch (n) {
            case "rip": return c.rip;
            case "rflags": return Flags.rflags(c);
            case "cr0": return c.cr0;
            case "cr2": return c.cr2;
            case "cr3": return c.cr3;
            case "cr4": return c.cr4;
            case "cr8": return c.cr8;
            case "dr0": case "dr1": case "dr2": case "dr3": case "dr6": case "dr7":
                return c.dr[n.charAt(2) - '0'];
            case "efer": return c.efer;
            default: break;
        }
        int m = index(MSR_NAMES, n);
        if (m >= 0) {
            return readMsr(c, MSR_NUMBERS[m]);
        }
        throw unknown(name);
    }

    /** Sets register {@code name} (case-insensitive) to {@code v}. */
    public static void set(Cpu c, String name, long v) {
        String n = name.toLowerCase(Locale.ROOT);
        int g = index(GPR, n);
        if (g >= 0) {
            c.r[g] = v;
            return;
        }
        int dot = n.indexOf('.');
        if (dot > 0) {
            String base = n.substring(0, dot), field = n.substring(dot + 1);
            if (base.equals("gdtr") || base.equals("idtr")) {
                boolean gdt = base.equals("gdtr");
                if (field.equals("base")) {
                    if (gdt) {
                        c.gdtrBase = v;
                    } else {
                        c.idtrBase = v;
                    }
                } else if (field.equals("limit")) {
                    if (gdt) {
                        c.gdtrLimit = (int) (v & 0xFFFF);
                    } else {
                        c.idtrLimit = (int) (v & 0xFFFF);
                    }
                } else {
                    throw unknown(name);
                }
                return;
            }
            Segment s = segment(c, base);
            if (s == null) {
                throw unknown(name);
            }
            switch (field) {
                case "base": s.base = v; break;
                case "limit": s.limit = v & 0xFFFF_FFFFL; break;
                case "attrs": s.attrs = (int) v; break;
                case "selector": s.selector = (int) (v & 0xFFFF); break;
                default: throw unknown(name);
            }
            modeChanged(c);
            return;
        }
        Segment s = segment(c, n);
        if (s != null) {
            s.selector = (int) (v & 0xFFFF);
            if ((!c.protectedMode() || c.v86()) && s != c.ldtr && s != c.tr) {
                s.base = (v & 0xFFFF) << 4;
            }
            modeChanged(c);
            return;
        }
        switch (n) {
            case "rip": c.rip = v; return;
            case "rflags": Flags.setRflags(c, v | 2, -1L); modeChanged(c); return;
            case "cr0": c.cr0 = v; modeChanged(c); return;
            case "cr2": c.cr2 = v; return;
            case "cr3": c.cr3 = v; c.mmu.flushAll(); return;
            case "cr4": c.cr4 = v; modeChanged(c); return;
            case "cr8": c.cr8 = v & 0xF; return;
            case "dr0": case "dr1": case "dr2": case "dr3": case "dr6": case "dr7":
                c.dr[n.charAt(2) - '0'] = v;
                Debug.dr7Changed(c);
                return;
            case "efer": c.efer = v; modeChanged(c); return;
            default: break;
        }
        int m = index(MSR_NAMES, n);
        if (m >= 0) {
            writeMsr(c, MSR_NUMBERS[m], v);
            return;
        }
        throw unknown(name);
    }

    private static void modeChanged(Cpu c) {
        c.updateMode();
        c.mmu.flushAll();
    }

    /**
     * Reads MSR {@code msr} as RDMSR at CPL 0 would.
     *
     * @throws IllegalArgumentException for an MSR this CPU does not have
     */
    public static long readMsr(Cpu c, int msr) {
        int cpl = c.cpl;
        org.apboot.core.cpu.CpuOverrides overrides = c.overrides;
        c.cpl = 0;
        c.overrides = null; // the host reads the CPU's own value
        try {
            return Msrs.rdmsr(c, msr);
        } catch (CpuException e) {
            throw new IllegalArgumentException(String.format("MSR 0x%x cannot be read: %s", msr, e.reason));
        } finally {
            c.cpl = cpl;
            c.overrides = overrides;
        }
    }

    /**
     * Writes MSR {@code msr} as WRMSR at CPL 0 would (the same checks).
     *
     * @throws IllegalArgumentException when WRMSR would raise #GP
     */
    public static void writeMsr(Cpu c, int msr, long v) {
        int cpl = c.cpl;
        org.apboot.core.cpu.CpuOverrides overrides = c.overrides;
        c.cpl = 0;
        c.overrides = null;
        try {
            Msrs.wrmsr(c, msr, v);
        } catch (CpuException e) {
            throw new IllegalArgumentException(String.format("MSR 0x%x cannot be set to 0x%x: %s", msr, v, e.reason));
        } finally {
            c.cpl = cpl;
            c.overrides = overrides;
            c.updateMode();
        }
    }
}
