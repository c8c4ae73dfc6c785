/*
 * ipcbench: IPC round trips (call + reply_wait) with 0, 4 and 64 message
 * words, to a thread in another address space (the bench-server module) and
 * to one in the same address space, the null system call, a map IPC
 * of one page with its unmap, the unmap of a page mapped on through three
 * tasks (ipcbench -> bench-server -> bench-sink), revoking a chain of 1,000 derived
 * capabilities across three tasks, a task's creation and destruction, and
 * last an inter-task round trip in which both sides use an FP register
 * (one per operation, and 36 per operation for the mean).
 *
 * Each of the ROUNDS measured operations of a case is bracketed by benchmark
 * markers (keel/mark.h), and each case ends with a report marker: under
 * QEMU with the insncount plugin (`./keel bench`) that gives the exact guest
 * instructions of every single operation, kernel and user, and the plugin
 * prints one group per case, in the order of the case lines printed here.
 * The machine's counter is read around each case as well (host-clock ticks
 * when QEMU runs without -icount: a rough figure only).
 */
#include <keel/keel.h>
#include <keel/mark.h>
#include <keel/system.h>

#define SELF_TASK 0
#define FACTORY 2
#define SERVICE 3           /* root puts bench-server's gate here */
#define WARMUP 100
#define ROUNDS 2000
#define AREA (KEEL_MEMORY_BASE + 0x40000000u) /* memory the root task maps in */
#define STACK_PAGES 4

static _Noreturn void local_server(uintptr_t utcb)
{
    struct keel_utcb *u = (struct keel_utcb *)utcb;
    struct keel_ipc_result r = keel_recv(u, KEEL_CAP_OPEN, KEEL_TIMEOUT_NEVER);
    for (;;)
        r = keel_reply_wait(u, KEEL_TAG(0, KEEL_TAG_WORDS(r.tag), 0), KEEL_CAP_OPEN,
                            KEEL_TIMEOUT_NEVER);
}

/* A gate to a server thread in this task (same address space). */
static uint32_t start_local_server(struct keel_utcb *u)
{
    uint32_t t = KEEL_CAP_OPEN, g = KEEL_CAP_OPEN;
    keel_memory_touch(AREA, STACK_PAGES * 4096);
    if (keel_thread_create(u, FACTORY, SELF_TASK, &t) ||
        keel_thread_start(u, t, FACTORY, (uintptr_t)local_server, AREA + STACK_PAGES * 4096,
                          AREA + 0x100000, 100, KEEL_CAP_OPEN) ||
        keel_gate_create(u, FACTORY, t, 1, &g))
        return KEEL_CAP_OPEN;
    return g;
}

/* The FP/SIMD case: before each call and in the server before each reply
 * one FP addition on a value of its own (kept in memory, so the register
 * is loaded each time): the round trip pays whatever the kernel's FP/SIMD
 * switching costs when both sides use the unit (docs/performance.md). */
#define TOUCH_FP 3          /* bench-server's label: touch an FP register, then reply */
#define FP_BATCH 36         /* round trips per operation of the batched FP case */
static volatile double fp_value;

/* ops marked operations of batch round trips each with TOUCH_FP, an FP
 * addition before each call (after WARMUP unmarked ones); the value must
 * come out exact (the server's own FP work must not leak in); counter
 * ticks, 0 on error.  A batch of many round trips gives the mean cost where
 * single ones differ (a lazy switch that traps now and then). */
static uint64_t fp_round_trips(struct keel_utcb *u, uint32_t gate, uint32_t batch, uint32_t ops)
{
    double want = fp_value + WARMUP + (double)ops * batch;
    uint64_t start = 0;
    for (uint32_t i = 0; i < WARMUP + ops; i++) {
        if (i == WARMUP)
            start = keel_counter();
        if (i >= WARMUP)
            keel_mark_start();
        for (uint32_t k = 0; k < (i >= WARMUP ? batch : 1); k++) {
            fp_value = fp_value + 1.0;
            struct keel_ipc_result r = keel_call(u, gate, KEEL_TAG(TOUCH_FP, 0, 0),
                                                 KEEL_TIMEOUT_NEVER);
            if (KEEL_TAG_ERROR(r.tag))
                return 0;
        }
        if (i >= WARMUP)
            keel_mark_stop();
    }
    uint64_t ticks = keel_counter() - start;
    keel_mark_report();
    return fp_value == want ? (ticks ? ticks : 1) : 0;
}

