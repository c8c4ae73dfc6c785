/* The fault-containment test (issue 8, part 4), run on every machine:
 *
 *  1. This client crashes on its first run (a bad memory access) after
 *     leaving a mark in the key-value store; its line says restart=1, so
 *     root reports the fault and starts it again; the second run finds the
 *     mark: the store kept serving across the crash.
 *  2. It makes the test server crash while it waits for the answer: the
 *     call fails with KEEL_E_PARTNER (an error, not a hang), as does every
 *     later call through the dead gate.
 *  3. Root restarts the server, which registers its new gate under the same
 *     name; this client finds it by name and goes on.
 *
 *  4. It crashes the real name server, then the real console server (its
 *     line gives it their threads: it stops each, points it at an unmapped
 *     address and starts it again), each while contain-watch waits in it
 *     (watch.c): contain-watch gets an error, root restarts the server with
 *     a fresh quota and gives its clients the new gate in the same slot,
 *     and the restarted console registers by name again.
 *  5. It reads a line the harness types through the restarted console
 *     server, where the console has input.
 *
 * contain-peer uses the store and the console all along and must see every
 * request answered (but for the console's calls while it restarts, which
 * must fail, not hang).  Output goes through the console server.
 */
#include "common.h"

#define RETRIES 500
#define RETRY_US 10000
#define RX_TEXT "keel-console-rx 0123456789 abcdefghijklmnopqrstuvwxyz"
#define RX_MAX 96
#define RX_WAIT_US 20000000

static int failures;

static void check(struct keel_utcb *u, bool ok, const char *what)
{
    keel_console_printf(u, CONSOLE, "contain: [%s] %s\n", ok ? " ok " : "FAIL", what);
    failures += !ok;
}

