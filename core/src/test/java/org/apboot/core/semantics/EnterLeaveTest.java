package org.apboot.core.semantics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongUnaryOperator;
import java.util.function.Supplier;
import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.CpuModel;
import org.apboot.core.cpu.CpuProfile;
import org.apboot.core.cpu.Segment;
import org.apboot.core.decode.Insn;
import org.apboot.core.fault.CpuException;
import org.apboot.core.mem.PhysicalMemory;
import org.junit.jupiter.api.Test;

/**
 * ENTER and LEAVE in every operand size and stack address size: 16- and 32-bit operands on
 * 16-bit stacks (real mode, and protected mode with a 16-bit SS) and on a 32-bit stack, 16- and
 * 64-bit operands on the 64-bit stack; nesting levels 0, 1, 2, 4, 31, 32 and 36 (taken mod 32),
 * frame sizes 0, 8 and 0xFFF0. Instructions are decoded from their bytes and run through the
 * executor table. Final registers (all 64 bits of RSP and RBP) and every byte of memory around
 * the stack and frame pointers are compared with {@link Model}, the SDM pseudo-code written out
 * here. Stack and frame pointers are chosen so that pushes and frame-pointer copies wrap at
 * 64 KiB (16-bit stacks) or cross a 64 KiB boundary (wider stacks), and so that the bits above
 * the operand size of rBP and above the stack size of rSP differ from each other.
 *
 * <p>{@link #hostRecorded} replays results recorded on a host CPU in 64-bit mode.
 */
class EnterLeaveTest {
    private static final int[] LEVELS = {0, 1, 2, 4, 31, 32, 36};
    private static final int[] ALLOCS = {0, 8, 0xFFF0};
    private static final int DATA16 = Segment.P | Segment.S | Segment.TYPE_READ_OR_WRITE | Segment.TYPE_ACCESSED;

    /** Initial memory content at linear address {@code lin}. */
    static int pat(long lin) {
        return (int) ((lin * 7 + (lin >>> 8) * 13 + 3) & 0xFF);
    }

    // ---------------------------------------------------------------- the SDM pseudo-code

    /**
     * ENTER and LEAVE as the Intel SDM (vol. 2) pseudo-code states them, over a byte map of
     * linear addresses (unwritten bytes hold {@link #pat}). Where the pseudo-code is loose, this
     * follows the hardware:
     * <ul>
     * <li>the loop steps a copy of rBP: its "BP/EBP/RBP := ... - size" does not reach the
     * register, so the final rBP keeps the original bits above the operand size (a host CPU in
     * 64-bit mode keeps RBP's bits 16-63 although the copies crossed a 64 KiB boundary);</li>
     * <li>with a 16-bit operand in 64-bit mode the closing "RBP := FrameTemp" is BP := FrameTemp
     * (the host keeps RBP's bits 16-63);</li>
     * <li>AllocSize is subtracted at the stack address size, as for every push (the 80386
     * manual states it so).</li>
     * </ul>
     */
    static final class Model {
        final int stackSize;
        final long ssBase;
        long rsp;
        long rbp;
        final Map<Long, Integer> mem = new HashMap<>();

        Model(int stackSize, long ssBase, long rsp, long rbp) {
            this.stackSize = stackSize;
            this.ssBase = ssBase;
            this.rsp = rsp;
            this.rbp = rbp;
        }

        static long mask(int bytes) {
            return bytes == 8 ? -1L : (1L << (8 * bytes)) - 1;
        }

        long lin(long offset) {
            return stackSize == 8 ? offset : (ssBase + offset) & 0xFFFF_FFFFL;
        }

        int byteAt(long lin) {
            return mem.getOrDefault(lin, pat(lin));
        }

        long read(long offset, int n) {
            long v = 0;
            for (int k = 0; k < n; k++) {
                v |= (long) byteAt(lin(offset + k)) << (8 * k);
            }
            return v;
        }

        void write(long offset, int n, long v) {
            for (int k = 0; k < n; k++) {
                mem.put(lin(offset + k), (int) (v >>> (8 * k)) & 0xFF);
            }
        }

