package org.apboot.jit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.atomic.AtomicBoolean;
import org.apboot.core.cpu.Cpu;
import org.apboot.core.engine.Engine;
import org.apboot.core.engine.EngineWorker;
import org.apboot.core.engine.ExitReason;
import org.apboot.core.interp.Interpreter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Publication of decoded and translated code races with guest writes from another host thread:
 * one thread rewrites the immediate of {@code mov $imm,%eax; hlt} again and again while another
 * runs that code; once the writer has stopped, the code must run with the last value written
 * (a block decoded or translated from stale bytes must never stay valid).
 */
class CodePublicationRaceTest {
    private static final long CODE = 0x1000;
    private static final int ROUNDS = 300;
    private static final int WRITES = 400;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"interp", "jit"})
    void codeRewrittenByAnotherThreadIsNeverServedStale(String name) throws Exception {
        Cpu runner = TestCpus.flat32(0xFFFF_FFFFL);
        Engine engine = name.equals("jit")
                ? new JitEngine(runner.ram, JitSettings.DEFAULT.withThreshold(0)) : new Interpreter(runner.ram);
        EngineWorker worker = engine.newWorker();
        runner.ram.load(CODE, TestCpus.hex("b800000000f4")); // mov $0,%eax; hlt
        for (int round = 0; round < ROUNDS; round++) {
            int base = round * WRITES;
            AtomicBoolean done = new AtomicBoolean();
            Thread writer = new Thread(() -> {
                for (int v = 1; v <= WRITES; v++) {
                    runner.ram.write32(CODE + 1, base + v);
                }
                done.set(true);
            });
            writer.start();
            while (!done.get()) {
                runOnce(runner, worker);
            }
            writer.join();
            assertEquals(base + WRITES, runOnce(runner, worker), "round " + round + ": value after the last write");
        }
    }

    private static long runOnce(Cpu cpu, EngineWorker worker) {
        cpu.rip = CODE;
        cpu.halted = false;
        assertEquals(ExitReason.HALT, worker.run(cpu, 100));
        return cpu.r[Cpu.RAX];
    }
}
