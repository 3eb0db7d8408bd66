package org.apboot.core.semantics;

import static org.apboot.core.semantics.TestCpus.assertFlags;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.apboot.core.cpu.Cpu;
import org.apboot.core.decode.Insn;
import org.apboot.core.fault.CpuException;
import org.apboot.core.interp.ExecutorTable;
import org.junit.jupiter.api.Test;

/**
 * The worked examples of the manual's DAA/DAS/AAA/AAS/AAM/AAD pages, and DAA, DAS, AAA, AAS
 * over every AL, AH, AF and CF against models of the current SDM pseudo-code written here.
 */
class BcdTest {
    private final Cpu cpu = TestCpus.real();

    @Test
    void daaAfterPackedAddition() {
        // 79 + 35: ADD gives 0xAE, DAA gives 0x14 with CF (decimal 114)
        long al = Alu.add(cpu, 1, 0x79, 0x35);
        assertEquals(0xAE, al);
        assertEquals(0x14, Bcd.daa(cpu, al));
        assertFlags(cpu, "CF PF AF");
        // 19 + 28 = 0x41 with AF, DAA gives 0x47
        al = Alu.add(cpu, 1, 0x19, 0x28);
        assertEquals(0x47, Bcd.daa(cpu, al));
        assertFlags(cpu, "PF AF");
        al = Alu.add(cpu, 1, 0x50, 0x50);
        assertEquals(0x00, Bcd.daa(cpu, al));
        assertFlags(cpu, "CF PF ZF");
    }

    @Test
    void dasAfterPackedSubtraction() {
        // 35 - 47: SUB gives 0xEE, DAS gives 0x88 with CF (borrow)
        long al = Alu.sub(cpu, 1, 0x35, 0x47);
        assertEquals(0xEE, al);
        assertEquals(0x88, Bcd.das(cpu, al));
        assertFlags(cpu, "CF PF AF SF");
        al = Alu.sub(cpu, 1, 0x42, 0x13); // 0x2F, AF
        assertEquals(0x29, Bcd.das(cpu, al));
        assertFlags(cpu, "AF");
    }

    @Test
    void asciiAdjusts() {
        // '8' + '9' in AX = 0x0071 after ADD AL, AAA -> 0x0107 (17), CF = AF = 1
        long al = Alu.add(cpu, 1, 0x38, 0x39);
        assertEquals(0x0107, Bcd.aaa(cpu, al));
        assertEquals(Cpu.CF | Cpu.AF, Flags.arith(cpu) & (Cpu.CF | Cpu.AF));
        // 0x0102 - 0x05: AL = 0xFD with AF, AAS -> AH 0, AL 7
        al = Alu.sub(cpu, 1, 0x02, 0x05);
        assertEquals(0x0007, Bcd.aas(cpu, 0x0100 | al));
        assertEquals(Cpu.CF | Cpu.AF, Flags.arith(cpu) & (Cpu.CF | Cpu.AF));
        Flags.setArith(cpu, 0);
        assertEquals(0x0205, Bcd.aaa(cpu, 0x0205));
        assertEquals(0, Flags.arith(cpu) & (Cpu.CF | Cpu.AF));
    }

    @Test
    void aamAndAad() {
        assertEquals(0x0702, Bcd.aam(cpu, 72, 10)); // 72 -> AH 7, AL 2
        assertFlags(cpu, "");
        assertEquals(0x0500, Bcd.aam(cpu, 0x50, 16));
        assertFlags(cpu, "PF ZF");
        assertEquals(72, Bcd.aad(cpu, 0x0702, 10));
        assertFlags(cpu, "PF");
        assertEquals(0x80, Bcd.aad(cpu, 0x0800, 16));
        assertFlags(cpu, "SF");
        assertThrows(CpuException.class, () -> Bcd.aam(cpu, 5, 0));
    }

    @Test
    void salcCopiesCarry() {
        Flags.setArith(cpu, Cpu.CF);
        assertEquals(0xFF, Bcd.salc(cpu));
        Flags.setArith(cpu, 0);
        assertEquals(0, Bcd.salc(cpu));
    }

    // ---------------------------------------------------------------- exhaustive, against the SDM

    /** Result of a model: AX and the six arithmetic flags. */
    record Out(int ax, long flags) {
    }

    interface SdmModel {
        Out run(int ax, boolean af, boolean cf);
    }

    private static long szp(int al) {
        long f = 0;
        if ((al & 0xFF) == 0) f |= Cpu.ZF;
        if ((al & 0x80) != 0) f |= Cpu.SF;
        if (Integer.bitCount(al & 0xFF) % 2 == 0) f |= Cpu.PF;
        return f;
    }

    private static long fl(boolean af, boolean cf) {
        return (af ? Cpu.AF : 0) | (cf ? Cpu.CF : 0);
    }

    /**
     * AAA (SDM): IF ((AL AND 0FH) > 9) or (AF = 1) THEN AX := AX + 106H; AF := 1; CF := 1;
     * ELSE AF := 0; CF := 0; FI; AL := AL AND 0FH. OF, SF, ZF, PF undefined: {@link Bcd}
     * sets SF, ZF, PF from the final AL and clears OF.
     */
    static Out aaa(int ax, boolean af, boolean cf) {
        int al = ax & 0xFF;
        if ((al & 0x0F) > 9 || af) {
            ax = (ax + 0x106) & 0xFFFF;
            af = true;
            cf = true;
        } else {
            af = false;
            cf = false;
        }
        ax = (ax & 0xFF00) | (ax & 0x0F);
        return new Out(ax, fl(af, cf) | szp(ax));
    }

    /**
     * AAS (SDM): IF ((AL AND 0FH) > 9) or (AF = 1) THEN AX := AX - 6; AH := AH - 1; AF := 1;
     * CF := 1; AL := AL AND 0FH; ELSE CF := 0; AF := 0; AL := AL AND 0FH; FI. Undefined flags
     * as for AAA.
     */
    static Out aas(int ax, boolean af, boolean cf) {
        int al = ax & 0xFF;
        if ((al & 0x0F) > 9 || af) {
            ax = (ax - 6) & 0xFFFF;
            int ah = ((ax >>> 8) - 1) & 0xFF;
            ax = (ah << 8) | (ax & 0xFF);
            af = true;
            cf = true;
        } else {
            cf = false;
            af = false;
        }
        ax = (ax & 0xFF00) | (ax & 0x0F);
        return new Out(ax, fl(af, cf) | szp(ax));
    }

    /**
     * DAA (SDM): old_AL := AL; old_CF := CF; CF := 0; IF (((AL AND 0FH) > 9) or AF = 1) THEN
     * AL := AL + 6; CF := old_CF or (Carry from AL := AL + 6); AF := 1; ELSE AF := 0; FI;
     * IF ((old_AL > 99H) or (old_CF = 1)) THEN AL := AL + 60H; CF := 1; ELSE CF := 0; FI.
     * SF, ZF, PF from the result; OF undefined, cleared by {@link Bcd}. AH is not touched.
     */
    static Out daa(int ax, boolean af, boolean cf) {
        int al = ax & 0xFF;
        int oldAl = al;
        boolean oldCf = cf;
        cf = false;
        if ((al & 0x0F) > 9 || af) {
            int sum = al + 6;
            al = sum & 0xFF;
            cf = oldCf || sum > 0xFF;
            af = true;
        } else {
            af = false;
        }
        if (oldAl > 0x99 || oldCf) {
            al = (al + 0x60) & 0xFF;
            cf = true;
        } else {
            cf = false;
        }
        return new Out((ax & 0xFF00) | al, fl(af, cf) | szp(al));
    }

