/* Host tests for revocation (kernel/cap.c, cap_revoke): directed cases (a
 * chain of 1,000 copies across tables revoked in bounded steps, marks,
 * reuse), then random inserts, copies, deletes and budgeted revocations on
 * four tables compared with a model that keeps one parent per slot.  After
 * every step: the derivation links match the model, each object's
 * reference count (cap_object_ref) is the number of slots naming it, and
 * every slot a revocation removed answers KERR_REVOKED.  ASan/UBSan. */
#include <cap.h>
#include "check.h"

#define OBJECTS 8
static int objects[OBJECTS];
static long refs[OBJECTS];      /* what cap_object_ref() was told */
static long revoked_calls;

void cap_object_ref(const struct cap *c, int delta)
{
    refs[(int *)c->object - objects] += delta;
}

void cap_revoked(const struct cap *c)
{
    (void)c;
    revoked_calls++;
}

static struct cap mkcap(int obj)
{
    return (struct cap){ .object = &objects[obj], .type = CAP_GATE, .rights = CAP_RIGHTS_ALL };
}

/* ---- a long chain ---- */

#define CHAIN 1000
#define CHAIN_TABLES 4

static void test_chain(void)
{
    static struct cap_slot slots[CHAIN_TABLES][CHAIN];
    static struct cap_table t[CHAIN_TABLES];
    for (int k = 0; k < CHAIN_TABLES; k++)
        cap_table_init(&t[k], slots[k], CHAIN);
    uint32_t at = 0, to;
    struct cap c = mkcap(0);
    CHECK_EQ_U(cap_insert(&t[0], &at, &c), KERR_OK);
    /* Copy i lives in table i % 4: each link crosses tables. */
    for (int i = 1; i <= CHAIN; i++) {
        to = CAP_SLOT_ANY;
        CHECK_EQ_U(cap_derive(&t[(i - 1) % CHAIN_TABLES], at, &t[i % CHAIN_TABLES], &to,
                              CAP_RIGHT_SEND, 0), KERR_OK);
        at = to;
    }
    CHECK_EQ_U(refs[0], CHAIN + 1);
    uint32_t calls = 0, budget;
    enum kerr e;
    do {
        budget = 256;
        e = cap_revoke(&t[0], 0, &budget);
        calls++;
    } while (e == KERR_NOMEM && calls < 100);
    CHECK_EQ_U(e, KERR_OK);
    CHECK_EQ_U(calls, 4);           /* 256 + 256 + 256 + 232 */
    CHECK_EQ_U(budget, 256 * 4 - CHAIN);
    CHECK_EQ_U(refs[0], 1);
    CHECK(slots[0][0].first_child == NULL);
    CHECK_EQ_U(t[0].used + t[1].used + t[2].used + t[3].used, 1);
    /* Every copy's slot is marked: lookups there say so until reuse. */
    CHECK_EQ_U(cap_lookup(&t[1], 0, CAP_TYPE_ANY, 0, NULL), KERR_REVOKED);
    CHECK_EQ_U(cap_lookup(&t[0], 1, CAP_GATE, CAP_RIGHT_SEND, NULL), KERR_REVOKED);
    CHECK_EQ_U(cap_revoke(&t[1], 0, &budget), KERR_REVOKED);
    CHECK_EQ_U(cap_delete(&t[1], 0), KERR_OK);              /* clears the mark */
    CHECK_EQ_U(cap_lookup(&t[1], 0, CAP_TYPE_ANY, 0, NULL), KERR_NOENT);
    CHECK_EQ_U(cap_delete(&t[1], 0), KERR_NOENT);
    to = CAP_SLOT_ANY;                                      /* a marked slot is free */
    CHECK_EQ_U(cap_derive(&t[0], 0, &t[2], &to, CAP_RIGHT_SEND, 0), KERR_OK);
    CHECK_EQ_U(to, 0);
    CHECK_EQ_U(cap_lookup(&t[2], 0, CAP_GATE, CAP_RIGHT_SEND, NULL), KERR_OK);
    /* A budget of 0 removes nothing and says work is left; revoking a slot
     * without children is done at once. */
    budget = 0;
    CHECK_EQ_U(cap_revoke(&t[0], 0, &budget), KERR_NOMEM);
    CHECK_EQ_U(cap_lookup(&t[2], 0, CAP_GATE, 0, NULL), KERR_OK);
    budget = 0;
    CHECK_EQ_U(cap_revoke(&t[2], 0, &budget), KERR_OK);
    CHECK_EQ_U(cap_revoke(&t[0], 5, &budget), KERR_REVOKED);
    CHECK_EQ_U(cap_revoke(&t[0], CHAIN, &budget), KERR_RANGE);
    budget = 1;
    CHECK_EQ_U(cap_revoke(&t[0], 0, &budget), KERR_OK);
    CHECK_EQ_U(budget, 0);
    CHECK_EQ_U(refs[0], 1);
    CHECK_EQ_U(cap_delete(&t[0], 0), KERR_OK);
    CHECK_EQ_U(refs[0], 0);
}

