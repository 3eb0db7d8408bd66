package org.apboot.core.machine;

import static org.apboot.GuestPrograms.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.apboot.Reg;
import org.apboot.X86Machine;
import org.junit.jupiter.api.Test;

/**
 * A vCPU parked on each wait-loop form wakes exactly when a write makes the loop's condition
 * true, and not before: writes of other values, and writes next to the polled word, leave it
 * parked. The loops are the forms of {@code WaitLoopRecognizerTest}, each followed by
 * {@code hlt}; the test thread writes guest RAM between runs, as another vCPU would.
 */
class WaitLoopParkingTest {
    private static final Duration T = Duration.ofSeconds(30);
    private static final long CODE = 0x10000;
    private static final long DATA = 0x20000;

    /** A one-vCPU machine running 64-bit {@code code} at {@link #CODE}. */
    private static X86Machine long64(byte[] code) {
        X86Machine m = X86Machine.builder().ramBytes(8 << 20).build();
        m.load(CODE, code);
        m.vcpu(0).long64(0x100000, CODE, 0x8000);
        return m;
    }

    /** Runs until quiescent and checks the vCPU parked (for the {@code parks}-th time). */
    private static void runToPark(X86Machine m, int parks) {
        assertFalse(m.run(T));
        assertEquals("parked", m.vcpu(0).state());
        assertEquals(parks, m.statistics().parks());
    }

    /** A write that must leave the vCPU parked. */
    private static void stillParked(X86Machine m, long addr, int size, long value) {
        long wakes = m.statistics().wakeUps();
        m.write(addr, size, value);
        assertEquals("parked", m.vcpu(0).state(), String.format("after writing 0x%x to 0x%x", value, addr));
        assertEquals(wakes, m.statistics().wakeUps());
    }

    /** The write that satisfies the loop: the vCPU is runnable at once, then leaves the loop. */
    private static void wakes(X86Machine m, long addr, int size, long value) {
        long wakes = m.statistics().wakeUps();
        m.write(addr, size, value);
        assertEquals("runnable", m.vcpu(0).state(), String.format("after writing 0x%x to 0x%x", value, addr));
        assertEquals(wakes + 1, m.statistics().wakeUps());
    }

    private static void runToHalt(X86Machine m, long haltRip) {
        assertFalse(m.run(T));
        assertTrue(m.vcpu(0).halted());
        assertEquals(haltRip + 1, m.vcpu(0).rip());
    }

    // 1: pause; cmpl %r8d, 4(%rbx); jne 1b; cmpw $1, (%rbx); jne 1b; hlt
    private static final byte[] FIRMWARE = bytes(0xf3, 0x90, 0x44, 0x39, 0x43, 0x04, 0x75, 0xf8, 0x66, 0x83, 0x3b,
            0x01, 0x75, 0xf2, 0xf4);

    @Test
    void mailboxWaitsForItsApicIdThenTheCommand() {
        X86Machine m = long64(FIRMWARE);
        m.vcpu(0).reg(Reg.RBX, DATA).reg(Reg.R8, 7);
        runToPark(m, 1);
        stillParked(m, DATA, 2, 1); // the command first: the APIC ID still differs
        stillParked(m, DATA + 4, 4, 6);
        stillParked(m, DATA + 8, 8, -1L); // the vector, next to it
        wakes(m, DATA + 4, 4, 7);
        runToHalt(m, CODE + 14);
    }

    @Test
    void mailboxParksAgainOnTheCommandWhenTheIdMatchesFirst() {
        X86Machine m = long64(FIRMWARE);
        m.vcpu(0).reg(Reg.RBX, DATA).reg(Reg.R8, 7);
        runToPark(m, 1);
        wakes(m, DATA + 4, 4, 7);
        runToPark(m, 2); // now on the command word
        stillParked(m, DATA + 4, 4, 7);
        stillParked(m, DATA, 2, 2);
        stillParked(m, DATA, 1, 0); // the word back to 0
        wakes(m, DATA, 2, 1);
        runToHalt(m, CODE + 14);
    }

    // 1: pause; cmpw $0, (%rbx); jne 1b; hlt
    private static final byte[] ACK = bytes(0xf3, 0x90, 0x66, 0x83, 0x3b, 0x00, 0x75, 0xf8, 0xf4);

    @Test
    void acknowledgementWaitsForZero() {
        X86Machine m = long64(ACK);
        m.vcpu(0).reg(Reg.RBX, DATA);
        m.write(DATA, 2, 0x0201);
        runToPark(m, 1);
        stillParked(m, DATA, 2, 0x0201);
        stillParked(m, DATA + 2, 2, 0); // the next word
        stillParked(m, DATA, 1, 0); // low byte only: 0x0200 is not 0
        wakes(m, DATA + 1, 1, 0);
        runToHalt(m, CODE + 8);
    }

