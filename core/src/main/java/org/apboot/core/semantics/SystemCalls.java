package org.apboot.core.semantics;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.Segment;
import org.apboot.core.decode.Insn;
import org.apboot.core.fault.CpuException;

/**
 * SYSCALL, SYSRET, SYSENTER, SYSEXIT (Intel SDM vol. 2), as Intel processors implement them:
 * SYSCALL/SYSRET only in 64-bit mode (#UD elsewhere). The segment caches are loaded with the
 * fixed flat values the instructions define, not from the GDT.
 */
public final class SystemCalls {
    private static final int CODE = Segment.P | Segment.S | Segment.TYPE_CODE | Segment.TYPE_READ_OR_WRITE
            | Segment.TYPE_ACCESSED | Segment.G;
    private static final int DATA = Segment.P | Segment.S | Segment.TYPE_READ_OR_WRITE | Segment.TYPE_ACCESSED
            | Segment.DB | Segment.G;
    private static final int DPL3 = 3 << Segment.DPL_SHIFT;

    private SystemCalls() {
    }

    /** SYSCALL: RCX = next RIP, R11 = RFLAGS, flags masked by SFMASK, CS/SS from STAR[47:32]. */
    public static void syscall(Cpu cpu) {
        if ((cpu.efer & Cpu.EFER_SCE) == 0) {
            throw CpuException.ud("SYSCALL with EFER.SCE clear");
        }
        if (cpu.codeSize != 64) {
            throw CpuException.ud("SYSCALL outside 64-bit mode");
        }
        long flags = Flags.rflags(cpu);
        int sel = (int) (cpu.star >>> 32) & 0xFFFF;
        cpu.r[Cpu.RCX] = cpu.rip;
        cpu.r[11] = flags & ~Cpu.RF;
        Flags.setRflags(cpu, flags & ~cpu.sfmask & ~Cpu.RF, ~Cpu.VM);
        cpu.seg[Insn.CS].set(sel & 0xFFFC, 0, 0xFFFF_FFFFL, CODE | Segment.L);
        cpu.seg[Insn.SS].set((sel + 8) & 0xFFFC, 0, 0xFFFF_FFFFL, DATA);
        cpu.updateMode();
        cpu.rip = cpu.lstar;
    }

    /** SYSRET: to 64-bit (opSize 8) or compatibility mode (opSize 4) at CPL 3. */
    public static void sysret(Cpu cpu, int opSize) {
        if ((cpu.efer & Cpu.EFER_SCE) == 0) {
            throw CpuException.ud("SYSRET with EFER.SCE clear");
        }
        if (cpu.codeSize != 64) {
            throw CpuException.ud("SYSRET outside 64-bit mode");
        }
        if (cpu.cpl != 0) {
            throw CpuException.gp(0, "SYSRET at CPL " + cpu.cpl);
        }
        long rcx = cpu.r[Cpu.RCX];
        if (opSize == 8 && !Mem.canonical(cpu, rcx)) {
            throw CpuException.gp(0, String.format("SYSRET to non-canonical RIP 0x%x", rcx));
        }
        int base = (int) (cpu.star >>> 48) & 0xFFFF;
        Flags.setRflags(cpu, (cpu.r[11] & 0x3C_7FD7L) | 2, 0x3F_7FD5L & ~Cpu.VM);
        if (opSize == 8) {
            cpu.seg[Insn.CS].set(((base + 16) | 3) & 0xFFFF, 0, 0xFFFF_FFFFL, CODE | Segment.L | DPL3);
            cpu.rip = rcx;
        } else {
            cpu.seg[Insn.CS].set((base | 3) & 0xFFFF, 0, 0xFFFF_FFFFL, CODE | Segment.DB | DPL3);
            cpu.rip = rcx & 0xFFFF_FFFFL;
        }
        cpu.seg[Insn.SS].selector = ((base + 8) | 3) & 0xFFFF;
        cpu.seg[Insn.SS].attrs = DATA | DPL3;
        cpu.seg[Insn.SS].base = 0;
        cpu.seg[Insn.SS].limit = 0xFFFF_FFFFL;
        cpu.updateMode();
    }

    /** SYSENTER: CPL 0 flat segments from IA32_SYSENTER_CS, ESP/EIP from the MSRs. */
    public static void sysenter(Cpu cpu) {
        if ((cpu.cr0 & Cpu.CR0_PE) == 0) {
            throw CpuException.gp(0, "SYSENTER in real mode");
        }
        int sel = (int) cpu.sysenterCs & 0xFFFC;
        if (sel == 0) {
            throw CpuException.gp(0, "SYSENTER with IA32_SYSENTER_CS zero");
        }
        boolean lma = cpu.longModeActive();
        Flags.setRflags(cpu, 0, Cpu.VM | Cpu.IF | Cpu.RF);
        cpu.seg[Insn.CS].set(sel, 0, 0xFFFF_FFFFL, CODE | (lma ? Segment.L : Segment.DB));
        cpu.seg[Insn.SS].set((sel + 8) & 0xFFFC, 0, 0xFFFF_FFFFL, DATA);
        cpu.updateMode();
        cpu.r[Cpu.RSP] = lma ? cpu.sysenterEsp : cpu.sysenterEsp & 0xFFFF_FFFFL;
        cpu.rip = lma ? cpu.sysenterEip : cpu.sysenterEip & 0xFFFF_FFFFL;
    }

    /** SYSEXIT: to CPL 3, 64-bit (opSize 8, REX.W) or 32-bit; RIP = rDX, RSP = rCX. */
    public static void sysexit(Cpu cpu, int opSize) {
        if ((cpu.cr0 & Cpu.CR0_PE) == 0 || cpu.cpl != 0) {
            throw CpuException.gp(0, "SYSEXIT outside protected mode or at CPL " + cpu.cpl);
        }
        int sel = (int) cpu.sysenterCs & 0xFFFF;
        if ((sel & 0xFFFC) == 0) {
            throw CpuException.gp(0, "SYSEXIT with IA32_SYSENTER_CS zero");
        }
        if (opSize == 8) {
            if (!Mem.canonical(cpu, cpu.r[Cpu.RDX]) || !Mem.canonical(cpu, cpu.r[Cpu.RCX])) {
                throw CpuException.gp(0, "SYSEXIT to a non-canonical address");
            }
            cpu.seg[Insn.CS].set(((sel + 32) | 3) & 0xFFFF, 0, 0xFFFF_FFFFL, CODE | Segment.L | DPL3);
            cpu.seg[Insn.SS].set(((sel + 40) | 3) & 0xFFFF, 0, 0xFFFF_FFFFL, DATA | DPL3);
            cpu.updateMode();
            cpu.r[Cpu.RSP] = cpu.r[Cpu.RCX];
            cpu.rip = cpu.r[Cpu.RDX];
        } else {
            cpu.seg[Insn.CS].set(((sel + 16) | 3) & 0xFFFF, 0, 0xFFFF_FFFFL, CODE | Segment.DB | DPL3);
            cpu.seg[Insn.SS].set(((sel + 24) | 3) & 0xFFFF, 0, 0xFFFF_FFFFL, DATA | DPL3);
            cpu.updateMode();
            cpu.r[Cpu.RSP] = cpu.r[Cpu.RCX] & 0xFFFF_FFFFL;
            cpu.rip = cpu.r[Cpu.RDX] & 0xFFFF_FFFFL;
        }
    }
}
