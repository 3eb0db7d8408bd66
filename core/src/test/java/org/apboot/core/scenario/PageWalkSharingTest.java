package org.apboot.core.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.apboot.core.image.BootParams.WakePath;
import org.apboot.core.interp.Interpreter;
import org.junit.jupiter.api.Test;

/**
 * A bring-up's APs share the translations of the pages they all use: each AP takes the TLB
 * array the previous one released, and its entries stand for walks in the same contexts
 * (firmware, trampoline and kernel CR3), so an AP walks only for pages of its own (its per-CPU
 * area), and two APs share each such page. Before walk keys and victim slots an AP walked 12
 * times on {@code sipi} and 19 times on {@code mailbox64}.
 */
class PageWalkSharingTest {
    private static final int APS = 512;

    private static BootReport boot(WakePath path) {
        BootReport r = new BootScenario(BootConfig.defaults().withAps(APS).withPath(path).withTimeout(120),
                Interpreter::new).run(null);
        assertEquals(List.of(), r.failures(), "failures");
        assertEquals(APS, r.online());
        return r;
    }

    @Test
    void sipiApsWalkForTheirPerCpuPageOnly() {
        long walks = boot(WakePath.SIPI).machineStats().pageWalks();
        assertTrue(walks < APS, () -> walks + " page walks for " + APS + " APs");
    }

    @Test
    void mailboxApsWalkForTheirPerCpuPageOnly() {
        long walks = boot(WakePath.MAILBOX64).machineStats().pageWalks();
        assertTrue(walks < APS, () -> walks + " page walks for " + APS + " APs");
    }
}
