package org.apboot.core.engine;

import static org.apboot.GuestPrograms.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.apboot.core.cpu.Cpu;
import org.apboot.core.decode.Decoder;
import org.apboot.core.decode.Insn;
import org.apboot.core.decode.Op;
import org.apboot.core.engine.WaitLoop.Address;
import org.apboot.core.engine.WaitLoop.Poll;
import org.apboot.core.engine.WaitLoop.Until;
import org.apboot.core.engine.WaitLoop.Value;
import org.apboot.core.image.GuestImage;
import org.apboot.core.image.GuestImages;
import org.apboot.core.image.RealModeBlob;
import org.junit.jupiter.api.Test;

/**
 * The wait-loop recogniser on each loop form it knows, with the exact descriptor expected, on
 * forms it must refuse, and on the real loops of the committed guest images (firmware mailbox,
 * BSP waits, trampoline lock). Each array is the GNU as output of the source above it, assembled
 * at offset 0; {@code anchor} is the offset after the PAUSE.
 */
class WaitLoopRecognizerTest {
    private static final int DS = Insn.DS, ES = Insn.ES;
    private static final int RAX = Cpu.RAX, RCX = Cpu.RCX, RDX = Cpu.RDX, RBX = Cpu.RBX, RSI = Cpu.RSI,
            RDI = Cpu.RDI, R8 = 8, R15 = 15, DI = 7;

    /** Code at CS offset {@code base}; bytes outside it cannot be fetched. */
    private static WaitLoopRecognizer.Code code(byte[] b, long base) {
        return off -> off >= base && off < base + b.length ? b[(int) (off - base)] & 0xFF : -1;
    }

    private static WaitLoop recognise(byte[] b, int anchor, int mode) {
        return WaitLoopRecognizer.recognise(code(b, 0), anchor, mode);
    }

    // 1: pause; cmpl %r8d, 4(%rbx); jne 1b; cmpw $1, (%rbx); jne 1b; movq 8(%rbx), %rax
    private static final byte[] FIRMWARE = bytes(0xf3, 0x90, 0x44, 0x39, 0x43, 0x04, 0x75, 0xf8, 0x66, 0x83, 0x3b,
            0x01, 0x75, 0xf2, 0x48, 0x8b, 0x43, 0x08);

    @Test
    void mailboxLoopWithTwoPollsInARow() {
        assertEquals(new WaitLoop(
                new Poll(Address.of(DS, RBX, 4, 8), 4, Value.reg(R8), Until.EQUAL),
                new Poll(Address.of(DS, RBX, 0, 8), 2, Value.imm(1), Until.EQUAL)),
                recognise(FIRMWARE, 2, 64));
    }

    // 1: pause; cmpw $0, (%rbx); jne 1b; call 1b
    private static final byte[] ACK = bytes(0xf3, 0x90, 0x66, 0x83, 0x3b, 0x00, 0x75, 0xf8, 0xe8, 0xf3, 0xff, 0xff,
            0xff);

    @Test
    void pauseThenCompareWithImmediate() {
        assertEquals(new WaitLoop(new Poll(Address.of(DS, RBX, 0, 8), 2, Value.imm(0), Until.EQUAL)),
                recognise(ACK, 2, 64));
    }

    // 1: pause; cmpl %r15d, count(%rip); jb 1b; leaq 1b(%rip), %rsi   (count at 0x40)
    private static final byte[] COUNTER = bytes(0xf3, 0x90, 0x44, 0x39, 0x3d, 0x37, 0x00, 0x00, 0x00, 0x72, 0xf5,
            0x48, 0x8d, 0x35, 0xee, 0xff, 0xff, 0xff);

    @Test
    void ripRelativeCounterReachingARegisterIsAnchorRelative() {
        WaitLoop loop = recognise(COUNTER, 2, 64);
        assertEquals(new WaitLoop(new Poll(Address.anchored(DS, 0x40 - 2, 8), 4, Value.reg(R15),
                Until.ABOVE_OR_EQUAL)), loop);
        // the same bytes mapped elsewhere poll the word next to them
        WaitLoop moved = WaitLoopRecognizer.recognise(code(COUNTER, 0x7000), 0x7002, 64);
        assertEquals(loop, moved);
    }

