/* Gates: creation and binding (the IPC through them is ipc.c). */
#include <kmem.h>
#include <thread.h>

uint32_t gate_create(struct factory *f, uint64_t label, struct gate **out)
{
    uint64_t pa;
    uint32_t err = factory_page(f, &pa);
    if (err)
        return err;
    struct gate *g = kmem_ptr(pa);
    g->label = label;
    *out = g;
    return KEEL_OK;
}

void gate_discard(struct gate *g)
{
    factory_free((uint64_t)(uintptr_t)g);
}

void gate_bind(struct gate *g, struct thread *receiver)
{
    g->receiver = receiver;
    g->next_bound = receiver->gates;
    receiver->gates = g;
}

void gate_unbind_all(struct thread *receiver)
{
    for (struct gate *g = receiver->gates; g; g = g->next_bound)
        g->receiver = NULL;
    receiver->gates = NULL;
}