/* Counter ticks for ROUNDS round trips, each one a marker pair (0 on error). */
static uint64_t round_trips(struct keel_utcb *u, uint32_t gate, uint32_t words)
{
    for (uint32_t i = 0; i < WARMUP; i++)
        keel_call(u, gate, KEEL_TAG(0, words, 0), KEEL_TIMEOUT_NEVER);
    uint64_t start = keel_counter();
    for (uint32_t i = 0; i < ROUNDS; i++) {
        keel_mark_start();
        struct keel_ipc_result r = keel_call(u, gate, KEEL_TAG(0, words, 0), KEEL_TIMEOUT_NEVER);
        keel_mark_stop();
        if (KEEL_TAG_ERROR(r.tag))
            return 0;
    }
    uint64_t ticks = keel_counter() - start;
    keel_mark_report();
    return ticks ? ticks : 1;
}

/* A map IPC of one page with 4 words to the server in another task (whose
 * window takes it), and the unmap that takes the page back (so the next map
 * maps again): two cases, each operation a marker pair; counter ticks of
 * each over ROUNDS in *map and *unmap; false on error. */
static bool map_send(struct keel_utcb *u, uintptr_t page, bool marked)
{
    keel_mem_item(u, 0, KEEL_ITEM_MAP, page, 12, KEEL_MAP_R | KEEL_MAP_W);
    if (marked)
        keel_mark_start();
    uint64_t tag = keel_call(u, SERVICE, KEEL_TAG(0, 4, 1), KEEL_TIMEOUT_NEVER).tag;
    if (marked)
        keel_mark_stop();
    return !KEEL_TAG_ERROR(tag);
}

static bool unmap_page(struct keel_utcb *u, uintptr_t page, bool marked)
{
    if (marked)
        keel_mark_start();
    uint32_t e = keel_invoke(u, SELF_TASK, KEEL_TASK_UNMAP, page, 12, 0, 0);
    if (marked)
        keel_mark_stop();
    return !e;
}

static bool map_rounds(struct keel_utcb *u, uint64_t *map, uint64_t *unmap)
{
    uintptr_t page = AREA + 0x200000;
    keel_memory_touch(page, 4096);
    for (uint32_t i = 0; i < WARMUP; i++)
        if (!map_send(u, page, false) || !unmap_page(u, page, false))
            return false;
    uint64_t start = keel_counter();
    for (uint32_t i = 0; i < ROUNDS; i++)
        if (!map_send(u, page, true) || !unmap_page(u, page, false))
            return false;
    *map = keel_counter() - start;
    keel_mark_report();
    start = keel_counter();
    for (uint32_t i = 0; i < ROUNDS; i++)
        if (!map_send(u, page, false) || !unmap_page(u, page, true))
            return false;
    *unmap = keel_counter() - start;
    keel_mark_report();
    return true;
}

/* Unmap of a page mapped on through three tasks: each round maps the page
 * to bench-server, which maps it on to bench-sink (a FORWARD call), and the
 * marked operation is the unmap that takes it back from both. */
#define FORWARD 2

static bool forward(struct keel_utcb *u, uintptr_t page)
{
    keel_mem_item(u, 0, KEEL_ITEM_MAP, page, 12, KEEL_MAP_R | KEEL_MAP_W);
    struct keel_ipc_result r = keel_call(u, SERVICE, KEEL_TAG(FORWARD, 0, 1), KEEL_TIMEOUT_NEVER);
    return !KEEL_TAG_ERROR(r.tag) && !u->mr[0];
}

