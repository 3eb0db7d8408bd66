/*
 * real_mode_header of the trampoline blob: 32-bit offsets from the start of
 * the blob, each listed in the linear relocation table so that after
 * installation they hold physical addresses.  Field order follows the
 * x86-64 layout without the SEV-ES entry point.
 */
	.section ".header", "a"
	.balign	16
	.globl	real_mode_header
real_mode_header:
	.long	pa_text_start
	.long	pa_ro_end
	.long	pa_trampoline_start
	.long	pa_trampoline_header
	.long	pa_trampoline_start64
	.long	pa_trampoline_pgd
	.long	pa_wakeup_start
	.long	pa_wakeup_header
	.long	pa_machine_real_restart_asm
	.long	0x08			/* machine_real_restart_seg: 32-bit code selector */
	.globl	real_mode_header_end
real_mode_header_end:

/* Marker placed after everything else; the loader may use it as a sanity check. */
	.section ".signature", "a"
	.globl	end_signature
end_signature:
	.long	0x65a22c82
