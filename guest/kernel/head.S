/*
 * Kernel side of AP bring-up: the BSP's wake-up loop, the AP entry stub
 * (jumped to from the trampoline through trampoline_header.start) and the
 * per-CPU start routine.
 */
	.include "arch.inc"
	.include "layout.inc"

	.set BP, KERNEL_BOOT_PARAMS
	.set KERNEL_CR0_ADD, CR0_MP | CR0_ET | CR0_WP | CR0_AM

	.code64
/* ==================================================================== BSP */
	.section ".text.bsp", "ax"
	.globl	bsp_entry
bsp_entry:
	cli
	cld
	movl	$1, bsp_state(%rip)
	cmpl	$BP_MAGIC_VALUE, BP + BP_MAGIC
	jne	bad_params
	lock btsq $0, online_bitmap(%rip)	/* cpu 0 is the BSP */

	movl	BP + BP_AP_COUNT, %r15d		/* r15 = number of APs */
	testl	%r15d, %r15d
	jz	wait_all
	movq	BP + BP_CPU_APICID, %r14	/* r14 = cpu -> APIC ID table */
	movl	$1, %r13d			/* r13 = next cpu */
	cmpl	$BP_PATH_MAILBOX, BP + BP_PATH
	je	wake_mailbox

/* ---- INIT, STARTUP, STARTUP through the x2APIC ICR */
	movl	$MSR_APIC_BASE, %ecx
	rdmsr
	testl	$APIC_BASE_EN, %eax
	jnz	1f
	orl	$APIC_BASE_EN, %eax		/* disabled -> xAPIC first */
	wrmsr
1:	testl	$APIC_BASE_EXTD, %eax
	jnz	wake_sipi_next
	orl	$APIC_BASE_EXTD, %eax		/* xAPIC -> x2APIC */
	wrmsr

wake_sipi_next:
	movl	(%r14, %r13, 4), %edx		/* destination in ICR bits 63:32 */
	movl	$MSR_X2APIC_ICR, %ecx
	movl	$ICR_INIT_ASSERT, %eax
	wrmsr
	movl	BP + BP_SIPI_VECTOR, %eax
	orl	$ICR_STARTUP, %eax
	wrmsr
	wrmsr
	call	wait_serial
	incl	%r13d
	cmpl	%r15d, %r13d
	jbe	wake_sipi_next
	jmp	wait_all

/* ---- ACPI multiprocessor wake-up mailbox */
wake_mailbox:
	movq	BP + BP_MAILBOX, %rbx
	testq	%rbx, %rbx
	jnz	1f
	call	find_mailbox
	testq	%rbx, %rbx
	jz	no_mailbox
1:	movq	BP + BP_WAKEUP_VECTOR, %r12

wake_mailbox_next:
	cmpw	$0, (%rbx)			/* wait for an idle mailbox */
	je	2f
1:	pause
	cmpw	$0, (%rbx)
	jne	1b
2:	movl	(%r14, %r13, 4), %eax
	movl	%eax, 4(%rbx)			/* APIC ID */
	movq	%r12, 8(%rbx)			/* wake-up vector */
	movw	$1, (%rbx)			/* command last: wake up */
3:	pause					/* the AP acknowledges with 0 */
	cmpw	$0, (%rbx)
	jne	3b
	call	wait_serial
	incl	%r13d
	cmpl	%r15d, %r13d
	jbe	wake_mailbox_next

/* ---- every AP has been kicked: wait for all of them */
wait_all:
	movl	$2, bsp_state(%rip)
	cmpl	%r15d, online_count(%rip)
	jae	2f
1:	pause
	cmpl	%r15d, online_count(%rip)
	jb	1b
2:	leaq	msg_prefix(%rip), %rsi
	call	puts
	movl	online_count(%rip), %eax
	call	putdec
	leaq	msg_online(%rip), %rsi
	call	puts
	movl	$3, bsp_state(%rip)
	jmp	halt_forever

/* Serial bring-up: wait until cpu r13 has checked in. */
wait_serial:
	testl	$BP_FLAG_SERIAL, BP + BP_FLAGS
	jz	2f
	cmpl	%r13d, online_count(%rip)
	jae	2f
1:	pause
	cmpl	%r13d, online_count(%rip)
	jb	1b
2:	ret

/* Find the Multiprocessor Wakeup structure (type 0x10) in the MADT: %rbx = mailbox or 0. */
find_mailbox:
	xorl	%ebx, %ebx
	movq	BP + BP_MADT, %rsi
	testq	%rsi, %rsi
	jz	3f
	cmpl	$0x43495041, (%rsi)		/* "APIC" */
	jne	3f
	movl	4(%rsi), %edx
	addq	%rsi, %rdx			/* end of table */
	addq	$44, %rsi			/* first structure */
1:	leaq	2(%rsi), %rax
	cmpq	%rdx, %rax
	ja	3f
	movzbl	1(%rsi), %ecx			/* structure length */
	cmpl	$2, %ecx
	jb	3f
	cmpb	$0x10, (%rsi)
	jne	2f
	cmpl	$16, %ecx
	jb	3f
	movq	8(%rsi), %rbx
	ret
