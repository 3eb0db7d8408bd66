package org.apboot.jit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.apboot.GuestPrograms;
import org.apboot.RunLimits;
import org.apboot.X86Machine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every hook kind at once, installed after the code ran unhooked (and, on the translator, was
 * translated): both engines report the same events in the same order, namely those the guest
 * code and the SDM give; removing the hooks silences them and gives the blocks back to the
 * translator.
 */
class HookParityTest {
    /**
     * Flat 32-bit code at 0x1000: turn paging on (one 4 MiB identity page, CR4.PSE set by the
     * host), int $0x80, ud2, cpuid leaf 0, rdmsr and wrmsr of MSR 0x1234, a store and a load at
     * 0x5000, in from port 0x60, out to port 0x80, hlt.
     */
    private static final byte[] MAIN = GuestPrograms.bytes(
            0xb8, 0x00, 0x40, 0x00, 0x00, // 1000 mov $0x4000,%eax
            0x0f, 0x22, 0xd8, // 1005 mov %eax,%cr3
            0x0f, 0x20, 0xc0, // 1008 mov %cr0,%eax
            0x0d, 0x00, 0x00, 0x00, 0x80, // 100b or $0x80000000,%eax
            0x0f, 0x22, 0xc0, // 1010 mov %eax,%cr0
            0xcd, 0x80, // 1013 int $0x80
            0x0f, 0x0b, // 1015 ud2
            0x31, 0xc0, // 1017 xor %eax,%eax
            0x0f, 0xa2, // 1019 cpuid
            0xb9, 0x34, 0x12, 0x00, 0x00, // 101b mov $0x1234,%ecx
            0x0f, 0x32, // 1020 rdmsr
            0x0f, 0x30, // 1022 wrmsr
            0xc7, 0x05, 0x00, 0x50, 0x00, 0x00, 0x11, 0x00, 0x00, 0x00, // 1024 movl $0x11,0x5000
            0x8b, 0x1d, 0x00, 0x50, 0x00, 0x00, // 102e mov 0x5000,%ebx
            0xe4, 0x60, // 1034 in $0x60,%al
            0xe6, 0x80, // 1036 out %al,$0x80
            0xf4); // 1038 hlt

    /** The events besides instructions and blocks, as the guest code and the SDM give them. */
    private static final List<String> EXPECTED = List.of(
            "ask NMI 2 @1000", "interrupt 2 @1300", // taken before the first instruction
            "mode prot32+paging",
            "ask SOFTWARE 80 @1015", // declined: the gate at 0x1200 runs
            "fault", "handle 6 @1015", // skipped by the handler
            "cpuid 0.0", "rdmsr 1234", "wrmsr 1234=500000006",
            "mw 5000/4=11", "written 5000+4", "mr 5000/4=11",
            "in 60/1", "out 80/1=5a");

    private static X86Machine machine(String engine) {
        X86Machine m = EmbeddingApiTest.machine(engine).build();
        // the INT 0x80 gate: incl 0x5004; iret -- the NMI gate: incl 0x5008; iret
        m.load(0x1000, MAIN).load(0x1200, GuestPrograms.bytes(0xff, 0x05, 0x04, 0x50, 0x00, 0x00, 0xcf))
                .load(0x1300, GuestPrograms.bytes(0xff, 0x05, 0x08, 0x50, 0x00, 0x00, 0xcf));
        m.write(0x2008, 8, 0x00CF_9A00_0000_FFFFL).write(0x2010, 8, 0x00CF_9200_0000_FFFFL); // flat code, data
        m.write(0x3000 + 8 * 2, 8, gate(0x1300)).write(0x3000 + 8 * 0x80, 8, gate(0x1200));
        m.write(0x4000, 4, 0x83); // PDE 0: a 4 MiB page at 0, present, writable
        return m;
    }

    private static long gate(long offset) {
        return (offset & 0xFFFF) | (0x08L << 16) | (0x8E00L << 32) | ((offset >>> 16) << 48);
    }

    private static void start(X86Machine m) {
        m.vcpu(0).flat32(0x1000, 0x8000, false).set("gdtr.base", 0x2000).set("gdtr.limit", 23)
                .set("idtr.base", 0x3000).set("idtr.limit", 8 * 0x81 - 1).set("cr4", 0x10).set("rflags", 2);
        m.nmi(0);
    }

