/* Gates: creation, binding, and death (the IPC through them is ipc.c). */
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

void gate_add_handler(struct gate *g, struct thread *t)
{
    t->handler = g;
    t->handler_prev = NULL;
    t->handler_next = g->handlers;
    if (g->handlers)
        g->handlers->handler_prev = t;
    g->handlers = t;
}

void gate_remove_handler(struct thread *t)
{
    struct gate *g = t->handler;
    if (!g)
        return;
    if (t->handler_prev)
        t->handler_prev->handler_next = t->handler_next;
    else
        g->handlers = t->handler_next;
    if (t->handler_next)
        t->handler_next->handler_prev = t->handler_prev;
    t->handler = NULL;
    t->handler_next = t->handler_prev = NULL;
}

/* The last capability to g went: every link to it is cut, every thread
 * waiting on it fails with KEEL_E_REVOKED, and its page goes back. */
static void gate_destroy(struct gate *g)
{
    struct thread *r = g->receiver;
    if (r) {
        struct gate **p = &r->gates;
        while (*p && *p != g)
            p = &(*p)->next_bound;
        if (*p)
            *p = g->next_bound;
        for (struct thread *s = r->senders.head, *next; s; s = next) {
            next = s->q_next;
            if (s->send_gate == g)
                ipc_abort(s, KEEL_E_REVOKED);
        }
        if (r->state == THREAD_RECV && r->recv_gate == g)
            ipc_abort(r, KEEL_E_REVOKED);
        g->receiver = NULL;
    }
    while (g->handlers)
        gate_remove_handler(g->handlers);
    factory_free((uint64_t)(uintptr_t)g);
}

void gate_ref(struct gate *g, int delta)
{
    g->refs += (uint32_t)delta;
    if (!g->refs)
        gate_destroy(g);
}
