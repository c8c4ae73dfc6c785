/* Formatted output, shared by the kernel and the SDK runtime: a small printf
 * (%d %i %u %x %X %p %s %c %%, with flags '-' and '0', a field width, and the
 * l, ll, z and j length modifiers).  Where the characters go is the caller's
 * business: kb_vformat() hands each one to an output function. */
#pragma once

#include <stdarg.h>
#include <stddef.h>

/* Receives each character kb_vformat() produces; ctx is the caller's. */
typedef void kb_putc_fn(void *ctx, char c);

/* Format to out, one character at a time.  Returns the characters produced. */
int kb_vformat(kb_putc_fn *out, void *ctx, const char *fmt, va_list ap);

/* Format into buf (always NUL-terminated when size > 0).  Returns the length
 * the full output would have had, as C's vsnprintf does. */
int kb_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int kb_snprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
