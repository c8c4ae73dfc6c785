/*
 * The IPC primitive.  One system call with a send phase and a receive
 * phase: send, receive (from a gate or open), call (send, then wait for the
 * reply through an implicit one-shot reply right), reply_wait, and signal
 * and wait on notifications.  The message is the tag and message words 0-3
 * in registers plus words 4-63 in the UTCB; typed items move capabilities.
 *
 * A blocked sender keeps its message in its own registers and UTCB, which
 * the kernel owns: the copy happens once, when the receiver arrives.
 *
 * Replies.  The thread that receives a call holds an implicit right to
 * answer it (reply_to); it may move that right into a reply capability
 * (ipc_save_reply) to answer several callers in any order.  A caller is
 * always findable from that thread: through reply_to, or on its callers
 * queue once its right was saved, so the thread's death fails them all.
 *
 * No path here recurses: a chain of threads blocked in send+receive, each
 * taking the next one's message, is completed by a loop (complete_sends).
 */
#include <irq.h>
#include <kernel.h>
#include <keelbase/string.h>
#include <keel/abi.h>
#include <keel/errors.h>
#include <keel/kobj.h>
#include <thread.h>
#include <ticker.h>

#define TAG_OK(label, words, items) KEEL_TAG(label, words, items)
#define OPS_MASK (KEEL_IPC_SEND | KEEL_IPC_RECV | KEEL_IPC_CALL | KEEL_IPC_REPLY)
#define US_PER_S 1000000u

enum phase { DONE, BLOCKED, FAILED };

/* ---- small helpers ---- */

static uintptr_t word(const struct thread *t, uint32_t i)
{
    return arch_syscall_word(&t->regs, i);
}

static void set_word(struct thread *t, uint32_t i, uintptr_t v)
{
    arch_syscall_set_word(&t->regs, i, v);
}

static void set_error(struct thread *t, uint32_t err)
{
    set_word(t, 0, keel_tag_with_error(err));
}

static uint32_t send_timeout(const struct thread *t)
{
    return keel_opts_send_timeout(word(t, 3));
}

static uint32_t recv_timeout(const struct thread *t)
{
    return keel_opts_recv_timeout(word(t, 3));
}

void waitq_push(struct waitq *q, struct thread *t)
{
    t->queue = q;
    t->q_next = NULL;
    t->q_prev = q->tail;
    if (q->tail)
        q->tail->q_next = t;
    else
        q->head = t;
    q->tail = t;
}

void waitq_remove(struct thread *t)
{
    struct waitq *q = t->queue;
    if (!q)
        return;
    if (t->q_prev)
        t->q_prev->q_next = t->q_next;
    else
        q->head = t->q_next;
    if (t->q_next)
        t->q_next->q_prev = t->q_prev;
    else
        q->tail = t->q_prev;
    t->queue = NULL;
    t->q_next = t->q_prev = NULL;
}

/* Block t as why, with a relative timeout in microseconds (never: none). */
static void block(struct thread *t, enum thread_state why, uint32_t timeout_us)
{
    sched_block(t, why);
    if (timeout_us != KEEL_TIMEOUT_NEVER) {
        uint64_t ticks = (uint64_t)timeout_us * arch_counter_hz() / US_PER_S;
        timeout_arm(t, arch_counter_read() + ticks + 1);
    }
}

/* ---- message transfer ---- */

/* The tag and register words a thread sends: its syscall words, or the
 * exception message the kernel composed for it. */
static uint64_t msg_tag(const struct thread *t)
{
    return t->in_exception ? t->exc_msg[0] : word(t, 0);
}

static uintptr_t msg_word(const struct thread *t, uint32_t i)
{
    if (t->in_exception)
        return i < KEEL_EXC_WORDS ? t->exc_msg[1 + i] : 0;
    if (i < KEEL_MSG_REG_WORDS)
        return word(t, 4 + i);
    /* check_message() refuses words beyond the registers without a UTCB;
     * this keeps a missed check from reading through NULL. */
    return t->utcb ? t->utcb->mr[i] : 0;
}

/* Message words 0-3 of src to dst's registers, the message's own only: the
 * registers past it keep dst's values (docs/abi.md: undefined to the
 * receiver), so no thread sees another's data past a message's length. */
