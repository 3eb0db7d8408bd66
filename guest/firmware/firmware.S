/*
 * Firmware side of the ACPI multiprocessor wake-up protocol.  Every AP is
 * started by the machine in 64-bit mode at fw_ap_entry on the firmware page
 * tables (identity, 0..4 GiB) and parks here until the OS hands it a wake-up
 * vector through the mailbox.
 *
 * Mailbox (4 KiB, ACPI 6.4): +0 u16 command, +2 u16 reserved,
 * +4 u32 APIC ID, +8 u64 wake-up vector.  Command 1 = wake up; the woken AP
 * acknowledges by writing command = 0, then jumps to the vector.
 *
 * The OS writes APIC ID and vector first and the command last, and does not
 * touch the mailbox again before the command reads 0.  So once an AP has
 * seen its own APIC ID, a command of 1 that it reads afterwards belongs to
 * its own request and the vector read after that is complete.
 */
	.include "arch.inc"

	.set FW_CODE64,	0x08
	.set FW_DATA,	0x10
	.set MB_COMMAND, 0
	.set MB_APIC_ID, 4
	.set MB_VECTOR,	8
	.set MB_CMD_WAKEUP, 1

	.code64
	.section ".text", "ax"
	.globl	fw_ap_entry
fw_ap_entry:
	cli
	movl	$0x0b, %eax
	xorl	%ecx, %ecx
	cpuid
	movl	%edx, %r8d		/* own x2APIC ID */
	movq	fw_mailbox(%rip), %rbx

	.globl	fw_poll
fw_poll:
	pause
	cmpl	%r8d, MB_APIC_ID(%rbx)
	jne	fw_poll
	cmpw	$MB_CMD_WAKEUP, MB_COMMAND(%rbx)
	jne	fw_poll

	movq	MB_VECTOR(%rbx), %rax
	movw	$0, MB_COMMAND(%rbx)	/* acknowledge */
	jmpq	*%rax

	.section ".data", "aw"
	.balign	16
	.globl	fw_gdt
fw_gdt:
	.quad	0
	.quad	0x00af9b000000ffff	/* 0x08: 64-bit code */
	.quad	0x00cf93000000ffff	/* 0x10: data */
fw_gdt_end:

	.balign	8
	/* Physical address of the wake-up mailbox; the machine may overwrite it. */
	.globl	fw_mailbox
fw_mailbox:
	.quad	0x30000

/* Identity map of 0..4 GiB with 2 MiB pages, 4-level. */
	.section ".pgtable", "aw"
	.balign	PAGE_SIZE
	.globl	fw_pml4
fw_pml4:
	.quad	fw_pdpt + PTE_TABLE
	.fill	511, 8, 0
	.globl	fw_pdpt
fw_pdpt:
	.quad	fw_pd + 0 * PAGE_SIZE + PTE_TABLE
	.quad	fw_pd + 1 * PAGE_SIZE + PTE_TABLE
	.quad	fw_pd + 2 * PAGE_SIZE + PTE_TABLE
	.quad	fw_pd + 3 * PAGE_SIZE + PTE_TABLE
	.fill	508, 8, 0
	.globl	fw_pd
fw_pd:
	.set	fw_i, 0
	.rept	2048
	.quad	(fw_i << 21) + PTE_LARGE
	.set	fw_i, fw_i + 1
	.endr
	.globl	fw_pgtable_end
fw_pgtable_end:
