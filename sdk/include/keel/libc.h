/**
 * @file keel/libc.h
 * @brief How the C library (newlib) meets Keel: the heap and the system layer.
 *
 * A component linked with the C library (`keel-cc`, or `LIBC` programs in
 * the build) uses newlib's `<stdio.h>`, `<stdlib.h>`, `<string.h>`,
 * `<math.h>`, `<setjmp.h>` and the rest as on any system.  Keel's system
 * layer (sdk/libc/syscalls.c) gives it:
 *
 * - stdout and stderr through the console server where the program's line
 *   gives it one in slot #KEEL_LIBC_CONSOLE (`uses=console@63`), each write
 *   whole; on the debug console where it does not, and for any write the
 *   console server does not take (it died, or is being restarted), so no
 *   output is lost; stdin read from the console server (a read waits for at
 *   least one byte), or at its end without one or where it has no input;
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

/** The slot where the C library looks for the console server's gate for
 * stdin, stdout and stderr (`uses=console@63` in the system description):
 * the last of a program's 64. */
#define KEEL_LIBC_CONSOLE 63

/** Where the C library's stdout and stderr went last (keel_libc_stdio()). */
enum keel_libc_stdio {
    KEEL_LIBC_STDIO_NONE = 0,       /**< nothing written yet */
    KEEL_LIBC_STDIO_CONSOLE = 1,    /**< through the console server */
    KEEL_LIBC_STDIO_DEBUG = 2,      /**< on the kernel's debug console */
};

/** Where the last write to stdout or stderr went (enum keel_libc_stdio). */
int keel_libc_stdio(void);
