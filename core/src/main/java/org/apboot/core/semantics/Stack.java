package org.apboot.core.semantics;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.decode.Insn;
import org.apboot.core.fault.CpuException;

/**
 * Pushes and pops on the guest stack (SS:rSP) with the stack address size of the current mode
 * (SS.B, or 64-bit), plus PUSHA, POPA, ENTER and LEAVE. Values are written (or read) before
 * rSP changes, so a faulting stack access leaves the registers intact.
 */
public final class Stack {
    private Stack() {
    }

    /** {@code sp} wrapped to the stack address size. */
    public static long wrap(Cpu cpu, long sp) {
        switch (cpu.stackAddrSize()) {
            case 2: return sp & 0xFFFF;
            case 4: return sp & 0xFFFF_FFFFL;
            default: return sp;
        }
    }

    /** Writes the stack pointer back, keeping bits above the stack address size. */
    public static void setSp(Cpu cpu, long sp) {
        cpu.r[Cpu.RSP] = spRegister(cpu, cpu.r[Cpu.RSP], sp);
    }

    /**
     * The stack pointer register that held {@code rsp} once its stack-size part is {@code sp}: a
     * 16-bit stack keeps the bits above 15, a 32-bit one zero-extends, a 64-bit one is all of it.
     */
    public static long spRegister(Cpu cpu, long rsp, long sp) {
        switch (cpu.stackAddrSize()) {
            case 2: return (rsp & ~0xFFFFL) | (sp & 0xFFFF);
            case 4: return sp & 0xFFFF_FFFFL;
            default: return sp;
        }
    }

    public static void push(Cpu cpu, int size, long v) {
        cpu.r[Cpu.RSP] = pushOnto(cpu, cpu.r[Cpu.RSP], size, v);
    }

    public static long pop(Cpu cpu, int size) {
        long rsp = cpu.r[Cpu.RSP];
        long v = top(cpu, rsp, size);
        cpu.r[Cpu.RSP] = release(cpu, rsp, size);
        return v;
    }

    /**
     * POP to memory, first part: reads the top of the stack and moves rSP past it before the
     * destination's address is formed, since an rSP-based destination uses the incremented
     * value (SDM POP). Returns the value for {@link #storePopped}; the caller keeps the old rSP.
     */
    public static long popForMemory(Cpu cpu, int size) {
        long v = peek(cpu, size, 0);
        setSp(cpu, cpu.r[Cpu.RSP] + size);
        return v;
    }

    /**
     * POP to memory, second part: stores the popped value at {@code seg:off}. A faulting store
     * puts rSP back to {@code oldRsp}, so the instruction restarts with the state it began with.
     */
    public static void storePopped(Cpu cpu, int seg, long off, int size, long v, long oldRsp) {
        try {
            Mem.write(cpu, seg, off, size, v);
        } catch (CpuException e) {
            cpu.r[Cpu.RSP] = oldRsp;
            throw e;
        }
    }

    // ---------------------------------------------------------------- on values (the translator's form)

    /**
     * PUSH on values: writes the low {@code size} bytes of {@code v} below the stack pointer
     * register value {@code rsp} and returns the register's new value. A faulting store throws
     * before anything changes.
     */
    public static long pushOnto(Cpu cpu, long rsp, int size, long v) {
        long sp = wrap(cpu, rsp - size);
        Mem.write(cpu, Insn.SS, sp, size, v);
        return spRegister(cpu, rsp, sp);
    }

    /** The {@code size}-byte value on top of the stack whose pointer register holds {@code rsp}. */
    public static long top(Cpu cpu, long rsp, int size) {
        return Mem.read(cpu, Insn.SS, wrap(cpu, rsp), size);
    }

    /** The stack pointer register value after releasing {@code bytes} from the stack at {@code rsp}. */
    public static long release(Cpu cpu, long rsp, long bytes) {
        return spRegister(cpu, rsp, rsp + bytes);
    }

    /** Reads the value {@code depth} bytes above the stack pointer without popping it. */
    public static long peek(Cpu cpu, int size, int depth) {
        return Mem.read(cpu, Insn.SS, wrap(cpu, cpu.r[Cpu.RSP] + depth), size);
    }

