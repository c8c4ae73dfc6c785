/*
 * Quota accounting checked against a model.  The kernel's object code
 * (invoke.c and the object files), its quotas and frame table (quota.c, kmem.c), the page
 * allocator and the page tables (vm.c) run as they are over a block of host
 * memory ("RAM", reached 1:1 like the kernel does); the IPC and scheduler
 * calls the object code makes are stubbed.  A random sequence of object creations,
 * mappings, UTCBs, capability deletions, task destructions and address-space
 * activations goes through kobj_invoke() exactly as system calls would, and
 * after every step the test checks that
 *   - every allocated page is charged to exactly one factory, and each
 *     factory's frames are exactly the quota it has used;
 *   - an operation charged nothing but the factory it named;
 *   - objects cost what they must (task 3 pages, thread, gate, notification
 *     1, a sub-factory 1 plus its quota);
 *   - live address spaces tagged in the current generation have distinct
 *     tags (a 3-bit tag space, so generations roll over often);
 * and at the end, with every task destroyed and its capabilities deleted,
 * that each factory holds exactly the pages of the objects still named.
 * First, objects of each kind made from a sub-factory die with their last
 * capability, the factory's first, and every page comes back.
 */
#include <stdlib.h>
#include <keel/errors.h>
#include <keel/kobj.h>
#include <irq.h>
#include <kmem.h>
#include <thread.h>
#include "check.h"
#include "fake_pte.h"

#define RAM_PAGES 4096
#define PG 4096ull

/* ---- the host "port": the page-table format of fake_pte.h ---- */
uint32_t arch_pt_index_bits(uint32_t level) { return 9; }
void arch_tlb_flush_page(const struct arch_aspace *as, uintptr_t va) { }
void arch_tlb_flush_leaf(const struct arch_aspace *as, uintptr_t va, uint32_t level) { }
void arch_aspace_init(struct arch_aspace *as, uint64_t root) { as->root = root; }
void arch_aspace_activate(const struct arch_aspace *as) { }
uint32_t arch_tag_bits(void) { return 3; }
static int tag_sets;
void arch_aspace_set_tag(struct arch_aspace *as, uint32_t tag) { tag_sets++; }
void arch_regs_init_user(struct arch_regs *regs, uintptr_t ip, uintptr_t sp, uintptr_t arg) { }
void arch_fpu_state_init(struct arch_fpu *fpu) { fpu->reg = 0x5a; }

/* ---- the calls the object code makes into IPC and the scheduler ---- */
void ipc_abort(struct thread *t, uint32_t err) { }
void irq_cap_ref(const struct cap *c, int delta) { }
void irq_notification_gone(struct notification *n) { }
static struct thread *caller;
struct thread *sched_current(void) { return caller; }
uint32_t device_io_ports(struct task *task, uintptr_t port, uintptr_t count)
{
    return KEEL_E_NOSYS;
}
bool device_memory(uint64_t pa) { return false; }    /* no device memory here */
struct ram_range device_ram_hint;   /* empty: every map asks device_memory */
void ipc_release(struct thread *t) { }
void ipc_reply_cap_deleted(const struct cap *c) { }
uint32_t ipc_save_reply(struct thread *t, uint32_t *slot) { return KEEL_E_CAP; }
void sched_block(struct thread *t, enum thread_state why) { t->state = why; }
void sched_ready(struct thread *t) { t->state = THREAD_READY; }
void rq_node_init(struct rq_node *n) { }
bool rq_node_queued(const struct rq_node *n) { return false; }

/* The loader is not linked: "loading" maps pages images' size says,
 * charged as the real one charges. */
uint32_t task_load_elf(struct task *task, struct factory *f, const struct vm_space *from,
                       uintptr_t va, uintptr_t size, uintptr_t *entry)
{
    uint64_t pa;
    for (uintptr_t i = 0; i < size; i++) {
        uint32_t e = task_map_page(task, f, USER_BASE + 0x100000 + i * PG, PTE_R, &pa);
        if (e)
            return e;
    }
    *entry = USER_BASE;
    return KEEL_OK;
}

