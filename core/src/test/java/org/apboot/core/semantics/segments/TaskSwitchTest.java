package org.apboot.core.semantics.segments;

import static org.apboot.core.fault.TestCpus.assertFault;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.Segment;
import org.apboot.core.decode.Insn;
import org.apboot.core.fault.CpuException;
import org.apboot.core.fault.TestCpus;
import org.apboot.core.fault.Vectors;
import org.apboot.core.semantics.Debug;
import org.apboot.core.semantics.ExceptionDelivery;
import org.apboot.core.semantics.FarTransfers;
import org.apboot.core.semantics.Flags;
import org.apboot.core.semantics.Returns;
import org.apboot.core.semantics.SegmentLoads;
import org.apboot.core.semantics.TaskSwitch;
import org.junit.jupiter.api.Test;

/**
 * Hardware task switches (Intel SDM vol. 3 chapter 8): TSS layouts (figures 8-2 and 8-11), the
 * busy bit, NT and back-link rules of section 8.3 and table 8-2, the checks of table 8-1, and the
 * JMP/CALL/INT/IRET pseudo-code of vol. 2. The GDT, TSSes and IDT are built by hand in memory.
 */
class TaskSwitchTest {
    // extra GDT entries after the ones TestCpus writes (indices 16 and up)
    private static final int TSS_A = 0x80, TSS_B = 0x88, GATE_B = 0x90, TSS_C16 = 0x98, TSS_SHORT = 0xA0,
            TSS_DF = 0xA8, SMALL_STACK = 0xB0, TSS_SHORT16 = 0xB8, TSS_ABSENT = 0xC0, GATE_B_DPL0 = 0xC8;
    private static final long A = 0x20000, B = 0x21000, C16 = 0x22000, DF = 0x23000, IDT = 0x4000;
    private static final int CODE32 = TestCpus.CODE32, DATA32 = TestCpus.DATA32;

    /** Access bytes: 32-bit TSS available 0x89 / busy 0x8B, 16-bit 0x81 / 0x83, task gate 0x85. */
    private static Cpu machine() {
        Cpu cpu = TestCpus.prot32();
        put(cpu, TSS_A, TestCpus.seg(A, 0x67, 0x89, 0));
        put(cpu, TSS_B, TestCpus.seg(B, 0x67, 0x89, 0));
        put(cpu, GATE_B, TestCpus.gate(0, TSS_B, 0xE5, 0));           // task gate DPL 3
        put(cpu, TSS_C16, TestCpus.seg(C16, 0x2B, 0x81, 0));
        put(cpu, TSS_SHORT, TestCpus.seg(B, 0x66, 0x89, 0));
        put(cpu, TSS_DF, TestCpus.seg(DF, 0x67, 0x89, 0));
        put(cpu, SMALL_STACK, TestCpus.seg(0x40000, 0xFFF, 0x92, 0x4)); // 4 KiB, B = 1
        put(cpu, TSS_SHORT16, TestCpus.seg(C16, 0x2A, 0x81, 0));
        put(cpu, TSS_ABSENT, TestCpus.seg(B, 0x67, 0x09, 0));
        put(cpu, GATE_B_DPL0, TestCpus.gate(0, TSS_B, 0x85, 0));
        cpu.gdtrLimit = 0xCF;
        SegmentLoads.ltr(cpu, TSS_A);
        // the new task B: a flat 32-bit ring-0 task
        cpu.ram.write16(B, 0x1111);                 // previous task link (sentinel)
        w32(cpu, B + 0x1C, 0xCAFE_0000L);    // CR3 (paging is off: not loaded)
        w32(cpu, B + 0x20, 0x5000);          // EIP
        w32(cpu, B + 0x24, 0x0000_0046L);    // EFLAGS: ZF PF, bit 1
        for (int i = 0; i < 8; i++) {
            w32(cpu, B + 0x28 + 4 * i, 0xB000_0000L + i);
        }
        w32(cpu, B + 0x38, 0x9000);          // ESP
        int[] sregs = {DATA32, CODE32, DATA32, DATA32, 0, DATA32};
        for (int i = 0; i < 6; i++) {
            cpu.ram.write16(B + 0x48 + 4 * i, sregs[i]);
        }
        cpu.ram.write16(B + 0x60, 0);               // no LDT
        w32(cpu, A + 0x1C, 0xA0A0_0000L);    // CR3 field of the old task: must not change
        // the running task A
        for (int i = 0; i < 8; i++) {
            cpu.r[i] = 0xA000_0000L + i;
        }
        cpu.r[Cpu.RSP] = 0x8000;
        Flags.setRflags(cpu, Cpu.CF | 0x2, 0x3F_7FD5L);
        cpu.rip = 0x1234;
        return cpu;
    }

    private static void put(Cpu cpu, int sel, long d) {
        cpu.ram.write64(TestCpus.GDT + sel, d);
    }

    private static void w32(Cpu cpu, long addr, long v) {
        cpu.ram.write32(addr, (int) v);
    }

    private static long r32(Cpu cpu, long addr) {
        return cpu.ram.read32(addr) & 0xFFFF_FFFFL;
    }

    private static int access(Cpu cpu, int sel) {
        return (int) cpu.ram.read8(TestCpus.GDT + sel + 5);
    }

    private static void assertOldTaskSaved(Cpu cpu, long eip, long eflags) {
        assertEquals(eip, r32(cpu, A + 0x20), "saved EIP");
        assertEquals(eflags, r32(cpu, A + 0x24), "saved EFLAGS");
        for (int i = 0; i < 8; i++) {
            long want = i == Cpu.RSP ? 0x8000 : 0xA000_0000L + i;
            assertEquals(want, r32(cpu, A + 0x28 + 4 * i), "saved GPR " + i);
        }
        int[] sregs = {DATA32, CODE32, DATA32, DATA32, DATA32, DATA32};
        for (int i = 0; i < 6; i++) {
            assertEquals(sregs[i], cpu.ram.read16(A + 0x48 + 4 * i), "saved selector " + i);
        }
        assertEquals(0xA0A0_0000L, r32(cpu, A + 0x1C), "CR3 is a static field: not saved");
    }

