/*
 * Memory delegated by IPC (the L4 model): map and grant items, the pager's
 * answer to a page fault, and unmap, over the mapping database (mdb.c).
 *
 * Ownership.  A page the kernel allocated for a task (MAP_ANON, LOAD_ELF,
 * a UTCB) is owned by that task: it is freed with the task's address space.
 * A mapping made by delegation is derived: it has a parent node in the
 * mapping database, and the frame is never freed through it.  The owner's
 * mapping gets a (root) node the first time it is mapped out.  A grant moves
 * a derived mapping only (owned memory is delegated by map; handing over
 * ownership comes with the root task owning all memory, as sigma0): so a
 * UTCB the kernel writes through its own pointer never changes hands.
 *
 * Who pays.  Each node is charged to the task whose mapping it records, to
 * the factory that made the task (task.factory), in pages of nodes the task
 * keeps until it is destroyed; so are the page tables a received mapping
 * needs.  A receiver that accepts memory therefore pays for holding it, and
 * a sender pays only for the nodes of its own pages.
 */
#include <irq.h>
#include <kernel.h>
#include <kmem.h>
#include <thread.h>

#define NODES_PER_PAGE (ARCH_PAGE_SIZE / sizeof(struct mdb_node))
#define UNMAP_BUDGET 256u           /* mappings one KEEL_TASK_UNMAP takes back */
#define UNMAP_LOOKUPS 1024u         /* and mappings or empty slots it looks at */
#define RIGHTS_RWX (PTE_R | PTE_W | PTE_X)

/* ---- nodes, in pages charged to the task's factory ---- */

/* Node 0 of each node page is its header: va chains the task's node pages. */
static struct mdb_node *node_alloc(struct task *task)
{
    if (!task->mdb_free) {
        uint64_t pa;
        if (factory_page(task->factory, &pa))
            return NULL;
        struct mdb_node *page = kmem_ptr(pa);
        page[0].va = (uintptr_t)task->mdb_pages;
        task->mdb_pages = pa;
        for (size_t i = 1; i < NODES_PER_PAGE; i++) {
            page[i].next = task->mdb_free;
            task->mdb_free = &page[i];
        }
    }
    struct mdb_node *n = task->mdb_free;
    task->mdb_free = n->next;
    n->next = NULL;
    return n;
}

static void node_free(struct task *task, struct mdb_node *n)
{
    n->next = task->mdb_free;
    task->mdb_free = n;
}

/* Forget node n of its task, and its page if that mapping was received. */
static void drop_mapping(struct mdb_node *n)
{
    struct task *owner = (struct task *)n->space;
    if (n->parent)
        (void)vm_unmap(&owner->vm, n->va);   /* flushes that page's TLB entries */
    mdb_remove(n);
    node_free(owner, n);
}

/* drop_mapping(n) of a received mapping, and its parent too if that is an
 * owner's node no longer needed (no other mapping made from it). */
static void drop_and_tidy(struct mdb_node *n)
{
    struct mdb_node *parent = n->parent;
    drop_mapping(n);
    if (parent && !parent->parent && !parent->child)
        drop_mapping(parent);
}

/* Take back every mapping derived from n, leaves first, at most *budget of
 * them; false if some are left (budget used up). */
static bool revoke_below(struct mdb_node *n, uint32_t *budget)
{
    struct mdb_node *at = n, *leaf;
    while ((leaf = mdb_revoke_next(n, &at))) {
        if (!*budget)
            return false;
        (*budget)--;
        drop_mapping(leaf);
    }
    return true;
}

/* ---- mapping one leaf (a page or a large page) ---- */

#define SIZE(order) ((uintptr_t)1 << (order))

/* The node of the mapping of from that covers va, of any size. */
static struct mdb_node *node_covering(struct task *task, uintptr_t va)
{
    return mdb_find_covering(task, va, vm_leaf_orders());
}

/* The largest leaf size the machine has, at most 2^max bytes, to which both
 * sva and dva are aligned (the smallest page at least). */
