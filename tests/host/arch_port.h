/* The "host" port: just enough of arch_port.h for generic code to compile
 * into host unit tests (tests/host/). */
#pragma once

#include <types.h>

#define ARCH_NAME "host"
#define ARCH_PAGE_SHIFT 12
#define ARCH_PT_LEVELS 4

struct arch_regs { uint64_t r[32]; };
struct arch_context { uint64_t r[16]; };
struct arch_aspace { uint64_t root; };
struct arch_fpu { uint64_t reg; };   /* one FP register, kcore.h's fk.fpu_reg */
#define ARCH_FPU_LAZY 1                 /* as AArch64, POWER9, RISC-V: fk.fpu_on */
typedef uint64_t arch_pte_t;

/* Port facts arch.h checks: 64-bit words, the ports' user window; the
 * frame keeps the stack pointer after the eight system-call words, then
 * the resume address and a register arch_regs_set_entry also sets (as
 * POWER's r12), so tests see that it did. */
#define ARCH_WORD_BITS 64
#define ARCH_USER_BASE 0x0000008000000000ull
#define ARCH_USER_END 0x0000800000000000ull
#define ARCH_USER_VA_BITS 47
#define ARCH_REGS_SP_OFFSET offsetof(struct arch_regs, r[8])
#define ARCH_REGS_IP_OFFSET offsetof(struct arch_regs, r[9])
#define ARCH_REGS_ENTRY_OFFSET offsetof(struct arch_regs, r[10])

/* System-call registers: words 0-7 in r[0..7], the selector in r[31]. */
#define ARCH_SYSCALL_NUMBER_OFFSET offsetof(struct arch_regs, r[31])
#define ARCH_SYSCALL_WORD_OFFSETS { 0, 8, 16, 24, 32, 40, 48, 56 }
