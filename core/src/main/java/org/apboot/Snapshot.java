package org.apboot;

import java.util.List;
import org.apboot.core.machine.MachineState;
import org.apboot.core.machine.PlatformIo;
import org.apboot.core.mem.PhysicalMemory;

/**
 * The whole state of an {@link X86Machine} at one moment, taken by {@link X86Machine#snapshot()}
 * and put back by {@link X86Machine#restore(Snapshot)}: every vCPU (registers, flags, segment and
 * descriptor-table caches, control, debug and model-specific registers, pending events, halted,
 * parked or waiting state, interrupt shadow, retired-instruction counters, local APIC with its
 * timer and interrupt registers), the run queue, the contents of low RAM and of every RAM
 * region, and the devices of the minimal PC (8259s, 8254, ports 0x61 and 0x92, the debug
 * console, serial and POST ports with the text captured so far).
 *
 * <p>Not included: ROM (the guest cannot change it), devices the embedder mapped
 * ({@link X86Machine#mapMmio}: their handlers own their state), hooks, and statistics of the
 * engine and the machine (translations made, IPIs counted), which describe work done, not guest
 * state.
 *
 * <p>A snapshot holds a copy of all guest RAM ({@link #ramBytes()}), made once when it is taken;
 * restoring it copies back only what changed since. It belongs to the machine it was taken of
 * and is immutable: it may be restored any number of times.
 */
public final class Snapshot {
    final X86Machine owner;
    final MachineState vcpus;
    final List<PhysicalMemory> stores;
    final long[][] images;
    final int[] ports;
    final PlatformIo.Saved io;
    final long ignoredRomWrites;
    private final long instructions;

    Snapshot(X86Machine owner, MachineState vcpus, List<PhysicalMemory> stores, long[][] images, int[] ports,
             PlatformIo.Saved io, long ignoredRomWrites, long instructions) {
        this.owner = owner;
        this.vcpus = vcpus;
        this.stores = List.copyOf(stores);
        this.images = images;
        this.ports = ports;
        this.io = io;
        this.ignoredRomWrites = ignoredRomWrites;
        this.instructions = instructions;
    }

    /** Guest instructions the machine's vCPUs had retired, in total, when the snapshot was taken. */
    public long instructions() {
        return instructions;
    }

    /** Bytes of guest RAM the snapshot keeps a copy of (low RAM and every RAM region). */
    public long ramBytes() {
        long n = 0;
        for (PhysicalMemory m : stores) {
            n += m.size();
        }
        return n;
    }
}
