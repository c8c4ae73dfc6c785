/*
 * The root task as pager, as a program sees it (tests/target/ktest/
 * system.desc): a fault in the large-page part of the memory region
 * (KEEL_MEMORY_LARGE) gets the whole 2 MiB block around it in one fault, a
 * fault below it one 4 KiB page; a second thread, started with the gate in
 * KEEL_PROGRAM_PAGER as its handler, has its faults served by root too (its
 * stack and a block of its own), and its exit does not end the program.
 * The first run then crashes on purpose (root takes its memory back and
 * restarts it, restart=1); the second finds the same block zeroed again,
 * once more in one fault.  Root counts the faults (KEEL_PAGER_STATS).
 */
#include <keel/keel.h>
#include <keel/system.h>

#define PAGE ((uintptr_t)4096)
#define MIB ((uintptr_t)1 << 21)
#define BLOCK (KEEL_MEMORY_LARGE + 3 * MIB)             /* the first thread's 2 MiB */
#define BLOCK2 (KEEL_MEMORY_LARGE + 8 * MIB)            /* the second thread's */
#define SMALL (KEEL_MEMORY_BASE + 0x30000000u)          /* two 4 KiB pages */
#define STACK2_TOP (KEEL_MEMORY_BASE + 0x31000000u)     /* the second thread's stack: untouched */
#define UTCB2 ((uintptr_t)0x0000650000000000ull)
#define DONE_LABEL 0x70u                                /* our gate the second thread calls */
#define WAIT_US 2000000u
#define CRASH_AT ((uintptr_t)0x0000700000000000ull)     /* in no region: root ends us */

struct stats {
    uintptr_t faults, large, top, restarted;
};

static int failed;

static void check(bool ok, const char *what)
{
    keel_printf("pagertest: %s: %s\n", ok ? "ok" : "FAILED", what);
    failed += !ok;
}

static struct stats stats(struct keel_utcb *u)
{
    struct keel_ipc_result r = keel_call(u, KEEL_PROGRAM_PAGER, KEEL_TAG(KEEL_PAGER_STATS, 0, 0),
                                         KEEL_TIMEOUT_NEVER);
    if (KEEL_TAG_ERROR(r.tag) || KEEL_TAG_WORDS(r.tag) < 4)
        return (struct stats){ ~(uintptr_t)0, 0, 0, 0 };
    return (struct stats){ u->mr[0], u->mr[1], u->mr[2], u->mr[3] };
}

/* Every page of the 2 MiB block at b reads zero; then each is written. */
static bool block_fresh(uintptr_t b)
{
    bool zero = true;
    for (uintptr_t off = 0; off < MIB; off += PAGE) {
        volatile uintptr_t *w = (volatile uintptr_t *)(b + off);
        zero = zero && w[0] == 0 && w[PAGE / sizeof(uintptr_t) - 1] == 0;
        w[0] = off + 1;
    }
    for (uintptr_t off = 0; off < MIB; off += PAGE)
        zero = zero && *(volatile uintptr_t *)(b + off) == off + 1;
    return zero;
}

static uint32_t done_gate = KEEL_CAP_OPEN;

/* The second thread: its stack (untouched, in the 4 KiB part) and its
 * block fault to root; it reports, then exits (its handler is root's
 * KEEL_PROGRAM_PAGER gate: root leaves it stopped, we go on). */
static void second(struct keel_utcb *u)
{
    u->mr[0] = block_fresh(BLOCK2);
    keel_call(u, done_gate, KEEL_TAG(0, 1, 0), KEEL_TIMEOUT_NEVER);
    keel_debug_exit(0);
}

static void test_second_thread(struct keel_utcb *u)
{
    uint32_t thread = KEEL_CAP_OPEN, e;
    struct stats a = stats(u);
    if ((e = keel_thread_create(u, KEEL_PROGRAM_FACTORY, KEEL_PROGRAM_TASK, &thread)) ||
        (e = keel_gate_create(u, KEEL_PROGRAM_FACTORY, KEEL_PROGRAM_THREAD, DONE_LABEL,
                              &done_gate)) ||
        (e = keel_thread_start(u, thread, KEEL_PROGRAM_FACTORY, (uintptr_t)second, STACK2_TOP,
                               UTCB2, 100, KEEL_PROGRAM_PAGER))) {
        check(false, "a second thread with root as its handler starts");
        return;
    }
    struct keel_ipc_result r = keel_recv(u, done_gate, WAIT_US);
    bool fresh = !KEEL_TAG_ERROR(r.tag) && u->mr[0] == 1;
    if (!KEEL_TAG_ERROR(r.tag))
        keel_ipc(u, KEEL_TAG(0, 0, 0), 0, 0, KEEL_IPC_OPTS(KEEL_IPC_REPLY, 0, 0));
    struct stats b = stats(u);
    keel_printf("pagertest: the second thread: %lu fault(s) served by root, %lu of them large\n",
                (unsigned long)(b.faults - a.faults), (unsigned long)(b.large - a.large));
    check(fresh && b.large - a.large == 1 && b.faults - a.faults >= 2,
          "a second thread's faults reach root: its stack page by page, its 2 MiB block in "
          "one fault, zeroed");
    keel_sleep_us(u, 10000);   /* it exits: root leaves it stopped, and we run on */
    check(stats(u).faults == b.faults, "the second thread's exit did not end the program");
    keel_invoke(u, KEEL_PROGRAM_TASK, KEEL_TASK_DELETE_CAP, thread, 0, 0, 0);
}

int main(void)
{
    struct keel_utcb *u = keel_utcb();
    struct stats a = stats(u);
    check(a.faults != ~(uintptr_t)0, "root answers KEEL_PAGER_STATS on KEEL_PROGRAM_PAGER");
    keel_printf("pagertest: run %lu\n", (unsigned long)a.restarted + 1);
    bool fresh = block_fresh(BLOCK);
    struct stats b = stats(u);
    keel_printf("pagertest: 2 MiB block: %lu fault(s), %lu large, largest order %lu\n",
                (unsigned long)(b.faults - a.faults), (unsigned long)(b.large - a.large),
                (unsigned long)b.top);
    check(fresh && b.faults - a.faults == 1 && b.large - a.large == 1 && b.top == 21,
          a.restarted ? "after the restart the 2 MiB block is zeroed again, one fault maps "
                        "all 512 pages" : "one fault maps all 512 pages of a 2 MiB block of "
                        "the large-page part, zeroed");
    *(volatile uint32_t *)SMALL = 1;
    *(volatile uint32_t *)(SMALL + PAGE) = 2;
    struct stats c = stats(u);
    check(c.faults - b.faults == 2 && c.large == b.large,
          "below KEEL_MEMORY_LARGE a fault maps one 4 KiB page");
    test_second_thread(u);
    if (!a.restarted && !failed) {
        keel_printf("pagertest: first run: crashing on purpose (root takes the memory back "
                    "and restarts us)\n");
        *(volatile uint32_t *)CRASH_AT = 1;
    }
    keel_printf("pagertest: %s\n", failed ? "FAILED" : "passed");
    return failed;
}
