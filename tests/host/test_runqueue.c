/* Host tests for kernel/runqueue.c (and the __clzdi2 fallback it may need on
 * the kernel side): directed cases, then 10^5 random operations compared
 * against a model of plain arrays after every step. */
#include <runqueue.h>
#include "check.h"

int __clzdi2(uint64_t x);

#define NODES 64

static struct rq_node nodes[NODES];
static struct runqueue rq;

/* Model: queue contents as arrays of node numbers, first = next to run. */
static int mq[RQ_PRIORITIES][NODES];
static int mlen[RQ_PRIORITIES];
static int mprio[NODES];        /* -1: not queued */
static unsigned long long rng = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (uint32_t)(rng % n);
}

static int id(const struct rq_node *n)
{
    return n ? (int)(n - nodes) : -1;
}

static void test_clz(void)
{
    int bad = 0;
    CHECK_EQ_U(__clzdi2(0), 64);
    for (int b = 0; b < 64; b++) {
        uint64_t x = (uint64_t)1 << b;
        bad += __clzdi2(x) != 63 - b;
        bad += __clzdi2(x | (x - 1)) != 63 - b;
        bad += __clzdi2(x | (rng & (x - 1))) != 63 - b;
        rnd(2);
    }
    CHECK_EQ_U(bad, 0);
}

static void test_directed(void)
{
    struct rq_node a, b, c, d;
    rq_init(&rq);
    rq_node_init(&a), rq_node_init(&b), rq_node_init(&c), rq_node_init(&d);

    CHECK(rq_highest(&rq) == NULL && rq_pop(&rq) == NULL);
    CHECK_EQ_U(rq_highest_prio(&rq), -1);
    rq_rotate(&rq, 7);                                   /* empty: no-op */
    CHECK_EQ_U(rq_remove(&rq, &a), KERR_INVAL);

    CHECK_EQ_U(rq_enqueue(&rq, &a, 0), KERR_OK);
    CHECK_EQ_U(rq_highest_prio(&rq), 0);
    CHECK_EQ_U(rq_enqueue(&rq, &a, 5), KERR_INVAL);      /* already queued */
    CHECK_EQ_U(rq_enqueue_head(&rq, &a, 5), KERR_INVAL);
    CHECK_EQ_U(rq_enqueue(&rq, &b, 255), KERR_OK);
    CHECK_EQ_U(rq_enqueue(&rq, &c, 255), KERR_OK);
    CHECK_EQ_U(rq_enqueue_head(&rq, &d, 255), KERR_OK);
    CHECK_EQ_U(rq.count, 4);
    CHECK_EQ_U(rq_highest_prio(&rq), 255);
    CHECK(rq_highest(&rq) == &d);
    rq_rotate(&rq, 255);                                 /* d b c -> b c d */
    CHECK(rq_pop(&rq) == &b && rq_pop(&rq) == &c);
    CHECK(rq_highest(&rq) == &d);
    CHECK_EQ_U(rq_remove(&rq, &d), KERR_OK);
    CHECK(!rq_node_queued(&d));
    CHECK_EQ_U(rq_highest_prio(&rq), 0);
    CHECK(rq_pop(&rq) == &a && rq_pop(&rq) == NULL);
    CHECK_EQ_U(rq.count, 0);

    /* One node per word boundary: the bitmap scan finds each in turn. */
    static const uint8_t prios[] = { 0, 1, 63, 64, 65, 127, 128, 191, 192, 254, 255 };
    struct rq_node n[ARRAY_SIZE(prios)];
    for (size_t i = 0; i < ARRAY_SIZE(prios); i++) {
        rq_node_init(&n[i]);
        CHECK_EQ_U(rq_enqueue(&rq, &n[i], prios[i]), KERR_OK);
    }
    for (size_t i = ARRAY_SIZE(prios); i-- > 0;) {
        CHECK_EQ_U(rq_highest_prio(&rq), prios[i]);
        CHECK(rq_pop(&rq) == &n[i]);
    }
    CHECK_EQ_U(rq_highest_prio(&rq), -1);
}

/* ---- randomized comparison against the model ---- */

static uint8_t random_prio(void)
{
    static const uint8_t hot[] = { 0, 1, 63, 64, 100, 127, 128, 192, 254, 255 };
    return rnd(4) == 0 ? (uint8_t)rnd(256) : hot[rnd(ARRAY_SIZE(hot))];
}

