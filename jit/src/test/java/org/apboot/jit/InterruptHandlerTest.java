package org.apboot.jit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.apboot.GuestPrograms;
import org.apboot.RunLimits;
import org.apboot.RunResult;
import org.apboot.X86Machine;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Interrupt handlers ({@link X86Machine#handleInterrupts}) on both engines: an NMI, two INT 0x80
 * and two self-IPIs either taken over by the host or left to the guest's IDT, with the same
 * events at the same RIPs on either engine, also when installed after the code was translated.
 * Expected values follow from the guest code and the SDM (return addresses, EOI, NMI blocking).
 */
class InterruptHandlerTest {
    /**
     * Flat 32-bit code at 0x1000: enable the local APIC (SVR = 0x1FF); int $0x80 twice; a
     * fixed self-IPI of vector 0x40 (ICR = 0x40040), sti, hlt; cli, the same IPI again, sti,
     * hlt; then a last hlt. The second IPI is only taken when the first was ended by an EOI
     * (same priority class), so the run reaching the last hlt shows the first one ended.
     */
    private static final byte[] MAIN = GuestPrograms.bytes(
            0xc7, 0x05, 0xf0, 0x00, 0xe0, 0xfe, 0xff, 0x01, 0x00, 0x00, // 1000 movl $0x1ff,0xfee000f0
            0xcd, 0x80, // 100a int $0x80
            0xcd, 0x80, // 100c int $0x80
            0xc7, 0x05, 0x00, 0x03, 0xe0, 0xfe, 0x40, 0x00, 0x04, 0x00, // 100e movl $0x40040,0xfee00300
            0xfb, // 1018 sti
            0xf4, // 1019 hlt
            0xfa, // 101a cli
            0xc7, 0x05, 0x00, 0x03, 0xe0, 0xfe, 0x40, 0x00, 0x04, 0x00, // 101b movl $0x40040,0xfee00300
            0xfb, // 1025 sti
            0xf4, // 1026 hlt
            0xf4); // 1027 hlt
    /** Vector 0x40 at 0x1100: incl 0x5000; movl $0,0xfee000b0 (EOI); iret. */
    private static final byte[] EXTERNAL_HANDLER = GuestPrograms.bytes(0xff, 0x05, 0x00, 0x50, 0x00, 0x00, 0xc7, 0x05,
            0xb0, 0x00, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00, 0xcf);
    /** Vector 0x80 at 0x1200: incl 0x5004; iret. */
    private static final byte[] SYSCALL_HANDLER = GuestPrograms.bytes(0xff, 0x05, 0x04, 0x50, 0x00, 0x00, 0xcf);
    /** Vector 2 at 0x1300: incl 0x5008; iret. */
    private static final byte[] NMI_HANDLER = GuestPrograms.bytes(0xff, 0x05, 0x08, 0x50, 0x00, 0x00, 0xcf);

    private static X86Machine machine(String engine) {
        X86Machine m = EmbeddingApiTest.machine(engine).build();
        m.load(0x1000, MAIN).load(0x1100, EXTERNAL_HANDLER).load(0x1200, SYSCALL_HANDLER).load(0x1300, NMI_HANDLER);
        // GDT at 0x2000: null, flat 32-bit code (0x08), flat data (0x10), the selectors flat32 uses
        m.write(0x2000, 8, 0).write(0x2008, 8, 0x00CF_9A00_0000_FFFFL).write(0x2010, 8, 0x00CF_9200_0000_FFFFL);
        // IDT at 0x3000: 32-bit interrupt gates (type 0x8E) through selector 0x08
        m.write(0x3000 + 8 * 2, 8, gate(0x1300)).write(0x3000 + 8 * 0x40, 8, gate(0x1100))
                .write(0x3000 + 8 * 0x80, 8, gate(0x1200));
        return m;
    }

    private static long gate(long offset) {
        return (offset & 0xFFFF) | (0x08L << 16) | (0x8E00L << 32) | ((offset >>> 16) << 48);
    }

    /** Puts vCPU 0 at the start of MAIN, with an NMI pending and the counters cleared. */
    private static void start(X86Machine m) {
        m.write(0x5000, 8, 0).write(0x5008, 4, 0);
        m.vcpu(0).flat32(0x1000, 0x8000, false).set("gdtr.base", 0x2000).set("gdtr.limit", 23)
                .set("idtr.base", 0x3000).set("idtr.limit", 8 * 0x81 - 1).set("rax", 0).set("rflags", 2);
        m.nmi(0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void handledInterruptsAreNotDeliveredAlsoInCodeTranslatedBefore(String engine) {
        X86Machine m = machine(engine);
        start(m);
        assertEquals("hlt", m.runVcpu(0, RunLimits.none()).exit()); // translated, unhooked: all delivered
        assertEquals(List.of(2L, 2L, 1L), counters(m));

        List<String> seen = new ArrayList<>();
        m.handleInterrupts((cpu, vector, kind) -> {
            seen.add(kind + " " + Integer.toHexString(vector) + " @" + Long.toHexString(cpu.get("rip")));
            if (kind == X86Machine.InterruptKind.SOFTWARE) {
                cpu.set("rax", cpu.get("rax") + 1); // a system call the host serves
            }
            return true;
        });
        start(m);
        RunResult r = m.runVcpu(0, RunLimits.none());
        assertEquals("hlt", r.exit());
        // the NMI before the first instruction; INT n with the address after it; each IPI after
        // the HLT it woke (the STI shadow lets the HLT run first)
        assertEquals(List.of("NMI 2 @1000", "SOFTWARE 80 @100c", "SOFTWARE 80 @100e", "EXTERNAL 40 @101a",
                "EXTERNAL 40 @1027"), seen);
        assertEquals(List.of(0L, 0L, 0L), counters(m), "no guest handler ran");
        assertEquals(2, m.vcpu(0).get("rax"));
        assertEquals(0x1028, m.vcpu(0).get("rip"));
        assertEquals(0x8000, m.vcpu(0).get("rsp"), "nothing was pushed");
        assertEquals(11, r.instructions());

        // a handled NMI leaves NMIs unblocked: the next one is taken at once
        seen.clear();
        m.nmi(0);
        m.vcpu(0).set("rip", 0x1027);
        m.runVcpu(0, RunLimits.none());
        assertEquals(List.of("NMI 2 @1027"), seen);
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void declinedInterruptsAreDeliveredAndSeenByInterruptHooksAfterwards(String engine) {
        X86Machine m = machine(engine);
        start(m);
        assertEquals("hlt", m.runVcpu(0, RunLimits.none()).exit()); // translated, unhooked
        long instructions = m.vcpu(0).instructions();

        List<String> seen = new ArrayList<>();
        m.handleInterrupts((cpu, vector, kind) -> {
            seen.add("ask " + kind + " " + Integer.toHexString(vector));
            return false;
        });
        m.handleInterrupts((cpu, vector, kind) -> seen.add("second " + Integer.toHexString(vector)) && false);
        m.onInterrupt((cpu, vector) -> seen.add("delivered " + Integer.toHexString(vector) + " @"
                + Long.toHexString(cpu.get("rip"))));
        start(m);
        RunResult r = m.runVcpu(0, RunLimits.none());
        assertEquals("hlt", r.exit());
        assertEquals(List.of("ask NMI 2", "second 2", "delivered 2 @1300",
                "ask SOFTWARE 80", "second 80", "ask SOFTWARE 80", "second 80",
                "ask EXTERNAL 40", "second 40", "delivered 40 @1100",
                "ask EXTERNAL 40", "second 40", "delivered 40 @1100"), seen);
        assertEquals(List.of(2L, 2L, 1L), counters(m));
        assertEquals(0x1028, m.vcpu(0).get("rip"));
        assertEquals(0x8000, m.vcpu(0).get("rsp"));
        // 11 of the main code, 2 of the NMI handler, 2 x 2 of INT 0x80's, 2 x 3 of the IPI's
        assertEquals(23, r.instructions());
        assertEquals(23, instructions);
    }

    /** The delivery counters of the IPI, INT 0x80 and NMI handlers. */
    private static List<Long> counters(X86Machine m) {
        return List.of(m.read(0x5000, 4), m.read(0x5004, 4), m.read(0x5008, 4));
    }
}
