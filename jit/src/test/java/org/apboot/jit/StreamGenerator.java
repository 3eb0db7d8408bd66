package org.apboot.jit;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;

/**
 * Random instruction streams in GNU {@code as} AT&amp;T syntax for one mode, built so that they
 * always terminate (forward branches only, backward branches only in counted loops, every
 * exception vectors to a {@code hlt} stub) and mostly touch mapped memory.
 *
 * <p>Register roles keep addresses meaningful: <em>pointer</em> registers (rBX, rBP, rSI, rDI)
 * hold addresses in the data region and are written only at 8 or 16 bits (which keeps them in
 * 0x2xxxx) or by pointer-preserving forms; in 64-bit mode R8 is a small index written only at 8
 * bits; rCX is the loop counter (never written inside a loop body); rSP moves only by PUSH/POP;
 * every other register is scratch and takes any value. Faults are injected on purpose (at most
 * one per case: #PF on the not-present and read-only pages, #GP from segment limits,
 * non-canonical addresses and branch targets beyond CS, #DE, #UD, INT n) and also arise by
 * chance.
 *
 * <p>The mix emphasises the forms the translator lowers natively (MOV, loads and stores with
 * every addressing form, the ALU group with register, immediate and memory operands, CMP/TEST
 * against memory, INC/DEC, LEA, Jcc/JMP, self-loops) and interleaves the ones it leaves to the
 * interpreter (PUSH/POP, shifts, multiply/divide, MOVZX/MOVSX, SETcc, CMOVcc, XCHG, bit tests,
 * strings, flag instructions, LOCK, AH..BH operands); self-modifying stores rewrite a later
 * instruction of the same or the next block.
 */
