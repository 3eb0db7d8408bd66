package org.apboot.core.interp;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.decode.Insn;
import org.apboot.core.semantics.Alu;
import org.apboot.core.semantics.Branches;
import org.apboot.core.semantics.Flags;

/**
 * Steps that run a register-only flag-setting instruction and the Jcc after it as one (the
 * common end of a loop), for the interpreter's fast path; the flag and branch semantics are
 * {@link Steps}' (and so {@code semantics}'), in the same order.
 */
final class PairSteps {
    private PairSteps() {
    }

    /**
     * The steps the fast path runs: {@code steps} with each register-only step that a Jcc
     * follows replaced by a {@link JccPair} running both (the Jcc's own step stays at
     * the next index, for the case its target faults).
     */
    static Step[] paired(Insn[] insns, Step[] steps) {
        Step[] out = steps.clone();
        for (int k = 0; k + 1 < insns.length; k++) {
            Step first = steps[k];
            Insn next = insns[k + 1];
            if (first.touchesMemory || first instanceof Step.Generic || Steps.isJcc(first) || !Steps.isJcc(steps[k + 1])) {
                continue;
            }
            if (first instanceof Steps.DecR) {
                Steps.DecR d = (Steps.DecR) first;
                out[k] = new DecJcc(d.d, d.size, next);
            } else if (first instanceof Steps.CmpRR) {
                Steps.CmpRR c = (Steps.CmpRR) first;
                out[k] = new CmpRRJcc(c.d, c.size, c.s, next);
            } else if (first instanceof Steps.CmpRI) {
                Steps.CmpRI c = (Steps.CmpRI) first;
                out[k] = new CmpRIJcc(c.d, c.size, c.b, next);
            } else if (first instanceof Steps.TestRR) {
                Steps.TestRR t = (Steps.TestRR) first;
                out[k] = new TestRRJcc(t.d, t.size, t.s, next);
            } else {
                out[k] = new ThenJcc(first, next);
            }
        }
        return out;
    }


    // ---------------------------------------------------------------- pairs with a Jcc

    /**
     * A register-only flag-setting instruction and the Jcc after it, run as one step (the common
     * end of a loop: DEC/CMP/TEST then Jcc). On entry {@code cpu.rip} is the Jcc's address (the
     * first instruction's next RIP). The Jcc does what {@link Jcc} does; when it is taken to a
     * target that fails the check of {@link Branches#target}, the step stops after the first
     * instruction (returns 1, RIP at the Jcc) and the Jcc's own step then raises the fault.
     */
    abstract static class JccPair extends Step {
        final int cond;
        final boolean zeroTest;
        final boolean negate;
        final int opSize;
        final long disp;
        final int jccLength;

        JccPair(Insn jcc) {
            super(false);
            this.cond = jcc.cond;
            this.zeroTest = (jcc.cond >> 1) == 2;
            this.negate = (jcc.cond & 1) != 0;
            this.opSize = jcc.opSize;
            this.disp = jcc.imm;
            this.jccLength = jcc.length;
        }

        /** The Jcc, after the first instruction set the flags. */
        final int branch(Cpu cpu) {
            boolean taken = zeroTest ? Flags.zero(cpu) != negate : Flags.cond(cpu, cond);
            long next = cpu.rip + jccLength;
            if (taken) {
                long t = Branches.truncate(opSize, next + disp);
                if (!Branches.targetOk(cpu, t)) {
                    return 1;
                }
                cpu.rip = t;
            } else {
                cpu.rip = next;
            }
            return 2;
        }
    }

    /** A pair whose first instruction works on register {@code d} at {@code size} (mask {@code m}). */
    abstract static class RegisterPair extends JccPair {
        final int d;
        final int size;
        final long m;

        RegisterPair(int d, int size, Insn jcc) {
            super(jcc);
            this.d = d;
            this.size = size;
            this.m = Flags.mask(size);
        }
    }

    static final class DecJcc extends RegisterPair {
        DecJcc(int d, int size, Insn jcc) {
            super(d, size, jcc);
        }

        @Override
        int run(Cpu cpu, Insn insn) {
            long[] r = cpu.r;
            long res = Alu.dec(cpu, size, r[d] & m);
            r[d] = Cpu.merge(r[d], size, res);
            return branch(cpu);
        }
    }

    static final class CmpRRJcc extends RegisterPair {
        final int s;

        CmpRRJcc(int d, int size, int s, Insn jcc) {
            super(d, size, jcc);
            this.s = s;
        }

        @Override
        int run(Cpu cpu, Insn insn) {
            Alu.cmp(cpu, size, cpu.r[d] & m, cpu.r[s] & m);
            return branch(cpu);
        }
    }

    static final class CmpRIJcc extends RegisterPair {
        final long b;

        CmpRIJcc(int d, int size, long b, Insn jcc) {
            super(d, size, jcc);
            this.b = b;
        }

        @Override
        int run(Cpu cpu, Insn insn) {
            Alu.cmp(cpu, size, cpu.r[d] & m, b);
            return branch(cpu);
        }
    }

    static final class TestRRJcc extends RegisterPair {
        final int s;

        TestRRJcc(int d, int size, int s, Insn jcc) {
            super(d, size, jcc);
            this.s = s;
        }

        @Override
        int run(Cpu cpu, Insn insn) {
            Alu.test(cpu, size, cpu.r[d] & m, cpu.r[s] & m);
            return branch(cpu);
        }
    }

    /** Any other register-only step, then the Jcc. */
    static final class ThenJcc extends JccPair {
        final Step first;

        ThenJcc(Step first, Insn jcc) {
            super(jcc);
            this.first = first;
        }

        @Override
        int run(Cpu cpu, Insn insn) {
            first.run(cpu, insn);
            return branch(cpu);
        }
    }
}