    private static void assertInTaskB(Cpu cpu) {
        assertEquals(0x5000, cpu.rip);
        for (int i = 0; i < 8; i++) {
            long want = i == Cpu.RSP ? 0x9000 : 0xB000_0000L + i;
            assertEquals(want, cpu.r[i], "GPR " + i);
        }
        assertEquals(CODE32, cpu.seg[Insn.CS].selector);
        assertEquals(32, cpu.codeSize);
        assertEquals(0, cpu.cpl);
        assertEquals(DATA32, cpu.seg[Insn.SS].selector);
        assertEquals(0xFFFF_FFFFL, cpu.seg[Insn.SS].limit);
        assertEquals(DATA32, cpu.seg[Insn.DS].selector);
        assertEquals(0, cpu.seg[Insn.FS].selector);
        assertEquals(0, cpu.seg[Insn.FS].attrs, "null FS is unusable");
        assertEquals(TSS_B, cpu.tr.selector);
        assertEquals(B, cpu.tr.base);
        assertEquals(0xB, cpu.tr.attrs & 0xF, "TR caches a busy 32-bit TSS");
        assertTrue((cpu.cr0 & Cpu.CR0_TS) != 0, "CR0.TS set by every task switch");
        assertEquals(0, cpu.cr3, "CR3 not loaded with paging off");
        assertEquals(0x8B, access(cpu, TSS_B), "new TSS busy");
    }

    @Test
    void jmpToTss32SavesOldStateAndClearsItsBusyBit() {
        Cpu cpu = machine();
        assertEquals(0x8B, access(cpu, TSS_A));
        FarTransfers.jmpFar(cpu, TSS_B, 0xDEAD, 4);
        assertInTaskB(cpu);
        assertEquals(0x46 | 0x2, Flags.rflags(cpu), "EFLAGS from the TSS, NT clear for JMP");
        assertEquals(0x89, access(cpu, TSS_A), "JMP clears the old task's busy bit");
        assertEquals(0x1111, cpu.ram.read16(B), "JMP does not write the back link");
        assertOldTaskSaved(cpu, 0x1234, Cpu.CF | 0x2);
    }

    @Test
    void callThroughTaskGateAndIretRoundTrip() {
        Cpu cpu = machine();
        FarTransfers.callFar(cpu, GATE_B | 3, 0, 4);
        assertInTaskB(cpu);
        assertEquals(0x46 | 0x2 | Cpu.NT, Flags.rflags(cpu), "CALL sets NT in the new task");
        assertEquals(0x8B, access(cpu, TSS_A), "CALL keeps the old task busy");
        assertEquals(TSS_A, cpu.ram.read16(B), "back link = old TR");
        assertOldTaskSaved(cpu, 0x1234, Cpu.CF | 0x2);

        // the nested task runs a little, then IRET returns to A
        cpu.r[Cpu.RAX] = 0x77;
        cpu.rip = 0x5010;
        cpu.cr0 &= ~Cpu.CR0_TS;
        Returns.iret(cpu, 4);
        assertEquals(TSS_A, cpu.tr.selector);
        assertEquals(0x1234, cpu.rip);
        assertEquals(0xA000_0000L, cpu.r[Cpu.RAX]);
        assertEquals(0x8000, cpu.r[Cpu.RSP]);
        assertEquals(Cpu.CF | 0x2, Flags.rflags(cpu), "A's EFLAGS, NT clear");
        assertEquals(0x89, access(cpu, TSS_B), "IRET clears the nested task's busy bit");
        assertEquals(0x8B, access(cpu, TSS_A), "the returned-to task stays busy");
        assertTrue((cpu.cr0 & Cpu.CR0_TS) != 0);
        // B's state was saved with NT cleared in the EFLAGS image
        assertEquals(0x5010, r32(cpu, B + 0x20));
        assertEquals(0x46 | 0x2, r32(cpu, B + 0x24));
        assertEquals(0x77, r32(cpu, B + 0x28));
        assertEquals(TSS_A, cpu.ram.read16(B), "IRET leaves the link field");
    }

    @Test
    void switchToA16BitTssAndBack() {
        Cpu cpu = machine();
        cpu.ram.write16(C16 + 0x0E, 0x0123);         // IP
        cpu.ram.write16(C16 + 0x10, 0x0001 | 0x2);   // FLAGS: CF
        for (int i = 0; i < 8; i++) {
            cpu.ram.write16(C16 + 0x12 + 2 * i, 0xC0 + i);
        }
        int[] sregs = {TestCpus.DATA16, TestCpus.CODE16, TestCpus.DATA16, TestCpus.DATA16};
        for (int i = 0; i < 4; i++) {
            cpu.ram.write16(C16 + 0x22 + 2 * i, sregs[i]);
        }
        cpu.ram.write16(C16 + 0x2A, 0);
        FarTransfers.callFar(cpu, TSS_C16, 0, 4);
        assertEquals(TSS_C16, cpu.tr.selector);
        assertEquals(0x3, cpu.tr.attrs & 0xF, "busy 16-bit TSS");
        assertEquals(0x83, access(cpu, TSS_C16));
        assertEquals(0x0123, cpu.rip);
        assertEquals(16, cpu.codeSize);
        for (int i = 0; i < 8; i++) {
            assertEquals(0xC0 + i, cpu.r[i] & 0xFFFF);
        }
        assertEquals(TestCpus.DATA16, cpu.seg[Insn.SS].selector);
        assertEquals(0, cpu.seg[Insn.GS].attrs, "no GS in a 16-bit TSS");
        assertEquals(Cpu.CF | 0x2 | Cpu.NT, Flags.rflags(cpu));
        assertEquals(TSS_A, cpu.ram.read16(C16));

        cpu.rip = 0x0130;
        Returns.iret(cpu, 2);
        assertEquals(TSS_A, cpu.tr.selector);
        assertEquals(0x1234, cpu.rip);
        assertEquals(32, cpu.codeSize);
        assertEquals(0x81, access(cpu, TSS_C16));
        assertEquals(0x0130, cpu.ram.read16(C16 + 0x0E), "IP saved in the 16-bit TSS");
        assertEquals(Cpu.CF | 0x2, cpu.ram.read16(C16 + 0x10), "FLAGS saved with NT clear");
    }

    @Test
    void pagingLoadsCr3FromA32BitTss() {
        Cpu cpu = machine();
        long pd1 = 0x30000, pd2 = 0x31000;
        w32(cpu, pd1, 0x83);                  // 4 MiB page at 0, identity
        w32(cpu, pd2, 0x83);
        cpu.cr4 |= Cpu.CR4_PSE;
        cpu.cr3 = pd1;
        cpu.cr0 |= Cpu.CR0_PG;
        cpu.updateMode();
        w32(cpu, B + 0x1C, pd2);
        FarTransfers.jmpFar(cpu, TSS_B, 0, 4);
        assertEquals(pd2, cpu.cr3);
        assertEquals(0x5000, cpu.rip);
        assertEquals(0xA0A0_0000L, r32(cpu, A + 0x1C));
    }

