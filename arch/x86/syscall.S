/*
 * The syscall instruction: the CPU has put the user rip in rcx and rflags in
 * r11, cleared the flags in SFMASK (IF and DF among them), loaded the kernel
 * CS/SS from STAR, and left rsp as the user had it.  Build the same frame a
 * trap from ring 3 builds, in the current thread's frame (the TSS's rsp0
 * points just past it), switch to the empty kernel stack and try the IPC
 * fast path (kernel/fastpath.c): it returns the frame to resume, restored
 * here with sysretq, or NULL, and the system call takes the general path
 * (x86_syscall_slow, which never returns).
 * One CPU, so a global scratch word holds the user rsp while it is moved;
 * the kernel does not use GS, hence no swapgs.
 */
#include <arch_asm.h>
#include <x86.h>

#define FRAME_RIP (X86_FRAME_CS - 8)
#define FRAME_RFLAGS (X86_FRAME_CS + 8)
#define FRAME_RSP (X86_FRAME_CS + 16)
#define VA_BITS 48                      /* canonical: bits 63..47 all equal */

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
    PUSH_GPRS
    mov %rsp, %rdi
    mov %rsp, %rbx                      /* saved already; C keeps it */
    lea kernel_stack_top(%rip), %rsp    /* each entry from ring 3 starts afresh */
    xor %ebp, %ebp                      /* end of the frame-pointer chain */
    test %rax, %rax                     /* only IPC (selector 0) can be fast */
    jnz 1f
    call fastpath_ipc
    test %rax, %rax
    jz 1f
    mov %rax, %rdi
    jmp x86_fast_sysret
1:  mov %rbx, %rdi
    call x86_syscall_slow
    ud2

/* noreturn void x86_fast_sysret(struct arch_regs *regs): the fast path's
 * return into a frame its thread saved through the syscall entry (a thread
 * waiting in IPC always did), so cs, ss and rflags are the syscall's.  Makes
 * regs the frame the next trap saves to, as arch_set_user_frame.  A rip
 * that is not canonical (a syscall at the very top of the user half) goes
 * the general way, arch_return_to_user, which never sysrets to it. */
x86_fast_sysret:
    mov FRAME_RIP(%rdi), %rcx
    mov %rcx, %rax
    sar $(VA_BITS - 1), %rax
    jnz 2f
    lea X86_FRAME_SIZE(%rdi), %rax
    mov %rax, x86_tss + X86_TSS_RSP0(%rip)
    mov FRAME_RFLAGS(%rdi), %r11
    mov 0x00(%rdi), %rax
    mov 0x08(%rdi), %rbx
    mov 0x18(%rdi), %rdx
    mov 0x20(%rdi), %rsi
    mov 0x30(%rdi), %rbp
    mov 0x38(%rdi), %r8
    mov 0x40(%rdi), %r9
    mov 0x48(%rdi), %r10
    mov 0x58(%rdi), %r12
    mov 0x60(%rdi), %r13
    mov 0x68(%rdi), %r14
    mov 0x70(%rdi), %r15
    mov FRAME_RSP(%rdi), %rsp
    mov 0x28(%rdi), %rdi
    sysretq
2:  jmp arch_return_to_user

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
