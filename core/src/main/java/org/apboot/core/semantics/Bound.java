package org.apboot.core.semantics;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.fault.CpuException;
import org.apboot.core.fault.Vectors;

/**
 * BOUND (16- and 32-bit modes only): checks a signed array index against the pair of signed
 * bounds at a memory operand and raises #BR when it lies outside them.
 */
public final class Bound {
    private Bound() {
    }

    /**
     * BOUND r{@code size*8}, m: the lower bound at {@code seg:off}, the upper bound {@code size}
     * bytes after it (one operand: no wrap around the address size, so a pair running past the
     * segment limit faults); {@code index} is the register's value. Both bounds are inclusive and every comparison is signed (SDM BOUND). #BR, a
     * fault, leaves everything as it was; a fault reading a bound comes first.
     */
    public static void check(Cpu cpu, int seg, long off, int size, long index) {
        int shift = 64 - size * 8;
        long lower = Mem.read(cpu, seg, off, size) << shift >> shift;
        long upper = Mem.read(cpu, seg, off + size, size) << shift >> shift;
        long i = index << shift >> shift;
        if (i < lower || i > upper) {
            throw CpuException.of(Vectors.BR, "BOUND range exceeded");
        }
    }
}
