package org.apboot.core.semantics.system;

import static org.apboot.core.semantics.system.SysCpus.exec;
import static org.apboot.core.semantics.system.SysCpus.gp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.Segment;
import org.apboot.core.decode.Insn;
import org.apboot.core.fault.CpuException;
import org.apboot.core.mem.IoBus;
import org.apboot.core.semantics.Io;
import org.junit.jupiter.api.Test;

class IoTest {
    /** Records every access; IN returns port + size + a running counter. */
    static final class Bus implements IoBus {
        final List<String> log = new ArrayList<>();
        int next = 0x10;

        @Override
        public int in(int cpuIndex, int port, int size) {
            log.add(String.format("in%d 0x%x", size, port));
            return next++;
        }

        @Override
        public void out(int cpuIndex, int port, int size, int value) {
            log.add(String.format("out%d 0x%x=0x%x", size, port, value));
        }
    }

    private static Bus bus(Cpu cpu) {
        Bus b = new Bus();
        cpu.io = b;
        return b;
    }

    /** A 32-bit TSS at 0x5000 with its I/O bitmap at offset 0x68, limit = 0x68 + mapBytes. */
    private static void tss(Cpu cpu, int mapBytes, int... deniedPorts) {
        long base = 0x5000;
        cpu.ram.write(base + 0x66, 2, 0x68);
        for (int i = 0; i < mapBytes + 1; i++) {
            cpu.ram.write(base + 0x68 + i, 1, 0);
        }
        for (int p : deniedPorts) {
            long a = base + 0x68 + (p >>> 3);
            cpu.ram.write(a, 1, cpu.ram.read(a, 1) | 1L << (p & 7));
        }
        cpu.tr.set(0x28, base, 0x68 + mapBytes, Segment.P | 0xB);
    }

    @Test
    void realModeInOut() {
        Cpu cpu = SysCpus.real();
        Bus b = bus(cpu);
        cpu.r[Cpu.RAX] = 0x1122_3344_5566_7788L;
        exec(cpu, 0xE4, 0x60); // in $0x60,%al
        assertEquals(0x1122_3344_5566_7710L, cpu.r[Cpu.RAX]);
        cpu.r[Cpu.RDX] = 0x3F8;
        exec(cpu, 0xED); // in (%dx),%ax
        assertEquals(0x1122_3344_5566_0011L, cpu.r[Cpu.RAX]);
        exec(cpu, 0x66, 0xEF); // out %eax,(%dx)
        exec(cpu, 0xE6, 0x80); // out %al,$0x80
        assertEquals(List.of("in1 0x60", "in2 0x3f8", "out4 0x3f8=0x55660011", "out1 0x80=0x11"), b.log);
    }

    @Test
    void in32ZeroExtendsIn64BitMode() {
        Cpu cpu = SysCpus.long64(0);
        bus(cpu);
        cpu.r[Cpu.RAX] = -1;
        exec(cpu, 0xE5, 0x70); // in $0x70,%eax
        assertEquals(0x10, cpu.r[Cpu.RAX]);
    }

    @Test
    void cplAtOrBelowIoplNeedsNoBitmap() {
        Cpu cpu = SysCpus.prot32(3);
        Bus b = bus(cpu);
        cpu.sysFlags |= Cpu.IOPL;
        Io.out(cpu, 0x80, 1, 1);
        assertEquals(1, b.log.size());
    }

    @Test
    void bitmapGrantsAndDenies() {
        Cpu cpu = SysCpus.prot32(3);
        Bus b = bus(cpu);
        tss(cpu, 0x80, 0x61, 0x3FA);
        Io.out(cpu, 0x60, 1, 0);
        CpuException e = gp(() -> Io.out(cpu, 0x61, 1, 0));
        assertTrue(e.reason.contains("bitmap"), e.reason);
        gp(() -> Io.in(cpu, 0x60, 2)); // the second byte of the access is denied
        Io.in(cpu, 0x3F8, 2);
        gp(() -> Io.in(cpu, 0x3F8, 4)); // 0x3F8..0x3FB covers 0x3FA
        gp(() -> Io.in(cpu, 0x3FA, 1));
        // beyond the bitmap (limit) -> #GP
        gp(() -> Io.in(cpu, 0x800, 1));
        assertEquals(List.of("out1 0x60=0x0", "in2 0x3f8"), b.log);
    }

    @Test
    void accessSpanningTwoBitmapBytes() {
        Cpu cpu = SysCpus.prot32(3);
        bus(cpu);
        tss(cpu, 0x10, 0x48);
        Io.in(cpu, 0x44, 4);
        gp(() -> Io.in(cpu, 0x46, 4)); // 0x46..0x49 crosses into the next byte
        gp(() -> Io.in(cpu, 0x47, 2));
    }

