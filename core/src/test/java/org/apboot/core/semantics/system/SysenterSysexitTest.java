package org.apboot.core.semantics.system;

import static org.apboot.core.semantics.system.SysCpus.exec;
import static org.apboot.core.semantics.system.SysCpus.gp;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.Segment;
import org.apboot.core.decode.Insn;
import org.apboot.core.semantics.Flags;
import org.apboot.core.semantics.Msrs;
import org.junit.jupiter.api.Test;

/**
 * SYSENTER and SYSEXIT (Intel SDM vol. 2): the flat CS and SS they load from IA32_SYSENTER_CS
 * (+0/+8 to CPL 0; +16/+24 back to 32-bit code, +32/+40 back to 64-bit code, RPL 3), the stack
 * and instruction pointers, the flags SYSENTER clears, and the #GP(0) cases. Attributes are the
 * manual's: code type 11 (execute/read, accessed), data type 3, S, P, G, and D or L.
 */
class SysenterSysexitTest {
    /** Segment attributes: access byte in bits 7:0, G/DB/L in bits 15/14/13. */
    private static final int CS32_RING0 = 0xC09B, SS_RING0 = 0xC093, CS64_RING0 = 0xA09B;
    private static final int CS32_RING3 = 0xC0FB, SS_RING3 = 0xC0F3, CS64_RING3 = 0xA0FB;

    private static void assertSeg(Cpu cpu, int s, int selector, int attrs) {
        Segment g = cpu.seg[s];
        assertEquals(selector, g.selector, "selector of " + s);
        assertEquals(0, g.base, "base of " + s);
        assertEquals(0xFFFF_FFFFL, g.limit, "limit of " + s);
        assertEquals(attrs, g.attrs & 0xF0FF, String.format("attributes of %d: %x", s, g.attrs));
    }

    private static void msrs(Cpu cpu, long cs, long esp, long eip) {
        Msrs.wrmsr(cpu, Msrs.IA32_SYSENTER_CS, cs);
        Msrs.wrmsr(cpu, Msrs.IA32_SYSENTER_ESP, esp);
        Msrs.wrmsr(cpu, Msrs.IA32_SYSENTER_EIP, eip);
    }

    @Test
    void sysenterFromUserCodeInProtectedMode() {
        Cpu cpu = SysCpus.prot32(0);
        msrs(cpu, 0x0013, 0xC000_8000L, 0xC010_0000L); // RPL bits of the MSR are ignored
        SysCpus.loadCs(cpu, 0x1B, SysCpus.CODE32 | 3 << Segment.DPL_SHIFT);
        assertEquals(3, cpu.cpl);
        Flags.setRflags(cpu, Cpu.IF | Cpu.RF | Cpu.DF | Cpu.CF | Cpu.ZF | 2, -1L);
        exec(cpu, 0x0F, 0x34);
        assertEquals(0, cpu.cpl);
        assertSeg(cpu, Insn.CS, 0x10, CS32_RING0);
        assertSeg(cpu, Insn.SS, 0x18, SS_RING0);
        assertEquals(0xC000_8000L, cpu.r[Cpu.RSP]);
        assertEquals(0xC010_0000L, cpu.rip);
        assertEquals(Cpu.DF | Cpu.CF | Cpu.ZF | 2, Flags.rflags(cpu), "IF, RF (and VM) cleared, the rest kept");
        assertEquals("prot32", cpu.modeName());
    }

    @Test
    void sysenterIn64BitModeLoadsALongModeCodeSegment() {
        Cpu cpu = SysCpus.long64(0);
        msrs(cpu, 0x0010, 0xFFFF_8000_0000_8000L, 0xFFFF_FFFF_8100_0000L);
        SysCpus.loadCs(cpu, 0x33, SysCpus.CODE64 | 3 << Segment.DPL_SHIFT);
        assertEquals(3, cpu.cpl);
        exec(cpu, 0x0F, 0x34);
        assertEquals(0, cpu.cpl);
        assertSeg(cpu, Insn.CS, 0x10, CS64_RING0);
        assertSeg(cpu, Insn.SS, 0x18, SS_RING0);
        assertEquals(0xFFFF_8000_0000_8000L, cpu.r[Cpu.RSP]);
        assertEquals(0xFFFF_FFFF_8100_0000L, cpu.rip);
        assertEquals("long64", cpu.modeName());
    }

