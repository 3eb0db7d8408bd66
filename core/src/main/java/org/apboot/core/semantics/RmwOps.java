package org.apboot.core.semantics;

import org.apboot.core.cpu.Cpu;

/**
 * The operations a read-modify-write instruction applies to its destination, by code, so one
 * update loop ({@link Rmw#update}) serves every family: the binary ALU operations
 * ({@code Alu.OP_*}, 0 to 8), the unary ones, shifts and rotates, double shifts and the
 * bit-test-and-modify instructions. A code is a plain int so a caller passes it without
 * allocating, and the same call works from generated code.
 */
public final class RmwOps {
    public static final int INC = 9, DEC = 10, NEG = 11, NOT = 12, ROL = 13, ROR = 14, RCL = 15, RCR = 16,
            SHL = 17, SHR = 18, SAR = 19, SHLD = 20, SHRD = 21, BTS = 22, BTR = 23, BTC = 24;

    private RmwOps() {
    }

    /**
     * Operation {@code op} on destination {@code a} with second operand {@code b} (source,
     * shift count or bit index) and third operand {@code c} (the double shifts' count), at
     * {@code size} bytes; records the flags the operation defines and returns the result.
     */
    public static long compute(Cpu cpu, int op, int size, long a, long b, long c) {
        switch (op) {
            case INC: return Alu.inc(cpu, size, a);
            case DEC: return Alu.dec(cpu, size, a);
            case NEG: return Alu.neg(cpu, size, a);
            case NOT: return Alu.not(size, a);
            case ROL: return Shifts.rol(cpu, size, a, b);
            case ROR: return Shifts.ror(cpu, size, a, b);
            case RCL: return Shifts.rcl(cpu, size, a, b);
            case RCR: return Shifts.rcr(cpu, size, a, b);
            case SHL: return Shifts.shl(cpu, size, a, b);
            case SHR: return Shifts.shr(cpu, size, a, b);
            case SAR: return Shifts.sar(cpu, size, a, b);
            case SHLD: return Shifts.shld(cpu, size, a, b, c);
            case SHRD: return Shifts.shrd(cpu, size, a, b, c);
            case BTS: return Bits.bts(cpu, a, (int) b);
            case BTR: return Bits.btr(cpu, a, (int) b);
            case BTC: return Bits.btc(cpu, a, (int) b);
            default: return Alu.binary(cpu, op, size, a, b);
        }
    }
}
