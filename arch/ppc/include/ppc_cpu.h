/* Per-CPU state the trap entry reaches through HSPRG0 (C and assembly). */
#pragma once

#include <ppc_spr.h>

/* Offsets in struct ppc_cpu, for trap.S. */
#define CPU_USER_FRAME  0
#define CPU_KSTACK_TOP  8

#ifndef __ASSEMBLY__
#include <arch.h>

struct ppc_cpu {
    struct arch_regs *user_frame;   /* where a trap from problem state saves */
    uint64_t kstack_top;            /* the CPU's kernel stack, empty */
};

_Static_assert(__builtin_offsetof(struct ppc_cpu, user_frame) == CPU_USER_FRAME, "CPU_USER_FRAME");
_Static_assert(__builtin_offsetof(struct ppc_cpu, kstack_top) == CPU_KSTACK_TOP, "CPU_KSTACK_TOP");

/* This CPU's state (HSPRG0). */
static inline struct ppc_cpu *ppc_this_cpu(void)
{
    struct ppc_cpu *c;
    __asm__ volatile("mfspr %0, %1" : "=r"(c) : "i"(SPRN_HSPRG0));
    return c;
}
#endif
