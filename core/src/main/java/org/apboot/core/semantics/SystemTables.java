package org.apboot.core.semantics;

import java.lang.invoke.VarHandle;
import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.Mmu;
import org.apboot.core.decode.Insn;
import org.apboot.core.fault.CpuException;

/**
 * LGDT, LIDT, SGDT, SIDT, INVLPG, WBINVD, INVD, HLT, UD2 and the fences.
 *
 * <h2>Descriptor-table pseudo-descriptors</h2>
 * The memory operand is a 16-bit limit followed by the base:
 * <ul>
 * <li>operand size 16: 6 bytes are read, the base is the low 24 bits of the 32-bit field (the
 *     upper byte is zeroed, SDM vol. 2 LGDT/LIDT);
 * <li>operand size 32: 6 bytes, 32-bit base;
 * <li>64-bit mode: the operand size is always 64 and 10 bytes are read, a 64-bit base. A 64-bit
 *     LIDT pointed at a 6-byte descriptor therefore takes the 4 bytes after it as base bits
 *     63:32, exactly. A base that is not canonical raises #GP(0), as KVM (our system-level
 *     oracle) does; a canonical garbage base loads silently, and a later fault vectors through
 *     it instead of shutting down.
 * </ul>
 * SGDT/SIDT store 6 bytes with the full 32-bit base for both 16- and 32-bit operand sizes (what
 * processors since the Pentium do), 10 bytes in 64-bit mode. Stores are checked for both ends
 * before anything is written.
 */
public final class SystemTables {
    private SystemTables() {
    }

    private static long wrap(long off, int addrSize) {
        return addrSize == 8 ? off : addrSize == 4 ? off & 0xFFFF_FFFFL : off & 0xFFFF;
    }

    /** The limit of a pseudo-descriptor (its first two bytes). */
    public static int descriptorLimit(Cpu cpu, int seg, long offset) {
        return (int) Mem.read(cpu, seg, offset, 2);
    }

    /**
     * The base of a pseudo-descriptor: 8 bytes in 64-bit mode, else 4 (24 bits with a 16-bit
     * operand). Read after the limit, as the processor does.
     */
    public static long descriptorBase(Cpu cpu, int seg, long offset, int addrSize, int opSize) {
        long at = wrap(offset + 2, addrSize);
        if (cpu.codeSize == 64) {
            return Mem.read(cpu, seg, at, 8);
        }
        long base = Mem.read(cpu, seg, at, 4);
        return opSize == 2 ? base & 0x00FF_FFFFL : base;
    }

    /** LGDT m16&amp;32 / m16&amp;64. */
    public static void lgdt(Cpu cpu, int seg, long offset, int addrSize, int opSize) {
        ControlRegs.requireCpl0(cpu, "LGDT");
        int limit = descriptorLimit(cpu, seg, offset);
        long base = descriptorBase(cpu, seg, offset, addrSize, opSize);
        requireCanonicalBase(cpu, base, "LGDT");
        cpu.gdtrLimit = limit;
        cpu.gdtrBase = base;
    }

    /** LIDT m16&amp;32 / m16&amp;64. */
    public static void lidt(Cpu cpu, int seg, long offset, int addrSize, int opSize) {
        ControlRegs.requireCpl0(cpu, "LIDT");
        int limit = descriptorLimit(cpu, seg, offset);
        long base = descriptorBase(cpu, seg, offset, addrSize, opSize);
        requireCanonicalBase(cpu, base, "LIDT");
        cpu.idtrLimit = limit;
        cpu.idtrBase = base;
    }

    private static void requireCanonicalBase(Cpu cpu, long base, String what) {
        if (cpu.codeSize == 64 && !Msrs.canonical(base, (cpu.cr4 & Cpu.CR4_LA57) != 0 ? 57 : 48)) {
            throw CpuException.gp(0, String.format("%s base 0x%x is not canonical", what, base));
        }
    }

