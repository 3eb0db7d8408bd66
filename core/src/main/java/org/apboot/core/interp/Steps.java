package org.apboot.core.interp;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.decode.Insn;
import org.apboot.core.decode.Op;
import org.apboot.core.semantics.Alu;
import org.apboot.core.semantics.Branches;
import org.apboot.core.semantics.Flags;
import org.apboot.core.semantics.Mem;
import org.apboot.core.semantics.Shifts;

/**
 * Chooses the {@link Step} of a decoded instruction: a specialised step for the forms simple
 * integer code spends its time in (register/immediate ALU operations, INC/DEC of a register,
 * shifts and rotates of a register by an immediate, 1 or CL,
 * register, immediate, load and store MOVs, Jcc), with the operand registers, masks and
 * immediates resolved once; the generic executor of {@link ExecutorTable} otherwise.
 *
 * <p>Every specialised step does exactly what the generic executor does for that form, in the
 * same order (same values recorded for the lazy flags, same register merge rules, same memory
 * accesses through {@link Mem}). Register operands are 0-15 only (AH..BH stay generic); LOCK
 * always goes to the generic executor (it raises #UD on a register destination).
 */
final class Steps {
    private Steps() {
    }

    /** One step per instruction. */
    static Step[] of(Insn[] insns) {
        Step[] steps = new Step[insns.length];
        for (int k = 0; k < insns.length; k++) {
            steps[k] = of(insns[k]);
        }
        return steps;
    }

    static boolean isJcc(Step s) {
        return s instanceof Jcc || s instanceof JccZ;
    }

    static Step of(Insn i) {
        Step s = i.lock ? null : specialised(i);
        return s != null ? s : new Step.Generic(ExecutorTable.get(i.op));
    }


    private static Step specialised(Insn i) {
        int size = i.opSize;
        if (size != 1 && size != 2 && size != 4 && size != 8) {
            return null;
        }
        switch (i.op) {
            case ADD: case OR: case ADC: case SBB: case AND: case SUB: case XOR: case CMP: case TEST:
                return alu(i, size);
            case INC: case DEC: {
                if (i.src != Insn.K_NONE || i.src2 != Insn.K_NONE) {
                    return null;
                }
                int d = Operands.generalRegister(i, i.dst);
                if (d < 0) {
                    return null;
                }
                return i.op == Op.INC ? new IncR(d, size) : new DecR(d, size);
            }
            case MOV:
                return mov(i, size);
            case JCC:
                return (i.cond >> 1) == 2 ? new JccZ(i.cond, size, i.imm) : new Jcc(i.cond, size, i.imm);
            case SHL: case SHR: case SAR: case ROL: case ROR:
                return shift(i, size);
            default:
                return null;
        }
    }

    private static Step alu(Insn i, int size) {
        if (i.src2 != Insn.K_NONE) {
            return null;
        }
        int d = Operands.generalRegister(i, i.dst);
        if (d < 0) {
            if (Operands.isMemory(i, i.dst) && (i.op == Op.CMP || i.op == Op.TEST)) {
                // CMP/TEST [mem], imm/reg: flags only, the memory operand is only read
                if (i.src == Insn.K_IMM) {
                    return new CompareMem(size, -1, size == 8 ? i.imm : i.imm & Flags.mask(size),
                            Alu.codeOf(i.op));
                }
                int s = Operands.generalRegister(i, i.src);
                return s < 0 ? null : new CompareMem(size, s, 0, Alu.codeOf(i.op));
            }
            return null;
        }
        if (Operands.isMemory(i, i.src)) {
            return new AluLoad(d, size, Alu.codeOf(i.op), i.op == Op.CMP || i.op == Op.TEST);
        }
        if (i.src == Insn.K_IMM) {
            long b = size == 8 ? i.imm : i.imm & Flags.mask(size);
            switch (i.op) {
                case ADD: return new AddRI(d, size, b);
                case SUB: return new SubRI(d, size, b);
                case AND: return new AndRI(d, size, b);
                case OR: return new OrRI(d, size, b);
                case XOR: return new XorRI(d, size, b);
                case CMP: return new CmpRI(d, size, b);
                case TEST: return new TestRI(d, size, b);
                case ADC: return new AdcRI(d, size, b);
                case SBB: return new SbbRI(d, size, b);
                default: return null;
            }
        }
        int s = Operands.generalRegister(i, i.src);
        if (s < 0) {
            return null;
        }
        switch (i.op) {
            case ADD: return new AddRR(d, size, s);
            case SUB: return new SubRR(d, size, s);
            case AND: return new AndRR(d, size, s);
            case OR: return new OrRR(d, size, s);
            case XOR: return new XorRR(d, size, s);
            case CMP: return new CmpRR(d, size, s);
            case TEST: return new TestRR(d, size, s);
            case ADC: return new AdcRR(d, size, s);
            case SBB: return new SbbRR(d, size, s);
            default: return null;
        }
    }