static uint32_t fit_order(uintptr_t sva, uintptr_t dva, uint32_t max)
{
    uint64_t orders = vm_leaf_orders();
    for (uint32_t o = max; o > ARCH_PAGE_SHIFT; o--)
        if (((orders >> o) & 1) && !((sva | dva) & (SIZE(o) - 1)))
            return o;
    return ARCH_PAGE_SHIFT;
}

/* Whether task has a leaf at va.  Asked only before a node page would be
 * allocated: to keeps that page, so that a map onto a taken slot would
 * cost its factory a page for nothing. */
static bool leaf_at(struct task *task, uintptr_t va)
{
    uint64_t pa;
    uint32_t r, order;
    return vm_lookup_leaf(&task->vm, va, &pa, &r, &order) == KERR_OK;
}

/* Map (or grant) 2^order bytes at sva of from, physically at pa, part of
 * (or all of) from's leaf of 2^sorder bytes with rights have, to dva of to
 * with at most want rights.  *busy if something of to's is in the way (a
 * mapping, or a table where a large page would go): nothing done then. */
static uint32_t map_leaf(struct task *from, struct task *to, uintptr_t sva, uintptr_t dva,
                         uint64_t pa, uint32_t order, uint32_t sorder, uint32_t have,
                         uint32_t want, bool grant, bool *busy)
{
    *busy = false;
    uint32_t rights = want & have & RIGHTS_RWX;
    if (!(rights & PTE_R))
        rights &= ~(uint32_t)PTE_W;     /* write-only is no valid entry on every ISA */
    if (!rights)
        return KEEL_OK;
    if (device_page(pa))
        rights |= PTE_DEVICE;   /* delegated device memory stays device memory */
    struct mdb_node *src = node_covering(from, sva), *dst;
    if (grant && (!src || !src->parent || order != sorder))
        return KEEL_E_INVALID;          /* refused by grant_ok() before */
    bool new_root = !src;
    if (new_root) {
        if (!(src = node_alloc(from)))
            return KEEL_E_QUOTA;
        mdb_add(src, from, sva & ~(SIZE(sorder) - 1), sorder, NULL);
    }
    uint32_t err = KEEL_E_QUOTA;
    if (!to->mdb_free && leaf_at(to, dva)) {
        *busy = true;           /* taken: no page of nodes for a map that does nothing */
        err = KEEL_OK;
    } else if ((dst = node_alloc(to))) {
        to->pt_charge = to->factory;
        enum kerr e = vm_map_order(&to->vm, dva, pa, rights | PTE_USER, order);
        if (e == KERR_OK) {
            if (grant) {
                mdb_move(src, dst, to, dva);
                node_free(from, src);
                (void)vm_unmap(&from->vm, sva);
            } else {
                mdb_add(dst, to, dva, order, src);
            }
            return KEEL_OK;
        }
        node_free(to, dst);
        *busy = e == KERR_EXIST;
        err = e == KERR_NOMEM ? KEEL_E_QUOTA : e == KERR_EXIST ? KEEL_OK : KEEL_E_INVALID;
    }
    if (new_root) {
        mdb_remove(src);
        node_free(from, src);
    }
    return err;
}

/* The offset past the aligned region of 2^order bytes around va (at most
 * end): where the next lookup of a walk in steps of mappings goes. */
static uintptr_t step_past(uintptr_t va, uint32_t order, uintptr_t base, uintptr_t end)
{
    uintptr_t next = (va & ~(SIZE(order) - 1)) + SIZE(order);
    return next - base > end || next < va ? end : next - base;
}

