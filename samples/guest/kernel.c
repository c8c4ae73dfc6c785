/* A tiny paravirtualized guest kernel: it runs its processes, each in an
 * address space of its own, schedules them round robin (at their system
 * calls and when the virtual timer ends their time slice), serves their
 * system calls (write, exit, spawn, and messages to the processes of the
 * other VM over the inter-VM channel), maps their stack and heap pages on
 * demand from its guest-physical memory, takes virtual interrupts from the
 * other VM, gives it a page (VM 1) and reports their exit statuses.  It
 * knows Keel only as its VMM's hypercalls (keel/vmm/hypercall.h): no test
 * of the ISA, no Keel object of its own.  Two instances of this one image
 * run side by side (system.desc); HC_INFO tells each its VM number. */
#include <stdarg.h>
#include <keel/keel.h>
#include <keel/mark.h>
#include "guest.h"
#include "virtio.h"

#define PROCS 7                 /* at most: with the spawned one, the reader, and the
                                   hostile scenario's wild one, hog and plain one */
#define WILD 5                  /* the hostile scenario's processes (guest.h) */
#define HOG 6
#define PLAIN 7
#define LATE 8                  /* made before the hog, run once it used the factory up */
#define READER 4                /* the devices' process (reader.c), if the VM has a disk */
#define SLICE_US 2000           /* the virtual timer: each run's time slice */
#define WAIT_US 5000000u        /* the longest idle wait for the other VM */
#define GIFT_MAGIC 0x9f7e0000u  /* what VM 1 writes into the page it gives */

/* 0: the sample's scenario; tests/target/vmkill links its own, 1 (VM 2's
 * kernel turns hostile and is killed).  A function, not a constant, so
 * that the compiler cannot fold the weak default in. */
__attribute__((weak, noinline)) uint32_t guest_scenario(void)
{
    return 0;
}

struct proc {
    bool alive, blocked;        /* blocked: in SYS_RECV, until a message or the end */
    uintptr_t syspage;          /* guest-physical */
    uint32_t stack_pages, ticks, role;
};

static struct keel_utcb *U;
static struct proc proc[PROCS + 1];
static uintptr_t ram, next_page; /* guest-physical memory: bytes, next free page */
static uint32_t vm;              /* our VM number: 1 or 2 */
static uint32_t virqs;           /* virtual interrupts taken from the other VM */
static uint32_t upcalls;         /* of them, upcalls that stopped a process */
static bool peer_gone;
static uintptr_t gift = KEEL_VMM_NO_PAGE; /* a page the other VM gave us */
static struct ring *rings;       /* the channel page: ring vm - 1 is ours to write */

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

/* A line of the guest kernel: "guest<vm>-kernel: ..." (VM 1's lines keep
 * the sample's original "guest-kernel: " for ./keel bench and the docs). */
