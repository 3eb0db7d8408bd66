package org.apboot.core.engine;

import java.util.List;
import org.apboot.core.cpu.Cpu;
import org.apboot.core.decode.Insn;

/**
 * A PAUSE spin-wait loop, described by what it polls: the contract between the engines and the
 * machine for parking a vCPU (see {@link WaitLoops}). It is recognised once per loop from the
 * loop's decoded instructions ({@link WaitLoopRecognizer}), never inferred from an engine's
 * private state (lazy flags, the last memory read), so the interpreter and the translator park
 * on the same loops in the same way.
 *
 * <p>The loop is anchored at the instruction after its PAUSE: a vCPU that exits on PAUSE has
 * {@code cpu.rip} there and every register written back. From the anchor the loop runs its
 * {@link #polls} in order; each reads one memory word, compares it, and either goes on to the
 * next poll or back to the PAUSE. The loop leaves only when every poll's condition holds, so
 * while the first failing poll's condition stays false (and no interrupt comes) the vCPU would
 * spin for ever: the machine parks it on that word and wakes it when a write makes the
 * condition true. Nothing else runs in an iteration that goes back to the PAUSE (jumps and NOPs
 * aside), and no register a poll reads is written by the polls before it.
 *
 * <p>A loop that polls nothing ({@code 1: pause; jmp 1b}, usually after {@code sti}) has no polls:
 * only an interrupt, an NMI or INIT ends it, and the machine parks the vCPU until one comes.
 *
 * @param polls the loop's polls in execution order (the recogniser may describe a prefix of a
 *     longer loop: each poll is a necessary condition for leaving it); empty for a loop that
 *     polls nothing
 */
public record WaitLoop(List<Poll> polls) {
    public WaitLoop {
        polls = List.copyOf(polls);
    }

    public WaitLoop(Poll... polls) {
        this(List.of(polls));
    }

    /**
     * The effective-address form of a polled memory operand:
     * {@code segment:[base + index << scale + displacement]} truncated to {@code addressSize}
     * bytes, or, when {@code anchorRelative}, {@code [anchor + displacement]} (a RIP-relative
     * operand, its displacement rebased from the end of its instruction to the loop's anchor,
     * so the same physical loop serves every linear address it is mapped at).
     *
     * @param segment     effective segment register ({@link Insn#ES}..{@link Insn#GS})
     * @param base        base register 0-15, or -1
     * @param index       index register 0-15, or -1
     * @param scale       index shift 0-3
     * @param displacement sign-extended displacement
     * @param anchorRelative the offset is relative to the anchor (the RIP after the PAUSE)
     * @param addressSize address size in bytes: 2, 4 or 8
     */
    public record Address(int segment, int base, int index, int scale, long displacement, boolean anchorRelative,
                          int addressSize) {
        /** A register-relative (or absolute, with {@code base} -1) operand without index. */
        public static Address of(int segment, int base, long displacement, int addressSize) {
            return new Address(segment, base, -1, 0, displacement, false, addressSize);
        }

        /** A RIP-relative operand at {@code anchor + displacement} (64-bit code). */
        public static Address anchored(int segment, long displacement, int addressSize) {
            return new Address(segment, -1, -1, 0, displacement, true, addressSize);
        }

        /** The offset within the segment for {@code cpu}, whose RIP is the loop's anchor. */
        public long offset(Cpu cpu) {
            long a = displacement;
            if (anchorRelative) {
                a += cpu.rip;
            } else {
                if (base >= 0) {
                    a += cpu.r[base];
                }
                if (index >= 0) {
                    a += cpu.r[index] << scale;
                }
            }
            switch (addressSize) {
                case 2: return a & 0xFFFF;
                case 4: return a & 0xFFFF_FFFFL;
                default: return a;
            }
        }
    }

    /**
     * What the word is compared with: a register's value (read when the vCPU parks: the loop does
     * not change it) or an immediate.
     *
     * @param register general register (0-15, {@link Insn#AH}..{@link Insn#BH}), or -1
     * @param immediate the immediate, zero-extended to the poll's size (unused for a register)
     */
    public record Value(int register, long immediate) {
        public static Value imm(long v) {
            return new Value(-1, v);
        }

        public static Value reg(int r) {
            return new Value(r, 0);
        }

