package org.apboot.jit;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.decode.Insn;
import org.apboot.core.interp.DecodedBlock;

/**
 * A guest basic block translated to JVM bytecode: the superclass of every generated block class.
 *
 * <p>Contract of {@link #execute}: called with {@code cpu.rip} at the block's first instruction,
 * the CPU in the mode the block was translated for ({@link #modeKey}), no interrupt shadow and no
 * debug stepping. It runs the block's instructions (a block that branches back to its own start
 * loops inside the method until the budget is used up, an event is requested or the block is
 * invalidated), writes back every register and flag it changed, sets {@code cpu.rip} to the next
 * instruction, records which exit it took in {@link BlockExit#exit}, and returns the number of
 * instructions retired, negated when the block ended in PAUSE. A guest fault leaves exactly the
 * interpreter's state (registers, flags and memory as before the faulting instruction, RIP at
 * it), stores the instructions retired before it in {@link BlockExit#faultRetired} and rethrows.
 *
 * <p>Immutable after construction except {@link #valid} (cleared when guest code writes to the
 * block's bytes or the cache drops it) and the chaining slots, which any thread may link.
 */
public abstract class CompiledBlock {
    /** Physical address of the first byte. */
    public final long phys;
    /** Mode key the block was translated under. */
    public final int modeKey;
    /** Guest bytes covered. */
    public final int byteLength;
    /** Guest instructions in one pass through the block. */
    public final int insnCount;
    /** The decoded instructions (their lengths give the offsets; fallbacks load theirs as class constants). */
    protected final Insn[] insns;
    /** Offset of each instruction from the block start, and the block length at the end. */
    protected final int[] offsets;
    /** False once the block must not run again (self-modifying write, eviction). */
    protected volatile boolean valid = true;
    /** Successor reached through exit 0 (branch taken), linked after its first lookup. */
    volatile CompiledBlock taken;
    /** Successor reached through exit 1 (fall-through), linked after its first lookup. */
    volatile CompiledBlock fallthrough;
    /** Successor reached through exit 2 (a Jcc inside the block taken), linked after its first lookup. */
    volatile CompiledBlock side;

    /** The successor linked to exit {@code slot} ({@link BlockExit#TAKEN}, {@code FALLTHROUGH} or {@code SIDE}), or null. */
    final CompiledBlock linked(int slot) {
        return slot == BlockExit.TAKEN ? taken : slot == BlockExit.SIDE ? side : fallthrough;
    }

    /** Links {@code next} to exit {@code slot} ({@link BlockExit#TAKEN}, {@code FALLTHROUGH} or {@code SIDE}). */
    final void link(int slot, CompiledBlock next) {
        if (slot == BlockExit.TAKEN) {
            taken = next;
        } else if (slot == BlockExit.SIDE) {
            side = next;
        } else {
            fallthrough = next;
        }
    }
    /**
     * The block that followed the last indirect exit (a return, a far transfer, an instruction
     * the interpreter ran last: MOV to CR, WRMSR...) and the linear address it was found at.
     * Followed only when the CPU is at that linear address in that block's mode and the address
     * still translates to the block (see {@code JitWorker#chainedSuccessor}).
     */
    volatile IndirectLink indirect;

    /** An indirect exit's last successor: immutable, replaced as a whole. */
    static final class IndirectLink {
        final long linear;
        final CompiledBlock block;

        IndirectLink(long linear, CompiledBlock block) {
            this.linear = linear;
            this.block = block;
        }
    }

    /** Bytes of JVM bytecode generated for this block (statistics). */
    int bytecodeBytes;
    /** The guest bytes the block was translated from (checked when the cache moves to new RAM). */
    final byte[] guestBytes;
    /**
     * The cache epoch in which the block's bytes were last found in RAM and watched; a block of
     * an older epoch is checked again before it runs (see {@code CodeCache#attach}).
     */
    volatile int epoch;

    /** Which block of its class's batch this is (the class dispatches on it). */
    protected final int which;

    /** The block of the first {@code count} instructions of {@code source}, member {@code which} of its batch. */
    protected CompiledBlock(DecodedBlock source, int count, int which) {
        this.which = which;
        this.phys = source.phys;
        this.modeKey = source.modeKey;
        this.insns = java.util.Arrays.copyOf(source.insns, count);
        this.insnCount = count;
        this.offsets = offsetsOf(this.insns);
        this.byteLength = offsets[count];
        this.guestBytes = new byte[byteLength];
    }

    static int[] offsetsOf(Insn[] insns) {
        int[] o = new int[insns.length + 1];
        for (int k = 0; k < insns.length; k++) {
            o[k + 1] = o[k] + insns[k].length;
        }
        return o;
    }

    /** See the class contract. */
    public abstract int execute(Cpu cpu, BlockExit exit, long budget);

    void invalidate() {
        valid = false;
        taken = null;
        fallthrough = null;
        side = null;
        indirect = null;
    }

    /** True if the block's bytes overlap [addr, addr+len). */
    boolean overlaps(long addr, int len) {
        return addr < phys + byteLength && phys < addr + len;
    }
}
