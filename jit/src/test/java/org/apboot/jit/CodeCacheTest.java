package org.apboot.jit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import org.apboot.Reg;
import org.apboot.X86Machine;
import org.apboot.core.engine.EngineFactory;
import org.apboot.core.interp.Interpreter;
import org.junit.jupiter.api.Test;

/**
 * The code cache: sub-page self-modifying code, bounded size with eviction, tiering, and
 * translation shared by many vCPUs on two host threads. Programs run in 64-bit mode at 0x10000
 * (bytes assembled with GNU as; the source is beside each).
 */
class CodeCacheTest {
    private static final long CODE = 0x10000;
    private static final long PML4 = 0x100000;

    /** Runs {@code hex} on vCPU 0 (and {@code cpus - 1} more at the same code) to completion. */
    private static X86Machine run(String hex, EngineFactory engine, int cpus, int threads) {
        X86Machine m = X86Machine.builder().ramBytes(4 << 20).cpus(cpus).hostThreads(threads).engine(engine).build();
        m.load(CODE, TestCpus.hex(hex));
        for (int i = 0; i < cpus; i++) {
            m.vcpu(i).long64(PML4, CODE, 0x9000 - 0x100L * i);
            if (i > 0) {
                m.start(i);
            }
        }
        assertFalse(m.run(Duration.ofSeconds(60)), "timed out");
        for (int i = 0; i < cpus; i++) {
            assertTrue(m.vcpu(i).halted(), "vCPU " + i + " halted");
        }
        return m;
    }

    private static EngineFactory jit(JitSettings s) {
        return ram -> new JitEngine(ram, s);
    }

    private static final EngineFactory JIT0 = jit(JitSettings.DEFAULT.withThreshold(0));

    /*
     *   mov $100000,%ecx
     * 1: mov %ecx,data(%rip)   # data: 8 bytes after the loop, on the same 64-byte line
     *   dec %ecx; jnz 1b; hlt
     * data: .quad 0
     */
    @Test
    void writesToDataBesideCodeInvalidateNothing() {
        X86Machine m = run("b9a0860100890d05000000ffc975f6f40000000000000000", JIT0, 1, 1);
        assertEquals(1, m.read(CODE + 16, 8), "last value stored");
        assertEquals(0, m.statistics().counter("translated blocks invalidated"));
        assertEquals(0, m.statistics().invalidations());
    }

    /*
     *   movl $0x2a,patch+1(%rip)   # rewrites the immediate of a later instruction of this block
     *   nop
     * patch: mov $1,%eax
     *   hlt
     */
    @Test
    void aStoreIntoItsOwnBlockRunsTheNewCode() {
        String hex = "c705020000002a00000090b801000000f4";
        assertEquals(0x2a, run(hex, Interpreter::new, 1, 1).vcpu(0).reg(Reg.RAX), "interpreter");
        X86Machine m = run(hex, JIT0, 1, 1);
        assertEquals(0x2a, m.vcpu(0).reg(Reg.RAX), "translator");
        assertTrue(m.statistics().counter("translated blocks invalidated") >= 1);
    }

    /*
     *   mov $1000,%ecx; xor %ebx,%ebx
     * 1: call f; add %eax,%ebx
     *   incl f+1(%rip)         # f returns one more each time
     *   dec %ecx; jnz 1b; hlt
     * f: mov $0,%eax; ret
     */
    private static final String REWRITTEN_FUNCTION = "b9e803000031dbe80d00000001c3ff0506000000ffc975eff4b800000000c3";

    @Test
    void codeRewrittenBetweenCallsIsRetranslated() {
        assertEquals(499_500, run(REWRITTEN_FUNCTION, Interpreter::new, 1, 1).vcpu(0).reg(Reg.RBX), "interpreter");
        X86Machine m = run(REWRITTEN_FUNCTION, JIT0, 1, 1);
        assertEquals(499_500, m.vcpu(0).reg(Reg.RBX), "translator");
        assertTrue(m.statistics().counter("translated blocks invalidated") >= 999,
                m.statistics().engineCounters().toString());
    }

    /*
     *   mov $200,%ecx
     * 1: jmp b0
     * bN: inc %eax; jmp bN+1     (N = 0..31: 33 distinct blocks in all)
     * b32: dec %ecx; jnz 1b; hlt
     */
    private static final String MANY_BLOCKS = "b9c8000000eb00" + "ffc0eb00".repeat(32) + "ffc90f8576fffffff4";

