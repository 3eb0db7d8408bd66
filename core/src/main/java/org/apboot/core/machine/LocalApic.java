package org.apboot.core.machine;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.InterruptSource;
import org.apboot.core.cpu.MsrHandler;
import org.apboot.core.fault.CpuException;
import org.apboot.core.mem.MmioBus;

/**
 * The local APICs of a machine, in xAPIC (MMIO at the APIC base) and x2APIC (MSR 0x800-0x8FF)
 * modes: identification, task and processor priority, EOI, the spurious-vector register's
 * software enable, the IRR/ISR/TMR pages, the error status register, logical destinations, and
 * the interrupt command register.
 *
 * <p>ICR writes go to {@link IpiRouter}; the interrupts it requests are taken by the target at
 * an instruction boundary through this class's {@link InterruptSource} side. The timer runs in one-shot and periodic modes ({@link ApicTimer}; TSC-deadline
 * mode is not advertised); the other local vector table entries (LINT, error, thermal,
 * performance) are kept as written and raise nothing.
 */
final class LocalApic implements MsrHandler, MmioBus, InterruptSource {
    static final long DEFAULT_BASE = 0xFEE0_0000L;
    static final long BASE_BSP = 1 << 8;
    static final long BASE_EXTD = 1 << 10;
    static final long BASE_ENABLE = 1 << 11;
    static final int MSR_APIC_BASE = 0x1B;
    static final int X2APIC_FIRST = 0x800, X2APIC_LAST = 0x8FF;
    static final int VERSION = 0x0005_0014; // version 0x14, 6 LVT entries

    // register offsets (xAPIC MMIO offset >> 4 == x2APIC MSR - 0x800)
    static final int REG_ID = 0x2, REG_VERSION = 0x3, REG_TPR = 0x8, REG_PPR = 0xA, REG_EOI = 0xB,
            REG_LDR = 0xD, REG_DFR = 0xE, REG_SVR = 0xF, REG_ISR = 0x10, REG_TMR = 0x18, REG_IRR = 0x20,
            REG_ESR = 0x28, REG_ICR = 0x30, REG_ICR_HIGH = 0x31, REG_LVT_FIRST = 0x32, REG_LVT_LAST = 0x37,
            REG_TIMER_INITIAL = 0x38, REG_TIMER_CURRENT = 0x39, REG_TIMER_DIVIDE = 0x3E, REG_SELF_IPI = 0x3F;
    /** Local vector table: entries (timer, thermal, perf, LINT0, LINT1, error), the timer's, mask bit. */
    static final int LVT_ENTRIES = REG_LVT_LAST - REG_LVT_FIRST + 1, LVT_TIMER = 0, LVT_MASKED = 1 << 16;
    /** Spurious-interrupt vector register: APIC software enable. */
    static final int SVR_ENABLE = 1 << 8;

    private final Machine machine;
    /** Where ICR writes go: destinations, delivery modes, counters. */
    final IpiRouter ipis;

