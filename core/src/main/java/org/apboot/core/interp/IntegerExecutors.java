package org.apboot.core.interp;

import java.util.function.BiConsumer;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.decode.Insn;
import org.apboot.core.decode.Op;
import org.apboot.core.fault.CpuException;
import org.apboot.core.semantics.Alu;
import org.apboot.core.semantics.MulDiv;
import org.apboot.core.semantics.Rmw;
import org.apboot.core.semantics.Shifts;

/**
 * Executors of the integer ALU, multiply/divide, shift and rotate families.
 *
 * <p>Read-modify-write memory destinations are checked for writing before anything is computed
 * ({@link Rmw#prepare}), so a fault never leaves changed flags behind; with LOCK the update is a
 * compare-and-set retry loop, atomic across host threads.
 */
final class IntegerExecutors implements ExecutorTable.ExecutorFamily {
    // operation codes of compute(): Alu.OP_* (0..8), then these
    static final int K_INC = 9, K_DEC = 10, K_NEG = 11, K_NOT = 12, K_ROL = 13, K_ROR = 14,
            K_RCL = 15, K_RCR = 16, K_SHL = 17, K_SHR = 18, K_SAR = 19, K_SHLD = 20, K_SHRD = 21;

    @Override
    public void register(BiConsumer<Op, Executor> t) {
        binary(t, Op.ADD, Alu.OP_ADD);
        binary(t, Op.OR, Alu.OP_OR);
        binary(t, Op.ADC, Alu.OP_ADC);
        binary(t, Op.SBB, Alu.OP_SBB);
        binary(t, Op.AND, Alu.OP_AND);
        binary(t, Op.SUB, Alu.OP_SUB);
        binary(t, Op.XOR, Alu.OP_XOR);
        t.accept(Op.CMP, (cpu, i) -> compare(cpu, i, Alu.OP_CMP));
        t.accept(Op.TEST, (cpu, i) -> compare(cpu, i, Alu.OP_TEST));
        unary(t, Op.INC, K_INC);
        unary(t, Op.DEC, K_DEC);
        unary(t, Op.NEG, K_NEG);
        unary(t, Op.NOT, K_NOT);
        shift(t, Op.ROL, K_ROL);
        shift(t, Op.ROR, K_ROR);
        shift(t, Op.RCL, K_RCL);
        shift(t, Op.RCR, K_RCR);
        shift(t, Op.SHL, K_SHL);
        shift(t, Op.SHR, K_SHR);
        shift(t, Op.SAR, K_SAR);
        t.accept(Op.SHLD, (cpu, i) -> rmw(cpu, i, K_SHLD, cpu.getReg(i.reg, i.opSize),
                Operands.read(cpu, i, i.src2, 1)));
        t.accept(Op.SHRD, (cpu, i) -> rmw(cpu, i, K_SHRD, cpu.getReg(i.reg, i.opSize),
                Operands.read(cpu, i, i.src2, 1)));
        t.accept(Op.MUL, IntegerExecutors::mul);
        t.accept(Op.IMUL1, IntegerExecutors::imul1);
        t.accept(Op.IMUL, IntegerExecutors::imul);
        t.accept(Op.DIV, (cpu, i) -> divide(cpu, i, false));
        t.accept(Op.IDIV, (cpu, i) -> divide(cpu, i, true));
    }

    private static void binary(BiConsumer<Op, Executor> t, Op op, int code) {
        t.accept(op, (cpu, i) -> rmw(cpu, i, code, Operands.src(cpu, i), 0));
    }

    private static void unary(BiConsumer<Op, Executor> t, Op op, int code) {
        t.accept(op, (cpu, i) -> rmw(cpu, i, code, 0, 0));
    }

    private static void shift(BiConsumer<Op, Executor> t, Op op, int code) {
        t.accept(op, (cpu, i) -> rmw(cpu, i, code, Operands.read(cpu, i, i.src, 1), 0));
    }

    /** The operation {@code code} on destination {@code a}, source {@code b}, count {@code c}. */
    static long compute(Cpu cpu, int code, int size, long a, long b, long c) {
        switch (code) {
            case K_INC: return Alu.inc(cpu, size, a);
            case K_DEC: return Alu.dec(cpu, size, a);
            case K_NEG: return Alu.neg(cpu, size, a);
            case K_NOT: return Alu.not(size, a);
            case K_ROL: return Shifts.rol(cpu, size, a, b);
            case K_ROR: return Shifts.ror(cpu, size, a, b);
            case K_RCL: return Shifts.rcl(cpu, size, a, b);
            case K_RCR: return Shifts.rcr(cpu, size, a, b);
            case K_SHL: return Shifts.shl(cpu, size, a, b);
            case K_SHR: return Shifts.shr(cpu, size, a, b);
            case K_SAR: return Shifts.sar(cpu, size, a, b);
            case K_SHLD: return Shifts.shld(cpu, size, a, b, c);
            case K_SHRD: return Shifts.shrd(cpu, size, a, b, c);
            default: return Alu.binary(cpu, code, size, a, b);
        }
    }