void kprintf(const char *fmt, ...)
{
    char buf[200];
    int k = keel_snprintf(buf, sizeof(buf), vm == 2 ? "guest2-kernel: " : "guest-kernel: ");
    va_list ap;
    va_start(ap, fmt);
    int n = k + keel_vsnprintf(buf + k, sizeof(buf) - (size_t)k, fmt, ap);
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

/* The next process that may run after cur (round robin), or 0. */
static uint32_t next(uint32_t cur)
{
    for (uint32_t k = 1; k <= PROCS; k++) {
        uint32_t i = (cur + k - 1) % PROCS + 1;
        if (proc[i].alive && !proc[i].blocked && !guest_blocked(i))
            return i;
    }
    return 0;
}

static bool any_alive(void)
{
    for (uint32_t i = 1; i <= PROCS; i++)
        if (proc[i].alive)
            return true;
    return false;
}

/* A new process in slot i with role; 0 or the VMM's error. */
static uint32_t create(uint32_t i, uint32_t role)
{
    proc[i].syspage = alloc_page();
    proc[i].role = role;
    proc[i].stack_pages = 0;
    U->mr[0] = i, U->mr[1] = (uintptr_t)guest_process, U->mr[2] = GUEST_STACK_TOP;
    U->mr[3] = GUEST_ARG(role, vm), U->mr[4] = proc[i].syspage;
    uint32_t e = proc[i].syspage == KEEL_VMM_NO_PAGE ? KEEL_E_QUOTA
                                                     : keel_vmm_hypercall(U, KEEL_VMM_HC_CREATE, 5);
    proc[i].alive = !e;
    return e;
}

/* SYS_SPAWN: a process starts another; its pid or -1. */
static intptr_t spawn(uint32_t parent, uintptr_t role)
{
    if (role < ROLE_FIRST || role > ROLE_MESSENGER)
        return -1;
    for (uint32_t i = 1; i <= PROCS; i++) {
        if (proc[i].alive || proc[i].syspage)
            continue;           /* a context is used once: its page stays its own */
        uint32_t e = create(i, (uint32_t)role);
        kprintf("proc %u spawned proc %u (role %lu)%s\n", parent, i, (unsigned long)role,
                e ? ": FAILED" : "");
        return e ? -1 : (intptr_t)i;
    }
    return -1;
}

/* ---- the inter-VM channel: a ring per direction in the channel page ---- */

static bool ring_put(const char *text, uintptr_t len)
{
    struct ring *r = &rings[vm - 1];
    uint32_t t = r->tail;
    if (!rings || len > sizeof(r->msg[0].text) ||
        t - __atomic_load_n(&r->head, __ATOMIC_ACQUIRE) >= RING_SLOTS)
        return false;
    for (uintptr_t k = 0; k < len; k++)
        r->msg[t % RING_SLOTS].text[k] = text[k];
    r->msg[t % RING_SLOTS].len = (uint32_t)len;
    __atomic_store_n(&r->tail, t + 1, __ATOMIC_RELEASE);
    return true;
}

/* The next message from the other VM into to; its length, or -1. */
static intptr_t ring_get(char *to)
{
    if (!rings)
        return -1;
    struct ring *r = &rings[2 - vm];
    uint32_t h = r->head;
    if (h == __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE))
        return -1;
    uint32_t len = r->msg[h % RING_SLOTS].len;
    if (len > sizeof(r->msg[0].text))
        len = 0;                /* the other VM wrote nonsense: an empty message */
    for (uint32_t k = 0; k < len; k++)
        to[k] = r->msg[h % RING_SLOTS].text[k];
    __atomic_store_n(&r->head, h + 1, __ATOMIC_RELEASE);
    return len;
}

/* Processes blocked in SYS_RECV get a message, or -1 once the other VM is
 * gone. */
static void deliver(void)
{
    for (uint32_t i = 1; i <= PROCS; i++) {
        if (!proc[i].alive || !proc[i].blocked)
            continue;
        struct keel_vmm_syspage *p = phys(proc[i].syspage);
        intptr_t n = ring_get(p->data);
        if (n < 0 && !peer_gone)
            continue;
        p->ret = n;
        proc[i].blocked = false;
    }
}

/* A virtual interrupt: bits and the page that came with it. */
static void interrupt(uintptr_t bits, uintptr_t page)
{
    virqs++;
    if (virqs == 1)
        kprintf("virtual interrupt from the other VM (bits 0x%lx)\n", (unsigned long)bits);
    if (bits & KEEL_VMM_VIRQ_DOWN) {
        peer_gone = true;
        kprintf("the other VM is gone (virtual interrupt); going on alone\n");
    }
    if ((bits & KEEL_VMM_VIRQ_PAGE) && page != KEEL_VMM_NO_PAGE) {
        gift = page;
        uintptr_t *w = phys(page);
        kprintf("received guest-physical page 0x%lx from the other VM: it holds 0x%lx (%s)\n",
                (unsigned long)page, (unsigned long)w[0],
                w[0] == GIFT_MAGIC + 1 ? "as written there" : "NOT as written there");
    }
    deliver();
}

void guest_peer_interrupt(uintptr_t bits, uintptr_t page)
{
    interrupt(bits, page);
}

