/*
 * Quotas.  Every kernel page is charged to one factory, the one the request
 * that needed it named, and the frame table (kmem.h) records which: a free
 * returns the page to that factory, whoever frees it and whenever (a task's
 * destruction gives each of its pages back to the factory that paid).
 * A dead factory (factory.c) is freed only once no page is charged to it,
 * so a frame-table entry never dangles.
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
    f->used++;
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
    f->used += pages;
    for (uint64_t i = 0; i < pages; i++)
        kmem_set_owner(pa + i * ARCH_PAGE_SIZE, f);
    return pa;
}

void factory_free(uint64_t pa)
{
    struct factory *f = kmem_owner(pa);
    if (kmem_free(pa) != KERR_OK || !f)
        return;
    f->pages_left++;
    f->used--;
    if (f->dead)
        factory_settle(f);
}

/* A loop, not recursion: a chain of dead factories can be any length. */
void factory_settle(struct factory *f)
{
    while (f->dead && f->parent) {
        struct factory *p = f->parent;
        p->pages_left += f->pages_left;
        f->pages_left = 0;
        if (f->used)
            return;
        if (kmem_free((uint64_t)(uintptr_t)f) == KERR_OK) { /* its own page: p paid */
            p->pages_left++;
            p->used--;
        }
        f = p;
    }
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
