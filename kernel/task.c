/*
 * Tasks: an address space and a capability table, each charged to the
 * factory the request named; the page tables a mapping needs go to the
 * factory that pays for the mapped page (pt_charge).
 *
 * A task is destroyed by KEEL_TASK_DESTROY or when its last task
 * capability goes (task_reap); it gives back its address space,
 * capability table and capabilities at once; its task and thread headers
 * go back when the last capability naming the task or one of its threads
 * goes (task.refs); until then they answer KEEL_E_PARTNER.  This file also
 * holds cap_object_ref(), which routes every capability's coming and going
 * to its object's count.
 */
#include <irq.h>
#include <kernel.h>
#include <keel/errors.h>
#include <keel/kobj.h>
#include <kmem.h>
#include <thread.h>

#define MAP_MAX_PAGES KEEL_MAP_ANON_MAX /* pages one MAP_ANON may ask for */

/* ---- memory of a task ---- */

uint32_t task_map_page(struct task *task, struct factory *f, uintptr_t va, uint32_t rights,
                       uint64_t *pa)
{
    uint32_t err = factory_page(f, pa);
    if (err)
        return err;
    task->pt_charge = f;
    enum kerr e = vm_map(&task->vm, va, *pa, rights | PTE_USER);
    if (e) {
        factory_free(*pa);
        return e == KERR_NOMEM ? KEEL_E_QUOTA : KEEL_E_INVALID;
    }
    return KEEL_OK;
}

static uint64_t task_pt_alloc(void *ctx)
{
    uint64_t pa;
    return factory_page(((struct task *)ctx)->pt_charge, &pa) == KEEL_OK ? pa : 0;
}

static uint64_t task_pt_alloc_root(void *ctx, size_t bytes)
{
    return factory_block(((struct task *)ctx)->pt_charge, bytes);
}

static void task_pt_free(void *ctx, uint64_t pa)
{
    factory_free(pa);
}

/* Give back a block of 2^order bytes at pa, page by page, to the quotas the
 * factory charged it to. */
static void free_block(uint64_t pa, uint32_t order)
{
    for (uint64_t off = 0; off >> order == 0; off += ARCH_PAGE_SIZE)
        factory_free(pa + off);
}

/* Map 2^order bytes of fresh memory at va as one large page, if f has a
 * block that large (the caller checked alignment and that the machine has
 * such a page); false if not, with nothing done. */
static bool map_anon_large(struct task *task, struct factory *f, uintptr_t va, uint32_t order,
                           uint32_t rights)
{
    uint64_t pa = factory_block(f, (size_t)1 << order);
    if (!pa)
        return false;
    task->pt_charge = f;
    if (vm_map_order(&task->vm, va, pa, rights | PTE_USER, order) == KERR_OK)
        return true;
    free_block(pa, order);
    return false;
}

/* The largest page the machine has that fits at va in pages (and is not
 * more than MAP_MAX_PAGES): large pages where size and alignment allow. */
static uint32_t anon_order(uintptr_t va, uintptr_t pages)
{
    uint64_t orders = vm_leaf_orders();
    for (uint32_t o = 63; o > ARCH_PAGE_SHIFT; o--)
        if (((orders >> o) & 1) && !(va & (((uintptr_t)1 << o) - 1)) &&
            pages >= (uintptr_t)1 << (o - ARCH_PAGE_SHIFT) &&
            (uintptr_t)1 << (o - ARCH_PAGE_SHIFT) <= MAP_MAX_PAGES)
            return o;
    return ARCH_PAGE_SHIFT;
}

/* The largest leaf the machine has (1 GiB where the ISA has one). */
static uint32_t top_order(void)
{
    uint64_t orders = vm_leaf_orders();
    uint32_t o = 63;
    while (o > ARCH_PAGE_SHIFT && !((orders >> o) & 1))
        o--;
    return o;
}

/* A MAP_ANON past MAP_MAX_PAGES: exactly one leaf of the machine's largest
 * size (1 GiB), va aligned to it, nothing mapped there (checked by the
 * tables, vm_range_empty), one naturally aligned block of f's.  Bounded: one
 * walk of the tables over the range, one block allocation (a bitmap scan)
 * and the block's zeroing, its pages' owner entries; no loop per page of
 * the caller's.  KEEL_E_INVALID for any other size or alignment, or where a
 * page or a table is in the way; KEEL_E_QUOTA if f or the machine has no
 * such block. */
