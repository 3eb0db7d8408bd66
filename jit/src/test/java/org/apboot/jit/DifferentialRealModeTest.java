package org.apboot.jit;

import org.junit.jupiter.api.Test;

/**
 * The translator against the interpreter on random instruction streams in 16-bit real mode
 * (16-bit addressing with wrap-around, 32-bit operands and addresses through prefixes, segment
 * overrides, offset-limit faults, exceptions through the IVT, code at the top of its segment so
 * IP wraps or an instruction crosses the limit): identical registers, RIP, RFLAGS, retired count
 * and RAM.
 */
class DifferentialRealModeTest {
    @Test
    void translatedAtOnceMatchesInterpreter() {
        DiffHarness.check(DiffMode.REAL16, DiffHarness.Variant.AT_ONCE, 3000,
                "DifferentialRealModeTest#translatedAtOnceMatchesInterpreter");
    }

    @Test
    void defaultThresholdMatchesInterpreter() {
        DiffHarness.check(DiffMode.REAL16, DiffHarness.Variant.DEFAULT, 300,
                "DifferentialRealModeTest#defaultThresholdMatchesInterpreter");
    }

    @Test
    void tinyCodeCacheMatchesInterpreter() {
        DiffHarness.check(DiffMode.REAL16, DiffHarness.Variant.TINY_CACHE, 150,
                "DifferentialRealModeTest#tinyCodeCacheMatchesInterpreter");
    }
}