    @Test
    void theTssTrapBitRequestsADebugTrapAndLocalBreakpointsAreDisabled() {
        Cpu cpu = machine();
        cpu.ram.write16(B + 0x64, 1);         // T
        cpu.dr[7] = 0x400 | 0x1 | 0x8 | 0x100; // L0, G1, LE
        FarTransfers.jmpFar(cpu, TSS_B, 0, 4);
        assertEquals(Debug.DR6_BT, cpu.pendingDebug);
        assertTrue(cpu.debugActive);
        assertEquals(0x400 | 0x8, cpu.dr[7], "L0 and LE cleared, G1 kept");
    }

    @Test
    void withoutTheTrapBitNoDebugTrapIsPending() {
        Cpu cpu = machine();
        FarTransfers.jmpFar(cpu, TSS_B, 0, 4);
        assertEquals(0, cpu.pendingDebug);
        assertFalse(cpu.debugActive);
    }

    @Test
    void tssLimitBelowTheMinimumIsTs() {
        Cpu cpu = machine();
        assertFault(Vectors.TS, TSS_SHORT, () -> FarTransfers.jmpFar(cpu, TSS_SHORT, 0, 4));
        assertFault(Vectors.TS, TSS_SHORT16, () -> FarTransfers.callFar(cpu, TSS_SHORT16, 0, 4));
        // nothing changed: still task A, busy bits as before, registers intact
        assertEquals(TSS_A, cpu.tr.selector);
        assertEquals(0x8B, access(cpu, TSS_A));
        assertEquals(0x89, access(cpu, TSS_SHORT));
        assertEquals(0x1234, cpu.rip);
        assertEquals(0xA000_0000L, cpu.r[Cpu.RAX]);
        assertEquals(0, cpu.cr0 & Cpu.CR0_TS);
    }

    @Test
    void busyNotPresentAndPrivilegeChecks() {
        Cpu cpu = machine();
        assertFault(Vectors.GP, TSS_A, () -> FarTransfers.jmpFar(cpu, TSS_A, 0, 4));          // current task: busy
        assertFault(Vectors.NP, TSS_ABSENT, () -> FarTransfers.jmpFar(cpu, TSS_ABSENT, 0, 4));
        FarTransfers.callFar(cpu, TSS_B, 0, 4);
        // B is now busy: reaching it again through a gate is #GP(TSS selector)
        assertFault(Vectors.GP, TSS_B, () -> FarTransfers.callFar(cpu, GATE_B, 0, 4));
        // at CPL 3: the TSS (DPL 0) and a DPL-0 gate are out of reach, #GP(selector)
        Cpu user = machine();
        SegmentLoads.commitCode(user, TestCpus.UCODE32, user.ram.read64(TestCpus.GDT + 0x30), 3);
        assertFault(Vectors.GP, TSS_B, () -> FarTransfers.jmpFar(user, TSS_B | 3, 0, 4));
        assertFault(Vectors.GP, GATE_B_DPL0, () -> FarTransfers.jmpFar(user, GATE_B_DPL0 | 3, 0, 4));
        // RPL 3 above the gate's DPL 0 at CPL 0
        Cpu rpl = machine();
        assertFault(Vectors.GP, GATE_B_DPL0, () -> FarTransfers.callFar(rpl, GATE_B_DPL0 | 3, 0, 4));
    }

    @Test
    void iretToATaskThatIsNotBusyIsTs() {
        Cpu cpu = machine();
        cpu.ram.write16(A, TSS_B);                   // link of A names B, which is available
        cpu.sysFlags |= Cpu.NT;
        assertFault(Vectors.TS, TSS_B, () -> Returns.iret(cpu, 4));
        assertEquals(TSS_A, cpu.tr.selector);
    }

    /** IDT with 8-byte gates at {@link #IDT}; limit covers 0x41 vectors. */
    private static void idt(Cpu cpu) {
        cpu.idtrBase = IDT;
        cpu.idtrLimit = 0x41 * 8 - 1;
    }

    @Test
    void badDataSegmentInTheNewTaskIsTsDeliveredInTheNewTask() {
        Cpu cpu = machine();
        idt(cpu);
        cpu.ram.write64(IDT + 10 * 8, TestCpus.gate(0x7000, CODE32, 0x8E, 0)); // #TS: 32-bit interrupt gate
        cpu.ram.write16(B + 0x54, TestCpus.TSS);     // DS names a TSS descriptor: not readable
        FarTransfers.jmpFar(cpu, TSS_B, 0, 4);
        assertEquals(TSS_B, cpu.tr.selector, "the switch committed");
        assertEquals(0x7000, cpu.rip, "#TS handler entered in the new task");
        assertEquals(0x9000 - 16, cpu.r[Cpu.RSP], "frame on the new task's stack");
        assertEquals(TestCpus.TSS, r32(cpu, 0x9000 - 16), "error code = DS selector");
        assertEquals(0x5000, r32(cpu, 0x9000 - 12), "EIP of the new task");
        assertEquals(CODE32, r32(cpu, 0x9000 - 8));
        assertEquals(TestCpus.TSS, cpu.seg[Insn.DS].selector);
        assertEquals(0, cpu.seg[Insn.DS].attrs, "DS left unusable");
        assertEquals(DATA32, cpu.seg[Insn.ES].selector);
        assertTrue(cpu.faultChain.get(0).startsWith("#TS(0x48)"), cpu.faultChain.toString());
        assertEquals(0x89, access(cpu, TSS_A));
    }

    @Test
    void badStackSegmentInTheNewTaskIsTs() {
        Cpu cpu = machine();
        idt(cpu);
        cpu.ram.write64(IDT + 10 * 8, TestCpus.gate(0x7000, CODE32, 0x8E, 0));
        cpu.ram.write64(IDT + 8 * 8, TestCpus.gate(0, TSS_DF, 0x85, 0));
        dfTask(cpu);
        cpu.ram.write16(B + 0x50, TestCpus.UDATA32); // SS of DPL 3 for a CPL-0 task
        FarTransfers.jmpFar(cpu, TSS_B, 0, 4);
        // delivering #TS(SS) with the unusable stack faults again: #DF, caught by its task gate
        assertEquals(TSS_DF, cpu.tr.selector);
        assertTrue(cpu.faultChain.get(0).startsWith("#TS(0x38)"), cpu.faultChain.toString());
        assertEquals(TSS_B, cpu.ram.read16(DF), "the #DF task nests in the new task B");
        assertEquals(0x5000, r32(cpu, B + 0x20), "B saved at its first instruction");
        assertEquals(TestCpus.UDATA32, cpu.ram.read16(B + 0x50));
    }

    /** The double-fault task of the classic design: own stack, own TSS, reached through a task gate. */
    private static void dfTask(Cpu cpu) {
        w32(cpu, DF + 0x20, 0x6000);
        w32(cpu, DF + 0x24, 0x2);
        w32(cpu, DF + 0x38, 0xA000);          // ESP
        int[] sregs = {DATA32, CODE32, DATA32, DATA32, DATA32, DATA32};
        for (int i = 0; i < 6; i++) {
            cpu.ram.write16(DF + 0x48 + 4 * i, sregs[i]);
        }
    }

