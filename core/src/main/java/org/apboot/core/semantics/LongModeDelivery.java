package org.apboot.core.semantics;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.Segment;
import org.apboot.core.decode.Insn;
import org.apboot.core.fault.CpuException;

/**
 * Event delivery in IA-32e mode (64-bit and compatibility mode): 16-byte IDT gates, 64-bit
 * handlers only, the stack from the 64-bit TSS (RSPn or ISTn), RSP aligned down to 16 bytes and
 * the frame SS, RSP, RFLAGS, CS, RIP [, error code] always pushed as 8-byte values.
 */
final class LongModeDelivery {
    private LongModeDelivery() {
    }

    static void deliver(Cpu cpu, int vector, boolean hasErr, int err, long returnRip, int kind, boolean rf) {
        int ext = ExceptionDelivery.ext(kind);
        if (vector * 16L + 15 > cpu.idtrLimit) {
            throw CpuException.gp(vector * 8 + 2 + ext, String.format(
                    "IDT entry %d beyond the IDT limit 0x%x", vector, cpu.idtrLimit));
        }
        long lo = Mem.readSystem(cpu, cpu.idtrBase + vector * 16L, 8);
        long hi = Mem.readSystem(cpu, cpu.idtrBase + vector * 16L + 8, 8);
        ExceptionDelivery.checkGate(cpu, vector, lo, kind, true);
        int type = Descriptors.type(lo);
        int sel = Descriptors.gateSelector(lo);
        long d = ExceptionDelivery.handlerCode(cpu, sel, ext, true);
        long offset = Descriptors.gateOffset(lo) | (hi << 32);
        if (!Mem.canonical(cpu, offset)) {
            throw CpuException.gp(ext, String.format("non-canonical handler address 0x%x", offset));
        }
        int cpl = cpu.cpl;
        int newCpl = Descriptors.conforming(d) ? cpl : Descriptors.dpl(d);
        int ist = (int) (lo >>> 32) & 7;
        long rsp;
        if (ist != 0) {
            rsp = TaskState.stack64(cpu, TaskState.IST1 + (ist - 1) * 8, ext);
        } else if (newCpl < cpl) {
            rsp = TaskState.stack64(cpu, TaskState.RSP0 + newCpl * 8, ext);
        } else {
            rsp = cpu.r[Cpu.RSP];
        }
        rsp &= ~0xFL;
        Segment cs = cpu.seg[Insn.CS];
        long[] frame = cpu.frame(6);
        frame[0] = cpu.seg[Insn.SS].selector;
        frame[1] = cpu.r[Cpu.RSP];
        frame[2] = ExceptionDelivery.pushedFlags(cpu, rf);
        frame[3] = cs.selector;
        frame[4] = returnRip;
        frame[5] = err & 0xFFFF_FFFFL;
        long sp = StackFrames.push(cpu, 0, -1, 0, 8, rsp, 8, frame, hasErr ? 6 : 5, newCpl == 3, ext);
        // commit
        ExceptionDelivery.clearFlags(cpu, type);
        if (newCpl < cpl) {
            SegmentLoads.loadNullStack(cpu, newCpl);
        }
        SegmentLoads.commitCode(cpu, sel, d, newCpl);
        cpu.r[Cpu.RSP] = sp;
        cpu.rip = offset;
    }
}
