package org.apboot.core.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import org.junit.jupiter.api.Test;

/**
 * What the engines ask of an operation and of a decoded instruction record: control transfers
 * are branches and end their block; operations that change mode, segment or interrupt state
 * end the block after them without being branches; the clock readers (RDTSC, RDTSCP, RDMSR)
 * read the clock and nothing else does; LOCK is legal on read-modify-writes only. A record
 * cleared is a fresh one, and a copy has every field of its source.
 */
class BlockBoundaryFlagsTest {
    @Test
    void branchesEndTheirBlock() {
        for (Op op : new Op[] {Op.JMP, Op.JCC, Op.CALL, Op.RET, Op.JMP_FAR, Op.CALL_FAR}) {
            assertTrue(op.branch(), op.name());
            assertTrue(op.endsBlock(), op.name());
            assertFalse(op.readsClock(), op.name());
        }
    }

    @Test
    void stateChangesEndTheBlockWithoutBranching() {
        for (Op op : new Op[] {Op.MOV_TO_SEG, Op.MOV_TO_CR, Op.POPF, Op.STI, Op.WRMSR, Op.LMSW}) {
            assertFalse(op.branch(), op.name());
            assertTrue(op.endsBlock(), op.name());
        }
    }

    @Test
    void onlyClockReadersReadTheClock() {
        for (Op op : new Op[] {Op.RDTSC, Op.RDTSCP, Op.RDMSR}) {
            assertTrue(op.readsClock(), op.name());
            assertFalse(op.branch(), op.name());
        }
        for (Op op : new Op[] {Op.ADD, Op.MOV, Op.CPUID, Op.NOP}) {
            assertFalse(op.readsClock(), op.name());
            assertFalse(op.endsBlock(), op.name());
            assertFalse(op.branch(), op.name());
        }
    }

    @Test
    void lockIsLegalOnReadModifyWritesOnly() {
        assertTrue(Op.ADD.lockable());
        assertTrue(Op.XCHG.lockable());
        assertFalse(Op.MOV.lockable());
        assertFalse(Op.JMP.lockable());
    }

    @Test
    void aClearedRecordIsAFreshOneAndACopyHasEveryField() throws Exception {
        // lock add %eax,%fs:0x12345678(%rax,%rbx,4) in 64-bit mode, then an ENTER
        byte[] code = {(byte) 0x64, (byte) 0xF0, 0x01, (byte) 0x84, (byte) 0x98, 0x78, 0x56, 0x34, 0x12};
        Insn insn = new Insn();
        Decoder.decode(code, 0, code.length, 64, insn);
        Insn copy = new Insn().copyFrom(insn);
        Insn fresh = new Insn();
        int differing = 0;
        for (Field f : Insn.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers())) {
                continue;
            }
            assertEquals(f.get(insn), f.get(copy), f.getName());
            if (!java.util.Objects.equals(f.get(insn), f.get(fresh))) {
                differing++;
            }
        }
        assertTrue(differing >= 10, "the example sets many fields: " + differing);
        byte[] enter = {(byte) 0xC8, 0x10, 0x00, 0x01};
        Decoder.decode(enter, 0, 4, 64, insn);
        insn.clear();
        for (Field f : Insn.class.getFields()) {
            if (!Modifier.isStatic(f.getModifiers())) {
                assertEquals(f.get(fresh), f.get(insn), f.getName());
            }
        }
    }
}
