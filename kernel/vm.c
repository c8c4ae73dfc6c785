/* Generic page-table construction and walking over the arch PTE hooks. */
#include <vm.h>

/* The layout, the same for every space: computed once by vm_init() rather
 * than asked of the port at every step of every walk (the map and unmap
 * paths walk two or three times each). */
static struct {
    uint8_t shift[ARCH_PT_LEVELS];  /* first virtual-address bit indexed by a level */
    uint64_t mask[ARCH_PT_LEVELS];  /* its index mask, after the shift */
    uint64_t leaf_orders;           /* bit n: a leaf of 2^n bytes exists */
    uint8_t leaf_level[64];         /* the level of a leaf of 2^n bytes */
    uintptr_t region_mask;          /* va & region_mask: the region of a last-level table */
} layout;

static void layout_init(void)
{
    uint32_t shift = ARCH_PAGE_SHIFT;
    for (uint32_t l = ARCH_PT_LEVELS; l-- > 0;) {
        layout.shift[l] = (uint8_t)shift;
        layout.mask[l] = ((uint64_t)1 << arch_pt_index_bits(l)) - 1;
        if (l == ARCH_PT_LEVELS - 1 || arch_pt_leaf_ok(l)) {
            layout.leaf_orders |= (uint64_t)1 << shift;
            layout.leaf_level[shift] = (uint8_t)l;
        }
        shift += arch_pt_index_bits(l);
    }
    layout.region_mask = ~(((uintptr_t)1 << layout.shift[ARCH_PT_LEVELS - 2]) - 1);
}

/* First virtual-address bit indexed by level (0 = root). */
static uint32_t level_shift(uint32_t level)
{
    return layout.shift[level];
}

static uint32_t index_at(uintptr_t va, uint32_t level)
{
    return (uint32_t)((va >> layout.shift[level]) & layout.mask[level]);
}

static arch_pte_t *table(const struct vm_space *vs, uint64_t pa)
{
    if (!vs->pt->phys_to_virt)
        return (arch_pte_t *)(uintptr_t)pa;
    return vs->pt->phys_to_virt(vs->pt->ctx, pa);
}

/* The table at pa in a walk of vs, where p2v is vs's phys_to_virt, read once
 * per walk: a 1:1 walk (NULL) reloads nothing a level. */
static arch_pte_t *walk_table(const struct vm_space *vs,
                              void *(*p2v)(void *ctx, uint64_t pa), uint64_t pa)
{
    return p2v ? p2v(vs->pt->ctx, pa) : (arch_pte_t *)(uintptr_t)pa;
}

uint32_t vm_va_bits(void)
{
    if (!layout.leaf_orders)
        layout_init();
    return level_shift(0) + arch_pt_index_bits(0);
}

/* Size of the root table: more than a page on POWER9 (2^13 entries). */
static size_t root_bytes(void)
{
    return sizeof(arch_pte_t) << arch_pt_index_bits(0);
}

enum kerr vm_init(struct vm_space *vs, const struct vm_pt_alloc *pt)
{
    if (!layout.leaf_orders)
        layout_init();
    uint64_t root = root_bytes() <= ARCH_PAGE_SIZE ? pt->alloc(pt->ctx)
                    : pt->alloc_root ? pt->alloc_root(pt->ctx, root_bytes()) : 0;
    if (!root)
        return KERR_NOMEM;
    vs->root = root;
    vs->pt = pt;
    vs->tag = 0;
    vs->tag_gen = 0;
    vs->last_region = 0;
    vs->last_table = NULL;
    arch_aspace_init(&vs->arch, root);
    return KERR_OK;
}

#define LAST_LEVEL (ARCH_PT_LEVELS - 1)

/* The level whose leaves map 2^order bytes, or ARCH_PT_LEVELS if none does
 * on this machine. */
static uint32_t level_of_order(uint32_t order)
{
    if (order >= 64 || !((layout.leaf_orders >> order) & 1))
        return ARCH_PT_LEVELS;
    return layout.leaf_level[order];
}

uint64_t vm_leaf_orders(void)
{
    return layout.leaf_orders;
}

/* A new valid entry for va (a leaf, or a table) was stored in vs.  A port
 * whose walker may cache invalid entries (ARCH_NEW_PTE_FENCE) fences it, but
 * only while vs holds a tag of the current generation: a space tagged in an
 * older generation (or never) gets a fresh tag, flushed when handed out
 * (vm_retag), before it runs again, so nothing of it is cached. */
