package org.apboot.core.cpu;

/**
 * RFLAGS, kept lazily: the six arithmetic flags are recomputed from the last flag-setting
 * operation only when something reads them. {@code org.apboot.core.semantics.Flags} is the only
 * code that interprets these fields.
 *
 * <p>When {@link #flagOp} is {@code Flags.EAGER}, {@link #flagBits} holds CF/PF/AF/ZF/SF/OF at
 * their RFLAGS positions. Otherwise the flags follow from {@code flagOp} applied to
 * {@link #flagDst} (first operand), {@link #flagSrc} (second operand), {@link #flagRes} (result),
 * {@link #flagSize} (operand bytes) and, for operations that leave some flags unchanged
 * (INC/DEC keep CF), {@link #flagBits}. {@link #sysFlags} holds every other RFLAGS bit (TF, IF,
 * DF, IOPL, NT, RF, VM, AC, VIF, VIP, ID; bit 1 is always set).
 */
public abstract class FlagState {
    public int flagOp;
    public int flagSize = 4;
    public long flagDst, flagSrc, flagRes;
    public long flagBits;
    public long sysFlags = 0x2;
}