2:	addq	%rcx, %rsi
	jmp	1b
3:	ret

bad_params:
	leaq	msg_bad_params(%rip), %rsi
	jmp	fatal
no_mailbox:
	leaq	msg_no_mailbox(%rip), %rsi
fatal:
	call	puts
	movl	$0xdead, bsp_state(%rip)
halt_forever:
	cli
1:	hlt
	jmp	1b

/* Console output: every byte goes to the debug port and to COM1. */
putc:
	outb	%al, $PORT_DEBUGCON
	movl	%eax, %r8d
	movw	$PORT_COM1_LSR, %dx
1:	inb	%dx, %al
	testb	$LSR_THRE, %al
	jz	1b
	movl	%r8d, %eax
	movw	$PORT_COM1, %dx
	outb	%al, %dx
	ret

/* puts: %rsi = NUL-terminated string */
puts:
	movzbl	(%rsi), %eax
	testb	%al, %al
	jz	1f
	call	putc
	incq	%rsi
	jmp	puts
1:	ret

/* putdec: %eax = unsigned value */
putdec:
	subq	$16, %rsp
	leaq	16(%rsp), %rsi
	movb	$0, -1(%rsi)
	decq	%rsi
	movl	$10, %ecx
1:	xorl	%edx, %edx
	divl	%ecx
	addb	$'0', %dl
	decq	%rsi
	movb	%dl, (%rsi)
	testl	%eax, %eax
	jnz	1b
	call	puts
	addq	$16, %rsp
	ret

	.section ".rodata", "a"
msg_prefix:	.asciz	"apboot: "
msg_online:	.asciz	" APs online\n"
msg_bad_params:	.asciz	"apboot: bad boot parameters\n"
msg_no_mailbox:	.asciz	"apboot: no wake-up mailbox\n"

/* ============================================================= AP entry */
	.section ".text", "ax"
/*
 * Entered from the trampoline's startup_64: 64-bit mode, trampoline page
 * tables and GDT, no usable stack.
 */
	.balign	16
	.globl	secondary_startup_64
secondary_startup_64:
	/* Kernel CR4, keeping the paging depth the trampoline chose. */
	movq	%cr4, %rcx
	andl	$CR4_LA57, %ecx
	movq	BP + BP_CR4, %rax
	andq	$~CR4_LA57, %rax
	orq	%rcx, %rax
	movq	%rax, %cr4

	movq	BP + BP_CR3, %rax
	movq	%rax, %cr3

	/*
	 * EFER: SCE, and NXE when CPUID reports NX.  A trampoline that stays
	 * in 64-bit mode (trampoline_start64 of newer kernels, e.g. 6.12, when
	 * the paging depth already matches) hands over the firmware's EFER and
	 * CR0, so the entry stub completes both.  EFER is written only when it
	 * changes: under TDX a WRMSR to EFER raises #VE.
	 */
	movl	$0x80000001, %eax
	cpuid
	movl	%edx, %edi			/* edi = extended feature bits */
	movl	$MSR_EFER, %ecx
	rdmsr
	movl	%eax, %esi			/* esi = EFER as found */
	orl	$EFER_SCE, %eax
	btl	$20, %edi			/* NX */
	jnc	1f
	orl	$EFER_NXE, %eax
1:	cmpl	%esi, %eax
	je	2f
	wrmsr					/* edx: high half as read */
2:
	/*
	 * CR0: the kernel's MP ET WP AM on top of what the trampoline left.
	 * PE and PG are set by now; NE stays as the trampoline chose it, so
	 * a trampoline that drops NE remains visible in the final state.
	 */
	movq	%cr0, %rax
	orl	$KERNEL_CR0_ADD, %eax
	movq	%rax, %cr0

	lgdt	kernel_gdt_desc(%rip)
	movl	$KERNEL_DS, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%eax, %fs
	movl	%eax, %gs

	/* APIC ID -> cpu number -> per-CPU area and stack. */
	movl	$0x0b, %eax
	xorl	%ecx, %ecx
	cpuid
	movl	%edx, %r13d			/* r13 = APIC ID */
	cmpl	BP + BP_APICID_LIMIT, %edx
	jae	unknown_cpu
	movq	BP + BP_APICID_CPU, %rax
	movl	(%rax, %rdx, 4), %ebx		/* rbx = cpu number */
	cmpl	$-1, %ebx
	je	unknown_cpu
	testl	%ebx, %ebx
	jz	unknown_cpu			/* cpu 0 is the BSP */

	movq	BP + BP_PERCPU_STRIDE, %rsp
	movq	%rsp, %r12
	imulq	%rbx, %r12
	addq	BP + BP_PERCPU_BASE, %r12	/* r12 = per-CPU base */
	addq	%r12, %rsp			/* stack top = end of the area */
	movl	$PC_STATE_ENTRY, PC_STATE(%r12)

	/* Off the trampoline stack: let the next AP in. */
	movq	BP + BP_TRAMPOLINE_LOCK, %rax
	testq	%rax, %rax
	jz	1f
	movl	$0, (%rax)