    /**
     * SHL/SHR/SAR/ROL/ROR of a register by an immediate, by 1 or by CL. The count is read as the
     * executor reads it (one byte; the semantics mask it), CL as -1.
     */
    private static Step shift(Insn i, int size) {
        if (i.src2 != Insn.K_NONE) {
            return null;
        }
        int d = Operands.generalRegister(i, i.dst);
        if (d < 0) {
            return null;
        }
        long count;
        switch (i.src) {
            case Insn.K_IMM: count = i.imm & 0xFF; break;
            case Insn.K_ONE: count = 1; break;
            case Insn.K_CL: count = -1; break;
            default: return null;
        }
        switch (i.op) {
            case SHL: return new ShlR(d, size, count);
            case SHR: return new ShrR(d, size, count);
            case SAR: return new SarR(d, size, count);
            case ROL: return new RolR(d, size, count);
            default: return new RorR(d, size, count);
        }
    }

    private static Step mov(Insn i, int size) {
        if (i.src2 != Insn.K_NONE) {
            return null;
        }
        int d = Operands.generalRegister(i, i.dst);
        if (d >= 0) {
            if (i.src == Insn.K_IMM) {
                return new MovRI(d, size, size == 8 ? i.imm : i.imm & Flags.mask(size));
            }
            int s = Operands.generalRegister(i, i.src);
            if (s >= 0) {
                return new MovRR(d, size, s);
            }
            if (Operands.isMemory(i, i.src)) {
                return size == 8 ? new MovLoad8(d) : size == 4 ? new MovLoad4(d) : new MovLoad(d, size);
            }
            return null;
        }
        if (Operands.isMemory(i, i.dst)) {
            if (i.src == Insn.K_IMM) {
                return new MovStoreImm(size, size == 8 ? i.imm : i.imm & Flags.mask(size));
            }
            int s = Operands.generalRegister(i, i.src);
            if (s >= 0) {
                return size == 8 ? new MovStoreReg8(s) : new MovStoreReg(size, s);
            }
        }
        return null;
    }

    // ---------------------------------------------------------------- register destinations

    /**
     * A register destination of {@code size} bytes: reads are masked to the size, writes merge
     * into the register as {@link Cpu#setReg} does (8/16-bit keep the upper bits, 32-bit
     * zero-extends).
     */
    abstract static class RegStep extends Step {
        final int d;
        final int size;
        final long m;

        RegStep(int d, int size) {
            this(d, size, true);
        }

        RegStep(int d, int size, boolean touchesMemory) {
            super(touchesMemory);
            this.d = d;
            this.size = size;
            this.m = Flags.mask(size);
        }
    }

    /** Register destination, register source. */
    abstract static class RR extends RegStep {
        final int s;

        RR(int d, int size, int s) {
            super(d, size, false);
            this.s = s;
        }
    }

    /** Register destination, immediate source (already masked to the size). */
    abstract static class RI extends RegStep {
        final long b;

        RI(int d, int size, long b) {
            super(d, size, false);
            this.b = b;
        }
    }

    static final class AddRR extends RR {
        AddRR(int d, int size, int s) {
            super(d, size, s);
        }

        @Override
        int run(Cpu cpu, Insn insn) {
            long[] r = cpu.r;
            r[d] = Cpu.merge(r[d], size, Alu.add(cpu, size, r[d] & m, r[s] & m));
            return 1;
        }
    }

    static final class AddRI extends RI {
        AddRI(int d, int size, long b) {
            super(d, size, b);
        }

        @Override
        int run(Cpu cpu, Insn insn) {
            long[] r = cpu.r;
            r[d] = Cpu.merge(r[d], size, Alu.add(cpu, size, r[d] & m, b));
            return 1;
        }
    }

    static final class SubRR extends RR {
        SubRR(int d, int size, int s) {
            super(d, size, s);
        }

        @Override
        int run(Cpu cpu, Insn insn) {
            long[] r = cpu.r;
            r[d] = Cpu.merge(r[d], size, Alu.sub(cpu, size, r[d] & m, r[s] & m));
            return 1;
        }
    }

    static final class SubRI extends RI {
        SubRI(int d, int size, long b) {
            super(d, size, b);
        }

        @Override
        int run(Cpu cpu, Insn insn) {
            long[] r = cpu.r;
            r[d] = Cpu.merge(r[d], size, Alu.sub(cpu, size, r[d] & m, b));
            return 1;
        }
    }

    static final class CmpRR extends RR {
        CmpRR(int d, int size, int s) {
            super(d, size, s);
        }

        @Override
        int run(Cpu cpu, Insn insn) {
            Alu.cmp(cpu, size, cpu.r[d] & m, cpu.r[s] & m);
            return 1;
        }
    }

    static final class CmpRI extends RI {
        CmpRI(int d, int size, long b) {
            super(d, size, b);
        }

        @Override
        int run(Cpu cpu, Insn insn) {
            Alu.cmp(cpu, size, cpu.r[d] & m, b);
            return 1;
        }
    }

    static final class AndRR extends RR {
        AndRR(int d, int size, int s) {
            super(d, size, s);
        }

        @Override
        int run(Cpu cpu, Insn insn) {
            long[] r = cpu.r;
            r[d] = Cpu.merge(r[d], size, Alu.and(cpu, size, r[d] & m, r[s] & m));
            return 1;
        }
    }

    static final class AndRI extends RI {
        AndRI(int d, int size, long b) {
            super(d, size, b);
        }

        @Override
        int run(Cpu cpu, Insn insn) {
            long[] r = cpu.r;
            r[d] = Cpu.merge(r[d], size, Alu.and(cpu, size, r[d] & m, b));
            return 1;
        }
    }

    static final class TestRR extends RR {
        TestRR(int d, int size, int s) {
            super(d, size, s);
        }

        @Override
        int run(Cpu cpu, Insn insn) {
            Alu.test(cpu, size, cpu.r[d] & m, cpu.r[s] & m);
            return 1;
        }
    }

    static final class TestRI extends RI {
        TestRI(int d, int size, long b) {
            super(d, size, b);
        }

        @Override
        int run(Cpu cpu, Insn insn) {
            Alu.test(cpu, size, cpu.r[d] & m, b);
            return 1;
        }
    }

    static final class OrRR extends RR {
        OrRR(int d, int size, int s) {
            super(d, size, s);
        }

        @Override
        int run(Cpu cpu, Insn insn) {
            long[] r = cpu.r;
            r[d] = Cpu.merge(r[d], size, Alu.or(cpu, size, r[d] & m, r[s] & m));
            return 1;
        }
    }

    static final class OrRI extends RI {
        OrRI(int d, int size, long b) {
            super(d, size, b);
        }

        @Override
        int run(Cpu cpu, Insn insn) {
            long[] r = cpu.r;
            r[d] = Cpu.merge(r[d], size, Alu.or(cpu, size, r[d] & m, b));
            return 1;
        }
    }

    static final class XorRR extends RR {
        XorRR(int d, int size, int s) {
            super(d, size, s);
        }

        @Override
        int run(Cpu cpu, Insn insn) {
            long[] r = cpu.r;
            r[d] = Cpu.merge(r[d], size, Alu.xor(cpu, size, r[d] & m, r[s] & m));
            return 1;
        }
    }

    static final class XorRI extends RI {
        XorRI(int d, int size, long b) {
            super(d, size, b);
        }

        @Override
        int run(Cpu cpu, Insn insn) {
            long[] r = cpu.r;
            r[d] = Cpu.merge(r[d], size, Alu.xor(cpu, size, r[d] & m, b));
            return 1;
        }
    }

    static final class AdcRR extends RR {
        AdcRR(int d, int size, int s) {
            super(d, size, s);
        }

        @Override
        int run(Cpu cpu, Insn insn) {
            long[] r = cpu.r;
            r[d] = Cpu.merge(r[d], size, Alu.adc(cpu, size, r[d] & m, r[s] & m));
            return 1;
        }
    }

    static final class AdcRI extends RI {
        AdcRI(int d, int size, long b) {
            super(d, size, b);
        }

        @Override
        int run(Cpu cpu, Insn insn) {
            long[] r = cpu.r;
            r[d] = Cpu.merge(r[d], size, Alu.adc(cpu, size, r[d] & m, b));
            return 1;
        }
    }

    static final class SbbRR extends RR {
        SbbRR(int d, int size, int s) {
            super(d, size, s);
        }

        @Override
        int run(Cpu cpu, Insn insn) {
            long[] r = cpu.r;
            r[d] = Cpu.merge(r[d], size, Alu.sbb(cpu, size, r[d] & m, r[s] & m));
            return 1;
        }
    }

