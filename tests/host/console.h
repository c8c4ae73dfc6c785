/* Host stand-in for the boot console: collects what kprintf prints. */
#pragma once

#include <arch.h>

static char console_buf[1 << 16];
static size_t console_len;

void arch_console_putc(char c)
{
    if (console_len + 1 < sizeof(console_buf))
        console_buf[console_len++] = c;
    console_buf[console_len] = '\0';
}