    // 1: cmpl $5, 0x40(%rsi); je 2f; pause; jmp 1b; 2: hlt
    private static final byte[] CHECK_FIRST = bytes(0x83, 0x7e, 0x40, 0x05, 0x74, 0x04, 0xf3, 0x90, 0xeb, 0xf6,
            0xf4);

    @Test
    void compareFirstThenPauseAndJumpBack() {
        assertEquals(new WaitLoop(new Poll(Address.of(DS, RSI, 0x40, 8), 4, Value.imm(5), Until.EQUAL)),
                recognise(CHECK_FIRST, 8, 64));
    }

    // 1: pause; movl (%rdi), %eax; testl %eax, %eax; jz 1b; hlt
    private static final byte[] LOAD_TEST = bytes(0xf3, 0x90, 0x8b, 0x07, 0x85, 0xc0, 0x74, 0xf8, 0xf4);

    @Test
    void loadIntoARegisterThenTestIt() {
        assertEquals(new WaitLoop(new Poll(Address.of(DS, RDI, 0, 8), 4, Value.imm(0), Until.NOT_EQUAL)),
                recognise(LOAD_TEST, 2, 64));
    }

    // 1: pause; testl $4, 8(%rdx); jz 1b; hlt        (TEST_IMM_CLEAR: jnz 1b)
    private static final byte[] TEST_IMM_SET = bytes(0xf3, 0x90, 0xf7, 0x42, 0x08, 0x04, 0x00, 0x00, 0x00, 0x74,
            0xf5, 0xf4);
    private static final byte[] TEST_IMM_CLEAR = bytes(0xf3, 0x90, 0xf7, 0x42, 0x08, 0x04, 0x00, 0x00, 0x00, 0x75,
            0xf5, 0xf4);

    @Test
    void testWithAnImmediateMask() {
        assertEquals(new WaitLoop(new Poll(Address.of(DS, RDX, 8, 8), 4, Value.imm(4), Until.ANY_SET)),
                recognise(TEST_IMM_SET, 2, 64));
        assertEquals(new WaitLoop(new Poll(Address.of(DS, RDX, 8, 8), 4, Value.imm(4), Until.ALL_CLEAR)),
                recognise(TEST_IMM_CLEAR, 2, 64));
    }

    // .code16  1: lock btsl $0, 0x4018; jnc 2f; pause; jmp 1b; 2: xorl %esp, %esp
    static final byte[] LOCK16 = bytes(0x66, 0xf0, 0x0f, 0xba, 0x2e, 0x18, 0x40, 0x00, 0x73, 0x04, 0xf3, 0x90, 0xeb,
            0xf2, 0x66, 0x31, 0xe4);
    // .code32  1: lock btsl $0, 0x14018; jnc 2f; pause; jmp 1b; 2: movl $0x14420, %esp
    static final byte[] LOCK32 = bytes(0xf0, 0x0f, 0xba, 0x2d, 0x18, 0x40, 0x01, 0x00, 0x00, 0x73, 0x04, 0xf3, 0x90,
            0xeb, 0xf1, 0xbc, 0x20, 0x44, 0x01, 0x00);

    @Test
    void lockBtsRetryLoopsWaitForTheBitToClearAndTakeIt() {
        assertEquals(new WaitLoop(new Poll(Address.of(DS, -1, 0x4018, 2), 4, Value.imm(0), Until.BIT_CLEAR, true)),
                recognise(LOCK16, 0xc, 16));
        assertEquals(new WaitLoop(new Poll(Address.of(DS, -1, 0x14018, 4), 4, Value.imm(0), Until.BIT_CLEAR, true)),
                recognise(LOCK32, 0xd, 32));
    }

