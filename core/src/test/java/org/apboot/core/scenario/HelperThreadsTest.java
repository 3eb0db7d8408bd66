package org.apboot.core.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.apboot.core.image.BootParams.WakePath;
import org.apboot.core.image.BootParams.WorkMode;
import org.apboot.core.interp.Interpreter;
import org.junit.jupiter.api.Test;

/**
 * How a machine of two host threads shares a bring-up between its workers: what the guest
 * serialises stays on the primary worker, and each AP's calibration loop, which runs past the
 * primary's slice, is handed to the helper (the scheduler's class comment).
 */
class HelperThreadsTest {
    private static BootReport boot(BootConfig cfg) {
        BootReport r = new BootScenario(cfg.withTimeout(120), Interpreter::new).run(null);
        assertEquals(List.of(), r.failures(), "failures");
        return r;
    }

    @Test
    void theMailboxHandshakeStaysOnThePrimary() {
        // the BSP and each AP run a few dozen instructions between wake-ups: none is handed over
        BootReport r = boot(BootConfig.defaults().withAps(64).withPath(WakePath.MAILBOX64).withThreads(2));
        assertEquals(64, r.online());
        assertEquals(0, r.machineStats().computeHandoffs());
    }

    @Test
    void theBspSendingStartupIpisStaysOnThePrimary() {
        // INIT, STARTUP, STARTUP to 1,024 APs is about 7,000 BSP instructions, past the primary's
        // slice of 2,000: the BSP woke APs in that slot, so it is not handed over
        BootReport r = boot(BootConfig.defaults().withAps(1024).withPath(WakePath.SIPI).withThreads(2));
        assertEquals(1024, r.online());
        assertEquals(0, r.machineStats().computeHandoffs());
    }

    @Test
    void eachCalibrationLoopGoesToTheHelper() {
        // 10,000 passes of dec/jnz: 20,000 instructions, ten times the primary's slice
        BootReport r = boot(BootConfig.defaults().withAps(32).withPath(WakePath.SIPI).withThreads(2)
                .withWork(WorkMode.CALIBRATE, 10_000));
        assertEquals(32, r.online());
        assertTrue(r.machineStats().computeHandoffs() >= 32, () -> r.machineStats().toString());
    }

    @Test
    void oneThreadHandsNothingOver() {
        BootReport r = boot(BootConfig.defaults().withAps(32).withPath(WakePath.SIPI).withThreads(1)
                .withWork(WorkMode.CALIBRATE, 10_000));
        assertEquals(32, r.online());
        assertEquals(0, r.machineStats().computeHandoffs());
    }
}
