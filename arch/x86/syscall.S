/*
 * The syscall instruction: the CPU has put the user rip in rcx and rflags in
 * r11, cleared the flags in SFMASK (IF among them), loaded the kernel CS/SS
 * from STAR, and left rsp as the user had it.  Build the same frame a trap
 * from ring 3 builds, in the current thread's frame (the TSS's rsp0 points
 * just past it), and join x86_trap_common, which sees ring 3 in cs.
 * One CPU, so a global scratch word holds the user rsp while it is moved;
 * the kernel does not use GS, hence no swapgs.
 */
#include <x86.h>

    .section .bss
    .balign 8
user_rsp:
    .skip 8

    .text
    .globl x86_syscall_entry
x86_syscall_entry:
    mov %rsp, user_rsp(%rip)
    mov x86_tss + X86_TSS_RSP0(%rip), %rsp
    pushq $X86_USER_DS                  /* ss */
    pushq user_rsp(%rip)                /* rsp */
    push %r11                           /* rflags */
    pushq $X86_USER_CS                  /* cs */
    push %rcx                           /* rip */
    pushq $0                            /* error code */
    pushq $X86_VEC_SYSCALL
    jmp x86_trap_common

/* noreturn void x86_sysret_to_user(struct arch_regs *regs): sysretq takes rip
 * from rcx and rflags from r11, so those two registers are not restored (the
 * ABI lets a system call clobber them).  The caller checked that rip is
 * canonical: otherwise sysretq would #GP in ring 0 on the user stack. */
    .globl x86_sysret_to_user
x86_sysret_to_user:
    mov %rdi, %rsp
    pop %rax
    pop %rbx
    add $8, %rsp                        /* rcx */
    pop %rdx
    pop %rsi
    pop %rdi
    pop %rbp
    pop %r8
    pop %r9
    pop %r10
    add $8, %rsp                        /* r11 */
    pop %r12
    pop %r13
    pop %r14
    pop %r15
    add $16, %rsp                       /* vector and error code */
    pop %rcx                            /* rip */
    add $8, %rsp                        /* cs: from STAR */
    pop %r11                            /* rflags */
    pop %rsp                            /* ss from STAR too */
    sysretq
