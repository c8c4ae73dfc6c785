/* A tiny unit-test harness for host tests: CHECK() counts, the summary line
 * is "N passed, N failed" and the exit status is non-zero on any failure. */
#pragma once

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_passed, check_failed;

#define CHECK(cond) check_one(!!(cond), #cond, __FILE__, __LINE__)
#define CHECK_EQ_U(a, b) check_eq_u((unsigned long long)(a), (unsigned long long)(b), \
                                    #a " == " #b, __FILE__, __LINE__)
#define CHECK_STR(a, b) check_str((a), (b), #a " == " #b, __FILE__, __LINE__)

static inline void check_one(int ok, const char *what, const char *file, int line)
{
    if (ok) {
        check_passed++;
    } else {
        check_failed++;
        printf("FAIL %s:%d: %s\n", file, line, what);
    }
}

static inline void check_eq_u(unsigned long long a, unsigned long long b, const char *what,
                              const char *file, int line)
{
    check_one(a == b, what, file, line);
    if (a != b)
        printf("     got 0x%llx, want 0x%llx\n", a, b);
}

static inline void check_str(const char *a, const char *b, const char *what,
                             const char *file, int line)
{
    int ok = a && b && strcmp(a, b) == 0;
    check_one(ok, what, file, line);
    if (!ok)
        printf("     got \"%s\", want \"%s\"\n", a ? a : "(null)", b ? b : "(null)");
}

static inline int check_summary(const char *suite)
{
    printf("%s: %d passed, %d failed\n", suite, check_passed, check_failed);
    return check_failed ? 1 : 0;
}

/* Read a whole file into a malloc'd buffer sized exactly; NULL if absent. */
static inline unsigned char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc(n > 0 ? (size_t)n : 1);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        fclose(f);
        free(buf);
        return NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return buf;
}
