package org.apboot.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every example runs on both engines and prints what its guest code implies: 1+..+100 = 5050
 * (0xba in the low byte the exit port takes), the AP's and BSP's console bytes, the trace in
 * objdump's syntax, the input that crashes the fuzzed code.
 */
class ExamplesTest {
    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void modeSnippets(String engine) {
        assertEquals("real16: exit-port status 0xba ax=5050\n"
                + "prot32 cpl3: address after 203 instructions, ebx=5050\n"
                + "long64: exit-port status 0xba rax=5050, page tables at 0x3fa000\n", ModeSnippets.run(engine));
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void apBringUp(String engine) {
        assertEquals("hlt; console \"AB\"; AP halted in real16 at 0800:000c\n", ApBringUp.run(engine));
    }

    /**
     * Setup: mov, 100,000 times (dec, jnz), mov, mov = 200,003 instructions. 4^3 inputs, one of
     * them BUG; each restore copies back the input page and the counter's page.
     */
    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void snapshotFuzz(String engine) {
        assertEquals("setup: 200003 instructions, once; 64 inputs, crashes: [BUG (status 0xad)]; 2.0 pages copied "
                + "back per restore; run counter after the last restore: 0\n", SnapshotFuzz.run(engine));
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void traceTrampoline(String engine) {
        assertEquals("  real16 07c0:00000000  lgdtl  %cs:0x40\n"
                + "  real16 07c0:00000007  mov    %cr0,%eax\n"
                + "  real16 07c0:0000000a  or     $0x1,%eax\n"
                + "  real16 07c0:0000000e  mov    %eax,%cr0\n"
                + "-- now prot16\n"
                + "  prot16 07c0:00000011  ljmpl  $0x8,$0x7c20\n"
                + "-- now prot32\n"
                + "  prot32 0008:00007c20  mov    $0x10,%ax\n"
                + "  prot32 0008:00007c24  mov    %eax,%ds\n"
                + "  prot32 0008:00007c26  hlt\n", TraceTrampoline.run(engine));
    }
}
