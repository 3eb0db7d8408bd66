package org.apboot.core.machine;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.MsrHandler;
import org.apboot.core.fault.CpuException;
import org.apboot.core.mem.MmioBus;

/**
 * The local APICs of a machine, in xAPIC (MMIO at the APIC base) and x2APIC (MSR 0x800-0x8FF)
 * modes: identification, spurious-vector and task-priority registers, EOI, and the interrupt
 * command register, whose INIT and STARTUP IPIs go to {@link Machine#deliverIpi}.
 *
 * <p>Fixed-vector IPIs are accepted and counted but not delivered: nothing in the bring-up
 * workload takes interrupts with IF set.
 */
final class LocalApic implements MsrHandler, MmioBus {
    static final long DEFAULT_BASE = 0xFEE0_0000L;
    static final long BASE_BSP = 1 << 8;
    static final long BASE_EXTD = 1 << 10;
    static final long BASE_ENABLE = 1 << 11;
    static final int MSR_APIC_BASE = 0x1B;
    static final int X2APIC_FIRST = 0x800, X2APIC_LAST = 0x8FF;
    static final int VERSION = 0x0005_0014; // version 0x14, 6 LVT entries

    // register offsets (xAPIC MMIO offset >> 4 == x2APIC MSR - 0x800)
    private static final int REG_ID = 0x2, REG_VERSION = 0x3, REG_TPR = 0x8, REG_EOI = 0xB,
            REG_LDR = 0xD, REG_SVR = 0xF, REG_ICR = 0x30, REG_ICR_HIGH = 0x31, REG_SELF_IPI = 0x3F;

    // ICR fields
    static final int DM_FIXED = 0, DM_INIT = 5, DM_STARTUP = 6;

    private final Machine machine;
    /** Fixed IPIs sent (accepted, not delivered). */
    final java.util.concurrent.atomic.LongAdder fixedIpis = new java.util.concurrent.atomic.LongAdder();

    LocalApic(Machine machine) {
        this.machine = machine;
    }

    // ---------------------------------------------------------------- MSRs

    @Override
    public long read(Cpu cpu, int msr) {
        Vcpu v = machine.vcpu(cpu.index);
        if (msr == MSR_APIC_BASE) {
            return v.apicBase;
        }
        if (msr >= X2APIC_FIRST && msr <= X2APIC_LAST) {
            if (!v.x2apic()) {
                throw CpuException.gp(0, String.format("x2APIC MSR 0x%x read while the APIC is not in x2APIC mode", msr));
            }
            int reg = msr - X2APIC_FIRST;
            if (reg == REG_ICR) {
                return 0; // delivery is instantaneous: never pending
            }
            if (reg == REG_EOI || reg == REG_SELF_IPI) {
                throw CpuException.gp(0, String.format("x2APIC MSR 0x%x is write-only", msr));
            }
            return readReg(v, reg, true);
        }
        return UNKNOWN;
    }

    @Override
    public boolean write(Cpu cpu, int msr, long value) {
        Vcpu v = machine.vcpu(cpu.index);
        if (msr == MSR_APIC_BASE) {
            long writable = 0xF_FFFF_F000L | BASE_ENABLE | BASE_EXTD;
            if ((value & ~(writable | BASE_BSP)) != 0) {
                throw CpuException.gp(0, "reserved bits set in IA32_APIC_BASE");
            }
            if ((value & BASE_EXTD) != 0 && (value & BASE_ENABLE) == 0) {
                throw CpuException.gp(0, "x2APIC mode without the APIC enabled");
            }
            v.apicBase = (v.apicBase & BASE_BSP) | (value & writable);
            return true;
        }
        if (msr >= X2APIC_FIRST && msr <= X2APIC_LAST) {
            if (!v.x2apic()) {
                throw CpuException.gp(0, String.format("x2APIC MSR 0x%x written while the APIC is not in x2APIC mode", msr));
            }
            int reg = msr - X2APIC_FIRST;
            if (reg == REG_ICR) {
                sendIpi(v, (int) value, (int) (value >>> 32), true);
            } else if (reg == REG_SELF_IPI) {
                fixedIpis.increment();
            } else {
                writeReg(v, reg, (int) value);
            }
            return true;
        }
        return false;
    }

    // ---------------------------------------------------------------- xAPIC MMIO

    @Override
    public boolean claims(int cpuIndex, long phys) {
        Vcpu v = machine.vcpu(cpuIndex);
        long base = v.apicBase & 0xF_FFFF_F000L;
        return (v.apicBase & BASE_ENABLE) != 0 && !v.x2apic() && phys >= base && phys < base + 0x1000;
    }

    @Override
    public long read(int cpuIndex, long phys, int size) {
        Vcpu v = machine.vcpu(cpuIndex);
        if (!claims(cpuIndex, phys)) {
            return size == 8 ? -1L : (1L << (size * 8)) - 1;
        }
        int reg = (int) ((phys & 0xFFF) >>> 4);
        if (reg == REG_ICR) {
            return 0;
        }
        if (reg == REG_ICR_HIGH) {
            return v.apicIcrHigh & 0xFFFF_FFFFL;
        }
        return readReg(v, reg, false) & 0xFFFF_FFFFL;
    }

    @Override
    public void write(int cpuIndex, long phys, int size, long value) {
        Vcpu v = machine.vcpu(cpuIndex);
        if (!claims(cpuIndex, phys)) {
            return;
        }
        int reg = (int) ((phys & 0xFFF) >>> 4);
        if (reg == REG_ICR) {
            sendIpi(v, (int) value, v.apicIcrHigh >>> 24, false);
        } else if (reg == REG_ICR_HIGH) {
            v.apicIcrHigh = (int) value;
        } else {
            writeReg(v, reg, (int) value);
        }
    }

    // ---------------------------------------------------------------- registers

    private long readReg(Vcpu v, int reg, boolean x2) {
        switch (reg) {
            case REG_ID: return x2 ? v.cpu.apicId & 0xFFFF_FFFFL : (long) (v.cpu.apicId & 0xFF) << 24;
            case REG_VERSION: return VERSION;
            case REG_TPR: return v.apicTpr;
            case REG_SVR: return v.apicSvr;
            case REG_LDR: return x2 ? ((v.cpu.apicId >>> 4) << 16) | (1 << (v.cpu.apicId & 0xF)) : 0;
            default: return 0;
        }
    }

    private void writeReg(Vcpu v, int reg, int value) {
        switch (reg) {
            case REG_TPR: v.apicTpr = value & 0xFF; break;
            case REG_SVR: v.apicSvr = value & 0x13FF; break;
            default: break; // EOI and the local vector table: accepted, no interrupt sources
        }
    }

    /**
     * Decodes an ICR write (low dword, destination) and sends the IPI: INIT and STARTUP go to the
     * machine, which applies them to the targets; fixed IPIs are counted.
     */
    private void sendIpi(Vcpu from, int low, int dest, boolean x2) {
        int vector = low & 0xFF;
        int mode = (low >>> 8) & 7;
        boolean assertLevel = (low & (1 << 14)) != 0;
        boolean levelTriggered = (low & (1 << 15)) != 0;
        int shorthand = (low >>> 18) & 3;
        if (mode == DM_INIT && !assertLevel && levelTriggered) {
            return; // INIT level de-assert: no effect on modern processors
        }
        if (mode != DM_INIT && mode != DM_STARTUP) {
            fixedIpis.increment();
            return;
        }
        int target = x2 ? dest : (dest & 0xFF);
        machine.deliverIpi(from, shorthand, target, mode == DM_INIT, vector);
    }
}
