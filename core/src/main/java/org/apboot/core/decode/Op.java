package org.apboot.core.decode;

/**
 * Operation families the decoder produces and every engine executes.
 *
 * <p>One constant per architectural operation, independent of encoding: {@code ADD} covers all
 * of 00-05, 80/0-83/0; operand size, operand kinds and the condition code live in {@link Insn}.
 * Conditional families ({@link #JCC}, {@link #SETCC}, {@link #CMOVCC}) carry the condition in
 * {@link Insn#cond}; string families carry their REP prefix in {@link Insn#rep}.
 *
 * <p>The flags say what engines and the decoder need to know without a table per consumer:
 * whether LOCK is allowed, and whether the operation ends a translated block.
 */
public enum Op {
    // ---- data movement
    MOV(0), MOVZX(0), MOVSX(0), MOVSXD(0), LEA(0),
    XCHG(Op.LOCKABLE), CMPXCHG(Op.LOCKABLE), CMPXCHG8B(Op.LOCKABLE), XADD(Op.LOCKABLE),
    BSWAP(0), CBW(0), CWD(0), LAHF(0), SAHF(0), XLAT(0),
    // ---- integer ALU; imm operands are already sign- or zero-extended by the decoder
    ADD(Op.LOCKABLE), OR(Op.LOCKABLE), ADC(Op.LOCKABLE), SBB(Op.LOCKABLE),
    AND(Op.LOCKABLE), SUB(Op.LOCKABLE), XOR(Op.LOCKABLE), CMP(0), TEST(0),
    INC(Op.LOCKABLE), DEC(Op.LOCKABLE), NEG(Op.LOCKABLE), NOT(Op.LOCKABLE),
    /** MUL r/m: one-operand unsigned multiply into rDX:rAX. */
    MUL(0),
    /** IMUL r/m: one-operand signed multiply into rDX:rAX. */
    IMUL1(0),
    /** IMUL reg, r/m (dst = reg) or IMUL reg, r/m, imm (src2 = imm). */
    IMUL(0),
    DIV(0), IDIV(0),
    // ---- shifts and rotates: count operand is IMM (imm), ONE, or CL
    ROL(0), ROR(0), RCL(0), RCR(0), SHL(0), SHR(0), SAR(0),
    /** SHLD r/m, reg, imm8|CL. */
    SHLD(0),
    /** SHRD r/m, reg, imm8|CL. */
    SHRD(0),
    // ---- bit operations
    BT(0), BTS(Op.LOCKABLE), BTR(Op.LOCKABLE), BTC(Op.LOCKABLE),
    BSF(0), BSR(0), TZCNT(0), LZCNT(0), POPCNT(0),
    // ---- conditionals (Insn.cond holds the 4-bit condition code)
    SETCC(0), CMOVCC(0),
    // ---- flag control
    CLC(0), STC(0), CMC(0), CLD(0), STD(0), CLI(0), STI(Op.ENDS_BLOCK),
    PUSHF(0), POPF(Op.ENDS_BLOCK),
    // ---- stack
    PUSH(0), POP(0), PUSHA(0), POPA(0), ENTER(0), LEAVE(0),
    /** PUSH sreg: segment register index in Insn.reg. */
    PUSH_SEG(0),
    /** POP sreg: segment register index in Insn.reg. */
    POP_SEG(Op.ENDS_BLOCK),
    // ---- string operations (Insn.rep: 0, REP/REPE, REPNE)
    MOVS(0), STOS(0), LODS(0), CMPS(0), SCAS(0), INS(0), OUTS(0),
    // ---- control transfer
    /** Conditional near jump: target = next RIP + imm. */
    JCC(Op.BRANCH),
    /** Near jump: relative (src IMM: next RIP + imm) or indirect (src RM). */
    JMP(Op.BRANCH),
    /** Far jump: direct ptr16:16/32 (imm = offset, imm2 = selector) or indirect m16:16/32/64. */
    JMP_FAR(Op.BRANCH),
    CALL(Op.BRANCH), CALL_FAR(Op.BRANCH),
    /** Near return; imm = bytes to release (RET imm16), 0 otherwise. */
    RET(Op.BRANCH),
    /** Far return; imm = bytes to release. */
    RET_FAR(Op.BRANCH),
    LOOP(Op.BRANCH), LOOPE(Op.BRANCH), LOOPNE(Op.BRANCH),
    /** JCXZ / JECXZ / JRCXZ by address size. */
    JRCXZ(Op.BRANCH),
    /** INT imm8. */
    INT(Op.BRANCH), INT3(Op.BRANCH), INTO(Op.BRANCH), INT1(Op.BRANCH),
    /** IRET / IRETD / IRETQ by operand size. */
    IRET(Op.BRANCH),
    HLT(Op.BRANCH),
    // ---- system
    CPUID(0), RDTSC(Op.READS_CLOCK), RDTSCP(Op.READS_CLOCK), RDMSR(Op.READS_CLOCK), WRMSR(Op.ENDS_BLOCK),
    /** MOV CRn, reg: control register number in Insn.reg. */
    MOV_TO_CR(Op.ENDS_BLOCK),
    /** MOV reg, CRn: control register number in Insn.reg. */
    MOV_FROM_CR(0),
    MOV_TO_DR(Op.ENDS_BLOCK), MOV_FROM_DR(0),
    LGDT(0), LIDT(0), SGDT(0), SIDT(0), LLDT(0), LTR(0), SLDT(0), STR(0),
    LMSW(Op.ENDS_BLOCK), SMSW(0), CLTS(0),
    /** MOV sreg, r/m16: segment register index in Insn.reg. */
    MOV_TO_SEG(Op.ENDS_BLOCK),
    /** MOV r/m, sreg: segment register index in Insn.reg. */
    MOV_FROM_SEG(0),
    /** LES/LDS/LSS/LFS/LGS: segment register index in Insn.sreg. */
    LOAD_FAR_PTR(Op.ENDS_BLOCK),
    /** IN acc, imm8|DX. */
    IN(0),
    /**
     * OUT imm8|DX, acc. Ends its block: a port write can end the run (an exit or reset port),
     * and the run loop then stops right after it.
     */
    OUT(Op.ENDS_BLOCK),
    INVLPG(Op.ENDS_BLOCK), WBINVD(0), INVD(0), SWAPGS(0), UD2(0),
    NOP(0), PAUSE(0),
    /** LFENCE/SFENCE/MFENCE (0F AE /5 /6 /7, mod=3), CLFLUSH: ordering only. */
    FENCE(0),
    SYSCALL(Op.BRANCH), SYSRET(Op.BRANCH), SYSENTER(Op.BRANCH), SYSEXIT(Op.BRANCH),
    // ---- legacy 16/32-bit only (decoded as INVALID in 64-bit mode)
    DAA(0), DAS(0), AAA(0), AAS(0), AAM(0), AAD(0), SALC(0), BOUND(0), ARPL(0),
    LAR(0), LSL(0), VERR(0), VERW(0),
    // ---- not executable
    /**
     * A recognised instruction apboot does not implement (x87, SSE, AVX...): #UD reported as
     * "unimplemented" by the engines. Insn.text-independent: the disassembler still renders it.
     */
    UNIMPLEMENTED(0),
    /** Bytes that do not form a valid instruction in this mode: #UD. */
    INVALID(0);

    /** LOCK prefix is legal when the destination is memory. */
    public static final int LOCKABLE = 1;
    /** Transfers control: always ends a basic block. */
    public static final int BRANCH = 2;
    /** Changes mode, segment caches or translation state: ends a basic block after it. */
    public static final int ENDS_BLOCK = 4;
    /**
     * Reads the vCPU's clock (TSC, or the APIC timer through an MSR), which counts retired
     * instructions: such an instruction begins a basic block, so the count engines keep per
     * block is exact when it runs, whatever block boundaries an engine adds.
     */
    public static final int READS_CLOCK = 8;

    private final int flags;
    private static final Op[] VALUES = values();

    Op(int flags) {
        this.flags = flags;
    }

    public boolean lockable() {
        return (flags & LOCKABLE) != 0;
    }

    public boolean branch() {
        return (flags & BRANCH) != 0;
    }

    /** True when a basic block must end after this operation. */
    public boolean endsBlock() {
        return (flags & (BRANCH | ENDS_BLOCK)) != 0;
    }

    /** True when this operation reads the vCPU's clock and so begins its own block. */
    public boolean readsClock() {
        return (flags & READS_CLOCK) != 0;
    }

    public static Op of(int ordinal) {
        return VALUES[ordinal];
    }
}
