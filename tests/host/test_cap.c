/* Host tests for kernel/cap.c: directed cases, then 10^5 random operations
 * on three tables compared against a simple model, with the derivation
 * links checked after every operation. */
#include <cap.h>
#include "check.h"

static int objects[8];

static struct cap mkcap(int obj, enum cap_type type, uint32_t rights, uint64_t label)
{
    return (struct cap){ .object = &objects[obj], .type = type, .rights = rights, .label = label };
}

static void test_lookup_insert(void)
{
    struct cap_slot slots[4];
    struct cap_table t;
    struct cap c, got;
    uint32_t i;

    cap_table_init(&t, slots, 4);
    CHECK_EQ_U(cap_lookup(&t, 0, CAP_TYPE_ANY, 0, &got), KERR_NOENT);
    CHECK_EQ_U(cap_lookup(&t, 4, CAP_TYPE_ANY, 0, &got), KERR_RANGE);
    CHECK_EQ_U(cap_lookup(&t, CAP_SLOT_ANY, CAP_TYPE_ANY, 0, &got), KERR_RANGE);

    c = mkcap(1, CAP_GATE, CAP_RIGHT_SEND | CAP_RIGHT_GRANT, 42);
    i = 2;
    CHECK_EQ_U(cap_insert(&t, &i, &c), KERR_OK);
    CHECK_EQ_U(i, 2);
    CHECK_EQ_U(cap_insert(&t, &i, &c), KERR_EXIST);
    CHECK_EQ_U(cap_lookup(&t, 2, CAP_GATE, CAP_RIGHT_SEND, &got), KERR_OK);
    CHECK(got.object == &objects[1] && got.type == CAP_GATE && got.label == 42);
    CHECK_EQ_U(got.rights, CAP_RIGHT_SEND | CAP_RIGHT_GRANT);
    CHECK_EQ_U(cap_lookup(&t, 2, CAP_TYPE_ANY, 0, NULL), KERR_OK);
    CHECK_EQ_U(cap_lookup(&t, 2, CAP_THREAD, CAP_RIGHT_SEND, &got), KERR_TYPE);
    CHECK_EQ_U(cap_lookup(&t, 2, CAP_GATE, CAP_RIGHT_RECV, &got), KERR_PERM);
    CHECK_EQ_U(cap_lookup(&t, 2, CAP_GATE, CAP_RIGHT_SEND | CAP_RIGHT_RECV, &got), KERR_PERM);
    CHECK_EQ_U(cap_lookup(&t, 2, CAP_THREAD, CAP_RIGHT_RECV, &got), KERR_TYPE); /* type first */

    /* CAP_SLOT_ANY takes the lowest free slot, until the table is full. */
    uint32_t want[] = { 0, 1, 3 };
    for (int k = 0; k < 3; k++) {
        i = CAP_SLOT_ANY;
        CHECK_EQ_U(cap_insert(&t, &i, &c), KERR_OK);
        CHECK_EQ_U(i, want[k]);
    }
    i = CAP_SLOT_ANY;
    CHECK_EQ_U(cap_insert(&t, &i, &c), KERR_NOMEM);
    CHECK_EQ_U(t.used, 4);
    CHECK_EQ_U(cap_delete(&t, 1), KERR_OK);
    CHECK_EQ_U(cap_delete(&t, 1), KERR_NOENT);
    CHECK_EQ_U(cap_delete(&t, 9), KERR_RANGE);
    i = CAP_SLOT_ANY;
    CHECK_EQ_U(cap_insert(&t, &i, &c), KERR_OK);
    CHECK_EQ_U(i, 1);

    /* Malformed capabilities. */
    CHECK_EQ_U(cap_delete(&t, 0), KERR_OK);
    struct cap bad[] = { mkcap(0, CAP_NONE, 0, 0), mkcap(0, CAP_TYPE_COUNT, 0, 0),
                         mkcap(0, CAP_TYPE_ANY, 0, 0), mkcap(0, CAP_TASK, 1u << 4, 0),
                         { .object = NULL, .type = CAP_TASK } };
    for (size_t k = 0; k < ARRAY_SIZE(bad); k++) {
        i = 0;
        CHECK_EQ_U(cap_insert(&t, &i, &bad[k]), KERR_INVAL);
    }
    i = 7;
    CHECK_EQ_U(cap_insert(&t, &i, &c), KERR_RANGE);
}

