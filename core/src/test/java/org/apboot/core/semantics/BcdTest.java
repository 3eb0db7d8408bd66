package org.apboot.core.semantics;

import static org.apboot.core.semantics.TestCpus.assertFlags;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.fault.CpuException;
import org.junit.jupiter.api.Test;

/** The worked examples of the manual's DAA/DAS/AAA/AAS/AAM/AAD pages. */
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
}