    // 1: pause; cmpl %r15d, 0x20000; jb 1b; hlt
    private static final byte[] COUNTER = bytes(0xf3, 0x90, 0x44, 0x39, 0x3c, 0x25, 0x00, 0x00, 0x02, 0x00, 0x72,
            0xf4, 0xf4);

    @Test
    void counterWaitsUntilAtLeastTheRegister() {
        X86Machine m = long64(COUNTER);
        m.vcpu(0).reg(Reg.R15, 5);
        runToPark(m, 1);
        stillParked(m, DATA, 4, 3);
        stillParked(m, DATA, 4, 4);
        wakes(m, DATA, 4, 9); // past the target, not equal to it
        runToHalt(m, CODE + 12);
    }

    @Test
    void waitersOfOneWordWakeByTheirOwnTarget() {
        // three vCPUs poll the same counter: two until it reaches 5, one until it reaches 7
        X86Machine m = X86Machine.builder().ramBytes(8 << 20).cpus(3).build();
        m.load(CODE, COUNTER);
        long[] targets = {5, 7, 5};
        for (int i = 0; i < 3; i++) {
            m.vcpu(i).long64(0x100000, CODE, 0x8000 + 0x1000 * i).reg(Reg.R15, targets[i]);
            if (i > 0) {
                m.start(i);
            }
        }
        assertFalse(m.run(T));
        assertEquals("parked,parked,parked", states(m));
        m.write(DATA, 4, 4);
        assertEquals("parked,parked,parked", states(m));
        m.write(DATA, 4, 6);
        assertEquals("runnable,parked,runnable", states(m));
        assertEquals(2, m.statistics().wakeUps());
        assertFalse(m.run(T));
        assertEquals("halted,parked,halted", states(m));
        m.write(DATA, 4, 7);
        assertEquals("halted,runnable,halted", states(m));
        assertFalse(m.run(T));
        assertEquals("halted,halted,halted", states(m));
    }

    // 1: cmpl $5, 0x40(%rsi); je 2f; pause; jmp 1b; 2: hlt
    private static final byte[] CHECK_FIRST = bytes(0x83, 0x7e, 0x40, 0x05, 0x74, 0x04, 0xf3, 0x90, 0xeb, 0xf6,
            0xf4);

    @Test
    void compareFirstLoopWaitsForItsValue() {
        X86Machine m = long64(CHECK_FIRST);
        m.vcpu(0).reg(Reg.RSI, DATA);
        runToPark(m, 1);
        stillParked(m, DATA + 0x40, 4, 4);
        stillParked(m, DATA + 0x3C, 4, 5);
        wakes(m, DATA + 0x40, 4, 5);
        runToHalt(m, CODE + 10);
    }

    // 1: pause; movl (%rdi), %eax; testl %eax, %eax; jz 1b; hlt
    private static final byte[] LOAD_TEST = bytes(0xf3, 0x90, 0x8b, 0x07, 0x85, 0xc0, 0x74, 0xf8, 0xf4);

    @Test
    void loadAndTestWaitsForNonZero() {
        X86Machine m = long64(LOAD_TEST);
        m.vcpu(0).reg(Reg.RDI, DATA + 8);
        runToPark(m, 1);
        stillParked(m, DATA + 8, 4, 0);
        stillParked(m, DATA + 12, 4, 0x1234); // the upper half of a quadword: not the word polled
        wakes(m, DATA + 10, 1, 0x80);
        runToHalt(m, CODE + 8);
        assertEquals(0x80_0000, m.vcpu(0).reg(Reg.RAX));
    }

    // 1: pause; testl $4, 8(%rdx); jz 1b; hlt        /  ... jnz 1b; hlt
    private static final byte[] TEST_SET = bytes(0xf3, 0x90, 0xf7, 0x42, 0x08, 0x04, 0x00, 0x00, 0x00, 0x74, 0xf5,
            0xf4);
    private static final byte[] TEST_CLEAR = bytes(0xf3, 0x90, 0xf7, 0x42, 0x08, 0x04, 0x00, 0x00, 0x00, 0x75, 0xf5,
            0xf4);

    @Test
    void testOfAMaskWaitsForABitToBeSetOrCleared() {
        X86Machine m = long64(TEST_SET);
        m.vcpu(0).reg(Reg.RDX, DATA);
        runToPark(m, 1);
        stillParked(m, DATA + 8, 4, 0xFB);
        wakes(m, DATA + 8, 4, 0x104);
        runToHalt(m, CODE + 11);

        X86Machine c = long64(TEST_CLEAR);
        c.vcpu(0).reg(Reg.RDX, DATA);
        c.write(DATA + 8, 4, 4);
        runToPark(c, 1);
        stillParked(c, DATA + 8, 4, 0xC);
        wakes(c, DATA + 8, 4, 0x8);
        runToHalt(c, CODE + 11);
    }

