package org.apboot.core.fault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The fault chain's records and the text each renders to. */
class FaultChainTest {
    @Test
    void rendersEachKindOfRecord() {
        FaultChain c = FaultChain.restart(null);
        c.addException(CpuException.ud("bad opcode"), "real16", 0xF000, 0xFFF0);
        c.addException(new CpuException(Vectors.GP, true, 0x6B, 0, false, null), "prot32", 0x8, 0x10034);
        c.addException(CpuException.pf(0x7, 0xFFFF_8000_0000_1000L), "long64", 0x10, 0xFFFF_FFFF_8100_0000L);
        c.addException(new CpuException(Vectors.DF, true, -1, 0, false, "x"), "compat32", 0x23, 0);
        c.addLine("triple fault");
        assertEquals(List.of(
                "#UD in real16 at cs:rip 0xf000:0xfff0: bad opcode",
                "#GP(0x6b) in prot32 at cs:rip 0x8:0x10034",
                "#PF(0x7) in long64 at cs:rip 0x10:0xffffffff81000000 (address 0xffff800000001000): "
                        + CpuException.pf(0x7, 0xFFFF_8000_0000_1000L).reason,
                "#DF(0xffffffff) in compat32 at cs:rip 0x23:0x0: x",
                "triple fault"), List.copyOf(c));
    }

    @Test
    void restartEmptiesTheSameChainAndReplacesAPlainList() {
        FaultChain c = FaultChain.restart(null);
        for (int i = 0; i < 40; i++) { // beyond the first capacity
            c.addLine("line " + i);
        }
        assertEquals(40, c.size());
        assertEquals("line 39", c.get(39));
        assertSame(c, FaultChain.restart(c));
        assertEquals(0, c.size());
        assertThrows(IndexOutOfBoundsException.class, () -> c.get(0));
        List<String> restored = new ArrayList<>(List.of("#GP(0x0) in prot32 at cs:rip 0x8:0x0"));
        assertNotSame(restored, FaultChain.restart(restored));
        assertEquals(0, FaultChain.restart(restored).size());
    }
}
