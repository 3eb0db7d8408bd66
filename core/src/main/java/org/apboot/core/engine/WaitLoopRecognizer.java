package org.apboot.core.engine;

import java.util.ArrayList;
import java.util.HashMap;
import org.apboot.core.decode.Decoder;
import org.apboot.core.decode.Insn;
import org.apboot.core.decode.Op;
import org.apboot.core.engine.WaitLoop.Address;
import org.apboot.core.engine.WaitLoop.Poll;
import org.apboot.core.engine.WaitLoop.Until;
import org.apboot.core.engine.WaitLoop.Value;

/**
 * Recognises a PAUSE spin-wait loop from its decoded instructions and describes it as a
 * {@link WaitLoop}. Pure: it reads code bytes through {@link Code} and nothing else.
 *
 * <p>Starting at the anchor (the instruction after the PAUSE), it follows jumps and NOPs to the
 * first poll, then reads polls, each one of:
 * <ul>
 * <li>{@code cmp}/{@code test} of a memory operand with an immediate or a register;
 * <li>{@code bt $n, mem}, and {@code [lock] bts $n, mem} / {@code btr} when the iteration that
 *     goes back to the PAUSE leaves the word unchanged (a lock to take: {@code lock bts; jnc
 *     taken; pause; jmp retry});
 * <li>{@code mov mem, %reg} followed by {@code test %reg,%reg}, {@code test $imm,%reg} or
 *     {@code cmp $imm/%reg2, %reg};
 * </ul>
 * followed by a {@code jcc} one of whose successors reaches the PAUSE through jumps and NOPs
 * only: that is the "keep waiting" edge, the other leads on to the next poll or out of the loop.
 * The loop forms this covers: {@code 1: pause; cmp X, mem; jne 1b} (two such polls in a row for
 * the firmware mailbox), {@code 1: cmp X, mem; je 2f; pause; jmp 1b}, {@code mov mem,%reg;
 * test %reg,%reg; jz 1b}, {@code testl $imm, mem}, {@code lock bts} retry loops.
 *
 * A loop that goes straight back to its PAUSE ({@code 1: pause; jmp 1b}) polls nothing and
 * is described with no polls: only an interrupt ends it.
 *
 * <p>Recognition stops at the first instruction sequence that is not such a poll (the loop's
 * exit, or a check it cannot describe): the polls found are then a prefix of the loop's
 * conditions, each necessary for leaving it, which is all parking needs. It gives up (returns
 * null) when the instruction before the anchor is not a two-byte PAUSE, when the code after it
 * is not a poll, or when a poll reads a register that an earlier poll of the loop loads (the
 * next iteration would compare with a different value).
 */
public final class WaitLoopRecognizer {
    /** Guest code as the vCPU fetches it. */
    @FunctionalInterface
    public interface Code {
        /** The byte at CS offset {@code offset} (0-255), or -1 when it cannot be fetched. */
        int byteAt(long offset);
    }

    private static final int MAX_DECODES = 48;
    private static final int MAX_POLLS = 8;
    private static final int MAX_HOPS = 4;

    private final Code code;
    private final int mode;
    private final long ripMask;
    private final HashMap<Long, Insn> decoded = new HashMap<>();
    private final byte[] buf = new byte[Decoder.MAX_LENGTH];
    private long anchor;
    private long pause;
    /** Bytes of the instructions decoded, relative to the anchor: [first, end). */
    private long first = Long.MAX_VALUE, end = Long.MIN_VALUE;

    private WaitLoopRecognizer(Code code, int mode) {
        this.code = code;
        this.mode = mode;
        this.ripMask = mode == 64 ? -1L : mode == 32 ? 0xFFFF_FFFFL : 0xFFFF;
    }

    /**
     * The wait loop whose PAUSE ends just before CS offset {@code anchor} in code of {@code mode}
     * (16, 32 or 64), or null when it is not one this class recognises.
     */
    public static WaitLoop recognise(Code code, long anchor, int mode) {
        return recognise(code, anchor, mode, null);
    }

