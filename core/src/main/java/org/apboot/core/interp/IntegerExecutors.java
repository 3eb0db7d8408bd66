package org.apboot.core.interp;

import java.util.function.BiConsumer;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.decode.Insn;
import org.apboot.core.decode.Op;
import org.apboot.core.fault.CpuException;
import org.apboot.core.semantics.Alu;
import org.apboot.core.semantics.MulDiv;
import org.apboot.core.semantics.Rmw;
import org.apboot.core.semantics.RmwOps;

/**
 * Executors of the integer ALU, multiply/divide, shift and rotate families.
 *
 * <p>Read-modify-write memory destinations are the semantics' {@link Rmw#update}: checked for
 * writing before anything is computed, a compare-and-set retry loop under LOCK.
 */
final class IntegerExecutors implements ExecutorTable.ExecutorFamily {
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
        unary(t, Op.INC, RmwOps.INC);
        unary(t, Op.DEC, RmwOps.DEC);
        unary(t, Op.NEG, RmwOps.NEG);
        unary(t, Op.NOT, RmwOps.NOT);
        shift(t, Op.ROL, RmwOps.ROL);
        shift(t, Op.ROR, RmwOps.ROR);
        shift(t, Op.RCL, RmwOps.RCL);
        shift(t, Op.RCR, RmwOps.RCR);
        shift(t, Op.SHL, RmwOps.SHL);
        shift(t, Op.SHR, RmwOps.SHR);
        shift(t, Op.SAR, RmwOps.SAR);
        t.accept(Op.SHLD, (cpu, i) -> rmw(cpu, i, RmwOps.SHLD, cpu.getReg(i.reg, i.opSize),
                Operands.read(cpu, i, i.src2, 1)));
        t.accept(Op.SHRD, (cpu, i) -> rmw(cpu, i, RmwOps.SHRD, cpu.getReg(i.reg, i.opSize),
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

    /**
     * Read-modify-write of the destination with {@link RmwOps} operation {@code code}; a memory
     * destination goes through {@link Rmw#update} (checked for writing first, a compare-and-set
     * loop under LOCK).
     */
    static void rmw(Cpu cpu, Insn i, int code, long b, long c) {
        int size = i.opSize;
        if (Operands.dstIsMemory(i)) {
            Rmw.update(cpu, code, size, i.seg, Operands.ea(cpu, i), b, c, i.lock);
            return;
        }
        if (i.lock) {
            throw CpuException.ud("lock prefix on a register destination");
        }
        long a = Operands.read(cpu, i, i.dst, size);
        Operands.write(cpu, i, i.dst, size, RmwOps.compute(cpu, code, size, a, b, c));
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
