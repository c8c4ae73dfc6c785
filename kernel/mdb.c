/* The mapping database (see mdb.h): derivation trees of mapped pages. */
#include <mdb.h>

#define MDB_BUCKETS 1024u   /* a power of two */

static struct mdb_node *buckets[MDB_BUCKETS];
static uint32_t nodes;

static struct mdb_node **bucket(const void *space, uintptr_t va)
{
    uintptr_t h = ((uintptr_t)space >> 6) ^ (va >> 12) ^ (va >> 22);
    return &buckets[h & (MDB_BUCKETS - 1)];
}

struct mdb_node *mdb_find(const void *space, uintptr_t va)
{
    for (struct mdb_node *n = *bucket(space, va); n; n = n->hash_next)
        if (n->space == space && n->va == va)
            return n;
    return NULL;
}

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

static void hash_insert(struct mdb_node *n)
{
    struct mdb_node **b = bucket(n->space, n->va);
    n->hash_next = *b;
    *b = n;
}

static void hash_remove(struct mdb_node *n)
{
    struct mdb_node **p = bucket(n->space, n->va);
    while (*p != n)
        p = &(*p)->hash_next;
    *p = n->hash_next;
    n->hash_next = NULL;
}

/* Link n into parent's children (at the front). */
static void link_child(struct mdb_node *n, struct mdb_node *parent)
{
    n->parent = parent;
    n->prev = NULL;
    n->next = parent ? parent->child : NULL;
    if (n->next)
        n->next->prev = n;
    if (parent)
        parent->child = n;
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

void mdb_add(struct mdb_node *n, const void *space, uintptr_t va, uint32_t order,
             struct mdb_node *parent)
{
    n->space = space;
    n->va = va;
    n->order = order;
    n->child = NULL;
    link_child(n, parent);
    hash_insert(n);
    nodes++;
}

void mdb_remove(struct mdb_node *n)
{
    unlink_child(n);
    hash_remove(n);
    n->space = NULL;
    n->va = 0;
    n->order = 0;
    nodes--;
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
    return nodes;
}