    /**
     * As {@link #recognise(Code, long, int)}; also stores in {@code span} (when not null) the
     * bytes it decoded, as offsets from the anchor: {@code span[0]} the first, {@code span[1]}
     * one past the last (whatever the result: they are what the answer depends on).
     */
    public static WaitLoop recognise(Code code, long anchor, int mode, long[] span) {
        if (mode != 16 && mode != 32 && mode != 64) {
            return null;
        }
        WaitLoopRecognizer r = new WaitLoopRecognizer(code, mode);
        WaitLoop loop = r.run(anchor);
        if (span != null) {
            span[0] = r.first == Long.MAX_VALUE ? 0 : r.first;
            span[1] = r.end == Long.MIN_VALUE ? 0 : r.end;
        }
        return loop;
    }

    private WaitLoop run(long start) {
        anchor = start & ripMask;
        pause = (anchor - 2) & ripMask;
        Insn p = at(pause);
        if (p == null || p.op != Op.PAUSE || p.length != 2) {
            return null;
        }
        long pc = skip(anchor);
        if (pc < 0) {
            return null;
        }
        if (pc == pause) {
            return new WaitLoop(); // polls nothing: waits for an interrupt
        }
        ArrayList<Poll> polls = new ArrayList<>();
        long loaded = 0; // registers the polls so far load
        while (polls.size() < MAX_POLLS) {
            Parsed s = parsePoll(pc, loaded);
            if (s == null) {
                break;
            }
            polls.add(s.poll);
            loaded |= s.loads;
            pc = skip(s.next);
            if (pc < 0 || pc == pause) {
                break; // both edges go back: nothing more can be learnt
            }
        }
        return polls.isEmpty() ? null : new WaitLoop(polls);
    }

    private record Parsed(Poll poll, long loads, long next) {
    }

    // compare kinds
    private static final int CMP_WORD_FIRST = 0, CMP_VALUE_FIRST = 1, TEST = 2, BT = 3, BTS = 4, BTR = 5;

