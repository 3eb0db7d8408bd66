package org.apboot.core.semantics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.decode.Insn;
import org.apboot.core.fault.CpuException;
import org.apboot.core.fault.Vectors;
import org.junit.jupiter.api.Test;

/**
 * BOUND's signed, inclusive range check (#BR outside it) and the REP restart protocol that
 * leaves RIP at a string instruction until its last iteration: the semantics both engines call.
 */
class BoundAndRestartTest {
    @Test
    void boundAcceptsBothEndsAndRaisesBrOutsideThem() {
        Cpu cpu = TestCpus.real();
        cpu.ram.write16(0x400, 0xFFFB); // lower bound -5
        cpu.ram.write16(0x402, 10);     // upper bound 10
        Bound.check(cpu, Insn.DS, 0x400, 2, 10);
        Bound.check(cpu, Insn.DS, 0x400, 2, 0xFFFB);
        Bound.check(cpu, Insn.DS, 0x400, 2, 0x1_0000); // only the low 16 bits are the index: 0
        assertEquals(Vectors.BR, assertThrows(CpuException.class,
                () -> Bound.check(cpu, Insn.DS, 0x400, 2, 11)).vector);
        assertEquals(Vectors.BR, assertThrows(CpuException.class,
                () -> Bound.check(cpu, Insn.DS, 0x400, 2, 0xFFFA)).vector);
    }

    @Test
    void boundComparesSignedDwords() {
        Cpu cpu = TestCpus.prot32(0);
        cpu.ram.write32(0x400, 0x8000_0000); // lower bound -2^31
        cpu.ram.write32(0x404, 0);
        Bound.check(cpu, Insn.DS, 0x400, 4, 0xFFFF_FFFFL); // -1
        assertEquals(Vectors.BR, assertThrows(CpuException.class,
                () -> Bound.check(cpu, Insn.DS, 0x400, 4, 1)).vector);
    }

    @Test
    void boundThroughTheExecutor() {
        Cpu cpu = TestCpus.real();
        cpu.ram.write16(0x400, 2);
        cpu.ram.write16(0x402, 4);
        cpu.r[Cpu.RBX] = 0x400;
        cpu.r[Cpu.RAX] = 5;
        long rip = cpu.rip;
        CpuException e = assertThrows(CpuException.class,
                () -> TestCpus.exec(cpu, (byte) 0x62, (byte) 0x07)); // bound %ax,(%bx)
        assertEquals(Vectors.BR, e.vector);
        assertEquals(rip, cpu.rip, "#BR is a fault: RIP stays at BOUND");
    }

    @Test
    void restartPointsRipBackUnlessDoneWrappingIp() {
        Cpu cpu = TestCpus.real();
        cpu.rip = 0x0001; // a 2-byte instruction at 0xFFFF wrapped to IP 0x0001
        Strings.restartUnlessDone(cpu, 2, true);
        assertEquals(0x0001, cpu.rip);
        Strings.restartUnlessDone(cpu, 2, false);
        assertEquals(0xFFFF, cpu.rip);
    }

    @Test
    void aLongRepMovsbStopsAtTheInstructionWithTheRemainingCount() {
        Cpu cpu = TestCpus.real();
        long n = Strings.ITERATIONS_PER_STEP + 3;
        cpu.r[Cpu.RCX] = n;
        cpu.r[Cpu.RSI] = 0x1000;
        cpu.r[Cpu.RDI] = 0x8000;
        long rip = cpu.rip;
        TestCpus.exec(cpu, (byte) 0xF3, (byte) 0xA4); // rep movsb
        assertEquals(rip, cpu.rip);
        assertEquals(3, cpu.r[Cpu.RCX]);
        assertEquals(0x1000 + Strings.ITERATIONS_PER_STEP, cpu.r[Cpu.RSI]);
        cpu.rip = rip;
        TestCpus.exec(cpu, (byte) 0xF3, (byte) 0xA4);
        assertEquals(rip + 2, cpu.rip);
        assertEquals(0, cpu.r[Cpu.RCX]);
        assertEquals(0x8000 + n, cpu.r[Cpu.RDI]);
    }
}