    // 1: pause; btl $3, (%rcx); jnc 1b; hlt
    private static final byte[] BT_SET = bytes(0xf3, 0x90, 0x0f, 0xba, 0x21, 0x03, 0x73, 0xf8, 0xf4);

    @Test
    void bitTestWaitsForItsBit() {
        X86Machine m = long64(BT_SET);
        m.vcpu(0).reg(Reg.RCX, DATA);
        runToPark(m, 1);
        stillParked(m, DATA, 4, 0x7);
        stillParked(m, DATA, 4, 0xF0);
        wakes(m, DATA, 1, 0x8);
        runToHalt(m, CODE + 8);
    }

    // 1: pause; cmpl (%rbx), %eax; jae 1b; hlt
    private static final byte[] VALUE_FIRST = bytes(0xf3, 0x90, 0x3b, 0x03, 0x73, 0xfa, 0xf4);

    @Test
    void registerAgainstTheWordWaitsUntilTheWordIsAbove() {
        X86Machine m = long64(VALUE_FIRST);
        m.vcpu(0).reg(Reg.RBX, DATA).reg(Reg.RAX, 10);
        m.write(DATA, 4, 3);
        runToPark(m, 1);
        stillParked(m, DATA, 4, 10);
        wakes(m, DATA, 4, 11);
        runToHalt(m, CODE + 6);
    }

    // 1: pause; movq (%rbx), %rax; cmpq $-1, %rax; je 1b; hlt
    private static final byte[] LOAD_CMP = bytes(0xf3, 0x90, 0x48, 0x8b, 0x03, 0x48, 0x83, 0xf8, 0xff, 0x74, 0xf5,
            0xf4);

    @Test
    void quadwordWaitsToDifferFromAllOnes() {
        X86Machine m = long64(LOAD_CMP);
        m.vcpu(0).reg(Reg.RBX, DATA);
        m.write(DATA, 8, -1L);
        runToPark(m, 1);
        stillParked(m, DATA, 8, -1L);
        stillParked(m, DATA + 4, 4, 0xFFFF_FFFFL);
        wakes(m, DATA + 7, 1, 0x7F);
        runToHalt(m, CODE + 11);
        assertEquals(0x7FFF_FFFF_FFFF_FFFFL, m.vcpu(0).reg(Reg.RAX));
    }

    // .code16  1: pause; cmpb $0, %es:(%di); jne 1b; hlt
    private static final byte[] BYTE16 = bytes(0xf3, 0x90, 0x26, 0x80, 0x3d, 0x00, 0x75, 0xf8, 0xf4);

    @Test
    void realModeByteThroughEs() {
        X86Machine m = X86Machine.builder().ramBytes(1 << 20).build();
        m.load(0x7C00, BYTE16);
        m.vcpu(0).realMode(0, 0x7C00);
        // ES is 0 after reset: load it through the register state (base = selector * 16)
        m.vcpu(0).reg(Reg.RDI, 0x10);
        m.write(0x10, 1, 1);
        runToPark(m, 1);
        stillParked(m, 0x10, 1, 2);
        stillParked(m, 0x11, 1, 0);
        wakes(m, 0x10, 1, 0);
        runToHalt(m, 0x7C00 + 8);
    }

    // .code16  1: lock btsl $0, 0x4018; jnc 2f; pause; jmp 1b; 2: hlt
    private static final byte[] LOCK16 = bytes(0x66, 0xf0, 0x0f, 0xba, 0x2e, 0x18, 0x40, 0x00, 0x73, 0x04, 0xf3,
            0x90, 0xeb, 0xf2, 0xf4);

    @Test
    void realModeLockWaitsForTheBitToClearThenTakesIt() {
        X86Machine m = X86Machine.builder().ramBytes(1 << 20).build();
        m.load(0x7C00, LOCK16);
        m.vcpu(0).realMode(0, 0x7C00);
        m.write(0x4018, 4, 1);
        runToPark(m, 1);
        stillParked(m, 0x4018, 4, 0x3);
        stillParked(m, 0x401C, 4, 0);
        wakes(m, 0x4018, 4, 0x2);
        runToHalt(m, 0x7C00 + 14);
        assertEquals(0x3, m.read(0x4018, 4), "the lock taken");
    }

    // .code32  1: lock btsl $0, 0x24018; jnc 2f; pause; jmp 1b; 2: hlt
    private static final byte[] LOCK32 = bytes(0xf0, 0x0f, 0xba, 0x2d, 0x18, 0x40, 0x02, 0x00, 0x00, 0x73, 0x04,
            0xf3, 0x90, 0xeb, 0xf1, 0xf4);

