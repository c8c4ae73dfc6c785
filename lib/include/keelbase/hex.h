/* One hexadecimal digit's value, shared by the cpio reader (lib/cpio.c) and
 * the host tools that parse hex (tools/qemu-plugin/insncount.c): header-only,
 * so a host program needs no library of the target's. */
#pragma once

/* The value of hex digit c (0-9, a-f, A-F), or -1 for any other character. */
static inline int kb_hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}