static void test_derive(void)
{
    struct cap_slot sa[4], sb[4];
    struct cap_table a, b;
    struct cap c = mkcap(2, CAP_NOTIFICATION, CAP_RIGHT_SEND | CAP_RIGHT_RECV, 0), got;
    uint32_t root = 0, mid = 1, leaf = 2, leaf2 = CAP_SLOT_ANY;

    cap_table_init(&a, sa, 4);
    cap_table_init(&b, sb, 4);
    CHECK_EQ_U(cap_insert(&a, &root, &c), KERR_OK);
    CHECK_EQ_U(cap_derive(&a, root, &b, &mid, CAP_RIGHT_SEND | CAP_RIGHT_CONTROL, 5), KERR_PERM);
    CHECK_EQ_U(cap_derive(&a, 3, &b, &mid, 0, 5), KERR_NOENT);
    CHECK_EQ_U(cap_derive(&a, 4, &b, &mid, 0, 5), KERR_RANGE);
    CHECK_EQ_U(cap_derive(&a, root, &a, &root, 0, 5), KERR_EXIST);
    CHECK_EQ_U(cap_derive(&a, root, &b, &mid, CAP_RIGHT_SEND, 5), KERR_OK);
    CHECK_EQ_U(cap_lookup(&b, mid, CAP_NOTIFICATION, CAP_RIGHT_SEND, &got), KERR_OK);
    CHECK(got.object == &objects[2] && got.label == 5 && got.rights == CAP_RIGHT_SEND);
    CHECK_EQ_U(cap_derive(&b, mid, &a, &leaf, CAP_RIGHT_SEND | CAP_RIGHT_RECV, 6), KERR_PERM);
    CHECK_EQ_U(cap_derive(&b, mid, &a, &leaf, CAP_RIGHT_SEND, 6), KERR_OK);
    CHECK_EQ_U(cap_derive(&b, mid, &a, &leaf2, 0, 7), KERR_OK);
    CHECK_EQ_U(leaf2, 1);
    CHECK(sb[mid].parent == &sa[root] && sa[root].first_child == &sb[mid]);
    CHECK(sa[leaf].parent == &sb[mid] && sa[leaf2].parent == &sb[mid]);
    CHECK(sb[mid].first_child == &sa[leaf2]);          /* newest child first */
    CHECK(sa[leaf2].next_sibling == &sa[leaf] && sa[leaf].prev_sibling == &sa[leaf2]);

    /* Deleting the middle re-parents its children to the root, in order. */
    CHECK_EQ_U(cap_delete(&b, mid), KERR_OK);
    CHECK(sa[root].first_child == &sa[leaf2] && sa[leaf2].next_sibling == &sa[leaf]);
    CHECK(sa[leaf].parent == &sa[root] && sa[leaf2].parent == &sa[root]);
    CHECK(sa[leaf2].prev_sibling == NULL && sa[leaf].next_sibling == NULL);
    CHECK(sb[mid].parent == NULL && sb[mid].first_child == NULL && sb[mid].table == &b);
    CHECK_EQ_U(b.used, 0);

    /* Deleting the root makes its children roots. */
    CHECK_EQ_U(cap_delete(&a, root), KERR_OK);
    CHECK(sa[leaf].parent == NULL && sa[leaf2].parent == NULL);
    CHECK(sa[leaf].prev_sibling == NULL && sa[leaf2].next_sibling == NULL);
    CHECK_EQ_U(a.used, 2);
}

/* ---- randomized comparison against a model ---- */

#define TABLES 3
#define MAXSLOTS 40
static const uint32_t sizes[TABLES] = { 8, 17, MAXSLOTS };

struct mslot {
    bool used;
    struct cap cap;
    int parent;             /* model id (table * MAXSLOTS + index), or -1 */
};

static struct cap_slot slots[TABLES][MAXSLOTS];
static struct cap_table tables[TABLES];
static struct mslot model[TABLES * MAXSLOTS];
static unsigned long long rng = 88172645463325252ull;
static int mismatches;
static long deletes_with_children, max_depth;

static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (uint32_t)(rng % n);
}

static void mismatch(const char *what, long op, int id)
{
    if (mismatches++ < 10)
        printf("     op %ld, slot %d: %s\n", op, id, what);
}

static struct cap_slot *slot_of(int id)
{
    return id < 0 ? NULL : &slots[id / MAXSLOTS][id % MAXSLOTS];
}

/* Model: the error cap_lookup() should give. */
static enum kerr model_lookup(int t, uint32_t i, enum cap_type type, uint32_t rights)
{
    if (i >= sizes[t])
        return KERR_RANGE;
    const struct mslot *m = &model[t * MAXSLOTS + (int)i];
    if (!m->used)
        return KERR_NOENT;
    if (type != CAP_TYPE_ANY && m->cap.type != type)
        return KERR_TYPE;
    return (m->cap.rights & rights) == rights ? KERR_OK : KERR_PERM;
}

