package org.apboot.core.semantics;

import static org.apboot.core.semantics.TestCpus.assertFlags;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apboot.core.cpu.Cpu;
import org.junit.jupiter.api.Test;

/**
 * BT/BTS/BTR/BTC with the selected bit clear and set (CF is that bit, SDM vol. 2 BT), and BSR of
 * a zero source (ZF set, destination kept) and of a non-zero one after a zero (ZF cleared).
 */
class BitTestOperationsTest {
    private final Cpu cpu = TestCpus.real();

    @Test
    void carryIsTheSelectedBitBeforeTheChange() {
        Flags.setArith(cpu, Cpu.CF);
        Bits.bt(cpu, 0xFFFF_FFFE, 0); // bit 0 clear
        assertFlags(cpu, "");
        Bits.bt(cpu, 0x10, 4);
        assertFlags(cpu, "CF");
        Bits.bt(cpu, 0x10, 3);
        assertFlags(cpu, "");
        assertEquals(0x11, Bits.bts(cpu, 0x11, 4)); // already set: CF 1, value unchanged
        assertFlags(cpu, "CF");
        assertEquals(0x31, Bits.bts(cpu, 0x11, 5));
        assertFlags(cpu, "");
        assertEquals(0x01, Bits.btr(cpu, 0x11, 4));
        assertFlags(cpu, "CF");
        assertEquals(0x11, Bits.btr(cpu, 0x11, 3)); // already clear: CF 0, value unchanged
        assertFlags(cpu, "");
        assertEquals(0x01, Bits.btc(cpu, 0x11, 4));
        assertFlags(cpu, "CF");
        assertEquals(0x19, Bits.btc(cpu, 0x11, 3));
        assertFlags(cpu, "");
        assertEquals(0x8000_0000_0000_0001L, Bits.btr(cpu, 0x8000_0000_0000_0003L, 1));
        assertFlags(cpu, "CF");
    }

    @Test
    void bsrOfZeroKeepsTheDestinationAndSetsZf() {
        Flags.setArith(cpu, Cpu.CF | Cpu.OF);
        assertEquals(0xABCDL, Bits.bsr(cpu, 2, 0xFFFF_0000L, 0xABCDL)); // the low 16 bits are zero
        assertFlags(cpu, "CF ZF OF");
        assertEquals(16, Bits.bsr(cpu, 4, 0x1_FFFF, 0xABCDL));
        assertFlags(cpu, "CF OF");
    }
}
