package org.apboot.core.interp;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.decode.Insn;

/**
 * Executes one decoded instruction of one operation family by calling the shared semantics.
 *
 * <p>Contract: on entry {@code cpu.rip} already holds the address of the NEXT instruction
 * (truncated to the code size), so relative branches and RIP-relative operands use it directly;
 * an executor that transfers control overwrites it. An executor that faults throws
 * {@link org.apboot.core.fault.CpuException} before changing any architectural state the
 * instruction would change (registers, flags, memory) — or after changing only state the fault
 * itself makes architecturally visible — and the interpreter restores RIP to the faulting
 * instruction. Software interrupts (INT n, INT3, INTO) deliver themselves with the next RIP as
 * the return address rather than throwing.
 */
@FunctionalInterface
public interface Executor {
    void execute(Cpu cpu, Insn insn);
}
