package org.apboot.core.interp;

import static org.apboot.core.interp.Insns.exec;
import static org.apboot.core.semantics.TestCpus.assertFlags;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.CpuModel;
import org.apboot.core.cpu.CpuProfile;
import org.apboot.core.cpu.Segment;
import org.apboot.core.decode.Insn;
import org.apboot.core.decode.Op;
import org.apboot.core.fault.CpuException;
import org.apboot.core.fault.Vectors;
import org.apboot.core.mem.PhysicalMemory;
import org.apboot.core.semantics.Flags;
import org.apboot.core.semantics.Mem;
import org.apboot.core.semantics.TestCpus;
import org.junit.jupiter.api.Test;

class DataExecutorsTest {
    @Test
    void cmpxchg8bSwapsOrLoads() {
        Cpu cpu = TestCpus.prot32(0);
        Mem.write(cpu, Insn.DS, 0x800, 8, 0x1111_2222_3333_4444L);
        cpu.r[Cpu.RDX] = 0x1111_2222L;
        cpu.r[Cpu.RAX] = 0x3333_4444L;
        cpu.r[Cpu.RCX] = 0xAAAA_BBBBL;
        cpu.r[Cpu.RBX] = 0xCCCC_DDDDL;
        Insn i = Insns.memReg(Op.CMPXCHG8B, 8, 4, Insn.DS, 0x800, -1);
        exec(cpu, i);
        assertEquals(0xAAAA_BBBB_CCCC_DDDDL, Mem.read(cpu, Insn.DS, 0x800, 8));
        assertTrue(Flags.zero(cpu));
        exec(cpu, i); // now unequal: EDX:EAX loaded
        assertEquals(0xAAAA_BBBBL, cpu.r[Cpu.RDX]);
        assertEquals(0xCCCC_DDDDL, cpu.r[Cpu.RAX]);
        assertEquals(false, Flags.zero(cpu));
    }

