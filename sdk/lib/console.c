/* keel_printf: the shared formatter (lib/format.c) writing to a line buffer
 * that goes out through the debug call. */
#include <keel/keel.h>
#include <keelbase/format.h>

#define LINE_MAX 256

static char line[LINE_MAX];
static size_t line_len;

static void flush(void)
{
    keel_debug_write(line, line_len);
    line_len = 0;
}

/* The formatter's output function: whole lines go out in one call. */
static void line_put(void *ctx, char c)
{
    line[line_len++] = c;
    if (c == '\n' || line_len == LINE_MAX)
        flush();
}

int keel_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = kb_vformat(line_put, NULL, fmt, ap);
    va_end(ap);
    return n;
}

int keel_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    return kb_vsnprintf(buf, size, fmt, ap);
}

int keel_snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = kb_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
