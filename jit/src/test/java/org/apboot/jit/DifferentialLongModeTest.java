package org.apboot.jit;

import org.junit.jupiter.api.Test;

/**
 * The translator against the interpreter on random instruction streams in 64-bit long mode
 * (4-level paging with a not-present and a read-only range, RIP-relative and FS/GS-based
 * operands, REX byte registers): identical registers, RIP, RFLAGS, CR2, retired count and RAM.
 */
class DifferentialLongModeTest {
    @Test
    void translatedAtOnceMatchesInterpreter() {
        DiffHarness.check(DiffMode.LONG64, DiffHarness.Variant.AT_ONCE, 3000,
                "DifferentialLongModeTest#translatedAtOnceMatchesInterpreter");
    }

    @Test
    void defaultThresholdMatchesInterpreter() {
        DiffHarness.check(DiffMode.LONG64, DiffHarness.Variant.DEFAULT, 300,
                "DifferentialLongModeTest#defaultThresholdMatchesInterpreter");
    }

    @Test
    void tinyCodeCacheMatchesInterpreter() {
        DiffHarness.check(DiffMode.LONG64, DiffHarness.Variant.TINY_CACHE, 150,
                "DifferentialLongModeTest#tinyCodeCacheMatchesInterpreter");
    }
}
