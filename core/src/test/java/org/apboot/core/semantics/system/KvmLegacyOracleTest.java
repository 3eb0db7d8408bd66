package org.apboot.core.semantics.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.jna.Memory;
import org.apboot.core.semantics.oracle.LegacyBatch;
import org.junit.jupiter.api.Test;

/**
 * KVM as the oracle for DAA, DAS, AAA, AAS, AAM (every imm8, including 0, which raises #DE) and
 * AAD (every imm8), over every AL value with every AF/CF input (every AX for AAA and AAS, several
 * AH values for AAD). The {@link LegacyBatch} loop runs in a KVM virtual machine in flat 32-bit
 * protected mode at CPL 0 and stores EAX, EFLAGS (PUSHF) and a #DE marker for every case, all in
 * one KVM_RUN that ends at the loop's HLT (each exit is slow under a nested hypervisor); the
 * interpreter runs the same loop on the same image, and the tables must agree on EAX, #DE and the
 * flags the manual defines for each instruction.
 *
 * <p>Skipped, with the reason, where {@code /dev/kvm} is absent or cannot be opened.
 */
class KvmLegacyOracleTest {
    @Test
    void bcdAndAsciiAdjustAgainstKvm() {
        String why = KvmVm.unavailable();
        assumeTrue(why == null, () -> "KVM legacy oracle skipped: " + why);
        LegacyBatch batch = LegacyBatch.standard(true);
        long memSize = (batch.imageSize() + 0x1F_FFFF) & ~0x1F_FFFFL;
        byte[] kvmOut;
        try (KvmVm vm = KvmVm.create(memSize)) {
            byte[] image = batch.image(0, false);
            vm.mem.write(0, image, 0, image.length);

            // flat 32-bit protected mode, paging off; GDT and IDT as in the image
            Memory sr = vm.sregs();
            int code = LegacyBatch.CODE_SELECTOR, data = LegacyBatch.DATA_SELECTOR;
            KvmVm.setSegment(sr, KvmVm.SREG_CS, code, 0, 0xFFFF_FFFFL, 0xB, true, true);
            for (int off : new int[] {KvmVm.SREG_DS, KvmVm.SREG_ES, KvmVm.SREG_FS, KvmVm.SREG_GS, KvmVm.SREG_SS}) {
                KvmVm.setSegment(sr, off, data, 0, 0xFFFF_FFFFL, 0x3, true, true);
            }
            sr.setLong(KvmVm.SREG_GDT, LegacyBatch.GDT);
            sr.setShort(KvmVm.SREG_GDT + 8, (short) 23);
            sr.setLong(KvmVm.SREG_IDT, LegacyBatch.IDT);
            sr.setShort(KvmVm.SREG_IDT + 8, (short) 7);
            sr.setLong(KvmVm.SREG_CR0, 0x11); // PE, ET
            sr.setLong(KvmVm.SREG_CR3, 0);
            sr.setLong(KvmVm.SREG_CR4, 0);
            sr.setLong(KvmVm.SREG_EFER, 0);
            vm.setSregs(sr);

            Memory rg = new Memory(KvmVm.REGS_SIZE);
            rg.clear();
            rg.setLong(KvmVm.REG_RSI, LegacyBatch.IN);
            rg.setLong(KvmVm.REG_RDI, batch.outOffset());
            rg.setLong(KvmVm.REG_RCX, batch.cases);
            rg.setLong(KvmVm.REG_RBP, LegacyBatch.STUBS);
            rg.setLong(KvmVm.REG_RSP, LegacyBatch.STACK_TOP);
            rg.setLong(KvmVm.REG_RIP, LegacyBatch.LOOP);
            rg.setLong(KvmVm.REG_RFLAGS, 2);
            vm.setRegs(rg);

            int reason = vm.run();
            Memory after = vm.regs();
            long rip = after.getLong(KvmVm.REG_RIP);
            assertEquals(KvmVm.KVM_EXIT_HLT, reason, () -> String.format(
                    "the batch should end at its HLT: KVM exit %d at rip=0x%x, ecx=%d cases left", reason, rip,
                    after.getLong(KvmVm.REG_RCX)));
            assertEquals(LegacyBatch.LOOP_END + 1, rip, "HLT reached at the end of the loop");
            kvmOut = vm.mem.getByteArray(batch.outOffset(), 16 * batch.cases);
        }
        LegacyBatch.Comparison c = batch.compare(kvmOut, batch.runInterpreter());
        System.out.println(c.report("KVM legacy oracle cases:"));
        assertEquals(256, c.divideErrors, "AAM 0 raises #DE for every AL");
        assertTrue(c.failures.isEmpty(), c::failureText);
    }
}
