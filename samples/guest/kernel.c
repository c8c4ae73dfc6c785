/* A tiny paravirtualized guest kernel: it runs two processes, each in an
 * address space of its own, schedules them round robin (at their system
 * calls and when the virtual timer ends their time slice), serves their
 * system calls, maps their stack and heap pages on demand from its
 * guest-physical memory, and reports their exit statuses.  It knows Keel
 * only as its VMM's hypercalls (keel/vmm/hypercall.h): no test of the ISA,
 * no Keel object of its own. */
#include <stdarg.h>
#include <keel/keel.h>
#include <keel/mark.h>
#include "guest.h"
#include "virtio.h"

#define PROCS 3            /* the third reads the devices (reader.c) */
#define SLICE_US 2000           /* the virtual timer: each run's time slice */

struct proc {
    bool alive;
    uintptr_t syspage;          /* guest-physical */
    uint32_t stack_pages, ticks;
};

static struct keel_utcb *U;
static struct proc proc[PROCS + 1];
static uintptr_t ram, next_page; /* guest-physical memory: bytes, next free page */

void *phys(uintptr_t pa)
{
    return (void *)(KEEL_VMM_PHYS_VA + pa);
}

void kwrite(const char *s, uintptr_t n)
{
    if (n > KEEL_VMM_WRITE_MAX)
        n = KEEL_VMM_WRITE_MAX;
    char *to = (char *)&U->mr[1];
    for (uintptr_t i = 0; i < n; i++)
        to[i] = s[i];
    U->mr[0] = n;
    keel_vmm_hypercall(U, KEEL_VMM_HC_WRITE, (uint32_t)(1 + (n + sizeof(uintptr_t) - 1) /
                                                             sizeof(uintptr_t)));
}

void kprintf(const char *fmt, ...)
{
    char buf[200];
    va_list ap;
    va_start(ap, fmt);
    int n = keel_vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    kwrite(buf, n < (int)sizeof(buf) ? (uintptr_t)n : sizeof(buf) - 1);
}

/* A zeroed page of guest-physical memory, or KEEL_VMM_NO_PAGE. */
uintptr_t alloc_page(void)
{
    if (next_page >= ram)
        return KEEL_VMM_NO_PAGE;
    uintptr_t pa = next_page;
    next_page += 4096;
    uintptr_t *p = phys(pa);
    for (uint32_t i = 0; i < 4096 / sizeof(uintptr_t); i++)
        p[i] = 0;
    return pa;
}

static uint32_t next(uint32_t cur)
{
    for (uint32_t k = 1; k <= PROCS; k++) {
        uint32_t i = (cur + k - 1) % PROCS + 1;
        if (proc[i].alive && !guest_blocked(i))
            return i;
    }
    return 0;
}

static intptr_t statuses[PROCS + 1];

static void end(uint32_t i, intptr_t status)
{
    U->mr[0] = i, U->mr[1] = (uintptr_t)status;
    keel_vmm_hypercall(U, KEEL_VMM_HC_DESTROY, 2);
    proc[i].alive = false;
    statuses[i] = status;
}

/* Context i faulted at addr: its stack or its heap page get a fresh page;
 * anything else kills it.  Returns the page to map. */
static uintptr_t page_fault(uint32_t i, uintptr_t addr, uintptr_t kind)
{
    uintptr_t page = addr & ~(uintptr_t)4095;
    bool stack = page < GUEST_STACK_TOP && page >= GUEST_STACK_TOP - GUEST_STACK_PAGES * 4096;
    bool heap = page >= GUEST_HEAP && page < GUEST_HEAP + GUEST_HEAP_PAGES * 4096;
    uintptr_t pa = stack || heap ? alloc_page() : KEEL_VMM_NO_PAGE;
    if (pa == KEEL_VMM_NO_PAGE) {
        kprintf("guest-kernel: proc %u: bad access at 0x%lx; killed\n", i, (unsigned long)addr);
        end(i, -1);
        return pa;
    }
    if (stack)
        proc[i].stack_pages++;
    else if (page == GUEST_HEAP)
        kprintf("guest-kernel: proc %u: page fault (%s) at 0x%lx: guest-physical page 0x%lx "
                "mapped there\n", i, kind == KEEL_FAULT_PAGE_WRITE ? "write" : "read",
                (unsigned long)addr, (unsigned long)pa);
    return pa;
}

/* Malformed hypercalls are refused with an error, and the VM goes on. */
static void refused(struct keel_utcb *u)
{
    static const struct {
        uint32_t op, words, want;
        uintptr_t w[5];
    } bad[] = {
        { 99, 0, KEEL_E_NOSYS, { 0 } },                                  /* no such hypercall */
        { KEEL_VMM_HC_RUN, 4, KEEL_E_INVALID, { 7, KEEL_VMM_NO_PAGE } },  /* no such context */
        { KEEL_VMM_HC_RUN, 4, KEEL_E_INVALID, { 0, KEEL_VMM_NO_PAGE } },  /* the kernel's own */
        { KEEL_VMM_HC_RUN, 2, KEEL_E_INVALID, { 1 } },                    /* too few words */
        { KEEL_VMM_HC_WRITE, 1, KEEL_E_INVALID, { 4096 } },               /* longer than sent */
        { KEEL_VMM_HC_CREATE, 5, KEEL_E_INVALID, { 9, 0, 0, 0, 0 } },     /* context out of range */
        { KEEL_VMM_HC_CREATE, 5, KEEL_E_INVALID, { 1, 0, 0, 0, 1 << 30 } }, /* page beyond RAM */
        { KEEL_VMM_HC_DESTROY, 2, KEEL_E_INVALID, { 3, 0 } },             /* never created */
    };
    uint32_t n = sizeof(bad) / sizeof(bad[0]), ok = 0;
    for (uint32_t i = 0; i < n; i++) {
        for (uint32_t w = 0; w < 5; w++)
            u->mr[w] = bad[i].w[w];
        uint32_t e = keel_vmm_hypercall(u, bad[i].op, bad[i].words);
        if (e == bad[i].want)
            ok++;
        else
            kprintf("guest-kernel: bad hypercall %u (op %u) answered %u, not %u\n", i,
                    bad[i].op, e, bad[i].want);
    }
    kprintf("guest-kernel: %u of %u malformed hypercalls refused as expected\n", ok, n);
}

