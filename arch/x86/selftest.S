/* Self-test helpers that fault on purpose, recovered through .extable. */
#include <arch_asm.h>
#include <extable_asm.h>

#define NREGS 15                        /* every GPR but rsp */

    .section .rodata
    .balign 8
    /* One distinct pattern per register, in struct arch_regs order. */
patterns:
    .quad 0x1111111111111111, 0x2222222222222222, 0x3333333333333333 /* rax rbx rcx */
    .quad 0x4444444444444444, 0x5555555555555555, 0x6666666666666666 /* rdx rsi rdi */
    .quad 0x7777777777777777, 0x8888888888888888, 0x9999999999999999 /* rbp r8 r9 */
    .quad 0xaaaaaaaaaaaaaaaa, 0xbbbbbbbbbbbbbbbb, 0xcccccccccccccccc /* r10 r11 r12 */
    .quad 0xdddddddddddddddd, 0xeeeeeeeeeeeeeeee, 0xf0f0f0f0f0f0f0f0 /* r13 r14 r15 */

    .section .bss
    .balign 8
saved_rsp:
    .skip 8

    .text
/* uint32_t arch_trap_roundtrip_check(void) */
    .globl arch_trap_roundtrip_check
arch_trap_roundtrip_check:
    push %rbx
    push %rbp
    push %r12
    push %r13
    push %r14
    push %r15
    mov %rsp, saved_rsp(%rip)
    mov patterns + 0 * 8(%rip), %rax
    mov patterns + 1 * 8(%rip), %rbx
    mov patterns + 2 * 8(%rip), %rcx
    mov patterns + 3 * 8(%rip), %rdx
    mov patterns + 4 * 8(%rip), %rsi
    mov patterns + 5 * 8(%rip), %rdi
    mov patterns + 6 * 8(%rip), %rbp
    mov patterns + 7 * 8(%rip), %r8
    mov patterns + 8 * 8(%rip), %r9
    mov patterns + 9 * 8(%rip), %r10
    mov patterns + 10 * 8(%rip), %r11
    mov patterns + 11 * 8(%rip), %r12
    mov patterns + 12 * 8(%rip), %r13
    mov patterns + 13 * 8(%rip), %r14
    mov patterns + 14 * 8(%rip), %r15
.Lrt_fault:
    ud2
.Lrt_fixup:
    /* Push them all (rax lowest, as in the table), then compare. */
    PUSH_GPRS
    xor %eax, %eax                      /* registers that differ */
    xor %ecx, %ecx
    lea patterns(%rip), %rdx
1:  mov (%rsp, %rcx, 8), %rsi
    cmp (%rdx, %rcx, 8), %rsi
    setne %sil
    movzbl %sil, %esi
    add %esi, %eax
    inc %ecx
    cmp $NREGS, %ecx
    jb 1b
    add $NREGS * 8, %rsp
    cmp saved_rsp(%rip), %rsp           /* rsp counts too */
    setne %cl
    movzbl %cl, %ecx
    add %ecx, %eax
    mov saved_rsp(%rip), %rsp
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbp
    pop %rbx
    ret
    EXTABLE_ENTRY .Lrt_fault, .Lrt_fixup

/* int arch_probe_read(uintptr_t addr, uintptr_t *val) */
    .globl arch_probe_read
arch_probe_read:
.Lprobe_load:
    mov (%rdi), %rax
    mov %rax, (%rsi)
    xor %eax, %eax
    ret
.Lprobe_fixup:
    mov $-1, %eax
    ret
    EXTABLE_ENTRY .Lprobe_load, .Lprobe_fixup
