package org.apboot.core.semantics.oracle;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.jna.Function;
import com.sun.jna.Pointer;
import org.junit.jupiter.api.Test;

/**
 * The host CPU as oracle for DAA, DAS, AAA, AAS, AAM and AAD, which exist only outside 64-bit
 * mode: the {@link LegacyBatch} loop runs natively in compatibility mode, entered by a far return
 * to the 32-bit user code segment the kernel provides (selector 0x23) and left by a far return to
 * the 64-bit one; the interpreter runs the same loop on the same image, and the tables must
 * agree on EAX and the defined flags. AAM 0 (#DE) is left out here, since a user-mode divide
 * error would end the process with SIGFPE; the KVM oracle covers it.
 *
 * <p>Skipped, with the reason, where the host is not x86-64 Linux or has no usable 32-bit user
 * code segment (a kernel with 32-bit emulation disabled marks it not present).
 */
class CompatBcdOracleTest {
    /** Linux's 32-bit user code selector (GDT entry 4, RPL 3). */
    private static final int USER32_CS = 0x23;

    /**
     * The 64-bit entry, at {@link LegacyBatch#TRAMPOLINE} with the image base in RDI; data at
     * {@code ARGS}: input table, output table, cases, stub base (32 bits each), then the saved
     * RSP, DS and ES:
     *
     * <pre>
     *     pushq   %rbx; pushq %rbp; pushq %r12; pushq %r13; pushq %r14; pushq %r15
     *     movq    %rsp, saved_rsp(%rip)
     *     movw    %ds, saved_ds(%rip)
     *     movw    %es, saved_es(%rip)
     *     movw    %ss, %ax            # compatibility mode needs usable DS and ES
     *     movw    %ax, %ds
     *     movw    %ax, %es
     *     leaq    0x8000-8(%rdi), %rsp  # a stack below 4 GiB
     *     leaq    back64(%rip), %rax  # the loop's LRET pops EIP, then CS
     *     movl    %eax, (%rsp)
     *     movw    %cs, %ax
     *     movzwl  %ax, %eax
     *     movl    %eax, 4(%rsp)
     *     movl    args(%rip), %esi
     *     movl    args+4(%rip), %edi
     *     movl    args+8(%rip), %ecx
     *     movl    args+12(%rip), %ebp
     *     leaq    loop32(%rip), %rax
     *     pushq   $0x23
     *     pushq   %rax
     *     lretq
     * back64:
     *     movq    saved_rsp(%rip), %rsp
     *     movw    saved_ds(%rip), %ds
     *     movw    saved_es(%rip), %es
     *     popq    %r15; popq %r14; popq %r13; popq %r12; popq %rbp; popq %rbx
     *     ret
     * </pre>
     */
    private static final int[] TRAMPOLINE = {
        0x53, 0x55, 0x41, 0x54, 0x41, 0x55, 0x41, 0x56, 0x41, 0x57, 0x48, 0x89, 0x25, 0xff, 0x07, 0x00,
        0x00, 0x8c, 0x1d, 0x01, 0x08, 0x00, 0x00, 0x8c, 0x05, 0xfd, 0x07, 0x00, 0x00, 0x66, 0x8c, 0xd0,
        0x8e, 0xd8, 0x8e, 0xc0, 0x48, 0x8d, 0xa7, 0xf8, 0x7f, 0x00, 0x00, 0x48, 0x8d, 0x05, 0x31, 0x00,
        0x00, 0x00, 0x89, 0x04, 0x24, 0x66, 0x8c, 0xc8, 0x0f, 0xb7, 0xc0, 0x89, 0x44, 0x24, 0x04, 0x8b,
        0x35, 0xbb, 0x07, 0x00, 0x00, 0x8b, 0x3d, 0xb9, 0x07, 0x00, 0x00, 0x8b, 0x0d, 0xb7, 0x07, 0x00,
        0x00, 0x8b, 0x2d, 0xb5, 0x07, 0x00, 0x00, 0x48, 0x8d, 0x05, 0xa2, 0x7f, 0xff, 0xff, 0x6a, 0x23,
        0x50, 0x48, 0xcb, 0x48, 0x8b, 0x25, 0xa6, 0x07, 0x00, 0x00, 0x8e, 0x1d, 0xa8, 0x07, 0x00, 0x00,
        0x8e, 0x05, 0xa4, 0x07, 0x00, 0x00, 0x41, 0x5f, 0x41, 0x5e, 0x41, 0x5d, 0x41, 0x5c, 0x5d, 0x5b,
        0xc3,
    };
    /** Where the trampoline finds its arguments (RIP-relative from the code above). */
    private static final int ARGS = 0x9800;

    /** movl $0x23, %eax; lar %eax, %eax; jz 1f; xorl %eax, %eax; 1: ret */
    private static final int[] PROBE = {0xb8, USER32_CS, 0x00, 0x00, 0x00, 0x0f, 0x02, 0xc0, 0x74, 0x02, 0x31, 0xc0, 0xc3};

    @Test
    void bcdAndAsciiAdjustInCompatibilityMode() {
        String[] why = new String[1];
        NativeX86 nat = NativeX86.open(why);
        assumeTrue(nat != null, "compatibility-mode BCD oracle skipped: " + why[0]);
        int ar = nat.raw(bytes(PROBE)).invokeInt(new Object[0]);
        // present, DPL 3, code, not long, default size 32
        boolean usable = (ar & 0x8000) != 0 && (ar >>> 13 & 3) == 3 && (ar & 0x1800) == 0x1800
                && (ar & (1 << 21)) == 0 && (ar & (1 << 22)) != 0;
        assumeTrue(usable, String.format("compatibility-mode BCD oracle skipped: selector 0x%x is no usable 32-bit user code "
                + "segment (LAR access rights 0x%x)", USER32_CS, ar));

        LegacyBatch batch = LegacyBatch.standard(false);
        long size = batch.imageSize();
        Pointer region = NativeX86.map32(size);
        assumeTrue(region != null, "compatibility-mode BCD oracle skipped: no memory below 2 GiB");
        byte[] host;
        try {
            long base = Pointer.nativeValue(region);
            region.write(0, batch.image(base, true), 0, (int) size);
            region.write(LegacyBatch.TRAMPOLINE, bytes(TRAMPOLINE), 0, TRAMPOLINE.length);
            region.setInt(ARGS, (int) (base + LegacyBatch.IN));
            region.setInt(ARGS + 4, (int) (base + batch.outOffset()));
            region.setInt(ARGS + 8, batch.cases);
            region.setInt(ARGS + 12, (int) (base + LegacyBatch.STUBS));
            Function enter = Function.getFunction(region.share(LegacyBatch.TRAMPOLINE));
            enter.invoke(Void.class, new Object[] {region});
            host = region.getByteArray(batch.outOffset(), 16 * batch.cases);
        } finally {
            NativeX86.unmap(region, size);
        }
        LegacyBatch.Comparison c = batch.compare(host, batch.runInterpreter());
        System.out.println(c.report("compatibility-mode BCD oracle cases:"));
        assertTrue(c.failures.isEmpty(), c::failureText);
    }

    private static byte[] bytes(int[] v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = (byte) v[i];
        }
        return b;
    }
}