/* Idle until a virtual interrupt; false if none came. */
static bool idle(void)
{
    U->mr[0] = WAIT_US;
    uint32_t e = keel_vmm_hypercall(U, KEEL_VMM_HC_WAIT, 1);
    if (e) {
        kprintf("no virtual interrupt for %u ms (error %u)\n", WAIT_US / 1000, e);
        return false;
    }
    interrupt(U->mr[0], U->mr[1]);
    return true;
}

/* VM 1 gives VM 2 a page by a grant (page flipping) and checks it lost it:
 * the same guest-physical address now reads a fresh zeroed page. */
static bool give_page(void)
{
    uintptr_t pa = alloc_page();
    volatile uintptr_t *w = phys(pa);
    w[0] = GIFT_MAGIC + 1;
    U->mr[0] = pa;
    uint32_t e = keel_vmm_hypercall(U, KEEL_VMM_HC_GIVE, 1);
    uintptr_t now = w[0];       /* faults: our mapping went with the page */
    bool ok = !e && now == 0;
    kprintf("gave guest-physical page 0x%lx to VM 2 (error %u); here it now reads 0x%lx: %s\n",
            (unsigned long)pa, e, (unsigned long)now,
            ok ? "the page is gone from this VM" : "NOT gone");
    return ok;
}

static intptr_t statuses[PROCS + 1];

/* ---- the hostile scenario (tests/target/vmbad): the VM's factory runs out ---- */

static uintptr_t hog_page = KEEL_VMM_NO_PAGE; /* behind every page of the hog */
static uint32_t hog_faults;
/* The VM's factory: pages left before the hog, when it ran out; the errors
 * of the hog's KEEL_VMM_HC_RUN and of a KEEL_VMM_HC_CREATE then. */
static uintptr_t quota_before, quota_out;
static uint32_t hog_error, create_error, late_error;
static uintptr_t late_page, late_bits;  /* LATE's system-call page; interrupts meanwhile */

/* A page of the hog's region: backed by the one hog page (its page tables
 * are what it costs).  False for any other page. */
static bool hog_fault(uintptr_t page)
{
    if (page < GUEST_HOG || (page - GUEST_HOG) / GUEST_HOG_STRIDE >= GUEST_HOG_PAGES ||
        hog_page == KEEL_VMM_NO_PAGE)
        return false;
    hog_faults++;
    return true;
}

/* Pages left in the VM's factory; with make, also try to make context
 * PLAIN (its system-call page allocated beforehand), and run context LATE,
 * made before but never run, whose first page the VMM cannot map, then end
 * it.  The factory is out, so this runs while no new page of ours may be
 * mapped, and only touches what a first call (make false) touched already. */
static uintptr_t quota_probe(bool make, uint32_t *e)
{
    keel_vmm_hypercall(U, KEEL_VMM_HC_QUOTA, 0);
    uintptr_t left = U->mr[0];
    U->mr[0] = PLAIN, U->mr[1] = (uintptr_t)guest_process, U->mr[2] = GUEST_STACK_TOP;
    U->mr[3] = GUEST_ARG(ROLE_PLAIN, vm), U->mr[4] = proc[PLAIN].syspage;
    *e = make ? keel_vmm_hypercall(U, KEEL_VMM_HC_CREATE, 5) : KEEL_OK;
    for (uint32_t k = 0; make && k < 8; k++) {
        U->mr[0] = LATE, U->mr[1] = KEEL_VMM_NO_PAGE, U->mr[2] = KEEL_MAP_R | KEEL_MAP_W;
        U->mr[3] = SLICE_US;
        late_error = keel_vmm_hypercall(U, KEEL_VMM_HC_RUN, 4);
        if (late_error || (U->mr[0] != KEEL_VMM_UP_VIRQ && U->mr[0] != KEEL_VMM_UP_TIMER))
            break;              /* else stopped before it faulted: again */
        late_bits |= U->mr[0] == KEEL_VMM_UP_VIRQ ? U->mr[2] : 0;
    }
    if (make) {
        U->mr[0] = LATE, U->mr[1] = (uintptr_t)-1;
        keel_vmm_hypercall(U, KEEL_VMM_HC_DESTROY, 2);
    }
    return left;
}

