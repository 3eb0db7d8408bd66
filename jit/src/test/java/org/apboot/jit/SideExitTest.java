package org.apboot.jit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.decode.Insn;
import org.apboot.core.fault.CpuException;
import org.apboot.core.interp.DecodedBlock;
import org.apboot.core.interp.Interpreter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A block goes on past a forward Jcc; when the Jcc is taken the translated block leaves right
 * after it (the side exit) with the state, RIP and retired count the interpreter has after
 * stepping the same instructions; when none is taken it runs to its end. A fault after a Jcc
 * that fell through, and a taken Jcc whose target lies beyond the CS limit (#GP at the Jcc), are
 * as precise as anywhere else.
 *
 * <p>The block (flat 32-bit, code at 0x1000, data segments limited to 0xFFFF):
 * <pre>
 *  0 1000 mov (%esi),%eax    4 100a mov %ebx,(%edi)     8 1011 hlt (not translated here)
 *  1 1002 cmp $5,%eax        5 100c test %eax,%eax
 *  2 1005 je 0x1010          6 100e js 0x1011
 *  3 1007 add $1,%ebx        7 1010 inc %ecx
 * </pre>
 */
class SideExitTest {
    private static final String BLOCK = "8b0683f805740983c301891f85c0780141f4";
    private static final long CODE = 0x1000;
    private static final long LIMIT = 0xFFFF;

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "'je taken', 5, 0x3000, 0, 3, 0x1010, 2, -1",
        "'js taken', -1, 0x3000, 0, 7, 0x1011, 2, -1",
        "'neither taken', 7, 0x3000, 0, 8, 0x1011, 1, -1",
        "'store faults after je fell through', 7, 0x10000, 0, 4, 0x100a, -1, 13",
        "'je taken to beyond the CS limit faults', 5, 0x3000, 0x100f, 2, 0x1005, -1, 13",
    })
    void leavesWhereTheInterpreterLeaves(String what, int eax, long edi, long csLimit, int retiredExpected,
            long ripExpected, int exitKind, int vector) {
        Cpu jit = start(eax, edi, csLimit);
        Cpu ref = start(eax, edi, csLimit);
        DecodedBlock decoded = new Interpreter(jit.ram).cache().build(jit, CODE);
        assertEquals(9, decoded.insns.length, "the forward Jccs do not end the block");
        assertTrue(decoded.innerBranches);
        BlockCompiler.Result r = BlockCompiler.compile(decoded, 8, 32);
        CompiledBlock block = BlockLoader.define(r, decoded, 8);
        BlockExit exit = new BlockExit();
        int retired;
        try {
            retired = block.execute(jit, exit, 1 << 20);
            assertEquals(-1, vector, what + ": no fault expected");
            assertEquals(exitKind, exit.exit, what + ": exit");
        } catch (CpuException e) {
            assertEquals(vector, e.vector, what);
            retired = exit.faultRetired;
        }
        assertEquals(retiredExpected, retired, what + ": retired");
        assertEquals(ripExpected, jit.rip, what + ": RIP");
        TestCpus.assertSameAsStepped(ref, jit, retired, what);
    }

    /** The CPU at the block's start; {@code csLimit} 0 leaves CS flat. */
    private static Cpu start(int eax, long edi, long csLimit) {
        Cpu c = TestCpus.flat32(LIMIT);
        if (csLimit != 0) {
            c.seg[Insn.CS].limit = csLimit;
            c.updateMode();
        }
        c.ram.load(CODE, TestCpus.hex(BLOCK));
        c.rip = CODE;
        c.r[Cpu.RSI] = 0x2000;
        c.r[Cpu.RDI] = edi;
        c.r[Cpu.RBX] = 0x40;
        c.r[Cpu.RCX] = 0x41;
        c.ram.write(0x2000, 4, eax & 0xFFFF_FFFFL);
        return c;
    }
}