        /** The value for {@code cpu} at {@code size} bytes, zero-extended. */
        public long of(Cpu cpu, int size) {
            long v = register >= 0 ? cpu.getReg(register, size) : immediate;
            return size == 8 ? v : v & ((1L << (size * 8)) - 1);
        }
    }

    /**
     * When a poll is satisfied (the loop may go on), as a relation of the polled word {@code w}
     * (left) and the value {@code v} (right), both {@code size} bytes wide.
     */
    public enum Until {
        /** {@code w == v} ({@code cmp; jne back}). */
        EQUAL("equals"),
        /** {@code w != v}. */
        NOT_EQUAL("differs from"),
        /** Unsigned {@code w < v}. */
        BELOW("is below"),
        /** Unsigned {@code w >= v} ({@code cmp %reg, mem; jb back}: a counter reaching N). */
        ABOVE_OR_EQUAL("is at or above"),
        /** Unsigned {@code w <= v}. */
        BELOW_OR_EQUAL("is at or below"),
        /** Unsigned {@code w > v}. */
        ABOVE("is above"),
        /** Signed {@code w < v}. */
        LESS("is less than"),
        /** Signed {@code w >= v}. */
        GREATER_OR_EQUAL("is at least"),
        /** Signed {@code w <= v}. */
        LESS_OR_EQUAL("is at most"),
        /** Signed {@code w > v}. */
        GREATER("is greater than"),
        /** {@code (w & v) == 0} ({@code test $mask, mem; jnz back}). */
        ALL_CLEAR("has clear every bit of"),
        /** {@code (w & v) != 0}. */
        ANY_SET("has set a bit of"),
        /** Bit {@code v} of {@code w} is clear ({@code lock bts $v, mem; jnc out}: a lock to take). */
        BIT_CLEAR("has clear bit"),
        /** Bit {@code v} of {@code w} is set ({@code bt $v, mem; jnc back}). */
        BIT_SET("has set bit");

        private final String text;

        Until(String text) {
            this.text = text;
        }

        /** True when a {@code size}-byte word {@code w} satisfies this relation with {@code v}. */
        public boolean holds(long w, long v, int size) {
            int bits = size * 8;
            long m = size == 8 ? -1L : (1L << bits) - 1;
            w &= m;
            switch (this) {
                case BIT_CLEAR: return ((w >>> (v & (bits - 1))) & 1) == 0;
                case BIT_SET: return ((w >>> (v & (bits - 1))) & 1) != 0;
                default: break;
            }
            v &= m;
            int sh = 64 - bits;
            switch (this) {
                case EQUAL: return w == v;
                case NOT_EQUAL: return w != v;
                case BELOW: return Long.compareUnsigned(w, v) < 0;
                case ABOVE_OR_EQUAL: return Long.compareUnsigned(w, v) >= 0;
                case BELOW_OR_EQUAL: return Long.compareUnsigned(w, v) <= 0;
                case ABOVE: return Long.compareUnsigned(w, v) > 0;
                case LESS: return (w << sh >> sh) < (v << sh >> sh);
                case GREATER_OR_EQUAL: return (w << sh >> sh) >= (v << sh >> sh);
                case LESS_OR_EQUAL: return (w << sh >> sh) <= (v << sh >> sh);
                case GREATER: return (w << sh >> sh) > (v << sh >> sh);
                case ALL_CLEAR: return (w & v) == 0;
                default: return (w & v) != 0; // ANY_SET
            }
        }

        /** "until it equals 0x5", "until it has clear bit 0": for reports. */
        public String describe(long v) {
            return "until it " + text + (this == BIT_CLEAR || this == BIT_SET ? " " + v : " 0x" + Long.toHexString(v));
        }
    }

    /**
     * One poll: the {@code size}-byte word at {@code address} satisfies {@code until} with
     * {@code value}. {@code takes}: the poll is a bit test-and-set (or -reset) that changes the
     * awaited bit back in the iteration that leaves the loop, so of several vCPUs waiting on it
     * only one can leave per change (a lock taken with {@code lock bts}); the machine then wakes
     * one of them per write instead of all.
     */
    public record Poll(Address address, int size, Value value, Until until, boolean takes) {
        public Poll {
            if (size != 1 && size != 2 && size != 4 && size != 8) {
                throw new IllegalArgumentException("poll size must be 1, 2, 4 or 8, got " + size);
            }
        }

        /** A poll that only reads its word. */
        public Poll(Address address, int size, Value value, Until until) {
            this(address, size, value, until, false);
        }
    }
}