    @Test
    void aFullCacheDropsAGenerationAndStaysBounded() {
        unverified();
        JitEngine[] engine = new JitEngine[1];
        X86Machine m = run(MANY_BLOCKS, ram -> engine[0] = new JitEngine(ram, new JitSettings(0, 8)), 1, 1);
        assertEquals(200 * 32, m.vcpu(0).reg(Reg.RAX));
        assertTrue(m.statistics().counter("translated blocks evicted") > 0, m.statistics().engineCounters().toString());
        assertTrue(engine[0].translatedBlocks() <= 8, "blocks in the cache: " + engine[0].translatedBlocks());
    }

    @Test
    void aGuestThatRewritesCodeForeverKeepsClassesBounded() {
        // 20 x 1000 rewrites of f: 20,000 translations of f, each a hidden class, each dropped
        unverified();
        long loadedBefore = loadedClassesAfterGc();
        for (int i = 0; i < 20; i++) {
            assertEquals(499_500, run(REWRITTEN_FUNCTION, JIT0, 1, 1).vcpu(0).reg(Reg.RBX));
        }
        long growth = loadedClassesAfterGc() - loadedBefore;
        assertTrue(growth < 5_000, "loaded classes grew by " + growth + " over 20,000 translations");
    }

    /**
     * The two tests that translate thousands of blocks skip the per-class CheckClassAdapter pass
     * the test build enables (the same code shapes are verified by the other tests).
     */
    private static void unverified() {
        BlockLoader.verify = false;
    }

    @org.junit.jupiter.api.AfterEach
    void verifyAgain() {
        BlockLoader.verify = Boolean.getBoolean("apboot.jit.verify");
    }

    private static long loadedClassesAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getClassLoadingMXBean().getLoadedClassCount();
    }

    @Test
    void hotBlocksAreTranslatedTogetherIntoFewClasses() {
        X86Machine m = run(MANY_BLOCKS, jit(new JitSettings(1, 16_384, 8, false)), 1, 1);
        assertEquals(200 * 32, m.vcpu(0).reg(Reg.RAX));
        X86Machine.Statistics st = m.statistics();
        // b0..b31, the loop's tail (dec; jnz) and its head (jmp b0) run 200 times and get hot;
        // the first block and the hlt run once and stay in the interpreter
        assertEquals(34, st.counter("blocks translated"), st.engineCounters().toString());
        assertTrue(st.counter("classes defined") <= 6, st.engineCounters().toString());
    }

    /* mov $N,%ecx; 1: dec %ecx; jnz 1b; hlt  (N = 3 or 100) */
    @Test
    void blocksRunInTheInterpreterUntilHot() {
        String three = "b903000000ffc975fcf4";
        String hundred = "b964000000ffc975fcf4";
        JitSettings five = JitSettings.DEFAULT.withThreshold(5).withBackground(false);
        assertEquals(0, run(three, jit(five), 1, 1)
                .statistics().counter("blocks translated"), "loop run 3 times, threshold 5");
        assertEquals(1, run(hundred, jit(five), 1, 1)
                .statistics().counter("blocks translated"), "only the loop gets hot");
        assertEquals(3, run(three, JIT0, 1, 1).statistics().counter("blocks translated"), "threshold 0: every block");
    }

    @Test
    void backgroundTranslationLetsTheVcpuRunOnAndPublishesLater() throws Exception {
        // the loop of 100,000 passes gets hot after 2 + 16 interpreted runs; the vCPU keeps
        // interpreting while the translator thread works, then runs the translation
        X86Machine m = run("b9a0860100ffc975fcf4", jit(JitSettings.DEFAULT), 1, 1);
        assertEquals(0, m.vcpu(0).reg(Reg.RCX));
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (m.statistics().counter("blocks translated") < 1 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(m.statistics().counter("blocks translated") >= 1, m.statistics().engineCounters().toString());
    }

    /*
     *   mov $1000,%ecx; xor %eax,%eax
     * 1: add %ecx,%eax; dec %ecx; jnz 1b
     *   lock xadd %eax,0x8000; hlt
     */
    @Test
    void manyVcpusOnTwoHostThreadsShareOneTranslation() {
        X86Machine m = run("b9e803000031c001c8ffc975faf00fc1042500800000f4", JIT0, 64, 2);
        assertEquals(64L * 500_500, m.read(0x8000, 4), "sum of every vCPU's loop");
        // the entry block, the loop, and the block after it: each translated once for all 64
        assertEquals(3, m.statistics().counter("blocks translated"), m.statistics().engineCounters().toString());
    }
}
