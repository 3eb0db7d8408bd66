package org.apboot.core.machine;

import static org.apboot.GuestPrograms.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.Segment;
import org.apboot.core.decode.Insn;
import org.apboot.core.interp.Interpreter;
import org.junit.jupiter.api.Test;

/**
 * Park and wake on two host threads, many times over: vCPUs hand a counter back and forth
 * through memory (each waits in a PAUSE loop for its turn, then writes the next value), several
 * pairs on words that share a line, and a group of vCPUs increments a counter without atomics
 * under a {@code lock bts} spinlock. Every handshake parks one side and a store by the other must
 * wake it: a lost wake-up leaves a vCPU parked on a satisfied condition, which only the
 * scheduler's idle re-examination would find ({@code rescued}), so that count must stay 0, and
 * every vCPU must finish.
 */
class ParkWakeStressTest {
    private static final long TIMEOUT = 120_000_000_000L;

    /*
     * .code32  ping, eax = first turn (0 or 1), ebx = the word, ecx = 2N:
     * next: 1: pause; cmpl %eax, (%ebx); jne 1b; incl %eax; movl %eax, (%ebx); incl %eax;
     *       cmpl %ecx, %eax; jb next; hlt
     */
    private static final byte[] PING_PAUSE_FIRST = bytes(0xf3, 0x90, 0x39, 0x03, 0x75, 0xfa, 0x40, 0x89, 0x03, 0x40,
            0x39, 0xc8, 0x72, 0xf2, 0xf4);
    /* next: 1: cmpl %eax, (%ebx); je 2f; pause; jmp 1b; 2: incl %eax; ... as above */
    private static final byte[] PING_CHECK_FIRST = bytes(0x39, 0x03, 0x74, 0x04, 0xf3, 0x90, 0xeb, 0xf8, 0x40, 0x89,
            0x03, 0x40, 0x39, 0xc8, 0x72, 0xf0, 0xf4);
    /*
     * ebx = lock word (the counter at 64(%ebx)), ecx = N:
     * next: 1: lock btsl $0, (%ebx); jnc 2f; pause; jmp 1b;
     *       2: movl 64(%ebx), %eax; incl %eax; movl %eax, 64(%ebx); movl $0, (%ebx);
     *       decl %ecx; jnz next; hlt
     */
    private static final byte[] LOCKED_INC = bytes(0xf0, 0x0f, 0xba, 0x2b, 0x00, 0x73, 0x04, 0xf3, 0x90, 0xeb, 0xf5,
            0x8b, 0x43, 0x40, 0x40, 0x89, 0x43, 0x40, 0xc7, 0x03, 0x00, 0x00, 0x00, 0x00, 0x49, 0x75, 0xe5, 0xf4);

    private static final long PING_A = 0x10000, PING_C = 0x10100, LOCKED = 0x10200;
    private static final long WORDS = 0x20000, LOCK = 0x30000;

    static void flat32(Cpu c, long eip) {
        c.cr0 = Cpu.CR0_PE | Cpu.CR0_ET | Cpu.CR0_NE;
        int data = Segment.P | Segment.S | Segment.TYPE_READ_OR_WRITE | Segment.TYPE_ACCESSED | Segment.DB | Segment.G;
        for (int s = 0; s < 6; s++) {
            c.seg[s].set(s == Insn.CS ? 0x08 : 0x10, 0, 0xFFFF_FFFFL, s == Insn.CS ? data | Segment.TYPE_CODE : data);
        }
        c.rip = eip;
        c.r[Cpu.RSP] = 0x8000;
        c.updateMode();
        c.mmu.flushAll();
    }

