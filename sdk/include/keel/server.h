/**
 * @file keel/server.h
 * @brief One way to write a server and its client stubs: a receive loop
 *        that dispatches requests by label to handlers, and the call that
 *        matches it.
 *
 * The protocol every SDK server speaks (names, console) and the samples
 * follow: a request is a call whose tag label names the operation, with its
 * arguments in the message words (and capabilities in typed items); the
 * answer's label is the status (0, an enum keel_error or an enum
 * keel_status), its words and items the results.  A server tells its
 * clients apart by the badge of their capability (keel_request.badge), which
 * the root task mints from their line in the system description when the
 * server's line says `badges` (docs/system.md).
 *
 * A server:
 * @code
 * static uint32_t add(struct keel_request *rq, void *ctx)
 * {
 *     rq->u->mr[0] += rq->u->mr[1];
 *     rq->reply_words = 1;
 *     return KEEL_OK;
 * }
 * static const struct keel_op ops[] = { { ADD, 2, add } };
 * int main(void) { keel_serve(keel_utcb(), KEEL_CAP_OPEN, ops, 1, NULL); }
 * @endcode
 * and its client stub:
 * @code
 * u->mr[0] = 2, u->mr[1] = 3;
 * uint32_t status = keel_client_call(u, gate, ADD, 2, 0, KEEL_TIMEOUT_NEVER);
 * @endcode
 * A client whose server died gets the kernel's KEEL_E_PARTNER, never a hang.
 */
#pragma once

#include <keel/keel.h>

/** Statuses servers answer with, beyond the kernel's enum keel_error (whose
 * codes they use too: KEEL_E_INVALID for a malformed request, KEEL_E_NOSYS
 * for an unknown operation, KEEL_E_QUOTA when out of memory). */
enum keel_status {
    KEEL_S_NOT_FOUND = 64,  /**< no such name or key */
    KEEL_S_EXISTS = 65,     /**< the name is another client's */
    KEEL_S_FULL = 66,       /**< the server's table is full */
};

/** A request as a handler sees it, and what the handler answers. */
struct keel_request {
    struct keel_utcb *u;    /**< arguments in u->mr (and u->item); results go there too */
    uint32_t op;            /**< the operation: the request's tag label */
    uint32_t words;         /**< untyped words received */
    uint32_t items;         /**< typed items received (capabilities in u->item[i].slot) */
    uint64_t badge;         /**< the client's badge, else the label of the gate it came through */
    uint32_t reply_words;   /**< handler: words of the answer in u->mr (0 at entry) */
    uint32_t reply_items;   /**< handler: typed items of the answer in u->item (0 at entry) */
    bool deferred;          /**< handler: answer nothing now (a one-way message, or the
                                 reply capability was saved to answer later) */
};

/** A handler: fills in rq's answer and returns its status. */
typedef uint32_t (*keel_handler)(struct keel_request *rq, void *ctx);

/** One operation of a server's protocol. */
struct keel_op {
    uint32_t op;            /**< the request label it handles */
    uint32_t min_words;     /**< a request with fewer words is answered KEEL_E_INVALID */
    keel_handler fn;        /**< called with the request and keel_serve()'s ctx */
};

/** Run the handler of rq's operation (KEEL_E_NOSYS if none, KEEL_E_INVALID
 * if too short); its status. */
static inline uint32_t keel_dispatch(struct keel_request *rq, const struct keel_op *ops,
                                     size_t nops, void *ctx)
{
    for (size_t i = 0; i < nops; i++) {
        if (ops[i].op == rq->op)
            return rq->words < ops[i].min_words ? (uint32_t)KEEL_E_INVALID
                                                 : ops[i].fn(rq, ctx);
    }
    return KEEL_E_NOSYS;
}

/** Handle one received message (result r of a receive) and return the tag
 * of its answer; *answer is false if there is none to send. */
static inline uint64_t keel_server_handle(struct keel_utcb *u, struct keel_ipc_result r,
                                          const struct keel_op *ops, size_t nops, void *ctx,
                                          bool *answer)
{
    struct keel_request rq = { u, KEEL_TAG_LABEL(r.tag), KEEL_TAG_WORDS(r.tag),
                               KEEL_TAG_ITEMS(r.tag), r.label, 0, 0, false };
    uint32_t status = keel_dispatch(&rq, ops, nops, ctx);
    *answer = !rq.deferred;
    return KEEL_TAG(status, rq.reply_words, rq.reply_items);
}

/**
 * Serve forever on recv_cap (KEEL_CAP_OPEN: every gate bound to the
 * calling thread): receive a request, run the handler its label names,
 * answer and wait for the next in one system call.  A request that fails in
 * the kernel (its client gave up or died) is dropped.  Set u->accept_items
 * first if requests carry capabilities.
 */
static inline _Noreturn void keel_serve(struct keel_utcb *u, uint32_t recv_cap,
                                        const struct keel_op *ops, size_t nops, void *ctx)
{
    struct keel_ipc_result r = keel_recv(u, recv_cap, KEEL_TIMEOUT_NEVER);
    for (;;) {
        bool answer;
        if (KEEL_TAG_ERROR(r.tag)) {
            r = keel_recv(u, recv_cap, KEEL_TIMEOUT_NEVER);
            continue;
        }
        uint64_t tag = keel_server_handle(u, r, ops, nops, ctx, &answer);
        r = answer ? keel_reply_wait(u, tag, recv_cap, KEEL_TIMEOUT_NEVER)
                   : keel_recv(u, recv_cap, KEEL_TIMEOUT_NEVER);
    }
}

/**
 * Call operation op of the server at cap with words of u->mr and items of
 * u->item, waiting at most timeout_us for each phase; the answer's words
 * land in u->mr (its items in u->item, if u->accept_items allows).  Returns
 * the kernel's error if the call failed (KEEL_E_PARTNER: the server died),
 * else the server's status.
 */
static inline uint32_t keel_client_call(struct keel_utcb *u, uint32_t cap, uint32_t op,
                                        uint32_t words, uint32_t items, uint32_t timeout_us)
{
    struct keel_ipc_result r = keel_call(u, cap, KEEL_TAG(op, words, items), timeout_us);
    uint32_t e = KEEL_TAG_ERROR(r.tag);
    return e ? e : KEEL_TAG_LABEL(r.tag);
}

/** Copy the string s into message words from u->mr[first], NUL-terminated
 * and zero-padded, using at most max_words words; the words used, or 0 if
 * s does not fit. */
static inline uint32_t keel_msg_put_string(struct keel_utcb *u, uint32_t first, const char *s,
                                           uint32_t max_words)
{
    size_t n = 0;
    while (s[n])
        n++;
    uint32_t words = (uint32_t)(n / sizeof(uintptr_t) + 1);
    if (words > max_words || first + words > KEEL_MSG_WORDS)
        return 0;
    char *to = (char *)&u->mr[first];
    for (size_t i = 0; i < words * sizeof(uintptr_t); i++)
        to[i] = i < n ? s[i] : 0;
    return words;
}

/** Copy a string of message words u->mr[first .. first + words) into buf
 * (size bytes, terminated); false if it is not terminated within them or
 * does not fit. */
static inline bool keel_msg_get_string(const struct keel_utcb *u, uint32_t first,
                                       uint32_t words, char *buf, size_t size)
{
    const char *from = (const char *)&u->mr[first];
    if (first + words > KEEL_MSG_WORDS)
        return false;
    for (size_t i = 0; i < words * sizeof(uintptr_t) && i < size; i++) {
        buf[i] = from[i];
        if (!from[i])
            return true;
    }
    return false;
}