static void copy_register_words(const struct thread *src, struct thread *dst, uint32_t words)
{
    for (uint32_t i = 0; i < KEEL_MSG_REG_WORDS; i++)  /* a fixed count: unrolled */
        if (i < words)
            set_word(dst, 4 + i, msg_word(src, i));
}

/* Check what src is about to send, before anything moves. */
static uint32_t check_message(const struct thread *src, uint64_t tag, bool may_grant)
{
    uint32_t words = KEEL_TAG_WORDS(tag), items = KEEL_TAG_ITEMS(tag);
    if (words > KEEL_MSG_WORDS)
        return KEEL_E_TOO_LONG;
    if (src->in_exception)
        return KEEL_OK;
    if ((words > KEEL_MSG_REG_WORDS || items) && !src->utcb)
        return KEEL_E_INVALID;
    if (items > KEEL_MSG_ITEMS)
        return KEEL_E_INVALID;
    if (items && !may_grant)
        return KEEL_E_RIGHTS;
    for (uint32_t i = 0; i < items; i++) {
        struct cap c;
        if (src->utcb->item[i].type != KEEL_ITEM_CAP) {
            uint32_t err = map_item_check(src, &src->utcb->item[i]);
            if (err)
                return err;
            continue;
        }
        enum kerr e = cap_lookup(&src->task->caps, src->utcb->item[i].slot, CAP_TYPE_ANY, 0, &c);
        if (e || c.type == CAP_REPLY)   /* a reply capability is not copied */
            return KEEL_E_CAP;
        if (src->utcb->item[i].rights & ~c.rights)
            return KEEL_E_RIGHTS;
    }
    return KEEL_OK;
}

/* True if src's message carries a map or grant item. */
static bool has_memory_items(const struct thread *src, uint32_t items)
{
    for (uint32_t i = 0; i < items; i++)
        if (src->utcb->item[i].type != KEEL_ITEM_CAP)
            return true;
    return false;
}

/* Move one typed item of src to dst's item[out]. */
static uint32_t transfer_item(struct thread *src, struct thread *dst, const struct keel_item *it,
                              uint32_t out)
{
    struct keel_item *to = &dst->utcb->item[out];
    if (it->type != KEEL_ITEM_CAP)
        return map_item_deliver(src, dst, it, to);
    uint32_t slot = CAP_SLOT_ANY;
    if (cap_copy(&src->task->caps, it->slot, &dst->task->caps, &slot, it->rights))
        return KEEL_E_QUOTA;    /* the receiver's table is full */
    to->type = KEEL_ITEM_CAP;
    to->slot = slot;
    to->rights = it->rights;
    to->order = 0;
    to->base = 0;
    return KEEL_OK;
}

/* Move src's message to dst, which learns label (word 2: the sender's badge,
 * or the label of the gate or notification).  Copied capabilities keep
 * their badges.  Items beyond what dst accepts are dropped (its tag says how
 * many arrived); so are capabilities its table has no room for.  A memory
 * item for a receiver without a receive window fails the transfer
 * (KEEL_E_WINDOW) before anything moves; one that runs out of quota
 * half-way fails it after (the pages mapped stay). */
static uint32_t transfer(struct thread *src, struct thread *dst, uint64_t label)
{
    uint64_t tag = msg_tag(src);
    uint32_t words = KEEL_TAG_WORDS(tag), items = KEEL_TAG_ITEMS(tag);
    if (words > KEEL_MSG_REG_WORDS && !dst->utcb)
        return KEEL_E_TOO_LONG;
    if (items && !src->in_exception && has_memory_items(src, items) &&
        (!dst->utcb || !dst->utcb->window_order))
        return KEEL_E_WINDOW;
    copy_register_words(src, dst, words);
    if (words > KEEL_MSG_REG_WORDS && !src->in_exception)
        memcpy(&dst->utcb->mr[KEEL_MSG_REG_WORDS], &src->utcb->mr[KEEL_MSG_REG_WORDS],
               (words - KEEL_MSG_REG_WORDS) * sizeof(uintptr_t));
    else
        for (uint32_t i = KEEL_MSG_REG_WORDS; i < words; i++)
            dst->utcb->mr[i] = msg_word(src, i);

    uint32_t accept = dst->utcb ? MIN(dst->utcb->accept_items, (uint32_t)KEEL_MSG_ITEMS) : 0;
    uint32_t moved = 0;
    for (uint32_t i = 0; i < items && moved < accept; i++) {
        const struct keel_item *it = &src->utcb->item[i];
        uint32_t err = transfer_item(src, dst, it, moved);
        if (err == KEEL_E_QUOTA && it->type == KEEL_ITEM_CAP)
            break;
        if (err)
            return err;
        moved++;
    }
    set_word(dst, 0, TAG_OK(KEEL_TAG_LABEL(tag), words, moved));
    set_word(dst, 2, label);
    return KEEL_OK;
}