final class StreamGenerator {
    private static final String[] N64 = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10",
        "r11", "r12", "r13", "r14", "r15"};
    private static final String[] N32 = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi", "r8d", "r9d",
        "r10d", "r11d", "r12d", "r13d", "r14d", "r15d"};
    private static final String[] N16 = {"ax", "cx", "dx", "bx", "sp", "bp", "si", "di", "r8w", "r9w", "r10w",
        "r11w", "r12w", "r13w", "r14w", "r15w"};
    private static final String[] N8 = {"al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil", "r8b", "r9b", "r10b",
        "r11b", "r12b", "r13b", "r14b", "r15b"};
    private static final String[] N8H = {"ah", "ch", "dh", "bh"};
    static final String[] CC = {"o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"};
    private static final String[] ALU = {"add", "or", "adc", "sbb", "and", "sub", "xor", "cmp", "test"};
    private static final String[] SHIFTS = {"rol", "ror", "rcl", "rcr", "shl", "shr", "sar"};
    private static final long[] BOUNDARY = {0, 1, 2, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF, 0x7FFF_FFFFL,
        0x8000_0000L, 0xFFFF_FFFFL, -1, -2, -0x80, -0x81, 0x8000_0000_0000_0000L, 0x7FFF_FFFF_FFFF_FFFFL};
    private static final int COUNTER = 1, SP = 4, INDEX64 = 8;
    /** One-byte opcodes of "op eAX, imm32" (and MOV eAX/eDX, imm32): same length, so one may replace another. */
    private static final int[] IMM32_OPCODES = {0x05, 0x0D, 0x25, 0x2D, 0x35, 0x3D, 0xB8, 0xBA};

    /** A generated case: its source, where it is loaded, and the initial register state. */
    static final class Case {
        final int index;
        final long seed;
        final String label;
        long load;
        /** rIP at the first instruction (real mode: offset in CS). */
        long ip0;
        /** Real mode: the code ends at (or crosses) offset 0xFFFF of its segment; placed after assembly. */
        boolean top;
        /** The code segment selector (0: the mode's usual one). */
        int cs;
        final List<String> lines = new ArrayList<>();
        final long[] regs = new long[16];
        long flags;
        byte[] data;
        byte[] code;

        Case(int index, long seed, long load) {
            this.index = index;
            this.seed = seed;
            this.label = "case_" + index;
            this.load = load;
        }
    }

    private final DiffMode mode;
    private final int bits;
    private Random rnd;
    private Case c;
    private List<String> out;
    private int insns, labels, loopsLeft;
    private boolean inLoop, noStack, faultUsed, legacy8;
    private List<Pending> pending;

    /** A forward label, or a self-modification target, placed after {@code countdown} more items. */
    private static final class Pending {
        final String label;
        final List<String> lines;
        int countdown;

        Pending(String label, List<String> lines, int countdown) {
            this.label = label;
            this.lines = lines;
            this.countdown = countdown;
        }
    }

    StreamGenerator(DiffMode mode) {
        this.mode = mode;
        this.bits = mode.bits;
    }

    /** Case {@code index} from {@code seed}: 1-40 instructions (plus loop bodies) ending in HLT. */
    Case generate(int index, long seed) {
        rnd = new Random(seed);
        long offset = rnd.nextInt(4) == 0 ? 0xE00 + rnd.nextInt(0x1C0) : rnd.nextInt(0xF00);
        c = new Case(index, seed, DiffMode.CODE + offset);
        c.ip0 = c.load;
        if (bits == 16) {
            // usually CS 0x1000; sometimes the code sits at the top of its segment (see place())
            c.top = rnd.nextInt(7) == 0;
            c.ip0 = c.load - DiffMode.CODE;
            c.cs = DiffMode.REAL_CS;
        } else if (bits == 32 && rnd.nextInt(5) == 0) {
            c.cs = DiffMode.CODE32_LIMITED; // CS limit 0x10FFF: code and branches beyond it fault
        }
        out = c.lines;
        insns = 0;
        labels = 0;
        loopsLeft = 1 + rnd.nextInt(2);
        inLoop = noStack = faultUsed = false;
        pending = new ArrayList<>();
        int target = 1 + rnd.nextInt(40);
        if (rnd.nextInt(16) == 0) {
            // a straight run long enough that its block's method exceeds the translator's size
            // limit (translated in halves) or the decoder's 64-instruction block limit
            int run = 40 + rnd.nextInt(40);
            while (insns < run) {
                simple();
            }
            target += insns;
        }
        while (insns < target) {
            item();
            tick();
        }
        flush();
        emit("hlt");
        initialState();
        return c;
    }

    private void initialState() {
        for (int r = 0; r < 16; r++) {
            c.regs[r] = value();
        }
        for (int r : new int[] {3, 5, 6, 7}) {
            long low = DiffMode.DATA + rnd.nextInt(0x10000);
            if (bits == 16) {
                low = rnd.nextInt(0x10000);
            }
            c.regs[r] = bits == 64 || rnd.nextBoolean() ? low : (rnd.nextLong() << 32) | low;
        }
        if (bits == 64) {
            c.regs[INDEX64] = rnd.nextInt(0x100);
        }
        long sp = bits == 16 ? 0xE000 + rnd.nextInt(0x1000) : 0x2E000 + rnd.nextInt(0x1F00);
        if (rnd.nextInt(4) != 0) {
            sp &= ~(bits == 64 ? 7 : 3);
        }
        c.regs[SP] = bits == 64 || rnd.nextBoolean() ? sp : (rnd.nextLong() << 32) | sp;
        c.flags = rnd.nextLong() & 0x8D5;
        if (rnd.nextInt(5) == 0) {
            c.flags |= 0x400; // DF
        }
        c.data = new byte[(int) (DiffMode.DATA_END - DiffMode.DATA)];
        java.nio.LongBuffer lb = java.nio.ByteBuffer.wrap(c.data).asLongBuffer();
        java.util.SplittableRandom fill = new java.util.SplittableRandom(rnd.nextLong());
        while (lb.hasRemaining()) {
            lb.put(fill.nextLong());
        }
    }

    // ---------------------------------------------------------------- structure

    private void item() {
        int w = rnd.nextInt(100);
        if (w < 60) {
            simple();
        } else if (w < 69) {
            flagIdiom();
        } else if (w < 78) {
            forwardBranch();
        } else if (w < 84 && loopsLeft > 0 && !inLoop) {
            loop();
        } else if (w < 87 && !inLoop) {
            selfModification();
        } else if (w < 90 && !faultUsed) {
            fault();
        } else if (w < 92 && !inLoop) {
            subroutine();
        } else if (w < 94 && !inLoop) {
            indirectJump();
        } else if (w < 97 && !inLoop) {
            stringOp();
        } else if (w < 99) {
            flagControl();
        } else {
            simple();
        }
    }

    private void tick() {
        for (Iterator<Pending> it = pending.iterator(); it.hasNext();) {
            Pending p = it.next();
            if (--p.countdown < 0) {
                place(p);
                it.remove();
            }
        }
    }

    private void flush() {
        for (Pending p : pending) {
            place(p);
        }
        pending.clear();
    }

    private void place(Pending p) {
        if (p.lines == null) {
            out.add(p.label + ":");
        } else {
            for (String l : p.lines) {
                out.add(l);
            }
            insns++;
        }
    }

    private String newLabel(String kind) {
        return ".Lc" + c.index + "_" + kind + (labels++);
    }

    private void emit(String s) {
        out.add("\t" + s);
        insns++;
    }

    // ---------------------------------------------------------------- registers and operands

    private boolean pointer(int id) {
        return id == 3 || id == 5 || id == 6 || id == 7;
    }

    private boolean scratch(int id) {
        return id == 0 || id == 2 || (bits == 64 && id >= 9);
    }

    private String name(int id, int size) {
        if (id >= 16) {
            return "%" + N8H[id - 16];
        }
        switch (size) {
            case 1: return "%" + N8[id];
            case 2: return "%" + N16[id];
            case 4: return "%" + N32[id];
            default: return "%" + N64[id];
        }
    }

    private boolean writable(int id, int size) {
        if (id >= 16) {
            int base = id - 16;
            return base != COUNTER || !inLoop;
        }
        if (id == SP) {
            return false;
        }
        if (id == COUNTER) {
            return !inLoop;
        }
        if (scratch(id)) {
            return true;
        }
        if (pointer(id)) {
            return size <= 2;
        }
        return bits == 64 && id == INDEX64 && size == 1;
    }

    private int[] candidates(int size) {
        if (size == 1) {
            if (bits == 64 && !legacy8) {
                return range(16);
            }
            return new int[] {0, 1, 2, 3, 16, 17, 18, 19};
        }
        return range(bits == 64 ? 16 : 8);
    }

    private static int[] range(int n) {
        int[] r = new int[n];
        for (int i = 0; i < n; i++) {
            r[i] = i;
        }
        return r;
    }

    /** A register that may be written at {@code size}; scratch registers twice as likely. */
    private int pickW(int size) {
        List<Integer> ok = new ArrayList<>();
        for (int id : candidates(size)) {
            if (writable(id, size)) {
                ok.add(id);
                if (id < 16 && scratch(id)) {
                    ok.add(id);
                }
            }
        }
        return ok.get(rnd.nextInt(ok.size()));
    }

    private int pickR(int size) {
        int[] c = candidates(size);
        return c[rnd.nextInt(c.length)];
    }

    private int size() {
        int w = rnd.nextInt(100);
        switch (bits) {
            case 64: return w < 20 ? 1 : w < 35 ? 2 : w < 70 ? 4 : 8;
            case 32: return w < 25 ? 1 : w < 45 ? 2 : 4;
            default: return w < 30 ? 1 : w < 80 ? 2 : 4;
        }
    }

    /** A size of 2, 4 or (64-bit mode) 8 bytes, for forms without a byte version. */
    private int wideSize() {
        int s;
        do {
            s = size();
        } while (s == 1);
        return s;
    }

    /** Starts an instruction of operand size {@code size}: decides whether AH..BH may appear. */
    private int begin(int size) {
        legacy8 = bits != 64 || (size == 1 && rnd.nextInt(3) == 0);
        return size;
    }

    private static String sfx(int size) {
        switch (size) {
            case 1: return "b";
            case 2: return "w";
            case 4: return "l";
            default: return "q";
        }
    }

    private long value() {
        int w = rnd.nextInt(10);
        if (w < 3) {
            return rnd.nextInt(17);
        }
        if (w < 5) {
            return BOUNDARY[rnd.nextInt(BOUNDARY.length)];
        }
        if (w < 6) {
            return -rnd.nextInt(17);
        }
        return rnd.nextLong();
    }

    /** An immediate for a {@code size}-byte operand (sign-extended 32 bits for 8). */
    private String imm(int size) {
        long v = value();
        switch (size) {
            case 1: return hex(v & 0xFF);
            case 2: return hex(v & 0xFFFF);
            case 4: return hex(v & 0xFFFF_FFFFL);
            default: return hex((int) v);
        }
    }

    private static String hex(long v) {
        return v < 0 ? "$-0x" + Long.toHexString(-v) : "$0x" + Long.toHexString(v);
    }

    private static String disp(long d) {
        return d < 0 ? "-0x" + Long.toHexString(-d) : "0x" + Long.toHexString(d);
    }

    private long smallDisp() {
        int w = rnd.nextInt(10);
        if (w < 2) {
            return 0;
        }
        if (w < 6) {
            return rnd.nextInt(256) - 128;
        }
        return rnd.nextInt(0x900) - 0x100;
    }

    private String ptr(int size) {
        int[] p = {3, 5, 6, 7};
        return name(p[rnd.nextInt(4)], size);
    }

    /** A memory operand; {@code write} when the instruction writes it. */
    private String mem(boolean write) {
        switch (bits) {
            case 64: return mem64(write);
            case 32: return mem32(write);
            default: return mem16(write);
        }
    }

    private String mem64(boolean write) {
        int w = rnd.nextInt(100);
        boolean rex = !legacy8;
        if (w < 28) {
            return disp(smallDisp()) + "(" + ptr(8) + ")";
        }
        if (w < 42) {
            if (rex) {
                return disp(smallDisp()) + "(" + ptr(8) + ",%r8," + (1 << rnd.nextInt(4)) + ")";
            }
            return disp(smallDisp() - 0x20000) + "(" + ptr(8) + "," + ptr(8) + ")";
        }
        if (w < 48 && rex) {
            return disp(DiffMode.DATA + rnd.nextInt(0xF000)) + "(,%r8," + (1 << rnd.nextInt(4)) + ")";
        }
        if (w < 55) {
            return disp(DiffMode.DATA + rnd.nextInt(0x10000));
        }
        if (w < 67) {
            return disp(0x10000 + rnd.nextInt(0xE000)) + "(%rip)";
        }
        if (w < 73) {
            String seg = rnd.nextBoolean() ? "%fs:" : "%gs:";
            return seg + disp(rnd.nextInt(0x1000)) + (rex && rnd.nextBoolean() ? "(%r8)" : "");
        }
        if (w < 80) {
            if (rex && rnd.nextBoolean()) {
                return disp(smallDisp()) + "(" + ptr(4) + ",%r8d," + (1 << rnd.nextInt(4)) + ")";
            }
            return disp(smallDisp()) + "(" + ptr(4) + ")";
        }
        if (w < 85) {
            int scale = 1 << rnd.nextInt(3);
            return disp(smallDisp() - 0x20000L * (scale + 1) + 0x20000) + "(" + ptr(8) + "," + ptr(8) + "," + scale + ")";
        }
        if (w < 92) {
            return disp(rnd.nextInt(0x40)) + "(%rsp)";
        }
        if (w < 98) {
            return disp(DiffMode.DATA + rnd.nextInt(0x10000));
        }
        return "(%" + (rex ? N64[2 + rnd.nextInt(2) * 8] : "rdx") + ")"; // rdx or r10: scratch, any value
    }

    private String mem32(boolean write) {
        int w = rnd.nextInt(100);
        if (w < 34) {
            return disp(smallDisp()) + "(" + ptr(4) + ")";
        }
        if (w < 46) {
            int scale = 1 << rnd.nextInt(3);
            return disp(smallDisp() - 0x20000L * (scale + 1) + 0x20000) + "(" + ptr(4) + "," + ptr(4) + "," + scale + ")";
        }
        if (w < 54) {
            return disp(DiffMode.DATA + rnd.nextInt(0x10000));
        }
        if (w < 61) {
            long d = rnd.nextInt(8) == 0 ? 0x7FF0 + rnd.nextInt(0x20) : rnd.nextInt(0x8000);
            return "%fs:" + disp(d);
        }
        if (w < 66) {
            return "%gs:" + disp(rnd.nextInt(0x8000));
        }
        if (w < 72) {
            return (rnd.nextBoolean() ? "%es:" : "%ss:") + disp(smallDisp()) + "(" + ptr(4) + ")";
        }
        if (w < 78 && !write) {
            String[] forms = {"(%bx,%si)", "(%bx,%di)", "(%bp,%si)", "(%bp,%di)", "(%si)", "(%di)", "(%bx)"};
            return disp(rnd.nextInt(0x100)) + forms[rnd.nextInt(forms.length)];
        }
        if (w < 83 && !write) {
            return "%cs:" + disp(smallDisp()) + "(" + ptr(4) + ")";
        }
        if (w < 90) {
            return disp(rnd.nextInt(0x40)) + "(%esp)";
        }
        if (w < 96) {
            return disp(DiffMode.DATA + rnd.nextInt(0x10000)) + (rnd.nextBoolean() ? "" : "(,%edx,1)");
        }
        return faultyAddress();
    }

    private String mem16(boolean write) {
        int w = rnd.nextInt(100);
        String[] forms = {"(%bx,%si)", "(%bx,%di)", "(%bp,%si)", "(%bp,%di)", "(%si)", "(%di)", "(%bp)", "(%bx)"};
        String base = forms[rnd.nextInt(forms.length)];
        long d = rnd.nextBoolean() ? rnd.nextInt(256) - 128 : rnd.nextInt(0x10000);
        if (w < 45) {
            return disp(d) + base;
        }
        if (w < 55) {
            return disp(rnd.nextInt(0xFFF0));
        }
        if (w < 66) {
            String[] segs = {"%es:", "%ss:", "%fs:", "%gs:", "%ds:"};
            return segs[rnd.nextInt(segs.length)] + disp(d) + base;
        }
        if (w < 72 && !write) {
            return "%cs:" + disp(d) + base;
        }
        if (w < 84) {
            return disp(rnd.nextInt(0x100)) + "(" + ptr(4) + ")";
        }
        if (w < 88) {
            return disp(rnd.nextInt(0x40)) + "(%esp)"; // rSP's upper half may be set: a #SS then
        }
        if (w < 97) {
            return disp(d) + base;
        }
        return faultyAddress();
    }

    /** An address that faults in some modes: the not-present or read-only pages, past a limit. */
    private String faultyAddress() {
        switch (bits) {
            case 64:
                return rnd.nextBoolean() ? disp(DiffMode.NOT_PRESENT + rnd.nextInt(0x10000))
                        : disp(0x10000 + rnd.nextInt(0x100)) + "(" + ptr(8) + ")";
            case 32:
                return rnd.nextBoolean() ? disp(DiffMode.NOT_PRESENT + rnd.nextInt(0x10000))
                        : "%fs:" + disp(0x7FF8 + rnd.nextInt(0x10));
            default:
                return rnd.nextBoolean() ? disp(0xFFF8 + rnd.nextInt(8)) : disp(0xFFF0 + rnd.nextInt(0x10)) + "(%ebx)";
        }
    }

    // ---------------------------------------------------------------- single instructions

    /** One instruction (sometimes a short fixed pair) from any family. */
    private void simple() {
        int w = rnd.nextInt(1000);
        if (w < 70) { movRR(); }
        else if (w < 120) { movRI(); }
        else if (w < 190) { load(); }
        else if (w < 250) { store(); }
        else if (w < 285) { storeImm(); }
        else if (w < 375) { aluRR(); }
        else if (w < 445) { aluRI(); }
        else if (w < 500) { aluRM(); }
        else if (w < 550) { cmpMem(); }
        else if (w < 595) { incDec(); }
        else if (w < 635) { lea(); }
        else if (w < 645) { nop(); }
        else if (w < 655) { moffs(); }
        else if (w < 670) { pointerMove(); }
        else if (w < 690) { pushPop(); }
        else if (w < 725) { shift(); }
        else if (w < 740) { mulDiv(); }
        else if (w < 755) { imul(); }
        else if (w < 780) { extend(); }
        else if (w < 795) { setcc(); }
        else if (w < 810) { cmovcc(); }
        else if (w < 830) { exchange(); }
        else if (w < 850) { bitTest(); }
        else if (w < 865) { negNot(); }
        else if (w < 890) { readModifyWrite(); }
        else if (w < 910) { locked(); }
        else if (w < 940) { highByte(); }
        else if (w < 955) { carryFlag(); }
        else if (w < 975) { misc(); }
        else { aluRR(); }
    }

    private void movRR() {
        int s = begin(size());
        emit("mov" + sfx(s) + " " + name(pickR(s), s) + ", " + name(pickW(s), s));
    }

    private void movRI() {
        int s = begin(size());
        if (s == 8 && rnd.nextBoolean()) {
            emit("movabsq $0x" + Long.toHexString(rnd.nextLong()) + ", " + name(pickW(8), 8));
            return;
        }
        emit("mov" + sfx(s) + " " + imm(s) + ", " + name(pickW(s), s));
    }

    private void load() {
        int s = begin(size());
        emit("mov" + sfx(s) + " " + mem(false) + ", " + name(pickW(s), s));
    }

    private void store() {
        int s = begin(size());
        emit("mov" + sfx(s) + " " + name(pickR(s), s) + ", " + mem(true));
    }

    private void storeImm() {
        int s = begin(size());
        emit("mov" + sfx(s) + " " + imm(s) + ", " + mem(true));
    }

    private String aluOp() {
        return ALU[rnd.nextInt(ALU.length)];
    }

    private static boolean readOnly(String op) {
        return op.equals("cmp") || op.equals("test");
    }

    private void aluRR() {
        int s = begin(size());
        String op = aluOp();
        int dst = readOnly(op) ? pickR(s) : pickW(s);
        emit(op + sfx(s) + " " + name(pickR(s), s) + ", " + name(dst, s));
    }

    private void aluRI() {
        int s = begin(size());
        String op = aluOp();
        int dst = readOnly(op) ? pickR(s) : pickW(s);
        emit(op + sfx(s) + " " + imm(s) + ", " + name(dst, s));
    }

    private void aluRM() {
        int s = begin(size());
        String op = aluOp();
        int dst = readOnly(op) ? pickR(s) : pickW(s);
        emit(op + sfx(s) + " " + mem(false) + ", " + name(dst, s));
    }

    private void cmpMem() {
        int s = begin(size());
        String op = rnd.nextBoolean() ? "cmp" : "test";
        String src = rnd.nextBoolean() ? imm(s) : name(pickR(s), s);
        emit(op + sfx(s) + " " + src + ", " + mem(false));
    }

    private void incDec() {
        int s = begin(size());
        emit((rnd.nextBoolean() ? "inc" : "dec") + sfx(s) + " " + name(pickW(s), s));
    }

    private void lea() {
        int s = begin(wideSize());
        emit("lea" + sfx(s) + " " + mem(false) + ", " + name(pickW(s), s));
    }

    private void nop() {
        emit(rnd.nextBoolean() ? "nop" : ".byte 0x0f, 0x1f, 0x00");
    }

    /** MOV between the accumulator and an absolute address (A0-A3). */
    private void moffs() {
        int s = begin(size());
        legacy8 = true;
        String addr = disp(bits == 16 ? rnd.nextInt(0xFFF0) : DiffMode.DATA + rnd.nextInt(0x10000));
        String m = bits == 64 ? "movabs" : "mov" + sfx(s);
        if (rnd.nextBoolean()) {
            emit(m + " " + addr + ", " + name(0, s));
        } else {
            emit(m + " " + name(0, s) + ", " + addr);
        }
    }

    /** A full-width write to a pointer register that keeps it in the data region. */
    private void pointerMove() {
        int s = bits == 64 ? 8 : bits == 32 ? 4 : 2;
        int[] p = {3, 5, 6, 7};
        int dst = p[rnd.nextInt(4)];
        int src = p[rnd.nextInt(4)];
        switch (rnd.nextInt(5)) {
            case 0: emit("lea" + sfx(s) + " " + disp(rnd.nextInt(0x200) - 0x100) + "(" + name(src, s) + "), " + name(dst, s)); break;
            case 1: emit("mov" + sfx(s) + " " + name(src, s) + ", " + name(dst, s)); break;
            case 2: emit("add" + sfx(s) + " $" + (rnd.nextInt(256) - 128) + ", " + name(dst, s)); break;
            case 3: emit("sub" + sfx(s) + " $" + (rnd.nextInt(128)) + ", " + name(dst, s)); break;
            default: emit((rnd.nextBoolean() ? "inc" : "dec") + sfx(s) + " " + name(dst, s)); break;
        }
    }

    private void pushPop() {
        if (noStack) {
            aluRR();
            return;
        }
        int s = bits == 64 ? (rnd.nextInt(5) == 0 ? 2 : 8) : (rnd.nextInt(3) == 0 ? (bits == 32 ? 2 : 4) : bits / 8);
        begin(s);
        switch (rnd.nextInt(6)) {
            case 0: emit("push" + sfx(s) + " " + name(pickR(s), s)); break;
            case 1: emit("pop" + sfx(s) + " " + name(pickW(s), s)); break;
            case 2: emit("push" + sfx(s) + " " + imm(s)); break;
            case 3: emit("push" + sfx(s) + " " + mem(false)); break;
            case 4: emit("pop" + sfx(s) + " " + mem(true)); break;
            default:
                emit("push" + sfx(s) + " " + name(pickR(s), s));
                emit("pop" + sfx(s) + " " + name(pickW(s), s));
                break;
        }
    }

    private void shift() {
        int s = begin(size());
        String op = SHIFTS[rnd.nextInt(SHIFTS.length)];
        String dst = rnd.nextInt(4) == 0 ? mem(true) : name(pickW(s), s);
        switch (rnd.nextInt(5)) {
            case 0: emit(op + sfx(s) + " " + dst); break;
            case 1: emit(op + sfx(s) + " %cl, " + dst); break;
            case 2:
                if (s != 1) {
                    String d = rnd.nextBoolean() ? "shld" : "shrd";
                    String count = rnd.nextBoolean() ? "%cl" : "$" + rnd.nextInt(70);
                    emit(d + sfx(s) + " " + count + ", " + name(pickR(s), s) + ", " + dst);
                    break;
                }
                // fall through
            default: emit(op + sfx(s) + " $" + rnd.nextInt(70) + ", " + dst); break;
        }
    }

    private void mulDiv() {
        int s = begin(size());
        String[] ops = {"mul", "imul", "div", "idiv"};
        String op = ops[rnd.nextInt(4)];
        if (op.endsWith("div") && rnd.nextInt(3) != 0) {
            emit(s == 1 ? "movb $0, %ah" : "xor" + sfx(s) + " " + name(2, s) + ", " + name(2, s));
        }
        String src = rnd.nextInt(4) == 0 ? mem(false) : name(pickR(s), s);
        emit(op + sfx(s) + " " + src);
    }

    private void imul() {
        int s = begin(wideSize());
        String src = rnd.nextInt(3) == 0 ? mem(false) : name(pickR(s), s);
        if (rnd.nextBoolean()) {
            emit("imul" + sfx(s) + " " + src + ", " + name(pickW(s), s));
        } else {
            emit("imul" + sfx(s) + " " + imm(s) + ", " + src + ", "
                    + name(pickW(s), s));
        }
    }

    private void extend() {
        int to = begin(wideSize());
        if (bits == 64 && to == 8 && rnd.nextInt(4) == 0) {
            String src = rnd.nextBoolean() ? mem(false) : name(pickR(4), 4);
            emit("movslq " + src + ", " + name(pickW(8), 8));
            return;
        }
        int from = to == 2 || rnd.nextBoolean() ? 1 : 2;
        if (from == 1) {
            legacy8 = bits != 64; // AH..BH cannot meet a REX prefix (REX.W, R8+)
        }
        String src = rnd.nextBoolean() ? mem(false) : name(pickR(from), from);
        emit("mov" + (rnd.nextBoolean() ? "z" : "s") + sfx(from) + sfx(to) + " " + src + ", " + name(pickW(to), to));
    }

    private void setcc() {
        begin(1);
        String dst = rnd.nextInt(3) == 0 ? mem(true) : name(pickW(1), 1);
        emit("set" + CC[rnd.nextInt(16)] + " " + dst);
    }

    private void cmovcc() {
        int s = begin(wideSize());
        String src = rnd.nextInt(3) == 0 ? mem(false) : name(pickR(s), s);
        emit("cmov" + CC[rnd.nextInt(16)] + sfx(s) + " " + src + ", " + name(pickW(s), s));
    }

    private void exchange() {
        int s = begin(size());
        switch (rnd.nextInt(5)) {
            case 0: emit("xchg" + sfx(s) + " " + name(pickW(s), s) + ", " + name(pickW(s), s)); break;
            case 1: emit("xchg" + sfx(s) + " " + name(pickW(s), s) + ", " + mem(true)); break;
            case 2: emit("xadd" + sfx(s) + " " + name(pickW(s), s) + ", " + (rnd.nextBoolean() ? mem(true) : name(pickW(s), s))); break;
            default: emit("cmpxchg" + sfx(s) + " " + name(pickR(s), s) + ", " + (rnd.nextBoolean() ? mem(true) : name(pickW(s), s))); break;
        }
    }

    private void bitTest() {
        int s = begin(wideSize());
        String[] ops = {"bt", "bts", "btr", "btc"};
        String op = ops[rnd.nextInt(4)];
        boolean memory = rnd.nextBoolean();
        String dst = memory ? mem(!op.equals("bt")) : name(op.equals("bt") ? pickR(s) : pickW(s), s);
        String src;
        if (rnd.nextBoolean()) {
            src = "$" + rnd.nextInt(memory ? 256 : 80);
        } else if (!memory) {
            src = name(pickR(s), s);
        } else if (bits == 64 && !legacy8) {
            src = name(INDEX64, s); // R8: at most 0xFF bits away
        } else {
            src = "$" + rnd.nextInt(256);
        }
        emit(op + sfx(s) + " " + src + ", " + dst);
    }

    private void negNot() {
        int s = begin(size());
        String dst = rnd.nextInt(3) == 0 ? mem(true) : name(pickW(s), s);
        emit((rnd.nextBoolean() ? "neg" : "not") + sfx(s) + " " + dst);
    }

    /** ALU, INC/DEC with a memory destination (read-modify-write). */
    private void readModifyWrite() {
        int s = begin(size());
        String op = ALU[rnd.nextInt(7)];
        switch (rnd.nextInt(4)) {
            case 0: emit(op + sfx(s) + " " + name(pickR(s), s) + ", " + mem(true)); break;
            case 1: emit(op + sfx(s) + " " + imm(s) + ", " + mem(true)); break;
            default: emit((rnd.nextBoolean() ? "inc" : "dec") + sfx(s) + " " + mem(true)); break;
        }
    }

    private void locked() {
        int s = begin(size());
        switch (rnd.nextInt(6)) {
            case 0: emit("lock " + ALU[rnd.nextInt(7)] + sfx(s) + " " + name(pickR(s), s) + ", " + mem(true)); break;
            case 1: emit("lock " + ALU[rnd.nextInt(7)] + sfx(s) + " " + imm(s) + ", " + mem(true)); break;
            case 2: {
                String[] ops = {"inc", "dec", "not", "neg"};
                emit("lock " + ops[rnd.nextInt(4)] + sfx(s) + " " + mem(true));
                break;
            }
            case 3: emit("lock xadd" + sfx(s) + " " + name(pickW(s), s) + ", " + mem(true)); break;
            case 4: emit("lock cmpxchg" + sfx(s) + " " + name(pickR(s), s) + ", " + mem(true)); break;
            default: {
                int w = s == 1 ? 4 : s;
                String[] ops = {"bts", "btr", "btc"};
                emit("lock " + ops[rnd.nextInt(3)] + sfx(w) + " $" + rnd.nextInt(64) + ", " + mem(true));
                break;
            }
        }
    }

    /** Byte operations on AH..BH (the translator leaves them to the interpreter). */
    private void highByte() {
        begin(1);
        legacy8 = true;
        int h = 16 + rnd.nextInt(4);
        int other = pickR(1);
        switch (rnd.nextInt(6)) {
            case 0: emit("movb " + name(h, 1) + ", " + name(pickW(1), 1)); break;
            case 1: emit("movb " + name(other, 1) + ", " + name(writable(h, 1) ? h : 16, 1)); break;
            case 2: {
                String op = aluOp();
                int dst = readOnly(op) ? h : (writable(h, 1) ? h : 16);
                emit(op + "b " + name(other, 1) + ", " + name(dst, 1));
                break;
            }
            case 3: emit(aluOp().replace("test", "cmp") + "b " + imm(1) + ", " + name(writable(h, 1) ? h : 18, 1)); break;
            case 4: emit("movb " + mem(false) + ", " + name(writable(h, 1) ? h : 16, 1)); break;
            default: emit("cmpb " + name(h, 1) + ", " + mem(false)); break;
        }
    }

    private void carryFlag() {
        String[] ops = {"clc", "stc", "cmc", "cld", "std", "clc", "stc", "cmc"};
        emit(ops[rnd.nextInt(ops.length)]);
    }

    private void misc() {
        begin(4);
        switch (rnd.nextInt(9)) {
            case 0: {
                String[] ops = bits == 64 ? new String[] {"cbtw", "cwtl", "cltq", "cwtd", "cltd", "cqto"}
                        : new String[] {"cbtw", "cwtl", "cwtd", "cltd"};
                emit(ops[rnd.nextInt(ops.length)]);
                break;
            }
            case 1: {
                int s = bits == 64 && rnd.nextBoolean() ? 8 : 4;
                emit("bswap " + name(pickW(s), s));
                break;
            }
            case 2: {
                int s = begin(wideSize());
                String src = rnd.nextBoolean() ? mem(false) : name(pickR(s), s);
                emit((rnd.nextBoolean() ? "bsf" : "bsr") + sfx(s) + " " + src + ", " + name(pickW(s), s));
                break;
            }
            case 3: emit(rnd.nextBoolean() ? "lahf" : "sahf"); break;
            case 4: emit("rdtsc"); break;
            case 5: {
                String[] segs = {"%cs", "%ds", "%es", "%ss", "%fs", "%gs"};
                int s = rnd.nextBoolean() ? 2 : 4;
                if (rnd.nextBoolean()) {
                    emit("mov " + segs[rnd.nextInt(6)] + ", " + name(rnd.nextBoolean() ? 0 : 2, s));
                } else {
                    // DS or ES reloaded with its own selector: a segment load in the middle of a
                    // block (FS and GS keep their MSR bases for the %fs:/%gs: operands)
                    String seg = rnd.nextBoolean() ? "%ds" : "%es";
                    int r = rnd.nextBoolean() ? 0 : 2;
                    emit("mov " + seg + ", " + name(r, s));
                    emit("mov " + name(r, s) + ", " + seg);
                }
                break;
            }
            case 6: emit("xlatb"); break;
            case 7: emit("pause"); break;
            default: {
                // lods / stos / movs without REP: pointers move by a few bytes
                String[] ops = {"lods", "stos", "movs", "scas", "cmps"};
                emit(ops[rnd.nextInt(5)] + sfx(size()));
                break;
            }
        }
    }

    // ---------------------------------------------------------------- idioms

    /** A flag setter (natively lowered forms mostly). */
    private void setter() {
        switch (rnd.nextInt(6)) {
            case 0: aluRR(); break;
            case 1: aluRI(); break;
            case 2: aluRM(); break;
            case 3: cmpMem(); break;
            case 4: incDec(); break;
            default: shift(); break;
        }
    }

    /** Flag producers followed by consumers: live, dead and partially kept (INC/DEC) flags. */
    private void flagIdiom() {
        switch (rnd.nextInt(8)) {
            case 0: setter(); forwardJcc(); break;
            case 1: { // multi-precision add
                int s = begin(wideSize());
                emit("add" + sfx(s) + " " + name(pickR(s), s) + ", " + name(pickW(s), s));
                emit("adc" + sfx(s) + " " + (rnd.nextBoolean() ? mem(false) : name(pickR(s), s)) + ", " + name(pickW(s), s));
                if (rnd.nextBoolean()) {
                    emit("adc" + sfx(s) + " $0, " + name(pickW(s), s));
                }
                break;
            }
            case 2: {
                int s = begin(wideSize());
                emit("sub" + sfx(s) + " " + (rnd.nextBoolean() ? mem(false) : name(pickR(s), s)) + ", " + name(pickW(s), s));
                emit("sbb" + sfx(s) + " " + imm(s) + ", " + name(pickW(s), s));
                break;
            }
            case 3: carryFlag(); if (rnd.nextBoolean()) { aluRR(); } else { emit("adc" + sfx(4) + " $1, " + name(pickW(4), 4)); } break;
            case 4: setter(); incDec(); if (rnd.nextBoolean()) { forwardJcc(); } else { emit("sbb" + sfx(4) + " " + name(pickR(4), 4) + ", " + name(pickW(4), 4)); } break;
            case 5: setter(); setter(); setter(); forwardJcc(); break;
            case 6: setter(); if (rnd.nextBoolean()) { setcc(); } else { cmovcc(); } break;
            default: { // compare against memory, then branch
                cmpMem();
                forwardJcc();
                break;
            }
        }
    }

    private void forwardBranch() {
        if (rnd.nextInt(4) == 0) {
            String l = newLabel("f");
            emit((bits != 16 && rnd.nextBoolean() ? "{disp32} " : bits == 16 && rnd.nextInt(4) == 0 ? "data32 " : "")
                    + "jmp " + l);
            pending.add(new Pending(l, null, rnd.nextInt(4)));
        } else {
            setter();
            forwardJcc();
        }
    }

    private void forwardJcc() {
        String l = newLabel("f");
        emit((bits != 16 && rnd.nextInt(3) == 0 ? "{disp32} " : bits == 16 && rnd.nextInt(5) == 0 ? "data32 " : "")
                + "j" + CC[rnd.nextInt(16)] + " " + l);
        pending.add(new Pending(l, null, rnd.nextInt(5)));
    }

    /** A counted loop that branches back to its start (a self-loop block after its first pass). */
    private void loop() {
        loopsLeft--;
        int n = 1 + rnd.nextInt(20);
        int variant = rnd.nextInt(6);
        int cs = bits == 64 ? (rnd.nextBoolean() ? 8 : 4) : bits == 32 ? 4 : 2;
        String ctr = name(COUNTER, cs);
        String setupCtr = bits == 16 ? "%ecx" : ctr;
        String l = newLabel("loop");
        if (variant == 2) {
            emit("xor" + sfx(cs) + " " + ctr + ", " + ctr);
            if (bits == 16) {
                emit("xorl %ecx, %ecx");
            }
        } else {
            emit("mov" + (bits == 16 ? "l" : sfx(cs)) + " $" + n + ", " + setupCtr);
        }
        if (rnd.nextInt(3) == 0) {
            emit("clc");
        }
        out.add(l + ":");
        inLoop = true;
        List<Pending> outer = pending;
        pending = new ArrayList<>();
        int body = 1 + rnd.nextInt(6);
        boolean smc = rnd.nextInt(6) == 0;
        for (int k = 0; k < body; k++) {
            int w = rnd.nextInt(10);
            if (smc) {
                smc = false;
                loopSelfModification();
            } else if (w < 5) {
                simple();
            } else if (w < 7) {
                counterIndexed();
            } else if (w < 8) {
                flagIdiom();
            } else if (w < 9) {
                forwardJcc();
            } else {
                int s = begin(size());
                emit((rnd.nextBoolean() ? "adc" : "sbb") + sfx(s) + " " + (rnd.nextBoolean() ? mem(false) : name(pickR(s), s))
                        + ", " + name(pickW(s), s));
            }
            tick();
        }
        flush();
        pending = outer;
        inLoop = false;
        // near forms; in real mode sometimes a 32-bit operand size (not a self-loop for the translator)
        String near = bits != 16 ? (rnd.nextBoolean() ? "{disp32} " : "") : rnd.nextInt(4) == 0 ? "data32 " : "";
        switch (variant) {
            case 0: emit("dec" + sfx(cs) + " " + ctr); emit(near + "jnz " + l); break;
            case 1: emit("sub" + sfx(cs) + " $1, " + ctr); emit(near + "jne " + l); break;
            case 2: emit("inc" + sfx(cs) + " " + ctr); emit("cmp" + sfx(cs) + " $" + n + ", " + ctr); emit(near + (rnd.nextBoolean() ? "jb " : "jl ") + l); break;
            case 3: emit("loop " + l); break;
            case 4: emit("add" + sfx(cs) + " $-1, " + ctr); emit(near + "jnz " + l); break;
            default: emit("dec" + sfx(cs) + " " + ctr); emit("jg " + l); break;
        }
    }

    /** Real-mode code placed at the top of its segment: no absolute offsets of its labels. */
    private boolean topOfSegment() {
        return c.top;
    }

    /**
     * Places a {@link Case#top} case once its length is known, in segment 0x500 (whose first 4
     * KiB are HLT): ending exactly at offset 0xFFFF (its final HLT there, so IP wraps to 0), a
     * little below, or crossing it (an instruction beyond the limit raises #GP; one ending at
     * 0xFFFF and falling through wraps to offset 0).
     */
    static void place(Case c, Random rnd) {
        if (!c.top) {
            return;
        }
        int len = c.code.length;
        int w = rnd.nextInt(3);
        long ip0 = 0x10000 - len - (w == 0 ? 0 : w == 1 ? rnd.nextInt(0x20) : -1 - rnd.nextInt(len));
        c.ip0 = Math.min(ip0, 0xFFFF);
        c.cs = DiffMode.WRAP_CS;
        c.load = ((long) DiffMode.WRAP_CS << 4) + c.ip0;
    }

    /** The address of {@code label + delta} as a store operand in this mode. */
    private String codeAddress(String label, int delta) {
        switch (bits) {
            case 64:
                return rnd.nextBoolean() ? label + "+" + delta + "(%rip)"
                        : "0x" + Long.toHexString(c.load) + "+" + label + "-" + c.label + "+" + delta;
            case 32:
                return "0x" + Long.toHexString(c.load) + "+" + label + "-" + c.label + "+" + delta;
            default:
                return "%cs:0x" + Long.toHexString(c.ip0) + "+" + label + "-" + c.label + "+" + delta;
        }
    }

    /**
     * Inside a loop body: a store of the counter into the immediate of an "op eAX, imm32" of the
     * same body, before it (this pass runs the rewritten instruction) or after it (the next pass
     * does): a self-loop must notice that it was invalidated.
     */
    private void loopSelfModification() {
        if (topOfSegment()) {
            simple();
            return;
        }
        String l = newLabel("lsmc");
        String store = "mov" + (bits == 16 ? "l" : "l") + " %ecx, " + codeAddress(l, 0);
        boolean before = rnd.nextBoolean();
        if (before) {
            emit(store);
        }
        int opc = IMM32_OPCODES[rnd.nextInt(IMM32_OPCODES.length)];
        out.add("\t.byte " + (bits == 16 ? "0x66, " : "") + "0x" + Integer.toHexString(opc));
        out.add(l + ":");
        out.add("\t.long 0x" + Long.toHexString(rnd.nextLong() & 0xFFFF_FFFFL));
        insns++;
        if (!before) {
            emit(store);
        }
    }

    /** A load, store or compare indexed by the loop counter. */
    private void counterIndexed() {
        int s = begin(size());
        legacy8 = true;
        int scale = 1 << rnd.nextInt(4);
        String a = disp(smallDisp()) + "(" + ptr(bits == 16 ? 4 : bits / 8) + "," + name(COUNTER, bits == 16 ? 4 : bits / 8) + "," + scale + ")";
        switch (rnd.nextInt(4)) {
            case 0: emit("mov" + sfx(s) + " " + name(pickR(s), s) + ", " + a); break;
            case 1: emit("mov" + sfx(s) + " " + a + ", " + name(pickW(s), s)); break;
            case 2: emit("add" + sfx(s) + " " + a + ", " + name(pickW(s), s)); break;
            default: emit("cmp" + sfx(s) + " " + imm(s) + ", " + a); break;
        }
    }

    /**
     * A store that rewrites a later instruction: the immediate of an "op eAX, imm32", or its
     * opcode (to another of the same length), placed 0-3 items later (same or next block).
     */
    private void selfModification() {
        if (topOfSegment()) {
            simple();
            return;
        }
        String l = newLabel("smc");
        boolean opcode = rnd.nextInt(3) == 0;
        List<String> target = new ArrayList<>();
        String pre = bits == 16 ? "0x66, " : "";
        int opc = IMM32_OPCODES[rnd.nextInt(IMM32_OPCODES.length)];
        String immv = "0x" + Long.toHexString(rnd.nextLong() & 0xFFFF_FFFFL);
        if (opcode) {
            if (bits == 16) {
                target.add("\t.byte 0x66");
            }
            target.add(l + ":");
            target.add("\t.byte 0x" + Integer.toHexString(opc));
            target.add("\t.long " + immv);
        } else {
            target.add("\t.byte " + pre + "0x" + Integer.toHexString(opc));
            target.add(l + ":");
            target.add("\t.long " + immv);
        }
        int delta = opcode ? 0 : rnd.nextInt(4);
        String where = codeAddress(l, delta);
        if (opcode) {
            emit("movb $0x" + Integer.toHexString(IMM32_OPCODES[rnd.nextInt(IMM32_OPCODES.length)]) + ", " + where);
        } else {
            int s = 1 << rnd.nextInt(3);
            if (delta + s > 4) {
                s = 1;
            }
            legacy8 = true;
            switch (rnd.nextInt(6)) {
                case 0: case 1: emit("mov" + sfx(s) + " " + imm(s) + ", " + where); break;
                case 2: emit("mov" + sfx(s) + " " + name(2, s) + ", " + where); break;
                case 3: emit("add" + sfx(s) + " " + imm(s) + ", " + where); break;
                case 4: emit("xchg" + sfx(s) + " " + name(2, s) + ", " + where); break;
                default: emit("lock inc" + sfx(s) + " " + where); break;
            }
        }
        pending.add(new Pending(l, target, rnd.nextInt(4)));
    }

    /** One deliberate guest exception. */
    private void fault() {
        faultUsed = true;
        int w = rnd.nextInt(10);
        String a = bits == 64 ? "%r11" : "%eax";
        switch (w) {
            case 0:
                if (rnd.nextBoolean()) {
                    emit("ud2");
                } else {
                    // 16 bytes: longer than 15, #GP(0) (and a block the translator leaves alone)
                    emit(".byte " + "0x66, ".repeat(15) + "0x90");
                }
                return;
            case 1: emit(rnd.nextBoolean() ? "int3" : "int $0x" + Integer.toHexString(0x20 + rnd.nextInt(0xE0))); return;
            case 2: { // #DE
                int s = begin(size());
                int r = bits == 64 ? 10 : 2;
                if (s == 1) {
                    r = 2;
                }
                emit("mov" + sfx(s) + " $0, " + name(r, s));
                emit((rnd.nextBoolean() ? "div" : "idiv") + sfx(s) + " " + name(r, s));
                return;
            }
            case 3: case 4: { // a memory access that faults in this mode (or not, without paging)
                int s = begin(size());
                legacy8 = true;
                String m = faultyAddress();
                switch (rnd.nextInt(5)) {
                    case 0: emit("mov" + sfx(s) + " " + m + ", " + name(0, s)); break;
                    case 1: emit("mov" + sfx(s) + " " + name(0, s) + ", " + m); break;
                    case 2: emit("cmp" + sfx(s) + " " + imm(s) + ", " + m); break;
                    case 3: emit("add" + sfx(s) + " " + m + ", " + name(0, s)); break;
                    default: emit("or" + sfx(s) + " " + name(0, s) + ", " + m); break;
                }
                return;
            }
            default:
                break;
        }
        switch (bits) {
            case 64:
                switch (w) {
                    case 5: emit("movabsq $0x" + Long.toHexString(0x8000_0000_0000_0000L | rnd.nextLong() >>> 8) + ", " + a);
                        emit("movl (" + a + "), %eax"); return;
                    case 6: emit("movabsq $0x" + Long.toHexString(0x8000_0000_0000_0000L | rnd.nextLong() >>> 8) + ", " + a);
                        emit("jmp *" + a); return;
                    case 7: emit("movabsq $0x7f00" + String.format("%08x", rnd.nextInt() & 0xFFFFF000) + ", " + a);
                        emit("movq %rax, (" + a + ")"); return;
                    default: emit("movl %eax, " + disp(DiffMode.READ_ONLY + rnd.nextInt(0x8000))); return;
                }
            case 32:
                switch (w) {
                    case 5: emit(".byte 0xe9; .long 0x" + Integer.toHexString(0x200000 + rnd.nextInt(0x1000))); return;
                    case 6: emit(".byte 0x0f, 0x8" + Integer.toHexString(rnd.nextInt(16)) + "; .long 0x200000"); return;
                    case 7: emit("movl %eax, %cs:" + disp(DiffMode.DATA + rnd.nextInt(0x1000))); return;
                    case 8: emit("into"); return;
                    default: emit("movl %fs:0x7ffe, %eax"); return;
                }
            default:
                switch (w) {
                    case 5: emit(".byte 0x66, 0xe9; .long 0x30000"); return;
                    case 6: emit(".byte 0x66, 0x0f, 0x8" + Integer.toHexString(rnd.nextInt(16)) + "; .long 0x30000"); return;
                    case 7: emit("movw %ax, %ss:0xffff"); return;
                    case 8: emit("into"); return;
                    default: emit("movw 0x" + Integer.toHexString(0x10000 + rnd.nextInt(0x100)) + "(%ebx), %ax"); return;
                }
        }
    }

    /** CALL to a short subroutine that returns; JMP over it. */
    private void subroutine() {
        String sub = newLabel("sub");
        String after = newLabel("after");
        emit("call " + sub);
        emit("jmp " + after);
        out.add(sub + ":");
        noStack = true;
        int n = 1 + rnd.nextInt(3);
        for (int k = 0; k < n; k++) {
            simple();
        }
        noStack = false;
        emit(rnd.nextBoolean() ? "ret" : "ret $0");
        out.add(after + ":");
    }

    /** A forward jump through a register (or PUSH + RET). */
    private void indirectJump() {
        if (topOfSegment()) {
            simple();
            return;
        }
        String l = newLabel("ind");
        String abs;
        switch (bits) {
            case 64:
                emit("leaq " + l + "(%rip), %r11");
                if (rnd.nextBoolean()) {
                    emit("jmp *%r11");
                } else {
                    emit("pushq %r11");
                    emit("ret");
                }
                break;
            case 32:
                abs = "$0x" + Long.toHexString(c.load) + "+" + l + "-" + c.label;
                if (rnd.nextBoolean()) {
                    emit("movl " + abs + ", %eax");
                    emit("jmp *%eax");
                } else {
                    emit("pushl " + abs);
                    emit("ret");
                }
                break;
            default:
                abs = "$0x" + Long.toHexString(c.ip0) + "+" + l + "-" + c.label;
                emit("movw " + abs + ", %ax");
                emit("jmp *%ax");
                break;
        }
        pending.add(new Pending(l, null, rnd.nextInt(3)));
    }

    /** A string instruction with a small count in rCX, usually repeated. */
    private void stringOp() {
        int n = rnd.nextInt(13);
        emit(bits == 16 ? "movl $" + n + ", %ecx" : "mov $" + n + ", %ecx");
        String[] ops = {"movs", "stos", "lods", "cmps", "scas"};
        String op = ops[rnd.nextInt(5)];
        String rep;
        if (op.equals("cmps") || op.equals("scas")) {
            rep = rnd.nextBoolean() ? "repe " : "repne ";
        } else {
            rep = op.equals("lods") && rnd.nextBoolean() ? "" : "rep ";
        }
        emit(rep + op + sfx(size()));
    }

    /** RFLAGS through the stack: random arithmetic flags, TF (a #DB trap), STI, CLI. */
    private void flagControl() {
        String p, f, a;
        switch (bits) {
            case 64: p = "q"; f = "q"; a = "%rax"; break;
            case 32: p = "l"; f = "l"; a = "%eax"; break;
            default: p = "w"; f = "w"; a = "%ax"; break;
        }
        if (noStack) {
            carryFlag();
            return;
        }
        int w = rnd.nextInt(10);
        if (w < 6) {
            emit("pushf" + f);
            emit("pop" + p + " " + a);
            emit("xor" + (bits == 16 ? "w" : "l") + " $0x" + Integer.toHexString((int) (rnd.nextLong() & 0xCD5)) + ", "
                    + (bits == 16 ? "%ax" : "%eax"));
            emit("push" + p + " " + a);
            emit("popf" + f);
        } else if (w < 7 && !inLoop) {
            emit("pushf" + f);
            emit("pop" + p + " " + a);
            emit("or" + (bits == 16 ? "w" : "l") + " $0x100, " + (bits == 16 ? "%ax" : "%eax"));
            emit("push" + p + " " + a);
            emit("popf" + f);
            simple();
        } else if (w < 9) {
            emit("sti");
            simple();
        } else {
            emit("cli");
        }
    }
}
