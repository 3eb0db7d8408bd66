/*
 * AP trampoline: the code an application processor runs between its wake-up
 * (INIT/SIPI in real mode, or the ACPI wake-up mailbox in 64-bit mode) and
 * the kernel entry stub.  Linked at offset 0 and copied by the loader to a
 * page-aligned base below 1 MiB; absolute references go through pa_* symbols
 * and are listed in the relocation table.
 *
 * Build-time variants (assembler --defsym):
 *   EFER_ALWAYS  startup_32 writes EFER without comparing first
 *   CR0_NO_NE    every CR0 load leaves CR0.NE clear
 *   IDT6         the 64-bit LIDT operand is a 6-byte descriptor directly
 *                followed by unrelated data (a selector word), which the
 *                LIDT loads as the upper half of the IDT base
 *   NO_LOCK      no tr_lock: the shared stack is not serialised (pre-parallel
 *                bring-up kernels); trampoline_header is 4 bytes shorter
 */
	.include "arch.inc"

	.set TR_KERNEL32_CS,	0x08
	.set TR_KERNEL_CS,	0x10
	.set TR_KERNEL_DS,	0x18

	.set TR_CR0_PAGED_BASE,	CR0_PE | CR0_MP | CR0_ET | CR0_WP | CR0_AM | CR0_PG
	.ifdef CR0_NO_NE
	.set TR_CR0_PROT,	CR0_PE
	.set TR_CR0_PAGED,	TR_CR0_PAGED_BASE
	.else
	.set TR_CR0_PROT,	CR0_PE | CR0_NE
	.set TR_CR0_PAGED,	TR_CR0_PAGED_BASE | CR0_NE
	.endif

/* ------------------------------------------------------------------ 16-bit */
	.code16
	.section ".text16.entry", "ax"
	.balign	PAGE_SIZE
	.globl	trampoline_start
trampoline_start:
	/* SIPI entry: CS = vector << 8, IP = 0.  Interrupts are off already. */
	cli
	wbinvd
	/* Reload CS so that offsets are relative to the start of the blob. */
	ljmpw	$real_mode_seg, $.Lrm_reloaded
.Lrm_reloaded:
	movw	%cs, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss

	.ifndef NO_LOCK
	/* One CPU at a time on the shared real-mode stack. */
.Lrm_lock:
	lock btsl $0, tr_lock
	jnc	.Lrm_locked
	pause
	jmp	.Lrm_lock
.Lrm_locked:
	.endif

	xorl	%esp, %esp
	movw	$rm_stack_end, %sp

	call	verify_cpu
	testl	%eax, %eax
	jnz	.Lrm_no_longmode

	lidtl	tr_idt
	lgdtl	tr_gdt64		/* first 6 bytes: limit and 32-bit base */

	movl	$TR_CR0_PROT, %eax
	movl	%eax, %cr0
	ljmpl	$TR_KERNEL32_CS, $pa_startup_32

.Lrm_no_longmode:
	hlt
	jmp	.Lrm_no_longmode

/* ------------------------------------------------------------------ 32-bit */
	.code32
	.section ".text32", "ax"
	.balign	16
	.globl	startup_32
startup_32:
	movl	$TR_KERNEL_DS, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%eax, %fs
	movl	%eax, %gs

	/* PAE (and LA57 for 5-level paging) before paging is turned on. */
	movl	pa_tr_cr4, %eax
	movl	%eax, %cr4

	movl	$pa_trampoline_pgd, %eax
	movl	%eax, %cr3

	movl	$MSR_EFER, %ecx
	.ifdef EFER_ALWAYS
	movl	pa_tr_efer, %eax
	movl	pa_tr_efer + 4, %edx
	wrmsr
	.else
	/* Write EFER only when it differs: some hypervisors trap every write. */
	rdmsr
	cmpl	pa_tr_efer, %eax
	jne	.Lwrite_efer
	cmpl	pa_tr_efer + 4, %edx
	je	.Lefer_done
.Lwrite_efer:
	movl	pa_tr_efer, %eax
	movl	pa_tr_efer + 4, %edx
	wrmsr
.Lefer_done:
	.endif

	movl	$TR_CR0_PAGED, %eax
	movl	%eax, %cr0
	ljmpl	$TR_KERNEL_CS, $pa_startup_64

	/*
	 * Compatibility-mode half of the 64-bit entry: still on the caller's
	 * identity page tables; turn paging off and join startup_32, which
	 * builds the paging mode the kernel asked for.
	 */
	.balign	16
	.globl	trampoline_compat
trampoline_compat:
	movl	$TR_KERNEL_DS, %eax
	movl	%eax, %ds
	movl	%eax, %ss

	.ifndef NO_LOCK
.Lpm_lock:
	lock btsl $0, pa_tr_lock
	jnc	.Lpm_locked
	pause
	jmp	.Lpm_lock
.Lpm_locked:
	.endif
	movl	$pa_rm_stack_end, %esp

	movl	$TR_CR0_PROT, %eax
	movl	%eax, %cr0
	ljmpl	$TR_KERNEL32_CS, $pa_startup_32

/* ------------------------------------------------------------------ 64-bit */
	.code64
	.section ".text64", "ax"
	.balign	16
	.globl	startup_64
startup_64:
	jmpq	*tr_start(%rip)

	/* Entry from the ACPI multiprocessor wake-up mailbox (64-bit, paging on). */
	.balign	16
	.globl	trampoline_start64
trampoline_start64:
	lidt	tr_idt(%rip)
	lgdt	tr_gdt64(%rip)
	ljmpl	*tr_compat(%rip)

/* ------------------------------------------------------------------ tables */
	.section ".rodata", "a"
	.balign	16
	.globl	tr_idt
tr_idt:
	.word	0
	.ifdef IDT6
	.long	0			/* 6 bytes: a 64-bit LIDT also reads the next 4 */
	/*
	 * Whatever data follows becomes IDT base bits 63:32.  Here: a selector
	 * word and padding, small enough that the garbage base is canonical, so
	 * the LIDT succeeds silently (a non-canonical one would #GP right here).
	 */
	.word	TR_KERNEL_DS, 0
	.else
	.quad	0
	.endif
	.globl	tr_gdt64
tr_gdt64:
	.word	tr_gdt_end - tr_gdt - 1
	.long	pa_tr_gdt
	.long	0

	.balign	8
	.globl	tr_gdt
tr_gdt:
	.quad	0
	.quad	0x00cf9b000000ffff	/* 0x08: 32-bit code */
	.quad	0x00af9b000000ffff	/* 0x10: 64-bit code */
	.quad	0x00cf93000000ffff	/* 0x18: data */
tr_gdt_end:

	.balign	8
	.globl	tr_compat
tr_compat:
	.long	pa_trampoline_compat
	.word	TR_KERNEL32_CS

/* ------------------------------------------------------------------ bss */
	.section ".bss", "aw", @nobits
	.balign	PAGE_SIZE
	.globl	trampoline_pgd
trampoline_pgd:
	.space	PAGE_SIZE

	.balign	8
	.globl	trampoline_header
trampoline_header:
	.globl	tr_start
tr_start:	.space	8
	.globl	tr_efer
tr_efer:	.space	8
	.globl	tr_cr4
tr_cr4:		.space	4
	.globl	tr_flags
tr_flags:	.space	4
	.ifndef NO_LOCK
	.globl	tr_lock
tr_lock:	.space	4
	.endif
	.globl	trampoline_header_end
trampoline_header_end:

	.balign	16
	.globl	rm_stack
rm_stack:
	.space	1024
	.globl	rm_stack_end
rm_stack_end:
