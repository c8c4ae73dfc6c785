/* keel_printf: the kernel's formatter (kernel/print.c, built into the SDK
 * runtime) writing to a line buffer that goes out through the debug call. */
#include <keel/keel.h>
#include <print.h>

#define LINE_MAX 256

static char line[LINE_MAX];
static size_t line_len;

static void flush(void)
{
    keel_debug_write(line, line_len);
    line_len = 0;
}

/* The output hook kernel/print.c calls for each character. */
void arch_console_putc(char c);
void arch_console_putc(char c)
{
    if (c == '\r')
        return; /* the kernel console adds its own */
    line[line_len++] = c;
    if (c == '\n' || line_len == LINE_MAX)
        flush();
}

int keel_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = kvprintf(fmt, ap);
    va_end(ap);
    return n;
}

int keel_snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = kvsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
