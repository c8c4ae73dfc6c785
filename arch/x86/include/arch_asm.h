/* Assembler helpers shared by the x86-64 .S files. */
#pragma once

#ifdef __ASSEMBLY__
/* Push every GPR but rsp so that rax ends up lowest: the order of
 * struct arch_regs. */
.macro PUSH_GPRS
    .irp reg, r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax
    push %\reg
    .endr
.endm

/* Pop what PUSH_GPRS pushed. */
.macro POP_GPRS
    .irp reg, rax, rbx, rcx, rdx, rsi, rdi, rbp, r8, r9, r10, r11, r12, r13, r14, r15
    pop %\reg
    .endr
.endm
#endif
