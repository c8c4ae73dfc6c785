/* Kernel-wide facilities: version, verdict and panic. */
#pragma once

#include <arch.h>

#define KEEL_VERSION "0.1.0"

/* Exit statuses handed to arch_poweroff(). */
enum exit_status {
    EXIT_PASS = 0,      /* everything asked for ran and passed */
    EXIT_FAIL = 1,      /* a test failed */
    EXIT_PANIC = 2,     /* the kernel stopped on an unrecoverable error */
};

/* Print the verdict line the test harness reads, then power off. */
noreturn void kernel_finish(enum exit_status status);

/* Report an unrecoverable kernel error, print the verdict, power off. */
noreturn void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Name of a fault kind ("page fault (read)", ...). */
const char *fault_kind_name(enum fault_kind kind);

/* Kernel-mode exceptions seen so far, and the most recent one. */
uint32_t exception_count(void);
struct fault_info exception_last(void);

/* Resume address for a fault at ip, or 0 if ip has no fix-up. */
uintptr_t extable_fixup(uintptr_t ip);
