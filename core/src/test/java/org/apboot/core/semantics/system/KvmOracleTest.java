package org.apboot.core.semantics.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import java.util.ArrayList;
import java.util.List;
import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.CpuModel;
import org.apboot.core.cpu.CpuProfile;
import org.apboot.core.cpu.Segment;
import org.apboot.core.decode.Insn;
import org.apboot.core.engine.EngineWorker;
import org.apboot.core.engine.Tracer;
import org.apboot.core.fault.CpuException;
import org.apboot.core.interp.Interpreter;
import org.apboot.core.mem.IoBus;
import org.apboot.core.mem.PhysicalMemory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * KVM as the oracle for system-level sequences: the same guest code runs in a KVM virtual
 * machine and in the interpreter, and the architectural state (control registers, EFER, every
 * segment cache, GDTR, IDTR, RIP, RAX) is compared at every checkpoint. A checkpoint is
 * {@code outb %al, $0xe9}: KVM exits to user space on the port write, and our I/O bus sees it
 * with RIP already past the instruction, the same point.
 *
 * <p>Skipped, with the reason, where {@code /dev/kvm} is absent or cannot be opened.
 */
class KvmOracleTest {
    // ioctl numbers (linux/kvm.h)
    private static final long KVM_GET_API_VERSION = 0xAE00, KVM_CREATE_VM = 0xAE01,
            KVM_GET_VCPU_MMAP_SIZE = 0xAE04, KVM_GET_SUPPORTED_CPUID = 0xC008AE05L,
            KVM_SET_USER_MEMORY_REGION = 0x4020AE46L, KVM_SET_TSS_ADDR = 0xAE47,
            KVM_CREATE_VCPU = 0xAE41, KVM_RUN = 0xAE80, KVM_GET_REGS = 0x8090AE81L,
            KVM_SET_REGS = 0x4090AE82L, KVM_GET_SREGS = 0x8138AE83L, KVM_SET_SREGS = 0x4138AE84L,
            KVM_SET_CPUID2 = 0x4008AE90L;
    private static final int KVM_EXIT_IO = 2, KVM_EXIT_HLT = 5;
    private static final int O_RDWR = 2, O_CLOEXEC = 0x80000;
    private static final int PROT_RW = 3, MAP_SHARED = 1, MAP_PRIVATE_ANON = 0x22;
    private static final int SREGS_SIZE = 312, REGS_SIZE = 144;
    private static final int CHECKPOINT_PORT = 0xE9;
    private static final long MEM_SIZE = 0x200000;
    private static final long CODE = 0x1000, PML4 = 0x10000;

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

    @BeforeAll
    static void openKvm() {
        try {
            libc = Native.load("c", LibC.class);
        } catch (Throwable t) {
            unavailable = "libc not loadable through JNA: " + t;
            return;
        }
        int fd = libc.open("/dev/kvm", O_RDWR | O_CLOEXEC);
        if (fd < 0) {
            unavailable = "/dev/kvm is absent or cannot be opened (errno " + Native.getLastError() + ")";
            return;
        }
        int api = libc.ioctl(fd, new NativeLong(KVM_GET_API_VERSION), 0L);
        libc.close(fd);
        if (api != 12) {
            unavailable = "unexpected KVM API version " + api;
        }
    }