    static final class SbbRI extends RI {
        SbbRI(int d, int size, long b) {
            super(d, size, b);
        }

        @Override
        int run(Cpu cpu, Insn insn) {
            long[] r = cpu.r;
            r[d] = Cpu.merge(r[d], size, Alu.sbb(cpu, size, r[d] & m, b));
            return 1;
        }
    }

    // ---------------------------------------------------------------- shifts and rotates

    /** A shift or rotate of register {@code d}: by {@code count}, or by CL when it is negative. */
    abstract static class ShiftR extends RegStep {
        final long count;

        ShiftR(int d, int size, long count) {
            super(d, size, false);
            this.count = count;
        }

        final long count(Cpu cpu) {
            return count >= 0 ? count : cpu.r[Cpu.RCX] & 0xFF;
        }
    }

    static final class ShlR extends ShiftR {
        ShlR(int d, int size, long count) {
            super(d, size, count);
        }

        @Override
        int run(Cpu cpu, Insn insn) {
            long c = count(cpu);
            long[] r = cpu.r;
            r[d] = Cpu.merge(r[d], size, Shifts.shl(cpu, size, r[d] & m, c));
            return 1;
        }
    }

    static final class ShrR extends ShiftR {
        ShrR(int d, int size, long count) {
            super(d, size, count);
        }

        @Override
        int run(Cpu cpu, Insn insn) {
            long c = count(cpu);
            long[] r = cpu.r;
            r[d] = Cpu.merge(r[d], size, Shifts.shr(cpu, size, r[d] & m, c));
            return 1;
        }
    }

    static final class SarR extends ShiftR {
        SarR(int d, int size, long count) {
            super(d, size, count);
        }

        @Override
        int run(Cpu cpu, Insn insn) {
            long c = count(cpu);
            long[] r = cpu.r;
            r[d] = Cpu.merge(r[d], size, Shifts.sar(cpu, size, r[d] & m, c));
            return 1;
        }
    }

    static final class RolR extends ShiftR {
        RolR(int d, int size, long count) {
            super(d, size, count);
        }

        @Override
        int run(Cpu cpu, Insn insn) {
            long c = count(cpu);
            long[] r = cpu.r;
            r[d] = Cpu.merge(r[d], size, Shifts.rol(cpu, size, r[d] & m, c));
            return 1;
        }
    }

    static final class RorR extends ShiftR {
        RorR(int d, int size, long count) {
            super(d, size, count);
        }

        @Override
        int run(Cpu cpu, Insn insn) {
            long c = count(cpu);
            long[] r = cpu.r;
            r[d] = Cpu.merge(r[d], size, Shifts.ror(cpu, size, r[d] & m, c));
            return 1;
        }
    }

    static final class IncR extends RegStep {
        IncR(int d, int size) {
            super(d, size, false);
        }

        @Override
        int run(Cpu cpu, Insn insn) {
            long[] r = cpu.r;
            long res = Alu.inc(cpu, size, r[d] & m);
            r[d] = Cpu.merge(r[d], size, res);
            return 1;
        }
    }

    static final class DecR extends RegStep {
        DecR(int d, int size) {
            super(d, size, false);
        }

        @Override
        int run(Cpu cpu, Insn insn) {
            long[] r = cpu.r;
            long res = Alu.dec(cpu, size, r[d] & m);
            r[d] = Cpu.merge(r[d], size, res);
            return 1;
        }
    }

    // ---------------------------------------------------------------- moves

    static final class MovRR extends RR {
        MovRR(int d, int size, int s) {
            super(d, size, s);
        }

        @Override
        int run(Cpu cpu, Insn insn) {
            long[] r = cpu.r;
            r[d] = Cpu.merge(r[d], size, r[s] & m);
            return 1;
        }
    }

    static final class MovRI extends RI {
        MovRI(int d, int size, long b) {
            super(d, size, b);
        }

        @Override
        int run(Cpu cpu, Insn insn) {
            long[] r = cpu.r;
            r[d] = Cpu.merge(r[d], size, b);
            return 1;
        }
    }

    /** ALU reg, [mem]: the source read from memory, through {@link Alu#binary}. */
    static final class AluLoad extends RegStep {
        final int code;
        final boolean flagsOnly;

        AluLoad(int d, int size, int code, boolean flagsOnly) {
            super(d, size);
            this.code = code;
            this.flagsOnly = flagsOnly;
        }

