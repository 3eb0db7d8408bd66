package org.apboot.core.decode;

/**
 * One decoded instruction: the compact record the decoder fills and both engines consume.
 *
 * <p>Fields are public and mutable so a decoder can fill a caller-owned instance without
 * allocating; the engines cache one instance per decoded guest instruction and never mutate it
 * after decoding.
 *
 * <h2>Registers</h2>
 * General registers are numbered 0-15 (RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8-R15) and
 * accessed at {@link #opSize}. For byte operands without a REX prefix, encodings 4-7 mean AH, CH,
 * DH, BH: the decoder stores those as {@link #AH}..{@link #BH} (16-19, high byte of register
 * {@code n - 16}). Segment registers use {@link #ES}..{@link #GS}.
 *
 * <h2>Operands</h2>
 * {@link #dst}, {@link #src} and {@link #src2} hold operand kinds ({@code K_*}). {@link #K_REG}
 * names {@link #reg}; {@link #K_RM} names {@link #rmReg} when it is {@code >= 0}, otherwise the
 * memory operand {@code seg:[base + index << scale + disp]} (or {@code [next RIP + disp]} when
 * {@link #ripRel}), truncated to {@link #addrSize}. Direct memory offsets (A0-A3) are memory
 * operands with no base and no index.
 */
public final class Insn {
    // operand kinds
    public static final byte K_NONE = 0;
    /** General register {@link #reg} at the operand size. */
    public static final byte K_REG = 1;
    /** ModRM r/m: register {@link #rmReg} or the memory operand. */
    public static final byte K_RM = 2;
    /** Immediate {@link #imm}. */
    public static final byte K_IMM = 3;
    /** The constant 1 (shift/rotate by one). */
    public static final byte K_ONE = 4;
    /** CL (shift/rotate count). */
    public static final byte K_CL = 5;
    /** DX (I/O port). */
    public static final byte K_DX = 6;

    // byte registers reachable only without REX
    public static final int AH = 16, CH = 17, DH = 18, BH = 19;
    // segment registers
    public static final int ES = 0, CS = 1, SS = 2, DS = 3, FS = 4, GS = 5;
    // rep prefixes
    public static final int REP_NONE = 0, REP = 1, REPNE = 2;

    /** The operation family. */
    public Op op = Op.INVALID;
    /** Encoded length in bytes (1..15). */
    public int length;
    /** Decoding mode: 16, 32 or 64 (default operand size of CS, or long mode). */
    public int mode;
    /** Operand size in bytes: 1, 2, 4 or 8 (mode defaults and 66/REX.W already applied). */
    public int opSize;
    /** Size in bytes of a narrower source (MOVZX/MOVSX/MOVSXD: 1, 2, 4), else equal to opSize. */
    public int srcSize;
    /** Address size in bytes: 2, 4 or 8. */
    public int addrSize;

    public byte dst, src, src2;
    /** ModRM.reg (with REX.R), or the register encoded in the opcode, or a CR/DR/sreg number. */
    public int reg = -1;
    /** Register named by ModRM.rm when mod == 3 (with REX.B), else -1 (memory operand). */
    public int rmReg = -1;

    // memory operand
    /** Base register or -1. */
    public int base = -1;
    /** Index register or -1. */
    public int index = -1;
    /** Scale as a shift count 0..3. */
    public int scale;
    /** Displacement, sign-extended. */
    public long disp;
    /** RIP-relative: the address is next RIP + disp. */
    public boolean ripRel;
    /** Effective segment of the memory operand (override or default, SS for rBP/rSP bases). */
    public int seg = DS;
    /** Segment override prefix as encoded, or -1. */
    public int segOverride = -1;

    /** First immediate, sign- or zero-extended as the instruction defines. Far pointers: offset. */
    public long imm;
    /** Second immediate: far pointer selector, ENTER nesting level. */
    public int imm2;

