/*
 * Factories: sub-quotas.  A factory's pages come from its parent's quota;
 * charging and freeing pages is quota.c.  A factory whose last capability
 * went is dead: its quota flows back to its parent, and it is freed once
 * no page is charged to it any more, so the frame table's owner words
 * never dangle.
 */
#include <kmem.h>
#include <thread.h>

uint32_t factory_create(struct factory *f, uint64_t pages, struct factory **out)
{
    uint64_t pa;
    if (pages >= f->pages_left) /* the new factory's own page comes first */
        return KEEL_E_QUOTA;
    uint32_t err = factory_page(f, &pa);
    if (err)
        return err;
    struct factory *child = kmem_ptr(pa);
    (void)factory_split(f, pages, child); /* fits: checked above */
    *out = child;
    return KEEL_OK;
}

void factory_discard(struct factory *child)
{
    child->parent->pages_left += child->pages_left;
    child->pages_left = 0;
    factory_free((uint64_t)(uintptr_t)child);
}

void factory_ref(struct factory *f, int delta)
{
    f->refs += (uint32_t)delta;
    if (f->refs || !f->parent)
        return;
    f->dead = true;
    factory_settle(f);
}