    LocalApic(Machine machine) {
        this.machine = machine;
        this.ipis = new IpiRouter(machine);
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
                ipis.send(v, (int) value, (int) (value >>> 32), true);
            } else if (reg == REG_SELF_IPI) {
                ipis.fixed(v, v, (int) value & 0xFF);
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
            ipis.send(v, (int) value, v.apicIcrHigh >>> 24, false);
        } else if (reg == REG_ICR_HIGH) {
            v.apicIcrHigh = (int) value;
        } else {
            writeReg(v, reg, (int) value);
        }
    }

    // ---------------------------------------------------------------- registers

    private long readReg(Vcpu v, int reg, boolean x2) {
        InterruptRegisters irq = v.irqOrNull();
        if (reg >= REG_ISR && reg < REG_ISR + 8) {
            return irq == null ? 0 : irq.isrWord(reg - REG_ISR) & 0xFFFF_FFFFL;
        }
        if (reg >= REG_IRR && reg < REG_IRR + 8) {
            return irq == null ? 0 : irq.irrWord(reg - REG_IRR) & 0xFFFF_FFFFL;
        }
        if (reg >= REG_TMR && reg < REG_TMR + 8) {
            return 0; // every interrupt here is edge-triggered
        }
        if (reg >= REG_LVT_FIRST && reg <= REG_LVT_LAST) {
            return lvt(v, reg - REG_LVT_FIRST) & 0xFFFF_FFFFL;
        }
        ApicTimer timer = v.timer;
        if (reg == REG_TIMER_INITIAL) {
            return timer == null ? 0 : timer.initial;
        }
        if (reg == REG_TIMER_CURRENT) {
            return timer == null ? 0 : timer.current(ApicTimer.clock(v.cpu), timerMode(v));
        }
        if (reg == REG_TIMER_DIVIDE) {
            return timer == null ? 0 : timer.divideConfig;
        }
        switch (reg) {
            case REG_ID: return x2 ? v.cpu.apicId & 0xFFFF_FFFFL : (long) (v.cpu.apicId & 0xFF) << 24;
            case REG_VERSION: return VERSION;
            case REG_TPR: return tpr(v);
            case REG_PPR: return processorPriority(v);
            case REG_SVR: return v.apicSvr;
            case REG_ESR: return v.apicEsr;
            case REG_LDR: return x2 ? ((v.cpu.apicId >>> 4) << 16) | (1 << (v.cpu.apicId & 0xF)) : v.apicLdr & 0xFFFF_FFFFL;
            case REG_DFR: return x2 ? 0 : v.apicDfr & 0xFFFF_FFFFL;
            default: return 0;
        }
    }

    private void writeReg(Vcpu v, int reg, int value) {
        if (reg >= REG_LVT_FIRST && reg <= REG_LVT_LAST) {
            if (v.lvt == null) {
                v.lvt = new int[LVT_ENTRIES];
                java.util.Arrays.fill(v.lvt, LVT_MASKED);
            }
            v.lvt[reg - REG_LVT_FIRST] = value;
            return;
        }
        if (reg == REG_TIMER_INITIAL || reg == REG_TIMER_DIVIDE) {
            if (v.timer == null) {
                v.timer = new ApicTimer();
            }
            if (reg == REG_TIMER_DIVIDE) {
                v.timer.setDivide(value);
            } else {
                v.timer.load(value, ApicTimer.clock(v.cpu));
            }
            return;
        }
        switch (reg) {
            case REG_TPR:
                v.apicTpr = value & 0xFF;
                v.cpu.cr8 = (value >>> 4) & 0xF;
                recheck(v);
                break;
            case REG_EOI: {
                InterruptRegisters irq = v.irqOrNull();
                if (irq != null) {
                    irq.endOfInterrupt();
                    recheck(v);
                }
                break;
            }
            case REG_SVR: v.apicSvr = value & 0x13FF; break;
            case REG_ESR:
                v.apicEsr = v.takeEsrErrors();
                break;
            case REG_LDR: v.apicLdr = value & 0xFF00_0000; break;
            case REG_DFR: v.apicDfr = value | 0x0FFF_FFFF; break;
            default: break;
        }
    }

    /** TPR; CR8 holds its priority class, so a CR8 write since the last TPR write wins. */
    static int tpr(Vcpu v) {
        int t = v.apicTpr;
        return (t >>> 4) == v.cpu.cr8 ? t : (int) (v.cpu.cr8 << 4);
    }

    /** PPR: the TPR, or the class of the highest vector in service when that is higher. */
    private static int processorPriority(Vcpu v) {
        int tpr = tpr(v);
        InterruptRegisters irq = v.irqOrNull();
        int isrv = irq == null ? -1 : irq.highestInService();
        return isrv >= 0 && (isrv & 0xF0) >= (tpr & 0xF0) ? isrv & 0xF0 : tpr;
    }

    /** Asks the engine to look again when a requested interrupt may have become acceptable. */
    private static void recheck(Vcpu v) {
        InterruptRegisters irq = v.irqOrNull();
        if (irq != null && irq.highestRequested() >= 0) {
            v.cpu.raiseEvents(Cpu.EVENT_INTR);
        }
    }

    private static int lvt(Vcpu v, int entry) {
        return v.lvt == null ? LVT_MASKED : v.lvt[entry];
    }

    private static int timerMode(Vcpu v) {
        return (lvt(v, LVT_TIMER) >>> 17) & 3;
    }

    // ---------------------------------------------------------------- the timer

    /** True when the vCPU's timer is counting toward an unmasked interrupt. */
    static boolean timerArmed(Vcpu v) {
        ApicTimer t = v.timer;
        return t != null && t.running && (lvt(v, LVT_TIMER) & LVT_MASKED) == 0;
    }

    /**
     * On the vCPU's own thread between slots: if its timer's count reached zero, requests the
     * timer's interrupt and reloads (periodic) or stops (one-shot) the timer.
     */
    void pollTimer(Vcpu v) {
        ApicTimer t = v.timer;
        if (t == null || !t.running) {
            return;
        }
        long now = ApicTimer.clock(v.cpu);
        if (now < t.deadline()) {
            return;
        }
        int lvt = lvt(v, LVT_TIMER);
        t.expired(now, (lvt >>> 17) & 3);
        if ((lvt & LVT_MASKED) == 0 && (v.apicSvr & SVR_ENABLE) != 0 && (lvt & 0xFF) >= 16) {
            v.irq().request(lvt & 0xFF);
            v.cpu.raiseEvents(Cpu.EVENT_INTR);
        }
    }

    /**
     * A vCPU halted with its timer armed and interrupts enabled: nothing but the timer can be
     * waited for, so its clock skips to the deadline (no host time passes) and the timer fires.
     */
    void skipToTimer(Vcpu v) {
        if (timerArmed(v) && (v.cpu.sysFlags & Cpu.IF) != 0) {
            long now = ApicTimer.clock(v.cpu);
            long deadline = v.timer.deadline();
            if (deadline > now) {
                v.cpu.idleTicks += deadline - now;
            }
        }
        pollTimer(v);
    }

    // ---------------------------------------------------------------- taking interrupts

    @Override
    public int acknowledge(Cpu cpu) {
        Vcpu v = machine.vcpu(cpu.index);
        InterruptRegisters irq = v.irqOrNull();
        if (irq == null || (v.apicSvr & SVR_ENABLE) == 0) {
            return -1;
        }
        int vector = irq.highestRequested();
        if (vector < 0 || (vector & 0xF0) <= (processorPriority(v) & 0xF0)) {
            return -1; // stays requested until EOI or a TPR write lowers the priority
        }
        irq.accept(vector);
        return vector;
    }

    @Override
    public void handledByHost(Cpu cpu) {
        Vcpu v = machine.vcpu(cpu.index);
        InterruptRegisters irq = v.irqOrNull();
        if (irq != null) {
            // the vector just accepted is the highest in service: EOI ends exactly it
            irq.endOfInterrupt();
            recheck(v);
        }
    }

    @Override
    public boolean takeNmi(Cpu cpu) {
        Vcpu v = machine.vcpu(cpu.index);
        if (!v.nmiPending) {
            return false;
        }
        v.nmiPending = false;
        return true;
    }

    @Override
    public void priorityChanged(Cpu cpu) {
        Vcpu v = machine.vcpu(cpu.index);
        v.apicTpr = (int) (cpu.cr8 << 4);
        recheck(v);
    }
}