    /** Condition code 0-15 (JCC, SETCC, CMOVCC); 0 for every other instruction. */
    public int cond;
    /** Segment register a far pointer load (LES, LDS, LSS, LFS, LGS) writes; 0 otherwise. */
    public int sreg;
    /** LOCK prefix present. */
    public boolean lock;
    /** REP_NONE, REP (F3) or REPNE (F2), as encoded (strings use it; others may ignore it). */
    public int rep;
    /** A REX prefix was present (affects byte-register naming and rendering). */
    public boolean rex;
    /** Operand-size prefix 66 present (rendering). */
    public boolean opSizePrefix;
    /** Address-size prefix 67 present (rendering). */
    public boolean addrSizePrefix;
    /** Mnemonic for {@link Op#UNIMPLEMENTED}; null otherwise. */
    public String unimplementedName;
    /**
     * How the disassembler shows the operands of an {@link Op#UNIMPLEMENTED} instruction (a
     * table constant, see {@code UnimplementedSyntax}); null when it has none or renders another
     * way (x87).
     */
    public String operandForm;
    /**
     * VEX prefix fields of a VEX-encoded instruction: 0x100 | W << 5 | L << 4 | vvvv (register
     * number, already inverted; bits 0-2 only outside 64-bit mode), or 0 without VEX.
     */
    public int vex;
    /**
     * Opcode as encoded: map in bits 8-9 (0 one-byte, 1 0F, 2 0F 38, 3 0F 3A), opcode byte in
     * bits 0-7 (rendering of aliases and diagnostics).
     */
    public int opcode;
    /** The ModRM byte, or -1 when the instruction has none. */
    public int modrm = -1;
    /** The SIB byte, or -1 when the instruction has none. */
    public int sib = -1;

    /** True when the r/m operand is memory. */
    public boolean hasMemoryOperand() {
        return (dst == K_RM || src == K_RM || src2 == K_RM) && rmReg < 0;
    }

    /**
     * True when a basic block must end after this instruction ({@link Op#endsBlock}). A load of
     * DS, ES, FS or GS (MOV or POP) is the exception: it changes none of the state a block is
     * keyed or translated under (the mode key reads CS and SS only, and both engines read data
     * segment bases and limits when an access runs), so the block goes on after it.
     */
    public boolean endsBlock() {
        if ((op == Op.MOV_TO_SEG || op == Op.POP_SEG) && (reg == ES || reg == DS || reg == FS || reg == GS)) {
            return false;
        }
        return op.endsBlock();
    }

    /** Resets every field to its initial value so the instance can be decoded into again. */
    public Insn clear() {
        op = Op.INVALID;
        length = 0;
        mode = 0;
        opSize = 0;
        srcSize = 0;
        addrSize = 0;
        dst = src = src2 = K_NONE;
        reg = -1;
        rmReg = -1;
        base = -1;
        index = -1;
        scale = 0;
        disp = 0;
        ripRel = false;
        seg = DS;
        segOverride = -1;
        imm = 0;
        imm2 = 0;
        cond = 0;
        sreg = 0;
        lock = false;
        rep = REP_NONE;
        rex = false;
        opSizePrefix = false;
        addrSizePrefix = false;
        unimplementedName = null;
        operandForm = null;
        vex = 0;
        opcode = 0;
        modrm = -1;
        sib = -1;
        return this;
    }

    /** Copies every field of {@code o} into this instance. */
    public Insn copyFrom(Insn o) {
        op = o.op;
        length = o.length;
        mode = o.mode;
        opSize = o.opSize;
        srcSize = o.srcSize;
        addrSize = o.addrSize;
        dst = o.dst;
        src = o.src;
        src2 = o.src2;
        reg = o.reg;
        rmReg = o.rmReg;
        base = o.base;
        index = o.index;
        scale = o.scale;
        disp = o.disp;
        ripRel = o.ripRel;
        seg = o.seg;
        segOverride = o.segOverride;
        imm = o.imm;
        imm2 = o.imm2;
        cond = o.cond;
        sreg = o.sreg;
        lock = o.lock;
        rep = o.rep;
        rex = o.rex;
        opSizePrefix = o.opSizePrefix;
        addrSizePrefix = o.addrSizePrefix;
        unimplementedName = o.unimplementedName;
        operandForm = o.operandForm;
        vex = o.vex;
        opcode = o.opcode;
        modrm = o.modrm;
        sib = o.sib;
        return this;
    }
}