/* ---- random operations against a model ---- */

#define TABLES 4
#define SLOTS 64
#define IDS (TABLES * SLOTS)

struct mslot {
    bool used, revoked;
    int obj;
    int parent;             /* model id, or -1 */
};

static struct cap_slot slots[TABLES][SLOTS];
static struct cap_table tables[TABLES];
static struct mslot model[IDS];
static unsigned long long rng = 0x853c49e6748fea9bull;
static long revocations, partial, removed_total, max_removed;

static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (uint32_t)(rng % n);
}

static struct cap_slot *slot_of(int id)
{
    return id < 0 ? NULL : &slots[id / SLOTS][id % SLOTS];
}

static bool descends(int id, int top)
{
    for (int p = model[id].parent; p >= 0; p = model[p].parent)
        if (p == top)
            return true;
    return false;
}

/* The kernel's tables agree with the model: contents, marks, links (each
 * child list is a well-formed doubly linked list of exactly the model's
 * children), counts, and reference counts. */
static void compare(long op)
{
    long want_refs[OBJECTS] = { 0 };
    int bad = 0;
    for (int id = 0; id < IDS; id++) {
        const struct mslot *m = &model[id];
        struct cap_slot *s = slot_of(id);
        enum kerr e = cap_lookup(&tables[id / SLOTS], (uint32_t)(id % SLOTS), CAP_TYPE_ANY, 0,
                                 NULL);
        if (!m->used) {
            bad += e != (m->revoked ? KERR_REVOKED : KERR_NOENT);
            bad += s->parent || s->first_child || s->next_sibling || s->prev_sibling;
            continue;
        }
        want_refs[m->obj]++;
        bad += e != KERR_OK || s->cap.object != &objects[m->obj];
        bad += s->parent != slot_of(m->parent);
        int children = 0;
        struct cap_slot *prev = NULL;
        for (struct cap_slot *c = s->first_child; c && children <= IDS; c = c->next_sibling) {
            bad += c->parent != s || c->prev_sibling != prev;
            prev = c;
            children++;
        }
        int want = 0;
        for (int k = 0; k < IDS; k++)
            want += model[k].used && model[k].parent == id;
        bad += children != want;
    }
    for (int o = 0; o < OBJECTS; o++)
        bad += refs[o] != want_refs[o];
    uint32_t used = 0;
    for (int k = 0; k < TABLES; k++)
        used += tables[k].used;
    uint32_t want_used = 0;
    for (int id = 0; id < IDS; id++)
        want_used += model[id].used;
    bad += used != want_used;
    if (bad)
        printf("     op %ld: %d mismatches\n", op, bad);
    CHECK_EQ_U(bad, 0);
}

static int random_used(void)
{
    for (int tries = 0; tries < 50; tries++) {
        int id = (int)rnd(IDS);
        if (model[id].used)
            return id;
    }
    return -1;
}

static int random_free(void)
{
    for (int tries = 0; tries < 50; tries++) {
        int id = (int)rnd(IDS);
        if (!model[id].used)
            return id;
    }
    return -1;
}

static void op_insert(void)
{
    int id = random_free();
    if (id < 0)
        return;
    uint32_t i = (uint32_t)(id % SLOTS);
    int obj = (int)rnd(OBJECTS);
    struct cap c = mkcap(obj);
    CHECK_EQ_U(cap_insert(&tables[id / SLOTS], &i, &c), KERR_OK);
    model[id] = (struct mslot){ .used = true, .obj = obj, .parent = -1 };
}

