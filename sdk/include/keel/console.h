/**
 * @file keel/console.h
 * @brief The console server's protocol and client stubs: text out and in
 *        through the user-level UART driver.
 *
 * The console server (`sdk/servers/console`, program `console`) owns the
 * console UART: the root task gives it the UART's registers and the
 * interrupt controller (`console daemon serves=console cap=irq-control
 * device=console-uart`), and components reach it through the gate of that
 * service (`uses=console`) or by name.  It drives a 16550 (I/O ports or
 * memory) or a PL011, whichever the kernel reports, receives by interrupt
 * where the UART's line reaches user level and by polling where not; on a
 * machine whose UART no user driver can drive it writes through the
 * kernel's debug console and has no input.  Each write goes out whole, not
 * mixed with another client's.
 */
#pragma once

#include <stdarg.h>
#include <keel/server.h>

/** The name under which the console server registers a gate of its own
 * where its line gives it the name server (`uses=names` after
 * `cap=irq-control`), so that clients find it again after a restart. */
#define KEEL_CONSOLE_NAME "console"

/** Most bytes one write or read request carries. */
#define KEEL_CONSOLE_CHUNK ((KEEL_MSG_WORDS - 1) * sizeof(uintptr_t))

/** Input channels a reader may name (KEEL_CONSOLE_READ's mr1): a line
 * typed as `@N text` (N from 1 to 9, at the line's start, one space
 * optional) goes as `text` and its end of line to readers of channel N
 * (or of channel 0) only; so one console feeds several clients, the VMM
 * of VM N each (docs/vmm.md). */
#define KEEL_CONSOLE_CHANNELS 9

/** Operations of the console server (request labels). */
enum keel_console_op {
    KEEL_CONSOLE_WRITE = 1, /**< mr0 = byte count (at most KEEL_CONSOLE_CHUNK), bytes from
                                 mr1: printed in one piece ('\\n' becomes CR LF) */
    KEEL_CONSOLE_READ = 2,  /**< mr0 = most bytes wanted (at most KEEL_CONSOLE_CHUNK),
                                 optional mr1 = channel (0, the default: any input; 1 to
                                 KEEL_CONSOLE_CHANNELS: lines typed as `@N text` for N = the
                                 channel, and lines addressed to none); answers once input
                                 for it is there: mr0 = count, bytes from mr1 (without the
                                 `@N `). KEEL_E_NOSYS if the console has no input;
                                 KEEL_E_INVALID for a channel above KEEL_CONSOLE_CHANNELS;
                                 KEEL_S_FULL if 8 readers wait already (readers are served
                                 oldest first among those the next byte is for) */
    KEEL_CONSOLE_INFO = 3,  /**< answer: mr0 = enum keel_uart_kind it drives, mr1 = enum
                                 keel_console_input, mr2 = interrupts taken so far */
};

/** How the console server receives (KEEL_CONSOLE_INFO, mr1). */
enum keel_console_input {
    KEEL_CONSOLE_NO_INPUT = 0,      /**< no UART it may drive: output through the debug console */
    KEEL_CONSOLE_INTERRUPTS = 1,    /**< by the UART's receive interrupt */
    KEEL_CONSOLE_POLLING = 2,       /**< by polling (the line does not reach user level) */
};

/** Write len bytes of s to the console at cap (in pieces of at most
 * KEEL_CONSOLE_CHUNK); 0 or the first error. */
static inline uint32_t keel_console_write(struct keel_utcb *u, uint32_t cap, const char *s,
                                          size_t len)
{
    while (len) {
        size_t n = len < KEEL_CONSOLE_CHUNK ? len : KEEL_CONSOLE_CHUNK;
        char *to = (char *)&u->mr[1];
        for (size_t i = 0; i < n; i++)
            to[i] = s[i];
        u->mr[0] = n;
        uint32_t words = (uint32_t)(1 + (n + sizeof(uintptr_t) - 1) / sizeof(uintptr_t));
        uint32_t e = keel_client_call(u, cap, KEEL_CONSOLE_WRITE, words, 0, KEEL_TIMEOUT_NEVER);
        if (e)
            return e;
        s += n;
        len -= n;
    }
    return KEEL_OK;
}

/** Write the string s to the console at cap. */
static inline uint32_t keel_console_puts(struct keel_utcb *u, uint32_t cap, const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return keel_console_write(u, cap, s, n);
}

/** Format as keel_printf() does and write it to the console at cap in one
 * piece (at most KEEL_CONSOLE_CHUNK bytes; longer output is cut). */
static inline uint32_t keel_console_printf(struct keel_utcb *u, uint32_t cap, const char *fmt,
                                           ...) __attribute__((format(printf, 3, 4)));
static inline uint32_t keel_console_printf(struct keel_utcb *u, uint32_t cap, const char *fmt,
                                           ...)
{
    char buf[KEEL_CONSOLE_CHUNK + 1];
    va_list ap;
    va_start(ap, fmt);
    int n = keel_vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    size_t len = n < 0 ? 0 : (size_t)n;
    return keel_console_write(u, cap, buf, len < KEEL_CONSOLE_CHUNK ? len : KEEL_CONSOLE_CHUNK);
}

/** Read up to max bytes (at most KEEL_CONSOLE_CHUNK) from the console at
 * cap into buf, waiting up to timeout_us for the first; 0 and the count in
 * *got, or the error (KEEL_E_TIMEOUT, KEEL_E_NOSYS: no input). */
static inline uint32_t keel_console_read(struct keel_utcb *u, uint32_t cap, char *buf,
                                         size_t max, uint32_t timeout_us, size_t *got)
{
    u->mr[0] = max < KEEL_CONSOLE_CHUNK ? max : KEEL_CONSOLE_CHUNK;
    uint32_t e = keel_client_call(u, cap, KEEL_CONSOLE_READ, 1, 0, timeout_us);
    *got = 0;
    if (e)
        return e;
    size_t n = u->mr[0] < max ? u->mr[0] : max;
    const char *from = (const char *)&u->mr[1];
    for (size_t i = 0; i < n; i++)
        buf[i] = from[i];
    *got = n;
    return KEEL_OK;
}
