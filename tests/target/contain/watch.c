/* The fault-containment test's client of the real servers: it waits in the
 * name server (for a name no one registers) and then in the console server
 * (for input) while contain crashes each (contain.c, step 4).  Each wait
 * must end with an error, not hang; then it finds the restarted name server
 * through the same slot (root gives its clients the new gate there) and the
 * restarted console server by name, and uses both. */
#include "common.h"

#define WAIT_LONG_US 30000000
#define RETRIES 500
#define RETRY_US 10000

static int failures;

static void check(struct keel_utcb *u, uint32_t console, bool ok, const char *what)
{
    if (keel_console_printf(u, console, "contain-watch: [%s] %s\n", ok ? " ok " : "FAIL", what))
        keel_printf("contain-watch: [%s] %s\n", ok ? " ok " : "FAIL", what);
    failures += !ok;
}

/* The name server's next answer (KEEL_S_NOT_FOUND for a name no one
 * registered) through the same slot; the lookups it took. */
static uint32_t names_again(struct keel_utcb *u, uint32_t *tries)
{
    uint32_t e = 1, cap = KEEL_CAP_OPEN;
    for (*tries = 0; e != KEEL_S_NOT_FOUND && *tries < RETRIES; ++*tries) {
        e = keel_names_lookup(u, NAMES, "contain-nobody", &cap);
        if (e != KEEL_S_NOT_FOUND)
            sleep_us(u, RETRY_US);
    }
    return e;
}

int main(void)
{
    struct keel_utcb *u = keel_utcb();
    uint32_t kv = KEEL_CAP_OPEN, cap = KEEL_CAP_OPEN, tries, console = KEEL_CAP_OPEN;
    char c;
    size_t got;
    if (keel_names_wait(u, NAMES, KV_NAME, WAIT_US, &kv))
        return 1;
    /* The name server, crashed while we wait in it. */
    kv_put(u, kv, WATCH_MARK, "names");
    uint32_t e = keel_names_wait(u, NAMES, "contain-nobody", WAIT_LONG_US, &cap);
    keel_console_printf(u, CONSOLE, "contain-watch: the name server died while we waited in "
                        "it: error %u\n", e);
    check(u, CONSOLE, e == KEEL_E_PARTNER, "a wait in the name server that dies: "
          "KEEL_E_PARTNER, no hang");
    e = names_again(u, &tries);
    keel_console_printf(u, CONSOLE, "contain-watch: the restarted name server answered after "
                        "%u lookup(s)\n", tries);
    check(u, CONSOLE, e == KEEL_S_NOT_FOUND, "the restarted name server answers in the same "
          "slot");
    /* It started empty: root registered the store again (its line says
     * register), so the store is found by name and serves. */
    uint32_t kv2 = KEEL_CAP_OPEN;
    char value[KV_MAX + 1];
    e = keel_names_wait(u, NAMES, KV_NAME, WAIT_US, &kv2);
    e = e ? e : kv_get(u, kv2, WATCH_MARK, value);
    keel_console_printf(u, CONSOLE, "contain-watch: the store found by name in the restarted "
                        "name server: error %u\n", e);
    check(u, CONSOLE, !e, "a second server (the store), found by name after the name server's "
          "restart");
    /* The console server, crashed while we wait in it for input. */
    kv_put(u, kv, WATCH_MARK, "console");
    e = keel_console_read(u, CONSOLE, &c, 1, WAIT_LONG_US, &got);
    keel_printf("contain-watch: the console server died while we waited in it: error %u\n", e);
    check(u, CONSOLE, e == KEEL_E_PARTNER, "a read from the console server that dies: "
          "KEEL_E_PARTNER, no hang");
    e = keel_names_wait(u, NAMES, KEEL_CONSOLE_NAME, WAIT_US, &console);
    check(u, CONSOLE, !e && !keel_console_printf(u, console, "contain-watch: printed through "
                                                 "the restarted console, found by name\n"),
          "the restarted console server, found by name, prints");
    return failures;
}
