package org.apboot.jit;

import org.apboot.SnapshotTest;
import org.apboot.X86Machine;

/**
 * The snapshot tests of the embedding API on the translator, translating every block at once
 * (threshold 0) on the vCPU's thread, so that restores meet translated code: code the guest
 * rewrote after a snapshot must run its original bytes after restore, and code that comes back
 * unchanged must keep its translations.
 */
class JitSnapshotTest extends SnapshotTest {
    @Override
    protected X86Machine.Builder builder() {
        return X86Machine.builder().engine("jit").engineSetting("threshold", "0").engineSetting("background", "false");
    }
}
