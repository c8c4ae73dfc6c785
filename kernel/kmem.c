/* Kernel memory: every page the kernel uses for objects and page tables,
 * and the frame table that records who paid for each of them. */
#include <kmem.h>
#include <keelbase/string.h>

static struct pagealloc pages;

/* The frame table: one owner word per page of [frames_base, frames_end). */
static struct {
    void **owner;
    uint64_t base, end;
} frames;

void *kmem_ptr(uint64_t pa)
{
    return (void *)(uintptr_t)pa; /* the kernel runs 1:1 */
}

static uint64_t pow2_at_least(uint64_t n)
{
    uint64_t p = 1;
    while (p < n)
        p <<= 1;
    return p;
}

/* One owner word for every managed page, in a block of never-used pages. */
static enum kerr frames_init(void)
{
    if (!pages.count)
        return KERR_NOMEM;
    const struct pagealloc_range *last = &pages.range[pages.count - 1];
    frames.base = pages.range[0].base;
    frames.end = last->base + last->pages * ARCH_PAGE_SIZE;
    uint64_t bytes = (frames.end - frames.base) / ARCH_PAGE_SIZE * sizeof(void *);
    uint64_t n = pow2_at_least((bytes + ARCH_PAGE_SIZE - 1) / ARCH_PAGE_SIZE), pa;
    enum kerr e = page_alloc_block(&pages, n, &pa);
    if (e)
        return e;
    frames.owner = kmem_ptr(pa);
    memset(frames.owner, 0, n * ARCH_PAGE_SIZE);
    return KERR_OK;
}

enum kerr kmem_init(const struct boot_desc *d)
{
    enum kerr e = pagealloc_init(&pages, &d->usable, kmem_ptr);
    return e ? e : frames_init();
}

enum kerr kmem_page(uint64_t *pa)
{
    enum kerr e = page_alloc(&pages, pa);
    if (e == KERR_OK)
        memset(kmem_ptr(*pa), 0, ARCH_PAGE_SIZE);
    return e;
}

uint64_t kmem_free_pages(void)
{
    return pagealloc_free_count(&pages);
}

enum kerr kmem_free(uint64_t pa)
{
    enum kerr e = page_free(&pages, pa);
    if (e == KERR_OK)
        kmem_set_owner(pa, NULL);
    return e;
}

uint64_t kmem_block(size_t bytes)
{
    uint64_t pa;
    if (page_alloc_block(&pages, bytes / ARCH_PAGE_SIZE, &pa) != KERR_OK)
        return 0;
    memset(kmem_ptr(pa), 0, bytes);
    return pa;
}

static void **owner_slot(uint64_t pa)
{
    if (!frames.owner || pa < frames.base || pa >= frames.end)
        return NULL;
    return &frames.owner[(pa - frames.base) / ARCH_PAGE_SIZE];
}

void kmem_set_owner(uint64_t pa, void *owner)
{
    void **slot = owner_slot(pa);
    if (slot)
        *slot = owner;
}

void *kmem_owner(uint64_t pa)
{
    void **slot = owner_slot(pa);
    return slot ? *slot : NULL;
}
