package org.apboot.jit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.engine.EngineWorker;
import org.apboot.core.engine.ExitReason;
import org.apboot.core.fault.CpuException;
import org.apboot.core.interp.DecodedBlock;
import org.apboot.core.interp.Interpreter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The translator keeps a register the block uses only as a 32-bit value in an {@code int}
 * local, and 32-bit flag records as ints: these blocks mix 32-bit operations with 8-, 16- and
 * 64-bit ones on the same registers, run executors in the middle, fault with int locals live
 * (in a loop's first pass and in a later one), and read flags after records that were dropped
 * or deferred. The registers start with their upper halves set (those used in addresses aside),
 * so a write-back that widened an int local which was not written shows. The reference is the interpreter, stepped from the
 * same start.
 */
class IntLocalsTest {
    private static final long CODE = 0x1000;
    private static final long UNMAPPED = 0x80_0000; // 8 MiB, beyond the 4 MiB mapped
    private static final int MAPPED_MIB = 4;

    /*
     * Block A (64-bit):                               Block B (64-bit), a loop:
     *  0 mov %eax,%ecx      6 add %r8d,%r9d             1: add %ecx,%eax
     *  1 mov %bl,%al        7 mov (%r10),%r11d             mov (%rdi,%rcx,8),%edx
     *  2 add %edx,%esi      8 add %r12d,%r13d              xor %edx,%ebx
     *  3 movzbl %dl,%edi (interpreter-run)                 inc %ecx
     *  4 add %edi,%esi      9 xor %r11d,%esi               cmp %esi,%ecx
     *  5 sub $3,%r8w       10 hlt                          jne 1b
     */
    private static final String BLOCK_A = "89c188d801d60fb6fa01fe664183e8034501c1458b1a4501e54431def4";
    private static final String BLOCK_B = "01c88b14cf31d3ffc139f175f3f4";

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        // the load faults: r13 (int, written only after it) keeps its upper half; esi, r9d
        // (ints written before it) are zero-extended; rdi comes from the executor
        "'A: fault at the load, int locals live', " + BLOCK_A + ", " + UNMAPPED + ", 0",
        "'A: no fault', " + BLOCK_A + ", 0x2000, 0",
        // rcx counts up from 0: the load at rdi + 8 rcx leaves the mapped 4 MiB in the 4th pass,
        // where ebx (an int written after the load) holds the previous pass's value
        "'B: fault in a later pass of the loop', " + BLOCK_B + ", 0x3FFFE8, 0",
        "'B: fault in the first pass', " + BLOCK_B + ", " + (MAPPED_MIB << 20) + ", 0",
        "'B: the loop runs out', " + BLOCK_B + ", 0x2000, 0",
        "'B: the budget ends the loop', " + BLOCK_B + ", 0x2000, 7",
    })
    void translatedBlockLeavesTheInterpretersState(String what, String code, long address, int budget) {
        Cpu jit = start(code, address);
        Cpu ref = start(code, address);
        DecodedBlock decoded = new Interpreter(jit.ram).cache().build(jit, CODE);
        int n = decoded.insns.length;
        BlockCompiler.Result r = BlockCompiler.compile(decoded, n, 64);
        CompiledBlock block = BlockLoader.define(r, decoded, n);
        BlockExit exit = new BlockExit();
        long before = jit.instructions;
        long retired;
        try {
            retired = block.execute(jit, exit, budget == 0 ? 1 << 20 : budget);
        } catch (CpuException e) {
            assertEquals(14, e.vector, what + ": #PF expected");
            retired = exit.faultRetired;
        }
        retired += jit.instructions - before; // passes a loop retired itself
        EngineWorker interp = new Interpreter(ref.ram).newWorker();
        for (long k = 0; k < retired; k++) {
            interp.step(ref);
        }
        assertEquals(TestCpus.state(ref), TestCpus.state(jit), what);
        assertMemoryEqual(ref, jit);
    }

    /*
     * Block C (64-bit), the ALU loop then a reader of the CF the DEC record kept:
     *   1: add %ecx,%eax; shl $1,%edx; adc %edx,%ebx; rol $3,%eax; sub %ebx,%esi; dec %ecx; jnz 1b
     *      sbb %edi,%edi; hlt
     * Block D (64-bit), a loop mixing partial and 32-bit writes of the same registers:
     *   1: mov %ecx,%eax; mov %al,%dl; add $0x1234,%dx; movzwl %dx,%ebx (interpreter-run)
     *      add %ebx,%esi; lea 0x10(%rsi,%rax,2),%edi; dec %ecx; jnz 1b; hlt
     */
    @ParameterizedTest(name = "{0}, budget {2}")
    @CsvSource({
        "'C: flags after dropped and deferred records', 01c8d1e211d3c1c00329deffc975f119fff4, 1000000",
        "'C: flags after dropped and deferred records', 01c8d1e211d3c1c00329deffc975f119fff4, 13",
        "'D: partial and 32-bit writes in a loop', 89c888c26681c234120fb7da01de8d7c4610ffc975eaf4, 1000000",
        "'D: partial and 32-bit writes in a loop', 89c888c26681c234120fb7da01de8d7c4610ffc975eaf4, 11",
    })
    void loopRunsAsUnderTheInterpreter(String what, String code, long budget) {
        Cpu jit = start(code, 0x2000);
        Cpu ref = start(code, 0x2000);
        runToHalt(new JitEngine(jit.ram, JitSettings.DEFAULT.withThreshold(0)).newWorker(), jit, budget);
        runToHalt(new Interpreter(ref.ram).newWorker(), ref, budget);
        assertEquals(TestCpus.state(ref), TestCpus.state(jit), what);
        assertEquals(ref.instructions, jit.instructions, what + ": instructions retired");
        assertMemoryEqual(ref, jit);
    }

    private static void runToHalt(EngineWorker w, Cpu c, long budget) {
        for (int calls = 0; calls < 1_000_000; calls++) {
            int exit = w.run(c, budget);
            if (exit == ExitReason.HALT) {
                return;
            }
            assertTrue(exit == ExitReason.BUDGET, "exit " + ExitReason.name(exit));
        }
        fail("no HLT");
    }

    private static void assertMemoryEqual(Cpu ref, Cpu jit) {
        byte[] a = new byte[0x10000], b = new byte[0x10000];
        ref.ram.copyOut(0, a, 0, a.length);
        jit.ram.copyOut(0, b, 0, b.length);
        assertArrayEquals(a, b, "guest memory");
    }

    /** 64-bit mode, the code at CODE, every register with its upper half set. */
    private static Cpu start(String code, long address) {
        Cpu c = TestCpus.long64(MAPPED_MIB);
        c.ram.load(CODE, TestCpus.hex(code));
        c.rip = CODE;
        for (int r = 0; r < 16; r++) {
            c.r[r] = 0xA5A5_0000_0000_0000L | ((long) r << 32) | 0x0101_0101L * (r + 1);
        }
        // blocks C and D count ecx down from 64; block B counts rcx up from 0 (it indexes memory)
        c.r[Cpu.RCX] = code.equals(BLOCK_B) ? 0 : 0x5A5A_0000_0000_0040L;
        c.r[Cpu.RSP] = 0x8000;
        c.r[Cpu.RSI] = 0xA5A5_0000_0000_000AL; // block B's bound: 10 passes
        c.r[Cpu.RDI] = address; // block B's load base
        c.r[10] = address; // block A's load address
        c.ram.write(0x2000, 8, 0x1122_3344_5566_7788L);
        return c;
    }
}
