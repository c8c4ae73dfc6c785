/* Kernel command-line parsing. */
#include <cmdline.h>
#include <keelbase/string.h>

/* Find word key at a word boundary; returns a pointer just past it, with
 * *has_value telling whether '=' follows. */
static const char *find_key(const char *s, const char *key, bool *has_value)
{
    size_t n = strlen(key);
    if (!s || n == 0)
        return NULL;
    while (*s) {
        while (*s == ' ')
            s++;
        size_t w = 0;
        while (s[w] && s[w] != ' ' && s[w] != '=')
            w++;
        if (w == n && strncmp(s, key, n) == 0) {
            *has_value = s[n] == '=';
            return s + n + (*has_value ? 1 : 0);
        }
        while (*s && *s != ' ')
            s++;
    }
    return NULL;
}

bool cmdline_has(const char *cmdline, const char *key)
{
    bool v;
    return find_key(cmdline, key, &v) != NULL;
}

bool cmdline_value(const char *cmdline, const char *key, char *buf, size_t size)
{
    bool has_value = false;
    const char *v = find_key(cmdline, key, &has_value);
    if (!v || !has_value || size == 0)
        return false;
    size_t i = 0;
    for (; v[i] && v[i] != ' ' && i + 1 < size; i++)
        buf[i] = v[i];
    buf[i] = '\0';
    return true;
}

bool cmdline_uint(const char *cmdline, const char *key, uint64_t *val)
{
    char buf[24];
    if (!cmdline_value(cmdline, key, buf, sizeof(buf)) || !buf[0])
        return false;
    uint64_t v = 0;
    for (const char *p = buf; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        uint64_t d = (uint64_t)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *val = v;
    return true;
}
