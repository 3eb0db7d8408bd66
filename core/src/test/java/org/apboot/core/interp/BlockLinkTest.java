package org.apboot.core.interp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.engine.EngineStats;
import org.apboot.core.engine.EngineWorker;
import org.apboot.core.engine.ExitReason;
import org.apboot.core.semantics.TestCpus;
import org.junit.jupiter.api.Test;

/**
 * A block's link to the block that ran after it in the same page: taken instead of a lookup,
 * and never to a block whose code changed since.
 */
class BlockLinkTest {
    /*
     * .code32 at 0x1000, ecx = passes, eax counts:
     *   loop: add $1, %eax        (block A: ends at the jmp)
     *         jmp body
     *   body: add $2, %eax        (0x1010, block B: its immediate is at 0x1012)
     *         dec %ecx
     *         jnz loop
     *         hlt
     */
    private static final byte[] CODE = {
        (byte) 0x83, (byte) 0xC0, 0x01,             // add $1, %eax
        (byte) 0xEB, 0x0B,                          // jmp 0x1010
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,            // padding to 0x1010
        (byte) 0x83, (byte) 0xC0, 0x02,             // add $2, %eax
        0x49,                                       // dec %ecx
        0x75, (byte) 0xEA,                          // jnz 0x1000
        (byte) 0xF4,                                // hlt
    };

    private static void runToHalt(Cpu cpu, EngineWorker w) {
        int exit = ExitReason.BUDGET;
        for (int k = 0; k < 1000 && exit == ExitReason.BUDGET; k++) {
            exit = w.run(cpu, 1000);
        }
        assertEquals(ExitReason.HALT, exit);
    }

    private static long linked(Interpreter i) {
        return i.stats().counters().getOrDefault(InterpreterWorker.LINKED, 0L);
    }

    @Test
    void theSuccessorInThePageIsTakenThroughTheLinkUntilItsCodeChanges() {
        Cpu cpu = TestCpus.prot32(0);
        cpu.ram.load(0x1000, CODE);
        Interpreter interp = new Interpreter(cpu.ram);
        EngineWorker w = interp.newWorker();
        cpu.r[Cpu.RCX] = 100;
        cpu.rip = 0x1000;
        runToHalt(cpu, w);
        w.flushStatistics();
        assertEquals(300, cpu.r[Cpu.RAX]);
        // each pass runs A then B; after the first pass both are reached through links
        assertTrue(linked(interp) >= 2 * 99 - 2, "linked blocks: " + linked(interp));

        // B's immediate becomes 5: B is invalidated, and A's link to it must not be followed
        cpu.ram.write8(0x1012, 5);
        cpu.halted = false;
        cpu.r[Cpu.RAX] = 0;
        cpu.r[Cpu.RCX] = 100;
        cpu.rip = 0x1000;
        runToHalt(cpu, w);
        assertEquals(600, cpu.r[Cpu.RAX]);
    }
}