static bool same(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

/* Read the line the harness types once it sees "console-rx: ready",
 * through the console server, where it has input. */
static void read_line(struct keel_utcb *u)
{
    char line[RX_MAX + 1];
    size_t n = 0, got;
    uint32_t e = keel_client_call(u, CONSOLE, KEEL_CONSOLE_INFO, 0, 0, WAIT_US);
    if (e || u->mr[1] == KEEL_CONSOLE_NO_INPUT) {
        keel_console_printf(u, CONSOLE, "contain: console-rx: the console has no input here: "
                            "skipped\n");
        return;
    }
    const char *how = u->mr[1] == KEEL_CONSOLE_INTERRUPTS ? "interrupts" : "polling";
    keel_console_printf(u, CONSOLE, "contain: console-rx: ready (%s)\n", how);
    while (!e && n < RX_MAX && (n == 0 || line[n - 1] != '\n')) {
        e = keel_console_read(u, CONSOLE, line + n, RX_MAX - n, RX_WAIT_US, &got);
        n += got;
    }
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        n--;
    line[n] = 0;
    keel_console_printf(u, CONSOLE, "contain: console-rx: read \"%s\" by %s\n", line, how);
    check(u, !e && same(line, RX_TEXT), "a typed line, read through the console server");
}

/* Wait until contain-watch says it waits in the server what names. */
static bool watch_waits(struct keel_utcb *u, uint32_t kv, const char *what)
{
    char value[KV_MAX + 1];
    for (uint32_t tries = 0; tries < RETRIES; tries++) {
        if (kv_get(u, kv, WATCH_MARK, value) == KEEL_OK && same(value, what)) {
            sleep_us(u, 100000);    /* it calls the server right after the mark */
            return true;
        }
        sleep_us(u, RETRY_US);
    }
    return false;
}

/* Make the thread fault as a bug would: stop it, point it at an unmapped
 * address and start it again.  Its exception goes to root. */
static uint32_t crash(struct keel_utcb *u, uint32_t thread)
{
    uint32_t e = keel_invoke(u, thread, KEEL_THREAD_STOP, 0, 0, 0, 0);
    if (!e)
        e = keel_invoke(u, thread, KEEL_THREAD_SET_REGS, (uintptr_t)BAD_ADDR, 0, 0, 0);
    if (!e)
        e = keel_invoke(u, thread, KEEL_THREAD_START, 0, 0, 0, 0);
    return e;
}

/* 4. Crash the name server, then the console server, each while
 * contain-watch waits in it. */
static void crash_servers(struct keel_utcb *u, uint32_t kv)
{
    bool ok = watch_waits(u, kv, "names");
    keel_console_printf(u, CONSOLE, "contain: crashing the name server, a client waiting in "
                        "it\n");
    check(u, ok && !crash(u, NAMES_THREAD), "the name server made to fault");
    ok = watch_waits(u, kv, "console");
    keel_console_printf(u, CONSOLE, "contain: crashing the console server, a client waiting "
                        "in it\n");
    check(u, ok && !crash(u, CONSOLE_THREAD), "the console server made to fault");
    uint32_t tries = 0, e = 1;
    for (; e && tries < RETRIES; tries++) {
        e = keel_client_call(u, CONSOLE, KEEL_CONSOLE_INFO, 0, 0, WAIT_US);
        if (e)
            sleep_us(u, RETRY_US);
    }
    check(u, !e, "the restarted console answers through the same slot");
}

static uint32_t echo(struct keel_utcb *u, uint32_t gate, uintptr_t v, uintptr_t *out)
{
    u->mr[0] = v;
    uint32_t e = keel_client_call(u, gate, OP_ECHO, 1, 0, WAIT_US);
    *out = u->mr[0];
    return e;
}

int main(void)
{
    struct keel_utcb *u = keel_utcb();
    uint32_t kv = KEEL_CAP_OPEN, server = KEEL_CAP_OPEN;
    char value[KV_MAX + 1];
    uintptr_t got = 0;
    if (keel_names_wait(u, NAMES, KV_NAME, WAIT_US, &kv)) {
        keel_printf("contain: no key-value store\n");
        return 1;
    }
    /* 1. A client crash, contained. */
    if (kv_get(u, kv, "contain.runs", value) == KEEL_S_NOT_FOUND) {
        kv_put(u, kv, "contain.runs", "1");
        keel_console_printf(u, CONSOLE, "contain: first run: crashing on purpose (a bad "
                            "memory access)\n");
        *BAD_ADDR = 1;
        return 99;  /* not reached */
    }
    check(u, same(value, "1"), "restarted after the crash; the store kept our mark");
    /* 2. A server crash while we wait for its answer. */
    uint32_t e = keel_names_wait(u, NAMES, SERVER_NAME, WAIT_US, &server);
    check(u, !e && !echo(u, server, 1, &got) && got == 2, "the test server answers");
    /* A page root delegated to the server, mapped on to us: root takes it
     * back from both when the server ends. */
    uint32_t accept = u->accept_items;
    keel_set_window(u, SHARE_WINDOW, 12);
    u->accept_items = 1;
    e = keel_client_call(u, server, OP_SHARE, 0, 0, WAIT_US);
    u->accept_items = accept;
    keel_set_window(u, 0, 0);
    check(u, !e && *(volatile uintptr_t *)SHARE_WINDOW == SHARE_MARK,
          "the server maps us a page of the memory root gave it");
    e = keel_client_call(u, server, OP_CRASH, 0, 0, WAIT_US);
    keel_console_printf(u, CONSOLE, "contain: the server died during our call: error %u\n", e);
    check(u, e == KEEL_E_PARTNER, "a call whose server dies fails with KEEL_E_PARTNER, no hang");
    check(u, *(volatile uintptr_t *)SHARE_WINDOW == 0,
          "root took the server's page back from us too: a touch gets a fresh zero page");
    check(u, echo(u, server, 1, &got) == KEEL_E_PARTNER,
          "a call through the dead server's gate: KEEL_E_PARTNER");
    /* 3. The restarted server, found by name. */
    uint32_t tries = 0;
    for (e = 1; e && tries < RETRIES; tries++) {
        uint32_t fresh = KEEL_CAP_OPEN;
        if (!keel_names_lookup(u, NAMES, SERVER_NAME, &fresh)) {
            e = echo(u, fresh, 10, &got);
            if (!e && got != 11)
                e = KEEL_E_INVALID;
            keel_invoke(u, KEEL_PROGRAM_TASK, KEEL_TASK_DELETE_CAP, fresh, 0, 0, 0);
        }
        if (e)
            sleep_us(u, RETRY_US);
    }
    keel_console_printf(u, CONSOLE, "contain: found the restarted server by name after %u "
                        "lookup(s)\n", tries);
    check(u, !e, "the restarted server, found by name, answers");
    uint32_t again = KEEL_CAP_OPEN;
    e = keel_names_lookup(u, NAMES, SERVER_NAME, &again);
    e = e ? e : keel_client_call(u, again, OP_PEEK, 0, 0, WAIT_US);
    check(u, !e && u->mr[0] == 0, "the restarted server's page there is root's again, zeroed");
    crash_servers(u, kv);
    read_line(u);
    check(u, kv_put(u, kv, "contain.done", "1") == KEEL_OK, "the store still serves");
    return failures;
}
