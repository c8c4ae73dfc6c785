/* Ready queues: per-priority circular lists and a bitmap (see runqueue.h). */
#include <runqueue.h>

void rq_init(struct runqueue *rq)
{
    for (uint32_t i = 0; i < ARRAY_SIZE(rq->bitmap); i++)
        rq->bitmap[i] = 0;
    for (uint32_t p = 0; p < RQ_PRIORITIES; p++)
        rq->head[p] = NULL;
    rq->count = 0;
    rq->top = -1;
}

void rq_node_init(struct rq_node *n)
{
    n->next = n->prev = NULL;
    n->prio = 0;
}

bool rq_node_queued(const struct rq_node *n)
{
    return n->next != NULL;
}

/* Highest non-empty priority from the bitmap (-1 if none): the slow way,
 * needed only when the top queue empties. */
static int scan_top(const struct runqueue *rq)
{
    for (int w = (int)ARRAY_SIZE(rq->bitmap) - 1; w >= 0; w--)
        if (rq->bitmap[w])
            return w * 64 + 63 - __builtin_clzll(rq->bitmap[w]);
    return -1;
}

static void mark_nonempty(struct runqueue *rq, uint8_t prio)
{
    rq->bitmap[prio / 64] |= (uint64_t)1 << (prio % 64);
    if ((int)prio > rq->top)
        rq->top = prio;
}

static void mark_empty(struct runqueue *rq, uint8_t prio)
{
    rq->bitmap[prio / 64] &= ~((uint64_t)1 << (prio % 64));
    if ((int)prio == rq->top)
        rq->top = scan_top(rq);
}

/* Link n in before the head of queue prio: that is the tail of the circle. */
static void insert_before_head(struct runqueue *rq, struct rq_node *n, uint8_t prio)
{
    struct rq_node *h = rq->head[prio];

    n->prio = prio;
    if (!h) {
        n->next = n->prev = n;
        rq->head[prio] = n;
        mark_nonempty(rq, prio);
    } else {
        n->next = h;
        n->prev = h->prev;
        h->prev->next = n;
        h->prev = n;
    }
    rq->count++;
}

enum kerr rq_enqueue(struct runqueue *rq, struct rq_node *n, uint8_t prio)
{
    if (rq_node_queued(n))
        return KERR_INVAL;
    insert_before_head(rq, n, prio);
    return KERR_OK;
}

enum kerr rq_enqueue_head(struct runqueue *rq, struct rq_node *n, uint8_t prio)
{
    if (rq_node_queued(n))
        return KERR_INVAL;
    insert_before_head(rq, n, prio);
    rq->head[prio] = n;
    return KERR_OK;
}

enum kerr rq_remove(struct runqueue *rq, struct rq_node *n)
{
    if (!rq_node_queued(n))
        return KERR_INVAL;
    if (n->next == n) {
        rq->head[n->prio] = NULL;
        mark_empty(rq, n->prio);
    } else {
        n->prev->next = n->next;
        n->next->prev = n->prev;
        if (rq->head[n->prio] == n)
            rq->head[n->prio] = n->next;
    }
    n->next = n->prev = NULL;
    rq->count--;
    return KERR_OK;
}

int rq_highest_prio(const struct runqueue *rq)
{
    return rq->top; /* kept current by every insertion and removal */
}

struct rq_node *rq_highest(const struct runqueue *rq)
{
    int p = rq_highest_prio(rq);
    return p < 0 ? NULL : rq->head[p];
}

struct rq_node *rq_pop(struct runqueue *rq)
{
    struct rq_node *n = rq_highest(rq);
    if (n)
        (void)rq_remove(rq, n);
    return n;
}

void rq_rotate(struct runqueue *rq, uint8_t prio)
{
    if (rq->head[prio])
        rq->head[prio] = rq->head[prio]->next;
}
