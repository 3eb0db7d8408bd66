package org.apboot.core.interp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.engine.EngineWorker;
import org.apboot.core.engine.ExitReason;
import org.apboot.core.semantics.TestCpus;
import org.junit.jupiter.api.Test;

/** Whole blocks through the interpreter's worker, where its unchecked path meets the edges of 16-bit code. */
class InterpreterWorkerTest {
    private static int runToHalt(Cpu cpu) {
        EngineWorker w = new Interpreter(cpu.ram).newWorker();
        int exit = ExitReason.BUDGET;
        for (int k = 0; k < 100 && exit == ExitReason.BUDGET; k++) {
            exit = w.run(cpu, 1000);
        }
        return exit;
    }

    /** 16-bit code: IP wraps at 64 KiB, also right after a block that ends at offset 0xFFFF. */
    @Test
    void ipWrapsAfterABlockEndingAtTheTopOfTheSegment() {
        Cpu cpu = TestCpus.real();
        cpu.ram.load(0xFFFC, new byte[] {(byte) 0x90, (byte) 0x90, (byte) 0x90, (byte) 0xF4}); // nop x3; hlt
        cpu.rip = 0xFFFC;
        assertEquals(ExitReason.HALT, runToHalt(cpu));
        assertEquals(4, cpu.instructions);
        assertEquals(0, cpu.rip);
    }

    /**
     * {@code dec cx; jnz} with the taken target beyond the CS limit: DEC retires, the JNZ faults
     * with #GP before changing anything, and the IP the fault pushes is the JNZ's (a fault
     * reports the faulting instruction).
     */
    @Test
    void aJccPairWhoseTargetFaultsRetiresOnlyItsFirstInstruction() {
        Cpu cpu = TestCpus.real();
        cpu.ram.load(0x1000, new byte[] {0x49, 0x75, 0x7F}); // dec cx; jnz +0x7f (to 0x1082)
        cpu.ram.load(0x1008, new byte[] {(byte) 0xF4});       // #GP handler: hlt
        cpu.ram.write32(13 * 4, 0x0000_1008);                 // IVT[13] = 0000:1008
        cpu.seg[1].limit = 0x1010; // kept by the real-mode CS load of the delivery
        cpu.r[Cpu.RCX] = 5;
        cpu.r[Cpu.RSP] = 0x7000;
        cpu.rip = 0x1000;
        assertEquals(ExitReason.HALT, runToHalt(cpu));
        assertEquals(4, cpu.r[Cpu.RCX]);
        assertEquals(2, cpu.instructions, "the DEC and the handler's HLT");
        assertEquals(0x6FFA, cpu.r[Cpu.RSP]);
        assertEquals(0x1001, cpu.ram.read16(0x6FFA), "pushed IP: the JNZ");
        assertTrue(cpu.halted);
    }
}
