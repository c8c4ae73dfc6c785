/**
 * @file keel/syscall.h
 * @brief The raw system-call interface: a selector and eight words in registers.
 *
 * Keel has one IPC system call and one debug-console call for bring-up.  Both
 * pass KEEL_SYSCALL_WORDS machine words in registers each way; the per-ISA
 * register assignment is in keel/arch/ISA/syscall.h and in docs/abi.md.
 */
#pragma once

#include <stdint.h>

/** Words a system call carries in registers, in and out. */
#define KEEL_SYSCALL_WORDS 8

/** System-call selectors. */
enum keel_sysno {
    KEEL_SYS_IPC = 0,       /**< the IPC primitive (keel/ipc.h) */
    KEEL_SYS_DEBUG = 1,     /**< debug console and bring-up operations (keel/debug.h) */
};

/** The words of one system call; the kernel overwrites them with results. */
struct keel_words {
    uintptr_t w[KEEL_SYSCALL_WORDS]; /**< word i travels in the ISA's i-th syscall register */
};

/* The ISA's header (keel/arch/<isa>/syscall.h), picked by the compiler's
 * predefined macros; keel/arch/isa.h is generated from the ports. */
#include <keel/arch/isa.h>

/** Issue system call nr with the words in *k; results replace them. */
static inline void keel_syscall(uintptr_t nr, struct keel_words *k)
{
    keel_arch_syscall(nr, k);
}

/** The machine's free-running counter (keel_counter_hz() ticks a second):
 * the time-stamp counter, the generic timer's virtual count, the time base
 * or the time CSR, as the ISA has it. */
static inline uint64_t keel_counter(void)
{
    return keel_arch_counter();
}