/* Model: resolve a destination slot as claim_slot() should. */
static enum kerr model_claim(int t, uint32_t *i)
{
    if (*i == CAP_SLOT_ANY) {
        for (uint32_t k = 0; k < sizes[t]; k++) {
            if (!model[t * MAXSLOTS + (int)k].used) {
                *i = k;
                return KERR_OK;
            }
        }
        return KERR_NOMEM;
    }
    if (*i >= sizes[t])
        return KERR_RANGE;
    return model[t * MAXSLOTS + (int)*i].used ? KERR_EXIST : KERR_OK;
}

static uint32_t random_index(int t)
{
    uint32_t r = rnd(10);
    return r == 0 ? CAP_SLOT_ANY : r == 1 ? sizes[t] + rnd(3) : rnd(sizes[t]);
}

static enum kerr op_insert(int t)
{
    uint32_t i = random_index(t), mi = i;
    struct cap c = mkcap((int)rnd(8), (enum cap_type)(1 + rnd(CAP_TYPE_COUNT - 1)),
                         rnd(CAP_RIGHTS_ALL + 1), rnd(1000));
    if (rnd(50) == 0)
        c.rights |= 1u << 5;
    bool valid = !(c.rights & ~(uint32_t)CAP_RIGHTS_ALL);
    enum kerr want = valid ? model_claim(t, &mi) : KERR_INVAL;
    enum kerr got = cap_insert(&tables[t], &i, &c);
    if (got == want && want == KERR_OK) {
        if (i != mi)
            mismatch("insert picked another slot", -1, t * MAXSLOTS + (int)i);
        model[t * MAXSLOTS + (int)mi] = (struct mslot){ true, c, -1 };
    }
    return got == want ? KERR_OK : KERR_BADFMT;
}

static enum kerr op_derive(int st, int dt)
{
    uint32_t from = rnd(10) == 0 ? sizes[st] : rnd(sizes[st]);
    for (int tries = 0; tries < 8 && from < sizes[st] && !model[st * MAXSLOTS + (int)from].used;
         tries++)
        from = rnd(sizes[st]);      /* mostly derive from something */
    uint32_t to = random_index(dt), mto = to;
    int sid = st * MAXSLOTS + (int)from;
    uint32_t rights = rnd(CAP_RIGHTS_ALL + 1);
    if (from < sizes[st] && rnd(5) != 0)
        rights &= model[sid].cap.rights;    /* mostly a valid subset */
    uint64_t label = rnd(1000);
    enum kerr want = model_lookup(st, from, CAP_TYPE_ANY, 0);
    if (want == KERR_OK && (model[sid].cap.rights & rights) != rights)
        want = KERR_PERM;
    if (want == KERR_OK)
        want = model_claim(dt, &mto);
    enum kerr got = cap_derive(&tables[st], from, &tables[dt], &to, rights, label);
    if (got == want && want == KERR_OK) {
        struct cap c = model[sid].cap;
        c.rights = rights;
        c.label = label;
        if (to != mto)
            mismatch("derive picked another slot", -1, dt * MAXSLOTS + (int)to);
        model[dt * MAXSLOTS + (int)mto] = (struct mslot){ true, c, sid };
    }
    return got == want ? KERR_OK : KERR_BADFMT;
}

static enum kerr op_delete(int t)
{
    uint32_t i = rnd(sizes[t] + 2);
    int id = t * MAXSLOTS + (int)i;
    enum kerr want = model_lookup(t, i, CAP_TYPE_ANY, 0);
    bool had_children = i < sizes[t] && slots[t][i].first_child;
    enum kerr got = cap_delete(&tables[t], i);
    if (got == want && want == KERR_OK) {
        deletes_with_children += had_children;
        for (int k = 0; k < TABLES * MAXSLOTS; k++)
            if (model[k].used && model[k].parent == id)
                model[k].parent = model[id].parent;
        model[id] = (struct mslot){ .parent = -1 };
    }
    return got == want ? KERR_OK : KERR_BADFMT;
}

static enum kerr op_lookup(int t)
{
    uint32_t i = rnd(sizes[t] + 2), rights = rnd(CAP_RIGHTS_ALL + 1);
    enum cap_type type = rnd(4) == 0 ? CAP_TYPE_ANY : (enum cap_type)rnd(CAP_TYPE_COUNT);
    struct cap got;
    enum kerr e = cap_lookup(&tables[t], i, type, rights, &got);
    if (e != model_lookup(t, i, type, rights))
        return KERR_BADFMT;
    if (e != KERR_OK)
        return KERR_OK;
    const struct cap *m = &model[t * MAXSLOTS + (int)i].cap;
    if ((got.object != m->object || got.type != m->type ||
                  got.rights != m->rights || got.label != m->label))
        return KERR_BADFMT;
    return KERR_OK;
}

