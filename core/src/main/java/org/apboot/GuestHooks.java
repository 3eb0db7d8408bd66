package org.apboot;

import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.CpuOverrides;
import org.apboot.core.cpu.InterruptTakeover;
import org.apboot.core.cpu.MemoryHooks;
import org.apboot.core.cpu.MsrHandler;

/**
 * The CPUID, MSR, memory-access and interrupt hooks of an {@link X86Machine}, adapted to what
 * the shared semantics consult ({@link Cpu#overrides}, {@link Cpu#memoryHooks},
 * {@link Cpu#interruptTakeover}); each stays null on every vCPU until the first hook of its
 * kind is installed. Hooks run in the order installed.
 */
final class GuestHooks {
    private record MemoryRange(long first, long end, X86Machine.MemoryHook hook) {
        boolean overlaps(long phys, int size) {
            return phys < end && first < phys + size;
        }
    }

    private final VcpuHandle[] handles;
    private final List<X86Machine.CpuidHook> cpuid = new CopyOnWriteArrayList<>();
    private final List<X86Machine.RdmsrHook> rdmsr = new CopyOnWriteArrayList<>();
    private final List<X86Machine.WrmsrHook> wrmsr = new CopyOnWriteArrayList<>();
    private final List<MemoryRange> reads = new CopyOnWriteArrayList<>();
    private final List<MemoryRange> writes = new CopyOnWriteArrayList<>();
    private final List<X86Machine.InterruptHandler> interrupts = new CopyOnWriteArrayList<>();

    GuestHooks(VcpuHandle[] handles) {
        this.handles = handles;
    }

    void onCpuid(X86Machine.CpuidHook h) {
        cpuid.add(h);
        installOverrides();
    }

    void onRdmsr(X86Machine.RdmsrHook h) {
        rdmsr.add(h);
        installOverrides();
    }

    void onWrmsr(X86Machine.WrmsrHook h) {
        wrmsr.add(h);
        installOverrides();
    }

    void onMemoryRead(long address, long length, X86Machine.MemoryHook h) {
        reads.add(new MemoryRange(address, address + length, h));
        installMemoryHooks();
    }

    void onMemoryWrite(long address, long length, X86Machine.MemoryHook h) {
        writes.add(new MemoryRange(address, address + length, h));
        installMemoryHooks();
    }

    void handleInterrupts(X86Machine.InterruptHandler h) {
        interrupts.add(h);
        InterruptTakeover t = (cpu, vector, kind) -> {
            X86Machine.InterruptKind k = KINDS[kind];
            for (X86Machine.InterruptHandler handler : interrupts) {
                if (handler.handle(handles[cpu.index], vector, k)) {
                    return true;
                }
            }
            return false;
        };
        for (VcpuHandle v : handles) {
            v.cpu().interruptTakeover = t;
        }
    }

    /** {@link InterruptTakeover}'s kinds by their number. */
    private static final X86Machine.InterruptKind[] KINDS = {X86Machine.InterruptKind.EXTERNAL,
        X86Machine.InterruptKind.NMI, X86Machine.InterruptKind.SOFTWARE};

    /**
     * Removes {@code hook} wherever it is installed here; a kind left without hooks is taken
     * out of the vCPUs again, so it costs nothing any more. False when it was not installed.
     */
    boolean remove(Object hook) {
        boolean found = cpuid.remove(hook) | rdmsr.remove(hook) | wrmsr.remove(hook) | interrupts.remove(hook)
                | reads.removeIf(r -> r.hook == hook) | writes.removeIf(r -> r.hook == hook);
        for (VcpuHandle v : handles) {
            if (cpuid.isEmpty() && rdmsr.isEmpty() && wrmsr.isEmpty()) {
                v.cpu().overrides = null;
            }
            if (!watchesMemory()) {
                v.cpu().memoryHooks = null;
            }
            if (interrupts.isEmpty()) {
                v.cpu().interruptTakeover = null;
            }
        }
        return found;
    }

    /** True while a memory hook is installed (the machine then runs its vCPUs interpreted). */
    boolean watchesMemory() {
        return !reads.isEmpty() || !writes.isEmpty();
    }

    private void installOverrides() {
        CpuOverrides o = new CpuOverrides() {
            @Override
            public void cpuid(Cpu cpu, int leaf, int subleaf, int[] regs) {
                for (X86Machine.CpuidHook h : cpuid) {
                    h.cpuid(handles[cpu.index], leaf, subleaf, regs);
                }
            }

            @Override
            public long rdmsr(Cpu cpu, int msr) {
                for (X86Machine.RdmsrHook h : rdmsr) {
                    OptionalLong v = h.rdmsr(handles[cpu.index], msr);
                    if (v.isPresent()) {
                        return v.getAsLong();
                    }
                }
                return MsrHandler.UNKNOWN;
            }

            @Override
            public boolean wrmsr(Cpu cpu, int msr, long value) {
                for (X86Machine.WrmsrHook h : wrmsr) {
                    if (h.wrmsr(handles[cpu.index], msr, value)) {
                        return true;
                    }
                }
                return false;
            }
        };
        for (VcpuHandle v : handles) {
            v.cpu().overrides = o;
        }
    }

    private void installMemoryHooks() {
        MemoryHooks hooks = new MemoryHooks() {
            @Override
            public void read(Cpu cpu, long phys, int size, long value) {
                report(reads, cpu, phys, size, value);
            }

            @Override
            public void write(Cpu cpu, long phys, int size, long value) {
                report(writes, cpu, phys, size, value);
            }
        };
        for (VcpuHandle v : handles) {
            v.cpu().memoryHooks = hooks;
        }
    }

    private void report(List<MemoryRange> ranges, Cpu cpu, long phys, int size, long value) {
        for (MemoryRange r : ranges) {
            if (r.overlaps(phys, size)) {
                r.hook.access(handles[cpu.index], phys, size, value);
            }
        }
    }
}
