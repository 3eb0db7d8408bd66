package org.apboot.core.semantics.oracle;

import com.sun.jna.Function;
import com.sun.jna.Memory;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

/**
 * Runs single x86-64 instructions on the host CPU: an executable page (libc mmap with
 * PROT_READ|WRITE|EXEC) holds one small stub per instruction form, called through JNA with the
 * address of a register block in RDI (System V ABI).
 *
 * <p>Block layout (bytes): inputs RAX 0, RCX 8, RDX 16, RBX 24, RFLAGS 32; outputs RAX 40,
 * RCX 48, RDX 56, RBX 64, RFLAGS 72; a memory area at {@link #MEM} ({@link #MEM_SIZE} bytes)
 * that memory operands address as [r11 + disp32] (r11 = block).
 *
 * <p>Stub: push rbx; mov r11, rdi; load RAX/RCX/RDX/RBX; push flags; popfq; INSTRUCTION;
 * pushfq; pop flags out; store RAX/RCX/RDX/RBX; pop rbx; ret.
 */
final class NativeX86 {
    static final int IN_RAX = 0, IN_RCX = 8, IN_RDX = 16, IN_RBX = 24, IN_FLAGS = 32;
    static final int OUT_RAX = 40, OUT_RCX = 48, OUT_RDX = 56, OUT_RBX = 64, OUT_FLAGS = 72;
    static final int MEM = 256, MEM_SIZE = 64, BLOCK = 512;

    private static final int PROT_RWX = 7, PROT_RW = 3, MAP_PRIVATE_ANON = 0x02 | 0x20, MAP_FIXED_NOREPLACE = 0x100000;
    private static final long REGION = 1 << 20;

    private final Pointer code;
    private int used;
    final Memory block;

    private NativeX86(Pointer code) {
        this.code = code;
        Memory raw = new Memory(BLOCK + 64);
        this.block = (Memory) raw.align(64);
    }

    /** The host harness, or null with {@code why[0]} set when it cannot work here. */
    static NativeX86 open(String[] why) {
        if (!Platform.isLinux() || !Platform.isIntel() || !Platform.is64Bit()) {
            why[0] = "host is not x86-64 Linux (" + System.getProperty("os.name") + "/" + System.getProperty("os.arch") + ")";
            return null;
        }
        try {
            Function mmap = NativeLibrary.getInstance("c").getFunction("mmap");
            Pointer p = (Pointer) mmap.invoke(Pointer.class,
                    new Object[] {Pointer.NULL, REGION, PROT_RWX, MAP_PRIVATE_ANON, -1, 0L});
            if (p == null || Pointer.nativeValue(p) == -1L) {
                why[0] = "mmap of an executable page failed";
                return null;
            }
            return new NativeX86(p);
        } catch (Throwable t) {
            why[0] = "JNA cannot map an executable page: " + t;
            return null;
        }
    }

    /** A callable stub around the instruction bytes {@code insn}. */
    Function stub(byte[] insn) {
        byte[] pre = {
            0x53,                                   // push rbx
            0x49, (byte) 0x89, (byte) 0xFB,         // mov r11, rdi
            0x49, (byte) 0x8B, 0x43, IN_RAX,        // mov rax, [r11+0]
            0x49, (byte) 0x8B, 0x4B, IN_RCX,        // mov rcx, [r11+8]
            0x49, (byte) 0x8B, 0x53, IN_RDX,        // mov rdx, [r11+16]
            0x49, (byte) 0x8B, 0x5B, IN_RBX,        // mov rbx, [r11+24]
            0x41, (byte) 0xFF, 0x73, IN_FLAGS,      // push qword [r11+32]
            (byte) 0x9D,                            // popfq
        };
        byte[] post = {
            (byte) 0x9C,                            // pushfq
            0x41, (byte) 0x8F, 0x43, OUT_FLAGS,     // pop qword [r11+72]
            0x49, (byte) 0x89, 0x43, OUT_RAX,       // mov [r11+40], rax
            0x49, (byte) 0x89, 0x4B, OUT_RCX,       // mov [r11+48], rcx
            0x49, (byte) 0x89, 0x53, OUT_RDX,       // mov [r11+56], rdx
            0x49, (byte) 0x89, 0x5B, OUT_RBX,       // mov [r11+64], rbx
            0x5B,                                   // pop rbx
            (byte) 0xC3,                            // ret
        };
        int len = pre.length + insn.length + post.length;
        if (used + len > REGION) {
            throw new IllegalStateException("stub region full");
        }
        long at = used;
        code.write(at, pre, 0, pre.length);
        code.write(at + pre.length, insn, 0, insn.length);
        code.write(at + pre.length + insn.length, post, 0, post.length);
        used += (len + 15) & ~15;
        return Function.getFunction(code.share(at));
    }

