package org.apboot.core.interp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.apboot.core.cpu.Cpu;
import org.apboot.core.engine.EngineWorker;
import org.apboot.core.engine.ExitReason;
import org.apboot.core.semantics.Flags;
import org.apboot.core.semantics.TestCpus;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A decoded block goes on past a forward Jcc; run as a block, a taken Jcc leaves it right there,
 * and the result is the one single-stepping gives: registers, flags, RIP, memory and the count
 * of retired instructions. The code (flat 32-bit at 0x1000), also with a Jcc pair (CMP then Jcc
 * run as one step) inside the block:
 * <pre>
 * 1000 mov (%esi),%eax    100a mov %ebx,(%edi)    1010 inc %ecx
 * 1002 cmp $5,%eax        100c test %eax,%eax     1011 hlt
 * 1005 je 0x1010          100e js 0x1011
 * 1007 add $1,%ebx
 * </pre>
 */
class SideExitTest {
    private static final byte[] CODE = {
        (byte) 0x8B, 0x06, (byte) 0x83, (byte) 0xF8, 0x05, 0x74, 0x09, (byte) 0x83, (byte) 0xC3, 0x01,
        (byte) 0x89, 0x1F, (byte) 0x85, (byte) 0xC0, 0x78, 0x01, 0x41, (byte) 0xF4,
    };

    private static Cpu start(int eax) {
        Cpu cpu = TestCpus.prot32(0);
        cpu.ram.load(0x1000, CODE);
        cpu.rip = 0x1000;
        cpu.r[Cpu.RSI] = 0x2000;
        cpu.r[Cpu.RDI] = 0x3000;
        cpu.r[Cpu.RBX] = 0x40;
        cpu.r[Cpu.RCX] = 0x41;
        cpu.ram.write(0x2000, 4, eax & 0xFFFF_FFFFL);
        return cpu;
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "'je taken', 5, 5, 0x40, 0x42",
        "'js taken', -1, 8, 0x41, 0x41",
        "'neither taken', 7, 9, 0x41, 0x42",
    })
    void aBlockLeavesAtATakenJccAsSingleSteppingDoes(String what, int eax, int instructions, long rbx, long rcx) {
        Cpu blocks = start(eax);
        Interpreter engine = new Interpreter(blocks.ram);
        DecodedBlock b = engine.cache().build(blocks, 0x1000);
        assertEquals(9, b.insns.length, "the forward Jccs do not end the block");
        assertTrue(b.innerBranches);
        EngineWorker w = engine.newWorker();
        assertEquals(ExitReason.HALT, w.run(blocks, 1000));

        Cpu stepped = start(eax);
        EngineWorker s = new Interpreter(stepped.ram).newWorker();
        while (!stepped.halted) {
            s.step(stepped);
        }
        assertEquals(instructions, blocks.instructions, what + ": retired");
        assertEquals(stepped.instructions, blocks.instructions, what);
        assertEquals(rbx, blocks.r[Cpu.RBX], what + ": RBX");
        assertEquals(rcx, blocks.r[Cpu.RCX], what + ": RCX");
        assertEquals(0x1012, blocks.rip, what + ": RIP after the HLT");
        assertTrue(Arrays.equals(stepped.r, blocks.r), what + ": registers");
        assertEquals(Flags.rflags(stepped), Flags.rflags(blocks), what + ": RFLAGS");
        assertEquals(stepped.ram.read(0x3000, 4), blocks.ram.read(0x3000, 4), what + ": the store");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "'backward jnz', '49 75 FD F4', 2",   // dec %ecx; jnz 0x1000 (its own start); hlt
        "'forward jnz', '49 75 01 90 F4', 4", // dec %ecx; jnz 0x1004; nop; hlt
    })
    void onlyAForwardJccLetsTheBlockGoOn(String what, String hex, int length) {
        Cpu cpu = TestCpus.prot32(0);
        String[] parts = hex.split(" ");
        byte[] code = new byte[parts.length];
        for (int k = 0; k < code.length; k++) {
            code[k] = (byte) Integer.parseInt(parts[k], 16);
        }
        cpu.ram.load(0x1000, code);
        cpu.rip = 0x1000;
        DecodedBlock b = new Interpreter(cpu.ram).cache().build(cpu, 0x1000);
        assertEquals(length, b.insns.length, what);
        assertEquals(length > 2, b.innerBranches, what);
    }
}
