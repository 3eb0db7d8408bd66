package org.apboot.core.semantics.segments;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.fault.TestCpus;
import org.apboot.core.semantics.Flags;
import org.apboot.core.semantics.SegmentLoads;
import org.junit.jupiter.api.Test;

/**
 * LAR, LSL, VERR and VERW through the decoder and the executor table, for every descriptor type
 * against the tables of their SDM vol. 2 pages (written out here), with the privilege rule
 * (DPL at least CPL and RPL, except conforming code for LAR, LSL and VERR): ZF and the
 * destination, which a failing LAR or LSL leaves alone.
 */
class DescriptorQueryTest {
    private static final int SEL = 0x60; // GDT slot 12, free in TestCpus' table
    private static final long UNTOUCHED = 0x5A5A_5A5A_5A5A_5A5AL;

    /** System types LAR accepts: legacy (protected) mode, then IA-32e mode (SDM, LAR table). */
    private static final boolean[] LAR_LEGACY = {
        false, true, true, true, true, true, false, false, false, true, false, true, true, false, false, false};
    private static final boolean[] LAR_LONG = {
        false, false, true, false, false, false, false, false, false, true, false, true, true, false, false, false};
    /** System types LSL accepts (SDM, LSL table): TSSs and LDT; no gates. */
    private static final boolean[] LSL_LEGACY = {
        false, true, true, true, false, false, false, false, false, true, false, true, false, false, false, false};
    private static final boolean[] LSL_LONG = {
        false, false, true, false, false, false, false, false, false, true, false, true, false, false, false, false};

    /** Descriptor with base 0x12345678, 20-bit limit 0xABCDE, the given access byte and G. */
    private static long descriptor(int access, boolean g) {
        return TestCpus.seg(0x1234_5678L, 0xABCDE, access, g ? 0xC : 0x4);
    }

    private static byte[] code(int... v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = (byte) v[i];
        }
        return b;
    }

    /** Runs {@code insn} with BX = selector; returns {ZF set ? 1 : 0, EAX}. */
    private static long[] run(Cpu cpu, int selector, byte[] insn) {
        cpu.r[Cpu.RBX] = selector;
        cpu.r[Cpu.RAX] = UNTOUCHED;
        Flags.setArith(cpu, Cpu.ZF ^ Cpu.ARITH_FLAGS); // every flag but ZF: only ZF may change
        org.apboot.core.semantics.TestCpus.exec(cpu, insn);
        long f = Flags.arith(cpu);
        assertEquals(Cpu.ARITH_FLAGS & ~Cpu.ZF, f & ~Cpu.ZF, "other flags kept");
        return new long[] {(f & Cpu.ZF) != 0 ? 1 : 0, cpu.r[Cpu.RAX]};
    }

    private static final byte[] LAR = code(0x0F, 0x02, 0xC3);   // lar %bx,%eax
    private static final byte[] LSL = code(0x0F, 0x03, 0xC3);   // lsl %bx,%eax
    private static final byte[] VERR = code(0x0F, 0x00, 0xE3);  // verr %bx
    private static final byte[] VERW = code(0x0F, 0x00, 0xEB);  // verw %bx

    private static void check(Cpu cpu, int selector, long d, boolean larOk, boolean lslOk, boolean rOk, boolean wOk,
            String what) {
        cpu.ram.write64(TestCpus.GDT + (selector & ~7), d);
        long[] r = run(cpu, selector, LAR);
        assertEquals(larOk ? 1 : 0, r[0], "LAR ZF " + what);
        // 32-bit operand: descriptor bits 63:32 masked with 00F0FF00 (bits 19:16 read as 0)
        assertEquals(larOk ? 0x00F0_FF00L & (d >>> 32) : UNTOUCHED, r[1], "LAR result " + what);
        r = run(cpu, selector, LSL);
        assertEquals(lslOk ? 1 : 0, r[0], "LSL ZF " + what);
        long limit = (d & (1L << 55)) != 0 ? 0xABCDE_FFFL : 0xABCDEL;
        assertEquals(lslOk ? limit : UNTOUCHED, r[1], "LSL result " + what);
        assertEquals(rOk ? 1 : 0, run(cpu, selector, VERR)[0], "VERR " + what);
        assertEquals(wOk ? 1 : 0, run(cpu, selector, VERW)[0], "VERW " + what);
    }

    @Test
    void everySystemTypeInProtectedMode() {
        Cpu cpu = TestCpus.prot32();
        for (int t = 0; t < 16; t++) {
            check(cpu, SEL, descriptor(0x80 | t, t % 2 == 0), LAR_LEGACY[t], LSL_LEGACY[t], false, false,
                    "system type " + t);
        }
    }

    @Test
    void everySystemTypeInLongMode() {
        Cpu cpu = TestCpus.long64();
        for (int t = 0; t < 16; t++) {
            check(cpu, SEL, descriptor(0x80 | t, false), LAR_LONG[t], LSL_LONG[t], false, false, "system type " + t);
        }
    }

    @Test
    void everyCodeAndDataTypeAtEachPrivilege() {
        for (int cpl : new int[] {0, 3}) {
            Cpu cpu = TestCpus.prot32();
            if (cpl == 3) {
                SegmentLoads.commitCode(cpu, TestCpus.UCODE32, cpu.ram.read64(TestCpus.GDT + 0x30), 3);
            }
            for (int t = 0; t < 16; t++) {
                boolean code = (t & 8) != 0;
                boolean conforming = code && (t & 4) != 0;
                boolean readable = !code || (t & 2) != 0;
                boolean writable = !code && (t & 2) != 0;
                for (int dpl = 0; dpl < 4; dpl++) {
                    for (int rpl = 0; rpl < 4; rpl++) {
                        boolean visible = dpl >= cpl && dpl >= rpl;
                        long d = descriptor(0x90 | dpl << 5 | t, (t & 1) != 0);
                        check(cpu, SEL | rpl, d, visible || conforming, visible || conforming,
                                readable && (visible || conforming), writable && visible,
                                String.format("type %x DPL %d RPL %d CPL %d", t, dpl, rpl, cpl));
                    }
                }
            }
        }
    }

    @Test
    void notPresentDescriptorsAreStillReported() {
        // LAR/LSL/VERx do not check P (SDM): a not-present data segment answers as a present one
        Cpu cpu = TestCpus.prot32();
        long d = descriptor(0x12, true);
        check(cpu, SEL, d, true, true, true, true, "not-present data");
    }

    @Test
    void nullAndOutOfTableSelectorsClearZf() {
        Cpu cpu = TestCpus.prot32();
        for (int sel : new int[] {0, 3, 0x80, 0xFFF8, 0x64}) { // 0x64: LDT, none loaded
            assertEquals(0, run(cpu, sel, LAR)[0], "LAR " + sel);
            assertEquals(0, run(cpu, sel, LSL)[0], "LSL " + sel);
            assertEquals(0, run(cpu, sel, VERR)[0], "VERR " + sel);
            assertEquals(0, run(cpu, sel, VERW)[0], "VERW " + sel);
        }
        // the last byte of the table: 0x78 is the last slot of a 128-byte GDT
        cpu.ram.write64(TestCpus.GDT + 0x78, descriptor(0x92, true));
        assertEquals(1, run(cpu, 0x78, VERW)[0]);
        cpu.gdtrLimit = 0x7E; // one byte short of the descriptor
        assertEquals(0, run(cpu, 0x78, VERW)[0]);
    }
}
