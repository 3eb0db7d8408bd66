package org.apboot.core.semantics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** MOVZX, MOVSX/MOVSXD, CBW/CWDE/CDQE and CWD/CDQ/CQO (SDM vol. 2), values worked out by hand. */
class SignAndZeroExtensionTest {
    @Test
    void movzxKeepsOnlyTheSourceBytes() {
        assertEquals(0xF0, DataOps.movzx(1, 0x1234_56F0L));
        assertEquals(0x8001, DataOps.movzx(2, 0xFFFF_8001L));
        assertEquals(0x8000_0000L, DataOps.movzx(4, 0xFFFF_FFFF_8000_0000L));
    }

    @Test
    void movsxCopiesTheSourceSignBit() {
        assertEquals(0xFFFF_FFFF_FFFF_FF80L, DataOps.movsx(1, 0x1280));
        assertEquals(0x7F, DataOps.movsx(1, 0xFF7F));
        assertEquals(0x7FFF, DataOps.movsx(2, 0x7FFF));
        assertEquals(0xFFFF_FFFF_8000_0000L, DataOps.movsx(4, 0x8000_0000L));
    }

    @Test
    void cbwCwdeCdqeExtendTheLowerHalfOfTheAccumulator() {
        assertEquals(0xFF80, DataOps.cbw(2, 0x1280)); // CBW: AX from AL
        assertEquals(0x007F, DataOps.cbw(2, 0xFF7F));
        assertEquals(0xFFFF_8000L, DataOps.cbw(4, 0x1234_8000L)); // CWDE: EAX from AX
        assertEquals(0x0000_7FFFL, DataOps.cbw(4, 0xFFFF_7FFFL));
        assertEquals(0xFFFF_FFFF_8000_0000L, DataOps.cbw(8, 0x8000_0000L)); // CDQE: RAX from EAX
    }

    @Test
    void cwdCdqCqoFillTheDataRegisterWithTheSign() {
        assertEquals(0xFFFF, DataOps.cwd(2, 0x8000));
        assertEquals(0, DataOps.cwd(2, 0x1_7FFF)); // bit 16 is not AX's sign
        assertEquals(0xFFFF_FFFFL, DataOps.cwd(4, 0x8000_0000L));
        assertEquals(0, DataOps.cwd(4, 0x8000)); // bit 15 is not EAX's sign
        assertEquals(-1L, DataOps.cwd(8, Long.MIN_VALUE));
        assertEquals(0, DataOps.cwd(8, Long.MAX_VALUE));
    }
}
