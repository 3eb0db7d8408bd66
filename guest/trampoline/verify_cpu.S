/*
 * CPU feature check run by every AP in real mode before it leaves for long
 * mode.  16-bit code (operand-size prefixed where 32-bit data is needed).
 * Returns %eax = 0 when the CPU can run the kernel, non-zero otherwise.
 * Clobbers %eax, %ebx, %ecx, %edx, %edi.
 */
	.include "arch.inc"

	.set VC_EFLAGS_AC,	1 << 18
	.set VC_EFLAGS_ID,	1 << 21
	/* leaf 1 EDX: FPU PSE TSC MSR PAE CX8 CMOV FXSR SSE SSE2 */
	.set VC_LEAF1_EDX,	(1 << 0) | (1 << 3) | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 8) | (1 << 15) | (1 << 24) | (1 << 25) | (1 << 26)
	.set VC_LM_BIT,		29

	.code16
	.section ".text16", "ax"
	.globl	verify_cpu
verify_cpu:
	/* Both EFLAGS.AC (486+) and EFLAGS.ID (CPUID present) must toggle. */
	pushfl
	popl	%eax
	movl	%eax, %ecx
	xorl	$(VC_EFLAGS_AC | VC_EFLAGS_ID), %eax
	pushl	%eax
	popfl
	pushfl
	popl	%eax
	pushl	%ecx
	popfl				/* restore the original flags */
	xorl	%ecx, %eax
	andl	$(VC_EFLAGS_AC | VC_EFLAGS_ID), %eax
	cmpl	$(VC_EFLAGS_AC | VC_EFLAGS_ID), %eax
	jne	.Lvc_fail

	/* Vendor and highest standard leaf. */
	xorl	%edi, %edi		/* %edi = 1 on Intel */
	xorl	%eax, %eax
	cpuid
	cmpl	$1, %eax
	jb	.Lvc_fail
	cmpl	$0x756e6547, %ebx	/* "Genu" */
	jne	.Lvc_std
	cmpl	$0x49656e69, %edx	/* "ineI" */
	jne	.Lvc_std
	cmpl	$0x6c65746e, %ecx	/* "ntel" */
	jne	.Lvc_std
	movl	$1, %edi

.Lvc_std:
	movl	$1, %eax
	cpuid
	andl	$VC_LEAF1_EDX, %edx
	cmpl	$VC_LEAF1_EDX, %edx
	jne	.Lvc_fail

	/*
	 * Some Intel firmware sets XD-disable (MISC_ENABLE bit 34) which hides
	 * NX; clear it, writing the MSR only when the bit is actually set.
	 */
	testl	%edi, %edi
	jz	.Lvc_ext
	movl	$MSR_MISC_ENABLE, %ecx
	rdmsr
	btl	$2, %edx		/* bit 34 of the MSR */
	jnc	.Lvc_ext
	btrl	$2, %edx
	wrmsr

.Lvc_ext:
	movl	$0x80000000, %eax
	cpuid
	cmpl	$0x80000001, %eax
	jb	.Lvc_fail
	movl	$0x80000001, %eax
	cpuid
	btl	$VC_LM_BIT, %edx
	jnc	.Lvc_fail

	xorl	%eax, %eax
	ret

.Lvc_fail:
	movl	$1, %eax
	ret
