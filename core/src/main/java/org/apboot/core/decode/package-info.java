/**
 * x86 decoder: bytes to {@link org.apboot.core.decode.Insn}, and AT&amp;T rendering.
 *
 * <h2>Operand conventions per {@link org.apboot.core.decode.Op} family</h2>
 * These are the contract between the decoder and both engines.
 * <ul>
 * <li>Binary ALU, MOV, XCHG, CMPXCHG, XADD, TEST: {@code dst}, {@code src} as encoded
 *     ({@code K_REG}, {@code K_RM}, {@code K_IMM}); accumulator forms use {@code K_REG} with reg 0.
 *     Immediates are sign-extended to the operand size (zero-extended where the manual says so).
 * <li>INC, DEC, NEG, NOT, MUL, IMUL1, DIV, IDIV, SETCC (opSize 1): {@code dst} only.
 * <li>IMUL: {@code dst = K_REG}, {@code src = K_RM}, {@code src2 = K_IMM} or {@code K_NONE}
 *     (then the second factor is dst itself).
 * <li>Shifts/rotates: {@code dst = K_RM}, {@code src} = {@code K_ONE}, {@code K_CL} or
 *     {@code K_IMM}. SHLD/SHRD: {@code dst = K_RM}, {@code src = K_REG}, {@code src2} =
 *     {@code K_IMM} or {@code K_CL}.
 * <li>BT/BTS/BTR/BTC: {@code dst = K_RM}, {@code src = K_REG} or {@code K_IMM}.
 * <li>BSF, BSR, TZCNT, LZCNT, POPCNT, MOVZX, MOVSX, MOVSXD, CMOVCC, LEA, BOUND, LAR, LSL,
 *     LOAD_FAR_PTR: {@code dst = K_REG}, {@code src = K_RM}; {@code srcSize} is the source width; {@code sreg} = the segment register written.
 * <li>BSWAP: {@code dst = K_REG}.
 * <li>PUSH: {@code src} = {@code K_REG}, {@code K_RM} or {@code K_IMM}; POP: {@code dst} =
 *     {@code K_REG} or {@code K_RM}. {@code opSize} is the stack operand size (8 in 64-bit mode
 *     unless 66). PUSH_SEG/POP_SEG: {@code reg} = segment register.
 * <li>JCC, JMP/CALL relative, LOOP*, JRCXZ: {@code src = K_IMM}, {@code imm} = signed
 *     displacement; the target is next RIP + imm truncated to {@code opSize}. JMP/CALL indirect:
 *     {@code src = K_RM}. {@code opSize} is the branch operand size.
 * <li>JMP_FAR/CALL_FAR direct: {@code src = K_IMM}, {@code imm} = offset, {@code imm2} =
 *     selector. Indirect: {@code src = K_RM} (memory: offset of opSize, then selector).
 * <li>RET/RET_FAR: {@code imm} = bytes to release ({@code src = K_IMM} when encoded).
 * <li>INT: {@code imm} = vector. AAM/AAD: {@code imm} = base. ENTER: {@code imm} = frame size,
 *     {@code imm2} = nesting level.
 * <li>IN: {@code dst = K_REG} (reg 0), {@code src} = {@code K_IMM} or {@code K_DX}. OUT:
 *     {@code dst} = {@code K_IMM} or {@code K_DX}, {@code src = K_REG} (reg 0).
 * <li>MOV_TO_CR/MOV_TO_DR: {@code reg} = CR/DR number, {@code src = K_RM} (always a register,
 *     {@code rmReg}). MOV_FROM_CR/MOV_FROM_DR: {@code dst = K_RM} (register), {@code reg} =
 *     number. {@code opSize} 8 in 64-bit mode, else 4.
 * <li>MOV_TO_SEG: {@code reg} = segment register, {@code src = K_RM}. MOV_FROM_SEG:
 *     {@code dst = K_RM}, {@code reg} = segment register.
 * <li>LGDT, LIDT, SGDT, SIDT, INVLPG, CMPXCHG8B (opSize 8, or 16 for CMPXCHG16B): memory
 *     operand via {@code K_RM} in {@code src} (loads, INVLPG) or {@code dst} (stores, CMPXCHG8B).
 *     For the descriptor-table instructions {@code opSize} is 8 in 64-bit mode, else 2 or 4.
 * <li>LLDT, LTR, LMSW, VERR, VERW: {@code src = K_RM}. SLDT, STR, SMSW: {@code dst = K_RM}.
 * <li>ARPL: {@code dst = K_RM}, {@code src = K_REG}.
 * <li>String operations: {@code opSize}, {@code addrSize}, {@code seg} (source segment:
 *     override or DS), {@code rep}.
 * <li>XLAT: {@code seg} is the table segment. CBW/CWD: {@code opSize} picks CBW/CWDE/CDQE,
 *     CWD/CDQ/CQO.
 * </ul>
 */
package org.apboot.core.decode;