    @Test
    void doubleFaultTaskGateCatchesAStackFault() {
        Cpu cpu = machine();
        idt(cpu);
        dfTask(cpu);
        // #GP through an interrupt gate on a 4 KiB stack that is exhausted: #SS, then #DF
        cpu.ram.write64(IDT + 13 * 8, TestCpus.gate(0x7000, CODE32, 0x8E, 0));
        cpu.ram.write64(IDT + 8 * 8, TestCpus.gate(0, TSS_DF, 0x85, 0));
        SegmentLoads.load(cpu, Insn.SS, SMALL_STACK);
        cpu.r[Cpu.RSP] = 4;
        ExceptionDelivery.deliver(cpu, CpuException.gp(0, "test"));
        assertFalse(cpu.shutdown, String.valueOf(cpu.shutdownReason));
        assertEquals(TSS_DF, cpu.tr.selector);
        assertEquals(0x6000, cpu.rip);
        assertEquals(0xA000 - 4, cpu.r[Cpu.RSP], "error code 0 pushed on the #DF task's stack");
        assertEquals(0, r32(cpu, 0xA000 - 4));
        assertEquals(Cpu.NT | 0x2, Flags.rflags(cpu));
        assertEquals(TSS_A, cpu.ram.read16(DF), "back link to the faulting task");
        assertEquals(0x8B, access(cpu, TSS_A));
        assertEquals(0x8B, access(cpu, TSS_DF));
        assertEquals(0x1234, r32(cpu, A + 0x20), "the faulting instruction is saved");
        assertEquals(4, r32(cpu, A + 0x38), "the exhausted ESP is saved");
        assertEquals(SMALL_STACK, cpu.ram.read16(A + 0x50));
        assertEquals(3, cpu.faultChain.size(), cpu.faultChain.toString());
        assertTrue(cpu.faultChain.get(2).startsWith("#DF"), cpu.faultChain.toString());

        // the same stack fault with an interrupt gate for #DF shuts the CPU down
        Cpu plain = machine();
        idt(plain);
        plain.ram.write64(IDT + 13 * 8, TestCpus.gate(0x7000, CODE32, 0x8E, 0));
        plain.ram.write64(IDT + 8 * 8, TestCpus.gate(0x7100, CODE32, 0x8E, 0));
        SegmentLoads.load(plain, Insn.SS, SMALL_STACK);
        plain.r[Cpu.RSP] = 4;
        ExceptionDelivery.deliver(plain, CpuException.gp(0, "test"));
        assertTrue(plain.shutdown);

        // IRET from the #DF task returns to the interrupted task
        cpu.rip = 0x6010;
        Returns.iret(cpu, 4);
        assertEquals(TSS_A, cpu.tr.selector);
        assertEquals(0x1234, cpu.rip);
        assertEquals(SMALL_STACK, cpu.seg[Insn.SS].selector);
        assertEquals(0x89, access(cpu, TSS_DF));
    }

    @Test
    void softwareInterruptThroughATaskGate() {
        Cpu cpu = machine();
        idt(cpu);
        cpu.ram.write64(IDT + 0x40 * 8, TestCpus.gate(0, TSS_B, 0xE5, 0));
        ExceptionDelivery.deliverSoftwareInterrupt(cpu, 0x40, 0x1236);
        assertInTaskB(cpu);
        assertEquals(0x9000, cpu.r[Cpu.RSP], "no error code for INT n");
        assertEquals(TSS_A, cpu.ram.read16(B));
        assertEquals(0x46 | 0x2 | Cpu.NT, Flags.rflags(cpu));
        assertOldTaskSaved(cpu, 0x1236, Cpu.CF | 0x2);
        // a busy target through the IDT is #GP(TSS selector), EXT clear for INT n
        assertFault(Vectors.GP, TSS_B, () -> ExceptionDelivery.deliverSoftwareInterrupt(cpu, 0x40, 0x5002));
    }

    @Test
    void externalInterruptThroughATaskGateHasExtInErrorCodes() {
        Cpu cpu = machine();
        idt(cpu);
        cpu.ram.write64(IDT + 0x30 * 8, TestCpus.gate(0, TSS_SHORT, 0x85, 0));
        cpu.ram.write64(IDT + 10 * 8, TestCpus.gate(0x7000, CODE32, 0x8E, 0));
        ExceptionDelivery.deliverExternal(cpu, 0x30);
        // #TS(TSS_SHORT + EXT) raised before the switch, delivered in the old task
        assertEquals(0x7000, cpu.rip);
        assertEquals(TSS_A, cpu.tr.selector);
        assertEquals(TSS_SHORT | 1, r32(cpu, 0x8000 - 16));
        assertEquals(0x1234, r32(cpu, 0x8000 - 12));
    }

    /**
     * A fault while loading the new task's segments, for a switch started by INT n, INT3 or
     * INT1 through a task gate, belongs to the new task and is delivered there (SDM vol. 3
     * section 8.3 and table 8-1): the instruction itself completes. #TS(DS selector), with EXT
     * set for INT1 (SDM vol. 3 section 6.13 clears EXT only for INT n, INT3 and INTO).
     */
    @Test
    void aFaultInTheNewTaskOfASoftwareInterruptIsDeliveredThere() {
        int[][] kinds = {{0x40, ExceptionDelivery.SOFTWARE_INT, 0}, {3, ExceptionDelivery.SOFTWARE_EXCEPTION, 0},
            {1, ExceptionDelivery.ICEBP, 1}};
        for (int[] k : kinds) {
            Cpu cpu = machine();
            idt(cpu);
            cpu.ram.write64(IDT + k[0] * 8L, TestCpus.gate(0, TSS_B, 0xE5, 0));
            cpu.ram.write64(IDT + 10 * 8, TestCpus.gate(0x7000, CODE32, 0x8E, 0));
            cpu.ram.write16(B + 0x54, TestCpus.TSS);     // DS names a TSS descriptor: #TS
            ExceptionDelivery.deliverSoftwareInterrupt(cpu, k[0], 0x1236, k[1]);
            String what = "vector " + k[0];
            assertEquals(TSS_B, cpu.tr.selector, what);
            assertEquals(0x7000, cpu.rip, what + ": #TS handler entered in the new task");
            assertEquals(0x9000 - 16, cpu.r[Cpu.RSP], what);
            assertEquals(TestCpus.TSS | k[2], r32(cpu, 0x9000 - 16), what + ": error code");
            assertEquals(0x5000, r32(cpu, 0x9000 - 12), what + ": EIP of the new task");
            assertEquals(0x1236, r32(cpu, A + 0x20), what + ": the old task resumes after the instruction");
        }
    }

