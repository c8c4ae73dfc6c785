/*
 * Host tests of the mapping database (kernel/mdb.c): derivation trees of
 * mapped pages, grant, and revocation leaves first with a budget, checked
 * step by step against a simple model (a parent index per mapping); and the
 * same with mixed sizes (2 MiB and 4 KiB pages, mdb_find_covering()).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mdb.h>
#include "check.h"

#define SPACES 4
#define PAGES 16
#define POOL (SPACES * PAGES)

static char spaces[SPACES];             /* their addresses name the spaces */
static struct mdb_node pool[POOL];      /* node of (space s, page p) at s * PAGES + p */
static int model_parent[POOL];          /* -1: root; -2: not mapped */

static uintptr_t va_of(int i) { return 0x8000000000ull + (uintptr_t)(i % PAGES) * 4096; }
static const void *space_of(int i) { return &spaces[i / PAGES]; }
static int index_of(const struct mdb_node *n)
{
    return n ? (int)((const char *)n->space - spaces) * PAGES +
               (int)((n->va - 0x8000000000ull) / 4096) : -1;
}

/* Node i of the pool holds the mapping (space_of(i), va_of(i)): the model
 * keys by position, so grant moves a node's place into the target's. */
static void check_against_model(long *bad)
{
    uint32_t live = 0;
    for (int i = 0; i < POOL; i++) {
        struct mdb_node *n = mdb_find(space_of(i), va_of(i));
        if (model_parent[i] == -2) {
            if (n)
                (*bad)++;
            continue;
        }
        live++;
        if (n != &pool[i] || index_of(n->parent) != model_parent[i]) {
            (*bad)++;
            continue;
        }
        int kids = 0;
        for (struct mdb_node *k = n->child, *prev = NULL; k; prev = k, k = k->next) {
            if (k->parent != n || k->prev != prev)
                (*bad)++;
            kids++;
        }
        int model_kids = 0;
        for (int j = 0; j < POOL; j++)
            model_kids += model_parent[j] == i;
        if (kids != model_kids)
            (*bad)++;
    }
    if (live != mdb_count())
        (*bad)++;
}

static bool descends(int i, int top)
{
    for (int p = model_parent[i]; p >= 0; p = model_parent[p])
        if (p == top)
            return true;
    return false;
}

static void test_basics(void)
{
    memset(pool, 0, sizeof(pool));
    /* A -> B -> C, and A -> D */
    struct mdb_node *a = &pool[0], *b = &pool[PAGES + 1], *c = &pool[2 * PAGES + 2],
                    *d = &pool[3 * PAGES];
    mdb_add(a, space_of(0), va_of(0), 12, NULL);
    mdb_add(b, space_of(PAGES + 1), va_of(PAGES + 1), 12, a);
    mdb_add(c, space_of(2 * PAGES + 2), va_of(2 * PAGES + 2), 12, b);
    mdb_add(d, space_of(3 * PAGES), va_of(3 * PAGES), 12, a);
    CHECK(mdb_find(space_of(0), va_of(0)) == a);
    CHECK(mdb_find(space_of(0), va_of(1)) == NULL);
    CHECK(c->parent == b && b->parent == a && d->parent == a && mdb_count() == 4);
    CHECK(mdb_leaf_below(c) == NULL && mdb_leaf_below(b) == c);
    /* Revocation below a: leaves first, so b goes only after c. */
    struct mdb_node *at = a, *order[4];
    int n = 0;
    for (struct mdb_node *leaf; (leaf = mdb_revoke_next(a, &at)); n++) {
        CHECK(leaf->child == NULL);
        order[n] = leaf;
        mdb_remove(leaf);
    }
    CHECK_EQ_U(n, 3);
    int pos_b = -1, pos_c = -1;
    for (int k = 0; k < n; k++)
        pos_b = order[k] == b ? k : pos_b, pos_c = order[k] == c ? k : pos_c;
    CHECK(pos_c >= 0 && pos_b > pos_c);     /* c (derived from b) goes first */
    CHECK(mdb_count() == 1 && a->child == NULL);
    mdb_remove(a);
    CHECK(mdb_count() == 0 && mdb_find(space_of(0), va_of(0)) == NULL);

    /* Grant: the new node takes the old one's place, children and all. */
    mdb_add(a, space_of(0), va_of(0), 12, NULL);
    mdb_add(b, space_of(PAGES + 1), va_of(PAGES + 1), 12, a);
    mdb_add(c, space_of(2 * PAGES + 2), va_of(2 * PAGES + 2), 12, b);
    mdb_move(b, d, space_of(3 * PAGES), va_of(3 * PAGES));
    CHECK(mdb_find(space_of(PAGES + 1), va_of(PAGES + 1)) == NULL);
    CHECK(mdb_find(space_of(3 * PAGES), va_of(3 * PAGES)) == d);
    CHECK(d->parent == a && a->child == d && c->parent == d && d->child == c);
    CHECK(mdb_count() == 3);
    mdb_remove(c);
    mdb_remove(d);
    mdb_remove(a);
    CHECK(mdb_count() == 0);
}

