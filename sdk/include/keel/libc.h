/**
 * @file keel/libc.h
 * @brief How the C library (newlib) meets Keel: the heap and the system layer.
 *
 * A component linked with the C library (`keel-cc`, or `LIBC` programs in
 * the build) uses newlib's `<stdio.h>`, `<stdlib.h>`, `<string.h>`,
 * `<math.h>`, `<setjmp.h>` and the rest as on any system.  Keel's system
 * layer (sdk/libc/syscalls.c) gives it:
 *
 * - stdout and stderr on the debug console; stdin at its end (no reader yet);
 * - malloc memory growing up from #KEEL_HEAP_BASE to at most #KEEL_HEAP_MAX
 *   bytes, the start of the program's memory region (keel/system.h): each
 *   page comes from the root task by IPC, a zeroed page mapped on the first
 *   fault on it (the break only moves);
 * - exit() ending the task with its status (which the root task reports),
 *   after flushing stdio;
 * - gettimeofday(), clock() and times() from keel_clock_us(), and
 *   nanosleep(), usleep() and sleep() from keel_sleep_us();
 * - ENOSYS for files, processes and signals; raise() ends the task with
 *   status 128 + the signal.
 */
#pragma once

/** User address where the C library's heap (malloc) starts. */
#define KEEL_HEAP_BASE ((uintptr_t)0x0000100000000000ull)
/** Most bytes the heap may grow to. */
#define KEEL_HEAP_MAX ((uintptr_t)0x0000000040000000ull)
