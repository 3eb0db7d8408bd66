package org.apboot.core.semantics.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.jna.Function;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.CpuModel;
import org.apboot.core.cpu.CpuProfile;
import org.apboot.core.cpu.Segment;
import org.apboot.core.decode.Decoder;
import org.apboot.core.decode.Insn;
import org.apboot.core.fault.CpuException;
import org.apboot.core.interp.ExecutorTable;
import org.apboot.core.mem.PhysicalMemory;
import org.apboot.core.semantics.Flags;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The host CPU as oracle for the string instructions MOVS, STOS, LODS, CMPS, SCAS in every
 * operand size, unrepeated, F3 and F2, DF = 0 and 1, 64- and 32-bit address size (0x67), and for
 * XLAT.
 *
 * <p>Both sides see the same addresses: a 16 KiB data region is mapped natively at a fixed low
 * address (below 4 GiB, so 32-bit addressing reaches it), and the emulated CPU runs in 64-bit
 * mode with identity paging over guest RAM that covers the same address. Native and emulated
 * sides start with the same region contents and the same RAX, RCX, RSI, RDI, RBX and flags; the
 * instruction bytes run natively are decoded by our decoder for the emulated side. Afterwards
 * the five registers (all 64 bits, so the zero-extension of 32-bit address updates is checked),
 * the six arithmetic flags and DF, and every byte of the region must agree.
 *
 * <p>Counts are 0, 1, small and random (up to {@link #MAX_COUNT}); with 0x67 the upper halves of
 * RCX, RSI, RDI and RBX hold garbage the instruction must ignore. REPE/REPNE comparisons get data
 * whose first elements keep the repeat condition and whose chosen element breaks it, so they stop
 * on the element the manual says. Some MOVS cases overlap source and destination.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StringOracleTest {
    private static final int[] SIZES = {1, 2, 4, 8};
    private static final int CASES_PER_FORM = 48;
    private static final int XLAT_CASES = 400;
    private static final int MAX_COUNT = 300;
    private static final int REGION = 0x4000;
    /** Elements stay this far inside the region, so an overrun shows up as a memory difference. */
    private static final int GUARD = 0x40;
    /** Low addresses tried for the shared region: below 4 GiB and inside small guest RAM. */
    private static final long[] CANDIDATES = {
        0x0010_0000L, 0x0020_0000L, 0x0030_0000L, 0x0040_0000L, 0x0080_0000L, 0x00C0_0000L, 0x0100_0000L,
        0x0180_0000L, 0x0200_0000L, 0x0300_0000L,
    };
    /** Guest page tables (identity map of the first 1 GiB with 2 MiB pages) live below the region. */
    private static final long PML4 = 0x1000;

    // register block: inputs then outputs, 8 bytes each
    private static final int IN_RAX = 0, IN_RCX = 8, IN_RSI = 16, IN_RDI = 24, IN_RBX = 32, IN_FLAGS = 40;
    private static final int OUT_RAX = 48, OUT_RCX = 56, OUT_RSI = 64, OUT_RDI = 72, OUT_RBX = 80, OUT_FLAGS = 88;
    private static final long COMPARED_FLAGS = Cpu.ARITH_FLAGS | Cpu.DF;

    private NativeX86 nat;
    private Pointer region;
    private long base;
    private final Memory block = new Memory(128);
    private Cpu cpu;
    private final Random rnd = new Random(0x57C5_2);
    private final Map<String, Integer> counts = new TreeMap<>();
    private final List<String> failures = new ArrayList<>();

    @BeforeAll
    void open() {
        String[] why = new String[1];
        nat = NativeX86.open(why);
        assumeTrue(nat != null, "host-CPU string oracle skipped: " + why[0]);
        region = NativeX86.mapFixed(REGION, CANDIDATES);
        assumeTrue(region != null, "host-CPU string oracle skipped: no low address free for the shared data region");
        base = Pointer.nativeValue(region);
        cpu = long64(base + REGION);
    }

    @AfterAll
    void report() {
        if (!counts.isEmpty()) {
            StringBuilder sb = new StringBuilder(String.format("host-CPU string oracle cases (region at 0x%x):", base));
            counts.forEach((k, v) -> sb.append(String.format("%n  %-14s %6d", k, v)));
            sb.append(String.format("%n  %-14s %6d", "total", counts.values().stream().mapToInt(Integer::intValue).sum()));
            System.out.println(sb);
        }
    }

    /** 64-bit mode at CPL 0, flat segments, identity paging over guest RAM of {@code ramSize} bytes. */
    private static Cpu long64(long ramSize) {
        PhysicalMemory ram = new PhysicalMemory((ramSize + 0x1F_FFFF) & ~0x1F_FFFFL);
        Cpu c = new Cpu(0, CpuModel.standard(false), CpuProfile.GENERIC, ram);
        ram.write(PML4, 8, (PML4 + 0x1000) | 3);
        ram.write(PML4 + 0x1000, 8, (PML4 + 0x2000) | 3);
        for (int i = 0; i < 512; i++) {
            ram.write(PML4 + 0x2000 + 8L * i, 8, ((long) i << 21) | 0x83);
        }
        int data = Segment.P | Segment.S | Segment.TYPE_READ_OR_WRITE | Segment.TYPE_ACCESSED | Segment.DB | Segment.G;
        for (int s = 0; s < 6; s++) {
            c.seg[s].set(0x10, 0, 0xFFFF_FFFFL, data);
        }
        c.seg[Insn.CS].set(0x08, 0, 0xFFFF_FFFFL,
                Segment.P | Segment.S | Segment.TYPE_CODE | Segment.TYPE_READ_OR_WRITE | Segment.TYPE_ACCESSED
                        | Segment.L | Segment.G);
        c.cr3 = PML4;
        c.cr4 = Cpu.CR4_PAE;
        c.efer = Cpu.EFER_LME | Cpu.EFER_LMA;
        c.cr0 |= Cpu.CR0_PE | Cpu.CR0_PG | Cpu.CR0_NE;
        c.updateMode();
        return c;
    }

    private static final boolean INTEL_HOST = HostCpuOracleTest.hostVendorIs("GenuineIntel");
    private int zeroCountSkipped;

    private static final Object[][] OPS = {
        {"movs", 0xA4}, {"stos", 0xAA}, {"lods", 0xAC}, {"cmps", 0xA6}, {"scas", 0xAE},
    };

    @Test
    void everyStringInstructionSizeRepeatDirectionAndAddressSize() {
        for (Object[] o : OPS) {
            String name = (String) o[0];
            int opcode = (Integer) o[1];
            for (int size : SIZES) {
                for (int rep : new int[] {0, 0xF3, 0xF2}) {
                    for (boolean a32 : new boolean[] {false, true}) {
                        byte[] insn = encode(opcode, size, rep, a32);
                        Function stub = nat.raw(stub(insn));
                        for (boolean down : new boolean[] {false, true}) {
                            for (int k = 0; k < CASES_PER_FORM; k++) {
                                stringCase(name, insn, stub, size, rep, a32, down, k);
                            }
                        }
                    }
                }
            }
        }
        if (zeroCountSkipped > 0) {
            System.out.println("string oracle: " + zeroCountSkipped + " repeated cases with a 32-bit address size"
                    + " and ECX = 0 not compared: the host is not an Intel processor (AMD leaves RCX, RSI, RDI"
                    + " as they were)");
        }
        assertNoFailures();
    }

    @Test
    void xlat() {
        int[][] forms = {{0xD7}, {0x48, 0xD7}, {0x67, 0xD7}, {0x67, 0x48, 0xD7}};
        for (int[] f : forms) {
            byte[] insn = bytes(f);
            boolean a32 = f[0] == 0x67;
            Function stub = nat.raw(stub(insn));
            for (int k = 0; k < XLAT_CASES; k++) {
                byte[] mem = randomRegion();
                long rax = rnd.nextLong();
                long rbx = base + GUARD + rnd.nextInt(REGION - 2 * GUARD - 0x100);
                if (a32) {
                    rbx |= rnd.nextLong() << 32;
                }
                long flags = randomFlags(rnd.nextBoolean());
                long[] in = {rax, rnd.nextLong(), rnd.nextLong(), rnd.nextLong(), rbx, flags};
                compareRun(String.format("xlat%s", a32 ? " a32" : ""), insn, stub, in, mem);
            }
        }
        assertNoFailures();
    }

    private void assertNoFailures() {
        assertTrue(failures.isEmpty(), failures.size() + " mismatches (first ones):\n"
                + String.join("\n", failures.subList(0, Math.min(25, failures.size()))));
    }

    // ---------------------------------------------------------------- case generation

    private void stringCase(String name, byte[] insn, Function stub, int size, int rep, boolean a32, boolean down, int k) {
        boolean repeated = rep != 0;
        int count;
        if (!repeated) {
            count = 1;
        } else if (k < 4) {
            count = k; // 0, 1, 2, 3 in every form
        } else if (k < 24) {
            count = rnd.nextInt(17);
        } else {
            count = rnd.nextInt(MAX_COUNT + 1);
        }
        int span = Math.max(count, 1) * size;
        byte[] mem = randomRegion();
        boolean overlap = name.equals("movs") && rnd.nextInt(4) == 0;
        // first-element offsets: source in the lower half, destination in the upper half, or
        // (overlap) the destination a few elements away from the source
        int half = REGION / 2;
        int src = firstElement(GUARD, half - GUARD, span, size, down);
        int dst;
        if (overlap) {
            int shift = (rnd.nextInt(9) - 4) * size + (rnd.nextBoolean() ? 0 : rnd.nextInt(size));
            dst = Math.max(GUARD + span, Math.min(REGION - GUARD - span, src + shift));
        } else {
            dst = firstElement(half + GUARD, REGION - GUARD, span, size, down);
        }
        long rax = rnd.nextLong();
        if (name.equals("cmps") || name.equals("scas")) {
            shapeComparison(mem, name.equals("cmps"), rep, rax, src, dst, count, size, down);
        }
        long rcx = repeated ? count : rnd.nextLong();
        long rsi = base + src, rdi = base + dst;
        if (a32) {
            // 32-bit addressing reads only ECX, ESI, EDI: garbage above them must not matter
            rcx |= rnd.nextLong() << 32;
            rsi |= rnd.nextLong() << 32;
            rdi |= rnd.nextLong() << 32;
        }
        if (repeated && a32 && count == 0 && !INTEL_HOST) {
            // with nothing to repeat, an Intel processor (the model) still writes ECX, and
            // MOVS/STOS their pointers, zero-extended; AMD processors write nothing
            zeroCountSkipped++;
            return;
        }
        long[] in = {rax, rcx, rsi, rdi, rnd.nextLong(), randomFlags(down)};
        String family = name + size * 8 + (rep == 0xF3 ? " rep" : rep == 0xF2 ? " repne" : "") + (a32 ? " a32" : "");
        compareRun(family, insn, stub, in, mem);
    }

    /** Offset of the first element so that {@code span} bytes walked up or down stay in [lo, hi). */
    private int firstElement(int lo, int hi, int span, int size, boolean down) {
        int start = lo + rnd.nextInt(hi - lo - span + 1);
        return down ? start + span - size : start;
    }

    /**
     * Makes the elements before a chosen stop element keep the repeat condition (equal for REPE,
     * different for REPNE) and the stop element break it; without a repeat prefix, the single
     * element is equal half the time.
     */
    private void shapeComparison(byte[] mem, boolean cmps, int rep, long rax, int src, int dst, int count, int size, boolean down) {
        int n = Math.max(count, 1);
        int stop = rnd.nextInt(n + 1); // n: no element breaks the condition
        for (int e = 0; e < n; e++) {
            boolean equal;
            if (rep == 0) {
                equal = rnd.nextBoolean();
            } else {
                boolean keep = e < stop || (e > stop && rnd.nextBoolean());
                equal = (rep == 0xF3) == keep;
            }
            int step = (down ? -e : e) * size;
            for (int b = 0; b < size; b++) {
                byte want = cmps ? mem[src + step + b] : (byte) (rax >>> (8 * b));
                if (equal) {
                    mem[dst + step + b] = want;
                } else if (b == 0 && mem[dst + step] == want) {
                    mem[dst + step] = (byte) ~want; // differ in the lowest byte at least
                }
            }
            if (!equal && size > 1 && rnd.nextBoolean()) {
                // differ only in the top byte: a comparison that looked at fewer bytes would stop late
                for (int b = 0; b < size - 1; b++) {
                    mem[dst + step + b] = cmps ? mem[src + step + b] : (byte) (rax >>> (8 * b));
                }
                int top = dst + step + size - 1;
                byte want = cmps ? mem[src + step + size - 1] : (byte) (rax >>> (8 * (size - 1)));
                mem[top] = (byte) (want ^ (1 + rnd.nextInt(255)));
            }
        }
    }

    private byte[] randomRegion() {
        byte[] mem = new byte[REGION];
        rnd.nextBytes(mem);
        return mem;
    }

    private long randomFlags(boolean down) {
        return (rnd.nextLong() & Cpu.ARITH_FLAGS) | 0x202 | (down ? Cpu.DF : 0);
    }

    // ---------------------------------------------------------------- native and emulated runs

    /** [67] [F3/F2] [66] [REX.W] opcode (the prefix order an assembler emits). */
    private static byte[] encode(int opcode, int size, int rep, boolean a32) {
        NativeX86.Enc e = new NativeX86.Enc();
        if (a32) {
            e.raw(0x67);
        }
        if (rep != 0) {
            e.raw(rep);
        }
        if (size == 2) {
            e.raw(0x66);
        }
        if (size == 8) {
            e.raw(0x48);
        }
        e.raw(size == 1 ? opcode : opcode + 1);
        return e.bytes();
    }

    /**
     * push rbx; mov r11, rdi; load RAX, RCX, RSI, RDI, RBX and the flags from the block;
     * INSTRUCTION; pushfq; store flags, RAX, RCX, RSI, RDI, RBX; cld (the C ABI wants DF clear);
     * pop rbx; ret.
     */
    private static byte[] stub(byte[] insn) {
        NativeX86.Enc e = new NativeX86.Enc();
        e.raw(0x53, 0x49, 0x89, 0xFB);
        e.raw(0x49, 0x8B, 0x43, IN_RAX, 0x49, 0x8B, 0x4B, IN_RCX, 0x49, 0x8B, 0x73, IN_RSI,
                0x49, 0x8B, 0x7B, IN_RDI, 0x49, 0x8B, 0x5B, IN_RBX);
        e.raw(0x41, 0xFF, 0x73, IN_FLAGS, 0x9D);
        for (byte b : insn) {
            e.raw(b & 0xFF);
        }
        e.raw(0x9C, 0x41, 0x8F, 0x43, OUT_FLAGS);
        e.raw(0x49, 0x89, 0x43, OUT_RAX, 0x49, 0x89, 0x4B, OUT_RCX, 0x49, 0x89, 0x73, OUT_RSI,
                0x49, 0x89, 0x7B, OUT_RDI, 0x49, 0x89, 0x5B, OUT_RBX);
        e.raw(0xFC, 0x5B, 0xC3);
        return e.bytes();
    }

    private static byte[] bytes(int... v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = (byte) v[i];
        }
        return b;
    }

    private static final String[] REG_NAMES = {"rax", "rcx", "rsi", "rdi", "rbx"};
    private static final int[] REG_INDEX = {Cpu.RAX, Cpu.RCX, Cpu.RSI, Cpu.RDI, Cpu.RBX};

    /** Runs {@code insn} natively and emulated on inputs {rax, rcx, rsi, rdi, rbx, flags} and the region {@code mem}. */
    private void compareRun(String family, byte[] insn, Function stub, long[] in, byte[] mem) {
        counts.merge(family.replaceAll(" .*", "").replaceAll("\\d+", ""), 1, Integer::sum);
        // native
        for (int r = 0; r < 6; r++) {
            block.setLong(8L * r, in[r]);
        }
        region.write(0, mem, 0, REGION);
        stub.invoke(Void.class, new Object[] {block});
        long[] host = new long[6];
        for (int r = 0; r < 6; r++) {
            host[r] = block.getLong(OUT_RAX + 8L * r);
        }
        byte[] hostMem = region.getByteArray(0, REGION);

        // emulated
        Arrays.fill(cpu.r, 0);
        for (int r = 0; r < 5; r++) {
            cpu.r[REG_INDEX[r]] = in[r];
        }
        Flags.setArith(cpu, in[5]);
        cpu.sysFlags = 0x202 | (in[5] & Cpu.DF);
        cpu.ram.load(base, mem);
        String what = String.format("%s %s rax=%x rcx=%x rsi=%x rdi=%x rbx=%x fl=%x", family,
                (in[5] & Cpu.DF) != 0 ? "down" : "up", in[0], in[1], in[2], in[3], in[4], in[5]);
        try {
            execute(insn);
        } catch (CpuException | IllegalStateException ex) {
            failures.add(what + ": emulation threw " + ex);
            return;
        }
        StringBuilder diff = new StringBuilder();
        for (int r = 0; r < 5; r++) {
            if (host[r] != cpu.r[REG_INDEX[r]]) {
                diff.append(String.format(" %s host=%x emu=%x", REG_NAMES[r], host[r], cpu.r[REG_INDEX[r]]));
            }
        }
        long hf = host[5] & COMPARED_FLAGS, ef = Flags.rflags(cpu) & COMPARED_FLAGS;
        if (hf != ef) {
            diff.append(String.format(" flags host=%x emu=%x", hf, ef));
        }
        byte[] emuMem = new byte[REGION];
        cpu.ram.copyOut(base, emuMem, 0, REGION);
        int at = Arrays.mismatch(hostMem, emuMem);
        if (at >= 0) {
            diff.append(String.format(" memory differs first at 0x%x (host %02x emu %02x)", base + at, hostMem[at], emuMem[at]));
        }
        if (diff.length() > 0) {
            failures.add(what + ":" + diff);
        }
    }

    /** Decodes {@code insn} in 64-bit mode and executes it to completion (a repeated one resumes until done). */
    private void execute(byte[] insn) {
        Insn i = new Insn();
        int len = Decoder.decode(insn, 0, insn.length, 64, i);
        assertEquals(insn.length, len, "instruction length");
        long start = 0x10_0000_0000L;
        for (int rounds = 0; rounds < 1000; rounds++) {
            cpu.rip = start + len;
            ExecutorTable.get(i.op).execute(cpu, i);
            if (cpu.rip == start + len) {
                return;
            }
            if (cpu.rip != start) {
                throw new IllegalStateException(String.format("rip 0x%x after execution", cpu.rip));
            }
        }
        throw new IllegalStateException("repeated instruction did not finish");
    }
}