/* ---- completing phases ---- */

static enum phase receive_step(struct thread *t, struct thread **sender);

/* Caller s waits for r's reply, through r's implicit reply right.  A right r
 * still holds, unsaved, is replaced: its caller is told (KEEL_E_PARTNER),
 * since no one could answer it any more. */
static void await_reply(struct thread *s, struct thread *r)
{
    if (r->reply_to)
        ipc_abort(r->reply_to, KEEL_E_PARTNER);
    s->reply_from = r;
    thread_set_reply_to(r, s);
    block(s, THREAD_REPLY, s->in_exception ? KEEL_TIMEOUT_NEVER : recv_timeout(s));
}

/*
 * Receiver r took sender s's message: s now waits for the reply (call), or
 * is done, or goes on to its own receive phase, which may take the message
 * of a sender queued on s, which may go on to its receive phase in turn...
 * A loop, not recursion: user space can build such a chain of any length.
 */
static void complete_sends(struct thread *s, struct thread *r)
{
    while (s) {
        struct thread *next = NULL;
        timeout_cancel(s);
        s->send_gate = NULL;
        if (s->ipc_ops & KEEL_IPC_CALL) {
            await_reply(s, r);
            return;
        }
        set_word(s, 0, TAG_OK(0, 0, 0));
        s->ipc_ops &= ~KEEL_IPC_SEND;
        if (!(s->ipc_ops & KEEL_IPC_RECV) || receive_step(s, &next) != BLOCKED)
            sched_ready(s);
        r = s;
        s = next;
    }
}

void ipc_abort(struct thread *t, uint32_t err)
{
    switch (t->state) {
    case THREAD_SEND:
    case THREAD_NOTIFY:
        waitq_remove(t);
        t->send_gate = NULL;
        t->recv_notif = NULL;
        break;
    case THREAD_RECV:
        thread_set_recv_gate(t, NULL);
        break;
    case THREAD_REPLY:
        waitq_remove(t);        /* off its server's callers, if its right was saved */
        if (t->reply_from && t->reply_from->reply_to == t)
            thread_set_reply_to(t->reply_from, NULL);
        t->reply_from = NULL;
        break;
    default:
        return;
    }
    timeout_cancel(t);
    if (t->in_exception) { /* its handler failed it: the thread stays stopped */
        t->in_exception = false;
        sched_block(t, THREAD_STOPPED);
        return;
    }
    set_error(t, err);
    sched_ready(t);
}

/* ---- send phase ---- */

static bool accepts(const struct thread *r, const struct gate *g)
{
    return r->state == THREAD_RECV && (!r->recv_gate || r->recv_gate == g);
}

/* Send t's message through gate g (capability rights in rights); the
 * receiver learns badge (the capability's badge, or else g's label). */
static enum phase send_gate(struct thread *t, struct gate *g, uint32_t rights, uint64_t badge)
{
    struct thread *r = g->receiver;
    if (!r)
        return set_error(t, KEEL_E_PARTNER), FAILED;
    if (r == t) /* t would wait for itself, forever */
        return set_error(t, KEEL_E_DEADLOCK), FAILED;
    uint32_t err = check_message(t, msg_tag(t), rights & CAP_RIGHT_GRANT);
    if (err)
        return set_error(t, err), FAILED;
    if (accepts(r, g)) {
        if ((err = transfer(t, r, badge)))
            return set_error(t, err), FAILED;
        timeout_cancel(r);
        thread_set_recv_gate(r, NULL);
        if (t->ipc_ops & KEEL_IPC_CALL)
            await_reply(t, r);          /* t now waits for the reply */
        else
            set_word(t, 0, TAG_OK(0, 0, 0));
        sched_switch_to(r);
        return t->state == THREAD_READY ? DONE : BLOCKED;
    }
    uint32_t timeout = t->in_exception ? KEEL_TIMEOUT_NEVER : send_timeout(t);
    if (timeout == KEEL_TIMEOUT_ZERO)
        return set_error(t, KEEL_E_TIMEOUT), FAILED;
    t->send_gate = g;
    t->send_badge = badge;
    waitq_push(&r->senders, t);
    block(t, THREAD_SEND, timeout);
    return BLOCKED;
}