/* map_region in leaves as large as both sides allow (below). */
static __attribute__((noinline)) uint32_t map_leaves(struct task *from, struct task *to,
                                                     uintptr_t src, uintptr_t dst,
                                                     uint32_t order, uint32_t rights, bool grant)
{
    for (uintptr_t off = 0; off < SIZE(order);) {
        uint64_t pa, dpa;
        uint32_t have, sorder, dr, dorder;
        uintptr_t sva = src + off, dva = dst + off;
        if (vm_lookup_leaf(&from->vm, sva, &pa, &have, &sorder) != KERR_OK) {
            off = step_past(sva, sorder, src, SIZE(order));
            continue;
        }
        /* No larger than the source's leaf or the rest of the region; the
         * destination is looked at only if something is in the way (the
         * common case, an empty slot, costs one walk less). */
        for (uint32_t cap = MIN(sorder, order);;) {
            uint32_t o = fit_order(sva, dva, cap);
            bool busy;
            uint32_t err = map_leaf(from, to, sva, dva, pa + (sva & (SIZE(sorder) - 1)), o,
                                    sorder, have, rights, grant, &busy);
            if (err)
                return err;     /* the pages mapped so far stay */
            if (!busy) {
                off += SIZE(o);
                break;
            }
            bool there = vm_lookup_leaf(&to->vm, dva, &dpa, &dr, &dorder) == KERR_OK;
            if (there || o == ARCH_PAGE_SHIFT) {   /* skipped: to has it */
                off = step_past(dva, there ? dorder : o, dst, SIZE(order));
                break;
            }
            cap = MIN(o - 1, dorder);   /* a table in the way: smaller pieces */
        }
    }
    return KEEL_OK;
}

/*
 * The common case of a map, one page: a map (not a grant) of a 4 KiB page
 * that from holds as a 4 KiB page and has mapped out before (its node is
 * there), to a receiver with a node to spare.  It does what map_leaves
 * does for it, without the loop over leaf sizes, the search for a node of
 * any size or a page of nodes to allocate: one walk of each space (mostly
 * from the last table, vm.c), one hash lookup, one node off the free list.
 * False, nothing done, if it is not that case.
 */
static inline __attribute__((always_inline)) bool
map_page(struct task *from, struct task *to, uintptr_t sva, uintptr_t dva,
         uint32_t want, uint32_t *err)
{
    uint64_t pa;
    uint32_t have, sorder;
    struct mdb_node *src, *dst = to->mdb_free;
    *err = KEEL_OK;
    if (!dst)
        return false;       /* a page of nodes, or leaf_at's test first */
    if (vm_lookup_leaf(&from->vm, sva, &pa, &have, &sorder) != KERR_OK)
        return true;        /* a page from does not have is skipped */
    if (sorder != ARCH_PAGE_SHIFT || !(src = mdb_find(from, sva)))
        return false;       /* part of a large page, or a first map-out */
    uint32_t rights = want & have & RIGHTS_RWX;
    if (!(rights & PTE_R))
        rights &= ~(uint32_t)PTE_W;     /* as map_leaf */
    if (!rights)
        return true;
    if (device_page(pa))
        rights |= PTE_DEVICE;
    to->pt_charge = to->factory;
    enum kerr e = vm_map(&to->vm, dva, pa, rights | PTE_USER);
    if (e == KERR_OK) {
        to->mdb_free = dst->next;
        dst->next = NULL;
        mdb_add(dst, to, dva, ARCH_PAGE_SHIFT, src);
    } else if (e != KERR_EXIST) {   /* taken: skipped, as map_leaves does */
        *err = e == KERR_NOMEM ? KEEL_E_QUOTA : KEEL_E_INVALID;
    }
    return true;
}

/* Map the region of 2^order bytes at src of from to dst of to, in leaves as
 * large as both sides allow: a page from does not have, or one to already
 * has, is skipped; a large page of from is mapped whole where the region
 * covers it and dst is aligned and free, else in smaller pieces. */
static inline __attribute__((always_inline)) uint32_t
map_region(struct task *from, struct task *to, uintptr_t src, uintptr_t dst, uint32_t order,
           uint32_t rights, bool grant)
{
    uint32_t err;
    if (order == ARCH_PAGE_SHIFT && !grant && map_page(from, to, src, dst, rights, &err))
        return err;
    return map_leaves(from, to, src, dst, order, rights, grant);
}

/* A grant moves whole received mappings: every mapping of task in the
 * region of 2^order bytes at base is derived and lies inside it. */
