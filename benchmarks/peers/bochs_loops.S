# A 128 KiB boot ROM for Bochs that runs one of GuestLoopBenchmark's loops forever, for a
# side-by-side figure with apboot's interpreter (see bochs_loops.sh).
#
# From the reset vector it loads a flat GDT, enters 32-bit protected mode and, when LONG is
# defined, 64-bit long mode on an identity-mapped 2 MiB page. Then the loop (dec/jnz, or the
# 8-instruction ALU loop when ALU is defined) runs with ECX counting down from 0x7fffffff,
# reloaded when it reaches zero. Assemble: as --32 [--defsym LONG=1] [--defsym ALU=1].
        .set ROMBASE, 0xF0000     # the ROM's last 64 KiB, as seen below 1 MiB
        .code16
        .text
start16:
        cli
        xor %ax, %ax
        mov %ax, %ds
        mov %ax, %ss
        lgdtl %cs:gdtr
        mov %cr0, %eax
        or $1, %eax
        mov %eax, %cr0
        ljmpl $0x08, $(ROMBASE + pm32)

        .code32
pm32:
        mov $0x10, %ax
        mov %ax, %ds
        mov %ax, %es
        mov %ax, %ss
        mov $0x8000, %esp
.ifdef LONG
        # identity map the first 2 MiB: PML4 0x1000 -> PDPT 0x2000 -> PD 0x3000 (one 2 MiB page)
        movl $0x2003, 0x1000
        movl $0, 0x1004
        movl $0x3003, 0x2000
        movl $0, 0x2004
        movl $0x83, 0x3000
        movl $0, 0x3004
        mov $0x1000, %eax
        mov %eax, %cr3
        mov %cr4, %eax
        or $0x20, %eax
        mov %eax, %cr4
        mov $0xC0000080, %ecx
        rdmsr
        or $0x100, %eax
        wrmsr
        mov %cr0, %eax
        or $0x80000000, %eax
        mov %eax, %cr0
        ljmp $0x18, $(ROMBASE + lm64)
        .code64
lm64:
.endif
outer:
        mov $0x7fffffff, %ecx
.ifdef ALU
inner:
        add %ecx, %eax
        xor %eax, %edx
        shl $1, %edx
        adc %edx, %ebx
        rol $3, %eax
        sub %ebx, %esi
        dec %ecx
        jnz inner
.else
inner:
        dec %ecx
        jnz inner
.endif
        jmp outer

        .balign 8
gdt:
        .quad 0
        .quad 0x00CF9A000000FFFF   # 0x08 flat 32-bit code
        .quad 0x00CF92000000FFFF   # 0x10 flat data
        .quad 0x00AF9A000000FFFF   # 0x18 64-bit code
gdtr:
        .word gdtr - gdt - 1
        .long ROMBASE + gdt

        .code16
        .org 0xFFF0
        ljmp $0xF000, $start16
        .org 0x10000
