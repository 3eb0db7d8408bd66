package org.apboot.core.semantics.system;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;

/**
 * One KVM virtual machine with one vCPU and one slot of guest memory at physical 0, driven
 * through {@code /dev/kvm} ioctls over JNA, for the KVM oracle tests. The vCPU gets the CPUID KVM
 * supports (it gates EFER.LME/NXE and CR4 bits).
 */
final class KvmVm implements AutoCloseable {
    // ioctl numbers (linux/kvm.h)
    static final long KVM_GET_API_VERSION = 0xAE00, KVM_CREATE_VM = 0xAE01,
            KVM_GET_VCPU_MMAP_SIZE = 0xAE04, KVM_GET_SUPPORTED_CPUID = 0xC008AE05L,
            KVM_SET_USER_MEMORY_REGION = 0x4020AE46L, KVM_SET_TSS_ADDR = 0xAE47,
            KVM_CREATE_VCPU = 0xAE41, KVM_RUN = 0xAE80, KVM_GET_REGS = 0x8090AE81L,
            KVM_SET_REGS = 0x4090AE82L, KVM_GET_SREGS = 0x8138AE83L, KVM_SET_SREGS = 0x4138AE84L,
            KVM_SET_CPUID2 = 0x4008AE90L;
    static final int KVM_EXIT_IO = 2, KVM_EXIT_HLT = 5;
    /** sizeof(struct kvm_sregs), sizeof(struct kvm_regs). */
    static final int SREGS_SIZE = 312, REGS_SIZE = 144;
    /** kvm_regs: RAX RBX RCX RDX RSI RDI RSP RBP R8..R15 RIP RFLAGS, 8 bytes each. */
    static final int REG_RAX = 0, REG_RBX = 8, REG_RCX = 16, REG_RDX = 24, REG_RSI = 32, REG_RDI = 40,
            REG_RSP = 48, REG_RBP = 56, REG_RIP = 128, REG_RFLAGS = 136;
    /** kvm_sregs: cs, ds, es, fs, gs, ss, tr, ldt (24 bytes each), gdt, idt (16), cr0, cr2, cr3, cr4, cr8, efer. */
    static final int SREG_CS = 0, SREG_DS = 24, SREG_ES = 48, SREG_FS = 72, SREG_GS = 96, SREG_SS = 120,
            SREG_TR = 144, SREG_LDT = 168, SREG_GDT = 192, SREG_IDT = 208, SREG_CR0 = 224, SREG_CR3 = 240,
            SREG_CR4 = 248, SREG_CR8 = 256, SREG_EFER = 264;
    private static final int O_RDWR = 2, O_CLOEXEC = 0x80000;
    private static final int PROT_RW = 3, MAP_SHARED = 1, MAP_PRIVATE_ANON = 0x22;

    /** The libc calls the oracle needs. */
    public interface LibC extends Library {
        int open(String path, int flags);

        int close(int fd);

        int ioctl(int fd, NativeLong request, Pointer arg);

        int ioctl(int fd, NativeLong request, long arg);

        Pointer mmap(Pointer addr, NativeLong length, int prot, int flags, int fd, NativeLong offset);

        int munmap(Pointer addr, NativeLong length);
    }

    private static LibC libc;
    private static String unavailable;
    private static boolean probed;

    /** Null when KVM can be used here, otherwise why not. */
    static synchronized String unavailable() {
        if (!probed) {
            probed = true;
            unavailable = probe();
        }
        return unavailable;
    }

    private static String probe() {
        try {
            libc = Native.load("c", LibC.class);
        } catch (Throwable t) {
            return "libc not loadable through JNA: " + t;
        }
        int fd = libc.open("/dev/kvm", O_RDWR | O_CLOEXEC);
        if (fd < 0) {
            return "/dev/kvm is absent or cannot be opened (errno " + Native.getLastError() + ")";
        }
        int api = libc.ioctl(fd, new NativeLong(KVM_GET_API_VERSION), 0L);
        libc.close(fd);
        return api == 12 ? null : "unexpected KVM API version " + api;
    }

    private int kvm;
    private int vm = -1, vcpu = -1;
    private final long memSize;
    /** Guest memory (guest physical 0 at offset 0). */
    Pointer mem;
    private Pointer run;
    private long runSize;

    private KvmVm(long memSize) {
        this.memSize = memSize;
        this.kvm = libc.open("/dev/kvm", O_RDWR | O_CLOEXEC);
        if (kvm < 0) {
            throw new IllegalStateException("/dev/kvm cannot be opened (errno " + Native.getLastError() + ")");
        }
    }