static uint64_t unmap3_rounds(struct keel_utcb *u)
{
    uintptr_t page = AREA + 0x200000;
    for (uint32_t i = 0; i < WARMUP; i++)
        if (!forward(u, page) || !unmap_page(u, page, false))
            return 0;
    uint64_t start = keel_counter();
    for (uint32_t i = 0; i < ROUNDS; i++)
        if (!forward(u, page) || !unmap_page(u, page, true))
            return 0;
    uint64_t ticks = keel_counter() - start;
    keel_mark_report();
    return ticks ? ticks : 1;
}

#define CHAIN 1000          /* copies in the revoked chain */
#define CHAIN_ROUNDS 8      /* each round builds the chain anew: 1,000 calls */
#define TASK_ROUNDS 500

/* A chain of CHAIN copies of the capability in our slot from, each derived
 * from the one before, across the three tasks; false on error. */
static bool build_chain(struct keel_utcb *u, const uint32_t *task, uint32_t from)
{
    if (keel_invoke(u, task[0], KEEL_TASK_GIVE_CAP, from, KEEL_RIGHT_SEND, KEEL_CAP_OPEN, 0))
        return false;
    uint32_t at = (uint32_t)u->mr[0];
    for (uint32_t i = 1; i < CHAIN; i++) {
        if (keel_invoke(u, task[(i - 1) % 3], KEEL_TASK_COPY_CAP, at, task[i % 3],
                        KEEL_CAP_OPEN, KEEL_RIGHT_SEND))
            return false;
        at = (uint32_t)u->mr[0];
    }
    return true;
}

/* Counter ticks of CHAIN_ROUNDS revocations of a CHAIN-long chain (the
 * whole keel_revoke(): 4 bounded calls), each a marker pair; 0 on error. */
static uint64_t revoke_rounds(struct keel_utcb *u)
{
    uint32_t task[3] = { KEEL_CAP_OPEN, KEEL_CAP_OPEN, KEEL_CAP_OPEN }, n = KEEL_CAP_OPEN;
    for (int i = 0; i < 3; i++)
        if (keel_task_create_sized(u, FACTORY, 9, &task[i]))
            return 0;
    if (keel_notification_create(u, FACTORY, 0, &n))
        return 0;
    uint64_t ticks = 0;
    for (uint32_t r = 0; r < CHAIN_ROUNDS + 1; r++) {
        if (!build_chain(u, task, n))
            return 0;
        uint64_t start = keel_counter();
        if (r)  /* the first round warms up */
            keel_mark_start();
        uint32_t e = keel_revoke(u, SELF_TASK, n);
        if (r)
            keel_mark_stop();
        ticks += r ? keel_counter() - start : 0;
        if (e)
            return 0;
    }
    keel_mark_report();
    for (int i = 0; i < 3; i++)
        keel_invoke(u, SELF_TASK, KEEL_TASK_DELETE_CAP, task[i], 0, 0, 0);
    keel_invoke(u, SELF_TASK, KEEL_TASK_DELETE_CAP, n, 0, 0, 0);
    return ticks ? ticks : 1;
}

/* Counter ticks of TASK_ROUNDS task creations and destructions (deleting
 * its only capability destroys it), each pair of calls a marker pair. */
static uint64_t task_rounds(struct keel_utcb *u)
{
    uint64_t start = 0;
    for (uint32_t r = 0; r < WARMUP + TASK_ROUNDS; r++) {
        uint32_t task = KEEL_CAP_OPEN;
        if (r == WARMUP)
            start = keel_counter();
        if (r >= WARMUP)
            keel_mark_start();
        uint32_t e = keel_task_create(u, FACTORY, &task);
        e |= keel_invoke(u, SELF_TASK, KEEL_TASK_DELETE_CAP, task, 0, 0, 0);
        if (r >= WARMUP)
            keel_mark_stop();
        if (e)
            return 0;
    }
    uint64_t ticks = keel_counter() - start;
    keel_mark_report();
    return ticks ? ticks : 1;
}

/* Counter ticks for ROUNDS system calls the kernel rejects at once (the cost
 * of entering and leaving the kernel), each one a marker pair. */
