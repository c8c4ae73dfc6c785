/* x86-64 types and constants that generic code sees through <arch.h>. */
#pragma once

#define ARCH_NAME "x86_64"
#define ARCH_PAGE_SHIFT 12
#define ARCH_PT_LEVELS 4            /* PML4, PDPT, PD, PT: 48-bit virtual addresses */

#ifndef __ASSEMBLY__
#include <types.h>

/*
 * The trap frame, lowest address first.  trap.S pushes the general registers
 * (rax lowest) on top of vector and error code; the CPU pushed error code
 * (or the stub a 0) and rip..ss.  Keep in step with trap.S.
 */
struct arch_regs {
    uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp;
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t vector;                /* IDT vector that was taken */
    uint64_t error;                 /* CPU error code, 0 if the vector has none */
    uint64_t rip, cs, rflags, rsp, ss; /* the CPU's interrupt frame */
};

/* Callee-saved state of a kernel thread (SysV ABI) for arch_context_switch(). */
struct arch_context {
    uint64_t rsp, rbx, rbp, r12, r13, r14, r15, rip;
};

/* A user address space: PML4 physical address and its PCID (CR3 bits 0-11). */
struct arch_aspace {
    uint64_t pml4_pa;
    uint16_t pcid;
};

typedef uint64_t arch_pte_t;
#endif