    /**
     * Real mode to protected mode, to long mode with 4-level paging, the 6- and 10-byte LIDT in
     * 64-bit mode, a far jump to compatibility mode, paging off there (leaving long mode), and
     * back to 64-bit mode. Assembled with GNU as at 0x1000 (the bytes below):
     *
     * <pre>
     *     .text
     *     .code16
     * start16:
     *     lgdtl    gdt_desc
     *     movl    %cr0, %eax
     *     orl    $1, %eax
     *     movl    %eax, %cr0
     *     ljmpl    $0x08, $pm32
     *     .code32
     * pm32:
     *     movw    $0x10, %ax
     *     movw    %ax, %ds
     *     movw    %ax, %es
     *     movw    %ax, %ss
     *     movw    %ax, %fs
     *     movw    %ax, %gs
     *     movb    $1, %al
     *     outb    %al, $0xe9
     *     movl    %cr4, %eax
     *     orl    $0x20, %eax
     *     movl    %eax, %cr4
     *     movl    $0x10000, %eax
     *     movl    %eax, %cr3
     *     movl    $0xc0000080, %ecx
     *     rdmsr
     *     orl    $0x100, %eax
     *     wrmsr
     *     movl    %cr0, %eax
     *     orl    $0x80010020, %eax
     *     movl    %eax, %cr0
     *     movb    $2, %al
     *     outb    %al, $0xe9
     *     ljmpl    $0x18, $lm64
     *     .code64
     * lm64:
     *     movb    $3, %al
     *     outb    %al, $0xe9
     *     lidt    idt6
     *     movb    $4, %al
     *     outb    %al, $0xe9
     *     lidt    idt10
     *     movb    $5, %al
     *     outb    %al, $0xe9
     *     ljmpl    *compat_ptr
     *     .code32
     * compat:
     *     movb    $6, %al
     *     outb    %al, $0xe9
     *     movl    %cr0, %eax
     *     andl    $0x7fffffff, %eax
     *     movl    %eax, %cr0
     *     movb    $7, %al
     *     outb    %al, $0xe9
     *     movl    %cr0, %eax
     *     orl    $0x80000000, %eax
     *     movl    %eax, %cr0
     *     ljmpl    $0x18, $lm64b
     *     .code64
     * lm64b:
     *     movb    $8, %al
     *     outb    %al, $0xe9
     *     hlt
     *     .align 8
     * gdt:
     *     .quad    0
     *     .quad    0x00cf9b000000ffff    /* 0x08: 32-bit code * /
     *     .quad    0x00cf93000000ffff    /* 0x10: data * /
     *     .quad    0x00af9b000000ffff    /* 0x18: 64-bit code * /
     * gdt_end:
     * gdt_desc:
     *     .word    gdt_end - gdt - 1
     *     .long    gdt
     *     .align 16
     * idt6:
     *     .word    0
     *     .long    0
     *     .byte    0x12, 0x34, 0x00, 0x00    /* what a 10-byte read picks up * /
     *     .align 16
     * idt10:
     *     .word    0
     *     .quad    0
     * compat_ptr:
     *     .long    compat
     *     .word    0x08
     * </pre>
     */
    private static final int[] MODES = {
        0x66, 0x0f, 0x01, 0x16, 0xd0, 0x10, 0x0f, 0x20, 0xc0, 0x66, 0x83, 0xc8, 0x01, 0x0f, 0x22, 0xc0,
        0x66, 0xea, 0x18, 0x10, 0x00, 0x00, 0x08, 0x00, 0x66, 0xb8, 0x10, 0x00, 0x8e, 0xd8, 0x8e, 0xc0,
        0x8e, 0xd0, 0x8e, 0xe0, 0x8e, 0xe8, 0xb0, 0x01, 0xe6, 0xe9, 0x0f, 0x20, 0xe0, 0x83, 0xc8, 0x20,
        0x0f, 0x22, 0xe0, 0xb8, 0x00, 0x00, 0x01, 0x00, 0x0f, 0x22, 0xd8, 0xb9, 0x80, 0x00, 0x00, 0xc0,
        0x0f, 0x32, 0x0d, 0x00, 0x01, 0x00, 0x00, 0x0f, 0x30, 0x0f, 0x20, 0xc0, 0x0d, 0x20, 0x00, 0x01,
        0x80, 0x0f, 0x22, 0xc0, 0xb0, 0x02, 0xe6, 0xe9, 0xea, 0x5f, 0x10, 0x00, 0x00, 0x18, 0x00, 0xb0,
        0x03, 0xe6, 0xe9, 0x0f, 0x01, 0x1c, 0x25, 0xe0, 0x10, 0x00, 0x00, 0xb0, 0x04, 0xe6, 0xe9, 0x0f,
        0x01, 0x1c, 0x25, 0xf0, 0x10, 0x00, 0x00, 0xb0, 0x05, 0xe6, 0xe9, 0xff, 0x2c, 0x25, 0xfa, 0x10,
        0x00, 0x00, 0xb0, 0x06, 0xe6, 0xe9, 0x0f, 0x20, 0xc0, 0x25, 0xff, 0xff, 0xff, 0x7f, 0x0f, 0x22,
        0xc0, 0xb0, 0x07, 0xe6, 0xe9, 0x0f, 0x20, 0xc0, 0x0d, 0x00, 0x00, 0x00, 0x80, 0x0f, 0x22, 0xc0,
        0xea, 0xa7, 0x10, 0x00, 0x00, 0x18, 0x00, 0xb0, 0x08, 0xe6, 0xe9, 0xf4, 0x0f, 0x1f, 0x40, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x9b, 0xcf, 0x00,
        0xff, 0xff, 0x00, 0x00, 0x00, 0x93, 0xcf, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x9b, 0xaf, 0x00,
        0x1f, 0x00, 0xb0, 0x10, 0x00, 0x00, 0x66, 0x2e, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x12, 0x34, 0x00, 0x00, 0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x82, 0x10, 0x00, 0x00, 0x08, 0x00,
    };