/* Context cur could not run: error e.  If it is the hog and the VM's
 * factory ran out, note it and try to make another process. */
static void hog_stopped(uint32_t cur, uint32_t e)
{
    if (proc[cur].role != ROLE_HOG || e != KEEL_E_QUOTA || hog_error)
        return;
    hog_error = e;
    quota_out = quota_probe(true, &create_error);
}

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
    if (proc[i].role == ROLE_HOG && hog_fault(page))
        return hog_page;
    bool stack = page < GUEST_STACK_TOP && page >= GUEST_STACK_TOP - GUEST_STACK_PAGES * 4096;
    bool heap = page >= GUEST_HEAP && page < GUEST_HEAP + GUEST_HEAP_PAGES * 4096;
    uintptr_t pa = stack || heap ? alloc_page() : KEEL_VMM_NO_PAGE;
    if (pa == KEEL_VMM_NO_PAGE) {
        kprintf("proc %u: bad access at 0x%lx; killed\n", i, (unsigned long)addr);
        end(i, -1);
        return pa;
    }
    if (stack)
        proc[i].stack_pages++;
    else if (page == GUEST_HEAP)
        kprintf("proc %u: page fault (%s) at 0x%lx: guest-physical page 0x%lx "
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
        { KEEL_VMM_HC_NOTIFY, 1, KEEL_E_INVALID, { 0 } },                 /* no bits */
        { KEEL_VMM_HC_NOTIFY, 1, KEEL_E_INVALID, { KEEL_VMM_VIRQ_DOWN } },  /* not the peer's */
        { KEEL_VMM_HC_GIVE, 1, KEEL_E_INVALID, { 4096 * KEEL_VMM_RAM_PAGES } }, /* not RAM */
        { KEEL_VMM_HC_GIVE, 1, KEEL_E_INVALID, { 12 } },                  /* not a page */
        { KEEL_VMM_HC_WAIT, 0, KEEL_E_INVALID, { 0 } },                   /* too few words */
    };
    uint32_t n = sizeof(bad) / sizeof(bad[0]), ok = 0;
    for (uint32_t i = 0; i < n; i++) {
        for (uint32_t w = 0; w < 5; w++)
            u->mr[w] = bad[i].w[w];
        uint32_t e = keel_vmm_hypercall(u, bad[i].op, bad[i].words);
        if (e == bad[i].want)
            ok++;
        else
            kprintf("bad hypercall %u (op %u) answered %u, not %u\n", i,
                    bad[i].op, e, bad[i].want);
    }
    kprintf("%u of %u malformed hypercalls refused as expected\n", ok, n);
}

/* The status of the process that had role, or -100 if none ended. */
static intptr_t status_of(uint32_t role)
{
    for (uint32_t i = 1; i <= PROCS; i++)
        if (proc[i].role == role && proc[i].syspage && !proc[i].alive)
            return statuses[i];
    return -100;
}

/* Context cur's system call (number nr, arguments a[]); returns the
 * process to run next. */