    /** SGDT. */
    public static void sgdt(Cpu cpu, int seg, long offset, int addrSize) {
        ControlRegs.checkUmip(cpu, "SGDT");
        storeDescriptor(cpu, seg, offset, addrSize, cpu.gdtrLimit, cpu.gdtrBase);
    }

    /** SIDT. */
    public static void sidt(Cpu cpu, int seg, long offset, int addrSize) {
        ControlRegs.checkUmip(cpu, "SIDT");
        storeDescriptor(cpu, seg, offset, addrSize, cpu.idtrLimit, cpu.idtrBase);
    }

    private static void storeDescriptor(Cpu cpu, int seg, long offset, int addrSize, int limit, long base) {
        int baseSize = cpu.codeSize == 64 ? 8 : 4;
        // check both ends (segment and paging) before the first byte is written
        long at = wrap(offset + 2, addrSize);
        long lin = Mem.linear(cpu, seg, offset, 2, true);
        long linBase = Mem.linear(cpu, seg, at, baseSize, true);
        boolean user = cpu.cpl == 3;
        cpu.mmu.translate(lin, Mmu.WRITE, user);
        cpu.mmu.translate(linBase + baseSize - 1, Mmu.WRITE, user);
        Mem.writeLinear(cpu, lin, 2, limit & 0xFFFF, user);
        Mem.writeLinear(cpu, linBase, baseSize, baseSize == 4 ? base & 0xFFFF_FFFFL : base, user);
    }

    /**
     * INVLPG: drops the translation of the page holding {@code seg:offset}. No limit check; a
     * non-canonical address in 64-bit mode makes it a no-op (SDM vol. 2 INVLPG).
     */
    public static void invlpg(Cpu cpu, int seg, long offset) {
        ControlRegs.requireCpl0(cpu, "INVLPG");
        long lin;
        if (cpu.codeSize == 64) {
            lin = seg >= Insn.FS ? cpu.seg[seg].base + offset : offset;
            if (!Msrs.canonical(lin, (cpu.cr4 & Cpu.CR4_LA57) != 0 ? 57 : 48)) {
                return;
            }
        } else {
            lin = (cpu.seg[seg].base + offset) & 0xFFFF_FFFFL;
        }
        cpu.mmu.invalidate(lin);
    }

    /** WBINVD: CPL 0 only; caches are coherent here, nothing to write back. */
    public static void wbinvd(Cpu cpu) {
        ControlRegs.requireCpl0(cpu, "WBINVD");
    }

    /** INVD: CPL 0 only; no caches to drop. */
    public static void invd(Cpu cpu) {
        ControlRegs.requireCpl0(cpu, "INVD");
    }

    /** HLT: CPL 0 only; stops the vCPU until an interrupt ({@link Cpu#halted}). */
    public static void hlt(Cpu cpu) {
        ControlRegs.requireCpl0(cpu, "HLT");
        cpu.halted = true;
    }

    /** UD2: always #UD. */
    public static void ud2() {
        throw CpuException.ud("UD2");
    }

    public static final int LFENCE = 5, MFENCE = 6, SFENCE = 7;

    /**
     * LFENCE/MFENCE/SFENCE ({@code kind} = ModRM.reg of 0F AE). Plain guest accesses are already
     * TSO (acquire loads, release stores); MFENCE also orders stores before later loads, which
     * needs a full fence.
     */
    public static void fence(int kind) {
        switch (kind) {
            case LFENCE: VarHandle.acquireFence(); break;
            case SFENCE: VarHandle.releaseFence(); break;
            default: VarHandle.fullFence(); break;
        }
    }

    /** CLFLUSH/CLFLUSHOPT: checks the byte is readable (faults as a load would), then a full fence. */
    public static void clflush(Cpu cpu, int seg, long offset) {
        long lin = Mem.linear(cpu, seg, offset, 1, false);
        cpu.mmu.translate(lin, Mmu.READ, cpu.cpl == 3);
        VarHandle.fullFence();
    }
}
