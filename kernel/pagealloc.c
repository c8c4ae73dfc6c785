/* Physical page-frame allocator: free list plus per-range bitmaps. */
#include <pagealloc.h>

#define PAGE ((uint64_t)ARCH_PAGE_SIZE)
#define NO_PAGE UINT64_MAX      /* end of the free list (never page aligned) */
/* Blocks of at least this many pages (1 GiB pages) are cut from the top of
 * never-used memory, not at the bottom cursor: aligning the cursor up to
 * them would hand every page skipped over to the free list, touching up to
 * a block's worth of RAM (and all of a range too small for one). */
#define TOP_BLOCK_PAGES ((uint64_t)1 << 18)

/* Pages holding a bitmap of one bit per page of the range.  It is sized for
 * the whole range, its own pages included: those few bits stay unused. */
static uint64_t bitmap_pages(uint64_t pages)
{
    uint64_t bytes = (pages + 63) / 64 * 8;
    return (bytes + PAGE - 1) / PAGE;
}

static bool bit_get(const struct pagealloc_range *r, uint64_t i)
{
    return r->bitmap[i / 64] >> (i % 64) & 1;
}

static void bit_set(struct pagealloc_range *r, uint64_t i, bool free)
{
    uint64_t mask = (uint64_t)1 << (i % 64);
    r->bitmap[i / 64] = free ? r->bitmap[i / 64] | mask : r->bitmap[i / 64] & ~mask;
}

/* The range holding managed page phys (aligned), or NULL.  Binary search:
 * ranges are sorted and disjoint. */
static struct pagealloc_range *find_range(struct pagealloc *pa, uint64_t phys)
{
    uint32_t lo = 0, hi = pa->count;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        struct pagealloc_range *r = &pa->range[mid];
        if (phys < r->base)
            hi = mid;
        else if ((phys - r->base) / PAGE >= r->pages)
            lo = mid + 1;
        else
            return r;
    }
    return NULL;
}

/* Links of free page phys: [0] the next free page, [1] the previous one
 * (NO_PAGE: none), so a block of free pages can be taken out of the list. */
static uint64_t *link_of(const struct pagealloc *pa, uint64_t phys)
{
    return pa->phys_to_virt(phys);
}

static void push_free(struct pagealloc *pa, struct pagealloc_range *r, uint64_t phys)
{
    bit_set(r, (phys - r->base) / PAGE, true);
    uint64_t *l = link_of(pa, phys);
    l[0] = pa->free_head;
    l[1] = NO_PAGE;
    if (pa->free_head != NO_PAGE)
        link_of(pa, pa->free_head)[1] = phys;
    pa->free_head = phys;
    pa->free_pages++;
}

/* Take free page phys out of the free list, wherever it is. */
static void unlink_free(struct pagealloc *pa, uint64_t phys)
{
    uint64_t *l = link_of(pa, phys), next = l[0], prev = l[1];
    if (prev == NO_PAGE)
        pa->free_head = next;
    else
        link_of(pa, prev)[0] = next;
    if (next != NO_PAGE)
        link_of(pa, next)[1] = prev;
}

/* Whole pages of [base, base + size) as [*first, *first + *pages pages). */
static bool whole_pages(const struct mem_range *m, uint64_t *first, uint64_t *pages)
{
    if (m->base > UINT64_MAX - (PAGE - 1))
        return false;
    uint64_t start = ALIGN_UP(m->base, PAGE);
    uint64_t end = ALIGN_DOWN(m->base + m->size, PAGE);  /* memmap never wraps */
    if (end <= start)
        return false;
    *first = start;
    *pages = (end - start) / PAGE;
    return true;
}

/* Claim one memmap range: bitmap at its start, the rest managed (not yet free). */
static void add_range(struct pagealloc *pa, const struct mem_range *m)
{
    uint64_t base, pages;
    if (!whole_pages(m, &base, &pages) || pages <= bitmap_pages(pages))
        return;
    struct pagealloc_range *r = &pa->range[pa->count++];
    uint64_t meta = bitmap_pages(pages);
    r->bitmap = pa->phys_to_virt(base);
    for (uint64_t w = 0; w < meta * PAGE / 8; w++)
        r->bitmap[w] = ~(uint64_t)0; /* every page starts free (fresh) */
    r->base = base + meta * PAGE;
    r->pages = pages - meta;
    r->top = r->pages;
    pa->total_pages += r->pages;
}