    @Test
    void bitmapNeedsA32BitTssWithinLimit() {
        Cpu cpu = SysCpus.prot32(3);
        bus(cpu);
        tss(cpu, 0x10);
        cpu.tr.limit = 0x60; // too short for the I/O map base field
        gp(() -> Io.in(cpu, 0x40, 1));
        tss(cpu, 0x10);
        cpu.tr.attrs = Segment.P | 0x3; // 16-bit TSS: no bitmap
        gp(() -> Io.in(cpu, 0x40, 1));
        // the last bitmap byte must be within the limit together with the byte after it
        tss(cpu, 0x10);
        cpu.tr.limit = 0x68 + 8; // byte for ports 0x40-0x47 is at 0x68+8, its successor beyond
        gp(() -> Io.in(cpu, 0x40, 1));
        Io.in(cpu, 0x38, 1);
    }

    @Test
    void v86AlwaysUsesTheBitmap() {
        Cpu cpu = SysCpus.prot32(0);
        bus(cpu);
        tss(cpu, 0x10, 0x20);
        cpu.sysFlags |= Cpu.VM | Cpu.IOPL;
        cpu.updateMode();
        gp(() -> Io.in(cpu, 0x20, 1));
        Io.in(cpu, 0x21, 1);
    }

    @Test
    void repInsRealMode() {
        Cpu cpu = SysCpus.real();
        Bus b = bus(cpu);
        cpu.seg[Insn.ES].loadReal(0x100); // ES base 0x1000
        cpu.r[Cpu.RDI] = 0xABCD_0000_0000_0010L;
        cpu.r[Cpu.RCX] = 0xFFFF_0000_0000_0003L;
        cpu.r[Cpu.RDX] = 0x60;
        exec(cpu, 0xF3, 0x6C); // rep insb
        assertEquals(0x10, cpu.ram.read(0x1010, 1));
        assertEquals(0x11, cpu.ram.read(0x1011, 1));
        assertEquals(0x12, cpu.ram.read(0x1012, 1));
        assertEquals(0xABCD_0000_0000_0013L, cpu.r[Cpu.RDI], "16-bit address size keeps the upper bits");
        assertEquals(0xFFFF_0000_0000_0000L, cpu.r[Cpu.RCX]);
        assertEquals(3, b.log.size());
        exec(cpu, 0xF3, 0x6C); // count zero: nothing
        assertEquals(3, b.log.size());
    }

    @Test
    void repOutsWithOverrideAndDirection() {
        Cpu cpu = SysCpus.prot32(0);
        Bus b = bus(cpu);
        cpu.seg[Insn.FS].base = 0x2000;
        cpu.ram.write(0x2100, 4, 0x1111_1111L);
        cpu.ram.write(0x2104, 4, 0x2222_2222L);
        cpu.r[Cpu.RSI] = 0x104;
        cpu.r[Cpu.RCX] = 2;
        cpu.r[Cpu.RDX] = 0x3F8;
        cpu.sysFlags |= Cpu.DF;
        exec(cpu, 0x64, 0xF3, 0x6F); // rep outsl %fs:(%esi),(%dx)
        assertEquals(List.of("out4 0x3f8=0x22222222", "out4 0x3f8=0x11111111"), b.log);
        assertEquals(0xFC, cpu.r[Cpu.RSI]);
        assertEquals(0, cpu.r[Cpu.RCX]);
    }

    @Test
    void insIn64BitModeAnd32BitAddressing() {
        Cpu cpu = SysCpus.long64(0);
        bus(cpu);
        cpu.r[Cpu.RDI] = 0x1_0000_3000L;
        cpu.r[Cpu.RCX] = 0x1_0000_0001L;
        cpu.r[Cpu.RDX] = 0x60;
        exec(cpu, 0x67, 0xF3, 0x66, 0x6D); // rep insw with addr32: EDI, ECX
        assertEquals(0x10, cpu.ram.read(0x3000, 2));
        assertEquals(0x3002, cpu.r[Cpu.RDI], "32-bit writes zero-extend");
        assertEquals(0, cpu.r[Cpu.RCX]);
    }

    @Test
    void insChecksTheDestinationBeforeReadingThePort() {
        Cpu cpu = SysCpus.prot32(0);
        Bus b = bus(cpu);
        cpu.seg[Insn.ES].limit = 0xFF;
        cpu.r[Cpu.RDI] = 0xFF;
        cpu.r[Cpu.RCX] = 4;
        cpu.r[Cpu.RDX] = 0x60;
        gp(() -> exec(cpu, 0xF3, 0x66, 0x6D)); // second byte of the word beyond ES limit
        assertEquals(0, b.log.size());
        cpu.r[Cpu.RDI] = 0xFC;
        gp(() -> exec(cpu, 0xF3, 0x66, 0x6D));
        assertEquals(2, b.log.size(), "two words stored before the fault");
        assertEquals(0x100, cpu.r[Cpu.RDI]);
        assertEquals(2, cpu.r[Cpu.RCX], "registers describe the remaining work");
    }
}