/* ---- the machine ---- */
static uint8_t *ram;
static struct boot_desc desc;
static struct factory all = { .memory = true };
static struct task *root;
static uint64_t free_at_start;

static uint64_t rng = 0x2545f4914f6cdd1dull;
static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* ---- the model ---- */
#define MAX_FACTORIES 8
#define MAX_TASKS 10
struct fac {
    struct factory *f;
    uint32_t slot;
    uint64_t granted;       /* pages it was given */
    uint64_t given;         /* pages it passed on to sub-factories */
    uint64_t permanent;     /* pages of objects that are never freed */
};
static struct fac fac[MAX_FACTORIES];
static int nfac;
static struct {
    uint32_t slot;          /* root's capability, or KEEL_CAP_OPEN */
    struct task *task;
    uint32_t threads[4];
    int nthreads;
    bool dead;
} tk[MAX_TASKS];
static int ntk;

static uint32_t invoke(uint32_t slot, uint32_t op, uintptr_t a0, uintptr_t a1, uintptr_t a2,
                       uintptr_t a3, uintptr_t *out)
{
    struct cap c;
    if (cap_lookup(&root->caps, slot, CAP_TYPE_ANY, 0, &c))
        return KEEL_E_CAP;
    uintptr_t a[4] = { a0, a1, a2, a3 };
    for (uint32_t i = 0; i < 4; i++)
        arch_syscall_set_word(&caller->regs, 4 + i, a[i]);
    kobj_invoke(caller, &c, KEEL_TAG(op, 4, 0));
    if (out)
        *out = arch_syscall_word(&caller->regs, 4);
    return (uint32_t)(arch_syscall_word(&caller->regs, 0) >> 16 & 0xff);
}

/* Frames whose recorded payer is f (NULL: any payer). */
static uint64_t frames_of(struct factory *f, bool any)
{
    uint64_t n = 0;
    for (uint64_t p = 0; p < RAM_PAGES; p++) {
        void *o = kmem_owner((uint64_t)(uintptr_t)(ram + p * PG));
        n += any ? o != NULL : o == f;
    }
    return n;
}

static uint64_t used_of(int i)
{
    return fac[i].granted - fac[i].given - fac[i].f->pages_left;
}

static void check_accounting(void)
{
    uint64_t charged = 0;
    for (int i = 0; i < nfac; i++) {
        CHECK_EQ_U(frames_of(fac[i].f, false), used_of(i));
        charged += used_of(i);
    }
    /* Every allocated page has exactly one payer, a known factory. */
    CHECK_EQ_U(frames_of(NULL, true), charged);
    CHECK_EQ_U(free_at_start - kmem_free_pages(), charged);
}

static void check_tags(void)
{
    for (int i = 0; i < ntk; i++)
        for (int j = i + 1; j < ntk; j++) {
            const struct vm_space *a = &tk[i].task->vm, *b = &tk[j].task->vm;
            if (tk[i].dead || tk[j].dead || a->tag_gen != vm_tag_generation ||
                b->tag_gen != vm_tag_generation)
                continue;
            CHECK(a->tag != b->tag && a->tag && b->tag);
        }
}

static uint64_t left[MAX_FACTORIES];

static void snapshot(void)
{
    for (int i = 0; i < nfac; i++)
        left[i] = fac[i].f->pages_left;
}

/* Nothing but factory charged (may be -1: none) paid, and only by what it
 * paid at most; nothing was given back unless freed is true. */
static void check_only(int charged, uint64_t at_least, uint64_t at_most, bool freed)
{
    for (int i = 0; i < nfac; i++) {
        uint64_t before = left[i], now = fac[i].f->pages_left;
        if (i == charged) {
            CHECK(before - now >= at_least && before - now <= at_most);
        } else if (freed) {
            CHECK(now >= before);
        } else {
            CHECK_EQ_U(now, before);
        }
    }
}