enum kerr pagealloc_init(struct pagealloc *pa, const struct memmap *m, phys_to_virt_fn p2v)
{
    if (!p2v)
        return KERR_INVAL;
    pa->count = 0;
    pa->free_head = NO_PAGE;
    pa->free_pages = pa->total_pages = 0;
    pa->phys_to_virt = p2v;
    for (uint32_t i = 0; i < m->count && i < MEMMAP_MAX; i++)
        add_range(pa, &m->r[i]);
    /* Pages never handed out are taken in address order from a cursor, so
     * init touches only the bitmaps, not every page of RAM. */
    pa->fresh_range = 0;
    pa->fresh_next = 0;
    pa->free_pages = pa->total_pages;
    return KERR_OK;
}

/* Where never-used pages of range ri end (index): below the huge blocks
 * taken from the top. */
static uint64_t fresh_end(const struct pagealloc *pa, uint32_t ri)
{
    return pa->range[ri].top;
}

/* The next never-used page, or NO_PAGE when all have been handed out. */
static uint64_t take_fresh(struct pagealloc *pa)
{
    while (pa->fresh_range < pa->count) {
        if (pa->fresh_next < fresh_end(pa, pa->fresh_range))
            return pa->range[pa->fresh_range].base + pa->fresh_next++ * PAGE;
        pa->fresh_range++;
        pa->fresh_next = 0;
    }
    return NO_PAGE;
}

/* Hand the never-used pages of r from index from on to the free list (they
 * were counted free already). */
static void fresh_to_free(struct pagealloc *pa, struct pagealloc_range *r, uint64_t from,
                          uint64_t to)
{
    for (uint64_t i = from; i < to; i++) {
        push_free(pa, r, r->base + i * PAGE);
        pa->free_pages--;
    }
}

/* The never-used pages of range ri: [*from, *to), empty if *from >= *to. */
static void fresh_part(const struct pagealloc *pa, uint32_t ri, uint64_t *from, uint64_t *to)
{
    *from = ri < pa->fresh_range ? UINT64_MAX : ri == pa->fresh_range ? pa->fresh_next : 0;
    *to = fresh_end(pa, ri);
}

/* A block of pages freed pages (naturally aligned), taken out of the free
 * list: so page-table roots of several pages (POWER9: 64 KiB) are made
 * again from what destroyed tasks gave back.  A scan of the bitmaps of the
 * memory used so far (never-used parts skipped whole), one bit per
 * candidate block mostly. */
static bool reuse_block(struct pagealloc *pa, uint64_t pages, uint64_t *phys)
{
    uint64_t align = pages * PAGE;
    for (uint32_t ri = 0; ri < pa->count; ri++) {
        struct pagealloc_range *r = &pa->range[ri];
        uint64_t f0, f1;
        fresh_part(pa, ri, &f0, &f1);
        uint64_t i = (ALIGN_UP(r->base, align) - r->base) / PAGE;
        while (i + pages <= r->pages) {
            if (f0 < f1 && i < f1 && i + pages > f0) {     /* overlaps never-used pages */
                i = (ALIGN_UP(r->base + f1 * PAGE, align) - r->base) / PAGE;
                continue;
            }
            uint64_t k = 0;
            while (k < pages && bit_get(r, i + k))
                k++;
            if (k < pages) {
                i += pages;
                continue;
            }
            for (k = 0; k < pages; k++) {
                unlink_free(pa, r->base + (i + k) * PAGE);
                bit_set(r, i + k, false);
            }
            pa->free_pages -= pages;
            *phys = r->base + i * PAGE;
            return true;
        }
    }
    return false;
}

