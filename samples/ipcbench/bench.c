/*
 * ipcbench: IPC round trips (call + reply_wait) with 0, 4 and 64 message
 * words, to a thread in another address space (the bench-server module) and
 * to one in the same address space, a map IPC of one page (and its unmap), averaged over many iterations and read
 * with the machine's counter.  Under `qemu -icount shift=0` one guest
 * instruction is one nanosecond of guest time, so the counter also gives
 * guest instructions per round trip.
 */
#include <keel/keel.h>

#define SELF_TASK 0
#define FACTORY 2
#define SERVICE 3           /* root puts bench-server's gate here */
#define WARMUP 100
#define ROUNDS 2000            /* divides 10^9: NS_PER_S / ROUNDS is exact */
#define AREA ((uintptr_t)0x0000010000000000ull)
#define STACK_PAGES 4
#define NS_PER_S 1000000000ull

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
    if (keel_thread_create(u, FACTORY, SELF_TASK, &t) ||
        keel_map_anon(u, SELF_TASK, FACTORY, AREA, STACK_PAGES, KEEL_MAP_R | KEEL_MAP_W) ||
        keel_thread_start(u, t, FACTORY, (uintptr_t)local_server, AREA + STACK_PAGES * 4096,
                          AREA + 0x100000, 100, KEEL_CAP_OPEN) ||
        keel_gate_create(u, FACTORY, t, 1, &g))
        return KEEL_CAP_OPEN;
    return g;
}

/* Counter ticks for ROUNDS round trips (0 on error). */
static uint64_t round_trips(struct keel_utcb *u, uint32_t gate, uint32_t words)
{
    for (uint32_t i = 0; i < WARMUP; i++)
        keel_call(u, gate, KEEL_TAG(0, words, 0), KEEL_TIMEOUT_NEVER);
    uint64_t start = keel_counter();
    for (uint32_t i = 0; i < ROUNDS; i++)
        if (KEEL_TAG_ERROR(keel_call(u, gate, KEEL_TAG(0, words, 0), KEEL_TIMEOUT_NEVER).tag))
            return 0;
    return keel_counter() - start;
}

/* A map IPC of one page with 4 words to the server in another task (whose
 * window takes it), then an unmap of the page (so the next map maps again):
 * counter ticks of each, summed over ROUNDS, in *map and *unmap; false on
 * error. */
static bool map_rounds(struct keel_utcb *u, uint64_t *map, uint64_t *unmap)
{
    uintptr_t page = AREA + 0x200000;
    if (keel_map_anon(u, SELF_TASK, FACTORY, page, 1, KEEL_MAP_R | KEEL_MAP_W))
        return false;
    *map = *unmap = 0;
    for (uint32_t i = 0; i < WARMUP + ROUNDS; i++) {
        keel_mem_item(u, 0, KEEL_ITEM_MAP, page, 12, KEEL_MAP_R | KEEL_MAP_W);
        uint64_t t0 = keel_counter();
        uint64_t tag = keel_call(u, SERVICE, KEEL_TAG(0, 4, 1), KEEL_TIMEOUT_NEVER).tag;
        uint64_t t1 = keel_counter();
        uint32_t e = keel_invoke(u, SELF_TASK, KEEL_TASK_UNMAP, page, 12, 0, 0);
        uint64_t t2 = keel_counter();
        if (KEEL_TAG_ERROR(tag) || e)
            return false;
        if (i >= WARMUP)
            *map += t1 - t0, *unmap += t2 - t1;
    }
    return true;
}

static void report(const char *name, uint32_t words, uint64_t total, uint64_t hz)
{
    /* One instruction per guest nanosecond under -icount shift=0; computed
     * from the total, so a slow counter loses no precision. */
    keel_printf("ipcbench: %s %2u words: %lu ticks, %lu insns (if icount) per round trip\n",
                name, words, (unsigned long)(total / ROUNDS),
                (unsigned long)(hz ? total * (NS_PER_S / ROUNDS) / hz : 0));
}

/* Counter ticks for ROUNDS system calls the kernel rejects at once: the
 * cost of entering and leaving the kernel. */
static uint64_t null_calls(void)
{
    uint64_t start = keel_counter();
    for (uint32_t i = 0; i < ROUNDS; i++) {
        struct keel_words k = { { 0 } };
        keel_syscall(KEEL_SYS_DEBUG + 100, &k);
    }
    return keel_counter() - start;
}

int main(void)
{
    struct keel_utcb *u = keel_utcb();
    uint64_t hz = keel_counter_hz();
    uint32_t local = KEEL_CAP_OPEN;
    static const uint32_t sizes[] = { 0, 4, 64 };
    struct { const char *name; uint32_t gate; } where[] = {
        { "inter-task", SERVICE }, { "intra-task", local }, /* local: started below */
    };
    keel_printf("ipcbench: counter %lu Hz, %u round trips per case\n", (unsigned long)hz, ROUNDS);
    uint64_t null = null_calls();
    keel_printf("ipcbench: null-syscall  0 words: %lu ticks, %lu insns (if icount) per round trip\n",
                (unsigned long)(null / ROUNDS),
                (unsigned long)(hz ? null * (NS_PER_S / ROUNDS) / hz : 0));
    uint64_t map, unmap;
    if (!map_rounds(u, &map, &unmap))
        return 1;
    report("map-1-page", 4, map, hz);
    report("unmap-1-page", 0, unmap, hz);
    for (uint32_t w = 0; w < 2; w++) {
        /* Start the local server only now: a thread that is ready but has
         * not run yet would sit in the run queue during the other cases. */
        if (w == 1 && (where[w].gate = start_local_server(u)) == KEEL_CAP_OPEN)
            return 1;
        for (uint32_t s = 0; s < 3; s++) {
            uint64_t total = round_trips(u, where[w].gate, sizes[s]);
            if (!total)
                return 1;
            /* One instruction per guest nanosecond under -icount shift=0;
             * computed from the total, so a slow counter loses no precision. */
            uint64_t insns = hz ? total * (NS_PER_S / ROUNDS) / hz : 0;
            keel_printf("ipcbench: %s %2u words: %lu ticks, %lu insns (if icount) per round trip\n",
                        where[w].name, sizes[s], (unsigned long)(total / ROUNDS),
                        (unsigned long)insns);
        }
    }
    return 0;
}