        /** The stack register with its stack-size part replaced (SP keeps ESP's upper half). */
        long stackReg(long sp) {
            return stackSize == 2 ? (rsp & ~0xFFFFL) | sp : sp;
        }

        /** BP, EBP or RBP := v: a 16-bit write keeps the bits above, 32/64-bit writes replace. */
        long frameReg(int opSize, long v) {
            return opSize == 2 ? (rbp & ~0xFFFFL) | (v & 0xFFFF) : v & mask(opSize);
        }

        void enter(int opSize, int allocSize, int imm8) {
            long s = mask(stackSize);
            int nestingLevel = imm8 % 32;
            // Push(RBP | EBP | BP): the stack pointer moves at the stack address size
            long sp = (rsp - opSize) & s;
            write(sp, opSize, rbp & mask(opSize));
            // FrameTemp := RSP | ESP | SP, the register after the push, at the operand size
            long frameTemp = stackReg(sp) & mask(opSize);
            if (nestingLevel > 0) {
                long ptr = rbp & s; // RBP / EBP / BP, by StackSize
                for (int i = 1; i <= nestingLevel - 1; i++) {
                    ptr = (ptr - opSize) & s;
                    long copied = read(ptr, opSize);
                    sp = (sp - opSize) & s;
                    write(sp, opSize, copied);
                }
                sp = (sp - opSize) & s;
                write(sp, opSize, frameTemp);
            }
            rbp = frameReg(opSize, frameTemp);
            rsp = stackReg((sp - allocSize) & s);
        }

        void leave(int opSize) {
            long s = mask(stackSize);
            long sp = rbp & s; // RSP | ESP | SP := RBP | EBP | BP
            long popped = read(sp, opSize);
            rsp = stackReg((sp + opSize) & s);
            rbp = frameReg(opSize, popped);
        }
    }

    // ---------------------------------------------------------------- the modes

    /**
     * One mode: its stack address size and operand sizes, a CPU factory, SS base, linear to
     * physical mapping, initial rSP values and rBP values (the {@code shallow} ones only for
     * ENTER levels 0 and 1, which never read through rBP).
     */
    record Mode(String name, int stackSize, int codeSize, int[] opSizes, Supplier<Cpu> cpu, long ssBase,
                LongUnaryOperator phys, long[] sps, long[] bps, long[] shallow) {
    }

    static Cpu prot32(long ramBytes) {
        Cpu cpu = new Cpu(0, CpuModel.standard(false), CpuProfile.GENERIC, new PhysicalMemory(ramBytes));
        cpu.resetToRealMode(0, 0x100);
        int data = DATA16 | Segment.DB | Segment.G;
        for (int s = 0; s < 6; s++) {
            cpu.seg[s].set(0x10, 0, 0xFFFF_FFFFL, data);
        }
        cpu.seg[Insn.CS].set(0x08, 0, 0xFFFF_FFFFL, data | Segment.TYPE_CODE);
        cpu.cr0 |= Cpu.CR0_PE;
        cpu.updateMode();
        return cpu;
    }

    static final long VA_STACK = 0x1_0000_0000L, VA_FRAME = 0x2_0000_0000L;
    static final long PA_STACK = 0x40_0000, PA_FRAME = 0x60_0000, PML4 = 0x10_0000;

    /** 64-bit mode, paging maps 2 MiB at VA_STACK and VA_FRAME (upper bits differ) to PA_STACK and PA_FRAME. */
    static Cpu long64() {
        Cpu cpu = prot32(8 << 20);
        PhysicalMemory m = cpu.ram;
        long pdpt = PML4 + 0x1000, pdStack = PML4 + 0x2000, pdFrame = PML4 + 0x3000;
        for (long a = PML4; a < PML4 + 0x4000; a += 8) {
            m.write(a, 8, 0);
        }
        m.write(PML4, 8, pdpt | 3);
        m.write(pdpt + 8 * (VA_STACK >>> 30), 8, pdStack | 3);
        m.write(pdpt + 8 * (VA_FRAME >>> 30), 8, pdFrame | 3);
        m.write(pdStack, 8, PA_STACK | 0x83);
        m.write(pdFrame, 8, PA_FRAME | 0x83);
        cpu.cr3 = PML4;
        cpu.cr4 |= Cpu.CR4_PAE;
        cpu.efer |= Cpu.EFER_LME | Cpu.EFER_LMA;
        cpu.cr0 |= Cpu.CR0_PG;
        cpu.seg[Insn.CS].attrs = (cpu.seg[Insn.CS].attrs & ~Segment.DB) | Segment.L;
        cpu.updateMode();
        return cpu;
    }

