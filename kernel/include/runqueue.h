/*
 * runqueue.h - the scheduler's ready queues.
 *
 * One FIFO per priority (0 lowest .. 255 highest), a 256-bit bitmap of the
 * non-empty ones, and the highest non-empty priority kept at hand: asking
 * for it (the scheduler does on every IPC) is one load, and the bitmap is
 * searched (four word tests and one count-leading-zeros) only when the top
 * queue empties.  Every operation is O(1).  A thread embeds a
 * struct rq_node; the queues link those nodes and never allocate.
 *
 * Each queue is a circular doubly linked list reached through a pointer to
 * its head (the next to run), so enqueueing at the tail is "insert before
 * the head" and rotating is "advance the head".
 */
#pragma once

#include <types.h>

#define RQ_PRIORITIES 256

/** Embedded in a thread.  next == NULL means "not queued". */
struct rq_node {
    struct rq_node *next, *prev;
    uint8_t prio;           /**< the queue it is on (valid while queued) */
};

struct runqueue {
    uint32_t count;                         /**< nodes queued in all */
    int top;                                /**< highest non-empty priority, or -1 */
    uint64_t bitmap[RQ_PRIORITIES / 64];    /**< bit p: queue p is non-empty */
    struct rq_node *head[RQ_PRIORITIES];    /**< first of each queue, or NULL */
};

/** Make rq empty. */
void rq_init(struct runqueue *rq);
/** Mark n as not queued (once, before its first enqueue). */
void rq_node_init(struct rq_node *n);
/** True if n is on a queue. */
bool rq_node_queued(const struct rq_node *n);

/** Append n to queue prio.  KERR_INVAL if n is already queued. */
enum kerr rq_enqueue(struct runqueue *rq, struct rq_node *n, uint8_t prio);
/** Put n first on queue prio (a preempted thread keeps its turn).
 * KERR_INVAL if n is already queued. */
enum kerr rq_enqueue_head(struct runqueue *rq, struct rq_node *n, uint8_t prio);
/** Take n off its queue (which must be on rq).  KERR_INVAL if not queued. */
enum kerr rq_remove(struct runqueue *rq, struct rq_node *n);

/** Highest priority with a queued node, or -1 if rq is empty. */
int rq_highest_prio(const struct runqueue *rq);
/** First node of the highest non-empty queue, or NULL. */
struct rq_node *rq_highest(const struct runqueue *rq);
/** Remove and return rq_highest(), or NULL. */
struct rq_node *rq_pop(struct runqueue *rq);
/** Round robin: move the first node of queue prio to its tail. */
void rq_rotate(struct runqueue *rq, uint8_t prio);