    // 1: lock btrl $5, (%rbx); jc 2f; pause; jmp 1b; 2: hlt   (takes a token bit by clearing it)
    private static final byte[] BTR_TOKEN = bytes(0xf0, 0x0f, 0xba, 0x33, 0x05, 0x72, 0x04, 0xf3, 0x90, 0xeb, 0xf5, 0xf4);

    @Test
    void aBtrLoopTakesTheBitItWaitsForAndABtLoopOnlyReadsIt() {
        assertEquals(new WaitLoop(new Poll(Address.of(DS, RBX, 0, 8), 4, Value.imm(5), Until.BIT_SET, true)),
                recognise(BTR_TOKEN, 9, 64));
        assertFalse(recognise(BT_SET, 2, 64).polls().get(0).takes(), "bt reads the bit and leaves it");
    }

    // 1: pause; btl $3, (%rcx); jnc 1b; hlt
    private static final byte[] BT_SET = bytes(0xf3, 0x90, 0x0f, 0xba, 0x21, 0x03, 0x73, 0xf8, 0xf4);

    @Test
    void bitTestWaitsForTheBitToBeSet() {
        assertEquals(new WaitLoop(new Poll(Address.of(DS, RCX, 0, 8), 4, Value.imm(3), Until.BIT_SET)),
                recognise(BT_SET, 2, 64));
    }

    // 1: pause; cmpl (%rbx), %eax; jae 1b; hlt       (flags of %eax - word)
    private static final byte[] VALUE_FIRST = bytes(0xf3, 0x90, 0x3b, 0x03, 0x73, 0xfa, 0xf4);

    @Test
    void registerComparedWithTheWordIsSeenFromTheWord() {
        // stays while eax >= word: goes on when word > eax
        assertEquals(new WaitLoop(new Poll(Address.of(DS, RBX, 0, 8), 4, Value.reg(RAX), Until.ABOVE)),
                recognise(VALUE_FIRST, 2, 64));
    }

    // 1: pause; movq (%rbx), %rax; cmpq $-1, %rax; je 1b; hlt
    private static final byte[] LOAD_CMP_IMM = bytes(0xf3, 0x90, 0x48, 0x8b, 0x03, 0x48, 0x83, 0xf8, 0xff, 0x74,
            0xf5, 0xf4);

    @Test
    void loadThenCompareWithAnImmediate() {
        assertEquals(new WaitLoop(new Poll(Address.of(DS, RBX, 0, 8), 8, Value.imm(-1), Until.NOT_EQUAL)),
                recognise(LOAD_CMP_IMM, 2, 64));
    }

    // .code16  1: pause; cmpb $0, %es:(%di); jne 1b; hlt
    static final byte[] BYTE16 = bytes(0xf3, 0x90, 0x26, 0x80, 0x3d, 0x00, 0x75, 0xf8, 0xf4);

    @Test
    void realModeByteWithASegmentOverride() {
        assertEquals(new WaitLoop(new Poll(Address.of(ES, DI, 0, 2), 1, Value.imm(0), Until.EQUAL)),
                recognise(BYTE16, 2, 16));
    }

    // 1: pause; cmpl $1, (%rbx); jne 1b; movl 4(%rbx), %eax; andl $3, %eax; cmpl $2, %eax; jne 1b; hlt
    private static final byte[] PREFIX_TAIL = bytes(0xf3, 0x90, 0x83, 0x3b, 0x01, 0x75, 0xf9, 0x8b, 0x43, 0x04, 0x83,
            0xe0, 0x03, 0x83, 0xf8, 0x02, 0x75, 0xee, 0xf4);

    @Test
    void aCheckItCannotDescribeEndsThePollsFound() {
        assertEquals(new WaitLoop(new Poll(Address.of(DS, RBX, 0, 8), 4, Value.imm(1), Until.EQUAL)),
                recognise(PREFIX_TAIL, 2, 64));
    }

    // 1: pause; movl (%rbx), %eax; testl %eax, %eax; jz 1b; cmpl %eax, 4(%rbx); jne 1b; hlt
    private static final byte[] RELOAD = bytes(0xf3, 0x90, 0x8b, 0x03, 0x85, 0xc0, 0x74, 0xf8, 0x39, 0x43, 0x04,
            0x75, 0xf3, 0xf4);