    @Test
    void noWakeUpIsLostBetweenTwoHostThreads() {
        int pairs = 4;
        int rounds = 20_000; // per pair: 2 * rounds handshakes
        int lockers = 4;
        int increments = 5_000;
        int cpus = 2 * pairs + lockers;
        Machine m = new Machine(MachineConfig.builder().ramBytes(1 << 20).cpus(cpus).hostThreads(2).quantum(2_000)
                .build());
        m.ram().load(PING_A, PING_PAUSE_FIRST);
        m.ram().load(PING_C, PING_CHECK_FIRST);
        m.ram().load(LOCKED, LOCKED_INC);
        for (int p = 0; p < pairs; p++) {
            // pairs 0 and 1 share a line (words at +0 and +8), the others have lines of their own
            long word = p < 2 ? WORDS + 8L * p : WORDS + 64L * p;
            for (int side = 0; side < 2; side++) {
                Cpu c = m.vcpu(2 * p + side).cpu;
                flat32(c, side == 0 ? PING_A : PING_C);
                c.r[Cpu.RAX] = side;
                c.r[Cpu.RBX] = word;
                c.r[Cpu.RCX] = 2L * rounds;
            }
        }
        for (int k = 0; k < lockers; k++) {
            Cpu c = m.vcpu(2 * pairs + k).cpu;
            flat32(c, LOCKED);
            c.r[Cpu.RBX] = LOCK;
            c.r[Cpu.RCX] = increments;
        }
        for (int i = 0; i < cpus; i++) {
            m.start(i);
        }
        assertFalse(m.run(new Interpreter(m.ram()), TIMEOUT), "timed out");
        for (int i = 0; i < cpus; i++) {
            assertEquals(Vcpu.HALTED, m.vcpu(i).state(), "vCPU " + i + " " + Vcpu.stateName(m.vcpu(i).state()));
        }
        for (int p = 0; p < pairs; p++) {
            long word = p < 2 ? WORDS + 8L * p : WORDS + 64L * p;
            assertEquals(2L * rounds, m.ram().read(word, 4), "pair " + p);
        }
        assertEquals((long) lockers * increments, m.ram().read(LOCK + 64, 4), "increments under the lock");
        Scheduler s = m.scheduler();
        assertEquals(0, s.rescued.sum(), "wake-ups the write path missed");
        assertTrue(s.total(Scheduler.PARKS) > rounds, "parks: " + s.total(Scheduler.PARKS));
        assertEquals(0, s.parkedCount());
    }

    /**
     * The protocol alone, without an engine in between to widen the gaps: one host thread parks
     * a vCPU on "word == i" while another writes i as soon as it sees the vCPU about to park, a
     * million times. Whichever order the store and the parking take, the vCPU must end up
     * runnable: either the writer finds the waiter, or the parker's re-read finds the value.
     */
    @Test
    void parkerAndWriterRacingOnOneWord() throws Exception {
        Machine m = new Machine(MachineConfig.builder().ramBytes(1 << 16).cpus(1).build());
        Scheduler s = m.scheduler();
        Vcpu v = m.vcpu(0);
        long word = 0x1000;
        int n = 200_000;
        java.util.concurrent.atomic.AtomicLong turn = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicReference<Throwable> failed = new java.util.concurrent.atomic.AtomicReference<>();
        Thread writer = new Thread(() -> {
            for (long i = 1; i <= n && failed.get() == null; i++) {
                while (turn.get() != i && failed.get() == null) {
                    Thread.onSpinWait();
                }
                m.ram().write32(word, (int) i);
            }
        });
        writer.start();
        long parked = 0;
        try {
            for (long i = 1; i <= n; i++) {
                v.parkPhys = word;
                v.parkSize = 4;
                v.parkUntil = org.apboot.core.engine.WaitLoop.Until.EQUAL;
                v.parkValue = i;
                turn.set(i); // the writer may store from now on
                if (s.parkForTest(v)) {
                    parked++;
                    long deadline = System.nanoTime() + 10_000_000_000L;
                    while (v.state() == Vcpu.PARKED) {
                        if (System.nanoTime() > deadline) {
                            throw new AssertionError("lost wake-up at " + i + ": word = " + m.ram().read32(word));
                        }
                        Thread.onSpinWait();
                    }
                } else {
                    assertEquals(Vcpu.RUNNABLE, v.state());
                }
                while (m.ram().read32(word) != i) {
                    Thread.onSpinWait(); // the value written: the next round starts from it
                }
            }
        } catch (Throwable e) {
            failed.set(e);
            throw e;
        } finally {
            writer.join();
        }
        assertEquals(0, s.parkedCount());
        assertEquals(parked, s.total(Scheduler.WAKES));
        assertTrue(parked > 0);
    }
}
