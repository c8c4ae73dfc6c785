/* Capability tables and the derivation tree (see cap.h). */
#include <cap.h>
#include <keelbase/string.h>

/* Default for builds without kernel objects (host tests of this file). */
__attribute__((weak)) void cap_object_ref(const struct cap *c, int delta)
{
    (void)c;
    (void)delta;
}

__attribute__((weak)) void cap_revoked(const struct cap *c)
{
    (void)c;
}

void cap_table_init(struct cap_table *t, struct cap_slot *slots, uint32_t size)
{
    memset(slots, 0, sizeof(*slots) * size);
    for (uint32_t i = 0; i < size; i++)
        slots[i].table = t;
    t->slots = slots;
    t->size = size;
    t->used = 0;
    t->free_hint = 0;
}

enum kerr cap_lookup(const struct cap_table *t, uint32_t index, enum cap_type type,
                     uint32_t rights, struct cap *out)
{
    if (index >= t->size)
        return KERR_RANGE;
    const struct cap *c = &t->slots[index].cap;
    if (c->type == CAP_NONE)
        return c->rights == CAP_REVOKED_MARK ? KERR_REVOKED : KERR_NOENT;
    if (type != CAP_TYPE_ANY && c->type != type)
        return KERR_TYPE;
    if ((c->rights & rights) != rights)
        return KERR_PERM;
    if (out)
        *out = *c;
    return KERR_OK;
}

static bool cap_valid(const struct cap *c)
{
    return c->object && c->type > CAP_NONE && c->type < CAP_TYPE_COUNT &&
           (c->rights & ~(uint32_t)CAP_RIGHTS_ALL) == 0;
}

/* Lowest free slot at or above the hint, or NULL if the table is full. */
static struct cap_slot *first_free(struct cap_table *t)
{
    for (uint32_t i = t->free_hint; i < t->size; i++) {
        if (t->slots[i].cap.type == CAP_NONE) {
            t->free_hint = i;
            return &t->slots[i];
        }
    }
    t->free_hint = t->size;
    return NULL;
}

/* The empty slot *index names (or picks, for CAP_SLOT_ANY). */
static enum kerr claim_slot(struct cap_table *t, uint32_t *index, struct cap_slot **slot)
{
    if (*index == CAP_SLOT_ANY) {
        *slot = first_free(t);
        if (!*slot)
            return KERR_NOMEM;
        *index = (uint32_t)(*slot - t->slots);
        return KERR_OK;
    }
    if (*index >= t->size)
        return KERR_RANGE;
    *slot = &t->slots[*index];
    return (*slot)->cap.type == CAP_NONE ? KERR_OK : KERR_EXIST;
}

/* Fill an empty slot; parent (may be NULL) gets it as its first child. */
static void fill_slot(struct cap_slot *s, const struct cap *c, struct cap_slot *parent)
{
    s->cap = *c;
    s->parent = parent;
    s->first_child = NULL;
    s->prev_sibling = NULL;
    s->next_sibling = parent ? parent->first_child : NULL;
    if (s->next_sibling)
        s->next_sibling->prev_sibling = s;
    if (parent)
        parent->first_child = s;
    s->table->used++;
    cap_object_ref(&s->cap, 1);
}

enum kerr cap_insert(struct cap_table *t, uint32_t *index, const struct cap *cap)
{
    struct cap_slot *s;

    if (!cap_valid(cap))
        return KERR_INVAL;
    enum kerr e = claim_slot(t, index, &s);
    if (e == KERR_OK)
        fill_slot(s, cap, NULL);
    return e;
}

enum kerr cap_derive(struct cap_table *src, uint32_t from, struct cap_table *dst,
                     uint32_t *to, uint32_t rights, uint64_t label)
{
    struct cap c;
    struct cap_slot *s;

    enum kerr e = cap_lookup(src, from, CAP_TYPE_ANY, 0, &c);
    if (e != KERR_OK)
        return e;
    if ((rights & c.rights) != rights)
        return KERR_PERM;
    c.rights = rights;
    c.label = label;
    e = claim_slot(dst, to, &s);
    if (e == KERR_OK)
        fill_slot(s, &c, &src->slots[from]);
    return e;
}