    @Test
    void aPollComparingWithARegisterTheLoopLoadsIsNotDescribed() {
        assertEquals(new WaitLoop(new Poll(Address.of(DS, RBX, 0, 8), 4, Value.imm(0), Until.NOT_EQUAL)),
                recognise(RELOAD, 2, 64));
    }

    @Test
    void aLoopThatPollsNothingWaitsForAnInterrupt() {
        // 1: pause; jmp 1b
        assertEquals(new WaitLoop(), recognise(bytes(0xf3, 0x90, 0xeb, 0xfc), 2, 64));
        // 1: pause; nop; jmp 1b
        assertEquals(new WaitLoop(), recognise(bytes(0xf3, 0x90, 0x90, 0xeb, 0xfb), 2, 64));
    }

    @Test
    void loopsThatAreNotWaitsAreRefused() {
        // 1: pause; movq (%rax), %rax; testq %rax, %rax; jnz 1b; hlt   (chases a pointer)
        assertNull(recognise(bytes(0xf3, 0x90, 0x48, 0x8b, 0x00, 0x48, 0x85, 0xc0, 0x75, 0xf6, 0xf4), 2, 64),
                "loads its own address register");
        // movl $100, %ecx; 1: pause; decl %ecx; jnz 1b; hlt   (a delay loop)
        assertNull(recognise(bytes(0xb9, 0x64, 0x00, 0x00, 0x00, 0xf3, 0x90, 0xff, 0xc9, 0x75, 0xfa, 0xf4), 7, 64),
                "no memory poll");
        // 1: lock btsl $0, (%rbx); jc 2f; pause; jmp 1b; 2: hlt   (stays after setting the bit)
        assertNull(recognise(bytes(0xf0, 0x0f, 0xba, 0x2b, 0x00, 0x72, 0x04, 0xf3, 0x90, 0xeb, 0xf5, 0xf4), 9, 64),
                "an iteration that goes back writes the word");
        assertNull(recognise(ACK, 3, 64), "no PAUSE before the anchor");
        assertEquals(new WaitLoop(new Poll(Address.of(DS, RBX, 0, 4), 2, Value.imm(0), Until.EQUAL)),
                recognise(ACK, 2, 32), "in 32-bit code the same bytes address with %ebx");
        assertNull(WaitLoopRecognizer.recognise(code(ACK, 0), 2, 48), "no such mode");
    }

    @Test
    void theSpanCoversTheBytesTheAnswerDependsOn() {
        long[] span = new long[2];
        WaitLoopRecognizer.recognise(code(CHECK_FIRST, 0), 8, 64, span);
        assertEquals(-8, span[0]);
        assertEquals(CHECK_FIRST.length - 8, span[1]); // through the hlt at the exit
    }

    @Test
    void untilRelationsAtTheirSizes() {
        assertTrue(Until.EQUAL.holds(0x1_0005, 5, 2));
        assertFalse(Until.EQUAL.holds(0x1_0005, 5, 4));
        assertTrue(Until.ABOVE_OR_EQUAL.holds(0xFFFF_FFFFL, 7, 4));
        assertFalse(Until.GREATER_OR_EQUAL.holds(0xFFFF_FFFFL, 7, 4), "-1 < 7 signed");
        assertTrue(Until.LESS.holds(0x80, 0x7F, 1));
        assertTrue(Until.BIT_CLEAR.holds(0b1110, 0, 4));
        assertTrue(Until.BIT_SET.holds(1L << 63, 63, 8));
        assertTrue(Until.BIT_SET.holds(0b1000, 35, 4), "bit offsets wrap at the operand width");
        assertTrue(Until.ALL_CLEAR.holds(0b1011, 0b0100, 4));
        assertTrue(Until.ANY_SET.holds(0b1100, 0b0100, 4));
        assertEquals("until it equals 0x5", Until.EQUAL.describe(5));
        assertEquals("until it has clear bit 0", Until.BIT_CLEAR.describe(0));
    }

