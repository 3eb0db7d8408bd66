package org.apboot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The embedding API end to end: load code, set state in each mode, run, hooks, statistics. */
class X86MachineTest {
    private static final Duration T = Duration.ofSeconds(30);

    /** xor %rax,%rax; mov $100,%ecx; 1: add %rcx,%rax; dec %ecx; jne 1b; hlt */
    private static final byte[] SUM_LOOP_64 = GuestPrograms.bytes(0x48, 0x31, 0xc0, 0xb9, 0x64, 0, 0, 0, 0x48, 0x01, 0xc8,
            0xff, 0xc9, 0x75, 0xf9, 0xf4);

    @Test
    void realModeProgramWritesToTheDebugConsoleAndHalts() {
        // mov $0x1234,%bx; add $0x1111,%bx; mov $0xe9,%dx; mov $'O',%al; out; mov $'K',%al; out; hlt
        byte[] code = GuestPrograms.bytes(0xbb, 0x34, 0x12, 0x81, 0xc3, 0x11, 0x11, 0xba, 0xe9, 0x00, 0xb0, 'O', 0xee,
                0xb0, 'K', 0xee, 0xf4);
        X86Machine m = X86Machine.builder().ramBytes(1 << 20).build();
        m.load(0x7C00, code);
        m.vcpu(0).realMode(0, 0x7C00);
        assertFalse(m.run(T));
        VcpuHandle v = m.vcpu(0);
        assertEquals(0x2345, v.reg(Reg.RBX));
        assertEquals("OK", m.consoleOutput());
        assertTrue(v.halted());
        assertEquals("real16", v.mode());
        assertEquals(0x7C00 + code.length, v.rip());
        assertEquals(8, v.instructions());
    }

    @Test
    void longModeLoopWithAnInstructionHook() {
        X86Machine m = X86Machine.builder().ramBytes(8 << 20).build();
        m.load(0x10000, SUM_LOOP_64);
        m.vcpu(0).long64(0x100000, 0x10000, 0x8000);
        List<String> seen = new ArrayList<>();
        m.onInstruction((cpu, rip, text) -> seen.add(text));
        m.run(T);
        assertEquals(5050, m.vcpu(0).reg(Reg.RAX));
        assertEquals("long64", m.vcpu(0).mode());
        assertEquals(303, seen.size());
        assertEquals("xor    %rax,%rax", seen.get(0));
        assertEquals("hlt", seen.get(302));
        X86Machine.Statistics s = m.statistics();
        assertEquals(303, s.guestInstructions());
        assertEquals("interp", s.engine());
    }

    @Test
    void faultThroughAZeroIdtShutsTheCpuDownWithItsChain() {
        X86Machine m = X86Machine.builder().ramBytes(8 << 20).build();
        m.load(0x10000, GuestPrograms.bytes(0x0f, 0x0b)); // ud2
        m.vcpu(0).long64(0x100000, 0x10000, 0x8000);
        List<String> faults = new ArrayList<>();
        m.onFault((cpu, f) -> faults.add(f));
        m.run(T);
        VcpuHandle v = m.vcpu(0);
        assertTrue(v.shutDown());
        assertEquals("#UD", faults.get(0).substring(0, 3));
        List<String> chain = v.faultChain();
        assertTrue(chain.get(0).startsWith("#UD"), chain.toString());
        assertTrue(chain.stream().anyMatch(c -> c.startsWith("#DF")), chain.toString());
        assertEquals("triple fault", chain.get(chain.size() - 1));
        assertEquals("ud2", v.currentInstruction());
    }

    @Test
    void writeHookSeesGuestStores() {
        X86Machine m = X86Machine.builder().ramBytes(8 << 20).build();
        // movl $0xdeadbeef,0x5000; hlt
        m.load(0x10000, GuestPrograms.bytes(0xc7, 0x04, 0x25, 0x00, 0x50, 0x00, 0x00, 0xef, 0xbe, 0xad, 0xde, 0xf4));
        m.vcpu(0).long64(0x100000, 0x10000, 0x8000);
        List<long[]> writes = new ArrayList<>();
        m.onWrite(0x5000, 4, (a, len) -> writes.add(new long[] {a, len}));
        m.run(T);
        assertEquals(0xdeadbeefL, m.read(0x5000, 4));
        assertEquals(1, writes.size());
        assertEquals(0x5000, writes.get(0)[0]);
        assertEquals(4, writes.get(0)[1]);
    }

    @Test
    void severalVcpusRunTheirOwnCodeAndModes() {
        X86Machine m = X86Machine.builder().ramBytes(8 << 20).cpus(2).hostThreads(2).build();
        m.load(0x10000, SUM_LOOP_64);
        // 32-bit flat: mov $7,%eax; imul $6,%eax,%eax; hlt
        m.load(0x20000, GuestPrograms.bytes(0xb8, 0x07, 0, 0, 0, 0x6b, 0xc0, 0x06, 0xf4));
        m.vcpu(0).long64(0x100000, 0x10000, 0x8000);
        m.vcpu(1).flat32(0x20000, 0x9000);
        m.start(1);
        m.run(T);
        assertEquals(5050, m.vcpu(0).reg(Reg.RAX));
        assertEquals(42, m.vcpu(1).reg(Reg.RAX));
        assertEquals("prot32", m.vcpu(1).mode());
        assertTrue(m.vcpu(1).halted());
    }

    @Test
    void modeChangeHookSeesProtectedModeEntry() {
        // real mode: mov %cr0,%eax; or $1,%al; mov %eax,%cr0; hlt  (CS stays 16-bit: prot16)
        X86Machine m = X86Machine.builder().ramBytes(1 << 20).build();
        m.load(0x7C00, GuestPrograms.bytes(0x0f, 0x20, 0xc0, 0x0c, 0x01, 0x0f, 0x22, 0xc0, 0xf4));
        m.vcpu(0).realMode(0, 0x7C00);
        List<String> modes = new ArrayList<>();
        m.onModeChange((cpu, mode) -> modes.add(mode));
        m.run(T);
        assertEquals(List.of("prot16"), modes);
    }

    @Test
    void stepAndRunUntilAnAddress() {
        X86Machine m = X86Machine.builder().ramBytes(8 << 20).build();
        m.load(0x10000, SUM_LOOP_64);
        m.vcpu(0).long64(0x100000, 0x10000, 0x8000);
        assertEquals("ok", m.step(0)); // xor
        assertEquals(0x10003, m.vcpu(0).rip());
        assertEquals("ok", m.step(0)); // mov $100,%ecx
        assertEquals(100, m.vcpu(0).reg(Reg.RCX));
        assertTrue(m.runUntil(0, 0x1000f, 1_000)); // the hlt, after 100 iterations
        assertEquals(5050, m.vcpu(0).reg(Reg.RAX));
        assertEquals(302, m.vcpu(0).instructions());
        assertEquals("halt", m.step(0));
        assertTrue(m.vcpu(0).halted());
        assertFalse(m.runUntil(0, 0x10008, 10), "a halted CPU does not move");
    }

    @Test
    void badArgumentsAreRejectedWithAMessage() {
        X86Machine m = X86Machine.builder().ramBytes(1 << 20).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.read(1 << 20, 4));
        assertTrue(e.getMessage().contains("outside guest RAM"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> m.write(0, 3, 0));
        assertThrows(IllegalArgumentException.class, () -> X86Machine.builder().cpus(0).build());
    }
}
