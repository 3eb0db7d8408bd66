package org.apboot.core.semantics;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.decode.Insn;

/**
 * Pushes and pops on the guest stack (SS:rSP) with the stack address size of the current mode
 * (SS.B, or 64-bit). Values are written before rSP changes, so a faulting push leaves rSP intact.
 */
public final class Stack {
    private Stack() {
    }

    private static long wrap(Cpu cpu, long sp) {
        switch (cpu.stackAddrSize()) {
            case 2: return sp & 0xFFFF;
            case 4: return sp & 0xFFFF_FFFFL;
            default: return sp;
        }
    }

    /** Writes the stack pointer back, keeping bits above the stack address size. */
    public static void setSp(Cpu cpu, long sp) {
        switch (cpu.stackAddrSize()) {
            case 2: cpu.r[Cpu.RSP] = (cpu.r[Cpu.RSP] & ~0xFFFFL) | (sp & 0xFFFF); break;
            case 4: cpu.r[Cpu.RSP] = sp & 0xFFFF_FFFFL; break;
            default: cpu.r[Cpu.RSP] = sp; break;
        }
    }

    public static void push(Cpu cpu, int size, long v) {
        long sp = wrap(cpu, cpu.r[Cpu.RSP] - size);
        Mem.write(cpu, Insn.SS, sp, size, v);
        setSp(cpu, sp);
    }

    public static long pop(Cpu cpu, int size) {
        long sp = wrap(cpu, cpu.r[Cpu.RSP]);
        long v = Mem.read(cpu, Insn.SS, sp, size);
        setSp(cpu, sp + size);
        return v;
    }

    /** Reads the value {@code depth} bytes above the stack pointer without popping it. */
    public static long peek(Cpu cpu, int size, int depth) {
        return Mem.read(cpu, Insn.SS, wrap(cpu, cpu.r[Cpu.RSP] + depth), size);
    }
}
