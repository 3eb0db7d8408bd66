package org.apboot.core.semantics.oracle;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.CpuModel;
import org.apboot.core.cpu.CpuProfile;
import org.apboot.core.cpu.Segment;
import org.apboot.core.decode.Insn;
import org.apboot.core.decode.Op;
import org.apboot.core.interp.ExecutorTable;
import org.apboot.core.mem.PhysicalMemory;
import org.apboot.core.semantics.Flags;

/**
 * The emulated side of the oracle: a CPU in flat 32-bit protected mode (base 0, 4 GiB limits,
 * paging off) executing hand-built {@link Insn}s through the interpreter's executors. The
 * executors do not depend on the mode for register and flat-memory operands, so 64-bit operand
 * sizes run here as they would in long mode. Native block offset {@code x} is guest address
 * {@link #BASE} + x.
 */
final class GuestSim {
    static final long BASE = 0x1000;
    final Cpu cpu = new Cpu(0, CpuModel.standard(false), CpuProfile.GENERIC, new PhysicalMemory(1 << 20));

    GuestSim() {
        int data = Segment.P | Segment.S | Segment.TYPE_READ_OR_WRITE | Segment.TYPE_ACCESSED | Segment.DB | Segment.G;
        for (int s = 0; s < 6; s++) {
            cpu.seg[s].set(0x10, 0, 0xFFFF_FFFFL, data);
        }
        cpu.seg[Insn.CS].set(0x08, 0, 0xFFFF_FFFFL, data | Segment.TYPE_CODE);
        cpu.cr0 |= Cpu.CR0_PE;
        cpu.updateMode();
    }

    static Insn insn(Op op, int size) {
        Insn i = new Insn();
        i.op = op;
        i.opSize = size;
        i.srcSize = size;
        i.addrSize = 4;
        i.mode = 64;
        return i;
    }

    /** r/m register {@code rm}, ModRM.reg {@code reg}. */
    static Insn rr(Op op, int size, byte dst, byte src, int reg, int rm) {
        Insn i = insn(op, size);
        i.dst = dst;
        i.src = src;
        i.reg = reg;
        i.rmReg = rm;
        return i;
    }

    /** Memory r/m operand at native block offset {@code memOff}. */
    static Insn mem(Insn i, int memOff) {
        i.rmReg = -1;
        i.base = -1;
        i.index = -1;
        i.disp = BASE + memOff;
        i.seg = Insn.DS;
        return i;
    }

    void load(long rax, long rcx, long rdx, long rbx, long flags, byte[] mem) {
        java.util.Arrays.fill(cpu.r, 0);
        cpu.r[Cpu.RAX] = rax;
        cpu.r[Cpu.RCX] = rcx;
        cpu.r[Cpu.RDX] = rdx;
        cpu.r[Cpu.RBX] = rbx;
        Flags.setArith(cpu, flags);
        cpu.sysFlags = 0x202;
        if (mem != null) {
            cpu.ram.load(BASE + NativeX86.MEM, mem);
        }
    }

    void exec(Insn i) {
        cpu.rip = 0x100;
        ExecutorTable.get(i.op).execute(cpu, i);
    }

    byte[] mem() {
        byte[] b = new byte[NativeX86.MEM_SIZE];
        cpu.ram.copyOut(BASE + NativeX86.MEM, b, 0, b.length);
        return b;
    }
}
