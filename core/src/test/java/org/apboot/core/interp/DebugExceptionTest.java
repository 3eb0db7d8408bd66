package org.apboot.core.interp;

import static org.apboot.GuestPrograms.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.apboot.GuestPrograms;
import org.apboot.X86Machine;
import org.junit.jupiter.api.Test;

/**
 * Debug exceptions the processor raises by itself (Intel SDM vol. 3 chapter 18), run through the
 * interpreter in real mode: single-step traps, instruction breakpoints (faults) and data
 * breakpoints (traps). The #DB handlers log the return IP they find on the stack (and DR6), so
 * each test checks exactly which instructions trapped. Programs are assembled from the GNU as
 * sources quoted above each array ({@code .code16}, linked at 0x7c00).
 */
class DebugExceptionTest {
    private static final Duration T = Duration.ofSeconds(30);

    /*
     *   IVT[1] = db; IVT[0x30] = int30; mov $0x600,%di
     *   pushf; pop %ax; or $0x100,%ax; push %ax; popf        (sets TF)
     *   s1: nop / s2: nop / s3: int $0x30 / s4: nop / s5: pushf / s6: pop %ax /
     *   s7: and $0xfeff,%ax / s8: push %ax / s9: popf (clears TF) / s10: nop
     *   mov %dr6,%eax; mov %eax,0x700; hlt
     *   db: push %bp; mov %sp,%bp; mov 2(%bp),%ax; mov %ax,(%di); add $2,%di; pop %bp; iret
     *   int30: movw $0x3030,0x710; iret
     * s1 = 0x7c22, s2 = 0x7c23, s3 = 0x7c24, s4 = 0x7c26, s5 = 0x7c27, s6 = 0x7c28, s7 = 0x7c29,
     * s8 = 0x7c2c, s9 = 0x7c2d, s10 = 0x7c2e.
     */
    private static final byte[] SINGLE_STEP = bytes(
            0xc7, 0x06, 0x04, 0x00, 0x37, 0x7c, 0xc7, 0x06, 0x06, 0x00, 0x00, 0x00, 0xc7, 0x06, 0xc0, 0x00,
            0x44, 0x7c, 0xc7, 0x06, 0xc2, 0x00, 0x00, 0x00, 0xbf, 0x00, 0x06, 0x9c, 0x58, 0x0d, 0x00, 0x01,
            0x50, 0x9d, 0x90, 0x90, 0xcd, 0x30, 0x90, 0x9c, 0x58, 0x25, 0xff, 0xfe, 0x50, 0x9d, 0x90, 0x0f,
            0x21, 0xf0, 0x66, 0xa3, 0x00, 0x07, 0xf4, 0x55, 0x89, 0xe5, 0x8b, 0x46, 0x02, 0x89, 0x05, 0x83,
            0xc7, 0x02, 0x5d, 0xcf, 0xc7, 0x06, 0x10, 0x07, 0x30, 0x30, 0xcf);

    /*
     *   IVT[1] = db; mov $0x600,%di
     *   DR0 = target (L0, RW0 = 00 execute, LEN0 = 00); DR1 = 0x800 (L1, RW1 = 01 write, LEN1 = 01:
     *   2 bytes): mov $0x00500005,%eax; mov %eax,%dr7
     *   target: nop / mov 0x800,%ax (a read: no hit) / movw $7,0x801 (overlaps 0x800-0x801) /
     *   after: nop / mov %dr6,%eax; mov %eax,0x700; hlt
     *   db: push %bp; mov %sp,%bp; mov 2(%bp),%ax; mov %ax,(%di); add $2,%di;
     *       mov %dr6,%eax; mov %eax,(%di); add $4,%di; xor %eax,%eax; mov %eax,%dr6;
     *       mov %dr7,%eax; and $0xfffffffc,%eax; mov %eax,%dr7 (disarm DR0: it would fault again);
     *       pop %bp; iret
     * target = 0x7c2a, after = 0x7c34.
     */
    private static final byte[] BREAKPOINTS = bytes(
            0xc7, 0x06, 0x04, 0x00, 0x3d, 0x7c, 0xc7, 0x06, 0x06, 0x00, 0x00, 0x00, 0xbf, 0x00, 0x06, 0x66,
            0xb8, 0x2a, 0x7c, 0x00, 0x00, 0x0f, 0x23, 0xc0, 0x66, 0xb8, 0x00, 0x08, 0x00, 0x00, 0x0f, 0x23,
            0xc8, 0x66, 0xb8, 0x05, 0x00, 0x50, 0x00, 0x0f, 0x23, 0xf8, 0x90, 0xa1, 0x00, 0x08, 0xc7, 0x06,
            0x01, 0x08, 0x07, 0x00, 0x90, 0x0f, 0x21, 0xf0, 0x66, 0xa3, 0x00, 0x07, 0xf4, 0x55, 0x89, 0xe5,
            0x8b, 0x46, 0x02, 0x89, 0x05, 0x83, 0xc7, 0x02, 0x0f, 0x21, 0xf0, 0x66, 0x89, 0x05, 0x83, 0xc7,
            0x04, 0x66, 0x31, 0xc0, 0x0f, 0x23, 0xf0, 0x0f, 0x21, 0xf8, 0x66, 0x83, 0xe0, 0xfc, 0x0f, 0x23,
            0xf8, 0x5d, 0xcf);

    private static X86Machine run(byte[] code) {
        X86Machine m = GuestPrograms.realMode(code);
        m.run(T);
        assertTrue(m.vcpu(0).halted());
        return m;
    }

    @Test
    void singleStepTrapsAfterEveryInstructionThatBeganWithTfSet() {
        X86Machine m = run(SINGLE_STEP);
        // not after the POPF that set TF, not after INT 30h (its handler ran with TF clear, and
        // its IRET began with TF clear), after the POPF that cleared TF, not after s10
        long[] expected = {0x7c23, 0x7c24, 0x7c27, 0x7c28, 0x7c29, 0x7c2c, 0x7c2d, 0x7c2e, 0};
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], m.read(0x600 + 2 * i, 2), "trap " + i);
        }
        assertEquals(0x3030, m.read(0x710, 2), "INT 30h handler ran");
        assertEquals(0xFFFF4FF0L, m.read(0x700, 4), "DR6: BS set");
    }

    @Test
    void instructionBreakpointFaultsBeforeAndDataBreakpointTrapsAfter() {
        X86Machine m = run(BREAKPOINTS);
        assertEquals(0x7c2a, m.read(0x600, 2), "instruction breakpoint: the IP of the instruction itself");
        assertEquals(0xFFFF0FF1L, m.read(0x602, 4), "DR6: B0");
        assertEquals(0x7c34, m.read(0x606, 2), "data breakpoint: the IP after the writing instruction");
        assertEquals(0xFFFF0FF2L, m.read(0x608, 4), "DR6: B1");
        assertEquals(0, m.read(0x60C, 2), "the read of the watched word did not trap");
        assertEquals(7, m.read(0x801, 2));
        assertEquals(0xFFFF0FF0L, m.read(0x700, 4), "DR6 as the handler cleared it");
    }
}