static int pick_factory(void) { return (int)(rnd() % (uint64_t)nfac); }

static int live_task(void)
{
    for (int tries = 0; tries < 20 && ntk; tries++) {
        int i = (int)(rnd() % (uint64_t)ntk);
        if (tk[i].slot != KEEL_CAP_OPEN)
            return i;
    }
    return -1;
}

static void op_task(void)
{
    int f = pick_factory();
    uintptr_t slot;
    if (ntk == MAX_TASKS)
        return;
    snapshot();
    /* A capability table of 2^bits slots (0: the default 64), some of them
     * several pages (64 slots a page): header + table + page-table root. */
    uint32_t bits = (uint32_t)(rnd() % 10);
    uint64_t table = bits > 6 ? (uint64_t)1 << (bits - 6) : 1;
    uint32_t e = invoke(fac[f].slot, KEEL_FACTORY_TASK, KEEL_CAP_OPEN, bits, 0, 0, &slot);
    CHECK(e == KEEL_OK || e == KEEL_E_QUOTA);
    check_only(f, e ? 0 : 2 + table, e ? 0 : 2 + table, false);
    if (e)
        return;
    struct cap c;
    cap_lookup(&root->caps, (uint32_t)slot, CAP_TASK, 0, &c);
    tk[ntk].slot = (uint32_t)slot;
    tk[ntk].task = c.object;
    tk[ntk].nthreads = 0;
    tk[ntk].dead = false;
    vm_activate(&tk[ntk].task->vm); /* as if it ran */
    ntk++;
}

static void op_thread(void)
{
    int i = live_task(), f = pick_factory();
    uintptr_t slot;
    if (i < 0 || tk[i].nthreads == 4)
        return;
    snapshot();
    uint32_t e = invoke(fac[f].slot, KEEL_FACTORY_THREAD, tk[i].slot, KEEL_CAP_OPEN, 0, 0, &slot);
    CHECK(e == KEEL_OK || e == KEEL_E_QUOTA || (tk[i].dead && e == KEEL_E_PARTNER));
    check_only(f, e ? 0 : 1, e ? 0 : 1, false);
    if (!e)
        tk[i].threads[tk[i].nthreads++] = (uint32_t)slot;
}

static void op_permanent(void)
{
    int f = pick_factory();
    uintptr_t slot;
    uint32_t e, kind = (uint32_t)(rnd() % 3);
    uint64_t pages = rnd() % 40;
    snapshot();
    if (kind == 0)
        e = invoke(fac[f].slot, KEEL_FACTORY_NOTIFICATION, 7, KEEL_CAP_OPEN, 0, 0, &slot);
    else if (kind == 1)
        e = invoke(fac[f].slot, KEEL_FACTORY_GATE, 1, 9, KEEL_CAP_OPEN, 0, &slot);
    else if (nfac < MAX_FACTORIES)
        e = invoke(fac[f].slot, KEEL_FACTORY_FACTORY, pages, KEEL_CAP_OPEN, 0, 0, &slot);
    else
        return;
    CHECK(e == KEEL_OK || e == KEEL_E_QUOTA);
    uint64_t cost = kind == 2 ? 1 + pages : 1;
    check_only(f, e ? 0 : cost, e ? 0 : cost, false);
    if (e)
        return;
    fac[f].permanent++;
    if (kind == 2) {
        struct cap c;
        cap_lookup(&root->caps, (uint32_t)slot, CAP_FACTORY, 0, &c);
        fac[f].given += pages;
        fac[nfac] = (struct fac){ .f = c.object, .slot = (uint32_t)slot, .granted = pages };
        nfac++;
    }
}