    /**
     * DAS (SDM): old_AL := AL; old_CF := CF; CF := 0; IF (((AL AND 0FH) > 9) or AF = 1) THEN
     * AL := AL - 6; CF := old_CF or (Borrow from AL := AL - 6); AF := 1; ELSE AF := 0; FI;
     * IF ((old_AL > 99H) or (old_CF = 1)) THEN AL := AL - 60H; CF := 1; FI (no ELSE: CF keeps
     * the borrow of the first step). Flags as for DAA.
     */
    static Out das(int ax, boolean af, boolean cf) {
        int al = ax & 0xFF;
        int oldAl = al;
        boolean oldCf = cf;
        cf = false;
        if ((al & 0x0F) > 9 || af) {
            int diff = al - 6;
            al = diff & 0xFF;
            cf = oldCf || diff < 0;
            af = true;
        } else {
            af = false;
        }
        if (oldAl > 0x99 || oldCf) {
            al = (al - 0x60) & 0xFF;
            cf = true;
        }
        return new Out((ax & 0xFF00) | al, fl(af, cf) | szp(al));
    }

    /**
     * Runs {@code opcode} (real mode, through the decoder and the executor table) for every AX
     * and every AF, CF; the other input flags and EAX's upper half vary with the case. Checks
     * AX, EAX's upper half, the defined flags AF and CF (and SF, ZF, PF for DAA/DAS) exactly,
     * and the undefined ones against the choices {@link Bcd} documents.
     */
    private static void exhaustive(String name, int opcode, long defined, SdmModel model) {
        Cpu cpu = TestCpus.real();
        Insn insn = TestCpus.decode(cpu, (byte) opcode);
        List<String> bad = new ArrayList<>();
        int badUndefined = 0;
        for (int in = 0; in < 4 << 16; in++) {
            int ax = in & 0xFFFF;
            boolean af = (in & 0x10000) != 0, cf = (in & 0x20000) != 0;
            long upper = (in * 0x9E37_79B9L) & 0xFFFF_0000L;
            long noise = (in * 0x2545_F491L >>> 7) & (Cpu.OF | Cpu.SF | Cpu.ZF | Cpu.PF);
            cpu.r[Cpu.RAX] = upper | ax;
            Flags.setArith(cpu, noise | fl(af, cf));
            ExecutorTable.get(insn.op).execute(cpu, insn);
            Out want = model.run(ax, af, cf);
            long got = Flags.arith(cpu);
            if (cpu.r[Cpu.RAX] != (upper | want.ax) || (got & defined) != (want.flags & defined)) {
                if (bad.size() < 20) {
                    bad.add(String.format("%s AX=%04x AF=%d CF=%d: EAX=%08x flags=%03x, want EAX=%08x flags=%03x (compared %03x)",
                            name, ax, af ? 1 : 0, cf ? 1 : 0, cpu.r[Cpu.RAX], got, upper | want.ax, want.flags, defined));
                }
            } else if (got != want.flags) {
                badUndefined++;
            }
        }
        assertTrue(bad.isEmpty(), name + ": AX or defined flags differ from the SDM:\n" + String.join("\n", bad));
        assertEquals(0, badUndefined, name + ": cases whose undefined flags differ from Bcd's documented choice");
    }

    @Test
    void aaaEveryInput() {
        exhaustive("AAA", 0x37, Cpu.AF | Cpu.CF, BcdTest::aaa);
    }

    @Test
    void aasEveryInput() {
        exhaustive("AAS", 0x3F, Cpu.AF | Cpu.CF, BcdTest::aas);
    }

    @Test
    void daaEveryInput() {
        exhaustive("DAA", 0x27, Cpu.AF | Cpu.CF | Cpu.SF | Cpu.ZF | Cpu.PF, BcdTest::daa);
    }

    @Test
    void dasEveryInput() {
        exhaustive("DAS", 0x2F, Cpu.AF | Cpu.CF | Cpu.SF | Cpu.ZF | Cpu.PF, BcdTest::das);
    }

