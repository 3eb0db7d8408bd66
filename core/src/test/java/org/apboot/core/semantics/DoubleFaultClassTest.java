package org.apboot.core.semantics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.fault.CpuException;
import org.apboot.core.fault.TestCpus;
import org.apboot.core.fault.Vectors;
import org.junit.jupiter.api.Test;

/**
 * Which pairs of exceptions make a double fault (Intel SDM vol. 3 table 6-5, with #VE counted
 * as a page fault, section 6.15), which vectors are faults (table 6-1: the return address is the
 * faulting instruction), the EXT bit of each event kind, and the fault chain a page fault
 * leaves with its address.
 */
class DoubleFaultClassTest {
    @Test
    void table6dash5() {
        int[] contributory = {Vectors.DE, Vectors.TS, Vectors.NP, Vectors.SS, Vectors.GP};
        int[] pageFaults = {Vectors.PF, Vectors.VE};
        int[] benign = {Vectors.DB, Vectors.NMI, Vectors.BP, Vectors.OF, Vectors.BR, Vectors.UD, Vectors.NM,
            Vectors.MF, Vectors.AC, Vectors.MC, Vectors.XM};
        for (int a : contributory) {
            for (int b : contributory) {
                assertTrue(ExceptionDelivery.becomesDoubleFault(a, b), a + " then " + b);
            }
            for (int b : pageFaults) {
                assertFalse(ExceptionDelivery.becomesDoubleFault(a, b), a + " then " + b);
            }
        }
        for (int a : pageFaults) {
            for (int b : contributory) {
                assertTrue(ExceptionDelivery.becomesDoubleFault(a, b), a + " then " + b);
            }
            for (int b : pageFaults) {
                assertTrue(ExceptionDelivery.becomesDoubleFault(a, b), a + " then " + b);
            }
            for (int b : benign) {
                assertFalse(ExceptionDelivery.becomesDoubleFault(a, b), a + " then " + b);
            }
        }
        for (int a : benign) {
            for (int b = 0; b < 32; b++) {
                assertFalse(ExceptionDelivery.becomesDoubleFault(a, b), a + " then " + b);
            }
        }
    }

    @Test
    void faultsAndTrapsAsTable6dash1ClassesThem() {
        for (int v : new int[] {Vectors.DE, Vectors.BR, Vectors.UD, Vectors.NM, Vectors.TS, Vectors.NP, Vectors.SS,
            Vectors.GP, Vectors.PF, Vectors.MF, Vectors.AC, Vectors.XM, Vectors.VE, Vectors.CP}) {
            assertTrue(ExceptionDelivery.faultClass(v), "vector " + v);
        }
        for (int v : new int[] {Vectors.DB, Vectors.NMI, Vectors.BP, Vectors.OF, Vectors.DF, Vectors.MC, 0x20, 0x80}) {
            assertFalse(ExceptionDelivery.faultClass(v), "vector " + v);
        }
    }

    @Test
    void theExtBitIsSetForEventsTheProgramDidNotAskFor() {
        assertEquals(0, ExceptionDelivery.ext(ExceptionDelivery.SOFTWARE_INT));
        assertEquals(0, ExceptionDelivery.ext(ExceptionDelivery.SOFTWARE_EXCEPTION));
        assertEquals(1, ExceptionDelivery.ext(ExceptionDelivery.ICEBP));
        assertEquals(1, ExceptionDelivery.ext(ExceptionDelivery.EXTERNAL));
        assertEquals(1, ExceptionDelivery.ext(ExceptionDelivery.HARDWARE));
    }

    @Test
    void aPageFaultInTheChainNamesItsAddress() {
        Cpu cpu = TestCpus.prot32();
        cpu.idtrBase = 0x2000;
        cpu.idtrLimit = 0x7FF;
        cpu.ram.write64(0x2000 + 8 * 14, TestCpus.gate(0x4000, TestCpus.CODE32, 0x8E, 0));
        cpu.faultChain = null;
        ExceptionDelivery.deliver(cpu, new CpuException(Vectors.PF, true, 2, 0xDEAD_B000L, false, "not present"));
        assertEquals(0xDEAD_B000L, cpu.cr2);
        assertEquals(0x4000, cpu.rip);
        assertEquals(1, cpu.faultChain.size());
        assertTrue(cpu.faultChain.get(0).contains("(address 0xdeadb000)"), cpu.faultChain.get(0));
        cpu.faultChain = null;
        ExceptionDelivery.deliver(cpu, CpuException.gp(0, "x"));
        assertFalse(cpu.faultChain.get(cpu.faultChain.size() - 1).contains("address"));
    }
}
