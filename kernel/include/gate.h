/*
 * Gates: IPC endpoints bound to one receiving thread (gate.c).  A message
 * sent through a gate capability reaches the bound thread with the
 * capability's badge, or the gate's label if the capability has none.
 */
#pragma once

#include <types.h>

struct factory;
struct thread;

struct gate {
    struct thread *receiver;    /* bound thread; NULL once it is gone */
    uint64_t label;
    struct gate *next_bound;    /* gates bound to the same thread */
    struct thread *handlers;    /* threads whose exceptions come here (handler_next) */
    uint32_t refs;              /* capabilities naming it: the last one going destroys it */
};

/* A new gate carrying label, bound to no thread yet, charged to f. */
uint32_t gate_create(struct factory *f, uint64_t label, struct gate **out);
/* Give back a gate never handed out (not bound). */
void gate_discard(struct gate *g);
/* Bind g to receiver (a live thread): messages through g go to it. */
void gate_bind(struct gate *g, struct thread *receiver);
/* Exceptions of t go to g (t->handler = g, and t joins g's handlers, so
 * g's death cuts the link); t must have no handler yet. */
void gate_add_handler(struct gate *g, struct thread *t);
/* t's handler link is cut (t->handler becomes NULL). */
void gate_remove_handler(struct thread *t);
/* cap_object_ref() for gate capabilities: the last one going destroys the
 * gate: senders blocked on it and a receiver waiting only for it fail with
 * KEEL_E_REVOKED, threads that had it as exception handler have none. */
void gate_ref(struct gate *g, int delta);
/* receiver is going away: every gate bound to it is cut loose (senders then
 * get KEEL_E_PARTNER). */
void gate_unbind_all(struct thread *receiver);
