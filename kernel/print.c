/* kprintf: the shared formatter (lib/format.c) writing to the boot console. */
#include <arch.h>
#include <print.h>

/* The formatter's output function: serial consoles want CR LF. */
static void console_put(void *ctx, char c)
{
    if (c == '\n')
        arch_console_putc('\r');
    arch_console_putc(c);
}

int kvprintf(const char *fmt, va_list ap)
{
    return kb_vformat(console_put, NULL, fmt, ap);
}

int kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = kvprintf(fmt, ap);
    va_end(ap);
    return n;
}