    /** The poll at {@code pc}, or null when the code there is not one (see the class comment). */
    private Parsed parsePoll(long pc, long loadedBefore) {
        Insn a = at(pc);
        if (a == null) {
            return null;
        }
        Insn mem = a;
        long memAt = pc;
        long flagsEnd;
        int kind;
        Value value;
        int size = a.opSize;
        long loads = 0;
        long reads = 0; // registers the value reads
        if (a.lock && a.op != Op.BTS && a.op != Op.BTR) {
            return null;
        }
        switch (a.op) {
            case CMP:
            case TEST:
                if (a.dst == Insn.K_RM && a.rmReg < 0 && (a.src == Insn.K_REG || a.src == Insn.K_IMM)) {
                    kind = a.op == Op.CMP ? CMP_WORD_FIRST : TEST;
                    value = a.src == Insn.K_REG ? Value.reg(a.reg) : Value.imm(a.imm & mask(size));
                } else if (a.dst == Insn.K_REG && a.src == Insn.K_RM && a.rmReg < 0) {
                    kind = a.op == Op.CMP ? CMP_VALUE_FIRST : TEST;
                    value = Value.reg(a.reg);
                } else {
                    return null;
                }
                flagsEnd = next(pc, a);
                break;
            case BT:
            case BTS:
            case BTR:
                if (a.dst != Insn.K_RM || a.rmReg >= 0 || a.src != Insn.K_IMM) {
                    return null;
                }
                kind = a.op == Op.BT ? BT : a.op == Op.BTS ? BTS : BTR;
                value = Value.imm(a.imm & (size * 8 - 1));
                flagsEnd = next(pc, a);
                break;
            case MOV: {
                if (a.dst != Insn.K_REG || a.src != Insn.K_RM || a.rmReg >= 0 || a.reg >= 16) {
                    return null;
                }
                int r = a.reg;
                long bAt = next(pc, a);
                Insn b = at(bAt);
                if (b == null || b.lock || b.opSize != size || (b.op != Op.CMP && b.op != Op.TEST)) {
                    return null;
                }
                boolean dstR = isReg(b, b.dst, r);
                boolean srcR = isReg(b, b.src, r);
                int other = dstR ? regOf(b, b.src) : srcR ? regOf(b, b.dst) : -1;
                if (dstR && srcR) {
                    // test %r,%r / cmp %r,%r: the word against itself
                    if (b.op != Op.TEST) {
                        return null;
                    }
                    kind = CMP_WORD_FIRST; // test w,w sets the flags cmp w,$0 does
                    value = Value.imm(0);
                } else if (dstR && b.src == Insn.K_IMM) {
                    kind = b.op == Op.CMP ? CMP_WORD_FIRST : TEST;
                    value = Value.imm(b.imm & mask(size));
                } else if ((dstR || srcR) && other >= 0) {
                    kind = b.op == Op.TEST ? TEST : dstR ? CMP_WORD_FIRST : CMP_VALUE_FIRST;
                    value = Value.reg(other);
                } else {
                    return null;
                }
                loads = bit(r);
                flagsEnd = next(bAt, b);
                break;
            }
            default:
                return null;
        }
        if (value.register() >= 0) {
            reads |= bit(value.register());
        }
        if (!mem.ripRel) {
            reads |= (mem.base >= 0 ? bit(mem.base) : 0) | (mem.index >= 0 ? bit(mem.index) : 0);
        }
        if ((reads & (loadedBefore | loads)) != 0) {
            return null; // the loop changes a register this poll reads
        }
        Insn j = at(flagsEnd);
        if (j == null || j.op != Op.JCC) {
            return null;
        }
        long fall = next(flagsEnd, j);
        long taken = (fall + j.imm) & opMask(j.opSize);
        boolean takenStays = skip(taken) == pause;
        boolean fallStays = skip(fall) == pause;
        if (takenStays == fallStays) {
            return null;
        }
        int exitCc = takenStays ? j.cond ^ 1 : j.cond;
        if (kind == TEST && value.register() < 0 && value.immediate() == mask(size)) {
            kind = CMP_WORD_FIRST; // testing every bit: the flags of cmp w,$0
            value = Value.imm(0);
        }
        Until until = until(kind, exitCc);
        if (until == null) {
            return null;
        }
        Address address;
        if (mem.ripRel) {
            long memEnd = (memAt + mem.length - anchor) & ripMask;
            address = new Address(mem.seg, -1, -1, 0, memEnd + mem.disp, true, mem.addrSize);
        } else {
            address = new Address(mem.seg, mem.base, mem.index, mem.scale, mem.disp, false, mem.addrSize);
        }
        // a BTS leaving when the bit was clear (it set it), a BTR leaving when it was set (it cleared it)
        boolean takes = (kind == BTS && until == Until.BIT_CLEAR) || (kind == BTR && until == Until.BIT_SET);
        return new Parsed(new Poll(address, size, value, until, takes), loads, takenStays ? fall : taken);
    }

