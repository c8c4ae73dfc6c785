/* A small printf, written once for the kernel and the SDK runtime: it hands
 * each character to the caller's output function (the kernel's console, the
 * runtime's line buffer) or fills a bounded buffer. */
#include <stdbool.h>
#include <stdint.h>
#include <keelbase/format.h>

/* Where formatted characters go: the caller's output function, or (out ==
 * NULL) a bounded buffer. */
struct sink {
    kb_putc_fn *out;
    void *ctx;      /* out's first argument */
    char *buf;
    size_t size;
    size_t len;     /* characters produced so far (even past size) */
};

static void put(struct sink *s, char c)
{
    if (s->out)
        s->out(s->ctx, c);
    else if (s->len + 1 < s->size)
        s->buf[s->len] = c;
    s->len++;
}

struct spec {
    bool left;      /* '-' flag */
    bool zero;      /* '0' flag */
    uint32_t width;
};

static void put_padded(struct sink *s, const struct spec *sp, const char *str,
                       size_t n, bool negative)
{
    size_t total = n + (negative ? 1 : 0);
    size_t pad = sp->width > total ? sp->width - total : 0;

    if (!sp->left && !sp->zero)
        for (; pad; pad--)
            put(s, ' ');
    if (negative)
        put(s, '-');
    if (!sp->left && sp->zero)
        for (; pad; pad--)
            put(s, '0');
    for (size_t i = 0; i < n; i++)
        put(s, str[i]);
    for (; pad; pad--)
        put(s, ' ');
}

static void put_number(struct sink *s, const struct spec *sp, uint64_t v,
                       uint32_t base, bool upper, bool negative)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[24];
    size_t n = 0;

    do {
        tmp[sizeof(tmp) - 1 - n++] = digits[v % base];
        v /= base;
    } while (v);
    put_padded(s, sp, tmp + sizeof(tmp) - n, n, negative);
}

/* Read a length modifier; returns the argument size in bytes (4 or 8). */
static const char *parse_length(const char *f, uint32_t *bytes)
{
    *bytes = sizeof(int);
    if (*f == 'l') {
        *bytes = sizeof(long);
        if (*++f == 'l') {
            *bytes = sizeof(long long);
            f++;
        }
    } else if (*f == 'z') {
        *bytes = sizeof(size_t);
        f++;
    } else if (*f == 'j') {
        *bytes = sizeof(intmax_t);
        f++;
    }
    return f;
}

static void format(struct sink *s, const char *f, va_list ap)
{
    while (*f) {
        if (*f != '%') {
            put(s, *f++);
            continue;
        }
        f++;
        struct spec sp = { 0 };
        for (;; f++) {
            if (*f == '-')
                sp.left = true;
            else if (*f == '0')
                sp.zero = true;
            else
                break;
        }
        while (*f >= '0' && *f <= '9' && sp.width < 1000)
            sp.width = sp.width * 10 + (uint32_t)(*f++ - '0');
        uint32_t bytes;
        f = parse_length(f, &bytes);

        char c = *f;
        if (!c)
            break;
        f++;
        switch (c) {
        case 'd':
        case 'i': {
            int64_t v = bytes == 8 ? va_arg(ap, int64_t) : va_arg(ap, int);
            uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
            put_number(s, &sp, mag, 10, false, v < 0);
            break;
        }
        case 'u':
        case 'x':
        case 'X': {
            uint64_t v = bytes == 8 ? va_arg(ap, uint64_t) : va_arg(ap, unsigned int);
            put_number(s, &sp, v, c == 'u' ? 10 : 16, c == 'X', false);
            break;
        }
        case 'p': {
            uintptr_t v = (uintptr_t)va_arg(ap, void *);
            put(s, '0');
            put(s, 'x');
            sp.width = 2 * sizeof(uintptr_t);
            sp.zero = true;
            sp.left = false;
            put_number(s, &sp, v, 16, false, false);
            break;
        }
        case 's': {
            const char *str = va_arg(ap, const char *);
            if (!str)
                str = "(null)";
            size_t n = 0;
            while (str[n])
                n++;
            sp.zero = false;
            put_padded(s, &sp, str, n, false);
            break;
        }
        case 'c': {
            char ch = (char)va_arg(ap, int);
            sp.zero = false;
            put_padded(s, &sp, &ch, 1, false);
            break;
        }
        case '%':
            put(s, '%');
            break;
        default: /* unknown conversion: print it literally */
            put(s, '%');
            put(s, c);
            break;
        }
    }
}

int kb_vformat(kb_putc_fn *out, void *ctx, const char *fmt, va_list ap)
{
    struct sink s = { .out = out, .ctx = ctx };
    format(&s, fmt, ap);
    return (int)s.len;
}

int kb_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    char dummy;
    struct sink s = { .buf = size ? buf : &dummy, .size = size, .len = 0 };
    format(&s, fmt, ap);
    if (size)
        buf[s.len < size ? s.len : size - 1] = '\0';
    return (int)s.len;
}

int kb_snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = kb_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