static uint32_t serve(uint32_t cur, uintptr_t nr, const uintptr_t *a)
{
    struct keel_vmm_syspage *p = phys(proc[cur].syspage);
    switch (nr) {
    case SYS_WRITE:
        p->ret = a[0] < sizeof(p->data) ? (intptr_t)a[0] : -1;
        if (p->ret > 0)
            guest_console_write(p->data, (uintptr_t)p->ret);
        return cur;
    case SYS_GETPID:
        p->ret = cur;
        return cur;
    case SYS_YIELD:
        p->ret = 0;
        return next(cur);
    case SYS_EXIT:
        kprintf("proc %u exits with status %ld (%u stack pages mapped on demand)\n", cur,
                (long)a[0], proc[cur].stack_pages);
        end(cur, (intptr_t)a[0]);
        return next(cur);
    case SYS_SPAWN:
        p->ret = spawn(cur, a[0]);
        return cur;
    case SYS_SEND:
        p->ret = -1;
        if (a[0] < sizeof(p->data) && !peer_gone && ring_put(p->data, a[0])) {
            U->mr[0] = GUEST_VIRQ_CHANNEL;
            p->ret = keel_vmm_hypercall(U, KEEL_VMM_HC_NOTIFY, 1) ? -1 : 0;
        }
        return cur;
    case SYS_RECV:
        p->ret = ring_get(p->data);
        if (p->ret >= 0 || peer_gone)
            return cur;
        proc[cur].blocked = true;   /* until a message comes or the other VM goes */
        return next(cur);
    default:
        /* the devices' (virtio.c): open, read; the process may now wait */
        return guest_syscall(cur, nr, a, p) ? cur : next(cur);
    }
}

/* Run the processes until none is left; returns the virtual timer's ticks. */
static uint32_t schedule(struct keel_utcb *u)
{
    uint32_t cur = next(PROCS), ticks = 0;
    uintptr_t map = KEEL_VMM_NO_PAGE;
    for (;;) {
        if (!cur) {
            if (!any_alive())
                return ticks;
            if (guest_waiting()) {  /* for a device, or the other VM: either wakes it */
                guest_idle();
            } else if (!idle()) {   /* every process waits for a VM that says nothing */
                peer_gone = true;
                deliver();
            }
            cur = next(PROCS);
            continue;
        }
        u->mr[0] = cur, u->mr[1] = map, u->mr[2] = KEEL_MAP_R | KEEL_MAP_W, u->mr[3] = SLICE_US;
        uint32_t e = keel_vmm_hypercall(u, KEEL_VMM_HC_RUN, 4);
        map = KEEL_VMM_NO_PAGE;
        if (e) {
            hog_stopped(cur, e);
            kprintf("proc %u cannot run: error %u; killed\n", cur, e);
            end(cur, -1);
            cur = next(cur);
            continue;
        }
        struct keel_vmm_syspage *p = phys(proc[cur].syspage);
        uintptr_t a[4] = { u->mr[3], u->mr[4], u->mr[5], u->mr[6] };
        switch (u->mr[0]) {
        case KEEL_VMM_UP_SYSCALL:
            cur = serve(cur, u->mr[2], a);
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
        case KEEL_VMM_UP_VIRQ: {    /* cur goes on after it */
            uintptr_t bits = u->mr[2], page = u->mr[3]; /* kprintf uses the UTCB */
            if (!upcalls++)
                kprintf("proc %u stopped by a virtual interrupt upcall (bits 0x%lx)\n", cur,
                        (unsigned long)bits);
            for (uint32_t i = 1; i <= PROCS; i++)
                if (proc[i].alive)
                    GUEST_VIRQS((struct keel_vmm_syspage *)phys(proc[i].syspage))++;
            interrupt(bits, page);
            break;
        }
        default:
            kprintf("proc %u: event %lu (exception %lu at ip 0x%lx); killed\n",
                    cur, (unsigned long)u->mr[0], (unsigned long)u->mr[2],
                    (unsigned long)u->mr[3]);
            end(cur, -1);
            cur = next(cur);
        }
    }
}

/* The containment test's VM 2 (guest_scenario 1): a hostile kernel that
 * touches guest-physical memory it was never given; its VMM kills the VM. */
static void hostile(void)
{
    kprintf("hostile: touching guest-physical memory this VM was never given\n");
    *(volatile uintptr_t *)phys(KEEL_VMM_CHANNEL_GPA + 16 * 4096) = 1;
    kprintf("hostile: NOT stopped\n");
}

/* The hostile scenario's VM 1, once its other processes ended: the hog
 * uses up the VM's factory (KEEL_E_QUOTA from KEEL_VMM_HC_RUN: the VMM
 * cannot map its page), KEEL_VMM_HC_CREATE then fails with KEEL_E_QUOTA
 * too, the hog is killed, every page comes back and a new process runs. */