    // ---------------------------------------------------------------- the guest images

    /** CS offsets of the PAUSEs met decoding {@code count} instructions linearly from {@code from}. */
    private static List<Long> pauses(byte[] img, long base, long from, int count, int mode) {
        List<Long> out = new ArrayList<>();
        Insn insn = new Insn();
        long pc = from;
        for (int k = 0; k < count; k++) {
            int off = (int) (pc - base);
            int len = Decoder.decode(img, off, img.length - off, mode, insn);
            assertTrue(len > 0, "decodable at 0x" + Long.toHexString(pc));
            if (insn.op == Op.PAUSE) {
                out.add(pc);
            }
            pc += len;
        }
        return out;
    }

    @Test
    void firmwareMailboxLoop() {
        GuestImage fw = GuestImages.firmware();
        long fwPoll = fw.symbol("fw_poll");
        WaitLoop loop = WaitLoopRecognizer.recognise(code(fw.bytes(), fw.loadAddress()), fwPoll + 2, 64);
        // MB_APIC_ID is at 4, MB_COMMAND at 0 (guest/include), the APIC ID from CPUID in %r8d
        assertEquals(new WaitLoop(
                new Poll(Address.of(DS, RBX, 4, 8), 4, Value.reg(R8), Until.EQUAL),
                new Poll(Address.of(DS, RBX, 0, 8), 2, Value.imm(1), Until.EQUAL)), loop);
    }

    @Test
    void bspWaitLoops() {
        GuestImage k = GuestImages.kernel();
        byte[] img = k.bytes();
        long base = k.loadAddress();
        long online = k.symbol("online_count");
        List<Long> mailbox = pauses(img, base, k.symbol("wake_mailbox_next"), 14, 64);
        assertEquals(2, mailbox.size(), "idle mailbox and acknowledgement waits");
        Poll idle = new Poll(Address.of(DS, RBX, 0, 8), 2, Value.imm(0), Until.EQUAL);
        for (long p : mailbox) {
            assertEquals(new WaitLoop(idle), WaitLoopRecognizer.recognise(code(img, base), p + 2, 64));
        }
        long all = pauses(img, base, k.symbol("wait_all"), 6, 64).get(0);
        assertEquals(new WaitLoop(new Poll(Address.anchored(DS, online - (all + 2), 8), 4, Value.reg(R15),
                Until.ABOVE_OR_EQUAL)), WaitLoopRecognizer.recognise(code(img, base), all + 2, 64));
        long serial = pauses(img, base, k.symbol("wait_serial"), 6, 64).get(0);
        assertEquals(new WaitLoop(new Poll(Address.anchored(DS, online - (serial + 2), 8), 4, Value.reg(13),
                Until.ABOVE_OR_EQUAL)), WaitLoopRecognizer.recognise(code(img, base), serial + 2, 64));
    }

    @Test
    void trampolineLockInRealAndProtectedMode() {
        RealModeBlob blob = GuestImages.trampoline("default");
        byte[] img = blob.bytes();
        long trLock = GuestImages.trampolineSymbols("default").get("tr_lock");
        long rm = pauses(img, 0, GuestImages.trampolineSymbols("default").get("trampoline_start"), 14, 16).get(0);
        assertEquals(new WaitLoop(new Poll(Address.of(DS, -1, trLock, 2), 4, Value.imm(0), Until.BIT_CLEAR, true)),
                WaitLoopRecognizer.recognise(code(img, 0), rm + 2, 16));
        // the 64-bit path takes it in compatibility mode, by its linear address (relocated at load
        // time: 0 + offset in the blob)
        long pm = pauses(img, 0, GuestImages.trampolineSymbols("default").get("trampoline_compat"), 8, 32).get(0);
        assertEquals(new WaitLoop(new Poll(Address.of(DS, -1, trLock, 4), 4, Value.imm(0), Until.BIT_CLEAR, true)),
                WaitLoopRecognizer.recognise(code(img, 0), pm + 2, 32));
    }
}