    @Test
    void protectedModeLock() {
        X86Machine m = X86Machine.builder().ramBytes(8 << 20).build();
        m.load(CODE, LOCK32);
        m.vcpu(0).flat32(CODE, 0x8000);
        m.write(0x24018, 4, 1);
        runToPark(m, 1);
        stillParked(m, 0x24018, 1, 0x81);
        wakes(m, 0x24018, 1, 0x80);
        runToHalt(m, CODE + 15);
        assertEquals(0x81, m.read(0x24018, 4));
    }

    /** vCPU states in index order, e.g. "parked,parked,halted". */
    private static String states(X86Machine m) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < m.cpuCount(); i++) {
            b.append(i == 0 ? "" : ",").append(m.vcpu(i).state());
        }
        return b.toString();
    }

    @Test
    void aReleasedLockWakesOneOfItsWaitersPerWrite() {
        X86Machine m = X86Machine.builder().ramBytes(8 << 20).cpus(3).build();
        m.load(CODE, LOCK32);
        for (int i = 0; i < 3; i++) {
            m.vcpu(i).flat32(CODE, 0x8000 + 0x1000 * i);
            if (i > 0) {
                m.start(i);
            }
        }
        m.write(0x24018, 4, 1);
        assertFalse(m.run(T));
        assertEquals("parked,parked,parked", states(m));
        assertEquals(3, m.statistics().parks());
        // the lock is released: of three vCPUs that would all race for it, one is woken; it
        // takes the lock and halts, the others stay parked on the bit it set again
        m.write(0x24018, 4, 0);
        assertEquals(1, m.statistics().wakeUps());
        assertFalse(m.run(T));
        assertEquals(1, m.read(0x24018, 4), "the woken vCPU took the lock");
        assertEquals(2, states(m).split("parked", -1).length - 1, states(m));
        // a write that leaves the bit set wakes nobody; each release wakes the next waiter
        m.write(0x24018, 4, 0x81);
        assertEquals(1, m.statistics().wakeUps());
        m.write(0x24018, 4, 0);
        assertEquals(2, m.statistics().wakeUps());
        assertFalse(m.run(T));
        m.write(0x24018, 4, 0);
        assertEquals(3, m.statistics().wakeUps());
        assertFalse(m.run(T));
        assertEquals("halted,halted,halted", states(m));
        assertEquals(1, m.read(0x24018, 4));
    }

    @Test
    void aLockFreedWhileItsWaitersSleepIsHandedToEachInTurn() {
        // two releases in a row before anyone runs: one waiter per write, then the woken ones
        // race as the guest would (one takes it, the other parks again)
        X86Machine m = X86Machine.builder().ramBytes(8 << 20).cpus(2).build();
        m.load(CODE, LOCK32);
        m.vcpu(0).flat32(CODE, 0x8000);
        m.vcpu(1).flat32(CODE, 0x9000);
        m.start(1);
        m.write(0x24018, 4, 1);
        assertFalse(m.run(T));
        assertEquals("parked,parked", states(m));
        m.write(0x24018, 4, 0);
        m.write(0x24018, 4, 0);
        assertEquals("runnable,runnable", states(m));
        assertFalse(m.run(T));
        assertEquals(1, states(m).split("halted", -1).length - 1, states(m));
        assertEquals("parked", states(m).replace("halted", "").replace(",", ""));
    }

    /*
     * .code16  movw $0x7c10, 0x8; movw $0, 0xa;  1: pause; jmp 1b
     * 0x7c10: movb $'N', %al; outb %al, $0xe9; cli; hlt
     */
    private static final byte[] NMI_WAIT = bytes(0xc7, 0x06, 0x08, 0x00, 0x10, 0x7c, 0xc7, 0x06, 0x0a, 0x00, 0x00,
            0x00, 0xf3, 0x90, 0xeb, 0xfc, 0xb0, 0x4e, 0xe6, 0xe9, 0xfa, 0xf4);

    @Test
    void aLoopThatPollsNothingParksUntilAnEvent() {
        X86Machine m = X86Machine.builder().ramBytes(1 << 20).build();
        m.load(0x7C00, NMI_WAIT);
        m.vcpu(0).realMode(0, 0x7C00);
        runToPark(m, 1);
        stillParked(m, 0x0, 4, 0x1234); // no word is polled: writes do nothing
        m.nmi(0);
        assertEquals("runnable", m.vcpu(0).state());
        runToHalt(m, 0x7C00 + 0x15);
        assertEquals("N", m.consoleOutput());
    }
}