static void op_copy(void)
{
    int from = random_used(), to = random_free();
    if (from < 0 || to < 0)
        return;
    uint32_t i = (uint32_t)(to % SLOTS);
    CHECK_EQ_U(cap_derive(&tables[from / SLOTS], (uint32_t)(from % SLOTS), &tables[to / SLOTS],
                          &i, CAP_RIGHT_SEND, rnd(3)), KERR_OK);
    model[to] = (struct mslot){ .used = true, .obj = model[from].obj, .parent = from };
}

static void op_delete(void)
{
    int id = (int)rnd(IDS);
    enum kerr e = cap_delete(&tables[id / SLOTS], (uint32_t)(id % SLOTS));
    const struct mslot *m = &model[id];
    CHECK_EQ_U(e, m->used || m->revoked ? KERR_OK : KERR_NOENT);
    if (m->used)
        for (int k = 0; k < IDS; k++)
            if (model[k].used && model[k].parent == id)
                model[k].parent = m->parent;    /* re-parented to its parent */
    model[id] = (struct mslot){ .parent = -1 };
}

/* One revocation, in calls of a random budget; after each call the tree is
 * checked (only descendants went, exactly as many as the budget allowed,
 * each marked). */
static void op_revoke(long op)
{
    int top = random_used();
    if (top < 0)
        return;
    uint32_t calls = 0;
    enum kerr e;
    do {
        int below = 0;
        bool was_below[IDS];
        for (int id = 0; id < IDS; id++) {
            was_below[id] = model[id].used && descends(id, top);
            below += was_below[id];
        }
        uint32_t budget = rnd(4) ? 1 + rnd(6) : 1000, given = budget;
        long before = revoked_calls;
        e = cap_revoke(&tables[top / SLOTS], (uint32_t)(top % SLOTS), &budget);
        int removed = 0, outside = 0;
        for (int id = 0; id < IDS; id++) {
            bool gone = model[id].used &&
                        cap_lookup(&tables[id / SLOTS], (uint32_t)(id % SLOTS), CAP_TYPE_ANY,
                                   0, NULL) == KERR_REVOKED;
            if (!gone)
                continue;
            removed++;
            outside += !was_below[id];
            model[id] = (struct mslot){ .revoked = true, .parent = -1 };
        }
        uint32_t want = (uint32_t)below < given ? (uint32_t)below : given;
        CHECK_EQ_U(outside, 0);
        CHECK_EQ_U(removed, want);
        CHECK_EQ_U(given - budget, want);
        CHECK_EQ_U(revoked_calls - before, want);
        CHECK_EQ_U(e, (uint32_t)below > given ? KERR_NOMEM : KERR_OK);
        removed_total += removed;
        if (removed > max_removed)
            max_removed = removed;
        compare(op);
        calls++;
    } while (e == KERR_NOMEM && calls < 10000);
    CHECK_EQ_U(e, KERR_OK);
    for (int id = 0; id < IDS; id++)
        CHECK(!(model[id].used && descends(id, top)));
    revocations++;
    partial += calls > 1;
}

static void test_random(long ops)
{
    for (int k = 0; k < TABLES; k++)
        cap_table_init(&tables[k], slots[k], SLOTS);
    for (int id = 0; id < IDS; id++)
        model[id].parent = -1;
    for (long op = 0; op < ops; op++) {
        switch (rnd(10)) {
        case 0: case 1: op_insert(); break;
        case 2: case 3: case 4: case 5: case 8: op_copy(); break;
        case 6: case 7: op_delete(); break;
        default: op_revoke(op); break;
        }
        if (op % 16 == 0)
            compare(op);
    }
    compare(ops);
    printf("     %ld revocations (%ld in several calls), %ld capabilities revoked\n",
           revocations, partial, removed_total);
}

int main(void)
{
    test_chain();
    test_random(40000);
    printf("test_revoke: %d passed, %d failed\n", check_passed, check_failed);
    return check_failed != 0;
}