    /**
     * The same fault in a new task entered through a task gate by a hardware exception (#GP)
     * is raised while that exception is delivered, so the double-fault rules apply (SDM vol. 3
     * table 6-5: #TS while delivering #GP, both contributory, is #DF), here through an interrupt
     * gate in the new task.
     */
    @Test
    void aFaultInTheNewTaskOfAHardwareExceptionIsADoubleFault() {
        Cpu cpu = machine();
        idt(cpu);
        cpu.ram.write64(IDT + 13 * 8, TestCpus.gate(0, TSS_B, 0x85, 0));     // #GP: task gate to B
        cpu.ram.write64(IDT + 10 * 8, TestCpus.gate(0x7000, CODE32, 0x8E, 0)); // #TS
        cpu.ram.write64(IDT + 8 * 8, TestCpus.gate(0x7100, CODE32, 0x8E, 0));  // #DF
        cpu.ram.write16(B + 0x54, TestCpus.TSS);     // DS names a TSS descriptor: #TS
        ExceptionDelivery.deliver(cpu, CpuException.gp(0, "test"));
        assertFalse(cpu.shutdown, String.valueOf(cpu.shutdownReason));
        assertEquals(TSS_B, cpu.tr.selector);
        assertEquals(0x7100, cpu.rip, "#DF handler, in the new task");
        assertEquals(0x9000 - 16, cpu.r[Cpu.RSP]);
        assertEquals(0, r32(cpu, 0x9000 - 16), "#DF pushes error code 0");
        // EXT set: the fault arose while delivering an event the program did not raise itself
        assertTrue(cpu.faultChain.get(1).startsWith("#TS(0x49)"), cpu.faultChain.toString());
        assertTrue(cpu.faultChain.get(2).startsWith("#DF"), cpu.faultChain.toString());
    }

    /**
     * The error code of an exception that switches to a task running at CPL 3 is pushed with
     * that task's privilege: a user-mode write (SDM vol. 3 section 4.6), so a stack on a
     * supervisor page is a page fault (error code 7: present, write, user) at the error code's
     * address, which while delivering #GP becomes #DF (table 6-5). 32-bit paging with one 4 MiB
     * supervisor page (CR4.PSE) covers everything the test uses; the new task's CR3 names it too.
     */
    @Test
    void aUserTasksErrorCodeIsAUserModeWrite() {
        Cpu cpu = machine();
        idt(cpu);
        long pd = 0x60000;
        cpu.ram.write32(pd, 0x83);                    // 0-4 MiB: present, writable, 4 MiB page, supervisor
        cpu.cr4 |= Cpu.CR4_PSE;
        cpu.cr3 = pd;
        cpu.cr0 |= Cpu.CR0_PG;
        cpu.updateMode();
        w32(cpu, B + 0x1C, pd);                       // the new task's CR3
        cpu.ram.write16(B + 0x4C, TestCpus.UCODE32);  // CS, RPL 3
        for (int off : new int[] {0x48, 0x50, 0x54, 0x5C}) {
            cpu.ram.write16(B + off, TestCpus.UDATA32);
        }
        w32(cpu, B + 4, 0xA000);                      // ESP0
        cpu.ram.write16(B + 8, DATA32);               // SS0
        cpu.ram.write64(IDT + 13 * 8, TestCpus.gate(0, TSS_B, 0x85, 0));     // #GP: task gate to B
        cpu.ram.write64(IDT + 8 * 8, TestCpus.gate(0x7100, CODE32, 0x8E, 0));  // #DF
        ExceptionDelivery.deliver(cpu, CpuException.gp(0, "test"));
        assertEquals(TSS_B, cpu.tr.selector);
        assertTrue(cpu.faultChain.size() > 1 && cpu.faultChain.get(1).startsWith("#PF(0x7)"), cpu.faultChain.toString());
        assertEquals(0x9000 - 4, cpu.cr2, "the error code's address");
        assertEquals(0x7100, cpu.rip, "#DF handler");
    }

    /**
     * An external interrupt through a task gate whose TSS selector lies beyond the GDT limit:
     * #GP(TSS selector + EXT) (SDM vol. 2 INT n pseudo-code, TASK-GATE), delivered in the old task.
     */
    @Test
    void anExternalInterruptThroughATaskGateBeyondTheGdtLimitIsGpWithExt() {
        Cpu cpu = machine();
        idt(cpu);
        int beyond = 0x1F8;
        cpu.ram.write64(IDT + 0x30 * 8, TestCpus.gate(0, beyond, 0x85, 0));
        cpu.ram.write64(IDT + 13 * 8, TestCpus.gate(0x7000, CODE32, 0x8E, 0));
        ExceptionDelivery.deliverExternal(cpu, 0x30);
        assertEquals(TSS_A, cpu.tr.selector);
        assertEquals(0x7000, cpu.rip);
        assertEquals(beyond | 1, r32(cpu, 0x8000 - 16));
        assertEquals(0x1234, r32(cpu, 0x8000 - 12));
    }

    /**
     * The new task's CPL is its CS selector's RPL from the moment the selectors are loaded (SDM
     * vol. 3 section 8.3), so a fault in its LDT check is delivered at CPL 3: through a
     * ring-0 interrupt gate that switches to the stack of the new TSS (SS0:ESP0 at offsets 8 and
     * 4) and pushes the task's SS:ESP.
     */
    @Test
    void aFaultInTheLdtOfAUserTaskIsDeliveredAtTheTasksCpl() {
        Cpu cpu = machine();
        idt(cpu);
        cpu.ram.write64(IDT + 10 * 8, TestCpus.gate(0x7000, CODE32, 0x8E, 0));
        cpu.ram.write16(B + 0x4C, TestCpus.UCODE32);  // CS, RPL 3
        cpu.ram.write16(B + 0x50, TestCpus.UDATA32);  // SS
        cpu.ram.write16(B + 0x60, DATA32);            // LDT field names a data segment: #TS
        w32(cpu, B + 4, 0xA000);                      // ESP0
        cpu.ram.write16(B + 8, DATA32);               // SS0
        FarTransfers.jmpFar(cpu, TSS_B, 0, 4);
        assertEquals(TSS_B, cpu.tr.selector);
        assertEquals(0x7000, cpu.rip);
        assertEquals(0, cpu.cpl);
        assertEquals(0xA000 - 24, cpu.r[Cpu.RSP], "error code, EIP, CS, EFLAGS, ESP, SS on the ring-0 stack");
        assertEquals(DATA32, r32(cpu, 0xA000 - 24), "#TS(LDT selector)");
        assertEquals(0x5000, r32(cpu, 0xA000 - 20));
        assertEquals(TestCpus.UCODE32, r32(cpu, 0xA000 - 16));
        assertEquals(0x9000, r32(cpu, 0xA000 - 8), "the task's ESP");
        assertEquals(TestCpus.UDATA32, r32(cpu, 0xA000 - 4), "the task's SS selector");
    }