/* Set bits on n; the waiter they wake, if any, gets them and is returned,
 * not yet run. */
static struct thread *deliver(struct notification *n, uintptr_t bits)
{
    n->bits |= bits;
    struct thread *w = n->waiters.head;
    if (!w || !n->bits)
        return NULL;
    waitq_remove(w);
    timeout_cancel(w);
    w->recv_notif = NULL;
    set_word(w, 4, n->bits);
    set_word(w, 0, TAG_OK(0, 1, 0));
    set_word(w, 2, n->label);
    n->bits = 0;
    return w;
}

static void signal(struct notification *n, uintptr_t bits)
{
    struct thread *w = deliver(n, bits);
    if (w)
        sched_switch_to(w);
}

void notification_signal_irq(struct notification *n, uintptr_t bits)
{
    struct thread *w = deliver(n, bits);
    if (w)
        sched_ready(w);
}

static enum phase reply_cap_send(struct thread *t, uint32_t slot, const struct cap *c);

/* What the receiver of a message sent through gate capability c learns:
 * its badge, or the gate's label if it has none. */
static inline uint64_t gate_badge(const struct cap *c)
{
    return c->label ? c->label : ((const struct gate *)c->object)->label;
}

static enum phase send_phase(struct thread *t)
{
    struct cap c;
    enum kerr e = cap_lookup(&t->task->caps, (uint32_t)word(t, 1), CAP_TYPE_ANY,
                             CAP_RIGHT_SEND, &c);
    if (e)
        return set_error(t, cap_lookup_error(e)), FAILED;
    switch (c.type) {
    case CAP_GATE:
        return send_gate(t, c.object, c.rights, gate_badge(&c));
    case CAP_NOTIFICATION:
        if (t->ipc_ops & KEEL_IPC_CALL)
            return set_error(t, KEEL_E_INVALID), FAILED;
        signal(c.object, word(t, 4));
        set_word(t, 0, TAG_OK(0, 0, 0));
        return DONE;
    case CAP_REPLY:
        return reply_cap_send(t, (uint32_t)word(t, 1), &c);
    case CAP_TASK:
    case CAP_THREAD:
    case CAP_FACTORY:
        kobj_invoke(t, &c, word(t, 0));
        return t->state == THREAD_READY ? DONE : BLOCKED;
    case CAP_IRQ_CONTROL:
    case CAP_IRQ:
        irq_invoke(t, &c, word(t, 0));
        return DONE;
    default:
        return set_error(t, KEEL_E_CAP), FAILED;
    }
}

/* Apply handler t's "resume" reply to the faulted thread c: word 0 a new
 * entry, word 1 a new stack, words 2 and up its argument registers. */
static void resume_after_exception(struct thread *t, struct thread *c)
{
    uint32_t words = KEEL_TAG_WORDS(word(t, 0));
    if (words > 0 && msg_word(t, 0))
        arch_regs_set_entry(&c->regs, msg_word(t, 0));
    if (words > 1 && msg_word(t, 1))
        arch_regs_set_sp(&c->regs, msg_word(t, 1));
    for (uint32_t i = 2; i < words && i - 2 < SYSCALL_WORDS && i < KEEL_MSG_WORDS; i++)
        arch_syscall_set_word(&c->regs, i - 2, msg_word(t, i));
}

/* Handler t's verdict on c's exception or exit (err: t's reply is
 * malformed).  An exited thread stays stopped whatever the reply says; so
 * does a faulted one, unless the reply is a well-formed "resume". */
static enum phase answer_exception(struct thread *t, struct thread *c, uint32_t err)
{
    c->in_exception = false;
    bool exited = KEEL_TAG_LABEL(c->exc_msg[0]) == KEEL_LABEL_EXIT;
    if (err || exited || KEEL_TAG_LABEL(word(t, 0)) != KEEL_EXC_RESUME) {
        sched_block(c, THREAD_STOPPED);
        return err ? (set_error(t, err), FAILED) : DONE;
    }
    uint32_t items = KEEL_TAG_ITEMS(word(t, 0));
    if (items && (err = map_items_resolve_fault(t, c, items))) {
        sched_block(c, THREAD_STOPPED);     /* the pager could not resolve it */
        return set_error(t, err), FAILED;
    }
    resume_after_exception(t, c);
    sched_switch_to(c);
    return DONE;
}