    /** Installs one hook of every kind, each logging to {@code log}; returns them for removal. */
    private static List<Object> hookEverything(X86Machine m, List<String> log) {
        List<Object> hooks = new ArrayList<>();
        X86Machine.InstructionHook insn = (cpu, rip, text) -> log.add("i " + Long.toHexString(rip));
        X86Machine.BlockHook block = (cpu, rip, size) -> log.add("b " + Long.toHexString(rip) + "+" + size);
        X86Machine.InterruptHandler ask = (cpu, vector, kind) ->
                log.add("ask " + kind + " " + Integer.toHexString(vector) + " @" + Long.toHexString(cpu.get("rip")))
                        && false;
        X86Machine.InterruptHook interrupt = (cpu, vector) ->
                log.add("interrupt " + vector + " @" + Long.toHexString(cpu.get("rip")));
        X86Machine.ModeChangeHook mode = (cpu, name) -> log.add("mode " + name);
        X86Machine.FaultHook fault = (cpu, text) -> log.add("fault");
        X86Machine.FaultHandler handle = (cpu, f) -> {
            log.add("handle " + f.vector() + " @" + Long.toHexString(cpu.get("rip")));
            cpu.set("rip", cpu.get("rip") + 2);
            return true;
        };
        X86Machine.CpuidHook cpuid = (cpu, leaf, sub, regs) -> log.add("cpuid " + leaf + "." + sub);
        X86Machine.RdmsrHook rdmsr = (cpu, msr) -> {
            log.add("rdmsr " + Integer.toHexString(msr));
            return OptionalLong.of(0x5_0000_0006L);
        };
        X86Machine.WrmsrHook wrmsr = (cpu, msr, value) ->
                log.add("wrmsr " + Integer.toHexString(msr) + "=" + Long.toHexString(value));
        X86Machine.MemoryHook read = (cpu, a, size, value) ->
                log.add("mr " + Long.toHexString(a) + "/" + size + "=" + Long.toHexString(value));
        X86Machine.MemoryHook write = (cpu, a, size, value) ->
                log.add("mw " + Long.toHexString(a) + "/" + size + "=" + Long.toHexString(value));
        X86Machine.WriteHook written = (a, len) -> log.add("written " + Long.toHexString(a) + "+" + len);
        X86Machine.PortInHook in = (cpu, port, size) -> {
            log.add("in " + Integer.toHexString(port) + "/" + size);
            return OptionalLong.of(0x5a);
        };
        X86Machine.PortOutHook out = (cpu, port, size, value) ->
                log.add("out " + Integer.toHexString(port) + "/" + size + "=" + Long.toHexString(value));
        m.onInstruction(insn).onBlock(block).handleInterrupts(ask).onInterrupt(interrupt).onModeChange(mode)
                .onFault(fault).handleFaults(handle).onCpuid(cpuid).onRdmsr(rdmsr).onWrmsr(wrmsr)
                .onMemoryRead(0x5000, 4, read).onMemoryWrite(0x5000, 4, write).onWrite(0x5000, 4, written)
                .onPortIn(0x60, 0x60, in).onPortOut(0x80, 0x80, out);
        hooks.addAll(List.of(insn, block, ask, interrupt, mode, fault, handle, cpuid, rdmsr, wrmsr, read, write,
                written, in, out));
        return hooks;
    }

    /** Runs the program unhooked, then hooked; returns the hooked run's events. */
    private static List<String> eventsAfterAnUnhookedRun(X86Machine m, List<Object> hooks) {
        start(m);
        assertEquals("fault", m.runVcpu(0, RunLimits.none()).exit(), "unhooked, the ud2 meets no #UD gate");
        List<String> log = new ArrayList<>();
        hooks.addAll(hookEverything(m, log));
        start(m);
        assertEquals("hlt", m.runVcpu(0, RunLimits.none()).exit());
        return log;
    }

    @Test
    void bothEnginesReportTheSameEventsInTheSameOrderAndRemovalSilencesThem() {
        List<Object> interpHooks = new ArrayList<>();
        List<String> interp = eventsAfterAnUnhookedRun(machine("interp"), interpHooks);
        X86Machine jit = machine("jit");
        List<Object> jitHooks = new ArrayList<>();
        List<String> translated = eventsAfterAnUnhookedRun(jit, jitHooks);

        assertEquals(interp, translated);
        assertEquals(EXPECTED, translated.stream().filter(e -> !e.startsWith("i ") && !e.startsWith("b ")).toList());
        // 17 instructions of the main code (ud2 included), 2 of each gate's handler
        assertEquals(21, translated.stream().filter(e -> e.startsWith("i ")).count());
        assertEquals("b 1300+7", translated.get(2)); // the NMI handler (incl, iret), after its delivery
        assertEquals(0x5aL, jit.vcpu(0).get("rax") & 0xFF);
        assertEquals(0x11, jit.vcpu(0).get("rbx"));
        // each gate ran once in each of the two runs
        assertEquals(List.of(2L, 2L), List.of(jit.read(0x5004, 4), jit.read(0x5008, 4)));

        // removed, the hooks are silent and the translator runs the blocks again
        for (Object h : jitHooks) {
            assertTrue(jit.removeHook(h), h.toString());
        }
        assertEquals(false, jit.removeHook(jitHooks.get(0)));
        translated.clear();
        long before = jit.statistics().counter("translated block runs");
        start(jit);
        assertEquals("fault", jit.runVcpu(0, RunLimits.none()).exit());
        assertEquals(List.of(), translated);
        assertTrue(jit.statistics().counter("translated block runs") > before, jit.statistics().toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void aHookThatRemovesItselfIsNotCalledAgainInTheSameRun(String engine) {
        X86Machine m = machine(engine);
        start(m);
        m.runVcpu(0, RunLimits.none()); // translated, unhooked
        List<Long> seen = new ArrayList<>();
        X86Machine.InstructionHook[] self = new X86Machine.InstructionHook[1];
        self[0] = (cpu, rip, text) -> {
            seen.add(rip);
            if (seen.size() == 3) {
                assertTrue(m.removeHook(self[0]));
            }
        };
        m.onInstruction(0x1000, 0x10ff, self[0]);
        start(m);
        m.runVcpu(0, RunLimits.none());
        assertEquals(List.of(0x1000L, 0x1005L, 0x1008L), seen); // the gates at 0x1200 and 0x1300 lie outside the range
    }
}
