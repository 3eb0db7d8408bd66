package org.apboot.core.semantics.oracle;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.jna.Function;
import com.sun.jna.Pointer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apboot.core.cpu.Cpu;
import org.apboot.core.decode.Insn;
import org.apboot.core.decode.Op;
import org.apboot.core.semantics.Flags;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The host CPU as oracle for the string instructions MOVS, STOS, LODS, CMPS and SCAS in every
 * operand size, unrepeated and with F3 / F2, both directions, 64-bit addressing. Natively, RSI and
 * RDI point into the harness's memory area ({@code lea rsi/rdi, [r11 + off]}); after the
 * instruction they are copied to RDX/RBX and DF is cleared (CLD) before the stub saves the flags,
 * as the C ABI requires. The emulated side starts with RSI/RDI at the same offsets of its copy of
 * the area. RAX, RCX, the final RSI/RDI offsets, the six arithmetic flags and the whole memory
 * area must agree. REPE/REPNE comparisons get data whose first elements match, so they stop on
 * the element the manual says.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StringOracleTest {
    private static final int[] SIZES = {1, 2, 4, 8};
    private static final int CASES = 40;
    /** Count up to 3 elements of up to 8 bytes: both regions stay inside the 64-byte area. */
    private static final int MAX_COUNT = 3;
    /** Source elements lie in [4, 28), destination elements in [34, 58) of the area. */
    private static final int SRC_LOW = 4, SRC_END = 28, DST_LOW = 34, DST_END = 58;

    private NativeX86 nat;
    private final GuestSim sim = new GuestSim();
    private final Random rnd = new Random(0x57C5);
    private final Map<String, Integer> counts = new TreeMap<>();
    private final List<String> failures = new ArrayList<>();

    @BeforeAll
    void open() {
        String[] why = new String[1];
        nat = NativeX86.open(why);
        assumeTrue(nat != null, "host-CPU string oracle skipped: " + why[0]);
    }

    @AfterAll
    void report() {
        if (!counts.isEmpty()) {
            StringBuilder sb = new StringBuilder("host-CPU string oracle cases:");
            counts.forEach((k, v) -> sb.append(String.format("%n  %-12s %6d", k, v)));
            sb.append(String.format("%n  %-12s %6d", "total", counts.values().stream().mapToInt(Integer::intValue).sum()));
            System.out.println(sb);
        }
    }

    private static final Object[][] OPS = {
        {"movs", 0xA4, Op.MOVS}, {"stos", 0xAA, Op.STOS}, {"lods", 0xAC, Op.LODS},
        {"cmps", 0xA6, Op.CMPS}, {"scas", 0xAE, Op.SCAS},
    };

    @Test
    void everyStringInstructionSizeRepeatAndDirection() {
        for (Object[] o : OPS) {
            for (int size : SIZES) {
                for (int rep : new int[] {Insn.REP_NONE, Insn.REP, Insn.REPNE}) {
                    for (boolean down : new boolean[] {false, true}) {
                        Function stub = nat.stub(nativeCode((Integer) o[1], size, rep, down));
                        Insn insn = GuestSim.insn((Op) o[2], size);
                        insn.addrSize = 8;
                        insn.rep = rep;
                        insn.seg = Insn.DS;
                        for (int k = 0; k < CASES; k++) {
                            one((String) o[0], (Op) o[2], stub, insn, size, rep, down);
                        }
                    }
                }
            }
        }
        assertTrue(failures.isEmpty(), failures.size() + " mismatches (first ones):\n"
                + String.join("\n", failures.subList(0, Math.min(25, failures.size()))));
    }

    /** lea rsi,[r11+src]; lea rdi,[r11+dst]; [rep] [66] [REX.W] op; mov rdx,rsi; mov rbx,rdi; cld */
    private static byte[] nativeCode(int opcode, int size, int rep, boolean down) {
        NativeX86.Enc e = new NativeX86.Enc();
        int src = NativeX86.MEM + srcOffset(size, down);
        int dst = NativeX86.MEM + dstOffset(size, down);
        e.raw(0x49, 0x8D, 0xB3).imm(src, 4);
        e.raw(0x49, 0x8D, 0xBB).imm(dst, 4);
        if (rep != Insn.REP_NONE) {
            e.raw(rep == Insn.REP ? 0xF3 : 0xF2);
        }
        if (size == 2) {
            e.raw(0x66);
        }
        if (size == 8) {
            e.raw(0x48);
        }
        e.raw(size == 1 ? opcode : opcode + 1);
        e.raw(0x48, 0x89, 0xF2, 0x48, 0x89, 0xFB, 0xFC);
        return e.bytes();
    }

    private void one(String name, Op op, Function stub, Insn insn, int size, int rep, boolean down) {
        String family = name + (size * 8) + (rep == Insn.REP ? " rep" : rep == Insn.REPNE ? " repne" : "");
        counts.merge(name, 1, Integer::sum);
        long count = rep == Insn.REP_NONE ? rnd.nextLong() : rnd.nextInt(MAX_COUNT + 1);
        long rax = rnd.nextLong();
        int srcOff = srcOffset(size, down);
        int dstOff = dstOffset(size, down);
        byte[] mem = new byte[NativeX86.MEM_SIZE];
        rnd.nextBytes(mem);
        if (op == Op.CMPS || op == Op.SCAS) {
            // the first {@code equal} elements match, so REPE runs on and REPNE stops there
            int equal = rnd.nextInt(MAX_COUNT + 1);
            for (int k = 0; k < equal; k++) {
                for (int b = 0; b < size; b++) {
                    int step = down ? -k * size : k * size;
                    byte v = op == Op.CMPS ? mem[srcOff + step + b] : (byte) (rax >>> (8 * b));
                    mem[dstOff + step + b] = v;
                }
            }
        }
        long flags = (rnd.nextLong() & Cpu.ARITH_FLAGS) | 0x202 | (down ? Cpu.DF : 0);
        nat.run(stub, rax, count, 0, 0, flags, mem);
        sim.load(rax, count, 0, 0, flags, mem);
        sim.cpu.r[Cpu.RSI] = GuestSim.BASE + NativeX86.MEM + srcOff;
        sim.cpu.r[Cpu.RDI] = GuestSim.BASE + NativeX86.MEM + dstOff;
        if (down) {
            sim.cpu.sysFlags |= Cpu.DF;
        }
        String in = String.format("%s %s rax=%x rcx=%x fl=%x", family, down ? "down" : "up", rax, count, flags);
        try {
            sim.exec(insn);
        } catch (RuntimeException ex) {
            failures.add(in + ": emulation threw " + ex);
            return;
        }
        long block = Pointer.nativeValue(nat.block);
        StringBuilder diff = new StringBuilder();
        compare(diff, "rax", nat.out(NativeX86.OUT_RAX), sim.cpu.r[Cpu.RAX]);
        compare(diff, "rcx", nat.out(NativeX86.OUT_RCX), sim.cpu.r[Cpu.RCX]);
        compare(diff, "rsi-offset", nat.out(NativeX86.OUT_RDX) - block, sim.cpu.r[Cpu.RSI] - GuestSim.BASE);
        compare(diff, "rdi-offset", nat.out(NativeX86.OUT_RBX) - block, sim.cpu.r[Cpu.RDI] - GuestSim.BASE);
        compare(diff, "flags", nat.out(NativeX86.OUT_FLAGS) & Cpu.ARITH_FLAGS, Flags.rflags(sim.cpu) & Cpu.ARITH_FLAGS);
        if (!java.util.Arrays.equals(nat.mem(), sim.mem())) {
            diff.append(" memory differs");
        }
        if (diff.length() > 0) {
            failures.add(in + ":" + diff);
        }
    }

    /** Where the first source element starts: the region's low end, or its top element going down. */
    private static int srcOffset(int size, boolean down) {
        return down ? SRC_END - size : SRC_LOW;
    }

    private static int dstOffset(int size, boolean down) {
        return down ? DST_END - size : DST_LOW;
    }

    private static void compare(StringBuilder diff, String what, long host, long emu) {
        if (host != emu) {
            diff.append(String.format(" %s host=%x emu=%x", what, host, emu));
        }
    }
}
