/* The mapping database (see mdb.h): derivation trees of mapped pages. */
#include <mdb.h>

struct mdb_node *mdb_buckets[MDB_BUCKETS];
uint32_t mdb_nodes;

/* mdb_find and mdb_add are inline in mdb.h. */

struct mdb_node *mdb_find_covering(const void *space, uintptr_t va, uint64_t orders)
{
    for (uint64_t left = orders; left; left &= left - 1) {
        uint64_t size = left & (~left + 1);     /* the smallest size left */
        /* A mapping starting at va rounded down to this size covers va if
         * it is at least this large; a smaller one there rules out any
         * larger one around va (the mappings of a space do not overlap). */
        struct mdb_node *n = mdb_find(space, va & ~(uintptr_t)(size - 1));
        if (n)
            return ((uint64_t)1 << n->order) >= size ? n : NULL;
    }
    return NULL;
}

static void hash_remove(struct mdb_node *n)
{
    struct mdb_node **p = mdb_bucket(n->space, n->va);
    while (*p != n)
        p = &(*p)->hash_next;
    *p = n->hash_next;
    n->hash_next = NULL;
}

static void unlink_child(struct mdb_node *n)
{
    if (n->prev)
        n->prev->next = n->next;
    else if (n->parent)
        n->parent->child = n->next;
    if (n->next)
        n->next->prev = n->prev;
    n->parent = n->next = n->prev = NULL;
}

void mdb_remove(struct mdb_node *n)
{
    unlink_child(n);
    hash_remove(n);
    n->space = NULL;
    n->va = 0;
    n->order = 0;
    mdb_nodes--;
}

void mdb_move(struct mdb_node *from, struct mdb_node *to, const void *space, uintptr_t va)
{
    struct mdb_node *parent = from->parent, *kids = from->child;
    uint32_t order = from->order;
    unlink_child(from);
    from->child = NULL;
    mdb_remove(from);
    mdb_add(to, space, va, order, parent);
    to->child = kids;
    for (struct mdb_node *k = kids; k; k = k->next)
        k->parent = to;
}

struct mdb_node *mdb_leaf_below(struct mdb_node *n)
{
    if (!n->child)
        return NULL;
    while (n->child)
        n = n->child;
    return n;
}

struct mdb_node *mdb_revoke_next(struct mdb_node *top, struct mdb_node **at)
{
    if (!top->child)
        return NULL;
    /* *at != top when it has no child: top still has one */
    struct mdb_node *leaf = (*at)->child ? mdb_leaf_below(*at) : *at;
    *at = leaf->parent;
    return leaf;
}

uint32_t mdb_count(void)
{
    return mdb_nodes;
}