enum kerr cap_copy(struct cap_table *src, uint32_t from, struct cap_table *dst,
                   uint32_t *to, uint32_t rights)
{
    struct cap c;
    enum kerr e = cap_lookup(src, from, CAP_TYPE_ANY, 0, &c);
    return e ? e : cap_derive(src, from, dst, to, rights, c.label);
}

/* Replace s in its parent's child list by its children, in order, and point
 * them at s's parent.  Roots are not kept in a list: if s is a root, each of
 * its children becomes a lone root. */
static void splice_children(struct cap_slot *s)
{
    struct cap_slot *first = s->first_child, *last = first;

    for (struct cap_slot *c = first; c; c = c->next_sibling) {
        c->parent = s->parent;
        last = c;
    }
    if (!s->parent) {
        for (struct cap_slot *c = first, *next; c; c = next) {
            next = c->next_sibling;
            c->prev_sibling = c->next_sibling = NULL;
        }
        return;
    }
    struct cap_slot *before = s->prev_sibling, *after = s->next_sibling;
    if (first) {
        first->prev_sibling = before;
        last->next_sibling = after;
    }
    /* What follows before, and what precedes after, once s is gone. */
    struct cap_slot *head = first ? first : after, *tail = first ? last : before;
    if (before)
        before->next_sibling = head;
    else
        s->parent->first_child = head;
    if (after)
        after->prev_sibling = tail;
}

enum kerr cap_delete(struct cap_table *t, uint32_t index)
{
    enum kerr e = cap_lookup(t, index, CAP_TYPE_ANY, 0, NULL);
    if (e == KERR_REVOKED) {
        t->slots[index].cap.rights = 0;     /* the mark goes: a plain empty slot */
        return KERR_OK;
    }
    if (e != KERR_OK)
        return e;
    struct cap_slot *s = &t->slots[index];
    struct cap gone = s->cap;
    splice_children(s);
    memset(s, 0, sizeof(*s));
    s->table = t;
    t->used--;
    if (index < t->free_hint)
        t->free_hint = index;
    cap_object_ref(&gone, -1); /* last: it may free the table's own task */
    return KERR_OK;
}

/* Empty leaf slot s (no children), leaving it marked as revoked. */
static void revoke_leaf(struct cap_slot *s)
{
    struct cap_table *t = s->table;
    struct cap gone = s->cap;
    if (s->prev_sibling)
        s->prev_sibling->next_sibling = s->next_sibling;
    else if (s->parent)
        s->parent->first_child = s->next_sibling;
    if (s->next_sibling)
        s->next_sibling->prev_sibling = s->prev_sibling;
    memset(s, 0, sizeof(*s));
    s->table = t;
    s->cap.rights = CAP_REVOKED_MARK;
    t->used--;
    uint32_t index = (uint32_t)(s - t->slots);
    if (index < t->free_hint)
        t->free_hint = index;
    cap_revoked(&gone);
    cap_object_ref(&gone, -1);
}

enum kerr cap_revoke(struct cap_table *t, uint32_t index, uint32_t *budget)
{
    enum kerr e = cap_lookup(t, index, CAP_TYPE_ANY, 0, NULL);
    if (e != KERR_OK)
        return e;
    struct cap_slot *top = &t->slots[index], *at = top;
    while (top->first_child) {
        if (!*budget)
            return KERR_NOMEM;      /* more to do: call again */
        /* Down by first children to a leaf; after removing it, on from
         * its parent, so each slot costs O(1) steps amortised. */
        while (at->first_child)
            at = at->first_child;
        struct cap_slot *leaf = at;
        at = leaf->parent;
        revoke_leaf(leaf);
        (*budget)--;
    }
    return KERR_OK;
}