static void op_map(void)
{
    int i = live_task(), f = pick_factory();
    if (i < 0)
        return;
    uintptr_t va = USER_BASE + (rnd() % 4) * 0x40000000ull + (rnd() % 64) * PG;
    uint64_t pages = 1 + rnd() % 8;
    snapshot();
    uint32_t e = invoke(tk[i].slot, KEEL_TASK_MAP_ANON, va, pages, KEEL_MAP_R | KEEL_MAP_W,
                        fac[f].slot, NULL);
    CHECK(e == KEEL_OK || e == KEEL_E_QUOTA || e == KEEL_E_INVALID ||
          (tk[i].dead && e == KEEL_E_PARTNER));
    /* Success: the pages and at most three new tables each; failure: at
     * most the tables made before the quota ran out stay. */
    check_only(f, e ? 0 : pages, e ? 3 : 4 * pages, false);
}

static void op_utcb_or_elf(void)
{
    int i = live_task(), f = pick_factory();
    if (i < 0)
        return;
    snapshot();
    uint32_t e;
    if (rnd() % 2 && tk[i].nthreads) {
        uint32_t th = tk[i].threads[rnd() % (uint64_t)tk[i].nthreads];
        uintptr_t va = USER_BASE + 0x80000000ull + (rnd() % 512) * PG;
        e = invoke(th, KEEL_THREAD_SET_UTCB, va, fac[f].slot, 0, 0, NULL);
        CHECK(e == KEEL_OK || e == KEEL_E_QUOTA || e == KEEL_E_INVALID || e == KEEL_E_PARTNER);
        check_only(f, e ? 0 : 1, e ? 3 : 4, false);
    } else {
        uintptr_t entry;
        e = invoke(tk[i].slot, KEEL_TASK_LOAD_ELF, 0, 1 + rnd() % 3, fac[f].slot, 0, &entry);
        /* Partial loads keep what they mapped, as the real loader does. */
        CHECK(e == KEEL_OK || e == KEEL_E_QUOTA || e == KEEL_E_INVALID || e == KEEL_E_PARTNER);
        check_only(f, 0, 16, false);
    }
}

static void op_destroy(void)
{
    int i = live_task();
    if (i < 0)
        return;
    snapshot();
    uint32_t e = invoke(tk[i].slot, KEEL_TASK_DESTROY, 0, 0, 0, 0, NULL);
    CHECK(e == KEEL_OK || (tk[i].dead && e == KEEL_E_PARTNER));
    tk[i].dead = true;
    check_only(-1, 0, 0, true);
}

/* Drop root's capabilities to task i (it must be dead for its headers to
 * go) and forget it. */
static void op_forget(void)
{
    int i = live_task();
    if (i < 0 || !tk[i].dead)
        return;
    snapshot();
    for (int k = 0; k < tk[i].nthreads; k++)
        CHECK_EQ_U(cap_delete(&root->caps, tk[i].threads[k]), KERR_OK);
    CHECK_EQ_U(cap_delete(&root->caps, tk[i].slot), KERR_OK);
    check_only(-1, 0, 0, true);
    tk[i] = tk[--ntk];
}

static void op_activate(void)
{
    int i = live_task();
    if (i >= 0 && !tk[i].dead)
        vm_activate(&tk[i].task->vm);
}

static void setup(void)
{
    ram = aligned_alloc(PG, RAM_PAGES * PG);
    CHECK(ram != NULL);
    memset(ram, 0, RAM_PAGES * PG);
    desc.usable.r[0] = (struct mem_range){ (uint64_t)(uintptr_t)ram, RAM_PAGES * PG };
    desc.usable.count = 1;
    CHECK_EQ_U(kmem_init(&desc), KERR_OK);
    free_at_start = kmem_free_pages();
    all.pages_left = free_at_start;
    CHECK_EQ_U(task_create(&all, "root", &root), KEEL_OK);
    CHECK_EQ_U(thread_create(&all, root, &caller), KEEL_OK);
    struct cap c = { .object = root, .type = CAP_TASK, .rights = CAP_RIGHTS_ALL };
    uint32_t slot = 0;
    cap_insert(&root->caps, &slot, &c);
    c = (struct cap){ .object = caller, .type = CAP_THREAD, .rights = CAP_RIGHTS_ALL };
    slot = 1;
    cap_insert(&root->caps, &slot, &c);
    c = (struct cap){ .object = &all, .type = CAP_FACTORY, .rights = CAP_RIGHTS_ALL };
    slot = 2;
    cap_insert(&root->caps, &slot, &c);
    fac[0] = (struct fac){ .f = &all, .slot = 2, .granted = free_at_start, .permanent = 4 };
    nfac = 1;
    /* A sub-factory small enough to run dry often. */
    uintptr_t s;
    CHECK_EQ_U(invoke(2, KEEL_FACTORY_FACTORY, 60, KEEL_CAP_OPEN, 0, 0, &s), KEEL_OK);
    struct cap fc;
    cap_lookup(&root->caps, (uint32_t)s, CAP_FACTORY, 0, &fc);
    fac[0].given += 60;
    fac[0].permanent++;
    fac[1] = (struct fac){ .f = fc.object, .slot = (uint32_t)s, .granted = 60 };
    nfac = 2;
    check_accounting();
}

