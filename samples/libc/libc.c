/*
 * The C library on Keel: newlib's stdio, malloc, strings, math and setjmp,
 * and the runtime's clock and sleep, each checked against a known answer.
 * Prints one line per check and exits with the number that failed (the
 * root task reports a non-zero status as a failure).
 */
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <keel/keel.h>
#include <keel/libc.h>

static int failed;

static void check(int ok, const char *what)
{
    printf("libc: %s %s\n", ok ? "ok  " : "FAIL", what);
    failed += !ok;
}

static void test_stdio(void)
{
    char buf[64];
    int n = snprintf(buf, sizeof buf, "%d %5.2f %s %llx %-3c|", -42, 3.14159, "keel",
                     0x123456789abcull, 'x');
    check(n == (int)strlen(buf) && strcmp(buf, "-42  3.14 keel 123456789abc x  |") == 0,
          "snprintf formats integers, floating point, strings");
    int a = 0;
    double d = 0;
    char word[8];
    check(sscanf("17 2.5e3 abc", "%d %lf %7s", &a, &d, word) == 3 && a == 17 && d == 2500.0 &&
          strcmp(word, "abc") == 0, "sscanf parses integers, doubles, strings");
    const char *volatile long_word = "truncated";   /* not checked at compile time */
    check(snprintf(buf, 4, "%s", long_word) == 9 && strcmp(buf, "tru") == 0,
          "snprintf truncates and counts");
    check(fputs("libc: stdout through fputs\n", stdout) >= 0 && fflush(stdout) == 0,
          "fputs and fflush");
}

static int compare_ints(const void *x, const void *y)
{
    return *(const int *)x - *(const int *)y;
}

static void test_malloc(void)
{
    enum { BLOCKS = 64 };
    unsigned char *blocks[BLOCKS];
    int ok = 1;
    for (int i = 0; i < BLOCKS; i++) {
        size_t size = 1000u + (size_t)i * 4096u;        /* about 8 MiB in all */
        blocks[i] = malloc(size);
        if (!blocks[i]) {
            ok = 0;
            break;
        }
        memset(blocks[i], i, size);
    }
    for (int i = 0; ok && i < BLOCKS; i++)
        ok = blocks[i][0] == i && blocks[i][1000u + (size_t)i * 4096u - 1] == i;
    check(ok, "malloc: 64 blocks, 8 MiB, each keeps its contents");
    for (int i = 0; i < BLOCKS; i++)
        free(blocks[i]);
    int *v = calloc(1000, sizeof *v);
    ok = v != NULL;
    for (int i = 0; ok && i < 1000; i++)
        ok = v[i] == 0;
    for (int i = 0; v && i < 1000; i++)
        v[i] = (i * 7919) % 1000;
    int *w = v ? realloc(v, 2000 * sizeof *v) : NULL;
    ok = ok && w != NULL;
    if (w) {
        qsort(w, 1000, sizeof *w, compare_ints);
        for (int i = 1; ok && i < 1000; i++)
            ok = w[i - 1] <= w[i];
    }
    free(w);
    check(ok, "calloc zeroes, realloc keeps, qsort sorts");
    errno = 0;
    /* volatile: Clang may otherwise drop an unused malloc and assume success */
    void *volatile huge = malloc((size_t)KEEL_HEAP_MAX + 1);
    check(huge == NULL && errno == ENOMEM, "malloc beyond the heap's limit fails with ENOMEM");
    free(huge);
}

static void test_strings(void)
{
    char text[] = "alpha,beta,,gamma";
    char *save = NULL;
    const char *t1 = strtok_r(text, ",", &save);
    const char *t2 = strtok_r(NULL, ",", &save);
    const char *t3 = strtok_r(NULL, ",", &save);
    check(t1 && t2 && t3 && !strcmp(t1, "alpha") && !strcmp(t2, "beta") &&
          !strcmp(t3, "gamma") && !strtok_r(NULL, ",", &save), "strtok_r splits");
    char *end;
    check(strtol("  -0x7fz", &end, 0) == -127 && *end == 'z' &&
          strtoul("777", NULL, 8) == 511u, "strtol and strtoul");
    check(strchr("keel", 'e') && strrchr("keel", 'e') - "keel" == 2 &&
          strstr("microkernel", "kern") && !strstr("keel", "x"), "strchr, strrchr, strstr");
    check(toupper('q') == 'Q' && isdigit('7') && !isalpha('1'), "ctype");
    check(strncmp("abcd", "abce", 3) == 0 && memcmp("ab", "ac", 2) < 0, "strncmp, memcmp");
}

static void test_math(void)
{
    volatile double two = 2.0, one = 1.0, half = 0.5;   /* not folded at compile time */
    check(fabs(sqrt(two) - 1.4142135623730951) < 1e-15, "sqrt");
    check(fabs(exp(one) - 2.718281828459045) < 1e-15 && fabs(log(exp(two)) - 2.0) < 1e-15,
          "exp and log");
    check(fabs(sin(half) - 0.479425538604203) < 1e-15 &&
          fabs(cos(half) - 0.8775825618903728) < 1e-15 && fabs(atan2(one, one) - M_PI / 4) < 1e-15,
          "sin, cos, atan2");
    check(pow(two, 10.0) == 1024.0 && floor(-half) == -1.0 && ceil(half) == 1.0 &&
          fmod(7.5, two) == 1.5, "pow, floor, ceil, fmod");
    volatile float f = 2.0f;
    check(fabsf(sqrtf(f) - 1.4142135f) < 1e-6f && isnan(sqrt(-one)) && isinf(one / 0.0),
          "float functions, NaN and infinity");
}

static jmp_buf env;
static volatile int jump = 1;

/* Clobbers callee-saved integer and floating-point registers, then jumps
 * from the deepest call (jump is always set: the compiler cannot know). */
static __attribute__((noinline)) double jump_back(int depth, double x)
{
    volatile double spill[8];
    for (int i = 0; i < 8; i++)
        spill[i] = x * i;
    if (depth)
        return jump_back(depth - 1, spill[7] + 1.0) + spill[1];
    if (jump)
        longjmp(env, 7);
    return spill[7];
}

static void test_setjmp(void)
{
    volatile int count = 0;
    double kept = 1.25;       /* live across setjmp in a callee-saved register */
    long kept_int = 0x5eed;
    int r = setjmp(env);
    count++;
    if (r == 0)
        jump_back(3, 100.0);
    check(r == 7 && count == 2 && kept == 1.25 && kept_int == 0x5eed,
          "setjmp and longjmp keep callee-saved state");
    if (setjmp(env) == 0)
        longjmp(env, 0);
    else
        check(1, "longjmp(env, 0) returns 1");
}

/* stdout and stdin through the console server (system.desc gives its gate
 * in slot KEEL_LIBC_CONSOLE): the line the harness types once it sees the
 * prompt, read with fgets and parsed with sscanf. */
static void test_console(void)
{
    char line[96], word[16];
    int n = 0;
    double x = 0;
    check(fflush(stdout) == 0 && keel_libc_stdio() == KEEL_LIBC_STDIO_CONSOLE,
          "stdout goes through the console server");
    fprintf(stderr, "libc: stderr through the console server too\n");
    check(keel_libc_stdio() == KEEL_LIBC_STDIO_CONSOLE, "stderr goes through the console server");
    printf("libc: stdin: ready\n");
    fflush(stdout);
    if (!fgets(line, sizeof line, stdin)) {
        printf("libc: stdin is at its end here (the console has no input): skipped\n");
        return;
    }
    line[strcspn(line, "\r\n")] = 0;
    printf("libc: stdin: read \"%s\"\n", line);
    check(sscanf(line, "keel-libc-stdin %d %lf %15s", &n, &x, word) == 3 && n == 42 &&
          x == 3.5 && strcmp(word, "words") == 0, "fgets reads a typed line from stdin");
}

static void test_time(void)
{
    uint64_t t0 = keel_clock_us();
    clock_t c0 = clock();
    int slept = usleep(20000);
    uint64_t t1 = keel_clock_us();
    check(slept == 0 && t1 - t0 >= 20000 && t1 - t0 < 20000000, "usleep(20 ms) sleeps >= 20 ms");
    check(clock() >= c0, "clock() advances");
    check(keel_yield(keel_utcb()) == KEEL_OK, "keel_yield");
}

int main(void)
{
    test_stdio();
    test_malloc();
    test_strings();
    test_math();
    test_setjmp();
    test_time();
    test_console();
    assert(failed >= 0);
    printf("libc: %d failed\n", failed);
    return failed;
}
