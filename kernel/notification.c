/* Notifications: creation (signal and wait are IPC, ipc.c). */
#include <kmem.h>
#include <thread.h>

uint32_t notification_create(struct factory *f, uint64_t label, struct notification **out)
{
    uint64_t pa;
    uint32_t err = factory_page(f, &pa);
    if (err)
        return err;
    struct notification *n = kmem_ptr(pa);
    n->label = label;
    *out = n;
    return KEEL_OK;
}

void notification_discard(struct notification *n)
{
    factory_free((uint64_t)(uintptr_t)n);
}