    /** A VM with {@code memSize} bytes of zeroed guest memory and one vCPU in its reset state. */
    static KvmVm create(long memSize) {
        if (unavailable() != null) {
            throw new IllegalStateException(unavailable());
        }
        KvmVm v = new KvmVm(memSize);
        try {
            v.vm = (int) ioctl(v.kvm, KVM_CREATE_VM, 0L);
            try {
                ioctl(v.vm, KVM_SET_TSS_ADDR, 0xFFFB_D000L);
            } catch (IllegalStateException e) {
                // only needed for real mode without unrestricted guest support
            }
            v.mem = libc.mmap(null, new NativeLong(memSize), PROT_RW, MAP_PRIVATE_ANON, -1, new NativeLong(0));
            if (Pointer.nativeValue(v.mem) == -1L) {
                v.mem = null;
                throw new IllegalStateException("mmap of guest memory failed");
            }
            Memory region = new Memory(32);
            region.setInt(0, 0); // slot
            region.setInt(4, 0); // flags
            region.setLong(8, 0); // guest physical address
            region.setLong(16, memSize);
            region.setLong(24, Pointer.nativeValue(v.mem));
            ioctl(v.vm, KVM_SET_USER_MEMORY_REGION, region);
            v.vcpu = (int) ioctl(v.vm, KVM_CREATE_VCPU, 0L);
            int nent = 128;
            Memory cpuid = new Memory(8 + 40L * nent);
            cpuid.clear();
            cpuid.setInt(0, nent);
            ioctl(v.kvm, KVM_GET_SUPPORTED_CPUID, cpuid);
            ioctl(v.vcpu, KVM_SET_CPUID2, cpuid);
            v.runSize = ioctl(v.kvm, KVM_GET_VCPU_MMAP_SIZE, 0L);
            v.run = libc.mmap(null, new NativeLong(v.runSize), PROT_RW, MAP_SHARED, v.vcpu, new NativeLong(0));
            if (Pointer.nativeValue(v.run) == -1L) {
                v.run = null;
                throw new IllegalStateException("mmap of kvm_run failed");
            }
            return v;
        } catch (RuntimeException e) {
            v.close();
            throw e;
        }
    }

    static long ioctl(int fd, long req, Pointer arg) {
        int r = libc.ioctl(fd, new NativeLong(req), arg);
        if (r < 0) {
            throw new IllegalStateException(String.format("ioctl 0x%x failed: errno %d", req, Native.getLastError()));
        }
        return r;
    }

    static long ioctl(int fd, long req, long arg) {
        int r = libc.ioctl(fd, new NativeLong(req), arg);
        if (r < 0) {
            throw new IllegalStateException(String.format("ioctl 0x%x failed: errno %d", req, Native.getLastError()));
        }
        return r;
    }

    Memory sregs() {
        Memory sr = new Memory(SREGS_SIZE);
        ioctl(vcpu, KVM_GET_SREGS, sr);
        return sr;
    }

    void setSregs(Memory sr) {
        ioctl(vcpu, KVM_SET_SREGS, sr);
    }

    Memory regs() {
        Memory rg = new Memory(REGS_SIZE);
        ioctl(vcpu, KVM_GET_REGS, rg);
        return rg;
    }

    void setRegs(Memory rg) {
        ioctl(vcpu, KVM_SET_REGS, rg);
    }

    /** One KVM_RUN; returns the exit reason. */
    int run() {
        ioctl(vcpu, KVM_RUN, 0L);
        return run.getInt(8);
    }

    /** The port of the last KVM_EXIT_IO. */
    int ioPort() {
        return run.getShort(32 + 2) & 0xFFFF;
    }

    /**
     * Writes a kvm_segment at {@code off} of {@code sr}: base u64, limit u32, selector u16, then
     * type, present, dpl, db, s, l, g, avl, unusable (one byte each).
     */
    static void setSegment(Memory sr, int off, int selector, long base, long limit, int type, boolean code32, boolean granular) {
        sr.setLong(off, base);
        sr.setInt(off + 8, (int) limit);
        sr.setShort(off + 12, (short) selector);
        sr.setByte(off + 14, (byte) type);
        sr.setByte(off + 15, (byte) 1); // present
        sr.setByte(off + 16, (byte) (selector & 3)); // dpl
        sr.setByte(off + 17, (byte) (code32 ? 1 : 0)); // db
        sr.setByte(off + 18, (byte) 1); // s
        sr.setByte(off + 19, (byte) 0); // l
        sr.setByte(off + 20, (byte) (granular ? 1 : 0)); // g
        sr.setByte(off + 21, (byte) 0); // avl
        sr.setByte(off + 22, (byte) 0); // unusable
    }

    @Override
    public void close() {
        if (run != null) {
            libc.munmap(run, new NativeLong(runSize));
            run = null;
        }
        if (vcpu >= 0) {
            libc.close(vcpu);
            vcpu = -1;
        }
        if (vm >= 0) {
            libc.close(vm);
            vm = -1;
        }
        if (mem != null) {
            libc.munmap(mem, new NativeLong(memSize));
            mem = null;
        }
        if (kvm >= 0) {
            libc.close(kvm);
            kvm = -1;
        }
    }
}
