package org.apboot.core.semantics.oracle;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;

import com.sun.jna.Function;
import org.apboot.core.cpu.Cpu;
import org.apboot.core.decode.Insn;
import org.apboot.core.decode.Op;
import org.apboot.core.semantics.Flags;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The flags after DIV and IDIV, all six undefined in the SDM, against the host CPU.
 * {@code HostCpuOracleTest} compares only defined flags; here every arithmetic flag must match, on
 * a small fixed set of edge operands, so the run is quick. Undefined flags are vendor-specific:
 * for divides the model follows AMD's processors (SF, ZF, PF cleared, AF set, CF and OF kept; see
 * {@code MulDiv}), so the comparison runs only on an AMD host and skips elsewhere, saying so.
 * MUL is not compared: an AMD host keeps SF, ZF, AF and PF there, where the model sets SF, ZF and
 * PF from the low half and clears AF.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UndefinedDivideFlagsTest {
    private static final long ALL = Cpu.ARITH_FLAGS;
    private static final int[] SIZES = {1, 2, 4, 8};
    /** Incoming flags: all arithmetic flags clear, then all set (a kept flag shows either way). */
    private static final long[] FLAGS_IN = {0x202, 0x202 | ALL};

    private NativeX86 nat;
    private final GuestSim sim = new GuestSim();
    private final List<String> failures = new ArrayList<>();
    private int cases;

    @BeforeAll
    void open() {
        String[] why = new String[1];
        nat = NativeX86.open(why);
        assumeTrue(nat != null, "host-CPU comparison skipped: " + why[0]);
        assumeTrue(HostCpuOracleTest.hostVendorIs("AuthenticAMD"), "host-CPU comparison of the flags after a divide skipped: the host is"
                + " not an AMD processor, whose choice the model follows (other vendors differ)");
    }

    /** Operand values that give zero, sign-bit and parity cases at {@code size}. */
    private static long[] edges(int size) {
        long m = Flags.mask(size);
        long sb = Flags.signBit(size);
        long[] e = {0, 1, 2, 3, 5, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF, 0x1_0000, 0x7FFF_FFFFL,
            0x8000_0000L, 0xFFFF_FFFFL, 0x1_0000_0000L, sb - 1, sb, sb + 1, m, m - 1, 0x5555_5555_5555_5555L,
            0xAAAA_AAAA_AAAA_AAAAL, 0x0123_4567_89AB_CDEFL};
        return java.util.Arrays.stream(e).map(v -> v & m).distinct().toArray();
    }

    private Function stub(int size, int digit) {
        NativeX86.Enc e = new NativeX86.Enc().op(size, 0, new int[] {size == 1 ? 0xF6 : 0xF7}, digit, 1, 0);
        return nat.stub(e.bytes());
    }

    /** Runs F6/F7 /digit with RAX, RCX (the operand), RDX on both sides and compares every flag. */
    private void compare(String name, Function f, Insn insn, int size, long rax, long rcx, long rdx, long flags) {
        cases++;
        nat.run(f, rax, rcx, rdx, 0, flags, null);
        sim.load(rax, rcx, rdx, 0, flags, null);
        sim.exec(insn);
        long host = nat.out(NativeX86.OUT_FLAGS) & ALL;
        long emu = Flags.rflags(sim.cpu) & ALL;
        if (host != emu && failures.size() < 25) {
            failures.add(String.format("%s size %d rax=%x rcx=%x rdx=%x flags in %x: host %x, emulated %x",
                    name, size, rax, rcx, rdx, flags & ALL, host, emu));
        }
    }

    @Test
    void divideLeavesTheHostsFlags() {
        Object[][] forms = {{"div", 6, Op.DIV, false}, {"idiv", 7, Op.IDIV, true}};
        for (Object[] form : forms) {
            boolean signed = (Boolean) form[3];
            for (int size : SIZES) {
                Function f = stub(size, (Integer) form[1]);
                Insn insn = GuestSim.rr((Op) form[2], size, Insn.K_RM, Insn.K_NONE, (Integer) form[1], 1);
                long m = Flags.mask(size);
                for (long lo : edges(size)) {
                    for (long d : edges(size)) {
                        // a high half of 0, or the sign extension of the low half, never overflows
                        // for a divisor other than 0 or -1
                        long hi = signed && (lo & Flags.signBit(size)) != 0 ? m : 0;
                        if (HostCpuOracleTest.divideFaults(size, signed, hi, lo, d)) {
                            continue;
                        }
                        long rax = size == 1 ? (hi << 8) | lo : lo;
                        long rdx = size == 1 ? 0 : hi;
                        for (long fl : FLAGS_IN) {
                            compare((String) form[0], f, insn, size, rax, d, rdx, fl);
                        }
                    }
                }
            }
        }
        done();
    }

    private void done() {
        assertTrue(cases > 0);
        List<String> f = new ArrayList<>(failures);
        failures.clear();
        assertTrue(f.isEmpty(), "undefined flags differ from the host CPU:\n" + String.join("\n", f));
    }
}