    /** A callable function made of exactly {@code bytes} (its own prologue and epilogue). */
    Function raw(byte[] bytes) {
        if (used + bytes.length > REGION) {
            throw new IllegalStateException("stub region full");
        }
        long at = used;
        code.write(at, bytes, 0, bytes.length);
        used += (bytes.length + 15) & ~15;
        return Function.getFunction(code.share(at));
    }

    /**
     * Maps {@code size} bytes of read-write memory at exactly one of {@code candidates} (libc mmap
     * with MAP_FIXED_NOREPLACE, so nothing already mapped is touched), or returns null. A kernel
     * that does not know the flag treats the address as a hint: a different address is unmapped
     * and the next candidate tried.
     */
    static Pointer mapFixed(long size, long... candidates) {
        NativeLibrary c = NativeLibrary.getInstance("c");
        Function mmap = c.getFunction("mmap");
        Function munmap = c.getFunction("munmap");
        for (long want : candidates) {
            Pointer p = (Pointer) mmap.invoke(Pointer.class,
                    new Object[] {new Pointer(want), size, PROT_RW, MAP_PRIVATE_ANON | MAP_FIXED_NOREPLACE, -1, 0L});
            long got = p == null ? 0 : Pointer.nativeValue(p);
            if (got == want) {
                return p;
            }
            if (got != 0 && got != -1L) {
                munmap.invoke(Integer.class, new Object[] {p, size});
            }
        }
        return null;
    }

    /** Runs {@code stub} with the inputs; outputs land in {@link #block}. */
    void run(Function stub, long rax, long rcx, long rdx, long rbx, long flags, byte[] mem) {
        block.setLong(IN_RAX, rax);
        block.setLong(IN_RCX, rcx);
        block.setLong(IN_RDX, rdx);
        block.setLong(IN_RBX, rbx);
        block.setLong(IN_FLAGS, flags);
        if (mem != null) {
            block.write(MEM, mem, 0, MEM_SIZE);
        }
        stub.invoke(Void.class, new Object[] {block});
    }

    long out(int offset) {
        return block.getLong(offset);
    }

    byte[] mem() {
        return block.getByteArray(MEM, MEM_SIZE);
    }

    // ---------------------------------------------------------------- a tiny encoder

    /** Register-direct and [r11 + disp32] operand forms; {@code rm < 0} selects memory. */
    static final class Enc {
        private final java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();

        Enc raw(int... bytes) {
            for (int x : bytes) {
                b.write(x);
            }
            return this;
        }

        /**
         * Emits [66] [F3/F2] [REX] opcode modrm [disp32] for operand size {@code size},
         * ModRM.reg {@code reg} (register or /digit), r/m register {@code rm} or memory at
         * block offset {@code memOff} when {@code rm < 0}.
         */
        Enc op(int size, int prefix, int[] opcode, int reg, int rm, int memOff) {
            if (size == 2) {
                b.write(0x66);
            }
            if (prefix != 0) {
                b.write(prefix);
            }
            int rex = 0x40;
            if (size == 8) rex |= 8;
            if (rm < 0) rex |= 1; // r11 base
            if (rex != 0x40) {
                b.write(rex);
            }
            for (int o : opcode) {
                b.write(o);
            }
            if (rm < 0) {
                b.write(0x80 | (reg << 3) | 3);
                b.write(memOff);
                b.write(memOff >>> 8);
                b.write(memOff >>> 16);
                b.write(memOff >>> 24);
            } else {
                b.write(0xC0 | (reg << 3) | rm);
            }
            return this;
        }

        Enc imm(long v, int bytes) {
            for (int k = 0; k < bytes; k++) {
                b.write((int) (v >>> (8 * k)));
            }
            return this;
        }

        byte[] bytes() {
            return b.toByteArray();
        }
    }
}
