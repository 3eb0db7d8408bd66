package org.apboot.jit;

import org.apboot.core.decode.Insn;
import org.apboot.core.semantics.Alu;

/**
 * Backward liveness of the lazy-flag record over one block: a flag-setting instruction whose
 * record no one can observe (overwritten by a later instruction that sets all six flags, with no
 * reader, no possible fault and no interpreter-run instruction in between) records nothing.
 *
 * <p>Readers are Jcc, ADC/SBB, instructions run by the interpreter (they may read RFLAGS),
 * anything that can fault (exception delivery pushes RFLAGS), and INC/DEC (CF) and ROL/ROR (all
 * but CF and OF) when their own record is observed: a dead INC/DEC or rotate carries nothing of
 * the record before it. The end of the block, and a loop's back edge, observe everything.
 */
final class FlagLiveness {
    private FlagLiveness() {
    }

    /** For each instruction: true when it sets flags and its record must be kept. */
    static boolean[] liveWriters(Insn[] insns, Form[] forms, int count) {
        boolean[] live = new boolean[count];
        boolean observed = true; // the block's end observes the record
        for (int k = count - 1; k >= 0; k--) {
            Form f = forms[k];
            if (f.writesFlags()) {
                live[k] = observed;
            }
            if (f.writesAllFlags() && !readsCarry(insns[k], f)) {
                observed = false;
            }
            if (reads(insns[k], f, live[k]) || f.canFault()) {
                observed = true;
            }
        }
        return live;
    }

    private static boolean readsCarry(Insn i, Form f) {
        return (f == Form.ALU_RR || f == Form.ALU_RI || f == Form.ALU_RM) && Alu.readsCarry(Form.aluCode(i.op));
    }

    private static boolean reads(Insn i, Form f, boolean ownRecordLive) {
        boolean keepsSome = f == Form.INC_R || f == Form.DEC_R || f == Form.ROTATE_RI;
        return f == Form.JCC || f == Form.FALLBACK || keepsSome && ownRecordLive || readsCarry(i, f);
    }
}
