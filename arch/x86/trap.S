/*
 * IDT entry stubs.  Each stub makes the frame uniform (a 0 where the CPU pushes
 * no error code, then the vector), x86_trap_common saves every general
 * register below it to form struct arch_regs.
 *
 * From ring 0 the frame is on the interrupted kernel stack: x86_trap(regs),
 * then restore every register from the (possibly edited) frame and iretq.
 * From ring 3 the CPU switched to the TSS's rsp0, which arch_set_user_frame
 * points just past the current thread's frame, so the frame is built in
 * place there; then switch to the (empty) kernel stack and call
 * x86_user_trap(regs), which never returns: it leaves through
 * x86_iret_to_user or x86_sysret_to_user.
 *
 * x86_vectors is a table of (vector, stub) pairs that trap.c installs.
 */
#include <arch_asm.h>
#include <x86.h>

.macro VECTOR vec, has_error
    .text
    .balign 16
1:
    .if \has_error == 0
    pushq $0
    .endif
    pushq $\vec
    jmp x86_trap_common
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
    .globl x86_trap_common
x86_trap_common:
    /* Push order is the reverse of struct arch_regs: rax ends up lowest. */
    PUSH_GPRS
    cld                                 /* the C ABI expects DF clear */
    /* The CPU aligned rsp to 16 before its 5-word frame; with error code,
     * vector and 15 registers the frame is 22 words: rsp is 16-aligned here. */
    mov %rsp, %rdi
    testb $3, X86_FRAME_CS(%rsp)        /* CPL of the interrupted code */
    jnz from_user
    call x86_trap
restore_frame:
    POP_GPRS
    add $16, %rsp                       /* drop vector and error code */
    iretq

from_user:
    lea kernel_stack_top(%rip), %rsp /* each entry from ring 3 starts afresh */
    xor %ebp, %ebp                      /* end of the frame-pointer chain */
    call x86_user_trap
    ud2

/* noreturn void x86_iret_to_user(struct arch_regs *regs): the frame (cs and ss
 * already user selectors) is restored with the same code as a kernel trap. */
    .globl x86_iret_to_user
x86_iret_to_user:
    mov %rdi, %rsp
    jmp restore_frame