static bool grant_ok(struct task *task, uintptr_t base, uint32_t order)
{
    for (uintptr_t off = 0; off < SIZE(order);) {
        uint64_t pa;
        uint32_t r, lorder;
        uintptr_t va = base + off;
        if (vm_lookup_leaf(&task->vm, va, &pa, &r, &lorder) == KERR_OK) {
            struct mdb_node *n = mdb_find(task, va & ~(SIZE(lorder) - 1));
            if (lorder > order || !n || !n->parent)
                return false;
        }
        off = step_past(va, lorder, base, SIZE(order));
    }
    return true;
}

/* ---- items ---- */

uint32_t map_grant_check(const struct thread *src, const struct keel_item *it)
{
    return grant_ok(src->task, it->base, it->order) ? KEEL_OK : KEEL_E_INVALID;
}

uint32_t map_item_deliver(struct thread *src, struct thread *dst, const struct keel_item *it,
                          struct keel_item *out)
{
    /* Checked again: a blocked sender's UTCB may have been rewritten by
     * another thread of its task since its send was checked. */
    uint32_t err = map_item_check(src, it);
    return err ? err : map_item_move(src, dst, it, out);
}

uint32_t map_item_move(struct thread *src, struct thread *dst, const struct keel_item *it,
                       struct keel_item *out)
{
    uint32_t wo = dst->utcb ? dst->utcb->window_order : 0;
    uintptr_t wb = dst->utcb ? dst->utcb->window_base : 0;
    if (!wo || !map_region_ok(wb, wo))
        return KEEL_E_WINDOW;
    /* The smaller of region and window decides; both sides agree on the
     * offset within the larger one. */
    /* it's fields read once (but a grant's order): the stores to out (dst's
     * UTCB) may alias them. */
    uintptr_t from = it->base, to = wb;
    uint32_t order = it->order, type = it->type, rights = it->rights;
    bool grant = type == KEEL_ITEM_GRANT;
    if (order <= wo)
        to = wb + (from & (((uintptr_t)1 << wo) - 1));
    else {
        from += wb & (((uintptr_t)1 << order) - 1);
        order = wo;
    }
    out->type = type;
    out->rights = rights;
    out->slot = 0;
    out->order = order;
    out->base = to;
    if (grant && order != it->order && !grant_ok(src->task, from, order))
        return KEEL_E_INVALID;  /* the window would split a large page */
    return map_region(src->task, dst->task, from, to, order, rights, grant);
}

uint32_t map_items_resolve_fault(struct thread *t, struct thread *c, uint32_t items)
{
    uintptr_t addr = c->exc_msg[1 + KEEL_EXC_ADDR];
    if (c->exc_msg[1 + KEEL_EXC_KIND] == KEEL_FAULT_PAGE_EXEC && !addr)
        addr = c->exc_msg[1 + KEEL_EXC_IP];
    for (uint32_t i = 0; i < items; i++) {
        const struct keel_item *it = &t->utcb->item[i];
        if (it->type == KEEL_ITEM_CAP)
            continue;       /* a fault has no capability window */
        uint32_t err = map_item_check(t, it);
        if (err)
            return err;
        uintptr_t to = addr & ~(((uintptr_t)1 << it->order) - 1);
        if (!map_region_ok(to, it->order))
            return KEEL_E_WINDOW;
        err = map_region(t->task, c->task, it->base, to, it->order, it->rights,
                         it->type == KEEL_ITEM_GRANT);
        if (err)
            return err;
    }
    return KEEL_OK;
}

/* ---- unmap ---- */

/* True if the mapping of node c (anywhere) overlaps the physical range
 * [pa, pa + size). */
static bool node_overlaps(const struct mdb_node *c, uint64_t pa, uintptr_t size)
{
    uint64_t cpa;
    uint32_t r, corder;
    const struct task *holder = c->space;
    if (vm_lookup_leaf(&holder->vm, c->va, &cpa, &r, &corder) != KERR_OK)
        return false;
    return cpa < pa + size && pa < cpa + SIZE(c->order);
}