/* Links of one occupied slot agree with the model and with each other. */
static void check_links(long op, int id)
{
    const struct cap_slot *s = slot_of(id), *p = slot_of(model[id].parent);
    uint32_t children = 0, want_children = 0;

    if (s->parent != p)
        mismatch("parent", op, id);
    if (p) {
        bool found = false;
        int steps = 0;  /* bounded: a corrupted list may be cyclic */
        for (const struct cap_slot *c = p->first_child; c && !found && steps++ < TABLES * MAXSLOTS;
             c = c->next_sibling)
            found = c == s;
        if (!found)
            mismatch("not in parent's child list", op, id);
        if ((s->prev_sibling == NULL) != (p->first_child == s))
            mismatch("first child", op, id);
    } else if (s->prev_sibling || s->next_sibling) {
        mismatch("root with siblings", op, id);
    }
    if ((s->prev_sibling && s->prev_sibling->next_sibling != s) ||
        (s->next_sibling && s->next_sibling->prev_sibling != s))
        mismatch("sibling links", op, id);
    for (const struct cap_slot *c = s->first_child; c && children <= TABLES * MAXSLOTS;
         c = c->next_sibling, children++)
        if (c->parent != s)
            mismatch("child's parent", op, id);
    for (int k = 0; k < TABLES * MAXSLOTS; k++)
        want_children += model[k].used && model[k].parent == id;
    if (children != want_children)
        mismatch("child count", op, id);
    long depth = 0;
    for (int a = model[id].parent; a >= 0 && depth <= TABLES * MAXSLOTS; a = model[a].parent)
        depth++;
    max_depth = MAX(max_depth, depth);
}

static void check_all(long op)
{
    for (int t = 0; t < TABLES; t++) {
        uint32_t used = 0, lowest_free = sizes[t];
        for (uint32_t i = 0; i < sizes[t]; i++) {
            int id = t * MAXSLOTS + (int)i;
            const struct cap_slot *s = &slots[t][i];
            const struct mslot *m = &model[id];
            if (s->table != &tables[t])
                mismatch("owner", op, id);
            if (!m->used) {
                if (s->cap.type != CAP_NONE || s->parent || s->first_child ||
                    s->prev_sibling || s->next_sibling)
                    mismatch("empty slot not clean", op, id);
                lowest_free = MIN(lowest_free, i);
                continue;
            }
            used++;
            if (memcmp(&s->cap, &m->cap, sizeof(s->cap)) != 0)
                mismatch("contents", op, id);
            check_links(op, id);
        }
        if (tables[t].used != used || tables[t].free_hint > lowest_free)
            mismatch("table counters", op, t);
    }
}

static void test_random(void)
{
    long failed_ops = 0, counts[4] = { 0 };
    for (int t = 0; t < TABLES; t++) {
        cap_table_init(&tables[t], slots[t], sizes[t]);
        for (int i = 0; i < MAXSLOTS; i++)
            model[t * MAXSLOTS + i].parent = -1;
    }
    for (long op = 0; op < 100000; op++) {
        int t = (int)rnd(TABLES), kind = (int)rnd(20);
        enum kerr e;
        if (kind < 4)
            e = op_insert(t), counts[0]++;
        else if (kind < 11)
            e = op_derive(t, (int)rnd(TABLES)), counts[1]++;
        else if (kind < 17)
            e = op_delete(t), counts[2]++;
        else
            e = op_lookup(t), counts[3]++;
        if (e != KERR_OK && failed_ops++ < 10)
            printf("     op %ld (kind %d): result differs from the model\n", op, kind);
        check_all(op);
        if (failed_ops || mismatches)
            break;          /* a broken tree could make later operations loop */
    }
    CHECK_EQ_U(failed_ops, 0);
    CHECK_EQ_U(mismatches, 0);
    CHECK(counts[0] > 15000 && counts[1] > 30000 && counts[2] > 25000 && counts[3] > 10000);
    uint32_t used = 0;
    for (int t = 0; t < TABLES; t++)
        used += tables[t].used;
    CHECK(used > 0);    /* the mix keeps the tables partly full */
    printf("     %ld deletes re-parented children; deepest derivation %ld\n",
           deletes_with_children, max_depth);
    CHECK(deletes_with_children > 1000 && max_depth >= 4);
}

int main(void)
{
    test_lookup_insert();
    test_derive();
    test_random();
    return check_summary("test_cap");
}
