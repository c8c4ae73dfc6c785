/* A tiny paravirtualized guest kernel: it runs its processes, each in an
 * address space of its own, schedules them round robin (at their system
 * calls and when the virtual timer ends their time slice), serves their
 * system calls (write, exit, spawn, and messages to the processes of the
 * other VM over the inter-VM channel), is their pager (their stack and
 * heap pages on demand from its guest-physical memory, the VM image
 * through its VMM), takes virtual interrupts from the other VM, gives it a
 * page (VM 1) and reports their exit statuses.  It is its processes'
 * exception handler: their system calls and faults arrive as exception
 * messages on its open receive, its answer resumes them.  Beside that it
 * knows Keel only as its VMM's hypercalls and the capabilities the VMM
 * gives it (keel/vmm/hypercall.h): no test of the ISA, no Keel object of
 * its own.  Two instances of this one image run side by side (system.desc);
 * HC_INFO tells each its VM number. */
#include <stdarg.h>
#include <keel/keel.h>
#include <keel/mark.h>
#include "guest.h"
#include "virtio.h"

#define PROCS 7                 /* at most: with the spawned one, the reader, and the
                                   hostile scenario's wild one and plain one */
#define WILD 5                  /* the hostile scenario's processes (guest.h) */
#define PLAIN 7
/* The hostile scenario's hog and LATE (made before the hog, run once it
 * used the factory up) reuse the contexts of two processes that ended:
 * our window on the VM image for them (GUEST_PAGER_VA) was filled at
 * boot, and what we hold stays ours, so that every page they cost comes
 * back when they end. */
#define HOG 1
#define LATE 2
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

/* How a process goes on when it next gets the processor. */
enum how {
    START,                      /* new or preempted: KEEL_THREAD_START */
    ANSWER,                     /* it waits in its exception: our answer resumes it */
    RUNNING,                    /* it has the processor */
};
#define HELD 0xfffffffeu        /* proc.reply: our implicit reply right is its */