static uint32_t map_anon_top(struct task *task, struct factory *f, uintptr_t va,
                             uintptr_t pages, uint32_t pte)
{
    uint32_t order = top_order();
    if ((uintptr_t)1 << (order - ARCH_PAGE_SHIFT) <= MAP_MAX_PAGES ||
        pages != (uintptr_t)1 << (order - ARCH_PAGE_SHIFT) || (va & (((uintptr_t)1 << order) - 1)))
        return KEEL_E_INVALID;
    uint64_t pa;
    uint32_t r, slot;
    if (!vm_range_empty(&task->vm, va, (size_t)1 << order))
        return KEEL_E_INVALID; /* already mapped */
    if (vm_lookup_leaf(&task->vm, va, &pa, &r, &slot) != KERR_NOENT || slot < order)
        return KEEL_E_INVALID; /* an empty table in the leaf's slot: asked before a block is */
    pa = factory_block(f, (size_t)1 << order);
    if (!pa)
        return KEEL_E_QUOTA;
    task->pt_charge = f;
    enum kerr e = vm_map_order(&task->vm, va, pa, pte | PTE_USER, order);
    if (e == KERR_OK)
        return KEEL_OK;
    free_block(pa, order);
    return e == KERR_NOMEM ? KEEL_E_QUOTA : KEEL_E_INVALID;
}

/* Undo the first done bytes of a MAP_ANON at va: unmap and free them. */
static void unmap_anon(struct task *task, uintptr_t va, uintptr_t done)
{
    for (uintptr_t off = 0; off < done;) {
        uint64_t pa;
        uint32_t r, order;
        if (vm_lookup_leaf(&task->vm, va + off, &pa, &r, &order) != KERR_OK)
            break;  /* cannot happen: the pages were mapped in order */
        vm_unmap(&task->vm, va + off);
        free_block(pa, order);
        off += (uintptr_t)1 << order;
    }
}

uint32_t task_map_anon(struct task *task, struct factory *f, uintptr_t va, uintptr_t pages,
                       uintptr_t rights)
{
    uint64_t pa;
    if (va % ARCH_PAGE_SIZE || !pages || !(rights & 7) || rights > 7)
        return KEEL_E_INVALID;
    if (va < USER_BASE || va >= USER_END || pages > (USER_END - va) / ARCH_PAGE_SIZE)
        return KEEL_E_INVALID;
    uint32_t pte = ((rights & KEEL_MAP_R) ? PTE_R : 0) |
                   ((rights & KEEL_MAP_W) ? PTE_W : 0) | ((rights & KEEL_MAP_X) ? PTE_X : 0);
    if (pages > MAP_MAX_PAGES)
        return map_anon_top(task, f, va, pages, pte);
    if (!vm_range_empty(&task->vm, va, pages * ARCH_PAGE_SIZE))
        return KEEL_E_INVALID; /* already mapped */
    for (uintptr_t i = 0; i < pages;) {
        uintptr_t at = va + i * ARCH_PAGE_SIZE;
        uint32_t order = anon_order(at, pages - i);
        if (order > ARCH_PAGE_SHIFT && map_anon_large(task, f, at, order, pte)) {
            i += (uintptr_t)1 << (order - ARCH_PAGE_SHIFT);
            continue;
        }
        uint32_t err = task_map_page(task, f, at, pte, &pa);
        if (err) {
            unmap_anon(task, va, i * ARCH_PAGE_SIZE); /* the request fails whole (tables made stay) */
            return err;
        }
        i++;
    }
    return KEEL_OK;
}

/* ---- the capability table ---- */

/* Bytes of a table of slots (a power of two): whole pages, at least one. */
static size_t cap_table_bytes(size_t slots)
{
    return MAX(slots * sizeof(struct cap_slot), (size_t)ARCH_PAGE_SIZE);
}

/* The zeroed, contiguous pages of a table of 2^bits slots, charged to f
 * page by page; 0 when f's quota or memory runs out. */
