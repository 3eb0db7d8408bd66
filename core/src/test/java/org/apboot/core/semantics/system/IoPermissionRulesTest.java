package org.apboot.core.semantics.system;

import static org.apboot.core.semantics.system.SysCpus.gp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.Segment;
import org.apboot.core.fault.Vectors;
import org.apboot.core.semantics.Io;
import org.junit.jupiter.api.Test;

/**
 * When IN/OUT consult the TSS I/O permission bitmap (SDM vol. 1 section 19.5: protected mode with
 * CPL &gt; IOPL, and always in virtual-8086 mode), which TR qualifies (a present 32/64-bit TSS,
 * available or busy, whose limit covers the map base field), and the value IN returns cut to
 * its size. TR here is unusable unless a test sets it, so an access that does not need the
 * bitmap shows by succeeding.
 */
class IoPermissionRulesTest {
    private static final long TSS = 0x5000;

    private static Cpu prot(int cpl, int iopl, IoTest.Bus[] bus) {
        Cpu cpu = SysCpus.prot32(cpl);
        cpu.sysFlags = (cpu.sysFlags & ~Cpu.IOPL) | ((long) iopl << 12);
        cpu.tr.set(0, 0, 0, 0);
        bus[0] = new IoTest.Bus();
        cpu.io = bus[0];
        return cpu;
    }

    @Test
    void ioplReadsBits12And13() {
        IoTest.Bus[] b = new IoTest.Bus[1];
        assertEquals(2, Io.iopl(prot(0, 2, b)));
        assertEquals(3, Io.iopl(prot(0, 3, b)));
        assertEquals(1, Io.iopl(prot(0, 1, b)));
    }

    @Test
    void cplAtOrBelowIoplSkipsTheBitmap() {
        IoTest.Bus[] b = new IoTest.Bus[1];
        for (int[] c : new int[][] {{0, 0}, {1, 1}, {2, 3}, {3, 3}}) {
            Cpu cpu = prot(c[0], c[1], b);
            assertFalse(Io.needsBitmap(cpu), "CPL " + c[0] + " IOPL " + c[1]);
            Io.out(cpu, 0x80, 1, 0x5A);
            assertEquals(List.of("out1 0x80=0x5a"), b[0].log);
        }
        for (int[] c : new int[][] {{1, 0}, {2, 1}, {3, 2}}) {
            Cpu cpu = prot(c[0], c[1], b);
            assertTrue(Io.needsBitmap(cpu), "CPL " + c[0] + " IOPL " + c[1]);
            gp(() -> Io.out(cpu, 0x80, 1, 0));
            assertEquals(List.of(), b[0].log);
        }
    }

    @Test
    void realModeNeverChecksAndV86AlwaysDoes() {
        Cpu real = SysCpus.real();
        real.io = new IoTest.Bus();
        real.tr.set(0, 0, 0, 0);
        assertFalse(Io.needsBitmap(real));
        Io.in(real, 0x60, 1);
        IoTest.Bus[] b = new IoTest.Bus[1];
        Cpu v86 = prot(0, 3, b);
        v86.sysFlags |= Cpu.VM;
        v86.updateMode();
        assertTrue(Io.needsBitmap(v86));
        gp(() -> Io.in(v86, 0x60, 1));
    }

    /** A TSS whose map base is {@code mapBase}, every bitmap byte 0 (all ports allowed). */
    private static Cpu withTss(int type, long limit, int mapBase, boolean system) {
        IoTest.Bus[] b = new IoTest.Bus[1];
        Cpu cpu = prot(3, 0, b);
        cpu.ram.write(TSS + 0x66, 2, mapBase);
        cpu.tr.set(0x28, TSS, limit, Segment.P | type | (system ? 0 : Segment.S));
        return cpu;
    }

    @Test
    void anAvailableOrBusy32BitTssGrants() {
        Io.in(withTss(0x9, 0x68 + 0x20, 0x68, true), 0x40, 1);
        Io.in(withTss(0xB, 0x68 + 0x20, 0x68, true), 0x40, 1);
    }

    @Test
    void trMustBeAPresentSystemTss() {
        gp(() -> Io.in(withTss(0xB, 0x68 + 0x20, 0x68, false), 0x40, 1)); // S set: a data segment
        gp(() -> Io.in(withTss(0x1, 0x68 + 0x20, 0x68, true), 0x40, 1)); // 16-bit TSS
        Cpu absent = withTss(0xB, 0x68 + 0x20, 0x68, true);
        absent.tr.attrs &= ~Segment.P;
        gp(() -> Io.in(absent, 0x40, 1));
    }

    @Test
    void theLimitMustCoverTheMapBaseField() {
        // map base 0x10: the bitmap bytes lie inside the 0x68-byte TSS body (zero here)
        Io.in(withTss(0xB, 0x67, 0x10, true), 0x40, 1);
        gp(() -> Io.in(withTss(0xB, 0x66, 0x10, true), 0x40, 1));
    }

    @Test
    void inIsCutToItsSize() {
        Cpu cpu = SysCpus.real();
        cpu.io = new org.apboot.core.mem.IoBus() {
            @Override
            public int in(int cpuIndex, int port, int size) {
                return 0xF7F6_F5F4;
            }

            @Override
            public void out(int cpuIndex, int port, int size, int value) {
            }
        };
        assertEquals(0xF4, Io.in(cpu, 0x60, 1));
        assertEquals(0xF5F4, Io.in(cpu, 0x60, 2));
        assertEquals(0xF7F6_F5F4L, Io.in(cpu, 0x60, 4));
    }

    @Test
    void longModeReadsTheTssAtItsWholeBase() {
        Cpu cpu = SysCpus.long64(3);
        cpu.io = new IoTest.Bus();
        cpu.tr.set(0x28, 0x1_0000_5000L, 0x68 + 0x20, Segment.P | 0xB);
        // the map base field at 0x1_0000_5066 lies outside the 16 MiB identity map
        SysCpus.fault(Vectors.PF, 0, () -> Io.in(cpu, 0x40, 1));
    }
}
