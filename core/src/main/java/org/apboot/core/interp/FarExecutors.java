package org.apboot.core.interp;

import java.util.function.BiConsumer;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.decode.Insn;
import org.apboot.core.decode.Op;
import org.apboot.core.fault.CpuException;
import org.apboot.core.fault.Vectors;
import org.apboot.core.semantics.ExceptionDelivery;
import org.apboot.core.semantics.FarTransfers;
import org.apboot.core.semantics.Flags;
import org.apboot.core.semantics.Mem;
import org.apboot.core.semantics.Returns;
import org.apboot.core.semantics.SystemCalls;

/**
 * Executors of far control transfers (JMP/CALL/RET far, IRET), software interrupts (INT n, INT3,
 * INTO, INT1) and the fast system calls.
 */
final class FarExecutors implements ExecutorTable.ExecutorFamily {
    @Override
    public void register(BiConsumer<Op, Executor> t) {
        t.accept(Op.JMP_FAR, (cpu, i) -> {
            long offset = farOffset(cpu, i);
            FarTransfers.jmpFar(cpu, farSelector(cpu, i), offset, i.opSize);
        });
        t.accept(Op.CALL_FAR, (cpu, i) -> {
            long offset = farOffset(cpu, i);
            FarTransfers.callFar(cpu, farSelector(cpu, i), offset, i.opSize);
        });
        t.accept(Op.RET_FAR, (cpu, i) -> FarTransfers.retFar(cpu, i.opSize, (int) i.imm & 0xFFFF));
        t.accept(Op.IRET, (cpu, i) -> Returns.iret(cpu, i.opSize));
        t.accept(Op.INT, (cpu, i) -> ExceptionDelivery.deliverSoftwareInterrupt(cpu, (int) i.imm & 0xFF, cpu.rip));
        t.accept(Op.INT3, (cpu, i) -> ExceptionDelivery.deliverSoftwareInterrupt(cpu, Vectors.BP, cpu.rip,
                ExceptionDelivery.SOFTWARE_EXCEPTION));
        t.accept(Op.INTO, (cpu, i) -> {
            if (Flags.overflow(cpu)) {
                ExceptionDelivery.deliverSoftwareInterrupt(cpu, Vectors.OF, cpu.rip, ExceptionDelivery.SOFTWARE_EXCEPTION);
            }
        });
        t.accept(Op.INT1, (cpu, i) -> ExceptionDelivery.deliverSoftwareInterrupt(cpu, Vectors.DB, cpu.rip,
                ExceptionDelivery.ICEBP));
        t.accept(Op.SYSCALL, (cpu, i) -> SystemCalls.syscall(cpu));
        t.accept(Op.SYSRET, (cpu, i) -> SystemCalls.sysret(cpu, i.opSize));
        t.accept(Op.SYSENTER, (cpu, i) -> SystemCalls.sysenter(cpu));
        t.accept(Op.SYSEXIT, (cpu, i) -> SystemCalls.sysexit(cpu, i.opSize));
    }

    /**
     * The offset of a direct (ptr16:16/32) or memory (m16:16/32/64) far pointer; read before
     * {@link #farSelector} (a fault on the offset comes first).
     */
    static long farOffset(Cpu cpu, Insn i) {
        if (i.src == Insn.K_IMM) {
            return i.imm & (i.opSize == 2 ? 0xFFFF : 0xFFFF_FFFFL);
        }
        if (i.rmReg >= 0) {
            throw CpuException.ud("far transfer through a register operand");
        }
        return Mem.read(cpu, i.seg, Operands.ea(cpu, i), i.opSize);
    }

    /** The selector of the far pointer whose offset {@link #farOffset} read. */
    static int farSelector(Cpu cpu, Insn i) {
        if (i.src == Insn.K_IMM) {
            return (int) i.imm2 & 0xFFFF;
        }
        return Mem.farSelector(cpu, i.seg, Operands.ea(cpu, i), i.opSize);
    }
}
