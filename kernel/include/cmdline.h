/* Kernel command line: space-separated words, "key" or "key=value". */
#pragma once

#include <types.h>

/* True if the command line contains the word key (alone or as key=...). */
bool cmdline_has(const char *cmdline, const char *key);

/* Copy the value of key=value into buf (NUL-terminated, truncated to size).
 * Returns false if key has no value on the line. */
bool cmdline_value(const char *cmdline, const char *key, char *buf, size_t size);

/* Value of key=N as an unsigned decimal number; false if absent or not a number. */
bool cmdline_uint(const char *cmdline, const char *key, uint64_t *val);