/* Destroy and forget every task; each factory keeps only its permanent
 * objects' pages. */
static void teardown(void)
{
    while (ntk) {
        int i = ntk - 1;
        if (!tk[i].dead)
            CHECK_EQ_U(invoke(tk[i].slot, KEEL_TASK_DESTROY, 0, 0, 0, 0, NULL), KEEL_OK);
        tk[i].dead = true;
        for (int k = 0; k < tk[i].nthreads; k++)
            cap_delete(&root->caps, tk[i].threads[k]);
        cap_delete(&root->caps, tk[i].slot);
        ntk--;
    }
    check_accounting();
    for (int i = 0; i < nfac; i++)
        CHECK_EQ_U(used_of(i), fac[i].permanent);
}

/* Objects die with their last capability, and every page goes back to its
 * payer: a sub-factory whose capability goes first (its quota returns at
 * once, the pages of the objects it paid for as they go, its own page
 * last), then a gate, a notification, a thread and a task made from it. */
static void test_lifetimes(void)
{
    uint64_t all_before = all.pages_left, free_before = kmem_free_pages();
    uintptr_t f, task, th, g, n;
    CHECK_EQ_U(invoke(2, KEEL_FACTORY_FACTORY, 40, KEEL_CAP_OPEN, 0, 0, &f), KEEL_OK);
    CHECK_EQ_U(all.pages_left, all_before - 41);
    CHECK_EQ_U(invoke((uint32_t)f, KEEL_FACTORY_TASK, KEEL_CAP_OPEN, 0, 0, 0, &task), KEEL_OK);
    CHECK_EQ_U(invoke((uint32_t)f, KEEL_FACTORY_THREAD, task, KEEL_CAP_OPEN, 0, 0, &th), KEEL_OK);
    CHECK_EQ_U(invoke((uint32_t)f, KEEL_FACTORY_GATE, th, 1, KEEL_CAP_OPEN, 0, &g), KEEL_OK);
    CHECK_EQ_U(invoke((uint32_t)f, KEEL_FACTORY_NOTIFICATION, 0, KEEL_CAP_OPEN, 0, 0, &n),
               KEEL_OK);
    CHECK_EQ_U(invoke((uint32_t)task, KEEL_TASK_MAP_ANON, USER_BASE, 4, KEEL_MAP_R, f, NULL),
               KEEL_OK);
    struct cap fc = { 0 };
    CHECK_EQ_U(cap_lookup(&root->caps, (uint32_t)f, CAP_FACTORY, 0, &fc), KERR_OK);
    struct factory *sub = fc.object;
    if (!sub) {
        printf("     no factory: root's table %u/%u used\n", root->caps.used, root->caps.size);
        return;
    }
    uint64_t used = sub->used, left = sub->pages_left;
    CHECK_EQ_U(used + left, 40);
    CHECK_EQ_U(invoke(0, KEEL_TASK_DELETE_CAP, f, 0, 0, 0, NULL), KEEL_OK);
    CHECK_EQ_U(all.pages_left, all_before - 41 + left);     /* its quota left, at once */
    CHECK_EQ_U(invoke(0, KEEL_TASK_DELETE_CAP, n, 0, 0, 0, NULL), KEEL_OK);
    CHECK_EQ_U(invoke(0, KEEL_TASK_DELETE_CAP, g, 0, 0, 0, NULL), KEEL_OK);
    CHECK_EQ_U(all.pages_left, all_before - 41 + left + 2);
    CHECK_EQ_U(invoke(0, KEEL_TASK_DELETE_CAP, th, 0, 0, 0, NULL), KEEL_OK);  /* killed, freed */
    CHECK_EQ_U(all.pages_left, all_before - 41 + left + 3);
    CHECK_EQ_U(invoke(0, KEEL_TASK_DELETE_CAP, task, 0, 0, 0, NULL), KEEL_OK); /* destroyed */
    CHECK_EQ_U(all.pages_left, all_before);                  /* the factory's page too */
    CHECK_EQ_U(kmem_free_pages(), free_before);
    CHECK_EQ_U(frames_of(sub, false), 0);
}