/* t answers c, which waits for this very reply (it used the right).
 * Inlined in its two callers: 18 guest instructions per general-path round
 * trip (./keel bench, 64 words). */
static inline __attribute__((always_inline)) enum phase
answer(struct thread *t, struct thread *c)
{
    uint32_t err = check_message(t, word(t, 0), true);
    if (c->queue)
        waitq_remove(c);        /* off the callers queue: its right was saved */
    c->reply_from = NULL;
    timeout_cancel(c);
    if (c->in_exception)
        return answer_exception(t, c, err);
    if (!err)
        err = transfer(t, c, 0);
    if (err) {
        set_error(c, err);
        sched_ready(c);
        return set_error(t, err), FAILED;
    }
    if (t->ipc_ops & KEEL_IPC_RECV)
        sched_hand_over(c);     /* t goes on to receive: no need to queue it */
    else
        sched_switch_to(c);
    return DONE;
}

static enum phase reply_phase(struct thread *t)
{
    struct thread *c = t->reply_to;
    if (!c)
        return set_error(t, KEEL_E_CAP), FAILED;   /* no one to answer */
    thread_set_reply_to(t, NULL);
    if (c->state != THREAD_REPLY || c->reply_from != t)
        return set_error(t, KEEL_E_PARTNER), FAILED;
    return answer(t, c);
}

/* ---- reply capabilities ---- */

/* The caller reply capability c answers, or NULL if that call is over: the
 * caller gave up or died, and perhaps calls again (a new call gets a new
 * stamp, so an old capability never answers it). */
static struct thread *reply_cap_caller(const struct cap *c)
{
    struct thread *caller = c->object;
    /* A thread waiting for a reply is queued only on the callers of the
     * thread that saved its right. */
    bool waits = caller->state == THREAD_REPLY && caller->queue;
    return waits && caller->call_seq == c->label ? caller : NULL;
}

/* A send through reply capability c (in t's slot): the answer to its call.
 * The capability is used up, whatever comes of it. */
static enum phase reply_cap_send(struct thread *t, uint32_t slot, const struct cap *c)
{
    if (t->ipc_ops & KEEL_IPC_CALL)
        return set_error(t, KEEL_E_INVALID), FAILED;  /* a reply waits for nothing */
    struct thread *caller = reply_cap_caller(c);
    (void)cap_delete(&t->task->caps, slot);
    if (!caller)
        return set_error(t, KEEL_E_PARTNER), FAILED;
    enum phase p = answer(t, caller);
    if (p == DONE)
        set_word(t, 0, TAG_OK(0, 0, 0));
    return p;
}

uint32_t ipc_save_reply(struct thread *t, uint32_t *slot)
{
    struct thread *c = t->reply_to;
    if (!c)
        return KEEL_E_CAP;      /* no call to answer, as for a reply */
    struct cap cap = { .object = c, .label = c->call_seq + 1, .type = CAP_REPLY,
                       .rights = CAP_RIGHT_SEND | CAP_RIGHT_GRANT };
    uint32_t to = *slot == KEEL_CAP_OPEN ? CAP_SLOT_ANY : *slot;
    enum kerr e = cap_insert(&t->task->caps, &to, &cap);
    if (e)
        return e == KERR_NOMEM ? KEEL_E_QUOTA : KEEL_E_INVALID;
    c->call_seq++;
    thread_set_reply_to(t, NULL);
    waitq_push(&t->callers, c);
    *slot = to;
    return KEEL_OK;
}

void ipc_reply_cap_deleted(const struct cap *c)
{
    struct thread *caller = reply_cap_caller(c);
    if (caller)
        ipc_abort(caller, KEEL_E_PARTNER);
}

void ipc_release(struct thread *t)
{
    while (t->senders.head)
        ipc_abort(t->senders.head, KEEL_E_PARTNER);
    if (t->reply_to)
        ipc_abort(t->reply_to, KEEL_E_PARTNER);
    thread_set_reply_to(t, NULL);
    while (t->callers.head)
        ipc_abort(t->callers.head, KEEL_E_PARTNER);
}

/* ---- receive phase ---- */