    static long phys64(long lin) {
        if (lin >= VA_STACK && lin < VA_STACK + 0x20_0000) {
            return PA_STACK + (lin - VA_STACK);
        }
        if (lin >= VA_FRAME && lin < VA_FRAME + 0x20_0000) {
            return PA_FRAME + (lin - VA_FRAME);
        }
        throw new IllegalArgumentException("unmapped 0x" + Long.toHexString(lin));
    }

    static final long[] SP16 = {0x0000_0008L, 0xABCD_8000L, 0x1234_0004L};
    static final long[] BP16 = {0x5678_0004L, 0x0000_9000L, 0x0001_FFECL};

    static List<Mode> modes() {
        List<Mode> m = new ArrayList<>();
        m.add(new Mode("real mode (16-bit stack, SS base 0x20000)", 2, 16, new int[] {2, 4}, () -> {
            Cpu cpu = TestCpus.real();
            cpu.seg[Insn.SS].set(0x2000, 0x20000, 0xFFFF, DATA16);
            return cpu;
        }, 0x20000, lin -> lin, SP16, BP16, new long[0]));
        m.add(new Mode("protected mode, 32-bit code, 16-bit stack (SS base 0x40000)", 2, 32, new int[] {2, 4}, () -> {
            Cpu cpu = TestCpus.prot32(0);
            cpu.seg[Insn.SS].set(0x18, 0x40000, 0xFFFF, DATA16);
            return cpu;
        }, 0x40000, lin -> lin, SP16, BP16, new long[0]));
        m.add(new Mode("protected mode, flat 32-bit stack", 4, 32, new int[] {2, 4}, () -> TestCpus.prot32(0), 0,
                lin -> lin, new long[] {0x0003_0008L, 0x0003_8000L}, new long[] {0x0005_0004L, 0x0005_8000L, 0x0004_FFF0L},
                new long[] {0xFEDC_0004L}));
        m.add(new Mode("64-bit mode", 8, 64, new int[] {2, 8}, EnterLeaveTest::long64, 0, EnterLeaveTest::phys64,
                new long[] {VA_STACK + 0x3_0008, VA_STACK + 0x3_8000}, new long[] {VA_FRAME + 0x3_0004, VA_FRAME + 0x3_8000},
                new long[] {0xDEAD_BEEF_0003_0004L, 0x8000_0000_0000_FFF0L}));
        return m;
    }

    // ---------------------------------------------------------------- running