    @Test
    void lockedReadModifyWritesAreAtomicAcrossHostThreads() throws Exception {
        PhysicalMemory ram = new PhysicalMemory(1 << 16);
        int threads = 4, rounds = 20000;
        Thread[] ts = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            int id = t;
            ts[t] = new Thread(() -> {
                Cpu cpu = new Cpu(id, CpuModel.standard(false), CpuProfile.GENERIC, ram);
                flat(cpu);
                Insn xadd = Insns.memReg(Op.XADD, 4, 4, Insn.DS, 0x100, Cpu.RCX);
                xadd.lock = true;
                Insn inc = Insns.memReg(Op.INC, 2, 4, Insn.DS, 0x202, -1); // unaligned word
                inc.lock = true;
                Insn bts = Insns.memReg(Op.BTS, 4, 4, Insn.DS, 0x300, Cpu.RDX);
                bts.lock = true;
                for (int k = 0; k < rounds; k++) {
                    cpu.r[Cpu.RCX] = 1;
                    exec(cpu, xadd);
                    exec(cpu, inc);
                    cpu.r[Cpu.RDX] = id * 32 + (k % 32); // bit string beyond the first dword
                    exec(cpu, bts);
                }
            });
            ts[t].start();
        }
        for (Thread t : ts) {
            t.join();
        }
        assertEquals(threads * rounds, ram.read32(0x100));
        assertEquals((threads * rounds) & 0xFFFF, ram.read16(0x202));
        for (int t = 0; t < threads; t++) {
            assertEquals(-1, ram.read32(0x300 + 4 * t));
        }
    }

    private static void flat(Cpu cpu) {
        int data = Segment.P | Segment.S | Segment.TYPE_READ_OR_WRITE | Segment.TYPE_ACCESSED | Segment.DB | Segment.G;
        for (int s = 0; s < 6; s++) {
            cpu.seg[s].set(0x10, 0, 0xFFFF_FFFFL, data);
        }
        cpu.seg[Insn.CS].set(0x08, 0, 0xFFFF_FFFFL, data | Segment.TYPE_CODE);
        cpu.cr0 |= Cpu.CR0_PE;
        cpu.updateMode();
    }

    @Test
    void bitStringWithNegativeRegisterOffset() {
        Cpu cpu = TestCpus.real();
        Mem.write(cpu, Insn.DS, 0x1FFE, 2, 0x8000);
        cpu.r[Cpu.RCX] = 0xFFFF; // -1 as a 16-bit offset: bit 15 of the word below
        Insn bt = Insns.memReg(Op.BT, 2, 2, Insn.DS, 0x2000, Cpu.RCX);
        exec(cpu, bt);
        assertTrue(Flags.carry(cpu));
        Insn btr = Insns.memReg(Op.BTR, 2, 2, Insn.DS, 0x2000, Cpu.RCX);
        exec(cpu, btr);
        assertEquals(0, Mem.read(cpu, Insn.DS, 0x1FFE, 2));
        // an immediate offset is taken modulo the operand width, no address adjustment
        Insn bts = Insns.memReg(Op.BTS, 2, 2, Insn.DS, 0x2000, -1);
        bts.src = Insn.K_IMM;
        bts.imm = 17;
        exec(cpu, bts);
        assertEquals(2, Mem.read(cpu, Insn.DS, 0x2000, 2));
    }

    @Test
    void readModifyWriteFaultsLeaveFlagsAndMemoryAlone() {
        Cpu cpu = TestCpus.prot32(0);
        cpu.seg[Insn.DS].attrs &= ~Segment.TYPE_READ_OR_WRITE; // read-only data
        Mem.write(cpu, Insn.ES, 0x40, 4, 0x7FFF_FFFFL);
        Flags.setArith(cpu, Cpu.ZF);
        cpu.r[Cpu.RCX] = 1;
        Insn add = Insns.memReg(Op.ADD, 4, 4, Insn.DS, 0x40, Cpu.RCX);
        CpuException e = assertThrows(CpuException.class, () -> exec(cpu, add));
        assertEquals(Vectors.GP, e.vector);
        assertFlags(cpu, "ZF");
        assertEquals(0x7FFF_FFFFL, Mem.read(cpu, Insn.ES, 0x40, 4));
    }

    @Test
    void lockOnARegisterDestinationIsUndefined() {
        Cpu cpu = TestCpus.real();
        Insn add = Insns.rmReg(Op.ADD, 4, Cpu.RAX, Cpu.RCX);
        add.lock = true;
        assertEquals(Vectors.UD, assertThrows(CpuException.class, () -> exec(cpu, add)).vector);
    }

    @Test
    void xchgWithMemoryAndRegisters() {
        Cpu cpu = TestCpus.prot32(0);
        Mem.write(cpu, Insn.DS, 0x80, 2, 0xAAAA);
        cpu.r[Cpu.RBX] = 0x1234_5555L;
        exec(cpu, Insns.memReg(Op.XCHG, 2, 4, Insn.DS, 0x80, Cpu.RBX));
        assertEquals(0x1234_AAAAL, cpu.r[Cpu.RBX]);
        assertEquals(0x5555, Mem.read(cpu, Insn.DS, 0x80, 2));
        cpu.r[Cpu.RAX] = 0xFFFF_FFFF_0000_0001L;
        exec(cpu, Insns.rmReg(Op.XCHG, 4, Cpu.RAX, Cpu.RAX)); // 87 C0: zero-extends
        assertEquals(1, cpu.r[Cpu.RAX]);
    }

    @Test
    void cmovWithThirtyTwoBitsZeroExtendsEvenWhenFalse() {
        Cpu cpu = TestCpus.long64();
        cpu.r[Cpu.RAX] = 0xFFFF_FFFF_1234_5678L;
        cpu.r[Cpu.RCX] = 7;
        Flags.setArith(cpu, 0);
        Insn cmove = Insns.of(Op.CMOVCC, 4, 8);
        cmove.dst = Insn.K_REG;
        cmove.reg = Cpu.RAX;
        cmove.src = Insn.K_RM;
        cmove.rmReg = Cpu.RCX;
        cmove.cond = 0x4; // E, false
        exec(cpu, cmove);
        assertEquals(0x1234_5678L, cpu.r[Cpu.RAX]);
        cmove.opSize = 2;
        cpu.r[Cpu.RAX] = 0xFFFF_FFFF_1234_5678L;
        exec(cpu, cmove);
        assertEquals(0xFFFF_FFFF_1234_5678L, cpu.r[Cpu.RAX]);
    }

    @Test
    void xlatLahfSahfAndConversions() {
        Cpu cpu = TestCpus.real();
        Mem.write(cpu, Insn.DS, 0x505, 1, 0x42);
        cpu.r[Cpu.RBX] = 0x500;
        cpu.r[Cpu.RAX] = 0x1205;
        Insn xlat = Insns.of(Op.XLAT, 1, 2);
        xlat.seg = Insn.DS;
        exec(cpu, xlat);
        assertEquals(0x1242, cpu.r[Cpu.RAX]);

        Flags.setArith(cpu, Cpu.SF | Cpu.CF | Cpu.OF);
        exec(cpu, Insns.of(Op.LAHF, 1, 2));
        assertEquals(0x83, (cpu.r[Cpu.RAX] >>> 8) & 0xFF);
        cpu.r[Cpu.RAX] = 0x4400; // ZF | PF
        exec(cpu, Insns.of(Op.SAHF, 1, 2));
        assertFlags(cpu, "PF ZF OF"); // OF untouched by SAHF

        cpu.r[Cpu.RAX] = 0x0080;
        exec(cpu, Insns.of(Op.CBW, 2, 2));
        assertEquals(0xFF80, cpu.r[Cpu.RAX]);
        exec(cpu, Insns.of(Op.CWD, 2, 2));
        assertEquals(0xFFFF, cpu.r[Cpu.RDX]);
        cpu.r[Cpu.RAX] = 0x8000_0000L;
        exec(cpu, Insns.of(Op.CBW, 8, 8)); // CDQE
        assertEquals(0xFFFF_FFFF_8000_0000L, cpu.r[Cpu.RAX]);
    }

    @Test
    void bsfWithZeroSourceKeepsTheWholeDestination() {
        Cpu cpu = TestCpus.long64();
        cpu.r[Cpu.RAX] = 0xDEAD_BEEF_0000_0001L;
        cpu.r[Cpu.RCX] = 0;
        Insn bsf = Insns.of(Op.BSF, 4, 8);
        bsf.dst = Insn.K_REG;
        bsf.reg = Cpu.RAX;
        bsf.src = Insn.K_RM;
        bsf.rmReg = Cpu.RCX;
        exec(cpu, bsf);
        assertEquals(0xDEAD_BEEF_0000_0001L, cpu.r[Cpu.RAX]);
        assertTrue(Flags.zero(cpu));
        cpu.r[Cpu.RCX] = 0x100;
        exec(cpu, bsf);
        assertEquals(8, cpu.r[Cpu.RAX]);
    }

    @Test
    void movzxAndMovsxFromMemory() {
        Cpu cpu = TestCpus.prot32(0);
        Mem.write(cpu, Insn.DS, 0x90, 2, 0x8001);
        Insn zx = Insns.of(Op.MOVZX, 4, 4);
        zx.dst = Insn.K_REG;
        zx.reg = Cpu.RDX;
        zx.src = Insn.K_RM;
        zx.disp = 0x90;
        zx.srcSize = 2;
        exec(cpu, zx);
        assertEquals(0x8001, cpu.r[Cpu.RDX]);
        zx.op = Op.MOVSX;
        zx.srcSize = 1;
        zx.opSize = 2;
        cpu.r[Cpu.RDX] = 0x5555_0000L;
        exec(cpu, zx);
        assertEquals(0x5555_0001L, cpu.r[Cpu.RDX]);
        zx.disp = 0x91;
        exec(cpu, zx);
        assertEquals(0x5555_FF80L, cpu.r[Cpu.RDX]);
    }
}