    /**
     * The same way into 64-bit mode (checkpoints 1 and 2 as above), then SGDT/SIDT/SMSW, WRMSR to
     * the GS bases and SWAPGS, LMSW/CLTS, CR8, and the debug registers; the data and tables
     * follow as in {@link #MODES}, plus 16 scratch bytes:
     *
     * <pre>
     * lm64:
     *     sgdt    scratch
     *     movq    scratch+2, %rbx
     *     sidt    scratch
     *     movzwl    scratch, %ecx
     *     smsw    %edx
     *     movb    $3, %al
     *     outb    %al, $0xe9
     *     movl    $0xc0000101, %ecx
     *     movl    $0x12345678, %eax
     *     movl    $0xffff8000, %edx
     *     wrmsr
     *     movl    $0xc0000102, %ecx
     *     movl    $0x1000, %eax
     *     xorl    %edx, %edx
     *     wrmsr
     *     swapgs
     *     movl    $0xc0000102, %ecx
     *     rdmsr
     *     movb    $4, %al
     *     outb    %al, $0xe9
     *     movw    $0x8, %ax
     *     lmsw    %ax
     *     movq    %cr0, %rbx
     *     clts
     *     movq    %cr0, %rcx
     *     movl    $5, %eax
     *     movq    %rax, %cr8
     *     movq    %cr8, %rdx
     *     movb    $5, %al
     *     outb    %al, $0xe9
     *     movq    $0x1234, %rax
     *     movq    %rax, %db0
     *     movq    %db0, %rbx
     *     movq    %db6, %rcx
     *     movq    %db7, %rdx
     *     movb    $6, %al
     *     outb    %al, $0xe9
     *     hlt
     * </pre>
     */
    private static final int[] SYSOPS = {
        0x66, 0x0f, 0x01, 0x16, 0x10, 0x11, 0x0f, 0x20, 0xc0, 0x66, 0x83, 0xc8, 0x01, 0x0f, 0x22, 0xc0,
        0x66, 0xea, 0x18, 0x10, 0x00, 0x00, 0x08, 0x00, 0x66, 0xb8, 0x10, 0x00, 0x8e, 0xd8, 0x8e, 0xc0,
        0x8e, 0xd0, 0x8e, 0xe0, 0x8e, 0xe8, 0xb0, 0x01, 0xe6, 0xe9, 0x0f, 0x20, 0xe0, 0x83, 0xc8, 0x20,
        0x0f, 0x22, 0xe0, 0xb8, 0x00, 0x00, 0x01, 0x00, 0x0f, 0x22, 0xd8, 0xb9, 0x80, 0x00, 0x00, 0xc0,
        0x0f, 0x32, 0x0d, 0x00, 0x01, 0x00, 0x00, 0x0f, 0x30, 0x0f, 0x20, 0xc0, 0x0d, 0x20, 0x00, 0x01,
        0x80, 0x0f, 0x22, 0xc0, 0xb0, 0x02, 0xe6, 0xe9, 0xea, 0x5f, 0x10, 0x00, 0x00, 0x18, 0x00, 0x0f,
        0x01, 0x04, 0x25, 0x3a, 0x11, 0x00, 0x00, 0x48, 0x8b, 0x1c, 0x25, 0x3c, 0x11, 0x00, 0x00, 0x0f,
        0x01, 0x0c, 0x25, 0x3a, 0x11, 0x00, 0x00, 0x0f, 0xb7, 0x0c, 0x25, 0x3a, 0x11, 0x00, 0x00, 0x0f,
        0x01, 0xe2, 0xb0, 0x03, 0xe6, 0xe9, 0xb9, 0x01, 0x01, 0x00, 0xc0, 0xb8, 0x78, 0x56, 0x34, 0x12,
        0xba, 0x00, 0x80, 0xff, 0xff, 0x0f, 0x30, 0xb9, 0x02, 0x01, 0x00, 0xc0, 0xb8, 0x00, 0x10, 0x00,
        0x00, 0x31, 0xd2, 0x0f, 0x30, 0x0f, 0x01, 0xf8, 0xb9, 0x02, 0x01, 0x00, 0xc0, 0x0f, 0x32, 0xb0,
        0x04, 0xe6, 0xe9, 0x66, 0xb8, 0x08, 0x00, 0x0f, 0x01, 0xf0, 0x0f, 0x20, 0xc3, 0x0f, 0x06, 0x0f,
        0x20, 0xc1, 0xb8, 0x05, 0x00, 0x00, 0x00, 0x44, 0x0f, 0x22, 0xc0, 0x44, 0x0f, 0x20, 0xc2, 0xb0,
        0x05, 0xe6, 0xe9, 0x48, 0xc7, 0xc0, 0x34, 0x12, 0x00, 0x00, 0x0f, 0x23, 0xc0, 0x0f, 0x21, 0xc3,
        0x0f, 0x21, 0xf1, 0x0f, 0x21, 0xfa, 0xb0, 0x06, 0xe6, 0xe9, 0xf4, 0x0f, 0x1f, 0x44, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x9b, 0xcf, 0x00,
        0xff, 0xff, 0x00, 0x00, 0x00, 0x93, 0xcf, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x9b, 0xaf, 0x00,
        0x1f, 0x00, 0xf0, 0x10, 0x00, 0x00, 0x66, 0x2e, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x12, 0x34, 0x00, 0x00, 0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    };

