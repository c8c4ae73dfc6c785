/*
 * The name server: servers register a gate under a name, clients look it
 * up and get a copy (keel/names.h).  A name belongs to the client that
 * registered it (its badge: its line in the system description), which may
 * register it again, as a restarted server does with its new gate.
 * Lookups that wait (KEEL_NAMES_WAIT) keep their reply capability until the
 * name is registered.
 */
#include <keel/names.h>
#include <keel/system.h>

#define ENTRIES 24
#define WAITERS 16

struct entry {
    char name[KEEL_NAMES_MAX + 1];
    uint64_t owner;         /* badge of the registering client */
    uint32_t gate;          /* our slot of its gate; KEEL_CAP_OPEN if the entry is free */
};

struct waiter {
    char name[KEEL_NAMES_MAX + 1];
    uint32_t reply;         /* saved reply capability; KEEL_CAP_OPEN if free */
};

static struct entry entries[ENTRIES];
static struct waiter waiters[WAITERS];

static bool same(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

static void copy_name(char *to, const char *from)
{
    for (uint32_t i = 0; i <= KEEL_NAMES_MAX; i++)
        to[i] = from[i];
}

static void drop(struct keel_utcb *u, uint32_t slot)
{
    keel_invoke(u, KEEL_PROGRAM_TASK, KEEL_TASK_DELETE_CAP, slot, 0, 0, 0);
}

static struct entry *find(const char *name)
{
    for (uint32_t i = 0; i < ENTRIES; i++)
        if (entries[i].gate != KEEL_CAP_OPEN && same(entries[i].name, name))
            return &entries[i];
    return NULL;
}

/* The name in a request's words; false if there is none. */
static bool request_name(struct keel_request *rq, char *name)
{
    return keel_msg_get_string(rq->u, 0, KEEL_NAMES_WORDS, name, KEEL_NAMES_MAX + 1) &&
           name[0];
}

/* Answer every waiter for e's name with a copy of its gate. */
static void wake_waiters(struct keel_utcb *u, const struct entry *e)
{
    for (uint32_t i = 0; i < WAITERS; i++) {
        if (waiters[i].reply == KEEL_CAP_OPEN || !same(waiters[i].name, e->name))
            continue;
        keel_cap_item(u, 0, e->gate, KEEL_RIGHT_SEND | KEEL_RIGHT_GRANT);
        keel_reply_cap(u, waiters[i].reply, KEEL_TAG(KEEL_OK, 0, 1)); /* uses it up */
        waiters[i].reply = KEEL_CAP_OPEN;
    }
}

static uint32_t do_register(struct keel_request *rq, void *ctx)
{
    char name[KEEL_NAMES_MAX + 1];
    struct keel_utcb *u = rq->u;
    if (rq->items != 1 || !request_name(rq, name)) {
        if (rq->items)
            drop(u, u->item[0].slot);
        return KEEL_E_INVALID;
    }
    uint32_t gate = u->item[0].slot;
    struct entry *e = find(name);
    if (e && e->owner != rq->badge) {
        drop(u, gate);
        return KEEL_S_EXISTS;
    }
    if (e) {
        drop(u, e->gate);   /* a restarted server's old gate is dead */
    } else {
        for (uint32_t i = 0; !e && i < ENTRIES; i++)
            if (entries[i].gate == KEEL_CAP_OPEN)
                e = &entries[i];
        if (!e) {
            drop(u, gate);
            return KEEL_S_FULL;
        }
    }
    copy_name(e->name, name);
    e->owner = rq->badge;
    e->gate = gate;
    keel_printf("names: \"%s\" registered by client %lu\n", name, (unsigned long)rq->badge);
    /* The waiters are answered through their reply capabilities; the
     * registering client's answer comes after, from keel_serve(). */
    wake_waiters(u, e);
    return KEEL_OK;
}

static uint32_t do_lookup(struct keel_request *rq, void *ctx)
{
    char name[KEEL_NAMES_MAX + 1];
    if (!request_name(rq, name))
        return KEEL_E_INVALID;
    struct entry *e = find(name);
    if (e) {
        keel_cap_item(rq->u, 0, e->gate, KEEL_RIGHT_SEND | KEEL_RIGHT_GRANT);
        rq->reply_items = 1;
        return KEEL_OK;
    }
    if (rq->op != KEEL_NAMES_WAIT)
        return KEEL_S_NOT_FOUND;
    for (uint32_t i = 0; i < WAITERS; i++) {
        if (waiters[i].reply != KEEL_CAP_OPEN)
            continue;
        uint32_t slot = KEEL_CAP_OPEN;
        if (keel_save_reply(rq->u, KEEL_PROGRAM_THREAD, &slot))
            return KEEL_S_FULL;
        copy_name(waiters[i].name, name);
        waiters[i].reply = slot;
        rq->deferred = true;
        return KEEL_OK;
    }
    return KEEL_S_FULL;
}

static uint32_t do_remove(struct keel_request *rq, void *ctx)
{
    char name[KEEL_NAMES_MAX + 1];
    if (!request_name(rq, name))
        return KEEL_E_INVALID;
    struct entry *e = find(name);
    if (!e)
        return KEEL_S_NOT_FOUND;
    if (e->owner != rq->badge)
        return KEEL_S_EXISTS;
    drop(rq->u, e->gate);
    e->gate = KEEL_CAP_OPEN;
    return KEEL_OK;
}

static const struct keel_op ops[] = {
    { KEEL_NAMES_REGISTER, KEEL_NAMES_WORDS, do_register },
    { KEEL_NAMES_LOOKUP, KEEL_NAMES_WORDS, do_lookup },
    { KEEL_NAMES_WAIT, KEEL_NAMES_WORDS, do_lookup },
    { KEEL_NAMES_REMOVE, KEEL_NAMES_WORDS, do_remove },
};

int main(void)
{
    struct keel_utcb *u = keel_utcb();
    for (uint32_t i = 0; i < ENTRIES; i++)
        entries[i].gate = KEEL_CAP_OPEN;
    for (uint32_t i = 0; i < WAITERS; i++)
        waiters[i].reply = KEEL_CAP_OPEN;
    u->accept_items = 1;
    keel_printf("names: serving\n");
    keel_serve(u, KEEL_CAP_OPEN, ops, sizeof(ops) / sizeof(ops[0]), NULL);
}
