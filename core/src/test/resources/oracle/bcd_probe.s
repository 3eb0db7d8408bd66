# BCD adjustments on the host CPU, for BcdHardwareTest: a static 32-bit Linux program (no libc)
# that runs DAA, DAS, AAA, AAS, AAM and AAD over every AX and writes the results to stdout.
#
# Build and run: as --32 -o p.o bcd_probe.s && ld -m elf_i386 -o p p.o && ./p > out
#
# Output: records of 4 bytes, little-endian: AX after the instruction (16 bits), then FLAGS
# after it (16 bits). For each section, AX = 0, 1, ..., 0xFFFF in that order. Sections, in order:
#   DAA, DAS, AAA, AAS, each with input FLAGS 0x002, 0x003 (CF), 0x012 (AF), 0x013 (CF, AF);
#   AAM and AAD with bases 10, 16, 7 and 255 (AAM 10, AAD 10, AAM 16, AAD 16, ...), input FLAGS 0x002.

        .code32
        .globl _start

# One section: every AX from 0 to 0xFFFF with FLAGS = %esi, through the instruction given.
        .macro SWEEP insn:vararg
        xor %ecx, %ecx
1:      push %esi
        popfl
        mov %cx, %ax
        \insn
        pushfl
        pop %edx
        mov %ax, (%edi)
        mov %dx, 2(%edi)
        add $4, %edi
        inc %ecx
        cmp $0x10000, %ecx
        jne 1b
        .endm

        .macro FOUR_FLAGS insn:vararg
        mov $0x002, %esi
        SWEEP \insn
        mov $0x003, %esi
        SWEEP \insn
        mov $0x012, %esi
        SWEEP \insn
        mov $0x013, %esi
        SWEEP \insn
        .endm

        .text
_start:
        mov $buf, %edi
        FOUR_FLAGS daa
        FOUR_FLAGS das
        FOUR_FLAGS aaa
        FOUR_FLAGS aas
        mov $0x002, %esi
        .irp base, 10, 16, 7, 255
        SWEEP aam $\base
        SWEEP aad $\base
        .endr

        # write(1, buf, edi - buf) until all is written; a pipe may take it in parts
        mov $buf, %ecx
        mov %edi, %edx
        sub %ecx, %edx
2:      test %edx, %edx
        jz 3f
        mov $4, %eax
        mov $1, %ebx
        int $0x80
        cmp $0, %eax
        jle 4f
        add %eax, %ecx
        sub %eax, %edx
        jmp 2b
3:      mov $1, %eax
        xor %ebx, %ebx
        int $0x80
4:      mov $1, %eax
        mov $1, %ebx
        int $0x80

        .bss
        .lcomm buf, 24 * 0x10000 * 4
