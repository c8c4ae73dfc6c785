/*
 * The mapping database: which mapping of a user page was derived from which.
 *
 * One node per page mapped by delegation (a map or grant item), and one for
 * each page a task mapped out of memory it owns.  A page may be large (2 MiB,
 * 1 GiB: one leaf entry, docs/design.md "Large pages"): each node records
 * the size of its mapping, and a node derived from a large page may be
 * smaller (a part of it) but never larger.  The nodes of one physical
 * frame form a tree, as in L4/Fiasco: the root is the owner's mapping (the
 * page the kernel allocated for a task), each child a mapping made from its
 * parent.  Unmapping a page takes back every mapping below its node, leaves
 * first, so the tree is valid after every single step and a long unmap can
 * stop after any number of steps and be resumed (mdb_leaf_below()).
 *
 * Nodes are found by (address space, page address) through a hash table.
 * The memory of the nodes is the caller's business (kernel/mapping.c keeps
 * them in pages charged to each task's factory); this file only links them.
 * Generic code, host-tested (tests/host/test_mdb.c).
 */
#pragma once

#include <types.h>

struct mdb_node {
    struct mdb_node *parent;        /* mapping this one was made from; NULL: the owner's */
    struct mdb_node *child;         /* first mapping made from this one */
    struct mdb_node *next, *prev;   /* siblings: the parent's other children */
    struct mdb_node *hash_next;     /* hash chain of (space, va) */
    const void *space;              /* address space of the mapping; NULL: node unused */
    uintptr_t va;                   /* page address in that space, aligned to the size */
    uint32_t order;                 /* log2 of the mapping's size in bytes */
};

/* The hash table of (space, va) and the count of nodes: mdb.c's, here only
 * for the inline mdb_find and mdb_add (a one-page map makes no call,
 * kernel/mapping.c's map_page). */
#define MDB_BUCKETS 1024u   /* a power of two */
extern struct mdb_node *mdb_buckets[MDB_BUCKETS];
extern uint32_t mdb_nodes;

static inline struct mdb_node **mdb_bucket(const void *space, uintptr_t va)
{
    uintptr_t h = ((uintptr_t)space >> 6) ^ (va >> 12) ^ (va >> 22);
    return &mdb_buckets[h & (MDB_BUCKETS - 1)];
}

/* The node recording the mapping that starts at va in space, or NULL. */
static inline struct mdb_node *mdb_find(const void *space, uintptr_t va)
{
    for (struct mdb_node *n = *mdb_bucket(space, va); n; n = n->hash_next)
        if (n->space == space && n->va == va)
            return n;
    return NULL;
}

/* The node recording the mapping in space that covers address va, of one of
 * the sizes in orders (bit n: 2^n bytes), or NULL.  One hash lookup per
 * size, smallest first. */
struct mdb_node *mdb_find_covering(const void *space, uintptr_t va, uint64_t orders);

/* Record n as the mapping of 2^order bytes at va in space, derived from
 * parent (NULL: the root of a new tree).  n must be unused, (space, va) not
 * yet recorded, va aligned to the size, and a child no larger than its
 * parent. */
static inline __attribute__((always_inline)) void
mdb_add(struct mdb_node *n, const void *space, uintptr_t va,
        uint32_t order, struct mdb_node *parent)
{
    struct mdb_node **b = mdb_bucket(space, va);
    n->space = space;
    n->va = va;
    n->order = order;
    n->child = NULL;
    n->parent = parent;         /* at the front of parent's children */
    n->prev = NULL;
    n->next = parent ? parent->child : NULL;
    if (n->next)
        n->next->prev = n;
    if (parent)
        parent->child = n;
    n->hash_next = *b;          /* and of its hash chain */
    *b = n;
    mdb_nodes++;
}

/* Forget n, which must have no children; n becomes unused. */
void mdb_remove(struct mdb_node *n);

/* Grant: to (unused) takes from's place in its tree, as the mapping of va in
 * space (of from's size), with from's parent and children; from becomes
 * unused. */
void mdb_move(struct mdb_node *from, struct mdb_node *to, const void *space, uintptr_t va);

/* A descendant of n without children (following first children), or NULL if
 * n has none.  Removing it and asking again from its parent takes a whole
 * subtree apart leaves first in O(1) steps per node. */
struct mdb_node *mdb_leaf_below(struct mdb_node *n);

/* The next mapping to take back when revoking everything below top: a node
 * without children, leaves first; NULL when top has no child left.  *at is
 * the cursor (start with top); the caller removes the node returned before
 * asking again.  Each node costs O(1) steps, amortised, so a revocation can
 * stop after any number of nodes and start again from top. */
struct mdb_node *mdb_revoke_next(struct mdb_node *top, struct mdb_node **at);

/* Nodes recorded (for tests and statistics). */
uint32_t mdb_count(void);
