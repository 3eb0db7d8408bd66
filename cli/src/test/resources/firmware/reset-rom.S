/*
 * A firmware-style ROM for the embedding tests: 64 KiB, linked at 0xFFFF0000 and aliased at
 * 0xF0000. The vCPU starts at the reset vector (F000:FFF0, linear 0xFFFFFFF0) in real mode,
 * loads a GDT from ROM, enters protected mode, checks that stores to the ROM (at both of its
 * addresses) are ignored, builds identity page tables for 4 GiB in RAM, enters long mode,
 * copies a payload to RAM at 1 MiB and jumps to it; the payload prints on the debug console
 * (port 0xE9) and ends the run through the exit port 0xF4 with status 0x2A.
 *
 * Console output: "real prot long payload\n". A failed ROM check prints "!" and exits with 1.
 *
 * Build: as --64 -o rom.o reset-rom.S && ld -m elf_x86_64 -Ttext=0xffff0000 -e 0 -o rom.elf rom.o
 *        && objcopy -O binary -j .text rom.elf rom.bin
 */
        .set    ROM_ALIAS, 0xF0000
        .set    PML4, 0x1000
        .set    PAYLOAD, 0x100000

        .text
rom_start:

        .code16
real16:
        cli
        mov     $'r', %al
        out     %al, $0xe9
        mov     $'e', %al
        out     %al, $0xe9
        mov     $'a', %al
        out     %al, $0xe9
        mov     $'l', %al
        out     %al, $0xe9
        mov     $' ', %al
        out     %al, $0xe9
        lgdtl   %cs:(gdt_desc - rom_start)
        mov     %cr0, %eax
        or      $1, %eax
        mov     %eax, %cr0
        ljmpl   $0x08, $prot32

        .code32
prot32:
        mov     $0x10, %ax
        mov     %ax, %ds
        mov     %ax, %es
        mov     %ax, %ss
        mov     $0xe9, %dx
        mov     $'p', %al
        out     %al, %dx
        mov     $'r', %al
        out     %al, %dx
        mov     $'o', %al
        out     %al, %dx
        mov     $'t', %al
        out     %al, %dx
        mov     $' ', %al
        out     %al, %dx
        /* stores to ROM, at its address and at its alias, are ignored */
        movl    $0xdeadbeef, rom_word
        movl    $0xdeadbeef, (rom_word - rom_start + ROM_ALIAS)
        cmpl    $0x12345678, rom_word
        jne     rom_broken
        cmpl    $0x12345678, (rom_word - rom_start + ROM_ALIAS)
        jne     rom_broken
        /* identity page tables: PML4 at 0x1000, PDPT at 0x2000, four PDs of 2 MiB pages */
        mov     $PML4, %edi
        mov     $(6 * 4096 / 4), %ecx
        xor     %eax, %eax
        cld
        rep stosl
        movl    $(PML4 + 0x1003), PML4
        xor     %ecx, %ecx
1:      mov     %ecx, %eax
        shl     $12, %eax
        add     $(PML4 + 0x2003), %eax
        mov     %eax, (PML4 + 0x1000)(,%ecx,8)
        inc     %ecx
        cmp     $4, %ecx
        jb      1b
        xor     %ecx, %ecx
2:      mov     %ecx, %eax
        shl     $21, %eax
        or      $0x83, %eax
        mov     %eax, (PML4 + 0x2000)(,%ecx,8)
        inc     %ecx
        cmp     $2048, %ecx
        jb      2b
        mov     %cr4, %eax
        or      $0x20, %eax                     /* PAE */
        mov     %eax, %cr4
        mov     $PML4, %eax
        mov     %eax, %cr3
        mov     $0xc0000080, %ecx               /* EFER.LME */
        rdmsr
        or      $0x100, %eax
        wrmsr
        mov     %cr0, %eax
        or      $0x80000000, %eax               /* PG */
        mov     %eax, %cr0
        ljmp    $0x18, $long64

rom_broken:
        mov     $'!', %al
        out     %al, $0xe9
        mov     $1, %al
        out     %al, $0xf4
        hlt

        .code64
long64:
        mov     $0x8000, %esp
        mov     $0x10, %ax
        mov     %ax, %ds
        mov     %ax, %es
        mov     %ax, %ss
        lea     long_text(%rip), %rsi
        call    print
        /* the payload runs from RAM */
        lea     payload(%rip), %rsi
        mov     $PAYLOAD, %edi
        mov     $(payload_end - payload), %ecx
        rep movsb
        mov     $PAYLOAD, %eax
        jmp     *%rax

print:
        mov     $0xe9, %dx
1:      lodsb
        test    %al, %al
        jz      2f
        out     %al, %dx
        jmp     1b
2:      ret

long_text:
        .asciz  "long "

payload:
        lea     payload_text(%rip), %rsi
        mov     $0xe9, %dx
        xor     %ebx, %ebx
1:      lodsb
        test    %al, %al
        jz      2f
        out     %al, %dx
        add     %eax, %ebx
        jmp     1b
2:      mov     $0x2a, %al
        out     %al, $0xf4
        hlt
payload_text:
        .asciz  "payload\n"
payload_end:

        .balign 8
gdt:
        .quad   0
        .quad   0x00cf9b000000ffff              /* 0x08: 32-bit code (accessed: ROM cannot take the bit) */
        .quad   0x00cf93000000ffff              /* 0x10: data */
        .quad   0x00af9b000000ffff              /* 0x18: 64-bit code */
gdt_end:
gdt_desc:
        .word   gdt_end - gdt - 1
        .long   gdt
rom_word:
        .long   0x12345678

        .org    0xfff0
        .code16
reset_vector:
        jmp     real16
        .org    0x10000
