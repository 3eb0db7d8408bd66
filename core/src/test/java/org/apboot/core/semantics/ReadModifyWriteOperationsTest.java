package org.apboot.core.semantics;

import static org.apboot.core.semantics.TestCpus.assertFlags;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.MemoryHooks;
import org.apboot.core.decode.Insn;
import org.junit.jupiter.api.Test;

/**
 * Every operation a read-modify-write instruction applies to memory (SDM vol. 2 pages of INC,
 * DEC, NEG, NOT, the rotates and shifts, SHLD/SHRD, BTS/BTR/BTC, ADD), through {@link Rmw#update}
 * on a real-mode memory operand, locked and not; and the memory hooks seeing a locked store.
 */
class ReadModifyWriteOperationsTest {
    private final Cpu cpu = TestCpus.real();

    private long update(int op, int size, long a, long b, long c, boolean locked) {
        cpu.ram.write64(0x600, 0);
        cpu.ram.write(0x600, size, a);
        Rmw.update(cpu, op, size, Insn.DS, 0x600, b, c, locked);
        return cpu.ram.read(0x600, 8);
    }

    @Test
    void eachOperationStoresItsResult() {
        for (boolean locked : new boolean[] {false, true}) {
            assertEquals(0xFF, update(RmwOps.DEC, 1, 0x00, 0, 0, locked));
            assertEquals(0xFF, update(RmwOps.NEG, 1, 0x01, 0, 0, locked));
            assertEquals(0xF0, update(RmwOps.NOT, 1, 0x0F, 0, 0, locked));
            assertEquals(0x03, update(RmwOps.ROL, 1, 0x81, 1, 0, locked));
            assertEquals(0xC0, update(RmwOps.ROR, 1, 0x81, 1, 0, locked));
            Flags.setCarry(cpu, true);
            assertEquals(0x01, update(RmwOps.RCL, 1, 0x80, 1, 0, locked)); // CF in at bit 0, bit 7 out
            Flags.setCarry(cpu, true);
            assertEquals(0x80, update(RmwOps.RCR, 1, 0x00, 1, 0, locked)); // CF in at bit 7
            assertEquals(0x82, update(RmwOps.SHL, 1, 0x41, 1, 0, locked));
            assertEquals(0x41, update(RmwOps.SHR, 1, 0x82, 1, 0, locked));
            assertEquals(0xC1, update(RmwOps.SAR, 1, 0x82, 1, 0, locked));
            assertEquals(0x234A, update(RmwOps.SHLD, 2, 0x1234, 0xABCD, 4, locked));
            assertEquals(0xD123, update(RmwOps.SHRD, 2, 0x1234, 0xABCD, 4, locked));
            assertEquals(0x08, update(RmwOps.BTS, 1, 0x00, 3, 0, locked));
            assertEquals(0xFE, update(RmwOps.BTR, 1, 0xFF, 0, 0, locked));
            assertEquals(0x8F, update(RmwOps.BTC, 1, 0x0F, 7, 0, locked));
            assertEquals(0x08, update(Alu.OP_ADD, 1, 0x05, 3, 0, locked));
            assertEquals(0x5000_0000L, update(Alu.OP_XOR, 4, 0xA000_0000L, 0xF000_0000L, 0, locked));
        }
    }

    @Test
    void flagsAreThoseOfTheOperation() {
        update(RmwOps.NEG, 2, 0x8000, 0, 0, false);
        assertFlags(cpu, "CF PF SF OF");
        update(RmwOps.DEC, 1, 0x80, 0, 0, true);
        assertFlags(cpu, "CF AF OF"); // 0x7F, CF kept from NEG
    }

    @Test
    void computeOnValues() {
        Flags.setCarry(cpu, false);
        assertEquals(0x7F, RmwOps.compute(cpu, RmwOps.DEC, 1, 0x80, 0, 0));
        assertEquals(0x100, RmwOps.compute(cpu, RmwOps.INC, 2, 0xFF, 0, 0));
        assertEquals(0xFFFF_FFFEL, RmwOps.compute(cpu, RmwOps.NEG, 4, 2, 0, 0));
        assertEquals(0xFFFF_FFFF_FFFF_FF00L, RmwOps.compute(cpu, RmwOps.NOT, 8, 0xFF, 0, 0));
        assertEquals(0x1, RmwOps.compute(cpu, Alu.OP_SUB, 1, 3, 2, 0));
    }

    private static final class Stores implements MemoryHooks {
        final List<String> log = new ArrayList<>();

        @Override
        public void read(Cpu cpu, long phys, int size, long value) {
        }

        @Override
        public void write(Cpu cpu, long phys, int size, long value) {
            log.add(Long.toHexString(phys) + "/" + size + "=" + Long.toHexString(value));
        }
    }

    @Test
    void aLockedStoreIntoRamIsShownToTheMemoryHooks() {
        Stores hooks = new Stores();
        cpu.memoryHooks = hooks;
        cpu.ram.write16(0x700, 0x1234);
        long h = Rmw.prepare(cpu, Insn.DS, 0x700, 2);
        assertEquals(0x1234, Rmw.cas(cpu, h, Insn.DS, 0x700, 2, 0xFFFF_1234L, 0x7777_5678L));
        assertEquals(0x5678, cpu.ram.read16(0x700));
        assertEquals(0x5678, Rmw.cas(cpu, h, Insn.DS, 0x700, 2, 0x1234, 0x9999));
        assertEquals(0x5678, cpu.ram.read16(0x700));
        assertEquals(List.of("700/2=5678"), hooks.log, "the failed compare stores nothing");
    }
}