static bool quota_test(struct keel_utcb *u)
{
    uint32_t e;
    proc[PLAIN].syspage = alloc_page();
    hog_page = alloc_page();
    late_page = alloc_page();
    hog_error = create_error = late_error = 0, late_bits = 0;  /* our pages for them, now */
    quota_before = quota_probe(false, &e);
    U->mr[0] = LATE, U->mr[1] = (uintptr_t)guest_process, U->mr[2] = GUEST_STACK_TOP;
    U->mr[3] = GUEST_ARG(ROLE_PLAIN, vm), U->mr[4] = late_page;
    if (keel_vmm_hypercall(U, KEEL_VMM_HC_CREATE, 5) || create(HOG, ROLE_HOG))
        kprintf("cannot create the hog or proc %u\n", LATE);
    schedule(u);
    uintptr_t after = quota_probe(false, &e);
    if (late_bits)              /* virtual interrupts that stopped LATE before it faulted */
        interrupt(late_bits, KEEL_VMM_NO_PAGE);
    bool ok = hog_error == KEEL_E_QUOTA && create_error == KEEL_E_QUOTA &&
              late_error == KEEL_E_QUOTA && after == quota_before;
    kprintf("quota: the hog's %u pages used up the VM's factory (%lu of %lu pages left): its "
            "run failed with error %u, a new process with error %u (%s)\n", hog_faults,
            (unsigned long)quota_out, (unsigned long)quota_before, hog_error, create_error,
            hog_error == KEEL_E_QUOTA && create_error == KEEL_E_QUOTA
                ? "KEEL_E_QUOTA, as expected" : "NOT KEEL_E_QUOTA");
    kprintf("quota: then proc %u, made before and never run, could not run: error %u (%s)\n",
            LATE, late_error, late_error == KEEL_E_QUOTA ? "its first page cannot be mapped, "
            "as expected" : "NOT KEEL_E_QUOTA");
    kprintf("quota: the hog killed, %lu of %lu pages are back (%s)\n", (unsigned long)after,
            (unsigned long)quota_before, after == quota_before ? "all of them" : "NOT all");
    U->mr[0] = PLAIN, U->mr[1] = (uintptr_t)guest_process, U->mr[2] = GUEST_STACK_TOP;
    U->mr[3] = GUEST_ARG(ROLE_PLAIN, vm), U->mr[4] = proc[PLAIN].syspage;
    e = keel_vmm_hypercall(U, KEEL_VMM_HC_CREATE, 5);
    proc[PLAIN].role = ROLE_PLAIN, proc[PLAIN].alive = !e;
    schedule(u);
    ok = ok && !e && statuses[PLAIN] == 0;
    kprintf("quota: a process made after the hog's end: error %u, exit status %ld (%s)\n", e,
            (long)statuses[PLAIN], !e && statuses[PLAIN] == 0 ? "the VM goes on" : "NOT well");
    return ok;
}

/* The hostile scenario's VM 2 starts its processes once VM 1 filled its
 * ring of the channel (nobody here took a message yet). */
static void wait_full_ring(void)
{
    while (!peer_gone && rings) {
        const struct ring *r = &rings[0];
        if (__atomic_load_n(&r->tail, __ATOMIC_ACQUIRE) - r->head >= RING_SLOTS)
            break;
        if (!idle())
            peer_gone = true;
    }
    kprintf("VM 1's ring of the channel is full (%u messages); starting\n", RING_SLOTS);
}

