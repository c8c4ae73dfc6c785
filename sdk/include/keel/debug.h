/**
 * @file keel/debug.h
 * @brief The debug-console system call, for bring-up and tests.
 *
 * Not a service interface: real components talk to servers over IPC.  It
 * prints to the kernel console, ends the calling task, and lets the root task
 * power the machine off with a verdict.
 */
#pragma once

#include <stddef.h>
#include <keel/syscall.h>

/** Most bytes one KEEL_DEBUG_WRITE prints (more is KEEL_E_INVALID). */
#define KEEL_DEBUG_WRITE_MAX 4096

/** Operations of KEEL_SYS_DEBUG (word 0). */
enum keel_debug_op {
    KEEL_DEBUG_WRITE = 0,       /**< print word 2 bytes at address word 1 */
    KEEL_DEBUG_EXIT = 1,        /**< end the calling task with status word 1 */
    KEEL_DEBUG_POWEROFF = 2,    /**< root task only: print the verdict, power off */
    KEEL_DEBUG_COUNTER_HZ = 3,  /**< word 1 out: ticks per second of keel_counter() */
};

/** Print len bytes of s on the kernel console.  Returns a keel_error. */
static inline int keel_debug_write(const char *s, size_t len)
{
    struct keel_words k = { { KEEL_DEBUG_WRITE, (uintptr_t)s, len } };
    keel_syscall(KEEL_SYS_DEBUG, &k);
    return (int)k.w[0];
}

/** Print the NUL-terminated string s.  Returns a keel_error. */
static inline int keel_debug_puts(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return keel_debug_write(s, n);
}

/** End the calling task with status; does not return. */
static inline _Noreturn void keel_debug_exit(int status)
{
    struct keel_words k = { { KEEL_DEBUG_EXIT, (uintptr_t)status } };
    for (;;)
        keel_syscall(KEEL_SYS_DEBUG, &k);
}

/** Root task only: power off, status 0 meaning the system passed.  Returns
 * (with an error) only when the caller may not. */
static inline int keel_debug_poweroff(int status)
{
    struct keel_words k = { { KEEL_DEBUG_POWEROFF, (uintptr_t)status } };
    keel_syscall(KEEL_SYS_DEBUG, &k);
    return (int)k.w[0];
}

/** Ticks per second of keel_counter(). */
static inline uint64_t keel_counter_hz(void)
{
    struct keel_words k = { { KEEL_DEBUG_COUNTER_HZ } };
    keel_syscall(KEEL_SYS_DEBUG, &k);
    return k.w[0] == 0 ? k.w[1] : 0;
}