_Noreturn void keel_vmm_guest_main(struct keel_utcb *u)
{
    U = u;
    keel_vmm_hypercall(u, KEEL_VMM_HC_INFO, 0);
    ram = u->mr[0] * 4096;
    /* ./keel bench: a hypercall's round trip, between benchmark markers. */
    for (uint32_t i = 0; i < GUEST_BENCH_ROUNDS; i++) {
        keel_mark_start();
        keel_vmm_hypercall(u, KEEL_VMM_HC_INFO, 0);
        keel_mark_stop();
    }
    keel_mark_report();
    kprintf("guest-kernel: case hypercall\n");
    refused(u);
    guest_virtio_setup(u);
    kprintf("guest-kernel: booted: %lu KiB of guest-physical memory, %u processes\n",
            (unsigned long)(ram / 1024), PROCS);
    for (uint32_t i = 1; i <= PROCS; i++) {
        proc[i].syspage = alloc_page();
        u->mr[0] = i, u->mr[1] = (uintptr_t)guest_process, u->mr[2] = GUEST_STACK_TOP;
        u->mr[3] = i, u->mr[4] = proc[i].syspage;
        uint32_t e = keel_vmm_hypercall(u, KEEL_VMM_HC_CREATE, 5);
        if (e)
            kprintf("guest-kernel: cannot create proc %u: error %u\n", i, e);
        proc[i].alive = !e;
    }
    uint32_t cur = next(PROCS), ticks = 0;
    uintptr_t map = KEEL_VMM_NO_PAGE;
    while (cur || guest_waiting()) {
        if (!cur) {             /* every process waits for a device */
            guest_idle();
            cur = next(PROCS);
            continue;
        }
        u->mr[0] = cur, u->mr[1] = map, u->mr[2] = KEEL_MAP_R | KEEL_MAP_W, u->mr[3] = SLICE_US;
        uint32_t e = keel_vmm_hypercall(u, KEEL_VMM_HC_RUN, 4);
        map = KEEL_VMM_NO_PAGE;
        if (e) {
            kprintf("guest-kernel: proc %u cannot run: error %u; killed\n", cur, e);
            end(cur, -1);
            cur = next(cur);
            continue;
        }
        struct keel_vmm_syspage *p = phys(proc[cur].syspage);
        switch (u->mr[0]) {
        case KEEL_VMM_UP_SYSCALL:
            switch (u->mr[2]) {
            case SYS_WRITE:
                p->ret = u->mr[3] < sizeof(p->data) ? (intptr_t)u->mr[3] : -1;
                if (p->ret > 0)
                    guest_console_write(p->data, (uintptr_t)p->ret);
                break;
            case SYS_GETPID:
                p->ret = cur;
                break;
            case SYS_YIELD:
                p->ret = 0;
                cur = next(cur);
                break;
            case SYS_EXIT: {
                intptr_t status = (intptr_t)u->mr[3];   /* kprintf uses the UTCB */
                kprintf("guest-kernel: proc %u exits with status %ld (%u stack pages mapped "
                        "on demand)\n", cur, (long)status, proc[cur].stack_pages);
                end(cur, status);
                cur = next(cur);
                break;
            }
            default:            /* the devices' (virtio.c) */
                if (!guest_syscall(cur, u->mr[2], &u->mr[3], p))
                    cur = next(cur);
            }
            break;
        case KEEL_VMM_UP_IRQ:
            guest_interrupt(u->mr[2]);
            break;
        case KEEL_VMM_UP_PAGE_FAULT:
            map = page_fault(cur, u->mr[2], u->mr[3]);
            if (map == KEEL_VMM_NO_PAGE)
                cur = next(cur);
            break;
        case KEEL_VMM_UP_TIMER:
            ticks++;
            GUEST_TICKS(p)++;
            cur = next(cur);
            break;
        default:
            kprintf("guest-kernel: proc %u: event %lu (exception %lu at ip 0x%lx); killed\n",
                    cur, (unsigned long)u->mr[0], (unsigned long)u->mr[2],
                    (unsigned long)u->mr[3]);
            end(cur, -1);
            cur = next(cur);
        }
    }
    bool ok = statuses[1] == 0 && statuses[2] == 7 && statuses[3] == 0 && ticks >= 2;
    kprintf("guest-kernel: every process ended; %u virtual timer interrupts; halting (%s)\n",
            ticks, ok ? "as expected" : "NOT as expected");
    for (;;) {
        u->mr[0] = ok ? 0 : 1;
        keel_vmm_hypercall(u, KEEL_VMM_HC_EXIT, 1);
    }
}