static enum phase receive_notification(struct thread *t, struct notification *n)
{
    if (n->bits) {
        set_word(t, 4, n->bits);
        set_word(t, 0, TAG_OK(0, 1, 0));
        set_word(t, 2, n->label);
        n->bits = 0;
        return DONE;
    }
    if (recv_timeout(t) == KEEL_TIMEOUT_ZERO)
        return set_error(t, KEEL_E_TIMEOUT), FAILED;
    t->recv_notif = n;
    waitq_push(&n->waiters, t);
    block(t, THREAD_NOTIFY, recv_timeout(t));
    return BLOCKED;
}

/* t's receive phase up to taking a message.  When it took a queued
 * sender's, *sender is that thread, whose send the caller completes. */
static enum phase receive_step(struct thread *t, struct thread **sender)
{
    uint32_t slot = (uint32_t)word(t, 2);
    struct gate *only = NULL;
    if (slot != KEEL_CAP_OPEN) {
        struct cap c;
        enum kerr e = cap_lookup(&t->task->caps, slot, CAP_TYPE_ANY, CAP_RIGHT_RECV, &c);
        if (e)
            return set_error(t, cap_lookup_error(e)), FAILED;
        if (c.type == CAP_NOTIFICATION)
            return receive_notification(t, c.object);
        if (c.type != CAP_GATE || ((struct gate *)c.object)->receiver != t)
            return set_error(t, KEEL_E_CAP), FAILED; /* not a gate bound to t */
        only = c.object;
    }
    for (struct thread *s = t->senders.head; s; s = s->q_next) {
        if (only && s->send_gate != only)
            continue;
        waitq_remove(s);
        uint32_t err = transfer(s, t, s->send_badge);
        if (err) { /* the sender's message does not fit: it learns why (a
                    * faulting thread stays stopped, as with no handler) */
            ipc_abort(s, err);
            return set_error(t, err), FAILED;
        }
        *sender = s;
        return DONE;
    }
    if (recv_timeout(t) == KEEL_TIMEOUT_ZERO)
        return set_error(t, KEEL_E_TIMEOUT), FAILED;
    thread_set_recv_gate(t, only);
    block(t, THREAD_RECV, recv_timeout(t));
    return BLOCKED;
}

static enum phase receive_phase(struct thread *t)
{
    struct thread *s = NULL;
    enum phase p = receive_step(t, &s);
    if (s)
        complete_sends(s, t);
    return p;
}

/* ---- the system call ---- */

void ipc_syscall(struct thread *t)
{
    uint32_t ops = keel_opts_ops(word(t, 3));
    bool call = ops & KEEL_IPC_CALL;
    if (!ops || (ops & ~OPS_MASK) ||
        (call && (ops & (KEEL_IPC_RECV | KEEL_IPC_REPLY))) ||
        ((ops & KEEL_IPC_REPLY) && (ops & KEEL_IPC_SEND))) {
        set_error(t, KEEL_E_INVALID);
        return;
    }
    t->ipc_ops = ops;
    enum phase p = DONE;
    if (ops & KEEL_IPC_REPLY) {
        p = reply_phase(t);
        if (p == DONE)
            set_word(t, 0, TAG_OK(0, 0, 0)); /* a reply on its own reports success */
    } else if (ops & (KEEL_IPC_SEND | KEEL_IPC_CALL))
        p = send_phase(t);
    if (p != DONE || call || !(ops & KEEL_IPC_RECV))
        return;
    t->ipc_ops &= ~(KEEL_IPC_SEND | KEEL_IPC_REPLY);
    if (receive_phase(t) != BLOCKED)
        sched_ready(t); /* after a hand-over it may be neither current nor queued */
}

bool ipc_exception(struct thread *t, const uint64_t *msg)
{
    struct gate *g = t->handler;
    if (!g || !g->receiver)
        return false;
    for (uint32_t i = 0; i <= KEEL_EXC_WORDS; i++)
        t->exc_msg[i] = msg[i];
    uintptr_t w0 = word(t, 0);
    t->in_exception = true;
    t->ipc_ops = KEEL_IPC_CALL;
    if (send_gate(t, g, 0, g->label) != FAILED)
        return true;
    /* Not delivered (the handler cannot take the message): the caller stops
     * t, whose frame stays the fault's and whose next IPC is its own. */
    t->in_exception = false;
    set_word(t, 0, w0);
    return false;
}
