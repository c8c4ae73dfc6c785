/* Host tests for lib/format.c (the formatter, its bounds, its output
 * function) and kernel/print.c (kprintf on the console). */
#include <limits.h>
#include <stdint.h>
#include <print.h>
#include "check.h"
#include "console.h"

/* Not format-checked, so the tests can pass what the compiler would reject. */
static const char *fmt(const char *f, ...)
{
    static char buf[256];
    va_list ap;
    va_start(ap, f);
    kb_vsnprintf(buf, sizeof(buf), f, ap);
    va_end(ap);
    return buf;
}

static void test_conversions(void)
{
    CHECK_STR(fmt("plain"), "plain");
    CHECK_STR(fmt("%d %i %u", -42, 7, 3000000000u), "-42 7 3000000000");
    CHECK_STR(fmt("%x %X", 0xdeadbeefu, 0xabcu), "deadbeef ABC");
    CHECK_STR(fmt("%lld", (long long)INT64_MIN), "-9223372036854775808");
    CHECK_STR(fmt("%llu", (unsigned long long)UINT64_MAX), "18446744073709551615");
    CHECK_STR(fmt("%lx", 0x123456789abcdefUL), "123456789abcdef");
    CHECK_STR(fmt("%zu", (size_t)12345), "12345");
    CHECK_STR(fmt("%d", INT_MIN), "-2147483648");
    CHECK_STR(fmt("%s|%c|%%", "str", 'z'), "str|z|%");
    const char *volatile null_str = NULL;
    CHECK_STR(fmt("%s", null_str), "(null)");
    CHECK_STR(fmt("%p", (void *)0x1234), "0x0000000000001234");
    const char *volatile unknown = "%q|%";
    CHECK_STR(fmt(unknown), "%q|"); /* unknown conversions are printed as-is */
}

static void test_width(void)
{
    CHECK_STR(fmt("[%5d]", 42), "[   42]");
    CHECK_STR(fmt("[%-5d]", 42), "[42   ]");
    CHECK_STR(fmt("[%05d]", -42), "[-0042]");
    CHECK_STR(fmt("[%08x]", 0xbeefu), "[0000beef]");
    CHECK_STR(fmt("[%-6s]", "ab"), "[ab    ]");
    CHECK_STR(fmt("[%3s]", "abcdef"), "[abcdef]");
    CHECK_STR(fmt("[%016llx]", 1ULL), "[0000000000000001]");
}

static void test_bounds(void)
{
    char buf[8];
    memset(buf, 'X', sizeof(buf));
    int n = kb_snprintf(buf, 4, "%s", "abcdef");
    CHECK_EQ_U(n, 6);               /* full length is reported */
    CHECK_STR(buf, "abc");          /* truncated and terminated */
    CHECK(buf[4] == 'X');           /* nothing written past size */

    memset(buf, 'X', sizeof(buf));
    n = kb_snprintf(buf, 0, "%d", 12345);
    CHECK_EQ_U(n, 5);
    CHECK(buf[0] == 'X');           /* size 0 writes nothing */

    n = kb_snprintf(buf, 1, "abc");
    CHECK_EQ_U(n, 3);
    CHECK_STR(buf, "");
}

static void test_console(void)
{
    console_len = 0;
    int n = kprintf("a%db\n", 5);
    CHECK_EQ_U(n, 4);
    CHECK_STR(console_buf, "a5b\r\n"); /* the console gets CR LF */
}

/* An output function that collects what the formatter hands it, and the
 * context it is given, into a bounded buffer. */
struct collect {
    char text[64];
    size_t len;
    unsigned calls;
};

static void collect_put(void *ctx, char c)
{
    struct collect *col = ctx;
    col->calls++;
    if (col->len + 1 < sizeof(col->text))
        col->text[col->len++] = c;
    col->text[col->len] = '\0';
}

static int format_to(struct collect *col, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    int n = kb_vformat(collect_put, col, f, ap);
    va_end(ap);
    return n;
}

static void test_output_function(void)
{
    struct collect col = { .len = 0 };
    int n = format_to(&col, "x=%d %s\n", -7, "ok");
    CHECK_EQ_U(n, 8);
    CHECK_EQ_U(col.calls, 8);        /* one call per character, nothing dropped */
    CHECK_STR(col.text, "x=-7 ok\n");   /* no CR added: that is the console's */

    struct collect other = { .len = 0 };
    n = format_to(&other, "%s", "");
    CHECK_EQ_U(n, 0);
    CHECK_EQ_U(other.calls, 0);
    CHECK_EQ_U(col.calls, 8);        /* each call writes to its own context */
}

int main(void)
{
    test_conversions();
    test_width();
    test_bounds();
    test_console();
    test_output_function();
    return check_summary("test_print");
}