/* Random adds, maps, grants and budgeted revocations against the model. */
static void test_random(void)
{
    memset(pool, 0, sizeof(pool));
    for (int i = 0; i < POOL; i++)
        model_parent[i] = -2;
    srand(12345);
    long bad = 0, ops[4] = { 0 }, restarts = 0, deepest = 0;
    for (int step = 0; step < 200000; step++) {
        int i = rand() % POOL, j = rand() % POOL, op = rand() % 4;
        if (op == 0 && model_parent[i] == -2) {           /* an owned page is mapped out */
            mdb_add(&pool[i], space_of(i), va_of(i), 12, NULL);
            model_parent[i] = -1;
        } else if (op == 1 && model_parent[i] != -2 && model_parent[j] == -2) {  /* map */
            mdb_add(&pool[j], space_of(j), va_of(j), 12, &pool[i]);
            model_parent[j] = i;
        } else if (op == 2 && model_parent[i] >= 0 && model_parent[j] == -2) {   /* grant */
            mdb_move(&pool[i], &pool[j], space_of(j), va_of(j));
            model_parent[j] = model_parent[i];
            model_parent[i] = -2;
            for (int k = 0; k < POOL; k++)
                if (model_parent[k] == i)
                    model_parent[k] = j;
        } else if (op == 3 && model_parent[i] != -2 && rand() % 4 == 0) {  /* unmap */
            /* With a small budget, restarting from the top each time. */
            for (;;) {
                struct mdb_node *at = &pool[i], *leaf;
                int budget = 1 + rand() % 3;
                while (budget && (leaf = mdb_revoke_next(&pool[i], &at))) {
                    int l = index_of(leaf);
                    if (!descends(l, i) || leaf->child)
                        bad++;
                    mdb_remove(leaf);
                    model_parent[l] = -2;
                    budget--;
                }
                check_against_model(&bad);
                if (!pool[i].child)
                    break;
                restarts++;
            }
            if (rand() % 2) {
                mdb_remove(&pool[i]);
                model_parent[i] = -2;
            }
        } else {
            continue;
        }
        ops[op]++;
        for (int k = 0; k < POOL; k++) {
            long d = 0;
            for (int p = k; p >= 0 && model_parent[p] != -2; p = model_parent[p])
                d++;
            deepest = d > deepest ? d : deepest;
        }
        if (step % 7 == 0)
            check_against_model(&bad);
    }
    check_against_model(&bad);
    CHECK_EQ_U(bad, 0);
    printf("     ops add %ld map %ld grant %ld unmap %ld; %ld restarts; deepest %ld\n",
           ops[0], ops[1], ops[2], ops[3], restarts, deepest);
    CHECK(ops[0] > 1000 && ops[1] > 1000 && ops[2] > 500 && ops[3] > 1000);
    CHECK(restarts > 100 && deepest >= 4);
}