    /** Read-modify-write of the destination with operation {@code code}. */
    static void rmw(Cpu cpu, Insn i, int code, long b, long c) {
        int size = i.opSize;
        if (Operands.dstIsMemory(i)) {
            int seg = i.seg;
            long off = Operands.ea(cpu, i);
            long h = Rmw.prepare(cpu, seg, off, size);
            if (i.lock) {
                while (true) {
                    long a = Rmw.read(cpu, h, seg, off, size);
                    long r = compute(cpu, code, size, a, b, c);
                    if (Rmw.cas(cpu, h, seg, off, size, a, r) == a) {
                        return;
                    }
                }
            }
            long a = Rmw.read(cpu, h, seg, off, size);
            Rmw.write(cpu, h, seg, off, size, compute(cpu, code, size, a, b, c));
            return;
        }
        if (i.lock) {
            throw CpuException.ud("lock prefix on a register destination");
        }
        long a = Operands.read(cpu, i, i.dst, size);
        Operands.write(cpu, i, i.dst, size, compute(cpu, code, size, a, b, c));
    }

    /** CMP and TEST: flags only, nothing written. */
    private static void compare(Cpu cpu, Insn i, int code) {
        int size = i.opSize;
        long b = Operands.src(cpu, i);
        long a = Operands.dst(cpu, i);
        Alu.binary(cpu, code, size, a, b);
    }

    private static void mul(Cpu cpu, Insn i) {
        int size = i.opSize;
        long v = Operands.read(cpu, i, i.dst, size);
        long a = cpu.getReg(Cpu.RAX, size);
        long lo = MulDiv.mulLow(size, a, v);
        long hi = MulDiv.mulHigh(cpu, size, a, v);
        storeDouble(cpu, size, hi, lo);
    }

    private static void imul1(Cpu cpu, Insn i) {
        int size = i.opSize;
        long v = Operands.read(cpu, i, i.dst, size);
        long a = cpu.getReg(Cpu.RAX, size);
        long lo = MulDiv.imulLow(size, a, v);
        long hi = MulDiv.imulHigh(cpu, size, a, v);
        storeDouble(cpu, size, hi, lo);
    }

    /** AH:AL (as AX), DX:AX, EDX:EAX or RDX:RAX. */
    private static void storeDouble(Cpu cpu, int size, long hi, long lo) {
        if (size == 1) {
            cpu.setReg(Cpu.RAX, 2, hi << 8 | lo);
        } else {
            cpu.setReg(Cpu.RAX, size, lo);
            cpu.setReg(Cpu.RDX, size, hi);
        }
    }

    private static void imul(Cpu cpu, Insn i) {
        int size = i.opSize;
        long b = Operands.read(cpu, i, i.src, size);
        long a = i.src2 == Insn.K_IMM ? Operands.read(cpu, i, Insn.K_IMM, size) : cpu.getReg(i.reg, size);
        cpu.setReg(i.reg, size, MulDiv.imul(cpu, size, a, b));
    }

    private static void divide(Cpu cpu, Insn i, boolean signed) {
        int size = i.opSize;
        long d = Operands.read(cpu, i, i.dst, size);
        long hi, lo;
        if (size == 1) {
            hi = (cpu.r[Cpu.RAX] >>> 8) & 0xFF;
            lo = cpu.r[Cpu.RAX] & 0xFF;
        } else {
            hi = cpu.getReg(Cpu.RDX, size);
            lo = cpu.getReg(Cpu.RAX, size);
        }
        long q, r;
        if (signed) {
            q = MulDiv.idivQuotient(size, hi, lo, d);
            r = MulDiv.idivRemainder(size, hi, lo, d);
        } else {
            q = MulDiv.divQuotient(size, hi, lo, d);
            r = MulDiv.divRemainder(size, hi, lo, d);
        }
        MulDiv.divFlags(cpu);
        if (size == 1) {
            cpu.setReg(Cpu.RAX, 2, r << 8 | (q & 0xFF));
        } else {
            cpu.setReg(Cpu.RAX, size, q);
            cpu.setReg(Cpu.RDX, size, r);
        }
    }
}
