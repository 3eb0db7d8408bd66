package org.apboot.core.semantics.oracle;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import com.sun.jna.Function;
import org.apboot.core.cpu.Cpu;
import org.apboot.core.decode.Insn;
import org.apboot.core.decode.Op;
import org.apboot.core.fault.CpuException;
import org.apboot.core.fault.Vectors;
import org.apboot.core.semantics.Flags;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The host CPU as oracle: each integer instruction form runs natively (x86-64, via
 * {@link NativeX86}) and through the interpreter's executors ({@link GuestSim}) on the same
 * inputs; all four registers RAX, RCX, RDX, RBX (full 64 bits, so merge and zero-extension
 * rules are checked), the memory operand and the flags the manual defines for the case must
 * agree. Undefined flags are not compared (see {@link Flags} for the choices made).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostCpuOracleTest {
    private static final long ALL = Cpu.ARITH_FLAGS;
    private static final long NO_AF = ALL & ~Cpu.AF;
    private static final int[] SIZES = {1, 2, 4, 8};
    private static final int[] WIDE = {2, 4, 8};
    private static final int RAX = 1, RCX = 2, RDX = 4, RBX = 8, REGS = 15;

    private NativeX86 nat;
    private final GuestSim sim = new GuestSim();
    private final Random rnd = new Random(0x5EED);
    private final Map<String, Integer> counts = new TreeMap<>();
    /** Cases per family where an undefined (uncompared) flag differs from the host: information only. */
    private final Map<String, Integer> undefinedDiffers = new TreeMap<>();
    private final List<String> failures = new ArrayList<>();

    @BeforeAll
    void open() {
        String[] why = new String[1];
        nat = NativeX86.open(why);
        assumeTrue(nat != null, "host-CPU oracle skipped: " + why[0]);
    }

    @AfterAll
    void report() {
        if (counts.isEmpty()) {
            return;
        }
        StringBuilder sb = new StringBuilder("host-CPU oracle cases per family:");
        int total = 0;
        for (Map.Entry<String, Integer> e : counts.entrySet()) {
            Integer u = undefinedDiffers.get(e.getKey());
            sb.append(String.format("%n  %-10s %7d%s", e.getKey(), e.getValue(),
                    u == null ? "" : "   (undefined flags differ from the host in " + u + ")"));
            total += e.getValue();
        }
        sb.append(String.format("%n  %-10s %7d", "total", total));
        System.out.println(sb);
    }

    // ---------------------------------------------------------------- machinery

    private void done() {
        List<String> f = new ArrayList<>(failures);
        failures.clear();
        assertTrue(f.isEmpty(), f.size() + " mismatches (first ones):\n" + String.join("\n", f.subList(0, Math.min(25, f.size()))));
    }

    private static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) {
            sb.append(String.format("%02x ", x & 0xFF));
        }
        return sb.toString().trim();
    }

    /** Runs one case natively and emulated and compares. */
    private void one(String family, Function stub, byte[] code, Insn[] insns, long rax, long rcx, long rdx, long rbx,
                     long flags, byte[] mem, long flagMask, int regMask) {
        counts.merge(family, 1, Integer::sum);
        nat.run(stub, rax, rcx, rdx, rbx, flags, mem);
        sim.load(rax, rcx, rdx, rbx, flags, mem);
        String in = String.format("[%s] rax=%x rcx=%x rdx=%x rbx=%x fl=%x", hex(code), rax, rcx, rdx, rbx, flags & ALL);
        try {
            for (Insn i : insns) {
                sim.exec(i);
            }
        } catch (RuntimeException e) {
            failures.add(family + " " + in + ": emulation threw " + e);
            return;
        }
        long[] nr = {nat.out(NativeX86.OUT_RAX), nat.out(NativeX86.OUT_RCX), nat.out(NativeX86.OUT_RDX), nat.out(NativeX86.OUT_RBX)};
        long[] sr = {sim.cpu.r[Cpu.RAX], sim.cpu.r[Cpu.RCX], sim.cpu.r[Cpu.RDX], sim.cpu.r[Cpu.RBX]};
        String[] names = {"rax", "rcx", "rdx", "rbx"};
        StringBuilder diff = new StringBuilder();
        for (int k = 0; k < 4; k++) {
            if ((regMask & (1 << k)) != 0 && nr[k] != sr[k]) {
                diff.append(String.format(" %s host=%x emu=%x", names[k], nr[k], sr[k]));
            }
        }
        long nf = nat.out(NativeX86.OUT_FLAGS) & flagMask;
        long sf = Flags.rflags(sim.cpu) & flagMask;
        if (nf != sf) {
            diff.append(String.format(" flags(mask %x) host=%x emu=%x", flagMask, nf, sf));
        }
        if (((nat.out(NativeX86.OUT_FLAGS) ^ Flags.rflags(sim.cpu)) & ALL & ~flagMask) != 0) {
            undefinedDiffers.merge(family, 1, Integer::sum);
        }
        if (mem != null && !java.util.Arrays.equals(nat.mem(), sim.mem())) {
            diff.append(" memory host=").append(hex(nat.mem())).append(" emu=").append(hex(sim.mem()));
        }
        if (diff.length() > 0) {
            failures.add(family + " " + in + ":" + diff);
        }
    }

    private static long mask(int size) {
        return Flags.mask(size);
    }

    private long[] edges(int size) {
        long m = mask(size);
        long sb = Flags.signBit(size);
        long[] e = {0, 1, 2, 3, 0x0F, 0x10, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF, 0x7FFF_FFFFL,
            0x8000_0000L, 0xFFFF_FFFFL, sb - 1, sb, sb + 1, m, m - 1, 0x5555_5555_5555_5555L, 0xAAAA_AAAA_AAAA_AAAAL};
        return java.util.Arrays.stream(e).map(v -> v & m).distinct().toArray();
    }

    private long val(int size) {
        int pick = rnd.nextInt(10);
        long v;
        if (pick < 3) {
            long[] e = edges(size);
            v = e[rnd.nextInt(e.length)];
        } else if (pick < 5) {
            v = rnd.nextLong() >>> rnd.nextInt(64);
        } else {
            v = rnd.nextLong();
        }
        return v & mask(size);
    }

    /** {@code v} at {@code size} with random bits above (registers keep or lose them). */
    private long garbage(long v, int size) {
        if (size == 8) {
            return v;
        }
        return (v & mask(size)) | (rnd.nextLong() << (size * 8));
    }

    private long flagsIn() {
        return (rnd.nextLong() & ALL) | 0x202;
    }

    private byte[] memWith(int off, int size, long v) {
        byte[] m = new byte[NativeX86.MEM_SIZE];
        rnd.nextBytes(m);
        for (int k = 0; k < size; k++) {
            m[off + k] = (byte) (v >>> (8 * k));
        }
        return m;
    }

    interface PairCase {
        void run(long a, long b);
    }

    /** Every pair of edge values, then {@code randoms} random pairs. */
    private void pairs(int size, int randoms, PairCase c) {
        long[] e = edges(size);
        for (long a : e) {
            for (long b : e) {
                c.run(a, b);
            }
        }
        for (int k = 0; k < randoms; k++) {
            c.run(val(size), val(size));
        }
    }

    private static int[] opc(int... b) {
        return b;
    }

    private static NativeX86.Enc enc() {
        return new NativeX86.Enc();
    }

    // ---------------------------------------------------------------- ALU

    private static final Object[][] ALU = {
        {"add", 0x00, Op.ADD}, {"or", 0x08, Op.OR}, {"adc", 0x10, Op.ADC}, {"sbb", 0x18, Op.SBB},
        {"and", 0x20, Op.AND}, {"sub", 0x28, Op.SUB}, {"xor", 0x30, Op.XOR}, {"cmp", 0x38, Op.CMP},
        {"test", 0x84, Op.TEST},
    };

    @Test
    void aluRegisterAndMemoryForms() {
        for (Object[] a : ALU) {
            String name = (String) a[0];
            int base = (Integer) a[1];
            Op op = (Op) a[2];
            long fm = (op == Op.AND || op == Op.OR || op == Op.XOR || op == Op.TEST) ? NO_AF : ALL;
            for (int size : SIZES) {
                int[] o = opc(size == 1 ? base : base + 1);
                byte[] code = enc().op(size, 0, o, 1, 0, 0).bytes();
                Function f = nat.stub(code);
                Insn[] ins = {GuestSim.rr(op, size, Insn.K_RM, Insn.K_REG, 1, 0)};
                pairs(size, 1500, (x, y) -> one(name, f, code, ins, garbage(x, size), garbage(y, size),
                        rnd.nextLong(), rnd.nextLong(), flagsIn(), null, fm, REGS));
                for (boolean lock : new boolean[] {false, true}) {
                    if (lock && (op == Op.CMP || op == Op.TEST)) {
                        continue;
                    }
                    NativeX86.Enc e = enc();
                    if (lock) {
                        e.raw(0xF0);
                    }
                    byte[] mcode = e.op(size, 0, o, 1, -1, NativeX86.MEM).bytes();
                    Function mf = nat.stub(mcode);
                    Insn mi = GuestSim.mem(GuestSim.rr(op, size, Insn.K_RM, Insn.K_REG, 1, 0), NativeX86.MEM);
                    mi.lock = lock;
                    Insn[] mins = {mi};
                    for (int k = 0; k < 300; k++) {
                        one(name, mf, mcode, mins, rnd.nextLong(), garbage(val(size), size), rnd.nextLong(),
                                rnd.nextLong(), flagsIn(), memWith(0, size, val(size)), fm, REGS);
                    }
                }
            }
        }
        done();
    }

    private static final Object[][] UNARY = {
        {"inc", 0xFE, 0, Op.INC}, {"dec", 0xFE, 1, Op.DEC}, {"not", 0xF6, 2, Op.NOT}, {"neg", 0xF6, 3, Op.NEG},
    };

    @Test
    void unaryForms() {
        for (Object[] u : UNARY) {
            String name = (String) u[0];
            int base = (Integer) u[1];
            int digit = (Integer) u[2];
            Op op = (Op) u[3];
            for (int size : SIZES) {
                int[] o = opc(size == 1 ? base : base + 1);
                for (boolean memory : new boolean[] {false, true}) {
                    NativeX86.Enc e = enc();
                    if (memory) {
                        e.raw(0xF0);
                    }
                    byte[] code = e.op(size, 0, o, digit, memory ? -1 : 0, NativeX86.MEM).bytes();
                    Function f = nat.stub(code);
                    Insn i = GuestSim.rr(op, size, Insn.K_RM, Insn.K_NONE, digit, 0);
                    if (memory) {
                        GuestSim.mem(i, NativeX86.MEM);
                        i.lock = true;
                    }
                    Insn[] ins = {i};
                    int n = memory ? 400 : 1500;
                    for (long v : edges(size)) {
                        one(name, f, code, ins, garbage(v, size), rnd.nextLong(), rnd.nextLong(), rnd.nextLong(),
                                flagsIn(), memory ? memWith(0, size, v) : null, ALL, REGS);
                    }
                    for (int k = 0; k < n; k++) {
                        long v = val(size);
                        one(name, f, code, ins, garbage(v, size), rnd.nextLong(), rnd.nextLong(), rnd.nextLong(),
                                flagsIn(), memory ? memWith(0, size, v) : null, ALL, REGS);
                    }
                }
            }
        }
        done();
    }

    // ---------------------------------------------------------------- multiply and divide

    @Test
    void oneOperandMultiply() {
        Object[][] forms = {{"mul", 4, Op.MUL}, {"imul1", 5, Op.IMUL1}};
        for (Object[] m : forms) {
            for (int size : SIZES) {
                byte[] code = enc().op(size, 0, opc(size == 1 ? 0xF6 : 0xF7), (Integer) m[1], 1, 0).bytes();
                Function f = nat.stub(code);
                Insn[] ins = {GuestSim.rr((Op) m[2], size, Insn.K_RM, Insn.K_NONE, (Integer) m[1], 1)};
                pairs(size, 2000, (x, y) -> one((String) m[0], f, code, ins, garbage(x, size), garbage(y, size),
                        rnd.nextLong(), rnd.nextLong(), flagsIn(), null, Cpu.CF | Cpu.OF, REGS));
            }
        }
        done();
    }

    @Test
    void twoAndThreeOperandImul() {
        for (int size : WIDE) {
            byte[] code = enc().op(size, 0, opc(0x0F, 0xAF), 0, 1, 0).bytes();
            Function f = nat.stub(code);
            Insn[] ins = {GuestSim.rr(Op.IMUL, size, Insn.K_REG, Insn.K_RM, 0, 1)};
            pairs(size, 2000, (x, y) -> one("imul2", f, code, ins, garbage(x, size), garbage(y, size),
                    rnd.nextLong(), rnd.nextLong(), flagsIn(), null, Cpu.CF | Cpu.OF, REGS));
            for (boolean byteImm : new boolean[] {true, false}) {
                for (int k = 0; k < 24; k++) {
                    long imm = byteImm ? (byte) val(1) : (size == 2 ? (short) val(2) : (int) val(4));
                    NativeX86.Enc e = enc().op(size, 0, opc(byteImm ? 0x6B : 0x69), 0, 1, 0);
                    byte[] c3 = e.imm(imm, byteImm ? 1 : Math.min(size, 4)).bytes();
                    Function f3 = nat.stub(c3);
                    Insn i3 = GuestSim.rr(Op.IMUL, size, Insn.K_REG, Insn.K_RM, 0, 1);
                    i3.src2 = Insn.K_IMM;
                    i3.imm = imm;
                    Insn[] ins3 = {i3};
                    for (int j = 0; j < 60; j++) {
                        one("imul3", f3, c3, ins3, rnd.nextLong(), garbage(val(size), size), rnd.nextLong(),
                                rnd.nextLong(), flagsIn(), null, Cpu.CF | Cpu.OF, REGS);
                    }
                }
            }
        }
        done();
    }

    /** True when the division raises #DE (checked independently with BigInteger). */
    static boolean divideFaults(int size, boolean signed, long hi, long lo, long d) {
        int bits = size * 8;
        long m = mask(size);
        BigInteger h = new BigInteger(Long.toUnsignedString(hi & m));
        BigInteger l = new BigInteger(Long.toUnsignedString(lo & m));
        BigInteger n = h.shiftLeft(bits).or(l);
        BigInteger dv = new BigInteger(Long.toUnsignedString(d & m));
        if (signed) {
            if (n.testBit(2 * bits - 1)) {
                n = n.subtract(BigInteger.ONE.shiftLeft(2 * bits));
            }
            if (dv.testBit(bits - 1)) {
                dv = dv.subtract(BigInteger.ONE.shiftLeft(bits));
            }
        }
        if (dv.signum() == 0) {
            return true;
        }
        BigInteger q = n.divide(dv);
        if (signed) {
            return q.bitLength() > bits - 1;
        }
        return q.bitLength() > bits;
    }

    @Test
    void divide() {
        Object[][] forms = {{"div", 6, Op.DIV, false}, {"idiv", 7, Op.IDIV, true}};
        for (Object[] dform : forms) {
            String name = (String) dform[0];
            boolean signed = (Boolean) dform[3];
            for (int size : SIZES) {
                byte[] code = enc().op(size, 0, opc(size == 1 ? 0xF6 : 0xF7), (Integer) dform[1], 1, 0).bytes();
                Function f = nat.stub(code);
                Insn[] ins = {GuestSim.rr((Op) dform[2], size, Insn.K_RM, Insn.K_NONE, (Integer) dform[1], 1)};
                long m = mask(size);
                for (int k = 0; k < 4000; k++) {
                    long d = val(size);
                    long lo = val(size);
                    long hi;
                    int pick = rnd.nextInt(4);
                    if (pick == 0) {
                        hi = val(size);
                    } else if (pick == 1 && d != 0) {
                        hi = Long.remainderUnsigned(rnd.nextLong() & m, d);
                    } else {
                        hi = (lo & Flags.signBit(size)) != 0 ? m : 0; // sign extension of lo
                        if (rnd.nextBoolean()) {
                            lo >>>= rnd.nextInt(size * 8);
                            hi = 0;
                        }
                    }
                    long rax, rdx;
                    if (size == 1) {
                        rax = (rnd.nextLong() << 16) | (hi << 8) | lo;
                        rdx = rnd.nextLong();
                    } else {
                        rax = garbage(lo, size);
                        rdx = garbage(hi, size);
                    }
                    long rcx = garbage(d, size);
                    if (divideFaults(size, signed, hi, lo, d)) {
                        counts.merge(name + "#DE", 1, Integer::sum);
                        sim.load(rax, rcx, rdx, 0, 0x202, null);
                        try {
                            sim.exec(ins[0]);
                            failures.add(String.format("%s size %d hi=%x lo=%x d=%x: no #DE", name, size, hi, lo, d));
                        } catch (CpuException e) {
                            if (e.vector != Vectors.DE || sim.cpu.r[Cpu.RAX] != rax || sim.cpu.r[Cpu.RDX] != rdx) {
                                failures.add(name + ": wrong fault or state changed: " + e);
                            }
                        }
                        continue;
                    }
                    one(name, f, code, ins, rax, rcx, rdx, rnd.nextLong(), flagsIn(), null, 0, REGS);
                }
            }
        }
        done();
    }

    // ---------------------------------------------------------------- shifts and rotates

    private static final Object[][] SHIFTS = {
        {"rol", 0, Op.ROL}, {"ror", 1, Op.ROR}, {"rcl", 2, Op.RCL}, {"rcr", 3, Op.RCR},
        {"shl", 4, Op.SHL}, {"shr", 5, Op.SHR}, {"sar", 7, Op.SAR},
    };

    private static long shiftMask(int digit, int size, long count) {
        int c = (int) (count & (size == 8 ? 63 : 31));
        if (c == 0) {
            return ALL; // nothing changes
        }
        long of = c == 1 ? Cpu.OF : 0;
        if (digit <= 3) {
            return Cpu.CF | of;
        }
        long cf = (digit != 7 && c >= size * 8) ? 0 : Cpu.CF;
        return Cpu.SF | Cpu.ZF | Cpu.PF | cf | of;
    }

    @Test
    void shiftsAndRotates() {
        for (Object[] s : SHIFTS) {
            String name = (String) s[0];
            int digit = (Integer) s[1];
            Op op = (Op) s[2];
            for (int size : SIZES) {
                // by CL, counts 0..70 and random
                byte[] code = enc().op(size, 0, opc(size == 1 ? 0xD2 : 0xD3), digit, 0, 0).bytes();
                Function f = nat.stub(code);
                Insn[] ins = {GuestSim.rr(op, size, Insn.K_RM, Insn.K_CL, digit, 0)};
                long[] e = edges(size);
                for (int count = 0; count <= 70; count++) {
                    for (int k = 0; k < e.length + 20; k++) {
                        long v = k < e.length ? e[k] : val(size);
                        long rcx = (rnd.nextLong() & ~0xFFL) | count;
                        one(name, f, code, ins, garbage(v, size), rcx, rnd.nextLong(), rnd.nextLong(), flagsIn(),
                                null, shiftMask(digit, size, count), REGS);
                    }
                }
                for (int k = 0; k < 300; k++) {
                    long rcx = rnd.nextLong();
                    one(name, f, code, ins, garbage(val(size), size), rcx, rnd.nextLong(), rnd.nextLong(), flagsIn(),
                            null, shiftMask(digit, size, rcx & 0xFF), REGS);
                }
                // by one, and by immediate
                byte[] c1 = enc().op(size, 0, opc(size == 1 ? 0xD0 : 0xD1), digit, 0, 0).bytes();
                Function f1 = nat.stub(c1);
                Insn[] ins1 = {GuestSim.rr(op, size, Insn.K_RM, Insn.K_ONE, digit, 0)};
                for (int k = 0; k < 200; k++) {
                    one(name, f1, c1, ins1, garbage(val(size), size), rnd.nextLong(), rnd.nextLong(), rnd.nextLong(),
                            flagsIn(), null, shiftMask(digit, size, 1), REGS);
                }
                for (int count : new int[] {0, 2, 7, 8, 9, 16, 17, 31, 32, 33, 63, 64, 65, 200}) {
                    byte[] ci = enc().op(size, 0, opc(size == 1 ? 0xC0 : 0xC1), digit, 0, 0).imm(count, 1).bytes();
                    Function fi = nat.stub(ci);
                    Insn ii = GuestSim.rr(op, size, Insn.K_RM, Insn.K_IMM, digit, 0);
                    ii.imm = count;
                    Insn[] insi = {ii};
                    for (int k = 0; k < 25; k++) {
                        one(name, fi, ci, insi, garbage(val(size), size), rnd.nextLong(), rnd.nextLong(),
                                rnd.nextLong(), flagsIn(), null, shiftMask(digit, size, count), REGS);
                    }
                }
            }
        }
        done();
    }

    @Test
    void doublePrecisionShifts() {
        Object[][] forms = {{"shld", 0xA5, Op.SHLD}, {"shrd", 0xAD, Op.SHRD}};
        for (Object[] s : forms) {
            String name = (String) s[0];
            for (int size : WIDE) {
                byte[] code = enc().op(size, 0, opc(0x0F, (Integer) s[1]), 3, 0, 0).bytes();
                Function f = nat.stub(code);
                Insn i = GuestSim.rr((Op) s[2], size, Insn.K_RM, Insn.K_REG, 3, 0);
                i.src2 = Insn.K_CL;
                Insn[] ins = {i};
                // 16-bit counts 17..31 (undefined in the SDM): result and all six flags as an
                // Intel host leaves them; AMD processors fill and flag these differently from
                // Intel's dst:src:dst, which the model follows (DoubleShiftBeyondWidthTest)
                boolean beyondCompared = INTEL_HOST;
                for (int count = 0; count <= 70; count++) {
                    for (int k = 0; k < 40; k++) {
                        int c = count & (size == 8 ? 63 : 31);
                        boolean beyond = c > size * 8;
                        if (beyond && !beyondCompared) {
                            beyondSkipped++;
                            continue;
                        }
                        long fm = c == 0 || beyond ? ALL
                                : Cpu.CF | Cpu.SF | Cpu.ZF | Cpu.PF | (c == 1 ? Cpu.OF : 0);
                        int regs = REGS;
                        one(name, f, code, ins, garbage(val(size), size), (rnd.nextLong() & ~0xFFL) | count,
                                rnd.nextLong(), garbage(val(size), size), flagsIn(), null, fm, regs);
                    }
                }
            }
        }
        if (beyondSkipped > 0) {
            System.out.println("host-CPU oracle: " + beyondSkipped + " SHLD/SHRD r16 cases with a count of 17..31 not"
                    + " compared: the host is not an Intel processor (AMD fills them differently)");
        }
        done();
    }

    private int beyondSkipped;

    /** True when the host's processor is Intel's (the undefined SHLD/SHRD r16 fill is vendor-specific). */
    private static final boolean INTEL_HOST = hostVendorIs("GenuineIntel");

    /** True when /proc/cpuinfo names {@code vendorId} ("GenuineIntel", "AuthenticAMD"). */
    static boolean hostVendorIs(String vendorId) {
        try {
            return java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/cpuinfo")).stream()
                    .anyMatch(l -> l.startsWith("vendor_id") && l.contains(vendorId));
        } catch (java.io.IOException e) {
            return false;
        }
    }

    // ---------------------------------------------------------------- bit operations

    private static final Object[][] BT = {
        {"bt", 0xA3, 4, Op.BT}, {"bts", 0xAB, 5, Op.BTS}, {"btr", 0xB3, 6, Op.BTR}, {"btc", 0xBB, 7, Op.BTC},
    };

    @Test
    void bitTests() {
        for (Object[] b : BT) {
            String name = (String) b[0];
            Op op = (Op) b[3];
            for (int size : WIDE) {
                byte[] code = enc().op(size, 0, opc(0x0F, (Integer) b[1]), 1, 0, 0).bytes();
                Function f = nat.stub(code);
                Insn[] ins = {GuestSim.rr(op, size, Insn.K_RM, Insn.K_REG, 1, 0)};
                pairs(size, 1000, (x, y) -> one(name, f, code, ins, garbage(x, size), garbage(y, size),
                        rnd.nextLong(), rnd.nextLong(), flagsIn(), null, Cpu.CF, REGS));
                // bit strings in memory with signed register offsets
                for (boolean lock : new boolean[] {false, true}) {
                    if (lock && op == Op.BT) {
                        continue;
                    }
                    NativeX86.Enc e = enc();
                    if (lock) {
                        e.raw(0xF0);
                    }
                    int at = NativeX86.MEM + 32;
                    byte[] mcode = e.op(size, 0, opc(0x0F, (Integer) b[1]), 1, -1, at).bytes();
                    Function mf = nat.stub(mcode);
                    Insn mi = GuestSim.mem(GuestSim.rr(op, size, Insn.K_RM, Insn.K_REG, 1, 0), at);
                    mi.lock = lock;
                    Insn[] mins = {mi};
                    int lim = size == 2 ? 256 : 256;
                    for (int k = 0; k < 400; k++) {
                        long off = rnd.nextInt(2 * lim - size * 8) - lim;
                        one(name + "-mem", mf, mcode, mins, rnd.nextLong(), garbage(off & mask(size), size),
                                rnd.nextLong(), rnd.nextLong(), flagsIn(), memWith(0, 8, rnd.nextLong()), Cpu.CF, REGS);
                    }
                }
                // immediate offsets
                for (int imm : new int[] {0, 1, 7, 15, 16, 31, 32, 33, 63, 64, 100, 255}) {
                    byte[] ci = enc().op(size, 0, opc(0x0F, 0xBA), (Integer) b[2], 0, 0).imm(imm, 1).bytes();
                    Function fi = nat.stub(ci);
                    Insn ii = GuestSim.rr(op, size, Insn.K_RM, Insn.K_IMM, (Integer) b[2], 0);
                    ii.imm = imm;
                    Insn[] insi = {ii};
                    for (int k = 0; k < 30; k++) {
                        one(name + "-imm", fi, ci, insi, garbage(val(size), size), rnd.nextLong(), rnd.nextLong(),
                                rnd.nextLong(), flagsIn(), null, Cpu.CF, REGS);
                    }
                }
            }
        }
        done();
    }

    @Test
    void bitScansAndCounts() {
        Object[][] forms = {
            {"bsf", 0, 0xBC, Op.BSF, Cpu.ZF}, {"bsr", 0, 0xBD, Op.BSR, Cpu.ZF},
            {"tzcnt", 0xF3, 0xBC, Op.TZCNT, Cpu.CF | Cpu.ZF}, {"lzcnt", 0xF3, 0xBD, Op.LZCNT, Cpu.CF | Cpu.ZF},
            {"popcnt", 0xF3, 0xB8, Op.POPCNT, ALL},
        };
        for (Object[] b : forms) {
            String name = (String) b[0];
            for (int size : WIDE) {
                byte[] code = enc().op(size, (Integer) b[1], opc(0x0F, (Integer) b[2]), 0, 1, 0).bytes();
                Function f = nat.stub(code);
                Insn[] ins = {GuestSim.rr((Op) b[3], size, Insn.K_REG, Insn.K_RM, 0, 1)};
                for (int k = 0; k < 2500; k++) {
                    int pick = rnd.nextInt(5);
                    long v = pick == 0 ? 0 : pick == 1 ? 1L << rnd.nextInt(size * 8) : val(size);
                    one(name, f, code, ins, rnd.nextLong(), garbage(v, size), rnd.nextLong(), rnd.nextLong(),
                            flagsIn(), null, (Long) b[4], REGS);
                }
            }
        }
        for (int size : new int[] {4, 8}) {
            byte[] code = enc().op(size, 0, opc(0x0F, 0xC8), 0, 0, 0).bytes();
            byte[] bswap = java.util.Arrays.copyOf(code, code.length - 1); // 0F C8+r has no ModRM
            Function f = nat.stub(bswap);
            Insn i = GuestSim.insn(Op.BSWAP, size);
            i.dst = Insn.K_REG;
            i.reg = 0;
            Insn[] ins = {i};
            for (int k = 0; k < 2000; k++) {
                one("bswap", f, bswap, ins, rnd.nextLong(), rnd.nextLong(), rnd.nextLong(), rnd.nextLong(),
                        flagsIn(), null, ALL, REGS);
            }
        }
        done();
    }

    // ---------------------------------------------------------------- exchanges

    @Test
    void exchangeFamilies() {
        for (int size : SIZES) {
            // CMPXCHG rbx, rcx (accumulator rax)
            byte[] code = enc().op(size, 0, opc(0x0F, size == 1 ? 0xB0 : 0xB1), 1, 3, 0).bytes();
            Function f = nat.stub(code);
            Insn[] ins = {GuestSim.rr(Op.CMPXCHG, size, Insn.K_RM, Insn.K_REG, 1, 3)};
            for (int k = 0; k < 2500; k++) {
                long acc = val(size);
                long dst = rnd.nextBoolean() ? acc : val(size);
                // a failing 32-bit compare leaves the register destination alone on AMD; Intel
                // documents a write-back (zero-extending it): its upper half is vendor-specific
                int regs = size == 4 && acc != dst ? REGS & ~RBX : REGS;
                one("cmpxchg", f, code, ins, garbage(acc, size), garbage(val(size), size), rnd.nextLong(),
                        garbage(dst, size), flagsIn(), null, ALL, regs);
            }
            for (boolean lock : new boolean[] {false, true}) {
                NativeX86.Enc e = enc();
                if (lock) {
                    e.raw(0xF0);
                }
                byte[] mcode = e.op(size, 0, opc(0x0F, size == 1 ? 0xB0 : 0xB1), 1, -1, NativeX86.MEM).bytes();
                Function mf = nat.stub(mcode);
                Insn mi = GuestSim.mem(GuestSim.rr(Op.CMPXCHG, size, Insn.K_RM, Insn.K_REG, 1, 0), NativeX86.MEM);
                mi.lock = lock;
                Insn[] mins = {mi};
                for (int k = 0; k < 500; k++) {
                    long acc = val(size);
                    long dst = rnd.nextBoolean() ? acc : val(size);
                    one("cmpxchg", mf, mcode, mins, garbage(acc, size), garbage(val(size), size), rnd.nextLong(),
                            rnd.nextLong(), flagsIn(), memWith(0, size, dst), ALL, REGS);
                }
            }
            // XADD rax, rcx and XCHG rax, rcx, register and memory
            Object[][] forms = {{"xadd", opc(0x0F, size == 1 ? 0xC0 : 0xC1), Op.XADD},
                {"xchg", opc(size == 1 ? 0x86 : 0x87), Op.XCHG}};
            for (Object[] x : forms) {
                String name = (String) x[0];
                byte[] rc = enc().op(size, 0, (int[]) x[1], 1, 0, 0).bytes();
                Function rf = nat.stub(rc);
                Insn[] rins = {GuestSim.rr((Op) x[2], size, Insn.K_RM, Insn.K_REG, 1, 0)};
                pairs(size, 1000, (a, b) -> one(name, rf, rc, rins, garbage(a, size), garbage(b, size),
                        rnd.nextLong(), rnd.nextLong(), flagsIn(), null, ALL, REGS));
                for (boolean lock : new boolean[] {false, true}) {
                    NativeX86.Enc e = enc();
                    if (lock) {
                        e.raw(0xF0);
                    }
                    byte[] mc = e.op(size, 0, (int[]) x[1], 1, -1, NativeX86.MEM).bytes();
                    Function mf = nat.stub(mc);
                    Insn mi = GuestSim.mem(GuestSim.rr((Op) x[2], size, Insn.K_RM, Insn.K_REG, 1, 0), NativeX86.MEM);
                    mi.lock = lock;
                    Insn[] mins = {mi};
                    for (int k = 0; k < 400; k++) {
                        one(name, mf, mc, mins, rnd.nextLong(), garbage(val(size), size), rnd.nextLong(),
                                rnd.nextLong(), flagsIn(), memWith(0, size, val(size)), ALL, REGS);
                    }
                }
            }
        }
        done();
    }

    // ---------------------------------------------------------------- conversions, conditionals, flags

    @Test
    void conversions() {
        for (int size : WIDE) {
            for (Object[] c : new Object[][] {{"cbw", 0x98, Op.CBW}, {"cwd", 0x99, Op.CWD}}) {
                NativeX86.Enc e = enc();
                if (size == 2) {
                    e.raw(0x66);
                }
                if (size == 8) {
                    e.raw(0x48);
                }
                byte[] code = e.raw((Integer) c[1]).bytes();
                Function f = nat.stub(code);
                Insn[] ins = {GuestSim.insn((Op) c[2], size)};
                for (int k = 0; k < 1500; k++) {
                    one((String) c[0], f, code, ins, rnd.nextLong() >> rnd.nextInt(64), rnd.nextLong(),
                            rnd.nextLong(), rnd.nextLong(), flagsIn(), null, ALL, REGS);
                }
            }
        }
        Object[][] ext = {{"movzx", 0xB6, 1, Op.MOVZX}, {"movzx", 0xB7, 2, Op.MOVZX},
            {"movsx", 0xBE, 1, Op.MOVSX}, {"movsx", 0xBF, 2, Op.MOVSX}, {"movsxd", 0x63, 4, Op.MOVSXD}};
        for (Object[] x : ext) {
            int srcSize = (Integer) x[2];
            for (int size : WIDE) {
                if (size <= srcSize || (srcSize == 4 && size != 8)) {
                    continue;
                }
                int[] o = srcSize == 4 ? opc(0x63) : opc(0x0F, (Integer) x[1]);
                byte[] code = enc().op(size, 0, o, 0, 1, 0).bytes();
                Function f = nat.stub(code);
                Insn i = GuestSim.rr((Op) x[3], size, Insn.K_REG, Insn.K_RM, 0, 1);
                i.srcSize = srcSize;
                Insn[] ins = {i};
                for (int k = 0; k < 1500; k++) {
                    one((String) x[0], f, code, ins, rnd.nextLong(), rnd.nextLong() >> rnd.nextInt(64),
                            rnd.nextLong(), rnd.nextLong(), flagsIn(), null, ALL, REGS);
                }
            }
        }
        done();
    }

    @Test
    void conditionsAndFlagTransfers() {
        for (int cc = 0; cc < 16; cc++) {
            byte[] code = enc().op(1, 0, opc(0x0F, 0x90 + cc), 0, 0, 0).bytes();
            Function f = nat.stub(code);
            Insn i = GuestSim.rr(Op.SETCC, 1, Insn.K_RM, Insn.K_NONE, 0, 0);
            i.cond = cc;
            Insn[] ins = {i};
            for (int k = 0; k < 256; k++) {
                long fl = ((k & 64) != 0 ? 0 : (k & 63)) ;
                long flags = (fl & 1) * Cpu.CF | ((fl >> 1) & 1) * Cpu.PF | ((fl >> 2) & 1) * Cpu.AF
                        | ((fl >> 3) & 1) * Cpu.ZF | ((fl >> 4) & 1) * Cpu.SF | ((fl >> 5) & 1) * Cpu.OF;
                one("setcc", f, code, ins, rnd.nextLong(), rnd.nextLong(), rnd.nextLong(), rnd.nextLong(),
                        k < 128 ? flags | 0x202 : flagsIn(), null, ALL, REGS);
            }
            // CMP then SETcc: the lazy fast path of conditions after a compare
            for (int size : SIZES) {
                NativeX86.Enc e = enc().op(size, 0, opc(size == 1 ? 0x38 : 0x39), 1, 0, 0);
                byte[] pair = e.raw(0x0F, 0x90 + cc, 0xC2).bytes();
                Function pf = nat.stub(pair);
                Insn cmp = GuestSim.rr(Op.CMP, size, Insn.K_RM, Insn.K_REG, 1, 0);
                Insn set = GuestSim.rr(Op.SETCC, 1, Insn.K_RM, Insn.K_NONE, 0, 2);
                set.cond = cc;
                Insn[] ins2 = {cmp, set};
                pairs(size, 200, (a, b) -> one("cmp+setcc", pf, pair, ins2, garbage(a, size), garbage(b, size),
                        rnd.nextLong(), rnd.nextLong(), flagsIn(), null, ALL, REGS));
            }
            for (int size : WIDE) {
                byte[] cm = enc().op(size, 0, opc(0x0F, 0x40 + cc), 0, 1, 0).bytes();
                Function cf = nat.stub(cm);
                Insn c = GuestSim.rr(Op.CMOVCC, size, Insn.K_REG, Insn.K_RM, 0, 1);
                c.cond = cc;
                Insn[] cins = {c};
                for (int k = 0; k < 300; k++) {
                    one("cmovcc", cf, cm, cins, rnd.nextLong(), rnd.nextLong(), rnd.nextLong(), rnd.nextLong(),
                            flagsIn(), null, ALL, REGS);
                }
            }
        }
        byte[] lahf = {(byte) 0x9F};
        byte[] sahf = {(byte) 0x9E};
        Function lf = nat.stub(lahf);
        Function sf = nat.stub(sahf);
        Insn[] li = {GuestSim.insn(Op.LAHF, 1)};
        Insn[] si = {GuestSim.insn(Op.SAHF, 1)};
        for (int k = 0; k < 1000; k++) {
            one("lahf", lf, lahf, li, rnd.nextLong(), rnd.nextLong(), rnd.nextLong(), rnd.nextLong(), flagsIn(), null, ALL, REGS);
            one("sahf", sf, sahf, si, rnd.nextLong(), rnd.nextLong(), rnd.nextLong(), rnd.nextLong(), flagsIn(), null, ALL, REGS);
        }
        done();
    }
}
