/* What the fault-containment test's programs share: their slots (as
 * tests/target/contain/system.desc gives them), the test server's protocol,
 * and a sleep. */
#pragma once

#include <keel/console.h>
#include <keel/names.h>
#include <keel/system.h>
#include "../../../samples/kvstore/kv.h"

#define NAMES KEEL_SLOT_GIVEN
#define CONSOLE (KEEL_SLOT_GIVEN + 1)
#define NAMES_THREAD (KEEL_SLOT_GIVEN + 2)    /* contain only: cap=thread:names */
#define CONSOLE_THREAD (KEEL_SLOT_GIVEN + 3)  /* contain only: cap=thread:console */
#define SERVER_NAME "contain-server"
#define WATCH_MARK "watch.waits"              /* contain-watch: in which server it waits */
#define WAIT_US 5000000
#define BAD_ADDR ((volatile uintptr_t *)0x0000009000000000ull) /* user space, never mapped */

enum { OP_ECHO = 1, OP_CRASH = 2, OP_SHARE = 3, OP_PEEK = 4 };

/* OP_SHARE: the server writes SHARE_MARK into its page at SHARE_PAGE (in its
 * memory region: a page root delegated to it) and maps it to the caller's
 * window; OP_PEEK answers the word there. */
#define SHARE_PAGE (KEEL_MEMORY_BASE + 0x100000)
#define SHARE_MARK 0x5ba4e
#define SHARE_WINDOW (KEEL_MEMORY_BASE + 0x4000000)   /* the client's, in its region */

/* Sleep us microseconds: wait on a notification no one signals. */
static inline void sleep_us(struct keel_utcb *u, uint32_t us)
{
    static uint32_t never = KEEL_CAP_OPEN;
    if (never == KEEL_CAP_OPEN)
        keel_notification_create(u, KEEL_PROGRAM_FACTORY, 0, &never);
    keel_wait(u, never, us);
}
