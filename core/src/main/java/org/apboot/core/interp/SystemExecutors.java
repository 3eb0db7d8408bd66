package org.apboot.core.interp;

import java.util.function.BiConsumer;
import org.apboot.core.cpu.Cpu;
import org.apboot.core.decode.Insn;
import org.apboot.core.decode.Op;
import org.apboot.core.fault.CpuException;
import org.apboot.core.semantics.ControlRegs;
import org.apboot.core.semantics.Cpuid;
import org.apboot.core.semantics.Io;
import org.apboot.core.semantics.Msrs;
import org.apboot.core.semantics.SystemTables;

/**
 * Executors for the system instructions: CPUID, TSC, MSRs, control and debug registers,
 * descriptor-table registers, I/O, cache and TLB maintenance, HLT, UD2 and fences. Each one
 * unpacks the operands the decoder describes and calls the semantics; the semantics check
 * everything before changing state.
 */
public final class SystemExecutors implements ExecutorTable.ExecutorFamily {
    @Override
    public void register(BiConsumer<Op, Executor> t) {
        t.accept(Op.CPUID, (cpu, i) -> {
            noLock(i);
            Cpuid.cpuid(cpu);
        });
        t.accept(Op.RDTSC, (cpu, i) -> {
            noLock(i);
            Cpuid.rdtsc(cpu);
        });
        t.accept(Op.RDTSCP, (cpu, i) -> {
            noLock(i);
            Cpuid.rdtscp(cpu);
        });
        t.accept(Op.RDMSR, SystemExecutors::rdmsr);
        t.accept(Op.WRMSR, SystemExecutors::wrmsr);
        t.accept(Op.SWAPGS, (cpu, i) -> {
            noLock(i);
            Msrs.swapgs(cpu);
        });

        t.accept(Op.MOV_TO_CR, SystemExecutors::movToCr);
        t.accept(Op.MOV_FROM_CR, SystemExecutors::movFromCr);
        t.accept(Op.MOV_TO_DR, SystemExecutors::movToDr);
        t.accept(Op.MOV_FROM_DR, SystemExecutors::movFromDr);
        t.accept(Op.LMSW, (cpu, i) -> {
            noLock(i);
            // the source is read before the privilege check can matter: both fault before any change
            long msw = Operands.read(cpu, i, i.src, 2);
            ControlRegs.lmsw(cpu, msw);
        });
        t.accept(Op.SMSW, SystemExecutors::smsw);
        t.accept(Op.CLTS, (cpu, i) -> {
            noLock(i);
            ControlRegs.clts(cpu);
        });

        t.accept(Op.LGDT, (cpu, i) -> {
            memoryOnly(i, "LGDT");
            SystemTables.lgdt(cpu, i.seg, Operands.ea(cpu, i), i.addrSize, i.opSize);
        });
        t.accept(Op.LIDT, (cpu, i) -> {
            memoryOnly(i, "LIDT");
            SystemTables.lidt(cpu, i.seg, Operands.ea(cpu, i), i.addrSize, i.opSize);
        });
        t.accept(Op.SGDT, (cpu, i) -> {
            memoryOnly(i, "SGDT");
            SystemTables.sgdt(cpu, i.seg, Operands.ea(cpu, i), i.addrSize);
        });
        t.accept(Op.SIDT, (cpu, i) -> {
            memoryOnly(i, "SIDT");
            SystemTables.sidt(cpu, i.seg, Operands.ea(cpu, i), i.addrSize);
        });
        t.accept(Op.INVLPG, (cpu, i) -> {
            memoryOnly(i, "INVLPG");
            SystemTables.invlpg(cpu, i.seg, Operands.ea(cpu, i));
        });
        t.accept(Op.WBINVD, (cpu, i) -> {
            noLock(i);
            SystemTables.wbinvd(cpu);
        });
        t.accept(Op.INVD, (cpu, i) -> {
            noLock(i);
            SystemTables.invd(cpu);
        });
        t.accept(Op.HLT, (cpu, i) -> {
            noLock(i);
            SystemTables.hlt(cpu);
        });
        t.accept(Op.UD2, (cpu, i) -> SystemTables.ud2());
        t.accept(Op.FENCE, SystemExecutors::fence);

        t.accept(Op.IN, SystemExecutors::in);
        t.accept(Op.OUT, SystemExecutors::out);
        t.accept(Op.INS, (cpu, i) -> {
            noLock(i);
            StringExecutors.again(cpu, i, Io.ins(cpu, i.opSize, i.addrSize, i.rep));
        });
        t.accept(Op.OUTS, (cpu, i) -> {
            noLock(i);
            StringExecutors.again(cpu, i, Io.outs(cpu, i.opSize, i.addrSize, i.seg, i.rep));
        });
    }