struct proc {
    bool alive, blocked;        /* blocked: in SYS_RECV, until a message or the end */
    uintptr_t syspage;          /* guest-physical */
    uint32_t stack_pages, role;
    enum how how;
    uint32_t reply;             /* ANSWER: HELD, or the slot of its saved reply right */
    uintptr_t resume;           /* ANSWER after a system call: where it goes on */
    uintptr_t map;              /* ANSWER after a fault: the page of ours mapped there, or 0 */
    uint32_t rights;            /* ... with these KEEL_MAP_* rights */
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
static uint32_t slice_of;        /* the process the virtual timer's slice was armed for */
static uint32_t held;            /* the process whose exception our implicit reply right answers */
static uint32_t preemptions;     /* virtual timer interrupts that preempted a process */

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
    proc[i].how = START;        /* the VMM made it stopped */
    proc[i].reply = KEEL_CAP_OPEN;
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
 * of our answer to the hog's fault (its map item) and of a
 * KEEL_VMM_HC_CREATE then, and of our answer to LATE's first fault. */
static uintptr_t quota_before, quota_out;
static uint32_t hog_error, create_error, late_error;
static uintptr_t late_page;             /* LATE's system-call page */
static uintptr_t late_bits, late_lines; /* the doorbell while LATE ran: the other VM's, the
                                           devices' interrupts */

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

static uintptr_t image_page(uint32_t i, uintptr_t page, uintptr_t kind, uint32_t *rights);

/* Run context LATE, made before and never run, until its first fault (on
 * the VM image, whose page our window for it holds already): our answer
 * cannot map that page into it.  Returns the answer's error.  The doorbell
 * meanwhile is noted (late_bits, late_lines) and served once LATE is gone. */
static uint32_t late_run(void)
{
    uint32_t e = keel_invoke(U, KEEL_VMM_SLOT_CONTEXT(LATE), KEEL_THREAD_START, 0, 0, 0, 0);
    while (!e) {
        struct keel_ipc_result r = keel_recv(U, KEEL_CAP_OPEN, KEEL_TIMEOUT_NEVER);
        if ((e = KEEL_TAG_ERROR(r.tag)))
            break;
        if (r.label == KEEL_VMM_LABEL_DOORBELL) {
            keel_vmm_hypercall(U, KEEL_VMM_HC_PENDING, 0);
            late_bits |= U->mr[1], late_lines |= U->mr[3];
            if (U->mr[0])
                slice_of = 0;   /* a slice that ended: the next run starts one */
            continue;
        }
        if (r.label != LATE)
            continue;           /* no other process runs now */
        uintptr_t kind = U->mr[KEEL_EXC_KIND], addr = U->mr[KEEL_EXC_ADDR];
        if (kind == KEEL_FAULT_PAGE_EXEC && !addr)
            addr = U->mr[KEEL_EXC_IP];
        uint32_t rights;
        uintptr_t map = image_page(LATE, addr & ~(uintptr_t)4095, kind, &rights);
        if (!map)
            return KEEL_E_INVALID;
        keel_mem_item(U, 0, KEEL_ITEM_MAP, map, 12, rights);
        r = keel_ipc(U, KEEL_TAG(KEEL_EXC_RESUME, 0, 1), 0, 0,
                     KEEL_IPC_OPTS(KEEL_IPC_REPLY, KEEL_TIMEOUT_ZERO, 0));
        return KEEL_TAG_ERROR(r.tag);
    }
    return e;
}

/* Pages left in the VM's factory; with make, also try to make context
 * PLAIN (its system-call page allocated beforehand), and run context LATE,
 * then end it.  The factory is out, so this runs while no new page of ours
 * may be mapped: quota_test touched all we touch here beforehand. */
static uintptr_t quota_probe(bool make, uint32_t *e)
{
    keel_vmm_hypercall(U, KEEL_VMM_HC_QUOTA, 0);
    uintptr_t left = U->mr[0];
    U->mr[0] = PLAIN, U->mr[1] = (uintptr_t)guest_process, U->mr[2] = GUEST_STACK_TOP;
    U->mr[3] = GUEST_ARG(ROLE_PLAIN, vm), U->mr[4] = proc[PLAIN].syspage;
    *e = make ? keel_vmm_hypercall(U, KEEL_VMM_HC_CREATE, 5) : KEEL_OK;
    if (make) {
        late_error = late_run();
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
    if (proc[i].how == ANSWER && proc[i].reply != HELD && proc[i].reply != KEEL_CAP_OPEN)
        keel_reply_cap(U, proc[i].reply, KEEL_TAG(KEEL_EXC_STOP, 0, 0));   /* used up */
    if (held == i)
        held = 0;               /* the right goes with the thread */
    U->mr[0] = i, U->mr[1] = (uintptr_t)status;
    keel_vmm_hypercall(U, KEEL_VMM_HC_DESTROY, 2);
    proc[i].alive = false;
    statuses[i] = status;
}

/* The page of the VM image at page, for process i, from the VMM (a map item
 * into our window for it: each process's pages of the image have their
 * own place here); returns where it is mapped, 0 if not the image's. */
static uintptr_t image_page(uint32_t i, uintptr_t page, uintptr_t kind, uint32_t *rights)
{
    keel_set_window(U, GUEST_PAGER_VA + i * GUEST_PAGER_SPAN + (page & (GUEST_PAGER_SPAN - 1)),
                    12);
    U->accept_items = 1;
    U->mr[0] = i, U->mr[1] = page, U->mr[2] = kind;
    uint32_t e = keel_vmm_hypercall(U, KEEL_VMM_HC_IMAGE, 3);
    if (e || U->item[0].type != KEEL_ITEM_MAP)
        return 0;
    *rights = U->item[0].rights;
    return U->item[0].base;
}

/* Process i faulted at addr: its system-call page, its stack or its heap
 * get a page of ours, the VM image comes from the VMM; anything else kills
 * it.  Sets the answer that maps it; false if it was killed. */
static bool page_fault(uint32_t i, uintptr_t addr, uintptr_t kind)
{
    uintptr_t page = addr & ~(uintptr_t)4095, map = 0;
    uint32_t rights = KEEL_MAP_R | KEEL_MAP_W;
    if (proc[i].role == ROLE_HOG && hog_fault(page)) {
        proc[i].map = (uintptr_t)phys(hog_page), proc[i].rights = rights;
        return true;
    }
    bool stack = page < GUEST_STACK_TOP && page >= GUEST_STACK_TOP - GUEST_STACK_PAGES * 4096;
    bool heap = page >= GUEST_HEAP && page < GUEST_HEAP + GUEST_HEAP_PAGES * 4096;
    if (page == KEEL_VMM_SYSPAGE_VA) {
        map = (uintptr_t)phys(proc[i].syspage);
    } else if (stack || heap) {
        uintptr_t pa = alloc_page();
        map = pa == KEEL_VMM_NO_PAGE ? 0 : (uintptr_t)phys(pa);
        if (map && stack)
            proc[i].stack_pages++;
        else if (map && page == GUEST_HEAP)
            kprintf("proc %u: page fault (%s) at 0x%lx: guest-physical page 0x%lx "
                    "mapped there\n", i, kind == KEEL_FAULT_PAGE_WRITE ? "write" : "read",
                    (unsigned long)addr, (unsigned long)pa);
    } else {
        map = image_page(i, page, kind, &rights);
    }
    if (!map) {
        kprintf("proc %u: bad access at 0x%lx; killed\n", i, (unsigned long)addr);
        end(i, -1);
        return false;
    }
    proc[i].map = map, proc[i].rights = rights;
    return true;
}

/* Malformed hypercalls are refused with an error, and the VM goes on. */
static void refused(struct keel_utcb *u)
{
    static const struct {
        uint32_t op, words, want;
        uintptr_t w[5];
    } bad[] = {
        { 99, 0, KEEL_E_NOSYS, { 0 } },                                  /* no such hypercall */
        { KEEL_VMM_HC_IMAGE, 3, KEEL_E_INVALID, { 7, 0, 0 } },            /* no such context */
        { KEEL_VMM_HC_IMAGE, 3, KEEL_E_INVALID, { 0, 0, 0 } },            /* the kernel's own */
        { KEEL_VMM_HC_TIMER, 0, KEEL_E_INVALID, { 0 } },                  /* too few words */
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

/* The VMM refuses to map for a live process what is not the VM image, or
 * a write to the image's code (KEEL_VMM_HC_IMAGE). */
static void image_refused(void)
{
    uint32_t rights, ok = 0;
    ok += !image_page(1, KEEL_VMM_PHYS_VA, KEEL_FAULT_PAGE_READ, &rights);
    ok += !image_page(1, (uintptr_t)guest_process & ~(uintptr_t)4095, KEEL_FAULT_PAGE_WRITE,
                      &rights);
    kprintf("%u of 2 malformed image requests refused as expected\n", ok);
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

/* Our implicit reply right answers process held's exception: keep it in
 * a reply capability, since our next receive would take it (its kernel
 * thread capability saves it: KEEL_VMM_SLOT_SELF). */
static void keep_held(void)
{
    uint32_t i = held, slot = KEEL_CAP_OPEN;
    if (!i)
        return;
    held = 0;
    uint32_t e = keel_save_reply(U, KEEL_VMM_SLOT_SELF, &slot);
    proc[i].reply = slot;
    if (e) {
        proc[i].reply = KEEL_CAP_OPEN;
        kprintf("proc %u: cannot keep its reply right: error %u; killed\n", i, e);
        end(i, -1);
    }
}

/* Give process i the processor, then wait for the next message on our
 * gates: its next exception, or the doorbell.  A process waiting in its
 * exception is answered by the same system call as our receive. */
static struct keel_ipc_result go(struct keel_utcb *u, uint32_t i)
{
    struct proc *p = &proc[i];
    if (held && held != i)
        keep_held();
    if (i != slice_of) {        /* a new time slice */
        u->mr[0] = SLICE_US;
        keel_vmm_hypercall(u, KEEL_VMM_HC_TIMER, 1);
        slice_of = i;
    }
    enum how how = p->how;
    p->how = RUNNING;
    if (how == START) {
        uint32_t e = keel_invoke(u, KEEL_VMM_SLOT_CONTEXT(i), KEEL_THREAD_START, 0, 0, 0, 0);
        if (e) {
            struct keel_ipc_result r = { keel_tag_with_error(e), i };
            return r;
        }
    }
    if (how != ANSWER)
        return keel_recv(u, KEEL_CAP_OPEN, KEEL_TIMEOUT_NEVER);
    uint64_t tag;
    if (p->map) {               /* a fault: retry, with our page mapped there */
        keel_mem_item(u, 0, KEEL_ITEM_MAP, p->map, 12, p->rights);
        tag = KEEL_TAG(KEEL_EXC_RESUME, 0, 1);
    } else {                    /* a system call: on past the trap */
        u->mr[0] = p->resume;
        tag = KEEL_TAG(KEEL_EXC_RESUME, 1, 0);
    }
    if (p->reply == HELD) {     /* the fast path: reply and receive */
        held = 0;
        return keel_reply_wait(u, tag, KEEL_CAP_OPEN, KEEL_TIMEOUT_NEVER);
    }
    uint32_t cap = p->reply;
    p->reply = KEEL_CAP_OPEN;
    return keel_ipc(u, tag, cap, KEEL_CAP_OPEN,
                    KEEL_IPC_OPTS(KEEL_IPC_SEND | KEEL_IPC_RECV, KEEL_TIMEOUT_ZERO,
                                  KEEL_TIMEOUT_NEVER));
}

/* The doorbell rang: the virtual timer preempts process *cur (it stops;
 * the next one runs), the other VM's interrupts and the devices' are
 * served while *cur waits, then it goes on. */
static void doorbell(struct keel_utcb *u, uint32_t *cur)
{
    keel_vmm_hypercall(u, KEEL_VMM_HC_PENDING, 0);
    uintptr_t fired = u->mr[0], bits = u->mr[1], page = u->mr[2], lines = u->mr[3];
    uint32_t i = *cur;
    bool running = i && proc[i].alive && proc[i].how == RUNNING;
    if (bits) {
        if (running && !upcalls++)
            kprintf("proc %u stopped by a virtual interrupt upcall (bits 0x%lx)\n", i,
                    (unsigned long)bits);
        for (uint32_t k = 1; k <= PROCS; k++)
            if (proc[k].alive)
                GUEST_VIRQS((struct keel_vmm_syspage *)phys(proc[k].syspage))++;
        interrupt(bits, page);
    }
    if (lines)
        guest_interrupt(lines);
    if (!fired)
        return;
    slice_of = 0;               /* the next run starts a slice, even of the same process */
    if (!running)
        return;
    keel_invoke(u, KEEL_VMM_SLOT_CONTEXT(i), KEEL_THREAD_STOP, 0, 0, 0, 0);
    proc[i].how = START;        /* where it was; a trap it had begun is taken again */
    preemptions++;
    GUEST_TICKS((struct keel_vmm_syspage *)phys(proc[i].syspage))++;
    *cur = next(i);
}

/* Process i's exception or exit (the message in u->mr[]), which waits for
 * our answer; returns the process to run next. */
static uint32_t event(struct keel_utcb *u, uint32_t i, uint64_t tag)
{
    struct proc *p = &proc[i];
    uintptr_t kind = u->mr[KEEL_EXC_KIND], ip = u->mr[KEEL_EXC_IP], addr = u->mr[KEEL_EXC_ADDR];
    held = i;
    p->how = ANSWER, p->reply = HELD, p->map = 0;
    if (KEEL_TAG_LABEL(tag) == KEEL_LABEL_EXIT) {   /* its thread ended by itself */
        end(i, (intptr_t)u->mr[0]);
        return next(i);
    }
    if (kind == KEEL_ARCH_TRAP_FAULT) {             /* a system call */
        struct keel_vmm_syspage *sp = phys(p->syspage);
        uintptr_t a[4] = { sp->arg[0], sp->arg[1], sp->arg[2], sp->arg[3] };
        p->resume = ip + KEEL_ARCH_TRAP_SIZE;
        return serve(i, sp->nr, a);
    }
    if (kind <= KEEL_FAULT_PAGE_EXEC) {
        if (kind == KEEL_FAULT_PAGE_EXEC && !addr)
            addr = ip;
        return page_fault(i, addr, kind) ? i : next(i);
    }
    kprintf("proc %u: exception %lu at ip 0x%lx; killed\n", i, (unsigned long)kind,
            (unsigned long)ip);
    end(i, -1);
    return next(i);
}

/* Run the processes until none is left; returns the virtual timer's ticks. */
static uint32_t schedule(struct keel_utcb *u)
{
    uint32_t cur = next(PROCS);
    for (;;) {
        if (!cur) {
            if (!any_alive())
                return preemptions;
            slice_of = 0;
            if (guest_waiting()) {  /* for a device, or the other VM: either wakes it */
                guest_idle();
            } else if (!idle()) {   /* every process waits for a VM that says nothing */
                peer_gone = true;
                deliver();
            }
            cur = next(PROCS);
            continue;
        }
        struct keel_ipc_result r = go(u, cur);
        uint32_t e = KEEL_TAG_ERROR(r.tag);
        if (e) {                /* our answer failed: it cannot go on */
            hog_stopped(cur, e);
            kprintf("proc %u cannot run: error %u; killed\n", cur, e);
            end(cur, -1);
            cur = next(cur);
        } else if (r.label == KEEL_VMM_LABEL_DOORBELL) {
            doorbell(u, &cur);
        } else if (r.label >= 1 && r.label <= PROCS && proc[r.label].alive) {
            cur = event(u, (uint32_t)r.label, r.tag);
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

/* The image's bounds (sdk/lib/user.ld): the guest runs from its VMM's
 * program image. */
extern char __keel_image_start[], __keel_image_end[];

/* Every page of the VM image in our window for context i (the hostile
 * scenario's VM 1 at boot, for the contexts the hog and LATE reuse), and
 * in our own address space: so that nothing of ours grows later. */
static void image_warm(uint32_t i)
{
    uint32_t rights;
    uintptr_t end = (uintptr_t)__keel_image_end;
    for (uintptr_t p = (uintptr_t)__keel_image_start & ~(uintptr_t)4095; p < end; p += 4096) {
        (void)*(volatile const char *)p;
        image_page(i, p, KEEL_FAULT_PAGE_READ, &rights);
    }
}

/* The hostile scenario's VM 1, once its other processes ended: the hog
 * uses up the VM's factory (KEEL_E_QUOTA from our answer to its fault: the
 * kernel cannot map our page into it), KEEL_VMM_HC_CREATE then fails with
 * KEEL_E_QUOTA too, and so does our answer to the first fault of LATE; the
 * hog is killed, every page comes back and a new process runs. */
static bool quota_test(struct keel_utcb *u)
{
    uint32_t e;
    proc[PLAIN].syspage = alloc_page();
    hog_page = alloc_page();
    late_page = alloc_page();
    hog_error = create_error = late_error = 0, late_bits = late_lines = 0;
    /* Our view of the rest of guest-physical memory (the hog's pages come
     * from it), now: what we map for ourselves stays ours. */
    for (uintptr_t pa = next_page; pa < ram; pa += 4096)
        (void)*(volatile const uintptr_t *)phys(pa);
    quota_before = quota_probe(false, &e);
    U->mr[0] = LATE, U->mr[1] = (uintptr_t)guest_process, U->mr[2] = GUEST_STACK_TOP;
    U->mr[3] = GUEST_ARG(ROLE_PLAIN, vm), U->mr[4] = late_page;
    if (keel_vmm_hypercall(U, KEEL_VMM_HC_CREATE, 5) || create(HOG, ROLE_HOG))
        kprintf("cannot create the hog or proc %u\n", LATE);
    schedule(u);
    uintptr_t after = quota_probe(false, &e);
    if (late_bits)              /* the doorbell while LATE ran */
        interrupt(late_bits, KEEL_VMM_NO_PAGE);
    if (late_lines)
        guest_interrupt(late_lines);
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
    proc[PLAIN].how = START, proc[PLAIN].reply = KEEL_CAP_OPEN;
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

/* ./keel bench: a virtual interrupt's delivery, between benchmark markers
 * that span both VMs (the plugin counts every instruction of the machine's
 * one processor): from VM 1's KEEL_VMM_HC_NOTIFY to VM 2's kernel, which
 * waits on its open receive, taking the doorbell and asking
 * KEEL_VMM_HC_PENDING what it rang for.  VM 2 answers each with an
 * interrupt of its own, which VM 1 waits for (not measured).  Without the
 * other VM (no answer in WAIT_US), VM 1 goes on: no case. */
static void bench_virq(struct keel_utcb *u)
{
    for (uint32_t i = 0; i < GUEST_BENCH_ROUNDS; i++) {
        if (vm == 1) {
            keel_mark_start();
            u->mr[0] = GUEST_VIRQ_BENCH;
            uint32_t e = keel_vmm_hypercall(u, KEEL_VMM_HC_NOTIFY, 1);
            u->mr[0] = WAIT_US;
            if (e || keel_vmm_hypercall(u, KEEL_VMM_HC_WAIT, 1))
                return;
            continue;
        }
        struct keel_ipc_result r = keel_recv(u, KEEL_CAP_OPEN, KEEL_TIMEOUT_NEVER);
        if (KEEL_TAG_ERROR(r.tag) || r.label != KEEL_VMM_LABEL_DOORBELL)
            return;
        keel_vmm_hypercall(u, KEEL_VMM_HC_PENDING, 0);
        if (!(u->mr[1] & GUEST_VIRQ_BENCH))
            return;
        keel_mark_stop();
        if (i == GUEST_BENCH_ROUNDS - 1) {
            keel_mark_report();
            kprintf("case virtual-interrupt\n");
        }
        u->mr[0] = GUEST_VIRQ_BENCH;
        keel_vmm_hypercall(u, KEEL_VMM_HC_NOTIFY, 1);
    }
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
        bench_virq(u);
    } else {
        bench_virq(u);
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
    if (guest_scenario() == SCENARIO_HOSTILE && vm == 1) {
        if (create(WILD, ROLE_WILD))
            kprintf("cannot create proc %u\n", WILD);
        image_warm(HOG);
        image_warm(LATE);
    }
    image_refused();
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