/* ---- mixed sizes: 2 MiB pages and 4 KiB pages inside other 2 MiB slots ---- */

#define LSLOTS 4                        /* 2 MiB slots per space */
#define SSLOTS 8                        /* 4 KiB slots used in each 2 MiB slot */
#define PER_SPACE (LSLOTS * (1 + SSLOTS))
#define MPOOL (SPACES * PER_SPACE)
#define ORDERS ((1ull << 12) | (1ull << 21) | (1ull << 30))

static uint32_t large = 21;             /* the large pages' order: 2 MiB, then 1 GiB */

static struct mdb_node mpool[MPOOL];
static int mparent[MPOOL];              /* -1: root; -2: not mapped */

/* Node i: space i / PER_SPACE; in it, slot k = (i % PER_SPACE) / (1 + SSLOTS),
 * and within it the 2 MiB page (sub 0) or 4 KiB page sub - 1. */
static int m_k(int i) { return (i % PER_SPACE) / (1 + SSLOTS); }
static int m_sub(int i) { return (i % PER_SPACE) % (1 + SSLOTS); }
static uint32_t m_order(int i) { return m_sub(i) ? 12 : large; }
static const void *m_space(int i) { return &spaces[i / PER_SPACE]; }
static uintptr_t m_va(int i)
{
    return 0x8000000000ull + ((uintptr_t)m_k(i) << large) +
           (m_sub(i) ? (uintptr_t)(m_sub(i) - 1) * 4096 : 0);
}
static int m_index(const struct mdb_node *n) { return n ? (int)(n - mpool) : -1; }

/* True if node i may be mapped now: free, and nothing of its space overlaps. */
static bool m_free(int i)
{
    /* 2 MiB pages in slot 0 only, where at most two 4 KiB ones compete:
     * else the small ones would fill every slot, or the large ones. */
    if (mparent[i] != -2 || (m_k(i) == 0 ? m_sub(i) > 2 : !m_sub(i)))
        return false;
    int first = i - m_sub(i);               /* the 2 MiB node of its slot */
    if (m_sub(i))
        return mparent[first] == -2;
    for (int p = 1; p <= SSLOTS; p++)
        if (mparent[first + p] != -2)
            return false;
    return true;
}

/* Every node as the model says, and every address of every slot found by
 * mdb_find_covering() as the mapping the model has there (or none). */
static void m_check(long *bad)
{
    uint32_t live = 0;
    for (int i = 0; i < MPOOL; i++) {
        struct mdb_node *n = mdb_find(m_space(i), m_va(i));
        if (mparent[i] == -2) {
            if (n && n == &mpool[i])
                (*bad)++;
            continue;
        }
        live++;
        if (n != &mpool[i] || n->order != m_order(i) || m_index(n->parent) != mparent[i] ||
            (n->parent && n->parent->order < n->order))
            (*bad)++;
    }
    for (int i = 0; i < MPOOL; i += 1 + SSLOTS)         /* each 2 MiB slot */
        for (int p = 0; p < SSLOTS + 2; p++) {
            /* an address in small slot p, or past the used ones (p = SSLOTS + 1) */
            uintptr_t va = m_va(i) + (uintptr_t)p * 4096 + (uintptr_t)(rand() % 4096);
            int want = mparent[i] != -2 ? i :
                       (p < SSLOTS && mparent[i + 1 + p] != -2) ? i + 1 + p : -1;
            if (m_index(mdb_find_covering(m_space(i), va, ORDERS)) != want)
                (*bad)++;
        }
    if (live != mdb_count())
        (*bad)++;
}

static bool m_descends(int i, int top)
{
    for (int p = mparent[i]; p >= 0; p = mparent[p])
        if (p == top)
            return true;
    return false;
}