    @Test
    void switchToAVirtual8086Task() {
        Cpu cpu = machine();
        w32(cpu, B + 0x24, Cpu.VM | Cpu.IF | 0x2);
        w32(cpu, B + 0x20, 0x0010);
        w32(cpu, B + 0x38, 0x0100);
        int[] sregs = {0x3000, 0x1000, 0x2000, 0x3000, 0x4000, 0x5000};
        for (int i = 0; i < 6; i++) {
            cpu.ram.write16(B + 0x48 + 4 * i, sregs[i]);
        }
        FarTransfers.jmpFar(cpu, TSS_B, 0, 4);
        assertEquals("v86", cpu.modeName());
        assertEquals(3, cpu.cpl);
        assertEquals(0x10000, cpu.seg[Insn.CS].base);
        assertEquals(0xFFFF, cpu.seg[Insn.CS].limit);
        assertEquals(0x20000, cpu.seg[Insn.SS].base);
        assertEquals(0x50000, cpu.seg[Insn.GS].base);
        assertEquals(SegmentLoads.V86_ATTRS, cpu.seg[Insn.DS].attrs);
        int[] order = {Insn.ES, Insn.CS, Insn.SS, Insn.DS, Insn.FS, Insn.GS};
        for (int i = 0; i < 6; i++) {
            assertEquals(sregs[i], cpu.seg[order[i]].selector, "selector " + i);
            assertEquals(sregs[i] << 4, cpu.seg[order[i]].base, "base " + i);
        }
        assertEquals(0x10, cpu.rip);
        assertEquals(0x100, cpu.r[Cpu.RSP]);
        assertEquals(Cpu.VM | Cpu.IF | 0x2, Flags.rflags(cpu));
    }

    @Test
    void longModeTaskSwitchIsGp() {
        Cpu cpu = TestCpus.long64();
        cpu.ram.write64(TestCpus.GDT + 0x60, TestCpus.gate(0, TestCpus.TSS, 0x85, 0));
        assertFault(Vectors.GP, 0x60, () -> FarTransfers.jmpFar(cpu, 0x60, 0, 4));
        cpu.sysFlags |= Cpu.NT;
        assertFault(Vectors.GP, 0, () -> Returns.iret(cpu, 8));
    }

    // ---------------------------------------------------------------- the checks of table 8-1, one by one

    private static final int RO_DATA = 0xD0, ABSENT_DATA = 0xD8, ABSENT_CODE = 0xE0, EXEC_ONLY = 0xE8,
            ABSENT_LDT = 0xF0, LDT = 0xF8;

    /** {@link #machine()} with more GDT slots: read-only, absent and execute-only segments, LDTs. */
    private static Cpu checks() {
        Cpu cpu = machine();
        cpu.gdtrLimit = 0xFF;
        put(cpu, RO_DATA, TestCpus.seg(0, 0xFFFFF, 0x90, 0xC));
        put(cpu, ABSENT_DATA, TestCpus.seg(0, 0xFFFFF, 0x12, 0xC));
        put(cpu, ABSENT_CODE, TestCpus.seg(0, 0xFFFFF, 0x1A, 0xC));
        put(cpu, EXEC_ONLY, TestCpus.seg(0, 0xFFFFF, 0x98, 0xC));
        put(cpu, ABSENT_LDT, TestCpus.seg(0x30000, 0xFF, 0x02, 0));
        put(cpu, LDT, TestCpus.seg(0x30000, 0xFF, 0x82, 0));
        cpu.ram.write64(0x30000, TestCpus.seg(0x50000, 0xFFFFF, 0x92, 0xC)); // LDT entry 0: data
        return cpu;
    }

    /** Switches to task B with the 16-bit field at {@code off} of its TSS set to {@code v}; the first fault. */
    private static String firstFaultWith(int off, int v) {
        Cpu cpu = checks();
        cpu.ram.write16(B + off, v);
        FarTransfers.jmpFar(cpu, TSS_B, 0, 4);
        assertEquals(TSS_B, cpu.tr.selector, "the switch committed");
        return cpu.faultChain == null || cpu.faultChain.isEmpty() ? "none" : cpu.faultChain.get(0).split(" ")[0];
    }

    @Test
    void eachNewTaskSegmentCheckFaultsWithItsSelector() {
        int es = 0x48, cs = 0x4C, ss = 0x50, ds = 0x54, ldt = 0x60;
        assertEquals("#TS(0x0)", firstFaultWith(ss, 0));
        assertEquals("#TS(0x100)", firstFaultWith(ss, 0x100));
        assertEquals("#TS(0xd0)", firstFaultWith(ss, RO_DATA));
        assertEquals("#TS(0x10)", firstFaultWith(ss, DATA32 | 3));
        assertEquals("#SS(0xd8)", firstFaultWith(ss, ABSENT_DATA));
        assertEquals("#TS(0x0)", firstFaultWith(cs, 0));
        assertEquals("#TS(0x10)", firstFaultWith(cs, DATA32));
        assertEquals("#TS(0x58)", firstFaultWith(cs, TestCpus.CODE32_DPL3_CONF & ~3));
        assertEquals("#TS(0x30)", firstFaultWith(cs, TestCpus.UCODE32 & ~3));
        assertEquals("#NP(0xe0)", firstFaultWith(cs, ABSENT_CODE));
        assertEquals("#TS(0x10)", firstFaultWith(ds, DATA32 | 3));
        assertEquals("#TS(0xe8)", firstFaultWith(ds, EXEC_ONLY));
        assertEquals("#NP(0xd8)", firstFaultWith(es, ABSENT_DATA));
        assertEquals("none", firstFaultWith(ds, CODE32));
        assertEquals("#TS(0x4)", firstFaultWith(ldt, 0x04));
        assertEquals("#TS(0x10)", firstFaultWith(ldt, DATA32));
        assertEquals("#TS(0xf0)", firstFaultWith(ldt, ABSENT_LDT));
        assertEquals("#TS(0x100)", firstFaultWith(ldt, 0x100));
        assertEquals("#TS(0x80)", firstFaultWith(ldt, TSS_A));                    // a system descriptor, but a TSS
    }

    /** LDTR takes the new task's LDT field even when it is null: the old task's LDT is not kept. */
    @Test
    void aNewTaskWithoutAnLdtLeavesLdtrNull() {
        Cpu cpu = checks();
        SegmentLoads.lldt(cpu, LDT);
        assertEquals(LDT, cpu.ldtr.selector);
        FarTransfers.jmpFar(cpu, TSS_B, 0, 4);                                   // task B's LDT field is 0
        assertEquals(TSS_B, cpu.tr.selector);
        assertTrue(cpu.faultChain == null || cpu.faultChain.isEmpty(), String.valueOf(cpu.faultChain));
        assertEquals(0, cpu.ldtr.selector);
        assertEquals(0, cpu.ldtr.attrs & Segment.P, "no usable LDT");
    }