    /**
     * AAM imm8 and AAD imm8 for every AX and the bases 10, 16, 7, 1 and 255 against the SDM:
     * AAM: AH := AL / imm8; AL := AL MOD imm8 (#DE for 0). AAD: AL := (AL + AH * imm8) AND FFH;
     * AH := 0. SF, ZF, PF from AL; OF, AF, CF undefined (not compared). EAX's upper half kept.
     */
    @Test
    void aamAndAadEveryInput() {
        Cpu cpu = TestCpus.real();
        for (int base : new int[] {10, 16, 7, 1, 255}) {
            Insn aam = TestCpus.decode(cpu, (byte) 0xD4, (byte) base);
            Insn aad = TestCpus.decode(cpu, (byte) 0xD5, (byte) base);
            for (int ax = 0; ax < 0x10000; ax++) {
                int al = ax & 0xFF, ah = ax >>> 8;
                long upper = (ax * 0x9E37_79B9L) & 0xFFFF_0000L;
                int wantAm = (al / base) << 8 | al % base;
                cpu.r[Cpu.RAX] = upper | ax;
                ExecutorTable.get(aam.op).execute(cpu, aam);
                int in = ax;
                if (cpu.r[Cpu.RAX] != (upper | wantAm) || (Flags.arith(cpu) & (Cpu.SF | Cpu.ZF | Cpu.PF)) != szp(wantAm)) {
                    assertEquals(upper | wantAm, cpu.r[Cpu.RAX], () -> String.format("AAM %d AX=%04x", base, in));
                    assertEquals(szp(wantAm), Flags.arith(cpu) & (Cpu.SF | Cpu.ZF | Cpu.PF), "AAM flags " + ax);
                }
                int wantAd = (al + ah * base) & 0xFF;
                cpu.r[Cpu.RAX] = upper | ax;
                ExecutorTable.get(aad.op).execute(cpu, aad);
                if (cpu.r[Cpu.RAX] != (upper | wantAd) || (Flags.arith(cpu) & (Cpu.SF | Cpu.ZF | Cpu.PF)) != szp(wantAd)) {
                    assertEquals(upper | wantAd, cpu.r[Cpu.RAX], () -> String.format("AAD %d AX=%04x", base, in));
                    assertEquals(szp(wantAd), Flags.arith(cpu) & (Cpu.SF | Cpu.ZF | Cpu.PF), "AAD flags " + ax);
                }
            }
        }
        Insn aam0 = TestCpus.decode(cpu, (byte) 0xD4, (byte) 0);
        cpu.r[Cpu.RAX] = 0x1234;
        CpuException e = assertThrows(CpuException.class, () -> ExecutorTable.get(aam0.op).execute(cpu, aam0));
        assertEquals(0, e.vector, "#DE");
        assertEquals(0x1234, cpu.r[Cpu.RAX]);
    }

    /**
     * AAS when AL < 6 and AF is set: AX := AX - 6 borrows from AH, then AH := AH - 1, so AH
     * drops by two (AX = 0500H -> 04FAH -> 03FAH -> 030AH).
     */
    @Test
    void aasBorrowFromAlReachesAh() {
        Flags.setArith(cpu, Cpu.AF);
        assertEquals(0x030A, Bcd.aas(cpu, 0x0500));
        assertEquals(Cpu.CF | Cpu.AF, Flags.arith(cpu) & (Cpu.CF | Cpu.AF));
        Flags.setArith(cpu, Cpu.AF);
        assertEquals(0xFE0F, Bcd.aas(cpu, 0x0005)); // 0005H -> FFFFH -> FEFFH -> FE0FH
        Flags.setArith(cpu, Cpu.AF);
        assertEquals(0x0400, Bcd.aas(cpu, 0x0506)); // AL = 6: no borrow, AH - 1 only
    }
}