static void model_insert(int n, int p, bool at_head)
{
    if (at_head) {
        memmove(&mq[p][1], &mq[p][0], sizeof(int) * (size_t)mlen[p]);
        mq[p][0] = n;
    } else {
        mq[p][mlen[p]] = n;
    }
    mlen[p]++;
    mprio[n] = p;
}

static void model_remove(int n)
{
    int p = mprio[n], i = 0;
    while (mq[p][i] != n)
        i++;
    memmove(&mq[p][i], &mq[p][i + 1], sizeof(int) * (size_t)(mlen[p] - i - 1));
    mlen[p]--;
    mprio[n] = -1;
}

static int model_highest(void)
{
    for (int p = RQ_PRIORITIES - 1; p >= 0; p--)
        if (mlen[p])
            return p;
    return -1;
}

static void model_rotate(int p)
{
    if (mlen[p] > 1) {
        int first = mq[p][0];
        memmove(&mq[p][0], &mq[p][1], sizeof(int) * (size_t)(mlen[p] - 1));
        mq[p][mlen[p] - 1] = first;
    }
}

/* One random operation on both; false if the results differ. */
static bool random_op(void)
{
    int n = (int)rnd(NODES), kind = (int)rnd(6);
    uint8_t p = random_prio();
    enum kerr want = mprio[n] < 0 ? KERR_OK : KERR_INVAL;

    switch (kind) {
    case 0:
    case 1:
        if (rq_enqueue(&rq, &nodes[n], p) != want)
            return false;
        if (want == KERR_OK)
            model_insert(n, p, false);
        return true;
    case 2:
        if (rq_enqueue_head(&rq, &nodes[n], p) != want)
            return false;
        if (want == KERR_OK)
            model_insert(n, p, true);
        return true;
    case 3:
        if (rq_remove(&rq, &nodes[n]) != (want == KERR_OK ? KERR_INVAL : KERR_OK))
            return false;
        if (want != KERR_OK)
            model_remove(n);
        return true;
    case 4: {
        int h = model_highest(), got = id(rq_pop(&rq));
        if (got != (h < 0 ? -1 : mq[h][0]))
            return false;
        if (got >= 0)
            model_remove(got);
        return true;
    }
    default:
        if (rnd(2) && model_highest() >= 0)
            p = (uint8_t)model_highest();
        rq_rotate(&rq, p);
        model_rotate(p);
        return true;
    }
}

/* Whole-state comparison: bitmap, count, every queue in both directions. */
static bool same_state(void)
{
    int total = 0;
    for (int p = 0; p < RQ_PRIORITIES; p++) {
        bool bit = rq.bitmap[p / 64] >> (p % 64) & 1;
        if (bit != (mlen[p] > 0) || (rq.head[p] == NULL) != (mlen[p] == 0))
            return false;
        const struct rq_node *c = rq.head[p];
        for (int i = 0; i < mlen[p]; i++, c = c->next)
            if (id(c) != mq[p][i] || c->prio != p || c->next->prev != c)
                return false;
        if (mlen[p] && c != rq.head[p])
            return false;       /* the circle closes exactly */
        total += mlen[p];
    }
    for (int n = 0; n < NODES; n++)
        if (rq_node_queued(&nodes[n]) != (mprio[n] >= 0))
            return false;
    int h = model_highest();
    return rq.count == (uint32_t)total && rq_highest_prio(&rq) == h &&
           id(rq_highest(&rq)) == (h < 0 ? -1 : mq[h][0]);
}

static void test_random(void)
{
    long failures = 0, max_queued = 0;
    rq_init(&rq);
    for (int n = 0; n < NODES; n++) {
        rq_node_init(&nodes[n]);
        mprio[n] = -1;
    }
    for (long op = 0; op < 100000 && !failures; op++) {
        if (!random_op() || !same_state()) {
            printf("     op %ld: runqueue differs from the model\n", op);
            failures++;
        }
        max_queued = MAX(max_queued, (long)rq.count);
    }
    CHECK_EQ_U(failures, 0);
    CHECK(max_queued > NODES / 2);
}

int main(void)
{
    test_clz();
    test_directed();
    test_random();
    return check_summary("test_runqueue");
}