        @Override
        int run(Cpu cpu, Insn insn) {
            long b = Mem.read(cpu, insn.seg, Operands.ea(cpu, insn), size);
            long[] r = cpu.r;
            long a = r[d] & m;
            long res = Alu.binary(cpu, code, size, a, b);
            if (!flagsOnly) {
                r[d] = Cpu.merge(r[d], size, res & m);
            }
            return 1;
        }
    }

    /** CMP/TEST [mem], reg or imm ({@code s} < 0: the immediate {@code b}). */
    static final class CompareMem extends Step {
        final int size;
        final int s;
        final long b;
        final long m;
        final int code;

        CompareMem(int size, int s, long b, int code) {
            this.size = size;
            this.s = s;
            this.b = b;
            this.m = Flags.mask(size);
            this.code = code;
        }

        @Override
        int run(Cpu cpu, Insn insn) {
            long bv = s < 0 ? b : cpu.r[s] & m;
            long a = Mem.read(cpu, insn.seg, Operands.ea(cpu, insn), size);
            Alu.binary(cpu, code, size, a, bv);
            return 1;
        }
    }

    /** MOV reg, [mem]. */
    static final class MovLoad extends RegStep {

        MovLoad(int d, int size) {
            super(d, size);
        }

        @Override
        int run(Cpu cpu, Insn insn) {
            long v = Mem.read(cpu, insn.seg, Operands.ea(cpu, insn), size);
            long[] r = cpu.r;
            r[d] = Cpu.merge(r[d], size, v & m);
            return 1;
        }
    }

    /** MOV r64, [mem]: the size constant so the memory path folds. */
    static final class MovLoad8 extends RegStep {

        MovLoad8(int d) {
            super(d, 8);
        }

        @Override
        int run(Cpu cpu, Insn insn) {
            cpu.r[d] = Mem.read(cpu, insn.seg, Operands.ea(cpu, insn), 8);
            return 1;
        }
    }

    /** MOV r32, [mem]: zero-extends into the register. */
    static final class MovLoad4 extends RegStep {

        MovLoad4(int d) {
            super(d, 4);
        }

        @Override
        int run(Cpu cpu, Insn insn) {
            cpu.r[d] = Mem.read(cpu, insn.seg, Operands.ea(cpu, insn), 4) & 0xFFFF_FFFFL;
            return 1;
        }
    }

    /** MOV [mem], r64. */
    static final class MovStoreReg8 extends Step {
        final int s;

        MovStoreReg8(int s) {
            this.s = s;
        }

        @Override
        int run(Cpu cpu, Insn insn) {
            long v = cpu.r[s];
            Mem.write(cpu, insn.seg, Operands.ea(cpu, insn), 8, v);
            return 1;
        }
    }

    /** MOV [mem], reg. */
    static final class MovStoreReg extends Step {
        final int size;
        final int s;
        final long m;

        MovStoreReg(int size, int s) {
            this.size = size;
            this.s = s;
            this.m = Flags.mask(size);
        }

        @Override
        int run(Cpu cpu, Insn insn) {
            long v = cpu.r[s] & m;
            Mem.write(cpu, insn.seg, Operands.ea(cpu, insn), size, v);
            return 1;
        }
    }

    /** MOV [mem], imm. */
    static final class MovStoreImm extends Step {
        final int size;
        final long v;

        MovStoreImm(int size, long v) {
            this.size = size;
            this.v = v;
        }

        @Override
        int run(Cpu cpu, Insn insn) {
            Mem.write(cpu, insn.seg, Operands.ea(cpu, insn), size, v);
            return 1;
        }
    }

    // ---------------------------------------------------------------- branches

    /** JZ/JNZ: {@link Flags#cond} for these two conditions is exactly {@link Flags#zero}. */
    static final class JccZ extends Step {
        final boolean negate;
        final int opSize;
        final long disp;

        JccZ(int cond, int opSize, long disp) {
            super(false);
            this.negate = (cond & 1) != 0;
            this.opSize = opSize;
            this.disp = disp;
        }

        @Override
        int run(Cpu cpu, Insn insn) {
            if (Flags.zero(cpu) != negate) {
                cpu.rip = Branches.target(cpu, opSize, cpu.rip + disp);
            }
            return 1;
        }
    }

    static final class Jcc extends Step {
        final int cond;
        final int opSize;
        final long disp;

        Jcc(int cond, int opSize, long disp) {
            super(false);
            this.cond = cond;
            this.opSize = opSize;
            this.disp = disp;
        }

        @Override
        int run(Cpu cpu, Insn insn) {
            if (Flags.cond(cpu, cond)) {
                cpu.rip = Branches.target(cpu, opSize, cpu.rip + disp);
            }
            return 1;
        }
    }
}
