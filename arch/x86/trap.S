/*
 * IDT entry stubs.  Each stub makes the frame uniform (a 0 where the CPU pushes
 * no error code, then the vector), trap_common saves every general register
 * below it to form struct arch_regs, calls x86_trap(regs), restores every
 * register from the (possibly edited) frame and returns with iretq.
 *
 * x86_vectors is a table of (vector, stub) pairs that trap.c installs.
 */
#include <x86.h>

.macro VECTOR vec, has_error
    .text
    .balign 16
1:
    .if \has_error == 0
    pushq $0
    .endif
    pushq $\vec
    jmp trap_common
    .pushsection .rodata
    .quad \vec, 1b
    .popsection
.endm

    .pushsection .rodata
    .balign 8
    .globl x86_vectors
x86_vectors:
    .popsection

    /* Exceptions; 8 (#DF), 10-14, 17 (#AC), 21, 29 and 30 push an error code. */
    .irp v, 0, 1, 2, 3, 4, 5, 6, 7, 9, 15, 16, 18, 19, 20, 22, 23, 24, 25, 26, 27, 28, 31
    VECTOR \v, 0
    .endr
    .irp v, 8, 10, 11, 12, 13, 14, 17, 21, 29, 30
    VECTOR \v, 1
    .endr

    VECTOR X86_VEC_TIMER, 0
    VECTOR X86_VEC_PIC_SPURIOUS1, 0
    VECTOR X86_VEC_PIC_SPURIOUS2, 0
    VECTOR X86_VEC_APIC_SPURIOUS, 0
    /* IOAPIC pins 0-23 */
    .irp v, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23
    VECTOR (X86_VEC_IRQ_BASE+\v), 0
    .endr

    .pushsection .rodata
    .globl x86_vectors_end
x86_vectors_end:
    .popsection

    .text
trap_common:
    /* Push order is the reverse of struct arch_regs: rax ends up lowest. */
    push %r15
    push %r14
    push %r13
    push %r12
    push %r11
    push %r10
    push %r9
    push %r8
    push %rbp
    push %rdi
    push %rsi
    push %rdx
    push %rcx
    push %rbx
    push %rax
    cld                                 /* the C ABI expects DF clear */
    /* The CPU aligned rsp to 16 before its 5-word frame; with error code,
     * vector and 15 registers the frame is 22 words: rsp is 16-aligned here. */
    mov %rsp, %rdi
    call x86_trap
    pop %rax
    pop %rbx
    pop %rcx
    pop %rdx
    pop %rsi
    pop %rdi
    pop %rbp
    pop %r8
    pop %r9
    pop %r10
    pop %r11
    pop %r12
    pop %r13
    pop %r14
    pop %r15
    add $16, %rsp                       /* drop vector and error code */
    iretq
