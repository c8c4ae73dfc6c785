/* Physical page-frame allocator: free list plus per-range bitmaps. */
#include <pagealloc.h>

#define PAGE ((uint64_t)ARCH_PAGE_SIZE)
#define NO_PAGE UINT64_MAX      /* end of the free list (never page aligned) */

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

/* Link of free page phys. */
static uint64_t *link_of(const struct pagealloc *pa, uint64_t phys)
{
    return pa->phys_to_virt(phys);
}

static void push_free(struct pagealloc *pa, struct pagealloc_range *r, uint64_t phys)
{
    bit_set(r, (phys - r->base) / PAGE, true);
    *link_of(pa, phys) = pa->free_head;
    pa->free_head = phys;
    pa->free_pages++;
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

/* The next never-used page, or NO_PAGE when all have been handed out. */
static uint64_t take_fresh(struct pagealloc *pa)
{
    while (pa->fresh_range < pa->count) {
        struct pagealloc_range *r = &pa->range[pa->fresh_range];
        if (pa->fresh_next < r->pages)
            return r->base + pa->fresh_next++ * PAGE;
        pa->fresh_range++;
        pa->fresh_next = 0;
    }
    return NO_PAGE;
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
