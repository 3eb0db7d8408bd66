package org.apboot.jit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.decode.Insn;
import org.apboot.core.fault.CpuException;
import org.apboot.core.interp.DecodedBlock;
import org.apboot.core.interp.Interpreter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A guest fault in the middle of a translated block leaves exactly the state the interpreter
 * has before the faulting instruction: registers, RFLAGS, memory, RIP at the faulting
 * instruction, and the count of instructions retired before it. The reference state is the
 * interpreter's after stepping exactly that many instructions from the same start.
 *
 * <p>The block (flat 32-bit, code at 0x1000, data segments limited to 0xFFFF):
 * <pre>
 *  0 mov $1,%eax        5 mov (%edi),%edx    10 cmpl $7,4(%esi)
 *  1 add $5,%ebx        6 sub %ecx,%eax      11 xor %eax,%eax
 *  2 cmp %eax,%ebx      7 shl $3,%edx        12 movzbl (%edi),%ecx  (interpreter-run)
 *  3 mov %eax,(%esi)    8 push %eax          13 test %ecx,%ecx
 *  4 inc %ecx           9 adc 0(%ebp),%ebx   14 jnz 0x8023
 * </pre>
 * (a {@code hlt} after the {@code jnz} ends the decoded block; the test translates the 15 above).
 * Each case points one operand beyond its segment limit (or the branch target beyond CS).
 */
class FaultPrecisionTest {
    private static final String BLOCK = "b80100000083c30539c38906418b1729c8c1e20350135d00837e040731c00fb60f85c90f85fa6f0000f4";
    private static final long CODE = 0x1000;
    private static final long LIMIT = 0xFFFF;

    @ParameterizedTest(name = "fault at instruction {0} ({1})")
    @CsvSource({
        "3, 'store through esi beyond DS', 13",
        "5, 'load through edi beyond DS', 13",
        "8, 'push with esp wrapping below SS', 12",
        "9, 'adc through ebp beyond SS', 12",
        "10, 'cmpl at esi+4 beyond DS', 13",
        "14, 'jnz target beyond CS', 13",
        "15, 'no fault: the whole block retires', -1",
    })
    void faultLeavesTheInterpretersState(int at, String what, int vector) {
        Cpu jit = start(at);
        Cpu ref = start(at);
        DecodedBlock decoded = new Interpreter(jit.ram).cache().build(jit, CODE);
        assertEquals(16, decoded.insns.length, "the forward jnz does not end the decoded block; the hlt does");
        BlockCompiler.Result r = BlockCompiler.compile(decoded, 15, 32);
        CompiledBlock block = BlockLoader.define(r, decoded, 15);
        BlockExit exit = new BlockExit();
        int retired;
        try {
            retired = block.execute(jit, exit, 1 << 20);
            if (vector >= 0) {
                fail("expected vector " + vector + " at instruction " + at);
            }
        } catch (CpuException e) {
            assertEquals(vector, e.vector, what);
            retired = exit.faultRetired;
        }
        assertEquals(at, retired, "instructions retired before the fault");
        TestCpus.assertSameAsStepped(ref, jit, at, what);
    }

    /** The CPU at the block's start, with the operand of instruction {@code at} out of bounds. */
    private static Cpu start(int at) {
        Cpu c = TestCpus.flat32(LIMIT);
        c.ram.load(CODE, TestCpus.hex(BLOCK));
        c.rip = CODE;
        c.r[Cpu.RBX] = 0x7FFF_FFF0L; // add $5 then adc: carries and overflow in the flags
        c.r[Cpu.RCX] = 0x41;
        c.r[Cpu.RSI] = at == 3 ? LIMIT - 1 : at == 10 ? LIMIT - 5 : 0x2000;
        c.r[Cpu.RDI] = at == 5 ? LIMIT + 1 : 0x3000;
        c.r[Cpu.RSP] = at == 8 ? 2 : 0x8000;
        c.r[Cpu.RBP] = at == 9 ? LIMIT - 2 : 0x4000;
        c.ram.write(0x3000, 4, 0x1234_5678L);
        c.ram.write(0x4000, 4, 0x0F0F_0F0FL);
        if (at == 14) {
            c.seg[Insn.CS].limit = 0x2000;
            c.updateMode();
        }
        if (at == 15) {
            c.ram.write(0x3000, 1, 0); // movzbl gives 0: jnz falls through
        }
        return c;
    }
}
