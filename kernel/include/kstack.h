/*
 * The kernel stack: one per CPU (the boot CPU's so far; kernel/stack.S), with
 * a guard page right below it that an overflow runs into.  Where the kernel
 * translates (x86-64, AArch64, RISC-V) the port leaves the guard unmapped
 * and its fault path reports a hit; where it runs untranslated (POWER9) the
 * guard holds a canary the port checks (docs/design.md, "Bounded kernel
 * stack").  Also included from assembly for the sizes.
 */
#pragma once

#define KSTACK_SIZE 16384           /* bytes of kernel stack per CPU */
#define KSTACK_GUARD_SIZE 4096      /* the guard below it: one page */
/* The stack a port's fault path switches to when the kernel stack itself is
 * unusable (x86's #DF IST, the overflow paths of arm and riscv). */
#define KSTACK_FAULT_SIZE 8192
/* Ports with a canary: the bytes of the guard's top the check reads, and the
 * largest frame it is sure to notice crossing into the guard. */
#define KSTACK_CANARY_SPAN 1024

#ifndef __ASSEMBLY__
#include <types.h>

/* kernel/stack.S: [guard, bottom) is the guard, [bottom, top) the stack. */
extern char kernel_stack_guard[], kernel_stack_bottom[], kernel_stack_top[];
extern char kernel_fault_stack_top[];

/* True if addr lies in the guard page below the kernel stack. */
bool kstack_guard_hit(uintptr_t addr);

/* The kernel stack overflowed (the fault or check at ip, touching addr):
 * panic with "kernel stack overflow".  Called on a usable stack. */
noreturn void kstack_overflow(uintptr_t ip, uintptr_t addr);

/* For ports whose guard cannot fault (ARCH_KSTACK_CANARY in arch_port.h):
 * fill the guard with a canary at boot; the check panics if an overflow
 * wrote into the guard's top KSTACK_CANARY_SPAN bytes. */
void kstack_canary_fill(void);
void kstack_canary_check(void);

/* "stack_overflow" on the command line: overflow the stack on purpose, for
 * the harness, which expects the panic.  Never returns. */
noreturn void kstack_overflow_test(void);
#endif