/* Memory is delegated, never made: a factory made with
 * KEEL_FACTORY_NO_MEMORY, and one made from it, refuse MAP_ANON with
 * KEEL_E_RIGHTS and charge nothing; an unknown flag is KEEL_E_INVALID;
 * everything comes back. */
static void test_memory_flag(void)
{
    uint64_t all_before = all.pages_left, free_before = kmem_free_pages();
    uintptr_t f, g, task;
    CHECK_EQ_U(invoke(2, KEEL_FACTORY_FACTORY, 40, KEEL_CAP_OPEN, 2, 0, &f), KEEL_E_INVALID);
    CHECK_EQ_U(all.pages_left, all_before);
    CHECK_EQ_U(invoke(2, KEEL_FACTORY_FACTORY, 40, KEEL_CAP_OPEN, KEEL_FACTORY_NO_MEMORY, 0, &f),
               KEEL_OK);
    CHECK_EQ_U(invoke((uint32_t)f, KEEL_FACTORY_FACTORY, 10, KEEL_CAP_OPEN, 0, 0, &g), KEEL_OK);
    CHECK_EQ_U(invoke((uint32_t)f, KEEL_FACTORY_TASK, KEEL_CAP_OPEN, 0, 0, 0, &task), KEEL_OK);
    struct cap fc = { 0 }, gc = { 0 };
    CHECK_EQ_U(cap_lookup(&root->caps, (uint32_t)f, CAP_FACTORY, 0, &fc), KERR_OK);
    CHECK_EQ_U(cap_lookup(&root->caps, (uint32_t)g, CAP_FACTORY, 0, &gc), KERR_OK);
    if (!fc.object || !gc.object)
        return;
    struct factory *nf = fc.object, *ng = gc.object;
    uint64_t left_f = nf->pages_left, left_g = ng->pages_left;
    CHECK_EQ_U(nf->memory || ng->memory, false);
    CHECK_EQ_U(invoke((uint32_t)task, KEEL_TASK_MAP_ANON, USER_BASE, 1, KEEL_MAP_R, f, NULL),
               KEEL_E_RIGHTS);
    CHECK_EQ_U(invoke((uint32_t)task, KEEL_TASK_MAP_ANON, USER_BASE, 1, KEEL_MAP_R, g, NULL),
               KEEL_E_RIGHTS);
    CHECK_EQ_U(nf->pages_left, left_f);
    CHECK_EQ_U(ng->pages_left, left_g);
    CHECK_EQ_U(invoke(0, KEEL_TASK_DELETE_CAP, task, 0, 0, 0, NULL), KEEL_OK);
    CHECK_EQ_U(invoke(0, KEEL_TASK_DELETE_CAP, g, 0, 0, 0, NULL), KEEL_OK);
    CHECK_EQ_U(invoke(0, KEEL_TASK_DELETE_CAP, f, 0, 0, 0, NULL), KEEL_OK);
    CHECK_EQ_U(all.pages_left, all_before);
    CHECK_EQ_U(kmem_free_pages(), free_before);
}

