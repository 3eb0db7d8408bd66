package org.apboot.core.decode;

/**
 * Packed opcode-table entry: one {@code long} per opcode (or group member).
 *
 * <pre>
 * bits  0- 7  Op ordinal
 * bits  8-11  destination operand (O_*)
 * bits 12-15  source operand (O_*)
 * bits 16-19  second source operand (O_*)
 * bits 20-23  immediate kind (I_*)
 * bits 24-51  flags (F_*)
 * bits 52-63  aux: group id, mnemonic id, segment register, ...
 * </pre>
 */
final class Entry {
    private Entry() {
    }

    // operand codes (table-local; mapped to Insn.K_* by the decoder)
    static final int O_NONE = 0;
    /** ModRM.reg as a general register. */
    static final int O_REG = 1;
    /** ModRM r/m. */
    static final int O_RM = 2;
    static final int O_IMM = 3;
    static final int O_ONE = 4;
    static final int O_CL = 5;
    static final int O_DX = 6;
    /** Accumulator: K_REG with reg 0. */
    static final int O_ACC = 7;
    /** Register in the opcode's low three bits (REX.B extends): K_REG. */
    static final int O_OPREG = 8;
    /** Register in the opcode's low three bits expressed as a register r/m operand (XCHG). */
    static final int O_OPRM = 9;
    /** Direct memory offset (A0-A3): K_RM without base or index. */
    static final int O_MOFFS = 10;

    // immediate kinds
    static final int I_NONE = 0;
    /** imm8 sign-extended. */
    static final int I_B = 1;
    /** imm8 zero-extended. */
    static final int I_BU = 2;
    /** imm16 zero-extended. */
    static final int I_W = 3;
    /** imm16 or imm32 by operand size, sign-extended. */
    static final int I_Z = 4;
    /** imm16/32/64 by operand size. */
    static final int I_V = 5;
    /** rel8. */
    static final int I_JB = 6;
    /** rel16/rel32 by operand size. */
    static final int I_JZ = 7;
    /** moffs by address size (into disp). */
    static final int I_MOFFS = 8;
    /** Far pointer: offset (opSize 2 or 4) then selector. */
    static final int I_PTR = 9;
    /** ENTER: imm16 then imm8. */
    static final int I_ENTER = 10;

    // flags
    static final int F_VALID = 1;
    static final int F_MODRM = 1 << 1;
    /** Byte operand size. */
    static final int F_BYTE = 1 << 2;
    /** Invalid in 64-bit mode. */
    static final int F_I64 = 1 << 3;
    /** Valid only in 64-bit mode. */
    static final int F_O64 = 1 << 4;
    /** Default operand size 64 in 64-bit mode (66 selects 16). */
    static final int F_D64 = 1 << 5;
    /** Operand size forced to 64 in 64-bit mode (near branches). */
    static final int F_F64 = 1 << 6;
    /** aux is a group id: the member is chosen by ModRM. */
    static final int F_GROUP = 1 << 7;
    /** Memory operand required (mod == 3 is invalid). */
    static final int F_MEM = 1 << 8;
    /** Register operand required (mod != 3 is invalid). */
    static final int F_REGONLY = 1 << 9;
    /** ModRM.mod ignored: r/m is always a register (MOV CR/DR). */
    static final int F_MODIGN = 1 << 10;
    /** Source is a byte (MOVZX/MOVSX). */
    static final int F_S8 = 1 << 11;
    /** Source is a word. */
    static final int F_S16 = 1 << 12;
    /** Source is a doubleword (MOVSXD). */
    static final int F_S32 = 1 << 13;
    /** Operand size is always 16 bits. */
    static final int F_OP16 = 1 << 14;
    /** Operand size at most 32 bits (I/O). */
    static final int F_MAX32 = 1 << 15;
    /** Operand size 8 in 64-bit mode, else 4 (control and debug registers). */
    static final int F_CRSZ = 1 << 16;
    /** Descriptor-table operand: 8 in 64-bit mode, else by operand size. */
    static final int F_DTSZ = 1 << 17;
    /** Memory form is 16 bits wide; register form takes the operand size. */
    static final int F_MEM16 = 1 << 18;
    /** ModRM.reg names a segment register (aux unused). */
    static final int F_SREG = 1 << 19;
    /** ModRM.reg is not a general register (CR/DR number). */
    static final int F_SPECREG = 1 << 20;
    /** Condition code is the opcode's low nibble. */
    static final int F_CC = 1 << 21;
    /** aux is a segment register stored in Insn.reg (PUSH/POP sreg) or Insn.sreg (far loads). */
    static final int F_SEGAUX = 1 << 22;
    /** aux is a mnemonic id (UNIMPLEMENTED). */
    static final int F_NAME = 1 << 23;
    /** SSE/MMX entry: a mandatory prefix without its own entry makes the opcode invalid. */
    static final int F_SSE = 1 << 24;

    static long make(Op op, int dst, int src, int src2, int imm, int flags, int aux) {
        return (op.ordinal() & 0xFFL)
                | ((long) (dst & 15) << 8)
                | ((long) (src & 15) << 12)
                | ((long) (src2 & 15) << 16)
                | ((long) (imm & 15) << 20)
                | ((long) ((flags | F_VALID) & 0xFFFFFFF) << 24)
                | ((long) (aux & 0xFFF) << 52);
    }

    static int op(long e) {
        return (int) (e & 0xFF);
    }

    static int dst(long e) {
        return (int) (e >>> 8) & 15;
    }

    static int src(long e) {
        return (int) (e >>> 12) & 15;
    }

    static int src2(long e) {
        return (int) (e >>> 16) & 15;
    }

    static int imm(long e) {
        return (int) (e >>> 20) & 15;
    }

    static int flags(long e) {
        return (int) (e >>> 24) & 0xFFFFFFF;
    }

    static int aux(long e) {
        return (int) (e >>> 52) & 0xFFF;
    }

    /** Replaces the operand/immediate part of {@code e} with that of {@code form}. */
    static long withForm(long e, long form) {
        long mask = 0xFFFF00L;
        return (e & ~mask) | (form & mask);
    }

    static long withFlags(long e, int flags) {
        return e | ((long) (flags & 0xFFFFFFF) << 24);
    }
}