/* A huge block (TOP_BLOCK_PAGES or more) from the top of never-used memory:
 * the highest aligned one below its range's top, in the highest range that
 * has one; the pages above it up to that top go to the free list (none
 * where the range ends on a block boundary). */
static bool top_block(struct pagealloc *pa, uint64_t pages, uint64_t *phys)
{
    uint64_t bytes = pages * PAGE;
    for (uint32_t ri = pa->count; ri-- > pa->fresh_range;) {
        struct pagealloc_range *r = &pa->range[ri];
        uint64_t f0, f1;
        fresh_part(pa, ri, &f0, &f1);
        if (f0 >= f1 || (f1 - f0) < pages)
            continue;
        uint64_t at = ALIGN_DOWN(r->base + (f1 - pages) * PAGE, bytes);
        if (at < r->base + f0 * PAGE)
            continue;
        uint64_t first = (at - r->base) / PAGE;
        fresh_to_free(pa, r, first + pages, f1);
        for (uint64_t i = first; i < first + pages; i++)
            bit_set(r, i, false);
        r->top = first;
        pa->free_pages -= pages;
        *phys = at;
        return true;
    }
    return false;
}

enum kerr page_alloc_block(struct pagealloc *pa, uint64_t pages, uint64_t *phys)
{
    if (pages == 0 || (pages & (pages - 1)))
        return KERR_INVAL;
    if (reuse_block(pa, pages, phys))
        return KERR_OK;
    if (pages >= TOP_BLOCK_PAGES)
        return top_block(pa, pages, phys) ? KERR_OK : KERR_NOMEM;
    for (; pa->fresh_range < pa->count; pa->fresh_range++, pa->fresh_next = 0) {
        struct pagealloc_range *r = &pa->range[pa->fresh_range];
        uint64_t end = fresh_end(pa, pa->fresh_range);
        uint64_t first = (ALIGN_UP(r->base + pa->fresh_next * PAGE, pages * PAGE) - r->base) / PAGE;
        if (pa->fresh_next >= end || first + pages > end) {
            if (pa->fresh_next < end)
                fresh_to_free(pa, r, pa->fresh_next, end);
            continue;
        }
        fresh_to_free(pa, r, pa->fresh_next, first);
        for (uint64_t i = first; i < first + pages; i++)
            bit_set(r, i, false);
        pa->fresh_next = first + pages;
        pa->free_pages -= pages;
        *phys = r->base + first * PAGE;
        return KERR_OK;
    }
    return KERR_NOMEM;
}

/* True if phys may follow a free page in the list: the end, or a free page. */
static bool valid_link(struct pagealloc *pa, uint64_t phys)
{
    if (phys == NO_PAGE)
        return true;
    struct pagealloc_range *r = phys % PAGE ? NULL : find_range(pa, phys);
    return r && bit_get(r, (phys - r->base) / PAGE);
}

enum kerr page_alloc(struct pagealloc *pa, uint64_t *phys)
{
    uint64_t page = pa->free_head;
    if (page == NO_PAGE) {
        page = take_fresh(pa);
        if (page == NO_PAGE)
            return KERR_NOMEM;
    } else {
        uint64_t next = *link_of(pa, page);
        if (next == page || !valid_link(pa, next))
            return KERR_BADFMT;
        pa->free_head = next;
        if (next != NO_PAGE)
            link_of(pa, next)[1] = NO_PAGE;
    }
    struct pagealloc_range *r = find_range(pa, page);
    bit_set(r, (page - r->base) / PAGE, false);
    pa->free_pages--;
    *phys = page;
    return KERR_OK;
}

enum kerr page_free(struct pagealloc *pa, uint64_t phys)
{
    if (phys % PAGE)
        return KERR_INVAL;
    struct pagealloc_range *r = find_range(pa, phys);
    if (!r)
        return KERR_RANGE;
    if (bit_get(r, (phys - r->base) / PAGE))
        return KERR_NOENT;
    push_free(pa, r, phys);
    return KERR_OK;
}

uint64_t pagealloc_free_count(const struct pagealloc *pa)
{
    return pa->free_pages;
}