    /** The relation that lets the loop go on, for a compare of {@code kind} and exit condition {@code cc}. */
    private static Until until(int kind, int cc) {
        switch (kind) {
            case CMP_WORD_FIRST:
                switch (cc) {
                    case 2: return Until.BELOW;
                    case 3: return Until.ABOVE_OR_EQUAL;
                    case 4: return Until.EQUAL;
                    case 5: return Until.NOT_EQUAL;
                    case 6: return Until.BELOW_OR_EQUAL;
                    case 7: return Until.ABOVE;
                    case 12: return Until.LESS;
                    case 13: return Until.GREATER_OR_EQUAL;
                    case 14: return Until.LESS_OR_EQUAL;
                    case 15: return Until.GREATER;
                    default: return null;
                }
            case CMP_VALUE_FIRST: // the flags of value - word: the relation seen from the word
                switch (cc) {
                    case 2: return Until.ABOVE;
                    case 3: return Until.BELOW_OR_EQUAL;
                    case 4: return Until.EQUAL;
                    case 5: return Until.NOT_EQUAL;
                    case 6: return Until.ABOVE_OR_EQUAL;
                    case 7: return Until.BELOW;
                    case 12: return Until.GREATER;
                    case 13: return Until.LESS_OR_EQUAL;
                    case 14: return Until.GREATER_OR_EQUAL;
                    case 15: return Until.LESS;
                    default: return null;
                }
            case TEST:
                return cc == 4 ? Until.ALL_CLEAR : cc == 5 ? Until.ANY_SET : null;
            case BT:
                return cc == 2 ? Until.BIT_SET : cc == 3 ? Until.BIT_CLEAR : null;
            case BTS: // only the iteration that finds the bit set (and so writes nothing) may stay
                return cc == 3 ? Until.BIT_CLEAR : null;
            default: // BTR
                return cc == 2 ? Until.BIT_SET : null;
        }
    }

    private static boolean isReg(Insn i, byte kind, int r) {
        return kind == Insn.K_REG ? i.reg == r : kind == Insn.K_RM && i.rmReg == r;
    }

    private static int regOf(Insn i, byte kind) {
        return kind == Insn.K_REG ? i.reg : kind == Insn.K_RM ? i.rmReg : -1;
    }

    private static long bit(int reg) {
        return 1L << (reg >= 16 ? reg - 16 : reg);
    }

    private static long mask(int size) {
        return size == 8 ? -1L : (1L << (size * 8)) - 1;
    }

    private static long opMask(int opSize) {
        return opSize == 2 ? 0xFFFF : opSize == 4 ? 0xFFFF_FFFFL : -1L;
    }

    private long next(long pc, Insn i) {
        return (pc + i.length) & ripMask;
    }

    /**
     * Follows NOPs and relative jumps from {@code pc}; returns where they lead (the PAUSE stops
     * the walk), or -1 when the code there cannot be decoded.
     */
    private long skip(long pc) {
        for (int hops = 0; hops <= MAX_HOPS; hops++) {
            if (pc == pause) {
                return pc;
            }
            Insn i = at(pc);
            if (i == null) {
                return -1;
            }
            if (i.op == Op.NOP) {
                pc = next(pc, i);
            } else if (i.op == Op.JMP && i.src == Insn.K_IMM) {
                pc = (next(pc, i) + i.imm) & opMask(i.opSize);
            } else {
                return pc;
            }
        }
        return -1;
    }

    /** The instruction at CS offset {@code pc}, or null when it cannot be fetched or decoded. */
    private Insn at(long pc) {
        Insn i = decoded.get(pc);
        if (i != null || decoded.containsKey(pc)) {
            return i;
        }
        if (decoded.size() >= MAX_DECODES) {
            return null;
        }
        int n = 0;
        for (; n < buf.length; n++) {
            int b = code.byteAt((pc + n) & ripMask);
            if (b < 0) {
                break;
            }
            buf[n] = (byte) b;
        }
        i = new Insn();
        int len = Decoder.decode(buf, 0, n, mode, i);
        if (len == 0 || i.op == Op.INVALID) {
            i = null;
        }
        long rel = (pc - anchor) & ripMask;
        if (mode != 64) {
            int sh = mode == 32 ? 32 : 48;
            rel = rel << sh >> sh; // the distance from the anchor, signed
        }
        first = Math.min(first, rel);
        end = Math.max(end, rel + (len > 0 ? len : Math.max(n, 1)));
        decoded.put(pc, i);
        return i;
    }
}