    /** The instruction's bytes for operand size {@code opSize} in a {@code codeSize}-bit segment. */
    static byte[] encode(int codeSize, int opSize, boolean leave, int alloc, int level) {
        int dflt = codeSize == 16 ? 2 : codeSize == 32 ? 4 : 8; // ENTER/LEAVE default to 64 bits in 64-bit mode
        List<Integer> b = new ArrayList<>();
        if (opSize != dflt) {
            b.add(0x66);
        }
        if (leave) {
            b.add(0xC9);
        } else {
            b.add(0xC8);
            b.add(alloc & 0xFF);
            b.add(alloc >>> 8 & 0xFF);
            b.add(level);
        }
        byte[] out = new byte[b.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) (int) b.get(i);
        }
        return out;
    }

    static void exec(Cpu cpu, byte[] code) {
        TestCpus.exec(cpu, code);
    }

    /**
     * Linear addresses the test fills and checks: 0x200 bytes below to 0x10 above rSP and rBP
     * (wrapping within a 16-bit stack segment); rBP only when it points at mapped memory.
     */
    static long[] windows(Mode mode, long sp, long bp) {
        long s = Model.mask(mode.stackSize);
        long b = bp & s;
        boolean mapped = switch (mode.stackSize) {
            case 2 -> true;
            case 4 -> b < (1 << 20);
            default -> b >= VA_FRAME && b < VA_FRAME + 0x10_0000;
        };
        long[] out = new long[mapped ? 0x420 : 0x210];
        for (int i = 0; i < 0x210; i++) {
            out[i] = mode.ssBase + ((sp - 0x200 + i) & s);
            if (mapped) {
                out[0x210 + i] = mode.ssBase + ((b - 0x200 + i) & s);
            }
        }
        return out;
    }

    private final List<String> failures = new ArrayList<>();
    private final Map<String, Cpu> cpus = new HashMap<>();
    private int cases;

    private void one(Mode mode, int opSize, boolean leave, int alloc, int level, long sp, long bp) {
        cases++;
        // one CPU per mode: every byte a case can touch lies in its windows, which are refilled
        Cpu cpu = cpus.computeIfAbsent(mode.name, k -> mode.cpu.get());
        assertEquals(mode.codeSize, cpu.codeSize, mode.name);
        assertEquals(mode.stackSize, cpu.stackAddrSize(), mode.name);
        cpu.r[Cpu.RSP] = sp;
        cpu.r[Cpu.RBP] = bp;
        long[] win = windows(mode, sp, bp);
        for (long lin : win) {
            cpu.ram.write8(mode.phys.applyAsLong(lin), pat(lin));
        }
        Model model = new Model(mode.stackSize, mode.ssBase, sp, bp);
        String what = String.format("%s: o%d %s rsp=%x rbp=%x", mode.name, opSize * 8,
                leave ? "leave" : String.format("enter 0x%x, %d", alloc, level), sp, bp);
        try {
            exec(cpu, encode(mode.codeSize, opSize, leave, alloc, level));
        } catch (CpuException e) {
            failures.add(what + ": raised " + e);
            return;
        }
        if (leave) {
            model.leave(opSize);
        } else {
            model.enter(opSize, alloc, level);
        }
        StringBuilder diff = new StringBuilder();
        if (cpu.r[Cpu.RSP] != model.rsp) {
            diff.append(String.format(" rsp=%x want %x", cpu.r[Cpu.RSP], model.rsp));
        }
        if (cpu.r[Cpu.RBP] != model.rbp) {
            diff.append(String.format(" rbp=%x want %x", cpu.r[Cpu.RBP], model.rbp));
        }
        int bad = 0;
        for (long lin : win) {
            int got = cpu.ram.read8(mode.phys.applyAsLong(lin));
            int want = model.byteAt(lin);
            if (got != want && bad++ < 4) {
                diff.append(String.format(" [%x]=%02x want %02x", lin, got, want));
            }
        }
        if (bad > 4) {
            diff.append(" and ").append(bad - 4).append(" more bytes");
        }
        if (diff.length() > 0) {
            failures.add(what + ":" + diff);
        }
    }

    @Test
    void everyOperandSizeStackSizeAndLevelMatchesTheManual() {
        for (Mode mode : modes()) {
            for (int opSize : mode.opSizes) {
                for (long sp : mode.sps) {
                    for (long bp : mode.bps) {
                        for (int level : LEVELS) {
                            for (int alloc : ALLOCS) {
                                one(mode, opSize, false, alloc, level, sp, bp);
                            }
                        }
                        one(mode, opSize, true, 0, 0, sp, bp);
                    }
                    for (long bp : mode.shallow) {
                        for (int level : new int[] {0, 1, 32, 33}) {
                            one(mode, opSize, false, 8, level, sp, bp);
                        }
                    }
                }
            }
        }
        assertTrue(cases > 1000, "cases run: " + cases);
        assertTrue(failures.isEmpty(), failures.size() + " of " + cases + " cases differ (first ones):\n"
                + String.join("\n", failures.subList(0, Math.min(30, failures.size()))));
    }

    // ---------------------------------------------------------------- hand-checked cases

    /**
     * The 386 conformance ROM's ENTER group, 32-bit operand on a 16-bit stack: ESP = 0x10000,
     * EBP = 0x1FFEC, o32 ENTER 8, 36 (level 4). FrameTemp is ESP after the push of EBP,
     * 0x1FFFC (ESP keeps its upper half, SP = 0xFFFC); EBP receives all of it and the display's
     * last entry holds it. Three frame pointers are copied from BP - 4, BP - 8, BP - 12.
     */
    @Test
    void conformanceRomThirtyTwoBitOperandOnSixteenBitStack() {
        Cpu cpu = TestCpus.prot32(0);
        cpu.seg[Insn.SS].set(0x18, 0x40000, 0xFFFF, DATA16);
        cpu.r[Cpu.RSP] = 0x10000;
        cpu.r[Cpu.RBP] = 0x1FFEC;
        for (int k = 1; k <= 3; k++) {
            cpu.ram.write(0x40000 + 0xFFEC - 4 * k, 4, 4 - k); // the enclosing frame's display: 3, 2, 1
        }
        exec(cpu, new byte[] {(byte) 0xC8, 8, 0, 36});
        assertEquals(0x1FFFCL, cpu.r[Cpu.RBP], "EBP");
        assertEquals(0x1FFE4L, cpu.r[Cpu.RSP], "ESP");
        assertEquals(0x1FFECL, cpu.ram.read(0x40000 + 0xFFFC, 4), "saved EBP");
        assertEquals(3, cpu.ram.read(0x40000 + 0xFFF8, 4));
        assertEquals(2, cpu.ram.read(0x40000 + 0xFFF4, 4));
        assertEquals(1, cpu.ram.read(0x40000 + 0xFFF0, 4));
        assertEquals(0x1FFFCL, cpu.ram.read(0x40000 + 0xFFEC, 4), "frame pointer pushed last");
        // LEAVE undoes it: SP = BP (ESP keeps 0x1xxxx), EBP popped whole
        exec(cpu, new byte[] {(byte) 0xC9});
        assertEquals(0x1FFECL, cpu.r[Cpu.RBP], "EBP after LEAVE");
        assertEquals(0x10000L, cpu.r[Cpu.RSP], "ESP after LEAVE");
    }

    /** The same ROM, 16-bit operand on a 32-bit stack: ESP = 0x10000, EBP = 0xFFF6, ENTER 8, 36. */
    @Test
    void conformanceRomSixteenBitOperandOnThirtyTwoBitStack() {
        Cpu cpu = TestCpus.prot32(0);
        cpu.r[Cpu.RSP] = 0x10000;
        cpu.r[Cpu.RBP] = 0xFFF6;
        for (int k = 1; k <= 3; k++) {
            cpu.ram.write(0xFFF6 - 2 * k, 2, 4 - k);
        }
        exec(cpu, new byte[] {0x66, (byte) 0xC8, 8, 0, 36});
        assertEquals(0xFFFEL, cpu.r[Cpu.RBP], "EBP");
        assertEquals(0xFFEEL, cpu.r[Cpu.RSP], "ESP");
        assertEquals(0xFFF6L, cpu.ram.read(0xFFFE, 2));
        assertEquals(3, cpu.ram.read(0xFFFC, 2));
        assertEquals(2, cpu.ram.read(0xFFFA, 2));
        assertEquals(1, cpu.ram.read(0xFFF8, 2));
        assertEquals(0xFFFEL, cpu.ram.read(0xFFF6, 2));
    }

    /**
     * ENTER checks the final stack pointer for a write before it changes any register (SDM
     * ENTER exceptions: #SS(0) when the new SP/ESP is outside the stack segment limit, #PF when
     * a write at the final stack pointer would page-fault): a 16-bit stack segment with limit
     * 0xFFF, SP 0x800; a frame of 0x700 fits, one of 0x900 wraps SP to 0xFEFC.
     */
    @Test
    void theFinalStackPointerMustBeWritableInTheSegment() {
        Cpu cpu = TestCpus.prot32(0);
        cpu.seg[Insn.SS].set(0x18, 0x40000, 0xFFF, DATA16);
        cpu.r[Cpu.RSP] = 0x0800;
        cpu.r[Cpu.RBP] = 0x1234_0700;
        exec(cpu, new byte[] {0x66, (byte) 0xC8, 0x00, 0x07, 0x01});
        assertEquals(0x00FCL, cpu.r[Cpu.RSP]);
        assertEquals(0x1234_07FEL, cpu.r[Cpu.RBP]);
        cpu.r[Cpu.RSP] = 0x0800;
        cpu.r[Cpu.RBP] = 0x1234_0700;
        CpuException e = assertThrows(CpuException.class, () -> exec(cpu, new byte[] {0x66, (byte) 0xC8, 0x00, 0x09, 0x01}));
        assertEquals(12, e.vector, e::toString);
        assertEquals(0, e.errorCode);
        assertEquals(0x0800L, cpu.r[Cpu.RSP], "RSP unchanged");
        assertEquals(0x1234_0700L, cpu.r[Cpu.RBP], "RBP unchanged");
    }

    /**
     * The same in 64-bit mode with paging: the pushes land in the mapped 2 MiB at VA_STACK, the
     * final RSP 0x100 bytes lower does not, and ENTER raises #PF for a write there with RSP and
     * RBP unchanged (a host CPU faults on this ENTER too, also when that page is read-only).
     */
    @Test
    void aFinalStackPointerInAnUnmappedPageFaults() {
        Cpu cpu = long64();
        cpu.r[Cpu.RSP] = VA_STACK + 0x10;
        cpu.r[Cpu.RBP] = VA_FRAME + 0x3_0000;
        CpuException e = assertThrows(CpuException.class, () -> exec(cpu, new byte[] {(byte) 0xC8, 0x00, 0x01, 0x00}));
        assertEquals(14, e.vector, e::toString);
        assertEquals(VA_STACK + 0x10 - 8 - 0x100, e.faultAddress);
        assertEquals(2, e.errorCode & 2, "a write");
        assertEquals(VA_STACK + 0x10, cpu.r[Cpu.RSP], "RSP unchanged");
        assertEquals(VA_FRAME + 0x3_0000, cpu.r[Cpu.RBP], "RBP unchanged");
        // a frame that ends inside the mapping is fine
        exec(cpu, new byte[] {(byte) 0xC8, 0x08, 0x00, 0x00});
        assertEquals(VA_STACK, cpu.r[Cpu.RSP]);
        assertEquals(VA_STACK + 0x8, cpu.r[Cpu.RBP]);
    }

    /**
     * Recorded on a host CPU (x86-64, 64-bit mode) with the memory layout of {@link #long64}
     * and {@link #pat}: operand size, instruction, level, frame size (hex), RSP and RBP before
     * -> after, then the bytes from the first to the last one the instruction changed.
     */
    static final String HOST = """
            o16 enter 0 8 100030008 200030004 -> 10002fffe 200030006 | 100030006: 04 00
            o16 enter 0 8 100030008 200038000 -> 10002fffe 200030006 | 100030006: 00 80
            o16 enter 1 8 100030008 200030004 -> 10002fffc 200030006 | 100030004: 06 00 04 00
            o16 enter 1 8 100030008 200038000 -> 10002fffc 200030006 | 100030004: 06 00 00 80
            o16 enter 2 8 100030008 200030004 -> 10002fffa 200030006 | 100030002: 06 00 11 18 04 00
            o16 enter 2 8 100030008 200038000 -> 10002fffa 200030006 | 100030002: 06 00 68 6f 00 80
            o16 enter 2 fff0 100038000 200030004 -> 10002800a 200037ffe | 100037ffa: fe 7f 11 18 04 00
            o16 enter 4 8 100030008 200030004 -> 10002fff6 200030006 | 10002fffe: 06 00 e8 ef 03 0a 11 18 04 00
            o16 enter 4 8 100030008 200038000 -> 10002fff6 200030006 | 10002fffe: 06 00 4c 53 5a 61 68 6f 00 80
            o16 enter 32 8 100030008 200030004 -> 10002fffe 200030006 | 100030006: 04 00
            o16 enter 32 8 100030008 200038000 -> 10002fffe 200030006 | 100030006: 00 80
            o16 leave 0 0 100030008 200030004 -> 200030006 20003261f
            o16 leave 0 0 100030008 200038000 -> 200038002 200038a83
            o64 enter 0 8 100030008 200030004 -> 10002fff8 100030000 | 100030000: 04 00 03 00 02 00 00 00
            o64 enter 0 8 100030008 200038000 -> 10002fff8 100030000 | 100030000: 00 80 03 00 02 00 00 00
            o64 enter 1 8 100030008 200030004 -> 10002fff0 100030000 | 10002fff8: 00 00 03 00 01 00 00 00 04 00 03 00 02 00 00 00
            o64 enter 1 8 100030008 200038000 -> 10002fff0 100030000 | 10002fff8: 00 00 03 00 01 00 00 00 00 80 03 00 02 00 00 00
            o64 enter 2 8 100030008 200030004 -> 10002ffe8 100030000 | 10002fff0: 00 00 03 00 01 00 00 00 da e1 e8 ef 03 0a 11 18 04 00 03 00 02 00 00 00
            o64 enter 2 8 100030008 200038000 -> 10002ffe8 100030000 | 10002fff0: 00 00 03 00 01 00 00 00 3e 45 4c 53 5a 61 68 6f 00 80 03 00 02 00 00 00
            o64 enter 2 fff0 100038000 200030004 -> 100027ff8 100037ff8 | 100037fe8: f8 7f 03 00 01 00 00 00 da e1 e8 ef 03 0a 11 18 04 00 03 00 02 00 00 00
            o64 enter 4 8 100030008 200030004 -> 10002ffd8 100030000 | 10002ffe0: 00 00 03 00 01 00 00 00 6a 71 78 7f 86 8d 94 9b a2 a9 b0 b7 be c5 cc d3 da e1 e8 ef 03 0a 11 18 04 00 03 00 02 00 00 00
            o64 enter 4 8 100030008 200038000 -> 10002ffd8 100030000 | 10002ffe0: 00 00 03 00 01 00 00 00 ce d5 dc e3 ea f1 f8 ff 06 0d 14 1b 22 29 30 37 3e 45 4c 53 5a 61 68 6f 00 80 03 00 02 00 00 00
            o64 enter 32 8 100030008 200030004 -> 10002fff8 100030000 | 100030000: 04 00 03 00 02 00 00 00
            o64 enter 32 8 100030008 200038000 -> 10002fff8 100030000 | 100030000: 00 80 03 00 02 00 00 00
            o64 leave 0 0 100030008 200030004 -> 20003000c 5049423b342d261f
            o64 leave 0 0 100030008 200038000 -> 200038008 b4ada69f98918a83
            """;

    @Test
    void hostRecorded() {
        Mode mode = modes().get(3);
        for (String line : HOST.strip().split("\n")) {
            String[] halves = line.split("\\|");
            String[] f = halves[0].trim().split("\\s+");
            int opSize = Integer.parseInt(f[0].substring(1)) / 8;
            boolean leave = f[1].equals("leave");
            int level = Integer.parseInt(f[2]);
            int alloc = Integer.parseInt(f[3], 16);
            long sp = Long.parseUnsignedLong(f[4], 16), bp = Long.parseUnsignedLong(f[5], 16);
            long wantSp = Long.parseUnsignedLong(f[7], 16), wantBp = Long.parseUnsignedLong(f[8], 16);
            Map<Long, Integer> changed = new HashMap<>();
            if (halves.length > 1) {
                String[] m = halves[1].trim().split(":?\\s+");
                long at = Long.parseUnsignedLong(m[0].replace(":", ""), 16);
                for (int k = 1; k < m.length; k++) {
                    changed.put(at + k - 1, Integer.parseInt(m[k], 16));
                }
            }
            Cpu cpu = mode.cpu.get();
            cpu.r[Cpu.RSP] = sp;
            cpu.r[Cpu.RBP] = bp;
            long[] win = windows(mode, sp, bp);
            for (long lin : win) {
                cpu.ram.write8(phys64(lin), pat(lin));
            }
            exec(cpu, encode(64, opSize, leave, alloc, level));
            assertEquals(wantSp, cpu.r[Cpu.RSP], () -> line + ": RSP");
            assertEquals(wantBp, cpu.r[Cpu.RBP], () -> line + ": RBP");
            for (long lin : win) {
                assertEquals(changed.getOrDefault(lin, pat(lin)), cpu.ram.read8(phys64(lin)),
                        () -> line + ": byte at " + Long.toHexString(lin));
            }
        }
    }
}