/* Part of a large page of n's is unmapped: take back (whole) each mapping
 * derived from n that overlaps the part, physically [pa, pa + size). */
static bool revoke_part(struct mdb_node *n, uint64_t pa, uintptr_t size, uint32_t *budget)
{
    struct mdb_node *c = n->child;
    while (c) {
        struct mdb_node *next = c->next;
        if (node_overlaps(c, pa, size)) {
            if (!revoke_below(c, budget) || !*budget)
                return false;
            (*budget)--;
            drop_mapping(c);
        }
        c = next;
    }
    if (!n->parent && !n->child)
        drop_mapping(n);    /* the owner's node is no longer needed */
    return true;
}

uint32_t task_unmap(struct task *task, uintptr_t base, uintptr_t order, uintptr_t flags,
                    uintptr_t start, bool *more, uintptr_t *next)
{
    *more = false;
    *next = 0;
    if (order < KEEL_MAP_ORDER_MIN || order > KEEL_MAP_ORDER_MAX ||
        !map_region_ok(base, (uint32_t)order) || (flags & ~(uintptr_t)KEEL_UNMAP_SELF))
        return KEEL_E_INVALID;
    if (start >= SIZE(order) || start % ARCH_PAGE_SIZE)
        return KEEL_E_INVALID;  /* a resume offset outside the region */
    uint32_t budget = UNMAP_BUDGET, lookups = UNMAP_LOOKUPS;
    for (uintptr_t off = start; off < SIZE(order);) {
        uint64_t pa;
        uint32_t r, lorder;
        uintptr_t va = base + off;
        /* A 1 GiB region may hold 2^18 pages: the walk stops after so many
         * lookups and says where the next call resumes (done before it are
         * only mappings with nothing derived, which stay as they were). */
        if (!lookups--) {
            *more = true;
            *next = off;
            return KEEL_OK;
        }
        /* The database first (one hash lookup for a page); the tables only
         * where it has nothing, to step over what they prove empty. */
        struct mdb_node *n = node_covering(task, va);
        if (!n) {
            (void)vm_lookup_leaf(&task->vm, va, &pa, &r, &lorder);
            off = step_past(va, lorder, base, SIZE(order));
            continue;
        }
        if (n->order > order) {
            /* The region is part of one large page: its derived mappings
             * that overlap go; the page itself is not split. */
            if ((flags & KEEL_UNMAP_SELF) && n->parent)
                return KEEL_E_INVALID;
            if (vm_lookup_leaf(&task->vm, n->va, &pa, &r, &lorder) != KERR_OK)
                return KEEL_OK;     /* cannot happen: a node has its mapping */
            *more = !revoke_part(n, pa + (base - n->va), SIZE(order), &budget);
            return KEEL_OK;
        }
        if (!revoke_below(n, &budget)) {
            *more = true;   /* the tree is consistent: the next call goes on here */
            *next = off;
            return KEEL_OK;
        }
        off = step_past(va, n->order, base, SIZE(order));
        /* An owned page stays with its owner (its node is no longer needed);
         * a received one goes if asked. */
        if (!n->parent || (flags & KEEL_UNMAP_SELF))
            drop_and_tidy(n);
    }
    return KEEL_OK;
}

void task_mappings_release(struct task *task)
{
    for (uint64_t pa = task->mdb_pages; pa; pa = ((struct mdb_node *)kmem_ptr(pa))[0].va) {
        struct mdb_node *page = kmem_ptr(pa);
        for (size_t i = 1; i < NODES_PER_PAGE; i++) {
            struct mdb_node *n = &page[i];
            uint32_t unbounded = UINT32_MAX;
            if (n->space != task)
                continue;
            (void)revoke_below(n, &unbounded);
            drop_and_tidy(n);
        }
    }
    while (task->mdb_pages) {
        uint64_t pa = task->mdb_pages;
        task->mdb_pages = ((struct mdb_node *)kmem_ptr(pa))[0].va;
        factory_free(pa);
    }
    task->mdb_free = NULL;
}
