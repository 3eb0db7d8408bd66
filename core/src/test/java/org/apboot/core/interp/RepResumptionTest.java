package org.apboot.core.interp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.engine.EngineWorker;
import org.apboot.core.engine.ExitReason;
import org.apboot.core.fault.CpuException;
import org.apboot.core.semantics.Flags;
import org.apboot.core.semantics.Strings;
import org.apboot.core.semantics.TestCpus;
import org.junit.jupiter.api.Test;

/**
 * A repeated string instruction longer than one chunk ({@link Strings#ITERATIONS_PER_STEP}
 * iterations) stops with RIP at itself and rCX, rSI, rDI after the last iteration done, and
 * resumes where it stopped when executed again; the instructions after it run only once it is
 * complete. Expected values are computed here from the instruction's definition.
 */
class RepResumptionTest {
    private static final int CHUNK = (int) Strings.ITERATIONS_PER_STEP;
    private static final long CODE = 0x1000;

    private static byte[] b(int... v) {
        byte[] r = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            r[i] = (byte) v[i];
        }
        return r;
    }

    @Test
    void repMovsdAcrossChunksStopsAndResumesExactly() {
        Cpu cpu = TestCpus.prot32(0);
        int n = 2 * CHUNK + 100;
        for (int k = 0; k < n; k++) {
            cpu.ram.write32(0x10000 + 4L * k, 0x1000_0000 + k);
        }
        cpu.r[Cpu.RSI] = 0x10000;
        cpu.r[Cpu.RDI] = 0x30000;
        cpu.r[Cpu.RCX] = n;
        cpu.rip = CODE;
        byte[] repMovsd = b(0xF3, 0xA5);
        TestCpus.exec(cpu, repMovsd);
        // one chunk done, RIP back at the instruction
        assertEquals(CODE, cpu.rip);
        assertEquals(n - CHUNK, cpu.r[Cpu.RCX]);
        assertEquals(0x10000 + 4L * CHUNK, cpu.r[Cpu.RSI]);
        assertEquals(0x30000 + 4L * CHUNK, cpu.r[Cpu.RDI]);
        assertEquals(0x1000_0000 + CHUNK - 1, cpu.ram.read32(0x30000 + 4L * (CHUNK - 1)));
        assertEquals(0, cpu.ram.read32(0x30000 + 4L * CHUNK), "nothing beyond the chunk yet");
        TestCpus.exec(cpu, repMovsd);
        assertEquals(CODE, cpu.rip);
        assertEquals(100, cpu.r[Cpu.RCX]);
        TestCpus.exec(cpu, repMovsd);
        assertEquals(CODE + 2, cpu.rip, "complete: RIP moves on");
        assertEquals(0, cpu.r[Cpu.RCX]);
        assertEquals(0x10000 + 4L * n, cpu.r[Cpu.RSI]);
        assertEquals(0x30000 + 4L * n, cpu.r[Cpu.RDI]);
        for (int k = 0; k < n; k++) {
            assertEquals(0x1000_0000 + k, cpu.ram.read32(0x30000 + 4L * k));
        }
    }

    @Test
    void repeCmpsbStopsInTheSecondChunkAtTheFirstDifference() {
        Cpu cpu = TestCpus.prot32(0);
        int differ = CHUNK + 37;
        for (int k = 0; k < 3 * CHUNK; k++) {
            cpu.ram.write8(0x10000 + k, k & 0xFF);
            cpu.ram.write8(0x30000 + k, k == differ ? 0xEE : k & 0xFF);
        }
        cpu.r[Cpu.RSI] = 0x10000;
        cpu.r[Cpu.RDI] = 0x30000;
        cpu.r[Cpu.RCX] = 3 * CHUNK;
        cpu.rip = CODE;
        TestCpus.exec(cpu, b(0xF3, 0xA6)); // repe cmpsb
        assertEquals(CODE, cpu.rip);
        TestCpus.exec(cpu, b(0xF3, 0xA6));
        assertEquals(CODE + 2, cpu.rip, "stopped by ZF = 0");
        assertEquals(3 * CHUNK - differ - 1, cpu.r[Cpu.RCX]);
        assertEquals(0x10000 + differ + 1, cpu.r[Cpu.RSI]);
        assertEquals(0x30000 + differ + 1, cpu.r[Cpu.RDI]);
        int a = differ & 0xFF, c = 0xEE;
        assertEquals(0, Flags.arith(cpu) & Cpu.ZF);
        assertEquals(a < c ? Cpu.CF : 0, Flags.arith(cpu) & Cpu.CF, "CF of " + a + " - " + c);
    }

    @Test
    void backwardsRepStoswWrapsDiAcrossAChunkWith16BitAddresses() {
        Cpu cpu = TestCpus.real();
        cpu.sysFlags |= Cpu.DF;
        cpu.seg[0].loadReal(0x2000); // ES
        cpu.r[Cpu.RAX] = 0xBEEF;
        cpu.r[Cpu.RDI] = 0x0010;
        cpu.r[Cpu.RCX] = 0xFFFF_0000L | (CHUNK + 10);
        cpu.rip = 0x100;
        byte[] repStosw = b(0xF3, 0xAB);
        TestCpus.exec(cpu, repStosw);
        assertEquals(0x100, cpu.rip);
        assertEquals((0x0010 - 2 * CHUNK) & 0xFFFF, cpu.r[Cpu.RDI]);
        assertEquals(0xFFFF_0000L | 10, cpu.r[Cpu.RCX], "CX only");
        TestCpus.exec(cpu, repStosw);
        assertEquals(0x102, cpu.rip);
        assertEquals((0x0010 - 2 * (CHUNK + 10)) & 0xFFFF, cpu.r[Cpu.RDI]);
        assertEquals(0xFFFF_0000L, cpu.r[Cpu.RCX]);
        assertEquals(0xBEEF, cpu.ram.read16(0x20000 + 0x0010));
        assertEquals(0xBEEF, cpu.ram.read16(0x20000 + 0xFFFE), "wrapped below 0");
        assertEquals(0, cpu.ram.read16(0x20000 + ((0x0010 - 2 * (CHUNK + 10)) & 0xFFFF)));
    }

    @Test
    void aFaultInTheSecondChunkResumesAfterTheHandlerFixesIt() {
        Cpu cpu = TestCpus.prot32(0);
        cpu.seg[0].limit = 0x30000 + 4L * (CHUNK + 5) - 1; // ES ends inside the second chunk
        cpu.r[Cpu.RAX] = 0x1111_2222L;
        cpu.r[Cpu.RDI] = 0x30000;
        cpu.r[Cpu.RCX] = 2 * CHUNK;
        cpu.rip = CODE;
        byte[] repStosd = b(0xF3, 0xAB);
        TestCpus.exec(cpu, repStosd);
        CpuException e = assertThrows(CpuException.class, () -> TestCpus.exec(cpu, repStosd));
        assertEquals(13, e.vector);
        assertEquals(CODE, cpu.rip);
        assertEquals(CHUNK - 5, cpu.r[Cpu.RCX]);
        assertEquals(0x30000 + 4L * (CHUNK + 5), cpu.r[Cpu.RDI]);
        cpu.seg[0].limit = 0xFFFF_FFFFL;
        TestCpus.exec(cpu, repStosd);
        assertEquals(CODE + 2, cpu.rip);
        assertEquals(0, cpu.r[Cpu.RCX]);
        assertEquals(0x1111_2222L, cpu.ram.read32(0x30000 + 4L * (2 * CHUNK - 1)) & 0xFFFF_FFFFL);
        assertEquals(0, cpu.ram.read32(0x30000 + 4L * 2 * CHUNK));
    }

    @Test
    void theInterpreterRunsTheNextInstructionOnlyAfterTheLastChunk() {
        Cpu cpu = TestCpus.prot32(0);
        // rep stosb over 3 chunks + 1; inc edx; hlt
        cpu.ram.load(CODE, b(0xF3, 0xAA, 0x42, 0xF4));
        cpu.r[Cpu.RAX] = 0x5A;
        cpu.r[Cpu.RDI] = 0x40000;
        cpu.r[Cpu.RCX] = 3 * CHUNK + 1;
        cpu.r[Cpu.RDX] = 0; // (the reset value is the processor signature)
        cpu.rip = CODE;
        EngineWorker w = new Interpreter(cpu.ram).newWorker();
        int exit = ExitReason.BUDGET;
        for (int guard = 0; exit == ExitReason.BUDGET && guard < 100; guard++) {
            exit = w.step(cpu);
            if (cpu.rip == CODE) {
                assertEquals(0, cpu.r[Cpu.RDX], "INC ran before the string instruction completed");
            }
        }
        assertEquals(ExitReason.HALT, exit);
        assertEquals(1, cpu.r[Cpu.RDX]);
        assertEquals(0, cpu.r[Cpu.RCX]);
        assertEquals(0x40000 + 3L * CHUNK + 1, cpu.r[Cpu.RDI]);
        assertEquals(0x5A, cpu.ram.read8(0x40000 + 3L * CHUNK));
        assertEquals(0, cpu.ram.read8(0x40000 + 3L * CHUNK + 1));
    }
}
