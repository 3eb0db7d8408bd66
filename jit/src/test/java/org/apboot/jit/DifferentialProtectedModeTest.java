package org.apboot.jit;

import org.junit.jupiter.api.Test;

/**
 * The translator against the interpreter on random instruction streams in flat 32-bit protected
 * mode, without paging and with 2-level paging (a not-present and a read-only range, CR0.WP):
 * identical registers, RIP, RFLAGS, CR2, retired count and RAM. CS has a 1 MiB limit (in a fifth
 * of the cases one inside the code, at 0x10FFF) and FS a 32 KiB one, so code, branch targets and
 * FS operands can fault on limits.
 */
class DifferentialProtectedModeTest {
    @Test
    void translatedAtOnceMatchesInterpreter() {
        DiffHarness.check(DiffMode.PROT32, DiffHarness.Variant.AT_ONCE, 3000,
                "DifferentialProtectedModeTest#translatedAtOnceMatchesInterpreter");
    }

    @Test
    void translatedAtOnceMatchesInterpreterWithPaging() {
        DiffHarness.check(DiffMode.PROT32_PAGING, DiffHarness.Variant.AT_ONCE, 3000,
                "DifferentialProtectedModeTest#translatedAtOnceMatchesInterpreterWithPaging");
    }

    @Test
    void defaultThresholdMatchesInterpreter() {
        DiffHarness.check(DiffMode.PROT32, DiffHarness.Variant.DEFAULT, 300,
                "DifferentialProtectedModeTest#defaultThresholdMatchesInterpreter");
    }

    @Test
    void defaultThresholdMatchesInterpreterWithPaging() {
        DiffHarness.check(DiffMode.PROT32_PAGING, DiffHarness.Variant.DEFAULT, 300,
                "DifferentialProtectedModeTest#defaultThresholdMatchesInterpreterWithPaging");
    }

    @Test
    void tinyCodeCacheMatchesInterpreter() {
        DiffHarness.check(DiffMode.PROT32, DiffHarness.Variant.TINY_CACHE, 150,
                "DifferentialProtectedModeTest#tinyCodeCacheMatchesInterpreter");
    }

    @Test
    void tinyCodeCacheMatchesInterpreterWithPaging() {
        DiffHarness.check(DiffMode.PROT32_PAGING, DiffHarness.Variant.TINY_CACHE, 150,
                "DifferentialProtectedModeTest#tinyCodeCacheMatchesInterpreterWithPaging");
    }
}