static void fence_new_entry(const struct vm_space *vs, uintptr_t va, bool leaf)
{
#if ARCH_NEW_PTE_FENCE
    if (vs->tag_gen == vm_tag_generation)
        arch_pt_fence_new(&vs->arch, va, leaf);
#else
    (void)vs, (void)va, (void)leaf;
#endif
}

/*
 * The last table.  A map IPC walks the sender's tables to find its page and
 * the receiver's to add it, and unmap walks the receiver's again, mostly in
 * the same region each time (ipcbench maps and unmaps one page 2000 times;
 * a pager answers faults near the last one).  So each space remembers the
 * last-level table its last walk to that level went through (the kernel's
 * pointer to it), and a walk for an address in the same region reads that
 * table's slot directly: one level instead of four or five, no call.  The
 * hint cannot go stale: a table, once there, stays until vm_destroy
 * (vm_map_order refuses a large page where one is, vm_unmap clears leaves
 * only), and a space whose last-level table covers a region has no large
 * leaf above it there.  A lookup (of a const space) updates it too: it is a
 * cache, not a change of the space.
 */
static inline __attribute__((always_inline)) arch_pte_t *
last_table_slot(const struct vm_space *vs, uintptr_t va)
{
    if ((va & layout.region_mask) != vs->last_region)
        return NULL;    /* (last_region 0, none yet, matches no user address) */
    return &vs->last_table[index_at(va, LAST_LEVEL)];
}

static void remember_last_table(const struct vm_space *vs, uintptr_t va, arch_pte_t *table)
{
    struct vm_space *hint = (struct vm_space *)(uintptr_t)vs;   /* see above */
    hint->last_region = va & layout.region_mask;
    hint->last_table = table;
}

/* The slot for va at level stop, adding missing tables above it; NULL with
 * *err KERR_NOMEM if a table could not be had, KERR_EXIST if a large leaf
 * above stop maps va.  A walk from the root: see walk_create. */
static __attribute__((noinline)) arch_pte_t *walk_create_root(const struct vm_space *vs,
                                                              uintptr_t va, uint32_t stop,
                                                              enum kerr *err)
{
    void *(*p2v)(void *ctx, uint64_t pa) = vs->pt->phys_to_virt;
    uint64_t pa = vs->root;
    for (uint32_t level = 0;; level++) {
        arch_pte_t *t = walk_table(vs, p2v, pa), *slot = &t[index_at(va, level)];
        if (level == stop) {
            if (level == LAST_LEVEL)
                remember_last_table(vs, va, t);
            return slot;
        }
        if (!arch_pte_valid(*slot)) {
            uint64_t next = vs->pt->alloc(vs->pt->ctx);
            if (!next) {
                *err = KERR_NOMEM;
                return NULL;
            }
            *slot = arch_pte_table(next);
            fence_new_entry(vs, va, false);
        } else if (!arch_pte_is_table(*slot)) {
            *err = KERR_EXIST;
            return NULL;
        }
        pa = arch_pte_addr(*slot);
    }
}

static inline __attribute__((always_inline)) arch_pte_t *
walk_create(const struct vm_space *vs, uintptr_t va, uint32_t stop, enum kerr *err)
{
    arch_pte_t *slot = stop == LAST_LEVEL ? last_table_slot(vs, va) : NULL;
    return slot ? slot : walk_create_root(vs, va, stop, err);
}

/* find_leaf's walk from the root. */
static __attribute__((noinline)) arch_pte_t *find_leaf_root(const struct vm_space *vs,
                                                            uintptr_t va, uint32_t *level)
{
    void *(*p2v)(void *ctx, uint64_t pa) = vs->pt->phys_to_virt;
    uint64_t pa = vs->root;
    for (uint32_t l = 0;; l++) {
        arch_pte_t *t = walk_table(vs, p2v, pa), *slot = &t[index_at(va, l)];
        *level = l;
        if (l == LAST_LEVEL)
            remember_last_table(vs, va, t);
        if (!arch_pte_valid(*slot))
            return NULL;
        if (l == LAST_LEVEL || !arch_pte_is_table(*slot))
            return slot;
        pa = arch_pte_addr(*slot);
    }
}