    @Test
    void descriptorStoresMsrsSwapgsCr8AndDebugRegisters() {
        assumeTrue(unavailable == null, () -> "KVM oracle skipped: " + unavailable);
        List<String> kvm = runKvm(SYSOPS);
        List<String> ours = runOurs(SYSOPS);
        assertEquals(7, kvm.size(), () -> "KVM checkpoints:\n" + String.join("\n", kvm));
        assertEquals(String.join("\n", kvm), String.join("\n", ours));
    }

    @Test
    void realToProtectedToLongToCompatAndBack() {
        assumeTrue(unavailable == null, () -> "KVM oracle skipped: " + unavailable);
        List<String> kvm = runKvm(MODES);
        List<String> ours = runOurs(MODES);
        assertEquals(9, kvm.size(), () -> "KVM checkpoints:\n" + String.join("\n", kvm));
        assertTrue(kvm.get(3).contains("idtr=0x341200000000/0x0"), "6-byte descriptor under a 64-bit LIDT: " + kvm.get(3));
        assertTrue(kvm.get(5).contains("efer=0x500") && kvm.get(6).contains("efer=0x100"), "paging off in compat mode clears LMA");
        for (int i = 0; i < kvm.size(); i++) {
            String k = kvm.get(i);
            String o = i < ours.size() ? ours.get(i) : "(missing: our run ended after " + ours.size() + " checkpoints: "
                    + (ours.isEmpty() ? "" : ours.get(ours.size() - 1)) + ")";
            assertEquals(k, o, "checkpoint " + i + " differs from KVM");
        }
        assertEquals(kvm.size(), ours.size());
    }

