package org.apboot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Snapshots of the embedding API on the interpreter (the translator's module runs the same tests
 * on its engine by overriding {@link #builder()}): a restored machine continues exactly as the
 * original did, restores undo writes to data, page tables, code and devices, and cost the pages
 * written since the snapshot, counted exactly. Expected values follow from the guest programs
 * (listed in GNU as syntax beside their bytes) and the SDM; a straight run without any snapshot
 * is the reference for whole states.
 */
public class SnapshotTest {
    /** The machine under test: the interpreter here, the translator in the translator's module. */
    protected X86Machine.Builder builder() {
        return X86Machine.builder().engine("interp");
    }

    private X86Machine machine(long ram) {
        return builder().ramBytes(ram).build();
    }

    /**
     * 64-bit, at 0x10000: for i = 64 down to 1, with p = 0x200000 + (64 - i) * 4096:
     * {@code q[p] += i * 0x1234567; q[p+8] ^= q[p]; rbx = rol(rbx + q[p], 7)}; then 'x' to port
     * 0xE9 and HLT. 3 + 64 * 10 + 3 = 646 instructions.
     * <pre>
     *     mov $0x200000,%rdi; mov $64,%ecx; xor %ebx,%ebx
     * 1:  mov %rcx,%rax; imul $0x1234567,%rax,%rax; add %rax,(%rdi); mov (%rdi),%rdx
     *     xor %rdx,8(%rdi); adc %rdx,%rbx; rol $7,%rbx; add $4096,%rdi; dec %ecx; jnz 1b
     *     mov $0x78,%al; out %al,$0xe9; hlt
     * </pre>
     */
    static final byte[] MIX = GuestPrograms.bytes(0x48, 0xc7, 0xc7, 0x00, 0x00, 0x20, 0x00, 0xb9, 0x40, 0x00, 0x00,
            0x00, 0x31, 0xdb, 0x48, 0x89, 0xc8, 0x48, 0x69, 0xc0, 0x67, 0x45, 0x23, 0x01, 0x48, 0x01, 0x07, 0x48, 0x8b,
            0x17, 0x48, 0x31, 0x57, 0x08, 0x48, 0x11, 0xd3, 0x48, 0xc1, 0xc3, 0x07, 0x48, 0x81, 0xc7, 0x00, 0x10, 0x00,
            0x00, 0xff, 0xc9, 0x75, 0xda, 0xb0, 0x78, 0xe6, 0xe9, 0xf4);
    static final long MIX_INSTRUCTIONS = 646;

    /**
     * 32-bit flat, paging off, at 0x10000: {@code mov %ecx,(%edi)} for ecx = 37 down to 1, edi
     * from 0x200000 in steps of 4096: one store in each of 37 pages, nothing else written.
     * <pre>
     *     mov $0x200000,%edi; mov $37,%ecx
     * 1:  mov %ecx,(%edi); add $4096,%edi; dec %ecx; jnz 1b; hlt
     * </pre>
     */
    static final byte[] PAGES32 = GuestPrograms.bytes(0xbf, 0x00, 0x00, 0x20, 0x00, 0xb9, 0x25, 0x00, 0x00, 0x00,
            0x89, 0x0f, 0x81, 0xc7, 0x00, 0x10, 0x00, 0x00, 0x49, 0x75, 0xf5, 0xf4);

    /** {@link #PAGES32} in 64-bit mode: {@code mov %ecx,(%rdi); add $4096,%rdi; dec %ecx}. */
    static final byte[] PAGES64 = GuestPrograms.bytes(0xbf, 0x00, 0x00, 0x20, 0x00, 0xb9, 0x25, 0x00, 0x00, 0x00,
            0x89, 0x0f, 0x48, 0x81, 0xc7, 0x00, 0x10, 0x00, 0x00, 0xff, 0xc9, 0x75, 0xf3, 0xf4);

    /**
     * 64-bit, rdi = the address of the page-directory entry of linear 0x400000: remaps that
     * 2 MiB page to physical 0x600000 and stores through it.
     * <pre>
     *     movq $0x600087,(%rdi); invlpg 0x400000; movabs $0x1122334455667788,%rax
     *     mov $0x400010,%esi; mov %rax,(%rsi); hlt
     * </pre>
     */
    static final byte[] REMAP = GuestPrograms.bytes(0x48, 0xc7, 0x07, 0x87, 0x00, 0x60, 0x00, 0x0f, 0x01, 0x3c, 0x25,
            0x00, 0x00, 0x40, 0x00, 0x48, 0xb8, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 0xbe, 0x10, 0x00, 0x40,
            0x00, 0x48, 0x89, 0x06, 0xf4);

    /**
     * 64-bit self-modifying code at 0x10000: three rounds of five {@code mov $imm,%eax; add
     * %eax,%ebx}, adding 10 to the immediate in the code before the second and third rounds:
     * ebx = 5 * (1 + 11 + 21) = 165. The last rewrite is followed by runs of the rewritten code,
     * so at the end its decoded or translated blocks hold immediate 21.
     * <pre>
     *     xor %ebx,%ebx; mov $3,%esi; jmp first
     * outer: addl $10,L+1(%rip)   # at 0x10009
     * first: mov $5,%ecx          # at 0x10010
     * L:  mov $1,%eax             # at 0x10015, immediate at 0x10016
     *     add %eax,%ebx; dec %ecx; jnz L
     *     dec %esi; jnz outer; hlt
     * </pre>
     */
    static final byte[] SMC = GuestPrograms.bytes(0x31, 0xdb, 0xbe, 0x03, 0x00, 0x00, 0x00, 0xeb, 0x07, 0x83, 0x05,
            0x06, 0x00, 0x00, 0x00, 0x0a, 0xb9, 0x05, 0x00, 0x00, 0x00, 0xb8, 0x01, 0x00, 0x00, 0x00, 0x01, 0xc3, 0xff,
            0xc9, 0x75, 0xf5, 0xff, 0xce, 0x75, 0xe5, 0xf4);
    static final long SMC_IMMEDIATE = 0x10016, SMC_OUTER = 0x10009;

    private static final long CODE = 0x10000, STACK = 0x9000;

    /** The state a test compares: registers by name, instructions retired, all of RAM, console. */
    record State(Map<String, Long> registers, long instructions, byte[] ram, String console) {
        static State of(X86Machine m) {
            return new State(m.vcpu(0).registers(), m.vcpu(0).instructions(), m.readBytes(0, (int) m.ramBytes()),
                    m.consoleOutput());
        }

        void assertSame(State o) {
            assertEquals(registers, o.registers);
            assertEquals(instructions, o.instructions);
            assertArrayEquals(ram, o.ram);
            assertEquals(console, o.console);
        }
    }

    private X86Machine mixMachine() {
        X86Machine m = machine(4 << 20);
        m.load(CODE, MIX);
        m.vcpu(0).long64(CODE, STACK, false);
        return m;
    }

    // ---------------------------------------------------------------- equivalence

    @Test
    void aRestoredRunEndsInTheStateOfTheOriginalRun() {
        X86Machine straight = mixMachine();
        assertEquals("hlt", straight.runVcpu(0, RunLimits.none()).exit());
        State reference = State.of(straight);
        assertMixResult(straight);

        X86Machine m = mixMachine();
        assertEquals("limit", m.runVcpu(0, RunLimits.none().maxInstructions(300)).exit());
        State atSnapshot = State.of(m);
        Snapshot s = m.snapshot();
        assertEquals(300, s.instructions());
        assertEquals(4L << 20, s.ramBytes());
        assertEquals("hlt", m.runVcpu(0, RunLimits.none()).exit());
        State first = State.of(m);
        first.assertSame(reference);

        m.restore(s);
        State.of(m).assertSame(atSnapshot);
        assertEquals("hlt", m.runVcpu(0, RunLimits.none()).exit());
        State.of(m).assertSame(first);
        assertMixResult(m);
    }

    /** The values {@link #MIX} leaves, worked out from its listing. */
    private static void assertMixResult(X86Machine m) {
        long rbx = 0;
        for (int i = 64; i >= 1; i--) {
            long p = 0x200000 + (64L - i) * 4096;
            long q = i * 0x1234567L;
            assertEquals(q, m.read(p, 8));
            assertEquals(q, m.read(p + 8, 8));
            rbx = Long.rotateLeft(rbx + q, 7);
        }
        assertEquals(rbx, m.vcpu(0).get("rbx"));
        assertEquals(0x200000 + 64 * 4096, m.vcpu(0).get("rdi"));
        assertEquals(MIX_INSTRUCTIONS, m.vcpu(0).instructions());
        assertEquals("x", m.consoleOutput());
    }

    @Test
    void restoringAnOlderSnapshotCopiesAllOfRamAndThenOnlyWhatChanged() {
        X86Machine m = mixMachine();
        Snapshot start = m.snapshot();
        State atStart = State.of(m);
        m.runVcpu(0, RunLimits.none().maxInstructions(200));
        Snapshot middle = m.snapshot();
        State atMiddle = State.of(m);
        m.runVcpu(0, RunLimits.none());
        State end = State.of(m);

        assertEquals(1024, m.restore(start)); // not the last snapshot: every page of 4 MiB
        State.of(m).assertSame(atStart);
        assertEquals(0, m.restore(start)); // nothing written since
        assertEquals(1024, m.restore(middle));
        State.of(m).assertSame(atMiddle);
        m.runVcpu(0, RunLimits.none());
        State.of(m).assertSame(end);
        m.restore(start);
        m.runVcpu(0, RunLimits.none());
        State.of(m).assertSame(end);
    }

    // ---------------------------------------------------------------- cost: pages written, exactly

    @Test
    void restoreCopiesBackExactlyThePagesWrittenSinceTheSnapshot() {
        X86Machine m = machine(4 << 20);
        m.load(CODE, PAGES32);
        m.vcpu(0).flat32(CODE, STACK);
        Snapshot s = m.snapshot();
        assertEquals(0, m.dirtyPages());
        for (int cycle = 0; cycle < 3; cycle++) {
            assertEquals("hlt", m.runVcpu(0, RunLimits.none()).exit());
            assertEquals(37, m.read(0x200000, 4));
            assertEquals(1, m.read(0x200000 + 36 * 4096, 4));
            assertEquals(37, m.dirtyPages()); // paging off, no stack: the 37 data pages only
            assertEquals(37, m.restore(s));
            assertEquals(0, m.dirtyPages());
            assertEquals(0, m.read(0x200000, 4));
            assertEquals(CODE, m.vcpu(0).rip());
        }
        m.write(0x300000, 8, 1); // host writes count too
        m.load(0x100000, new byte[3 * 4096 + 1]);
        assertEquals(5, m.dirtyPages());
        assertEquals(5, m.restore(s));
    }

    @Test
    void pageWalksThatSetAccessedAndDirtyBitsAreRestoredToo() {
        X86Machine m = machine(4 << 20);
        m.load(CODE, PAGES64);
        m.vcpu(0).long64(CODE, STACK, false);
        long pd = m.reservedPageTables() + 0x2000;
        assertEquals(0x200087, m.read(pd + 8, 8)); // 2 MiB page 1: P RW US PS, A and D clear
        Snapshot s = m.snapshot();
        m.runVcpu(0, RunLimits.none());
        assertEquals(0x200087 | 0x60, m.read(pd + 8, 8)); // the store set A and D
        // 37 data pages and the three table pages whose entries got A (PML4, PDPT) or A and D (PD)
        assertEquals(40, m.restore(s));
        assertEquals(0x200087, m.read(pd + 8, 8));
    }

    // ---------------------------------------------------------------- page tables, code, devices

    @Test
    void restoreUndoesARemappingOfThePageTables() {
        X86Machine m = machine(8 << 20);
        m.load(CODE, REMAP);
        m.vcpu(0).long64(CODE, STACK, false);
        long pde = m.reservedPageTables() + 0x2000 + 2 * 8; // linear 0x400000
        m.vcpu(0).set("rdi", pde);
        assertEquals(0x400010, m.vcpu(0).translate(0x400010)); // a walk: sets the entry's A bit
        assertEquals(0x400087 | 0x20, m.read(pde, 8));
        Snapshot s = m.snapshot();
        for (int cycle = 0; cycle < 2; cycle++) {
            assertEquals("hlt", m.runVcpu(0, RunLimits.none()).exit());
            assertEquals(0x600087 | 0x60, m.read(pde, 8));
            assertEquals(0x1122334455667788L, m.read(0x600010, 8));
            assertEquals(0, m.read(0x400010, 8));
            assertEquals(0x600010, m.vcpu(0).translate(0x400010));
            m.restore(s);
            assertEquals(0x400087 | 0x20, m.read(pde, 8));
            assertEquals(0, m.read(0x600010, 8));
            assertEquals(0x400010, m.vcpu(0).translate(0x400010)); // no stale TLB entry or walk
        }
    }

    @Test
    void codeRewrittenAfterTheSnapshotRunsItsOriginalBytesAfterRestore() {
        X86Machine m = machine(4 << 20);
        m.load(CODE, SMC);
        m.vcpu(0).long64(CODE, STACK, false);
        Snapshot atStart = m.snapshot();
        assertEquals("hlt", m.runVcpu(0, RunLimits.none()).exit());
        assertEquals(165, m.vcpu(0).get("rbx"));
        assertEquals(21, m.read(SMC_IMMEDIATE, 4));

        // the code holds immediate 21 and so do its cached blocks; after restore it must run 1
        // again (a stale block would make the first round add 21s: 5 * (21 + 11 + 21) = 265)
        m.restore(atStart);
        assertEquals(1, m.read(SMC_IMMEDIATE, 4));
        assertEquals("hlt", m.runVcpu(0, RunLimits.none()).exit());
        assertEquals(165, m.vcpu(0).get("rbx"));

        // a snapshot after the first round, before any rewrite
        m.restore(atStart);
        assertEquals("address", m.runVcpu(0, RunLimits.none().until(SMC_OUTER)).exit());
        assertEquals(5, m.vcpu(0).get("rbx"));
        Snapshot middle = m.snapshot();
        for (int cycle = 0; cycle < 3; cycle++) {
            assertEquals("hlt", m.runVcpu(0, RunLimits.none()).exit());
            assertEquals(165, m.vcpu(0).get("rbx"));
            m.restore(middle);
            assertEquals(1, m.read(SMC_IMMEDIATE, 4));
            assertEquals(5, m.vcpu(0).get("rbx"));
        }
    }

    /**
     * 64-bit: WRMSR to IA32_PAT and IA32_GS_BASE, CR4.PGE set, DR0 written, the GDT limit
     * changed (SGDT, then LGDT of the same base with limit 0x7f), HLT.
     * <pre>
     *     mov $0x277,%ecx; mov $0x06060606,%eax; mov %eax,%edx; wrmsr
     *     mov $0xc0000101,%ecx; mov $0x1234,%eax; xor %edx,%edx; wrmsr
     *     mov %cr4,%rax; or $0x80,%rax; mov %rax,%cr4; mov $0x5000,%eax; mov %rax,%dr0
     *     sub $16,%rsp; sgdt (%rsp); movw $0x7f,(%rsp); lgdt (%rsp); hlt
     * </pre>
     */
    static final byte[] SYSTEM_REGISTERS = GuestPrograms.bytes(0xb9, 0x77, 0x02, 0x00, 0x00, 0xb8, 0x06, 0x06, 0x06,
            0x06, 0x89, 0xc2, 0x0f, 0x30, 0xb9, 0x01, 0x01, 0x00, 0xc0, 0xb8, 0x34, 0x12, 0x00, 0x00, 0x31, 0xd2, 0x0f,
            0x30, 0x0f, 0x20, 0xe0, 0x48, 0x0d, 0x80, 0x00, 0x00, 0x00, 0x0f, 0x22, 0xe0, 0xb8, 0x00, 0x50, 0x00, 0x00,
            0x0f, 0x23, 0xc0, 0x48, 0x83, 0xec, 0x10, 0x0f, 0x01, 0x04, 0x24, 0x66, 0xc7, 0x04, 0x24, 0x7f, 0x00, 0x0f,
            0x01, 0x14, 0x24, 0xf4);

    @Test
    void controlDebugAndModelSpecificRegistersComeBack() {
        X86Machine m = machine(4 << 20);
        m.load(CODE, SYSTEM_REGISTERS);
        m.vcpu(0).long64(CODE, STACK, false);
        Map<String, Long> before = m.vcpu(0).registers();
        assertEquals(0x0007_0406_0007_0406L, before.get("pat")); // the power-on PAT (SDM vol. 3 table 13-12)
        Snapshot s = m.snapshot();
        for (int cycle = 0; cycle < 2; cycle++) {
            assertEquals("hlt", m.runVcpu(0, RunLimits.none()).exit());
            VcpuHandle v = m.vcpu(0);
            assertEquals(0x0606_0606_0606_0606L, v.get("pat"));
            assertEquals(0x1234, v.get("gs_base"));
            assertEquals(before.get("cr4") | 0x80, v.get("cr4"));
            assertEquals(0x5000, v.get("dr0"));
            assertEquals(0x7f, v.get("gdtr.limit"));
            assertEquals(STACK - 16, v.get("rsp"));
            m.restore(s);
            assertEquals(before, m.vcpu(0).registers());
        }
    }

    @Test
    void devicesAndConsoleTextComeBack() {
        // out %al,$0xe9 ('a'); mov $0x5a,%al; out %al,$0x21 (PIC mask); mov $0x62,%al; out %al,$0xe9; hlt
        byte[] code = GuestPrograms.bytes(0xb0, 0x61, 0xe6, 0xe9, 0xb0, 0x5a, 0xe6, 0x21, 0xb0, 0x62, 0xe6, 0xe9, 0xf4);
        X86Machine m = machine(1 << 20);
        m.load(CODE, code);
        m.vcpu(0).flat32(CODE, STACK);
        assertEquals("limit", m.runVcpu(0, RunLimits.none().maxInstructions(2)).exit());
        assertEquals("a", m.consoleOutput());
        Snapshot s = m.snapshot();
        m.runVcpu(0, RunLimits.none());
        assertEquals("ab", m.consoleOutput());
        assertEquals(0x5a, m.picMasks() & 0xFF);
        m.restore(s);
        assertEquals("a", m.consoleOutput());
        assertEquals(0, m.picMasks() & 0xFF);
        m.runVcpu(0, RunLimits.none());
        assertEquals("ab", m.consoleOutput());
    }

    @Test
    void aPendingInterruptAndTheApicComeBack() {
        // real mode: vector 0x40's IVT entry points at 0000:7E00, {incw 0x500; iret}; the main
        // program at 0000:7C00 is {sti; hlt; hlt}. The APIC is enabled and 0x40 requested
        // before the snapshot, so each run from it takes the interrupt once.
        X86Machine m = machine(1 << 20);
        m.load(0x7C00, GuestPrograms.bytes(0xfb, 0xf4, 0xf4));
        m.load(0x7E00, GuestPrograms.bytes(0xff, 0x06, 0x00, 0x05, 0xcf));
        m.write(0x40 * 4, 4, 0x7E00);
        m.vcpu(0).realMode(0, 0x7C00);
        long svr = 0xFEE000F0L;
        m.vcpu(0).writeLinear(svr, 4, 0x1FF); // software-enabled
        m.interrupt(0, 0x40);
        Snapshot s = m.snapshot();
        for (int cycle = 0; cycle < 3; cycle++) {
            assertEquals("hlt", m.runVcpu(0, RunLimits.none()).exit());
            assertEquals(1, m.read(0x500, 2)); // taken once; no EOI, so 0x40 stays in service
            assertEquals(0x7C03, m.vcpu(0).rip());
            m.vcpu(0).writeLinear(svr, 4, 0xFF); // disabled after the snapshot
            m.restore(s);
            assertEquals(0x1FF, m.vcpu(0).readLinear(svr, 4));
            assertEquals(0, m.read(0x500, 2));
            assertEquals(0x7C00, m.vcpu(0).rip());
        }
    }

    // ---------------------------------------------------------------- several vCPUs, parked ones

    /**
     * Flat 32-bit BSP at 0x1000: INIT and STARTUP (vector 8) to APIC ID 1 through the ICR, then
     * a PAUSE loop on the byte at 0x9000 until it is 1, then 'B' to port 0xE9 and HLT.
     * <pre>
     *     movl $0x01000000,0xfee00310; movl $0x4500,0xfee00300; movl $0x4608,0xfee00300
     * 1:  pause; cmpb $1,0x9000; jne 1b      # at 0x101e
     *     mov $'B',%al; out %al,$0xe9; hlt
     * </pre>
     * The AP at 0800:0000 (real mode): {@code mov $'A',%al; out %al,$0xe9; movb $1,%cs:0x1000;
     * cli; hlt}.
     */
    static final byte[] BRING_UP_BSP = GuestPrograms.bytes(0xc7, 0x05, 0x10, 0x03, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x01,
            0xc7, 0x05, 0x00, 0x03, 0xe0, 0xfe, 0x00, 0x45, 0x00, 0x00, 0xc7, 0x05, 0x00, 0x03, 0xe0, 0xfe, 0x08, 0x46,
            0x00, 0x00, 0xf3, 0x90, 0x80, 0x3d, 0x00, 0x90, 0x00, 0x00, 0x01, 0x75, 0xf5, 0xb0, 0x42, 0xe6, 0xe9, 0xf4);
    static final byte[] BRING_UP_AP = GuestPrograms.bytes(0xb0, 0x41, 0xe6, 0xe9, 0x2e, 0xc6, 0x06, 0x00, 0x10, 0x01,
            0xfa, 0xf4);
    static final long WAIT_LOOP = 0x101e;

    @Test
    void aMachineOfTwoVcpusRunsTheSameBringUpAfterRestore() {
        X86Machine m = builder().cpus(2).deterministic(true).ramBytes(1 << 20).build();
        m.load(0x1000, BRING_UP_BSP).load(0x8000, BRING_UP_AP);
        m.vcpu(0).flat32(0x1000, 0x7000);
        Snapshot s = m.snapshot();
        assertEquals("wait-for-SIPI", m.vcpu(1).state());
        assertEquals("hlt", m.run(RunLimits.none()).exit());
        Map<String, Long> bsp = m.vcpu(0).registers(), ap = m.vcpu(1).registers();
        assertEquals("AB", m.consoleOutput());
        assertEquals(0x800, ap.get("cs"));
        assertEquals(0xc, ap.get("rip"));
        for (int cycle = 0; cycle < 3; cycle++) {
            m.restore(s);
            assertEquals("wait-for-SIPI", m.vcpu(1).state());
            assertEquals("", m.consoleOutput());
            assertEquals("hlt", m.run(RunLimits.none()).exit());
            assertEquals("AB", m.consoleOutput());
            assertEquals(bsp, m.vcpu(0).registers());
            assertEquals(ap, m.vcpu(1).registers());
            assertEquals("halted", m.vcpu(1).state());
        }
    }

    @Test
    void aParkedVcpuWaitsOnItsWordAgainAfterRestore() {
        // the BSP alone, in its wait loop: nobody sets the flag, so it parks and the run ends
        X86Machine m = builder().deterministic(true).ramBytes(1 << 20).build();
        m.load(0x1000, BRING_UP_BSP);
        m.vcpu(0).flat32(WAIT_LOOP, 0x7000);
        assertEquals("hlt", m.run(RunLimits.none()).exit());
        assertEquals("parked", m.vcpu(0).state());
        Snapshot s = m.snapshot();
        for (int cycle = 0; cycle < 3; cycle++) {
            m.write(0x9000, 1, 1); // the host sets the flag: the write wakes the parked vCPU
            assertEquals("hlt", m.run(RunLimits.none()).exit());
            assertEquals("B", m.consoleOutput());
            assertEquals("halted", m.vcpu(0).state());
            m.restore(s);
            assertEquals("parked", m.vcpu(0).state());
            assertEquals(0, m.read(0x9000, 1));
            assertEquals("", m.consoleOutput());
            assertEquals("hlt", m.run(RunLimits.none()).exit()); // still waiting: nothing runs
            assertEquals("parked", m.vcpu(0).state());
        }
    }

    // ---------------------------------------------------------------- many cycles, misuse

    @Test
    void thousandsOfRestoresCostTheSameAndTranslateNothingNew() {
        X86Machine m = mixMachine();
        m.runVcpu(0, RunLimits.none().maxInstructions(100));
        Snapshot s = m.snapshot();
        m.runVcpu(0, RunLimits.none());
        int pages = m.restore(s);
        m.runVcpu(0, RunLimits.none());
        m.restore(s);
        long blocks = m.statistics().blocksBuilt();
        for (int cycle = 0; cycle < 2000; cycle++) {
            assertEquals("hlt", m.runVcpu(0, RunLimits.none()).exit());
            assertEquals(MIX_INSTRUCTIONS, m.vcpu(0).instructions());
            assertEquals(pages, m.restore(s));
        }
        assertEquals(blocks, m.statistics().blocksBuilt(), "unchanged code keeps its decoded or translated blocks");
        assertEquals(0, m.consoleOutput().length()); // 2000 runs wrote 'x' each; all undone
        m.runVcpu(0, RunLimits.none());
        assertMixResult(m);
    }

    @Test
    void restoreIsRefusedWhileTheMachineRunsAndForAnotherMachine() {
        X86Machine m = mixMachine();
        Snapshot s = m.snapshot();
        List<RuntimeException> refused = new ArrayList<>();
        m.onInstruction(CODE, CODE, (v, rip, text) -> {
            try {
                m.restore(s);
            } catch (IllegalStateException e) {
                refused.add(e);
            }
            try {
                m.snapshot();
            } catch (IllegalStateException e) {
                refused.add(e);
            }
        });
        m.runVcpu(0, RunLimits.none());
        assertEquals(2, refused.size());
        assertEquals("cannot restore a snapshot while the machine runs: wait until run, runVcpu, step or runUntil "
                + "has returned", refused.get(0).getMessage());

        X86Machine other = mixMachine();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> other.restore(s));
        assertEquals("the snapshot was taken of another machine", e.getMessage());

        m.mapRam(0x1_0000_0000L, 4096);
        IllegalStateException late = assertThrows(IllegalStateException.class, () -> m.restore(s));
        assertNotNull(late.getMessage());
        m.restore(m.snapshot()); // a snapshot with the region restores
    }
}