static uint64_t cap_table_alloc(struct factory *f, uint32_t bits)
{
    uint64_t pa;
    size_t bytes = cap_table_bytes((size_t)1 << bits);
    if (bytes > ARCH_PAGE_SIZE)
        return factory_block(f, bytes);
    return factory_page(f, &pa) == KEEL_OK ? pa : 0;
}

static void cap_table_free(struct cap_table *t)
{
    uint64_t pa = (uint64_t)(uintptr_t)t->slots;
    for (size_t off = 0; off < cap_table_bytes(t->size); off += ARCH_PAGE_SIZE)
        factory_free(pa + off);
    t->slots = NULL;
    t->size = 0;
}

/* ---- creation ---- */

uint32_t task_create_sized(struct factory *f, const char *name, uint32_t cap_bits,
                           struct task **out)
{
    uint64_t pa, slots_pa;
    if (cap_bits < TASK_CAP_BITS_MIN || cap_bits > TASK_CAP_BITS_MAX)
        return KEEL_E_INVALID;
    uint32_t err = factory_page(f, &pa);
    if (err)
        return err;
    if (!(slots_pa = cap_table_alloc(f, cap_bits))) {
        factory_free(pa);
        return KEEL_E_QUOTA;
    }
    struct task *task = kmem_ptr(pa);
    task->pt_charge = f;
    task->factory = f;
    task->pt = (struct vm_pt_alloc){ .alloc = task_pt_alloc, .free = task_pt_free,
                                     .phys_to_virt = NULL, /* 1:1, as kmem_ptr */
                                     .ctx = task,
                                     .alloc_root = task_pt_alloc_root };
    cap_table_init(&task->caps, kmem_ptr(slots_pa), (uint32_t)1 << cap_bits);
    for (size_t i = 0; i + 1 < sizeof(task->name) && name[i]; i++)
        task->name[i] = name[i];
    if (vm_init(&task->vm, &task->pt) != KERR_OK) {
        cap_table_free(&task->caps);
        factory_free(pa);
        return KEEL_E_QUOTA;
    }
    *out = task;
    return KEEL_OK;
}

uint32_t task_create(struct factory *f, const char *name, struct task **out)
{
    return task_create_sized(f, name, TASK_CAP_BITS_DEFAULT, out);
}

/* The headers of a dead task no capability names any more: the thread
 * pages, then the task page, each back to the factory that paid. */
static void task_release(struct task *task)
{
    if (!task->dead || task->refs || task->doomed)
        return;
    for (struct thread *t = task->threads, *next; t; t = next) {
        next = t->task_next;
        factory_free((uint64_t)(uintptr_t)t);
    }
    factory_free((uint64_t)(uintptr_t)task);
}

static void task_destroy_one(struct task *task);
static struct task *doomed;     /* tasks whose last task capability went */
static bool reaping;

void task_reap(void)
{
    if (reaping)
        return;     /* the loop below is running: it takes the new ones too */
    reaping = true;
    while (doomed) {
        struct task *task = doomed;
        doomed = task->doomed_next;
        task->doomed = false;
        task->doomed_next = NULL;
        struct thread *cur = sched_current();
        if (!task->dead && !task->task_caps && !task->is_root && (!cur || cur->task != task))
            task_destroy_one(task);
        else
            task_release(task);     /* destroyed meanwhile: its header may go now */
    }
    reaping = false;
}

/* Called by cap.c for every capability that appears (+1) or goes (-1):
 * every object counts the capabilities naming it, and the last one going
 * destroys it (gate.c, notification.c, factory.c, thread.c, here; irq.c
 * frees the line).  A task's header also counts the capabilities naming
 * its threads (a reply capability names its caller's thread, which must
 * outlive it).  A task is not destroyed here but put on a list that
 * task_reap() works through once the operation that deleted the
 * capability is done: destroying it deletes capabilities in turn, and a
 * revocation walking the derivation tree must not see it change. */