    /**
     * PUSHA/PUSHAD: pushes AX, CX, DX, BX, the original SP, BP, SI, DI at {@code size} (2 or 4).
     * All eight stores happen before SP moves.
     */
    public static void pusha(Cpu cpu, int size) {
        long sp = cpu.r[Cpu.RSP];
        long oldSp = sp;
        for (int reg = 0; reg < 8; reg++) {
            long v = reg == Cpu.RSP ? oldSp : cpu.r[reg];
            sp = wrap(cpu, sp - size);
            Mem.write(cpu, Insn.SS, sp, size, v);
        }
        setSp(cpu, sp);
    }

    /** POPA/POPAD: pops DI, SI, BP, (skipped SP), BX, DX, CX, AX; all loads precede any write. */
    public static void popa(Cpu cpu, int size) {
        long sp = cpu.r[Cpu.RSP];
        long di = Mem.read(cpu, Insn.SS, wrap(cpu, sp), size);
        long si = Mem.read(cpu, Insn.SS, wrap(cpu, sp + size), size);
        long bp = Mem.read(cpu, Insn.SS, wrap(cpu, sp + 2L * size), size);
        long bx = Mem.read(cpu, Insn.SS, wrap(cpu, sp + 4L * size), size);
        long dx = Mem.read(cpu, Insn.SS, wrap(cpu, sp + 5L * size), size);
        long cx = Mem.read(cpu, Insn.SS, wrap(cpu, sp + 6L * size), size);
        long ax = Mem.read(cpu, Insn.SS, wrap(cpu, sp + 7L * size), size);
        cpu.setReg(Cpu.RDI, size, di);
        cpu.setReg(Cpu.RSI, size, si);
        cpu.setReg(Cpu.RBP, size, bp);
        cpu.setReg(Cpu.RBX, size, bx);
        cpu.setReg(Cpu.RDX, size, dx);
        cpu.setReg(Cpu.RCX, size, cx);
        cpu.setReg(Cpu.RAX, size, ax);
        setSp(cpu, sp + 8L * size);
    }

    /**
     * ENTER alloc, level (Intel SDM vol. 2 ENTER). Pushes rBP; FrameTemp is the stack register
     * after that push, read at the operand size (SP, ESP or RSP: ESP keeps its upper half when a
     * 32-bit operand meets a 16-bit stack). Nesting levels above 0 then copy {@code level - 1}
     * frame pointers read at SS:rBP - k * size (rBP at the stack address size, in a temporary:
     * rBP itself is not stepped) and push FrameTemp. rBP = FrameTemp at the operand size (BP,
     * EBP or RBP; the bits above are kept for BP), rSP = rSP - alloc at the stack size. Before any
     * register changes, the final stack pointer is checked for a write of {@code size} bytes
     * (SDM: #SS when the new SP/ESP lies outside the stack segment limit, #PF when a write at the
     * final stack pointer would page-fault). The level is taken modulo 32.
     */
    public static void enter(Cpu cpu, int size, int alloc, int level) {
        level &= 31;
        long sp = wrap(cpu, cpu.r[Cpu.RSP] - size);
        long bp = cpu.r[Cpu.RBP];
        Mem.write(cpu, Insn.SS, sp, size, bp);
        long frame = spRegister(cpu, cpu.r[Cpu.RSP], sp);
        if (level > 0) {
            long t = bp;
            for (int k = 1; k < level; k++) {
                t = wrap(cpu, t - size);
                long v = Mem.read(cpu, Insn.SS, t, size);
                sp = wrap(cpu, sp - size);
                Mem.write(cpu, Insn.SS, sp, size, v);
            }
            sp = wrap(cpu, sp - size);
            Mem.write(cpu, Insn.SS, sp, size, frame);
        }
        long newSp = wrap(cpu, sp - (alloc & 0xFFFF));
        Rmw.prepare(cpu, Insn.SS, newSp, size);
        cpu.setReg(Cpu.RBP, size, frame);
        setSp(cpu, newSp);
    }

    /** LEAVE: rSP = rBP (at the stack size), then pops rBP at the operand size. */
    public static void leave(Cpu cpu, int size) {
        long sp = wrap(cpu, cpu.r[Cpu.RBP]);
        long v = Mem.read(cpu, Insn.SS, sp, size);
        setSp(cpu, sp + size);
        cpu.setReg(Cpu.RBP, size, v);
    }
}