/* The leaf mapping va: its slot (level in *level), or NULL with *level the
 * level of the invalid entry the walk ended at.  Inline in its callers: a
 * lookup is on the map path, twice per map item. */
static inline __attribute__((always_inline)) arch_pte_t *find_leaf(const struct vm_space *vs,
                                                                   uintptr_t va, uint32_t *level)
{
    arch_pte_t *slot = last_table_slot(vs, va);
    if (!slot)
        return find_leaf_root(vs, va, level);
    *level = LAST_LEVEL;
    return arch_pte_valid(*slot) ? slot : NULL;
}

/* Generic code manages user space only; below USER_BASE is the kernel's. */
static enum kerr check_va(uintptr_t va)
{
    if (va & (ARCH_PAGE_SIZE - 1))
        return KERR_INVAL;
    if (va < USER_BASE || va >= USER_END)
        return KERR_RANGE;
    return KERR_OK;
}

_Static_assert(!(USER_END & (ARCH_PAGE_SIZE - 1)), "a user page ends at or below USER_END");

/* vm_map_order; inline in vm_map, where order is the page's and its level
 * the last (a page needs no size lookup, and fits wherever va is user space). */
static inline __attribute__((always_inline)) enum kerr
map_order(struct vm_space *vs, uintptr_t va, uint64_t pa, uint32_t rights, uint32_t order)
{
    enum kerr e = check_va(va);
    if (e)
        return e;
    uint32_t level = order == ARCH_PAGE_SHIFT ? LAST_LEVEL : level_of_order(order);
    if (level == ARCH_PT_LEVELS)
        return KERR_INVAL;
    uint64_t mask = ((uint64_t)1 << order) - 1;
    /* A page: check_va tested va's alignment, and a page-aligned va below
     * USER_END (page-aligned, asserted above) has the whole page below it. */
    bool page = order == ARCH_PAGE_SHIFT;
    if ((!page && (va & mask)) || (pa & mask) || !(rights & (PTE_R | PTE_W | PTE_X)))
        return KERR_INVAL;
    if (!page && (uintptr_t)mask > USER_END - 1 - va)
        return KERR_RANGE;
    arch_pte_t *slot = walk_create(vs, va, level, &e);
    if (!slot)
        return e;
    if (arch_pte_valid(*slot))
        return KERR_EXIST;     /* a leaf, or a table (maybe of no mapping) */
    *slot = level == LAST_LEVEL ? arch_pte_leaf(pa, rights) : arch_pte_leaf_at(pa, rights, level);
    fence_new_entry(vs, va, true);
    return KERR_OK;
}

enum kerr vm_map_order(struct vm_space *vs, uintptr_t va, uint64_t pa, uint32_t rights,
                       uint32_t order)
{
    return map_order(vs, va, pa, rights, order);
}

enum kerr vm_map(struct vm_space *vs, uintptr_t va, uint64_t pa, uint32_t rights)
{
    return map_order(vs, va, pa, rights, ARCH_PAGE_SHIFT);
}

enum kerr vm_unmap(struct vm_space *vs, uintptr_t va)
{
    enum kerr e = check_va(va);
    if (e)
        return e;
    uint32_t level;
    arch_pte_t *slot = find_leaf(vs, va, &level);
    if (!slot)
        return KERR_NOENT;
    if (va & (((uintptr_t)1 << level_shift(level)) - 1))
        return KERR_INVAL;     /* inside a large page: only all of it goes */
    *slot = (arch_pte_t)0;
    if (level == LAST_LEVEL)
        arch_tlb_flush_page(&vs->arch, va);
    else
        arch_tlb_flush_leaf(&vs->arch, va, level);
    return KERR_OK;
}

enum kerr vm_lookup_leaf(const struct vm_space *vs, uintptr_t va, uint64_t *pa,
                         uint32_t *rights, uint32_t *order)
{
    uint32_t level = 0;
    arch_pte_t *slot = NULL;
    uintptr_t page = va & ~(ARCH_PAGE_SIZE - 1);
    if (check_va(page) == KERR_OK)
        slot = find_leaf(vs, page, &level);
    *order = level_shift(level);
    if (!slot)
        return KERR_NOENT;
    *pa = arch_pte_addr(*slot);
    *rights = arch_pte_rights(*slot);
    return KERR_OK;
}

