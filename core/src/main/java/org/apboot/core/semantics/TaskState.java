package org.apboot.core.semantics;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.Segment;
import org.apboot.core.fault.CpuException;

/**
 * Reads the ring stacks of the current task-state segment: SS:ESP pairs of a 16- or 32-bit TSS,
 * RSPn and ISTn of a 64-bit TSS. A TSS too short for the requested field raises #TS(TR
 * selector + EXT).
 */
public final class TaskState {
    /** Offset of RSP0 in a 64-bit TSS; RSPn follow at 8-byte steps. */
    public static final int RSP0 = 4;
    /** Offset of IST1 in a 64-bit TSS; IST2..7 follow at 8-byte steps. */
    public static final int IST1 = 0x24;

    private TaskState() {
    }

    /** {SS, ESP} for privilege level {@code pl} from the current 16- or 32-bit TSS. */
    public static long[] legacyStack(Cpu cpu, int pl, int ext) {
        Segment tr = cpu.tr;
        int type = tr.attrs & 0xF;
        boolean tss32 = type == Descriptors.TSS32_AVAIL || type == Descriptors.TSS32_BUSY;
        int spOff = tss32 ? 4 + pl * 8 : 2 + pl * 4;
        int ssOff = tss32 ? 8 + pl * 8 : 4 + pl * 4;
        int spSize = tss32 ? 4 : 2;
        if (!tr.present() || ssOff + 1 > tr.limit || spOff + spSize - 1 > tr.limit) {
            throw CpuException.ts(Descriptors.errorCode(tr.selector) | ext, String.format(
                    "TSS 0x%04x too short for the ring-%d stack", tr.selector, pl));
        }
        long sp = Mem.readSystem(cpu, (tr.base + spOff) & 0xFFFF_FFFFL, spSize);
        long ss = Mem.readSystem(cpu, (tr.base + ssOff) & 0xFFFF_FFFFL, 2);
        return new long[] {ss, sp};
    }

    /** The 8-byte stack pointer at {@code off} in the current 64-bit TSS. */
    public static long stack64(Cpu cpu, int off, int ext) {
        Segment tr = cpu.tr;
        if (!tr.present() || off + 7 > tr.limit) {
            throw CpuException.ts(Descriptors.errorCode(tr.selector) | ext, String.format(
                    "64-bit TSS 0x%04x too short for the stack pointer at offset 0x%x", tr.selector, off));
        }
        return Mem.readSystem(cpu, tr.base + off, 8);
    }
}