static uint64_t null_calls(void)
{
    for (uint32_t i = 0; i < WARMUP; i++) {
        struct keel_words k = { { 0 } };
        keel_syscall(KEEL_SYS_DEBUG + 100, &k);
    }
    uint64_t start = keel_counter();
    for (uint32_t i = 0; i < ROUNDS; i++) {
        struct keel_words k = { { 0 } };
        keel_mark_start();
        keel_syscall(KEEL_SYS_DEBUG + 100, &k);
        keel_mark_stop();
    }
    uint64_t ticks = keel_counter() - start;
    keel_mark_report();
    return ticks;
}

int main(void)
{
    struct keel_utcb *u = keel_utcb();
    uint32_t local = KEEL_CAP_OPEN;
    static const uint32_t sizes[] = { 0, 4, 64 };
    struct { const char *name; uint32_t gate; } where[] = {
        { "inter-task", SERVICE }, { "intra-task", local }, /* local: started below */
    };
    keel_printf("ipcbench: counter %lu Hz, %u marked operations per case\n",
                (unsigned long)keel_counter_hz(), ROUNDS);
    /* One call first, so that bench-server has run and waits for calls: a
     * thread still ready in the run queue would lengthen every system call
     * by the scheduler's check, until the first tick ends our time slice. */
    if (KEEL_TAG_ERROR(keel_call(u, SERVICE, KEEL_TAG(0, 0, 0), KEEL_TIMEOUT_NEVER).tag))
        return 1;
    uint64_t null = null_calls();
    keel_printf("ipcbench: case null-syscall  0 words: %lu ticks per operation\n",
                (unsigned long)(null / ROUNDS));
    uint64_t map, unmap;
    if (!map_rounds(u, &map, &unmap))
        return 1;
    keel_printf("ipcbench: case map-1-page    4 words: %lu ticks per operation\n",
                (unsigned long)(map / ROUNDS));
    keel_printf("ipcbench: case unmap-1-page  0 words: %lu ticks per operation\n",
                (unsigned long)(unmap / ROUNDS));
    uint64_t unmap3 = unmap3_rounds(u);
    if (!unmap3)
        return 1;
    keel_printf("ipcbench: case unmap-3-tasks 0 words: %lu ticks per operation\n",
                (unsigned long)(unmap3 / ROUNDS));
    for (uint32_t w = 0; w < 2; w++) {
        /* Start the local server only now: a thread that is ready but has
         * not run yet would sit in the run queue during the other cases. */
        if (w == 1 && (where[w].gate = start_local_server(u)) == KEEL_CAP_OPEN)
            return 1;
        for (uint32_t s = 0; s < 3; s++) {
            uint64_t total = round_trips(u, where[w].gate, sizes[s]);
            if (!total)
                return 1;
            keel_printf("ipcbench: case %s %2u words: %lu ticks per operation\n",
                        where[w].name, sizes[s], (unsigned long)(total / ROUNDS));
        }
    }
    uint64_t revoke = revoke_rounds(u);
    if (!revoke)
        return 1;
    keel_printf("ipcbench: case revoke-1000-chain 0 words: %lu ticks per operation\n",
                (unsigned long)(revoke / CHAIN_ROUNDS));
    uint64_t tasks = task_rounds(u);
    if (!tasks)
        return 1;
    keel_printf("ipcbench: case task-create-destroy 0 words: %lu ticks per operation\n",
                (unsigned long)(tasks / TASK_ROUNDS));
    uint64_t fp = fp_round_trips(u, SERVICE, 1, ROUNDS);
    if (!fp)
        return 1;
    keel_printf("ipcbench: case inter-task-fp  0 words: %lu ticks per operation\n",
                (unsigned long)(fp / ROUNDS));
    fp = fp_round_trips(u, SERVICE, FP_BATCH, ROUNDS / FP_BATCH);
    if (!fp)
        return 1;
    keel_printf("ipcbench: case inter-task-fp-x%u 0 words: %lu ticks per operation\n",
                FP_BATCH, (unsigned long)(fp / (ROUNDS / FP_BATCH)));
    return 0;
}
