/* Formatted output to the boot console.  The formatter itself, and the
 * in-memory kb_snprintf(), are the shared library's (keelbase/format.h). */
#pragma once

#include <types.h>
#include <keelbase/format.h>

/* Print to the boot console. */
int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int kvprintf(const char *fmt, va_list ap);
