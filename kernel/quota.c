/*
 * Quotas.  Every kernel page is charged to one factory, the one the request
 * that needed it named, and the frame table (kmem.h) records which: a free
 * returns the page to that factory, whoever frees it and whenever (a task's
 * destruction gives each of its pages back to the factory that paid).
 * Factories are never freed, so a frame-table entry never dangles.
 */
#include <kmem.h>
#include <thread.h>

uint32_t factory_page(struct factory *f, uint64_t *pa)
{
    if (!f->pages_left)
        return KEEL_E_QUOTA;
    if (kmem_page(pa) != KERR_OK)
        return KEEL_E_QUOTA;
    f->pages_left--;
    kmem_set_owner(*pa, f);
    return KEEL_OK;
}

uint64_t factory_block(struct factory *f, size_t bytes)
{
    uint64_t pages = bytes / ARCH_PAGE_SIZE;
    if (f->pages_left < pages)
        return 0;
    uint64_t pa = kmem_block(bytes);
    if (!pa)
        return 0;
    f->pages_left -= pages;
    for (uint64_t i = 0; i < pages; i++)
        kmem_set_owner(pa + i * ARCH_PAGE_SIZE, f);
    return pa;
}

void factory_free(uint64_t pa)
{
    struct factory *f = kmem_owner(pa);
    if (kmem_free(pa) == KERR_OK && f)
        f->pages_left++;
}

uint32_t factory_split(struct factory *f, uint64_t pages, struct factory *child)
{
    if (pages > f->pages_left)
        return KEEL_E_QUOTA;
    f->pages_left -= pages;
    child->parent = f;
    child->pages_left = pages;
    return KEEL_OK;
}
