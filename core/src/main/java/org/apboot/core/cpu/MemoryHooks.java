package org.apboot.core.cpu;

/**
 * An embedder watching guest data accesses, installed in {@link Cpu#memoryHooks}: the shared
 * semantics call it for every read (after it, with the value read) and write (before it, with
 * the value to store) an instruction makes, by physical address; a locked compare-and-exchange
 * reports its write only when it stores. Page walks and instruction fetches are not reported.
 * While it is null the semantics skip it.
 */
public interface MemoryHooks {
    void read(Cpu cpu, long phys, int size, long value);

    void write(Cpu cpu, long phys, int size, long value);
}