    @Test
    void sysenterFaults() {
        Cpu real = SysCpus.real();
        real.sysenterCs = 0x10;
        gp(() -> exec(real, 0x0F, 0x34));
        Cpu cpu = SysCpus.prot32(3);
        for (long cs : new long[] {0, 3}) {
            cpu.sysenterCs = cs;
            gp(() -> exec(cpu, 0x0F, 0x34));
            assertEquals(3, cpu.cpl, "nothing changed");
        }
    }

    @Test
    void sysexitTo32BitCode() {
        Cpu cpu = SysCpus.prot32(0);
        msrs(cpu, 0x0010, 0, 0);
        cpu.r[Cpu.RCX] = 0xBFFF_F000L;
        cpu.r[Cpu.RDX] = 0x0804_8000L;
        exec(cpu, 0x0F, 0x35);
        assertEquals(3, cpu.cpl);
        assertSeg(cpu, Insn.CS, 0x23, CS32_RING3);
        assertSeg(cpu, Insn.SS, 0x2B, SS_RING3);
        assertEquals(0xBFFF_F000L, cpu.r[Cpu.RSP]);
        assertEquals(0x0804_8000L, cpu.rip);
    }

    @Test
    void sysexitFrom64BitModeToBothWidths() {
        Cpu cpu = SysCpus.long64(0);
        msrs(cpu, 0x0010, 0, 0);
        cpu.r[Cpu.RCX] = 0x0000_7FFF_FFFF_E000L;
        cpu.r[Cpu.RDX] = 0x0000_5555_0000_1000L;
        exec(cpu, 0x48, 0x0F, 0x35); // sysexitq
        assertEquals(3, cpu.cpl);
        assertSeg(cpu, Insn.CS, 0x33, CS64_RING3);
        assertSeg(cpu, Insn.SS, 0x3B, SS_RING3);
        assertEquals(0x0000_7FFF_FFFF_E000L, cpu.r[Cpu.RSP]);
        assertEquals(0x0000_5555_0000_1000L, cpu.rip);
        assertEquals("long64", cpu.modeName());

        Cpu compat = SysCpus.long64(0);
        msrs(compat, 0x0010, 0, 0);
        compat.r[Cpu.RCX] = 0xFFFF_FFFF_BFFF_F000L;
        compat.r[Cpu.RDX] = 0x1234_5678_0804_8000L;
        exec(compat, 0x0F, 0x35); // sysexit (32-bit): compatibility mode, upper halves dropped
        assertSeg(compat, Insn.CS, 0x23, CS32_RING3);
        assertSeg(compat, Insn.SS, 0x2B, SS_RING3);
        assertEquals(0xBFFF_F000L, compat.r[Cpu.RSP]);
        assertEquals(0x0804_8000L, compat.rip);
        assertEquals("compat32", compat.modeName());
    }

    @Test
    void sysexitFaults() {
        Cpu user = SysCpus.prot32(3);
        user.sysenterCs = 0x10;
        gp(() -> exec(user, 0x0F, 0x35));
        Cpu real = SysCpus.real();
        real.sysenterCs = 0x10;
        gp(() -> exec(real, 0x0F, 0x35));
        Cpu zero = SysCpus.prot32(0);
        zero.sysenterCs = 3;
        gp(() -> exec(zero, 0x0F, 0x35));
        Cpu wide = SysCpus.long64(0);
        wide.sysenterCs = 0x10;
        wide.r[Cpu.RCX] = 0x0000_7FFF_FFFF_E000L;
        wide.r[Cpu.RDX] = 0x0000_8000_0000_0000L; // not canonical
        gp(() -> exec(wide, 0x48, 0x0F, 0x35));
        wide.r[Cpu.RDX] = 0x1000;
        wide.r[Cpu.RCX] = 0xFFFF_7FFF_FFFF_0000L; // not canonical
        gp(() -> exec(wide, 0x48, 0x0F, 0x35));
        assertEquals(0, wide.cpl, "nothing changed");
    }
}
