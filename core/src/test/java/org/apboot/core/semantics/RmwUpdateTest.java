package org.apboot.core.semantics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.CpuModel;
import org.apboot.core.cpu.CpuProfile;
import org.apboot.core.decode.Insn;
import org.apboot.core.fault.CpuException;
import org.apboot.core.fault.Vectors;
import org.apboot.core.mem.PhysicalMemory;
import org.junit.jupiter.api.Test;

/**
 * {@link Rmw#update}, the read-modify-write every engine runs for a memory destination: results
 * and flags from the Intel SDM's definitions (INC, BTS/BTC, SHL), the write check before any
 * change, and LOCK's atomicity between host threads that share guest RAM.
 */
class RmwUpdateTest {
    @Test
    void incOfAMemoryDwordSetsTheFlagsOfTheSumAndKeepsCarry() {
        Cpu cpu = TestCpus.real();
        cpu.ram.write32(0x500, 0x7FFF_FFFF);
        FlagOps.stc(cpu);
        Rmw.update(cpu, RmwOps.INC, 4, Insn.DS, 0x500, 0, 0, false);
        assertEquals(0x8000_0000L, cpu.ram.read32(0x500) & 0xFFFF_FFFFL);
        // 0x7FFFFFFF + 1: signed overflow, sign set, carry out of bit 3, low byte 0x00 even; INC keeps CF
        TestCpus.assertFlags(cpu, "CF PF AF SF OF");
    }

    @Test
    void bitTestAndComplementReportsTheOldBitInCarry() {
        Cpu cpu = TestCpus.real();
        cpu.ram.write32(0x500, 0x8000_0001);
        Rmw.update(cpu, RmwOps.BTC, 4, Insn.DS, 0x500, 31, 0, true);
        assertEquals(1, cpu.ram.read32(0x500));
        assertEquals(Cpu.CF, Flags.arith(cpu) & Cpu.CF);
        Rmw.update(cpu, RmwOps.BTS, 4, Insn.DS, 0x500, 4, 0, false);
        assertEquals(0x11, cpu.ram.read32(0x500));
        assertEquals(0, Flags.arith(cpu) & Cpu.CF);
    }

    @Test
    void shiftOfAMemoryByteByOne() {
        Cpu cpu = TestCpus.real();
        cpu.ram.write8(0x500, 0x81);
        Rmw.update(cpu, RmwOps.SHL, 1, Insn.DS, 0x500, 1, 0, false);
        assertEquals(0x02, cpu.ram.read8(0x500) & 0xFF);
        // CF = the bit shifted out (1); OF = top bit of the result XOR CF (0 ^ 1) for a count of 1
        long f = Flags.arith(cpu);
        assertEquals(Cpu.CF | Cpu.OF, f & (Cpu.CF | Cpu.OF | Cpu.ZF | Cpu.SF));
    }

    @Test
    void anOperandPastTheSegmentLimitFaultsBeforeFlagsOrMemoryChange() {
        Cpu cpu = TestCpus.real();
        Alu.add(cpu, 4, 1, 1); // flags of 1 + 1: none set
        cpu.ram.write8(0xFFFF, 0x41);
        CpuException e = assertThrows(CpuException.class,
                () -> Rmw.update(cpu, RmwOps.NEG, 2, Insn.DS, 0xFFFF, 0, 0, false));
        assertEquals(Vectors.GP, e.vector);
        assertEquals(0x41, cpu.ram.read8(0xFFFF));
        TestCpus.assertFlags(cpu, "");
    }

    @Test
    void lockedAddsFromTwoHostThreadsAllCount() throws Exception {
        PhysicalMemory ram = new PhysicalMemory(1 << 20);
        ram.write32(0x600, 0);
        int n = 200_000;
        Thread[] threads = new Thread[2];
        for (int t = 0; t < threads.length; t++) {
            Cpu cpu = new Cpu(t, CpuModel.standard(false), CpuProfile.GENERIC, ram);
            cpu.resetToRealMode(0, 0x100);
            threads[t] = new Thread(() -> {
                for (int k = 0; k < n; k++) {
                    Rmw.update(cpu, Alu.OP_ADD, 4, Insn.DS, 0x600, 3, 0, true);
                }
            });
        }
        for (Thread th : threads) {
            th.start();
        }
        for (Thread th : threads) {
            th.join();
        }
        assertEquals(2L * n * 3, ram.read32(0x600) & 0xFFFF_FFFFL);
    }
}
