/*
 * A user-level pager.  The main thread starts a worker thread whose
 * exception handler is a gate of ours, and serves the worker's heap lazily:
 * the worker's first load or store on each heap page faults, the kernel
 * sends the fault to us as IPC, and our reply carries a map item of a zeroed
 * page of our own, mapped where the worker faulted; the worker resumes at
 * the faulting instruction.  Our own pages come from the root task, which
 * pages our main thread's memory region in the same way (keel/system.h):
 * memory reaches the worker by delegation twice, root -> pager -> worker.
 */
#include <keel/keel.h>
#include <keel/system.h>

#define PAGE 4096u
#define HEAP ((uintptr_t)0x0000030000000000ull) /* the worker's heap: not mapped */
#define HEAP_PAGES 16u
#define POOL KEEL_MEMORY_BASE                   /* our zero pages, one per heap page */
#define STACK (KEEL_MEMORY_BASE + 0x40000000u)  /* the worker's stack and UTCB */
#define STACK_PAGES 4u
#define UTCB (STACK + 0x100000u)
#define FAULTS 7u                               /* the label of our fault gate */
#define TIMEOUT_US 1000000u

/* The worker: every heap page must read as zeros before it writes it. */
static void worker(void)
{
    uint32_t sum = 0;
    for (uint32_t i = 0; i < HEAP_PAGES; i++) {
        volatile uint32_t *p = (volatile uint32_t *)(HEAP + i * PAGE);
        if (p[0] || p[PAGE / 4 - 1])
            keel_debug_exit(1000 + (int)i);     /* not zero-filled */
        p[0] = i + 1;
        p[PAGE / 4 - 1] = i + 1;
    }
    for (uint32_t i = 0; i < HEAP_PAGES; i++) {
        volatile uint32_t *p = (volatile uint32_t *)(HEAP + i * PAGE);
        sum += p[0] + p[PAGE / 4 - 1];
    }
    keel_debug_exit((int)sum);
}

int main(void)
{
    struct keel_utcb *u = keel_utcb();
    uint32_t thread = KEEL_CAP_OPEN, gate = KEEL_CAP_OPEN, faults = 0, e;
    keel_memory_touch(STACK, STACK_PAGES * PAGE);   /* root pages in the worker's stack */
    if ((e = keel_thread_create(u, KEEL_PROGRAM_FACTORY, KEEL_PROGRAM_TASK, &thread)) ||
        (e = keel_gate_create(u, KEEL_PROGRAM_FACTORY, KEEL_PROGRAM_THREAD, FAULTS, &gate)) ||
        (e = keel_thread_start(u, thread, KEEL_PROGRAM_FACTORY, (uintptr_t)worker,
                               STACK + STACK_PAGES * PAGE, UTCB, 100, gate))) {
        keel_printf("pager: cannot start the worker: error %u\n", e);
        return 1;
    }
    struct keel_ipc_result r = keel_recv(u, gate, TIMEOUT_US);
    for (;;) {
        if (KEEL_TAG_ERROR(r.tag)) {
            keel_printf("pager: no word from the worker: error %u\n",
                        (unsigned)KEEL_TAG_ERROR(r.tag));
            return 2;
        }
        if (KEEL_TAG_LABEL(r.tag) == KEEL_LABEL_EXIT)
            break;
        uintptr_t kind = u->mr[KEEL_EXC_KIND], addr = u->mr[KEEL_EXC_ADDR];
        if ((kind != KEEL_FAULT_PAGE_READ && kind != KEEL_FAULT_PAGE_WRITE) || addr < HEAP ||
            addr - HEAP >= HEAP_PAGES * PAGE) {
            keel_printf("pager: the worker faulted outside its heap: exception %u at 0x%lx\n",
                        (unsigned)kind, (unsigned long)addr);
            keel_ipc(u, KEEL_TAG(KEEL_EXC_STOP, 0, 0), 0, 0, KEEL_IPC_OPTS(KEEL_IPC_REPLY, 0, 0));
            return 3;
        }
        uintptr_t page = addr & ~(uintptr_t)(PAGE - 1), zero = POOL + (page - HEAP);
        keel_memory_touch(zero, PAGE);              /* a zeroed page from root */
        faults++;
        keel_printf("pager: %s fault at heap page %lu: mapping a zeroed page\n",
                    kind == KEEL_FAULT_PAGE_WRITE ? "write" : "read",
                    (unsigned long)((page - HEAP) / PAGE));
        u->mr[0] = u->mr[1] = 0;                    /* retry the access */
        keel_mem_item(u, 0, KEEL_ITEM_MAP, zero, 12, KEEL_MAP_R | KEEL_MAP_W);
        r = keel_reply_wait(u, KEEL_TAG(KEEL_EXC_RESUME, 0, 1), gate, TIMEOUT_US);
    }
    uint32_t sum = (uint32_t)u->mr[0];
    if (faults != HEAP_PAGES || sum != HEAP_PAGES * (HEAP_PAGES + 1)) {
        keel_printf("pager: FAILED: %u faults, the worker read back %u\n", faults, sum);
        return 4;
    }
    keel_printf("pager: the worker's %u heap pages were served lazily, zero-filled, on %u "
                "faults; it read back %u\n", HEAP_PAGES, faults, sum);
    return 0;
}