    // ---------------------------------------------------------------- state rendering

    private static String seg(String name, int sel, long base, long limit, int attrs) {
        return String.format(" %s=%04x/%x/%x/%04x", name, sel, base, limit, attrs);
    }

    private static String render(long rip, long[] gpr, long cr0, long cr3, long cr4, long cr8, long efer,
                                 String segs, long gdtBase, int gdtLimit, long idtBase, int idtLimit) {
        return String.format("rip=0x%x rax=0x%x rbx=0x%x rcx=0x%x rdx=0x%x cr0=0x%x cr3=0x%x cr4=0x%x cr8=0x%x"
                + " efer=0x%x gdtr=0x%x/0x%x idtr=0x%x/0x%x", rip, gpr[0], gpr[1], gpr[2], gpr[3], cr0, cr3, cr4, cr8,
                efer, gdtBase, gdtLimit, idtBase, idtLimit) + segs;
    }

    private static final String[] SEG_NAMES = {"es", "cs", "ss", "ds", "fs", "gs"};

    static String snapshot(Cpu cpu) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 6; i++) {
            Segment g = cpu.seg[i];
            s.append(seg(SEG_NAMES[i], g.selector, g.base, g.limit, g.attrs & 0xF0FF));
        }
        s.append(seg("tr", cpu.tr.selector, cpu.tr.base, cpu.tr.limit, cpu.tr.attrs & 0xF0FF));
        s.append(seg("ldt", cpu.ldtr.selector, cpu.ldtr.base, cpu.ldtr.limit, cpu.ldtr.attrs & 0xF0FF));
        long[] gpr = {cpu.r[Cpu.RAX], cpu.r[Cpu.RBX], cpu.r[Cpu.RCX], cpu.r[Cpu.RDX]};
        return render(cpu.rip, gpr, cpu.cr0, cpu.cr3, cpu.cr4, cpu.cr8, cpu.efer, s.toString(),
                cpu.gdtrBase, cpu.gdtrLimit, cpu.idtrBase, cpu.idtrLimit);
    }

    // ---------------------------------------------------------------- our side

    private static void pageTables(PhysicalMemory m) {
        m.write(PML4, 8, (PML4 + 0x1000) | 3);
        m.write(PML4 + 0x1000, 8, (PML4 + 0x2000) | 3);
        for (int i = 0; i < 4; i++) {
            m.write(PML4 + 0x2000 + 8L * i, 8, ((long) i << 21) | 0x83);
        }
    }

    static List<String> runOurs(int[] code) {
        PhysicalMemory ram = new PhysicalMemory(MEM_SIZE);
        for (int i = 0; i < code.length; i++) {
            ram.write(CODE + i, 1, code[i]);
        }
        pageTables(ram);
        Cpu cpu = new Cpu(0, CpuModel.standard(false), CpuProfile.GENERIC, ram);
        cpu.resetToRealMode(0, CODE);
        java.util.Arrays.fill(cpu.r, 0);
        List<String> out = new ArrayList<>();
        cpu.io = new IoBus() {
            @Override
            public int in(int cpuIndex, int port, int size) {
                return -1;
            }

            @Override
            public void out(int cpuIndex, int port, int size, int value) {
                if (port == CHECKPOINT_PORT) {
                    out.add(snapshot(cpu));
                }
            }
        };
        EngineWorker w = new Interpreter(ram).newWorker();
        w.setTracer(new Tracer() {
            @Override
            public void beforeInstruction(Cpu c, Insn insn, long rip) {
            }

            @Override
            public void fault(Cpu c, CpuException e) {
                out.add("FAULT " + e + " in " + c.modeName() + String.format(" at rip=0x%x", c.rip));
            }
        });
        for (int round = 0; round < 100 && !cpu.halted && !cpu.shutdown; round++) {
            w.run(cpu, 1000);
        }
        out.add(snapshot(cpu) + (cpu.halted ? " halted" : " not halted"));
        return out;
    }

    // ---------------------------------------------------------------- KVM side

    private static long ioctl(int fd, long req, Pointer arg) {
        int r = libc.ioctl(fd, new NativeLong(req), arg);
        if (r < 0) {
            throw new IllegalStateException(String.format("ioctl 0x%x failed: errno %d", req, Native.getLastError()));
        }
        return r;
    }

    private static long ioctl(int fd, long req, long arg) {
        int r = libc.ioctl(fd, new NativeLong(req), arg);
        if (r < 0) {
            throw new IllegalStateException(String.format("ioctl 0x%x failed: errno %d", req, Native.getLastError()));
        }
        return r;
    }

    /** kvm_sregs segment at {@code off}: base u64, limit u32, selector u16, type, present, dpl, db, s, l, g, avl. */
    private static String kvmSeg(Memory sr, String name, int off) {
        long base = sr.getLong(off);
        long limit = sr.getInt(off + 8) & 0xFFFF_FFFFL;
        int sel = sr.getShort(off + 12) & 0xFFFF;
        int type = sr.getByte(off + 14), present = sr.getByte(off + 15), dpl = sr.getByte(off + 16),
                db = sr.getByte(off + 17), s = sr.getByte(off + 18), l = sr.getByte(off + 19),
                g = sr.getByte(off + 20), avl = sr.getByte(off + 21);
        int attrs = (type & 0xF) | s << 4 | dpl << 5 | present << 7 | avl << 12 | l << 13 | db << 14 | g << 15;
        return seg(name, sel, base, limit, attrs);
    }

    private static String kvmSnapshot(int vcpu) {
        Memory sr = new Memory(SREGS_SIZE);
        ioctl(vcpu, KVM_GET_SREGS, sr);
        Memory rg = new Memory(REGS_SIZE);
        ioctl(vcpu, KVM_GET_REGS, rg);
        // kvm_sregs: cs, ds, es, fs, gs, ss, tr, ldt (24 bytes each), gdt, idt (16), cr0, cr2, cr3, cr4, cr8, efer
        int[] order = {2, 0, 5, 1, 3, 4}; // es, cs, ss, ds, fs, gs -> kvm index
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 6; i++) {
            s.append(kvmSeg(sr, SEG_NAMES[i], order[i] * 24));
        }
        s.append(kvmSeg(sr, "tr", 6 * 24));
        s.append(kvmSeg(sr, "ldt", 7 * 24));
        // kvm_regs: rax, rbx, rcx, rdx, ...
        long[] gpr = {rg.getLong(0), rg.getLong(8), rg.getLong(16), rg.getLong(24)};
        return render(rg.getLong(16 * 8), gpr, sr.getLong(224), sr.getLong(240), sr.getLong(248), sr.getLong(256),
                sr.getLong(264), s.toString(), sr.getLong(192), sr.getShort(200) & 0xFFFF, sr.getLong(208),
                sr.getShort(216) & 0xFFFF);
    }

    static List<String> runKvm(int[] code) {
        List<String> out = new ArrayList<>();
        int kvm = libc.open("/dev/kvm", O_RDWR | O_CLOEXEC);
        int vm = -1, vcpu = -1;
        Pointer mem = null, run = null;
        long runSize = 0;
        try {
            vm = (int) ioctl(kvm, KVM_CREATE_VM, 0L);
            try {
                ioctl(vm, KVM_SET_TSS_ADDR, 0xFFFB_D000L);
            } catch (IllegalStateException e) {
                // only needed for real mode without unrestricted guest support
            }
            mem = libc.mmap(null, new NativeLong(MEM_SIZE), PROT_RW, MAP_PRIVATE_ANON, -1, new NativeLong(0));
            assertTrue(Pointer.nativeValue(mem) != -1L, "mmap of guest memory failed");
            for (int i = 0; i < code.length; i++) {
                mem.setByte(CODE + i, (byte) code[i]);
            }
            mem.setLong(PML4, (PML4 + 0x1000) | 3);
            mem.setLong(PML4 + 0x1000, (PML4 + 0x2000) | 3);
            for (int i = 0; i < 4; i++) {
                mem.setLong(PML4 + 0x2000 + 8L * i, ((long) i << 21) | 0x83);
            }
            Memory region = new Memory(32);
            region.setInt(0, 0); // slot
            region.setInt(4, 0); // flags
            region.setLong(8, 0); // guest physical address
            region.setLong(16, MEM_SIZE);
            region.setLong(24, Pointer.nativeValue(mem));
            ioctl(vm, KVM_SET_USER_MEMORY_REGION, region);
            vcpu = (int) ioctl(vm, KVM_CREATE_VCPU, 0L);
            // the guest CPUID gates EFER.LME/NXE and CR4 bits: give it what KVM supports
            int nent = 128;
            Memory cpuid = new Memory(8 + 40L * nent);
            cpuid.clear();
            cpuid.setInt(0, nent);
            ioctl(kvm, KVM_GET_SUPPORTED_CPUID, cpuid);
            ioctl(vcpu, KVM_SET_CPUID2, cpuid);
            runSize = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0L);
            run = libc.mmap(null, new NativeLong(runSize), PROT_RW, MAP_SHARED, vcpu, new NativeLong(0));
            assertTrue(Pointer.nativeValue(run) != -1L, "mmap of kvm_run failed");

            Memory sr = new Memory(SREGS_SIZE);
            ioctl(vcpu, KVM_GET_SREGS, sr);
            sr.setLong(0, 0); // cs.base
            sr.setShort(12, (short) 0); // cs.selector
            ioctl(vcpu, KVM_SET_SREGS, sr);
            Memory rg = new Memory(REGS_SIZE);
            rg.clear();
            rg.setLong(16 * 8, CODE); // rip
            rg.setLong(17 * 8, 2); // rflags
            ioctl(vcpu, KVM_SET_REGS, rg);

            for (int i = 0; i < 64; i++) {
                ioctl(vcpu, KVM_RUN, 0L);
                int reason = run.getInt(8);
                if (reason == KVM_EXIT_IO) {
                    int port = run.getShort(32 + 2) & 0xFFFF;
                    if (port == CHECKPOINT_PORT) {
                        out.add(kvmSnapshot(vcpu));
                    }
                    continue;
                }
                if (reason == KVM_EXIT_HLT) {
                    out.add(kvmSnapshot(vcpu) + " halted");
                } else {
                    out.add("KVM exit " + reason + ": " + kvmSnapshot(vcpu));
                }
                break;
            }
        } finally {
            if (run != null) {
                libc.munmap(run, new NativeLong(runSize));
            }
            if (vcpu >= 0) {
                libc.close(vcpu);
            }
            if (vm >= 0) {
                libc.close(vm);
            }
            if (mem != null) {
                libc.munmap(mem, new NativeLong(MEM_SIZE));
            }
            libc.close(kvm);
        }
        return out;
    }
}
