/* Notifications: creation and death (signal and wait are IPC, ipc.c). */
#include <irq.h>
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

void notification_ref(struct notification *n, int delta)
{
    n->refs += (uint32_t)delta;
    if (n->refs)
        return;
    while (n->waiters.head)
        ipc_abort(n->waiters.head, KEEL_E_REVOKED);
    irq_notification_gone(n);   /* no line signals it any more */
    factory_free((uint64_t)(uintptr_t)n);
}