    @Test
    void theNewTasksLdtIsLoadedBeforeItsSegments() {
        Cpu cpu = checks();
        cpu.ram.write16(B + 0x60, LDT);
        cpu.ram.write16(B + 0x48, 0x04);            // ES from the LDT
        FarTransfers.jmpFar(cpu, TSS_B, 0, 4);
        assertEquals(LDT, cpu.ldtr.selector);
        assertEquals(0x30000, cpu.ldtr.base);
        assertEquals(0x04, cpu.seg[Insn.ES].selector);
        assertEquals(0x50000, cpu.seg[Insn.ES].base);
        assertEquals(0x93, cpu.ram.read8(0x30005), "accessed bit set in the LDT");
        // the cache holds the whole descriptor (access byte 0x92 with A now set, G and D/B of flags 0xC)
        assertEquals(Segment.P | Segment.S | Segment.TYPE_READ_OR_WRITE | Segment.TYPE_ACCESSED | Segment.DB | Segment.G,
                cpu.seg[Insn.ES].attrs);
        assertEquals(0xFFFF_FFFFL, cpu.seg[Insn.ES].limit);
        assertTrue(cpu.faultChain == null || cpu.faultChain.isEmpty(), String.valueOf(cpu.faultChain));
    }

    @Test
    void theNewEipMayBeTheLastByteOfTheCodeSegment() {
        Cpu cpu = checks();
        cpu.ram.write16(B + 0x4C, TestCpus.CODE16);
        w32(cpu, B + 0x20, 0xFFFF);
        FarTransfers.jmpFar(cpu, TSS_B, 0, 4);
        assertEquals(0xFFFF, cpu.rip);
        assertTrue(cpu.faultChain == null || cpu.faultChain.isEmpty(), String.valueOf(cpu.faultChain));
        Cpu past = checks();
        past.ram.write16(B + 0x4C, TestCpus.CODE16);
        w32(past, B + 0x20, 0x1_0000);
        FarTransfers.jmpFar(past, TSS_B, 0, 4);
        assertTrue(past.faultChain.get(0).startsWith("#GP(0x0)"), past.faultChain.toString());
    }

    @Test
    void theCurrentTssMustHoldTheStateToSave() {
        Cpu cpu = checks();
        cpu.tr.limit = 0x5F;                          // the last byte of the GS field
        FarTransfers.jmpFar(cpu, TSS_B, 0, 4);
        assertEquals(TSS_B, cpu.tr.selector);
        Cpu short1 = checks();
        short1.tr.limit = 0x5E;
        assertFault(Vectors.TS, TSS_A, () -> FarTransfers.jmpFar(short1, TSS_B, 0, 4));
        assertEquals(TSS_A, short1.tr.selector);
    }

    @Test
    void taskGateAndTssPrivilegeAndPresence() {
        Cpu cpu = checks();
        assertFault(Vectors.GP, TSS_B, () -> FarTransfers.jmpFar(cpu, TSS_B | 3, 0, 4));
        put(cpu, 0xD0, TestCpus.gate(0, TSS_B, 0x65, 0));          // task gate DPL 3, not present
        assertFault(Vectors.NP, 0xD0, () -> FarTransfers.jmpFar(cpu, 0xD0, 0, 4));
        put(cpu, 0xD0, TestCpus.gate(0, 0x04, 0xE5, 0));           // names an LDT selector
        assertFault(Vectors.GP, 0x04, () -> FarTransfers.jmpFar(cpu, 0xD0, 0, 4));
        put(cpu, 0xD0, TestCpus.gate(0, 0, 0xE5, 0));              // names the null selector
        assertFault(Vectors.GP, 0, () -> FarTransfers.jmpFar(cpu, 0xD0, 0, 4));
        put(cpu, 0xD0, TestCpus.gate(0, 0x100, 0xE5, 0));          // beyond the GDT
        assertFault(Vectors.GP, 0x100, () -> FarTransfers.jmpFar(cpu, 0xD0, 0, 4));
        put(cpu, 0xD0, TestCpus.gate(0, TSS_ABSENT, 0xE5, 0));
        assertFault(Vectors.NP, TSS_ABSENT, () -> FarTransfers.jmpFar(cpu, 0xD0, 0, 4));
        assertEquals(TSS_A, cpu.tr.selector);
        FarTransfers.jmpFar(cpu, GATE_B_DPL0, 0, 4);             // gate DPL 0 = CPL 0
        assertEquals(TSS_B, cpu.tr.selector);
    }

    @Test
    void aTssDescriptorInTheLdtIsNoTaskTarget() {
        Cpu cpu = checks();
        cpu.ram.write64(0x30000, TestCpus.seg(B, 0x67, 0x89, 0));
        SegmentLoads.lldt(cpu, LDT);
        assertFault(Vectors.GP, 0x04, () -> FarTransfers.jmpFar(cpu, 0x04, 0, 4));
        assertEquals(TSS_A, cpu.tr.selector);
    }

    @Test
    void codeWhoseTypeNibbleLooksLikeATssIsJumpedTo() {
        Cpu cpu = checks();
        put(cpu, 0xD0, TestCpus.seg(0, 0xFFFFF, 0x99, 0xC));       // execute-only code, accessed: type 9
        FarTransfers.jmpFar(cpu, 0xD0, 0x100, 4);
        assertEquals(0x100, cpu.rip);
        assertEquals(0xD0, cpu.seg[Insn.CS].selector);
        assertEquals(TSS_A, cpu.tr.selector);
    }

    @Test
    void iretToTheBackLinkChecksIt() {
        Cpu cpu = checks();
        put(cpu, 0xD0, TestCpus.seg(B, 0x67, 0x0B, 0));            // busy, not present
        int[][] cases = {{0, Vectors.TS}, {0x04, Vectors.TS}, {0x100, Vectors.TS}, {0xD0, Vectors.NP}};
        for (int[] c : cases) {
            cpu.ram.write16(A, c[0]);
            CpuException e = assertThrows(CpuException.class, () -> TaskSwitch.nestedReturn(cpu));
            assertEquals(c[1], e.vector, e.toString());
            assertEquals(c[0] & ~3, e.errorCode, e.toString());
        }
        assertEquals(TSS_A, cpu.tr.selector);
    }