enum kerr vm_lookup(const struct vm_space *vs, uintptr_t va, uint64_t *pa, uint32_t *rights)
{
    uintptr_t page = va & ~(ARCH_PAGE_SIZE - 1);
    enum kerr e = check_va(page);
    if (e)
        return e == KERR_RANGE ? KERR_NOENT : e;
    uint64_t leaf;
    uint32_t order;
    if (vm_lookup_leaf(vs, page, &leaf, rights, &order) != KERR_OK)
        return KERR_NOENT;
    *pa = leaf + (page & (((uintptr_t)1 << order) - 1));
    return KERR_OK;
}

/* True if no leaf maps any page of [va, va + len) (page aligned, in user
 * space), found by the tables rather than page by page: an invalid entry at
 * a level skips all it covers, so the cost is the number of entries of
 * tables that exist over the range (for 1 GiB: at most 1 + 512 + 512 * 512
 * entry reads with every table there, one walk when none is). */
bool vm_range_empty(const struct vm_space *vs, uintptr_t va, size_t len)
{
    if (!len || check_va(va) || len % ARCH_PAGE_SIZE || len - 1 > USER_END - 1 - va)
        return false;
    uintptr_t end = va + len - 1;       /* the last byte: no overflow at the top */
    for (uintptr_t at = va;;) {
        uint32_t level;
        if (find_leaf(vs, at, &level))
            return false;
        uintptr_t step = (uintptr_t)1 << level_shift(level);
        uintptr_t next = (at & ~(step - 1)) + step;
        if (next - 1 >= end || next == 0)
            return true;
        at = next;
    }
}

bool vm_range_ok(const struct vm_space *vs, uintptr_t va, size_t len, uint32_t rights)
{
    if (len == 0)
        return true;
    if (va + len - 1 < va)
        return false; /* wraps around the address space */
    uintptr_t last = (va + len - 1) & ~(ARCH_PAGE_SIZE - 1);
    for (uintptr_t page = va & ~(ARCH_PAGE_SIZE - 1);; page += ARCH_PAGE_SIZE) {
        uint64_t pa;
        uint32_t have;
        if (vm_lookup(vs, page, &pa, &have) != KERR_OK || (have & rights) != rights)
            return false;
        if (page == last)
            return true;
    }
}

/* The entries of a table of level that belong to user space: at the root
 * only the user ones (the kernel's are shared), below it all of them. */
static uint32_t user_first(uint32_t level)
{
    return level ? 0 : index_at(USER_BASE, 0);
}

static uint32_t user_end(uint32_t level)
{
    return level ? 1u << arch_pt_index_bits(level) : index_at(USER_END - 1, 0) + 1;
}

static void free_table(struct vm_space *vs, uint64_t pa, uint32_t level)
{
    size_t bytes = level == 0 ? MAX(root_bytes(), ARCH_PAGE_SIZE) : ARCH_PAGE_SIZE;
    for (size_t off = 0; off < bytes; off += ARCH_PAGE_SIZE)
        vs->pt->free(vs->pt->ctx, pa + off);
}

/* Free every table of vs, the root last, and with pages the mapped pages.
 * Depth first with one cursor per level rather than by recursion: the build's
 * stack check (tools/stackcheck.py) refuses any cycle in the call graph. */
static void free_tables(struct vm_space *vs, bool pages)
{
    uint64_t pa[ARCH_PT_LEVELS] = { vs->root };
    uint32_t next[ARCH_PT_LEVELS] = { user_first(0) };
    uint32_t level = 0;
    for (;;) {
        if (next[level] == user_end(level)) {
            free_table(vs, pa[level], level);
            if (level == 0)
                return;
            level--;
            continue;
        }
        arch_pte_t e = table(vs, pa[level])[next[level]++];
        if (!arch_pte_valid(e))
            continue;
        if (level < LAST_LEVEL && arch_pte_is_table(e)) {
            level++;
            pa[level] = arch_pte_addr(e);
            next[level] = user_first(level);
        } else if (pages) {     /* a leaf: a large one is freed page by page */
            for (uint64_t off = 0; off >> level_shift(level) == 0; off += ARCH_PAGE_SIZE)
                vs->pt->free(vs->pt->ctx, arch_pte_addr(e) + off);
        }
    }
}

void vm_destroy(struct vm_space *vs, bool free_pages)
{
    free_tables(vs, free_pages);
    vs->root = 0;
    vs->last_region = 0;
    vs->last_table = NULL;
}