int main(void)
{
    setup();
    test_lifetimes();   /* first: root's table fills up with objects later */
    test_memory_flag();
    check_accounting();
    /* Table sizes: out of range refused with nothing charged; a 1024-slot
     * table takes its last slot, refuses the next, and comes back whole.
     * First, while the allocator still has never-used pages: a table of
     * several pages is one block, which page_alloc_block takes only from
     * those. */
    uintptr_t t;
    uint64_t before = fac[1].f->pages_left;
    CHECK_EQ_U(invoke(fac[1].slot, KEEL_FACTORY_TASK, KEEL_CAP_OPEN, 17, 0, 0, &t),
               KEEL_E_INVALID);
    CHECK_EQ_U(fac[1].f->pages_left, before);
    CHECK_EQ_U(invoke(fac[1].slot, KEEL_FACTORY_TASK, KEEL_CAP_OPEN, 10, 0, 0, &t), KEEL_OK);
    CHECK_EQ_U(before - fac[1].f->pages_left, 1 + 16 + 1);
    CHECK_EQ_U(invoke((uint32_t)t, KEEL_TASK_GIVE_CAP, fac[1].slot, KEEL_RIGHT_SEND, 1023, 0,
                      NULL), KEEL_OK);
    CHECK_EQ_U(invoke((uint32_t)t, KEEL_TASK_GIVE_CAP, fac[1].slot, KEEL_RIGHT_SEND, 1024, 0,
                      NULL), KEEL_E_CAP);
    CHECK_EQ_U(invoke((uint32_t)t, KEEL_TASK_DESTROY, 0, 0, 0, 0, NULL), KEEL_OK);
    cap_delete(&root->caps, (uint32_t)t);
    CHECK_EQ_U(fac[1].f->pages_left, before);
    check_accounting();
    enum { STEPS = 20000 };
    for (int step = 0; step < STEPS; step++) {
        switch (rnd() % 10) {
        case 0: case 1: op_task(); break;
        case 2: op_thread(); break;
        case 3: op_permanent(); break;
        case 4: case 5: op_map(); break;
        case 6: op_utcb_or_elf(); break;
        case 7: op_destroy(); op_forget(); break;
        case 8: op_destroy(); break;
        default: op_activate(); break;
        }
        check_accounting();
        check_tags();
        if (check_failed) {
            printf("first failure at step %d\n", step);
            break;
        }
    }
    printf("quota: %llu tag generations, %d tag assignments\n", (unsigned long long)vm_tag_generation, tag_sets);
    CHECK(vm_tag_generation > 10); /* 3-bit tags: many roll-overs */
    teardown();
    /* Whole task lives, run dry and refilled: the quota comes back exactly. */
    before = fac[1].f->pages_left;
    for (int round = 0; round < 50; round++) {
        uintptr_t t, th;
        if (invoke(fac[1].slot, KEEL_FACTORY_TASK, KEEL_CAP_OPEN, 0, 0, 0, &t))
            break;
        invoke(fac[1].slot, KEEL_FACTORY_THREAD, t, KEEL_CAP_OPEN, 0, 0, &th);
        while (invoke((uint32_t)t, KEEL_TASK_MAP_ANON, USER_BASE + rnd() % 4096 * PG, 1,
                      KEEL_MAP_R, fac[1].slot, NULL) != KEEL_E_QUOTA)
            ;
        CHECK_EQ_U(fac[1].f->pages_left, 0);
        CHECK_EQ_U(invoke((uint32_t)t, KEEL_TASK_DESTROY, 0, 0, 0, 0, NULL), KEEL_OK);
        cap_delete(&root->caps, (uint32_t)th);
        cap_delete(&root->caps, (uint32_t)t);
        CHECK_EQ_U(fac[1].f->pages_left, before);
    }
    check_accounting();
    free(ram);
    return check_summary("quota");
}