_Noreturn void keel_vmm_guest_main(struct keel_utcb *u)
{
    U = u;
    keel_vmm_hypercall(u, KEEL_VMM_HC_INFO, 0);
    ram = u->mr[0] * 4096;
    vm = (uint32_t)u->mr[2];
    rings = u->mr[3] ? phys(KEEL_VMM_CHANNEL_GPA) : NULL;
    keel_vmm_hypercall(u, KEEL_VMM_HC_QUOTA, 0);
    uintptr_t quota = u->mr[0];
    if (vm == 1) {
        /* ./keel bench: a hypercall's round trip, between benchmark markers. */
        for (uint32_t i = 0; i < GUEST_BENCH_ROUNDS; i++) {
            keel_mark_start();
            keel_vmm_hypercall(u, KEEL_VMM_HC_INFO, 0);
            keel_mark_stop();
        }
        keel_mark_report();
        kprintf("case hypercall\n");
    } else {
        /* VM 2 starts its processes at VM 1's first message: not during
         * VM 1's benchmarks. */
        kprintf("VM 2 waits for a virtual interrupt from VM 1\n");
        idle();
        if (guest_scenario() == SCENARIO_KILL_VM)
            hostile();
        if (guest_scenario() == SCENARIO_HOSTILE)
            wait_full_ring();
    }
    refused(u);
    guest_virtio_setup(u);
    /* The reader (process READER) where the VM has a disk; the messenger
     * is spawned later (the first free context, 3). */
    uint32_t procs = guest_has_disk() ? 3 : 2;
    kprintf("booted: VM %u, %lu KiB of guest-physical memory, %u processes\n", vm,
            (unsigned long)(ram / 1024), procs);
    for (uint32_t i = 1; i <= 2; i++) {
        uint32_t e = create(i, i == 1 ? ROLE_FIRST : ROLE_SPINNER);
        if (e)
            kprintf("cannot create proc %u: error %u\n", i, e);
    }
    if (procs == 3 && create(READER, ROLE_READER))
        kprintf("cannot create proc %u\n", READER);
    if (guest_scenario() == SCENARIO_HOSTILE && vm == 1 && create(WILD, ROLE_WILD))
        kprintf("cannot create proc %u\n", WILD);
    keel_vmm_hypercall(u, KEEL_VMM_HC_QUOTA, 0);
    uintptr_t after = u->mr[0];
    kprintf("the VM's own factory: %lu pages left at boot, %lu after making %s processes "
            "(%scharged to it)\n", (unsigned long)quota, (unsigned long)after,
            procs == 3 ? "three" : "two", after < quota ? "" : "NOT ");
    uint32_t ticks = schedule(u);
    if (guest_scenario() == SCENARIO_KILL_VMM && vm == 1) {
        /* VM 2 still uses the link; our VMM is killed under us (the
         * test's killer makes it fault once the whole system idles). */
        kprintf("every process ended (the messenger with status %ld); waiting for our VMM to "
                "be killed\n", (long)status_of(ROLE_MESSENGER));
        for (;;) {
            u->mr[0] = 0;
            keel_vmm_hypercall(u, KEEL_VMM_HC_WAIT, 1);
        }
    }
    bool ok = statuses[1] == 0 && statuses[2] == 7 && ticks >= 2;
    if (procs == 3)
        ok = ok && statuses[READER] == 0;
    intptr_t messenger = status_of(ROLE_MESSENGER);
    if (guest_scenario() == SCENARIO_HOSTILE) {
        ok = ok && messenger == 0;
        if (vm == 1)            /* the wild one was killed; the hog, then */
            ok = quota_test(u) && statuses[WILD] == -1 && ok;
    } else if (guest_scenario() == 0 && vm == 1) {
        ok = ok && messenger == 0;
        ok = give_page() && ok;
    } else if (guest_scenario() == 0) {
        while (gift == KEEL_VMM_NO_PAGE && !peer_gone && idle())
            ;
        ok = ok && messenger == 0 && gift != KEEL_VMM_NO_PAGE &&
             *(volatile uintptr_t *)phys(gift) == GIFT_MAGIC + 1;
    } else {                    /* VM 1 of the containment test: VM 2 died */
        ok = ok && messenger == 3 && peer_gone;
    }
    kprintf("every process ended; %u virtual timer interrupts, %u from the other VM; halting "
            "(%s)\n", ticks, virqs, ok ? "as expected" : "NOT as expected");
    for (;;) {
        u->mr[0] = ok ? 0 : 1;
        keel_vmm_hypercall(u, KEEL_VMM_HC_EXIT, 1);
    }
}