1:
	movl	$MSR_GS_BASE, %ecx
	movl	%r12d, %eax
	movq	%r12, %rdx
	shrq	$32, %rdx
	wrmsr

	pushq	$KERNEL_CS
	leaq	start_secondary(%rip), %rax
	pushq	%rax
	lretq

unknown_cpu:
	lock incl ap_errors(%rip)
	cli
1:	hlt
	jmp	1b

/* rbx = cpu, r12 = per-CPU base, r13 = APIC ID, on the per-CPU stack */
	.balign	16
	.globl	start_secondary
start_secondary:
	movl	%ebx, %gs:PC_CPU
	movl	%r13d, %gs:PC_APICID
	movq	%r12, %gs:PC_SELF
	movl	$PC_STATE_STARTED, %gs:PC_STATE
	cmpl	$BP_WORK_CALIBRATE, BP + BP_WORK
	jne	1f
	call	calibrate
1:	lock btsq %rbx, online_bitmap(%rip)
	movl	$PC_STATE_ONLINE, %gs:PC_STATE
	movl	$1, %eax
	lock xaddl %eax, online_count(%rip)
	cli
2:	hlt
	jmp	2b

/*
 * Compute-bound per-CPU work: a delay loop, then clear the scratch area,
 * fill it with (cpu << 32) + index and sum it.  Result in PC_CHECKSUM:
 * 56 * (cpu << 32) + 1540.
 */
	.globl	calibrate
calibrate:
	movq	BP + BP_ITERATIONS, %rcx
	movq	%rcx, %gs:PC_DELAY
	testq	%rcx, %rcx
	jz	2f
1:	decq	%rcx
	jnz	1b
2:	leaq	PC_SCRATCH(%r12), %rdi
	movl	$PC_SCRATCH_QWORDS, %ecx
	xorl	%eax, %eax
	rep stosq
	movq	%rbx, %rdx
	shlq	$32, %rdx
	xorl	%ecx, %ecx
3:	leaq	(%rdx, %rcx), %rax
	movq	%rax, PC_SCRATCH(%r12, %rcx, 8)
	incl	%ecx
	cmpl	$PC_SCRATCH_QWORDS, %ecx
	jb	3b
	xorl	%eax, %eax
	xorl	%ecx, %ecx
4:	addq	PC_SCRATCH(%r12, %rcx, 8), %rax
	incl	%ecx
	cmpl	$PC_SCRATCH_QWORDS, %ecx
	jb	4b
	movq	%rax, %gs:PC_CHECKSUM
	ret

/* ============================================================= data */
	.section ".bootparams", "aw"
	.globl	boot_params
boot_params:
	.fill	BP_SIZE, 1, 0

	.section ".kdata", "aw"
	.globl	online_count
online_count:	.long	0
	.globl	ap_errors
ap_errors:	.long	0
	.globl	bsp_state
bsp_state:	.long	0

	.balign	64
	.globl	kernel_gdt
kernel_gdt:
	.quad	0
	.quad	0x00cf9b000000ffff	/* 0x08: 32-bit code */
	.quad	0x00af9b000000ffff	/* 0x10: 64-bit code */
	.quad	0x00cf93000000ffff	/* 0x18: data */
kernel_gdt_end:
	.balign	16
	.globl	kernel_gdt_desc
kernel_gdt_desc:
	.word	kernel_gdt_end - kernel_gdt - 1
	.quad	kernel_gdt

/* Identity map of 0..4 GiB with 2 MiB pages; PML5 entry 0 -> PML4 for 5-level. */
	.section ".pgtable", "aw"
	.globl	kernel_pml5
kernel_pml5:
	.quad	kernel_pml4 + PTE_TABLE
	.fill	511, 8, 0
	.globl	kernel_pml4
kernel_pml4:
	.quad	kernel_pdpt + PTE_TABLE
	.fill	511, 8, 0
	.globl	kernel_pdpt
kernel_pdpt:
	.quad	kernel_pd + 0 * PAGE_SIZE + PTE_TABLE
	.quad	kernel_pd + 1 * PAGE_SIZE + PTE_TABLE
	.quad	kernel_pd + 2 * PAGE_SIZE + PTE_TABLE
	.quad	kernel_pd + 3 * PAGE_SIZE + PTE_TABLE
	.fill	508, 8, 0
	.globl	kernel_pd
kernel_pd:
	.set	kp_i, 0
	.rept	2048
	.quad	(kp_i << 21) + PTE_LARGE
	.set	kp_i, kp_i + 1
	.endr

	.section ".bss", "aw", @nobits
	.balign	4096
	.globl	online_bitmap
online_bitmap:
	.space	MAX_CPUS / 8
	.balign	4096
	.globl	bsp_stack
bsp_stack:
	.space	BSP_STACK_SIZE
	.globl	bsp_stack_top
bsp_stack_top:
