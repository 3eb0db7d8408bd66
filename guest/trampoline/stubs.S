/*
 * Entry points the real_mode_header must name but that AP bring-up never
 * uses: the ACPI S3 wake-up code and the real-mode reboot path.  Each one
 * only parks the CPU.
 */
	.include "arch.inc"

	.code16
	.section ".text16", "ax"
	.globl	wakeup_start
wakeup_start:
	cli
1:	hlt
	jmp	1b

	.code32
	.section ".text32", "ax"
	.globl	machine_real_restart_asm
machine_real_restart_asm:
	cli
1:	hlt
	jmp	1b

	.section ".data", "aw"
	.balign	16
	.globl	wakeup_header
wakeup_header:
	.long	0			/* real-mode entry (unused) */
	.long	0			/* protected-mode entry (unused) */
	.long	0
	.long	0x51ee1111		/* wake-up header signature */
