/* Host tests for kernel/cmdline.c. */
#include <cmdline.h>
#include "check.h"

int main(void)
{
    const char *line = "selftest expect_mem=256  quiet=yes big=18446744073709551615";
    char buf[8];
    uint64_t v;

    CHECK(cmdline_has(line, "selftest"));
    CHECK(cmdline_has(line, "expect_mem"));
    CHECK(!cmdline_has(line, "self"));          /* whole words only */
    CHECK(!cmdline_has(line, "expect"));
    CHECK(!cmdline_has(NULL, "selftest"));
    CHECK(!cmdline_has(line, ""));

    CHECK(cmdline_value(line, "quiet", buf, sizeof(buf)));
    CHECK_STR(buf, "yes");
    CHECK(!cmdline_value(line, "selftest", buf, sizeof(buf))); /* no value */
    CHECK(cmdline_value("k=truncated", "k", buf, 4));
    CHECK_STR(buf, "tru");

    CHECK(cmdline_uint(line, "expect_mem", &v));
    CHECK_EQ_U(v, 256);
    CHECK(cmdline_uint(line, "big", &v));
    CHECK_EQ_U(v, UINT64_MAX);
    CHECK(!cmdline_uint("big=18446744073709551616", "big", &v)); /* overflow */
    CHECK(!cmdline_uint("n=12a", "n", &v));
    CHECK(!cmdline_uint("n=", "n", &v));
    CHECK(!cmdline_uint(line, "quiet", &v));
    return check_summary("test_cmdline");
}
