package org.apboot.core.semantics.system;

import static org.apboot.core.semantics.system.SysCpus.gp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.apboot.core.cpu.Cpu;
import org.apboot.core.decode.Insn;
import org.apboot.core.fault.Vectors;
import org.apboot.core.semantics.Io;
import org.apboot.core.semantics.Strings;
import org.junit.jupiter.api.Test;

/**
 * INS and OUTS called directly (SDM vol. 2): the port is DX alone, a zero count does nothing and
 * reports completion, the permission check comes first, the destination of INS is checked (both
 * ends, as a user access at CPL 3) before the port is read, the index registers are used at the
 * address size, and a long repeat hands back to the engine after
 * {@link Strings#ITERATIONS_PER_STEP} iterations.
 */
class IoStringTest {
    private static IoTest.Bus bus(Cpu cpu) {
        IoTest.Bus b = new IoTest.Bus();
        cpu.io = b;
        return b;
    }

    @Test
    void thePortIsDxAlone() {
        Cpu cpu = SysCpus.prot32(0);
        IoTest.Bus b = bus(cpu);
        cpu.r[Cpu.RDX] = 0x1234_0060L;
        cpu.r[Cpu.RDI] = 0x3000;
        cpu.r[Cpu.RSI] = 0x3000;
        assertTrue(Io.ins(cpu, 1, 4, Insn.REP_NONE));
        assertTrue(Io.outs(cpu, 1, 4, Insn.DS, Insn.REP_NONE));
        assertEquals(List.of("in1 0x60", "out1 0x60=0x10"), b.log);
        assertEquals(0x3001, cpu.r[Cpu.RDI]);
        assertEquals(0x3001, cpu.r[Cpu.RSI]);
    }

    @Test
    void aZeroCountDoesNothingAndIsDone() {
        Cpu cpu = SysCpus.prot32(0);
        IoTest.Bus b = bus(cpu);
        cpu.r[Cpu.RCX] = 0x1_0000_0000L; // ECX = 0
        assertTrue(Io.ins(cpu, 1, 4, Insn.REP));
        assertTrue(Io.outs(cpu, 1, 4, Insn.DS, Insn.REP));
        assertEquals(List.of(), b.log);
    }

    @Test
    void thirtyTwoBitIndexesAreNotCutTo16Bits() {
        Cpu cpu = SysCpus.prot32(0);
        bus(cpu);
        cpu.r[Cpu.RDX] = 0x60;
        cpu.r[Cpu.RDI] = 0x1_2345;
        cpu.r[Cpu.RCX] = 0x1_0001; // ECX = 0x10001: the 16-bit count would be 1
        cpu.ram.write(0x1_2345, 1, 0xEE);
        assertFalse(Io.ins(cpu, 1, 4, Insn.REP));
        assertEquals(0x10, cpu.ram.read(0x1_2345, 1));
        assertEquals(0x1_0001 - Strings.ITERATIONS_PER_STEP, cpu.r[Cpu.RCX]);
        assertEquals(0x1_2345 + Strings.ITERATIONS_PER_STEP, cpu.r[Cpu.RDI]);
    }

    @Test
    void longRepeatsHandBackAndResume() {
        Cpu cpu = SysCpus.prot32(0);
        IoTest.Bus b = bus(cpu);
        cpu.r[Cpu.RDX] = 0x80;
        cpu.r[Cpu.RSI] = 0x4000;
        cpu.r[Cpu.RCX] = Strings.ITERATIONS_PER_STEP + 2;
        assertFalse(Io.outs(cpu, 1, 4, Insn.DS, Insn.REP));
        assertEquals(2, cpu.r[Cpu.RCX]);
        assertTrue(Io.outs(cpu, 1, 4, Insn.DS, Insn.REP));
        assertEquals(0, cpu.r[Cpu.RCX]);
        assertEquals(Strings.ITERATIONS_PER_STEP + 2, b.log.size());
        cpu.r[Cpu.RDI] = 0x4000;
        cpu.r[Cpu.RCX] = Strings.ITERATIONS_PER_STEP + 1;
        assertFalse(Io.ins(cpu, 1, 4, Insn.REP));
        assertEquals(1, cpu.r[Cpu.RCX]);
        assertTrue(Io.ins(cpu, 1, 4, Insn.REP));
        assertEquals(0x4000 + Strings.ITERATIONS_PER_STEP + 1, cpu.r[Cpu.RDI]);
    }

    @Test
    void sixtyFourBitIndexesAreWhole() {
        Cpu cpu = SysCpus.long64(0);
        IoTest.Bus b = bus(cpu);
        cpu.r[Cpu.RDX] = 0x60;
        cpu.r[Cpu.RDI] = 0x1_0000_3000L; // outside the identity map: not present
        SysCpus.fault(Vectors.PF, 2, () -> Io.ins(cpu, 1, 8, Insn.REP_NONE));
        assertEquals(List.of(), b.log, "the port is not read");
        cpu.r[Cpu.RSI] = 0x1_0000_3000L;
        SysCpus.fault(Vectors.PF, 0, () -> Io.outs(cpu, 1, 8, Insn.DS, Insn.REP_NONE));
        assertEquals(List.of(), b.log);
    }

    @Test
    void permissionIsCheckedFirst() {
        Cpu cpu = SysCpus.prot32(3);
        IoTest.Bus b = bus(cpu);
        cpu.tr.set(0, 0, 0, 0); // IOPL 0 at CPL 3 with no usable TSS: every port denied
        cpu.r[Cpu.RDX] = 0x60;
        cpu.r[Cpu.RDI] = 0x3000;
        cpu.r[Cpu.RSI] = 0x3000;
        gp(() -> Io.ins(cpu, 1, 4, Insn.REP_NONE));
        gp(() -> Io.outs(cpu, 1, 4, Insn.DS, Insn.REP_NONE));
        assertEquals(List.of(), b.log);
        assertEquals(0x3000, cpu.r[Cpu.RDI]);
    }

    @Test
    void insAtCpl3IsAUserWrite() {
        Cpu cpu = SysCpus.long64(3);
        IoTest.Bus b = bus(cpu);
        cpu.sysFlags |= Cpu.IOPL;
        cpu.r[Cpu.RDX] = 0x60;
        cpu.r[Cpu.RDI] = 0x3000; // a supervisor page: P | W | U
        SysCpus.fault(Vectors.PF, 7, () -> Io.ins(cpu, 1, 8, Insn.REP_NONE));
        assertEquals(List.of(), b.log);
    }

    @Test
    void insMayEndOnTheLastMappedByte() {
        Cpu cpu = SysCpus.long64(0);
        bus(cpu);
        cpu.r[Cpu.RDX] = 0x60;
        cpu.r[Cpu.RDI] = (16 << 20) - 2;
        Io.ins(cpu, 2, 8, Insn.REP_NONE);
        assertEquals(0x10, cpu.ram.read((16 << 20) - 2, 2));
    }

    @Test
    void insChecksTheLastByteOfItsDestinationBeforeReadingThePort() {
        Cpu cpu = SysCpus.long64(0);
        IoTest.Bus b = bus(cpu);
        cpu.r[Cpu.RDX] = 0x60;
        cpu.r[Cpu.RDI] = (16 << 20) - 1; // the second byte of the word is outside the map
        SysCpus.fault(Vectors.PF, 2, () -> Io.ins(cpu, 2, 8, Insn.REP_NONE));
        assertEquals(List.of(), b.log);
    }
}
