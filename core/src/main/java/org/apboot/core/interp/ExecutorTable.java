package org.apboot.core.interp;

import org.apboot.core.decode.Op;
import org.apboot.core.fault.CpuException;

/**
 * The interpreter's dispatch table: one {@link Executor} per {@link Op}. Families register
 * themselves from small classes ({@code IntegerExecutors}, {@code SystemExecutors}...), so no
 * giant switch exists anywhere.
 */
public final class ExecutorTable {
    private static final Executor[] TABLE = new Executor[Op.values().length];

    static {
        Executor missing = (cpu, insn) -> {
            throw CpuException.unimplemented(insn.op.name().toLowerCase(java.util.Locale.ROOT));
        };
        java.util.Arrays.fill(TABLE, missing);
        TABLE[Op.INVALID.ordinal()] = (cpu, insn) -> {
            throw CpuException.ud("invalid opcode");
        };
        TABLE[Op.UNIMPLEMENTED.ordinal()] = (cpu, insn) -> {
            throw CpuException.unimplemented(insn.unimplementedName == null ? "instruction" : insn.unimplementedName);
        };
        for (ExecutorFamily f : ExecutorFamily.ALL) {
            f.register(ExecutorTable::put);
        }
    }

    private ExecutorTable() {
    }

    private static void put(Op op, Executor e) {
        TABLE[op.ordinal()] = e;
    }

    public static Executor get(Op op) {
        return TABLE[op.ordinal()];
    }

    /** A group of executors that registers itself into the table. */
    public interface ExecutorFamily {
        void register(java.util.function.BiConsumer<Op, Executor> table);

        /** Every family, in registration order (later ones win on conflicts; there should be none). */
        ExecutorFamily[] ALL = Families.all();
    }
}
