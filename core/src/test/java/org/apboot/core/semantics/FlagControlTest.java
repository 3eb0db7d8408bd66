package org.apboot.core.semantics;

import static org.apboot.core.semantics.TestCpus.assertFlags;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apboot.core.cpu.Cpu;
import org.junit.jupiter.api.Test;

/** CLC, STC, CMC, CLD, STD, and CLI/STI in real mode (SDM vol. 2): IF itself, STI's shadow. */
class FlagControlTest {
    private final Cpu cpu = TestCpus.real();

    @Test
    void carryControlKeepsTheOtherFlags() {
        Flags.setArith(cpu, Cpu.CF | Cpu.ZF);
        FlagOps.clc(cpu);
        assertFlags(cpu, "ZF");
        FlagOps.cmc(cpu);
        assertFlags(cpu, "CF ZF");
        FlagOps.cmc(cpu);
        assertFlags(cpu, "ZF");
        FlagOps.stc(cpu);
        assertFlags(cpu, "CF ZF");
    }

    @Test
    void directionFlag() {
        Flags.setRflags(cpu, Cpu.IF | Cpu.CF, Cpu.IF | Cpu.CF);
        FlagOps.std(cpu);
        assertEquals(Cpu.DF | Cpu.IF | Cpu.CF | 2, Flags.rflags(cpu));
        FlagOps.cld(cpu);
        assertEquals(Cpu.IF | Cpu.CF | 2, Flags.rflags(cpu));
        FlagOps.cld(cpu);
        assertEquals(Cpu.IF | Cpu.CF | 2, Flags.rflags(cpu));
    }

    @Test
    void cliAndStiInRealModeChangeIf() {
        Flags.setRflags(cpu, Cpu.IF | Cpu.VIF, Cpu.IF | Cpu.VIF);
        FlagOps.cli(cpu);
        assertEquals(Cpu.VIF | 2, Flags.rflags(cpu));
        cpu.interruptShadow = false;
        FlagOps.sti(cpu);
        assertEquals(Cpu.IF | Cpu.VIF | 2, Flags.rflags(cpu));
        assertTrue(cpu.interruptShadow, "STI with IF clear blocks interrupts for one instruction");
        cpu.interruptShadow = false;
        FlagOps.sti(cpu);
        assertEquals(Cpu.IF | Cpu.VIF | 2, Flags.rflags(cpu));
        assertFalse(cpu.interruptShadow, "STI with IF already set opens no shadow");
    }
}
