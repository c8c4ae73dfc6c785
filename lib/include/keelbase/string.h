/* Memory and string helpers (lib/string.c), the freestanding C functions the
 * compiler may call, for the kernel and the SDK runtime; host unit tests use
 * the C library's. */
#pragma once

#ifdef KEEL_HOST_TEST
#include <string.h>
#else
#include <stddef.h>
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
#endif
