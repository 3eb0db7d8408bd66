package org.apboot.jit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.atomic.AtomicBoolean;
import org.apboot.core.cpu.Cpu;
import org.apboot.core.engine.Engine;
import org.apboot.core.engine.EngineWorker;
import org.apboot.core.engine.ExitReason;
import org.apboot.core.interp.Interpreter;
import org.apboot.core.mem.MemoryMap;
import org.apboot.core.mem.MmioBus;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Publication of decoded and translated code races with guest writes from another host thread,
 * for code in low RAM and in a RAM region outside it: one thread rewrites the immediate of {@code mov $imm,%eax; hlt} again and again while another
 * runs that code; once the writer has stopped, the code must run with the last value written
 * (a block decoded or translated from stale bytes must never stay valid).
 */
class CodePublicationRaceTest {
    private static final long CODE = 0x1000;
    private static final long REGION = 0xE000_0000L;
    private static final int ROUNDS = 300;
    private static final int WRITES = 400;

    @ParameterizedTest(name = "{0}, code in {1}")
    @CsvSource({"interp,low RAM", "jit,low RAM", "interp,a region", "jit,a region"})
    void codeRewrittenByAnotherThreadIsNeverServedStale(String name, String where) throws Exception {
        Cpu runner = TestCpus.flat32(0xFFFF_FFFFL);
        Engine engine = name.equals("jit")
                ? new JitEngine(runner.ram, JitSettings.DEFAULT.withThreshold(0)) : new Interpreter(runner.ram);
        EngineWorker worker = engine.newWorker();
        long code = CODE;
        java.util.function.IntConsumer store = v -> runner.ram.write32(CODE + 1, v);
        if (where.equals("a region")) {
            // RAM outside low RAM: the writer stores as another vCPU would, through the map
            MemoryMap map = new MemoryMap(runner.ram, MmioBus.EMPTY);
            map.mapRam("ram", REGION, 0x10000);
            runner.mmio = map;
            code = REGION + CODE;
            store = v -> map.write(1, REGION + CODE + 1, 4, v);
        }
        byte[] movHlt = TestCpus.hex("b800000000f4"); // mov $0,%eax; hlt
        if (code == CODE) {
            runner.ram.load(code, movHlt);
        } else {
            ((MemoryMap) runner.mmio).write(code, movHlt, 0, movHlt.length);
        }
        java.util.function.IntConsumer writes = store;
        for (int round = 0; round < ROUNDS; round++) {
            int base = round * WRITES;
            AtomicBoolean done = new AtomicBoolean();
            Thread writer = new Thread(() -> {
                for (int v = 1; v <= WRITES; v++) {
                    writes.accept(base + v);
                }
                done.set(true);
            });
            writer.start();
            while (!done.get()) {
                runOnce(runner, worker, code);
            }
            writer.join();
            assertEquals(base + WRITES, runOnce(runner, worker, code), "round " + round + ": value after the last write");
        }
    }

    private static long runOnce(Cpu cpu, EngineWorker worker, long code) {
        cpu.rip = code;
        cpu.halted = false;
        assertEquals(ExitReason.HALT, worker.run(cpu, 100));
        return cpu.r[Cpu.RAX];
    }
}
