package org.apboot.core.semantics;

import static org.apboot.core.semantics.TestCpus.assertFlags;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apboot.core.cpu.Cpu;
import org.junit.jupiter.api.Test;

/** LAHF and SAHF: AH = SF:ZF:0:AF:0:PF:1:CF (SDM vol. 2), OF neither read nor written. */
class LahfSahfTest {
    private final Cpu cpu = TestCpus.real();

    @Test
    void lahfPacksFiveFlagsAndTheFixedBit() {
        Flags.setArith(cpu, Cpu.ARITH_FLAGS); // OF too, which LAHF does not show
        assertEquals(0xD7, DataOps.lahf(cpu));
        Flags.setArith(cpu, 0);
        assertEquals(0x02, DataOps.lahf(cpu));
        Flags.setArith(cpu, Cpu.ZF | Cpu.CF);
        assertEquals(0x43, DataOps.lahf(cpu));
    }

    @Test
    void sahfLoadsFiveFlagsAndKeepsOverflow() {
        Flags.setArith(cpu, Cpu.OF);
        DataOps.sahf(cpu, 0xFF);
        assertFlags(cpu, "CF PF AF ZF SF OF");
        DataOps.sahf(cpu, 0x2A); // only the bits LAHF shows as fixed
        assertFlags(cpu, "OF");
        Flags.setArith(cpu, 0);
        DataOps.sahf(cpu, 0x84);
        assertFlags(cpu, "PF SF");
    }
}