    @Test
    void aTaskSwitchDisablesLocalDataBreakpoints() {
        Cpu cpu = checks();
        cpu.dr[0] = 0x6000;
        cpu.dr[7] = 1 | 1L << 16;                    // L0, write
        Debug.dr7Changed(cpu);
        assertTrue(cpu.dataBreakpoints);
        FarTransfers.jmpFar(cpu, TSS_B, 0, 4);
        assertFalse(cpu.dataBreakpoints);
    }

    @Test
    void a16BitTaskKeepsItsLdtFieldAndIsSavedIn16BitFields() {
        Cpu cpu = checks();
        cpu.ram.write16(C16 + 0x0E, 0x0123);
        cpu.ram.write16(C16 + 0x10, 0x2);
        int[] sregs = {TestCpus.DATA16, TestCpus.CODE16, TestCpus.DATA16, TestCpus.DATA16};
        for (int i = 0; i < 4; i++) {
            cpu.ram.write16(C16 + 0x22 + 2 * i, sregs[i]);
        }
        cpu.ram.write16(C16 + 0x2A, LDT);
        FarTransfers.jmpFar(cpu, TSS_C16, 0, 4);
        assertEquals(LDT, cpu.ldtr.selector);
        assertEquals(0, cpu.seg[Insn.FS].selector, "FS is not in a 16-bit TSS");
        assertEquals(0, cpu.seg[Insn.FS].attrs);
        cpu.r[Cpu.RAX] = 0x1234_ABCDL;
        cpu.r[Cpu.RDI] = 0x5678_0007L;
        cpu.seg[Insn.FS].selector = 0x77;
        Flags.setRflags(cpu, Cpu.CF | 0x2, 0x3F_7FD5L);
        cpu.rip = 0x0456;
        FarTransfers.jmpFar(cpu, TSS_B, 0, 4);
        assertEquals(0x0456, cpu.ram.read16(C16 + 0x0E));
        assertEquals(Cpu.CF | 0x2, cpu.ram.read16(C16 + 0x10));
        assertEquals(0xABCD, cpu.ram.read16(C16 + 0x12));
        assertEquals(0x0007, cpu.ram.read16(C16 + 0x12 + 2 * 7));
        for (int i = 0; i < 4; i++) {
            assertEquals(sregs[i], cpu.ram.read16(C16 + 0x22 + 2 * i), "selector " + i);
        }
        assertEquals(LDT, cpu.ram.read16(C16 + 0x2A), "the LDT field is static: not written");
    }

    @Test
    void moreNewTaskChecks() {
        assertEquals("#TS(0x38)", firstFaultWith(0x50, TestCpus.UDATA32 & ~3));   // SS DPL 3, RPL 0, CPL 0
        Cpu typeTwo = checks();
        put(typeTwo, RO_DATA, TestCpus.seg(0, 0xFFFFF, 0x92, 0xC));               // data of type 2
        typeTwo.ram.write16(B + 0x60, RO_DATA);
        FarTransfers.jmpFar(typeTwo, TSS_B, 0, 4);
        assertTrue(typeTwo.faultChain.get(0).startsWith("#TS(0xd0)"), typeTwo.faultChain.toString());
        Cpu conf = checks();
        put(conf, RO_DATA, TestCpus.seg(0, 0xFFFFF, 0x9E, 0xC));                  // conforming code, DPL 0
        conf.ram.write16(B + 0x4C, RO_DATA);
        FarTransfers.jmpFar(conf, TSS_B, 0, 4);
        assertEquals(RO_DATA, conf.seg[Insn.CS].selector);
        assertTrue(conf.faultChain == null || conf.faultChain.isEmpty(), String.valueOf(conf.faultChain));
        assertTrue((conf.seg[Insn.DS].attrs & Segment.TYPE_ACCESSED) != 0, "DS cached as accessed");
    }

    @Test
    void aUserTaskMayRunConformingKernelCode() {
        Cpu cpu = checks();
        put(cpu, RO_DATA, TestCpus.seg(0, 0xFFFFF, 0x9E, 0xC));                   // conforming code, DPL 0
        cpu.ram.write16(B + 0x4C, RO_DATA | 3);
        cpu.ram.write16(B + 0x50, TestCpus.UDATA32);
        cpu.ram.write16(B + 0x54, TestCpus.UDATA32);
        cpu.ram.write16(B + 0x48, TestCpus.UDATA32);
        cpu.ram.write16(B + 0x5C, TestCpus.UDATA32);
        FarTransfers.jmpFar(cpu, TSS_B, 0, 4);
        assertTrue(cpu.faultChain == null || cpu.faultChain.isEmpty(), String.valueOf(cpu.faultChain));
        assertEquals(3, cpu.cpl);
        assertEquals(RO_DATA | 3, cpu.seg[Insn.CS].selector);
    }

    @Test
    void aNullSsOrCsInTheNewTaskFaultsWhateverTheFirstGdtSlotHolds() {
        Cpu cpu = checks();
        put(cpu, 0, TestCpus.seg(0, 0xFFFFF, 0x92, 0xC));
        cpu.ram.write16(B + 0x50, 0);
        FarTransfers.jmpFar(cpu, TSS_B, 0, 4);
        assertTrue(cpu.faultChain.get(0).startsWith("#TS(0x0)"), cpu.faultChain.toString());
        Cpu code = checks();
        put(code, 0, TestCpus.seg(0, 0xFFFFF, 0x9A, 0xC));
        code.ram.write16(B + 0x4C, 0);
        FarTransfers.jmpFar(code, TSS_B, 0, 4);
        assertTrue(code.faultChain.get(0).startsWith("#TS(0x0)"), code.faultChain.toString());
    }

    @Test
    void a16BitTaskSavesItsCurrentSelectors() {
        Cpu cpu = checks();
        cpu.ram.write16(C16 + 0x0E, 0x0123);
        cpu.ram.write16(C16 + 0x10, 0x2);
        int[] sregs = {TestCpus.DATA16, TestCpus.CODE16, TestCpus.DATA16, TestCpus.DATA16};
        for (int i = 0; i < 4; i++) {
            cpu.ram.write16(C16 + 0x22 + 2 * i, sregs[i]);
        }
        FarTransfers.jmpFar(cpu, TSS_C16, 0, 4);
        SegmentLoads.load(cpu, Insn.ES, DATA32);
        SegmentLoads.load(cpu, Insn.DS, DATA32);
        FarTransfers.jmpFar(cpu, TSS_B, 0, 4);
        assertEquals(DATA32, cpu.ram.read16(C16 + 0x22), "ES");
        assertEquals(TestCpus.CODE16, cpu.ram.read16(C16 + 0x24), "CS");
        assertEquals(TestCpus.DATA16, cpu.ram.read16(C16 + 0x26), "SS");
        assertEquals(DATA32, cpu.ram.read16(C16 + 0x28), "DS");
    }
}
