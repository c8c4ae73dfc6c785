/* Formatted output: a small printf (%d %i %u %x %X %p %s %c %%, with flags
 * '-' and '0', a field width, and the l, ll, z and j length modifiers). */
#pragma once

#include <types.h>

/* Format into buf (always NUL-terminated when size > 0).  Returns the length
 * the full output would have had, as C's vsnprintf does. */
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Print to the boot console. */
int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int kvprintf(const char *fmt, va_list ap);
