package org.apboot.core.semantics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.decode.Insn;
import org.junit.jupiter.api.Test;

/** CMOVcc, SETcc (condition codes 4 = E, 5 = NE, 2 = B, 3 = AE) and XLAT, SDM vol. 2. */
class ConditionalMoveAndSetTest {
    private final Cpu cpu = TestCpus.real();

    @Test
    void cmovTakesTheSourceOnlyWhenTheConditionHolds() {
        Alu.cmp(cpu, 1, 5, 5); // ZF = 1, CF = 0
        assertEquals(0x22, DataOps.cmov(cpu, 4, 0x11, 0x22));
        assertEquals(0x11, DataOps.cmov(cpu, 5, 0x11, 0x22));
        assertEquals(0x11, DataOps.cmov(cpu, 2, 0x11, 0x22));
        assertEquals(0x22, DataOps.cmov(cpu, 3, 0x11, 0x22));
    }

    @Test
    void setccGivesOneOrZero() {
        Alu.cmp(cpu, 1, 4, 5); // CF = 1, ZF = 0
        assertEquals(0, DataOps.setcc(cpu, 4));
        assertEquals(1, DataOps.setcc(cpu, 5));
        assertEquals(1, DataOps.setcc(cpu, 2));
        assertEquals(0, DataOps.setcc(cpu, 3));
    }

    @Test
    void xlatReadsAtBxPlusAlWrappedToTheAddressSize() {
        cpu.ram.write8(0x5010, 0x77);
        cpu.ram.write8(0x5000, 0x11);
        cpu.ram.write8(0x4FF0, 0x22);
        cpu.r[Cpu.RBX] = 0x5000;
        cpu.r[Cpu.RAX] = 0x1234_5610L; // only AL is the index
        assertEquals(0x77, DataOps.xlat(cpu, Insn.DS, 2));
        cpu.ram.write8(0x0010, 0x5A);
        cpu.r[Cpu.RBX] = 0xFFF0;
        cpu.r[Cpu.RAX] = 0x20;
        assertEquals(0x5A, DataOps.xlat(cpu, Insn.DS, 2)); // 0xFFF0 + 0x20 wraps to 0x0010
    }
}