    private static void noLock(Insn i) {
        if (i.lock) {
            throw CpuException.ud("LOCK prefix on " + i.op.name().toLowerCase(java.util.Locale.ROOT));
        }
    }

    private static void memoryOnly(Insn i, String what) {
        noLock(i);
        if (!i.hasMemoryOperand()) {
            throw CpuException.ud(what + " with a register operand");
        }
    }

    private static void rdmsr(Cpu cpu, Insn i) {
        noLock(i);
        long v = Msrs.rdmsr(cpu, (int) cpu.r[Cpu.RCX]);
        cpu.r[Cpu.RAX] = v & 0xFFFF_FFFFL;
        cpu.r[Cpu.RDX] = v >>> 32;
    }

    private static void wrmsr(Cpu cpu, Insn i) {
        noLock(i);
        long v = (cpu.r[Cpu.RDX] << 32) | (cpu.r[Cpu.RAX] & 0xFFFF_FFFFL);
        Msrs.wrmsr(cpu, (int) cpu.r[Cpu.RCX], v);
    }

    /** Register operand of MOV CR/DR: the decoder puts it in rmReg (dst or src = K_RM). */
    private static int gpr(Insn i) {
        return i.rmReg >= 0 ? i.rmReg : i.base;
    }

    private static int crSize(Cpu cpu) {
        return cpu.codeSize == 64 ? 8 : 4;
    }

    private static void movToCr(Cpu cpu, Insn i) {
        noLock(i);
        ControlRegs.writeCr(cpu, i.reg, cpu.getReg(gpr(i), crSize(cpu)));
    }

    private static void movFromCr(Cpu cpu, Insn i) {
        noLock(i);
        long v = ControlRegs.readCr(cpu, i.reg);
        cpu.setReg(gpr(i), crSize(cpu), v);
    }

    private static void movToDr(Cpu cpu, Insn i) {
        noLock(i);
        ControlRegs.writeDr(cpu, i.reg, cpu.getReg(gpr(i), crSize(cpu)));
    }

    private static void movFromDr(Cpu cpu, Insn i) {
        noLock(i);
        long v = ControlRegs.readDr(cpu, i.reg);
        cpu.setReg(gpr(i), crSize(cpu), v);
    }

    private static void smsw(Cpu cpu, Insn i) {
        noLock(i);
        long v = ControlRegs.smsw(cpu);
        if (i.rmReg >= 0) {
            cpu.setReg(i.rmReg, i.opSize, v);
        } else {
            Operands.write(cpu, i, i.dst, 2, v);
        }
    }

    private static void fence(Cpu cpu, Insn i) {
        noLock(i);
        if (i.rmReg < 0 && i.modrm >= 0 && (i.modrm & 0xC0) != 0xC0) {
            SystemTables.clflush(cpu, i.seg, Operands.ea(cpu, i));
            return;
        }
        SystemTables.fence(i.modrm >= 0 ? (i.modrm >> 3) & 7 : SystemTables.MFENCE);
    }

    private static int port(Cpu cpu, Insn i, byte kind) {
        return kind == Insn.K_DX ? (int) (cpu.r[Cpu.RDX] & 0xFFFF) : (int) (i.imm & 0xFF);
    }

    private static void in(Cpu cpu, Insn i) {
        noLock(i);
        long v = Io.in(cpu, port(cpu, i, i.src), Math.min(i.opSize, 4));
        cpu.setReg(Cpu.RAX, Math.min(i.opSize, 4), v);
    }

    private static void out(Cpu cpu, Insn i) {
        noLock(i);
        int size = Math.min(i.opSize, 4);
        Io.out(cpu, port(cpu, i, i.dst), size, cpu.getReg(Cpu.RAX, size));
    }
}