void cap_object_ref(const struct cap *c, int delta)
{
    switch (c->type) {
    case CAP_IRQ:
        irq_cap_ref(c, delta);
        return;
    case CAP_GATE:
        gate_ref(c->object, delta);
        return;
    case CAP_NOTIFICATION:
        notification_ref(c->object, delta);
        return;
    case CAP_FACTORY:
        factory_ref(c->object, delta);
        return;
    case CAP_TASK: {
        struct task *task = c->object;
        task->task_caps += (uint32_t)delta;
        task->refs += (uint32_t)delta;
        if (!task->task_caps && !task->dead && !task->doomed) {
            task->doomed = true;
            task->doomed_next = doomed;
            doomed = task;
        }
        task_release(task);
        return;
    }
    case CAP_THREAD:
    case CAP_REPLY: {
        struct thread *t = c->object;
        struct task *task = t->task;
        thread_ref(t, c->type == CAP_THREAD, delta);
        task->refs += (uint32_t)delta;
        task_release(task);
        return;
    }
    default:
        return;
    }
}

void cap_revoked(const struct cap *c)
{
    if (c->type == CAP_REPLY)
        ipc_reply_cap_deleted(c);
}

/* ---- capabilities ---- */

uint32_t task_give_cap(struct task *src, uint32_t from, struct task *task, uint32_t *to,
                       uint32_t rights, uint64_t badge)
{
    struct cap c;
    enum kerr le = cap_lookup(&src->caps, from, CAP_TYPE_ANY, 0, &c);
    if (le)
        return le == KERR_REVOKED ? KEEL_E_REVOKED : KEEL_E_CAP;
    if (c.type == CAP_REPLY)
        return KEEL_E_CAP;      /* a reply capability answers one call: no copies */
    if (badge && c.type != CAP_GATE)
        return KEEL_E_CAP;      /* only gate capabilities carry badges */
    if (badge && c.label)
        return KEEL_E_RIGHTS;   /* a badged capability is never re-badged */
    uint32_t slot = *to == KEEL_CAP_OPEN ? CAP_SLOT_ANY : *to;
    enum kerr e = cap_derive(&src->caps, from, &task->caps, &slot, rights,
                             badge ? badge : c.label);
    if (e)
        return e == KERR_PERM ? KEEL_E_RIGHTS
             : e == KERR_NOMEM ? KEEL_E_QUOTA
             : e == KERR_EXIST ? KEEL_E_INVALID : KEEL_E_CAP;
    *to = slot;
    return KEEL_OK;
}

/* task_delete_cap() without task_reap(): for task_destroy_one(). */
static uint32_t delete_cap(struct task *task, uint32_t slot)
{
    struct cap c;
    enum kerr e = cap_lookup(&task->caps, slot, CAP_TYPE_ANY, 0, &c);
    if (e == KERR_REVOKED)
        return cap_delete(&task->caps, slot) ? KEEL_E_CAP : KEEL_OK; /* the mark goes */
    if (e)
        return KEEL_E_CAP;
    if (c.type == CAP_REPLY)
        ipc_reply_cap_deleted(&c); /* first: the capability keeps the caller alive */
    return cap_delete(&task->caps, slot) ? KEEL_E_CAP : KEEL_OK;
}

uint32_t task_delete_cap(struct task *task, uint32_t slot)
{
    uint32_t err = delete_cap(task, slot);
    task_reap();
    return err;
}

uint32_t task_revoke(struct task *task, uint32_t slot, uint32_t budget, bool *more)
{
    enum kerr e = cap_revoke(&task->caps, slot, &budget);
    task_reap();
    *more = e == KERR_NOMEM;
    return e == KERR_OK || e == KERR_NOMEM ? KEEL_OK : cap_lookup_error(e);
}

/* ---- destruction ---- */

/* task_destroy() but for the tasks it dooms (task_reap() does them, in a
 * loop: no recursion). */
static void task_destroy_one(struct task *task)
{
    task->refs++; /* deleting its own capabilities must not free it here */
    task->dead = true;
    for (struct thread *t = task->threads; t; t = t->task_next)
        if (t->state != THREAD_DEAD)
            thread_kill(t);
    for (uint32_t i = 0; i < task->caps.size; i++)
        (void)delete_cap(task, i);
    task_mappings_release(task);    /* before its pages go: some were lent to it */
    vm_destroy(&task->vm, true);
    cap_table_free(&task->caps);
    task->refs--;
    task_release(task);
}

void task_destroy(struct task *task)
{
    task_destroy_one(task);
    task_reap();    /* the tasks its capabilities were the last ones to */
}