/* Random roots, maps (to a mapping of the same or a smaller size), grants
 * (same size) and budgeted revocations, against the model. */
static void test_random_sizes(uint32_t large_order)
{
    large = large_order;
    /* Start empty: take test_random()'s mappings apart, leaves first. */
    for (bool removed = true; removed;) {
        removed = false;
        for (int i = 0; i < POOL; i++)
            if (model_parent[i] != -2 && !pool[i].child) {
                mdb_remove(&pool[i]);
                model_parent[i] = -2;
                removed = true;
            }
    }
    CHECK_EQ_U(mdb_count(), 0);
    memset(mpool, 0, sizeof(mpool));
    for (int i = 0; i < MPOOL; i++)
        mparent[i] = -2;
    srand(777);
    long bad = 0, ops[4] = { 0 }, small_of_large = 0;
    for (int step = 0; step < 200000; step++) {
        /* Half the picks of i and a quarter of j a 2 MiB node, the rarer kind. */
        int i = rand() % MPOOL, j = rand() % MPOOL, op = rand() % 4;
        i = rand() % 2 ? i - (i % PER_SPACE) : i;      /* slot 0's 2 MiB node */
        j = rand() % 4 ? j : j - (j % PER_SPACE);
        if (op == 0 && m_free(i)) {                             /* owned page mapped out */
            mdb_add(&mpool[i], m_space(i), m_va(i), m_order(i), NULL);
            mparent[i] = -1;
        } else if (op == 1 && mparent[i] != -2 && m_order(j) <= m_order(i) && m_free(j)) {
            mdb_add(&mpool[j], m_space(j), m_va(j), m_order(j), &mpool[i]);
            mparent[j] = i;
            small_of_large += m_order(j) < m_order(i);
        } else if (op == 2 && mparent[i] >= 0 && m_order(j) == m_order(i) && m_free(j)) {
            mdb_move(&mpool[i], &mpool[j], m_space(j), m_va(j));
            mparent[j] = mparent[i];
            mparent[i] = -2;
            for (int k = 0; k < MPOOL; k++)
                if (mparent[k] == i)
                    mparent[k] = j;
        } else if (op == 3 && mparent[i] != -2 && rand() % 2 == 0) {
            for (;;) {
                struct mdb_node *at = &mpool[i], *leaf;
                int budget = 1 + rand() % 3;
                while (budget && (leaf = mdb_revoke_next(&mpool[i], &at))) {
                    int l = m_index(leaf);
                    if (!m_descends(l, i) || leaf->child)
                        bad++;
                    mdb_remove(leaf);
                    mparent[l] = -2;
                    budget--;
                }
                if (!mpool[i].child)
                    break;
            }
            if (rand() % 4) {
                mdb_remove(&mpool[i]);
                mparent[i] = -2;
            }
        } else {
            continue;
        }
        ops[op]++;
        if (step % 5 == 0)
            m_check(&bad);
    }
    m_check(&bad);
    CHECK_EQ_U(bad, 0);
    printf("     sizes: ops add %ld map %ld (%ld of 4 KiB from %u KiB) grant %ld unmap %ld\n",
           ops[0], ops[1], small_of_large, 1u << (large - 10), ops[2], ops[3]);
    CHECK(ops[0] > 1000 && ops[1] > 1000 && ops[2] > 200 && ops[3] > 1000 &&
          small_of_large > 300);
    for (bool removed = true; removed;) {
        removed = false;
        for (int i = 0; i < MPOOL; i++)
            if (mparent[i] != -2 && !mpool[i].child) {
                mdb_remove(&mpool[i]);
                mparent[i] = -2;
                removed = true;
            }
    }
    CHECK_EQ_U(mdb_count(), 0);
}

int main(void)
{
    test_basics();
    test_random();
    test_random_sizes(21);
    test_random_sizes(30);      /* 1 GiB leaves: KEEL_MAP_ORDER_MAX */
    return check_summary("test_mdb");
}
