/*
 * The IPC fast path: call and reply_wait in their common case, from the
 * system-call entry of each port straight back into the partner.
 *
 * A port calls fastpath_ipc(regs) with the current thread's frame as soon
 * as it saved it, before kernel_syscall().  The fast path takes the system
 * call only when a few compares show that the general path (ipc.c, then
 * kernel_user_resume() in sched.c) would do exactly this:
 *
 *   - (the IPC system call: the port calls fastpath_ipc for no other)
 *     operation call, or reply|recv from any gate;
 *   - at most KEEL_MSG_WORDS words (beyond the registers, both threads have
 *     a UTCB); no typed items, except one memory item (map or grant, any
 *     size) in a call (see call_with_item below);
 *   - a receive timeout of "never" (nothing to arm), a partner with no
 *     deadline (nothing to cancel);
 *   - call: a gate capability with the send right, whose thread waits in an
 *     open receive (or one from that gate) and holds no unanswered call;
 *   - reply|recv: the implicit reply right's caller waits for this very
 *     reply (not an exception's), at the replier's priority or above, and no
 *     sender is queued on the replier;
 *   - the scheduler would run the partner at once: no ready thread outranks
 *     it, and the caller's time slice is not over.
 *
 * It then copies the message words, marks both threads, switches address
 * space and FP/SIMD state as kernel_user_resume() would, and returns the
 * partner's frame, which the port restores (or the caller's with the error,
 * as the general path, when the mapping of its item fails).  Anything else
 * returns NULL before touching any state: the port takes the general path.
 * Both paths must leave the very same state behind: tests/host/test_fastpath.c
 * drives random messages through both and compares.
 *
 * The partner's state, exception, deadline, receive gate and reply right
 * are tested together, as its IPC word (thread.h), and stored together
 * where the checks determined the word's value.
 */
#include <kernel.h>
#include <keel/abi.h>
#include <keel/errors.h>
#include <keel/ipc.h>
#include <keel/syscall.h>
#include <mapping.h>
#include <thread.h>

/* The ports' entries call fastpath_ipc only for selector 0 (arch.h), so
 * that no other system call pays for it. */
_Static_assert(KEEL_SYS_IPC == 0, "the port entries test the selector against 0");

#define OP_CALL KEEL_IPC_CALL
#define OP_REPLY_WAIT (KEEL_IPC_REPLY | KEEL_IPC_RECV)
#define ITEMS_BITS ((uint64_t)KEEL_TAG_ITEMS_MASK << KEEL_TAG_ITEMS_SHIFT)

/* IPC words (thread.h) the partner's checks accept: a receiver with no
 * deadline, no exception and no unanswered call, in an open receive or one
 * from a gate (then the gate's own); a caller waiting for the reply, not an
 * exception's, with no deadline (has_reply_to is not in the low half: the
 * caller may hold a call of its own). */
#define RECV_OPEN IPC_WORD(THREAD_RECV, 0, 0, 0, 0)
#define RECV_CLOSED IPC_WORD(THREAD_RECV, 0, 0, 1, 0)
#define REPLY_LOW ((uint32_t)IPC_WORD(THREAD_REPLY, 0, 0, 0, 0))

static inline __attribute__((always_inline)) uintptr_t fw(const struct arch_regs *r, uint32_t i)
{
    return arch_syscall_word(r, i);
}

static inline __attribute__((always_inline)) void fset(struct arch_regs *r, uint32_t i,
                                                       uintptr_t v)
{
    arch_syscall_set_word(r, i, v);
}

/* Words 4..words-1 of the message, UTCB to UTCB (5 to 64 words).  A port
 * may define ARCH_COPY_WORDS(to, from, n) with the ISA's own block copy
 * (x86-64: rep movsq; AArch64: ldp/stp; POWER9, RISC-V: an unrolled run,
 * for n up to ARCH_COPY_WORDS_MAX if defined); else four words a step,
 * loads before stores, which compilers turn into load and store pairs where
 * the ISA has them.  Out of line, so that the fast path keeps nothing but
 * the partner live across it; when the port's copy is itself a call
 * (ARCH_COPY_WORDS_IS_CALL), that call is made directly, without this one
 * around it. */
#ifdef ARCH_COPY_WORDS_IS_CALL
#define COPY_UTCB_WORDS_ATTR inline __attribute__((always_inline))
#else
#define COPY_UTCB_WORDS_ATTR __attribute__((noinline))
#endif
static COPY_UTCB_WORDS_ATTR void copy_utcb_words(uintptr_t *restrict to,
                                                      const uintptr_t *restrict from,
                                                      uint32_t n)
{
#ifdef ARCH_COPY_WORDS
#ifdef ARCH_COPY_WORDS_MAX
    _Static_assert(KEEL_MSG_WORDS - KEEL_MSG_REG_WORDS <= ARCH_COPY_WORDS_MAX,
                   "the port's copy takes every UTCB-only word");
#endif
    ARCH_COPY_WORDS(to, from, n);
#else
    for (; n >= 4; n -= 4, to += 4, from += 4) {
        uintptr_t a = from[0], b = from[1], c = from[2], d = from[3];
        to[0] = a;
        to[1] = b;
        to[2] = c;
        to[3] = d;
    }
    for (; n; n--)
        *to++ = *from++;
#endif
}

/* What kernel_user_resume() does for the thread p it resumes, p current. */
static inline __attribute__((always_inline)) struct arch_regs *resume(struct thread *p)
{
    struct vm_space *vs = &p->task->vm;
    if (sched.space != vs) {
        vm_activate(vs);
        sched.space = vs;
    }
    sched_fpu_resume(p);
#ifndef ARCH_FASTPATH_SETS_USER_FRAME
    arch_set_user_frame(&p->regs);  /* else the port's fast return does it */
#endif
    return &p->regs;
}

/* Message words 4..words-1 of t beyond the registers, UTCB to UTCB (both
 * have one: checked before), if there are any. */
static inline __attribute__((always_inline)) void copy_utcb(struct thread *t, struct thread *p,
                                                            uint32_t words)
{
    if (words > KEEL_MSG_REG_WORDS)
        copy_utcb_words(&p->utcb->mr[KEEL_MSG_REG_WORDS], &t->utcb->mr[KEEL_MSG_REG_WORDS],
                        words - KEEL_MSG_REG_WORDS);
}

/* Message words 0-3 from the frame regs to the frame pr, as the general path:
 * word 4+i of the registers for the message's words only, pr's own values
 * past them (docs/abi.md).  Unrolled by hand; the common sizes (none, all
 * four) without a test per word. */
static inline __attribute__((always_inline)) void
copy_reg_words(const struct arch_regs *regs, struct arch_regs *pr, uint32_t words)
{
    _Static_assert(KEEL_MSG_REG_WORDS == 4, "four message registers");
    if (!words)
        return;
    if (words >= KEEL_MSG_REG_WORDS) {
        uintptr_t a = fw(regs, 4), b = fw(regs, 5), c = fw(regs, 6), d = fw(regs, 7);
        fset(pr, 4, a);
        fset(pr, 5, b);
        fset(pr, 6, c);
        fset(pr, 7, d);
    } else {
        fset(pr, 4, fw(regs, 4));
        if (words > 1)
            fset(pr, 5, fw(regs, 5));
        if (words > 2)
            fset(pr, 6, fw(regs, 6));
    }
}

/* The end of either operation: the partner p runs (the caller blocked
 * already), once t's message words beyond the registers (words, 0 if moved
 * already) reached it.  That copy, a call, comes last: nothing but p stays
 * live across it. */
static inline __attribute__((always_inline)) struct arch_regs *
run_partner(struct thread *t, struct thread *p, uint32_t words)
{
    p->timeslice_over = false;
    sched.current = p;
    copy_utcb(t, p, words);
    return resume(p);
}

/* The end of a call of t taken by p: t waits for the reply, p runs. */
static inline __attribute__((always_inline)) struct arch_regs *
call_done(struct thread *t, struct thread *p, uint32_t words)
{
    /* p waited in a receive with nothing else pending (its IPC word was
     * RECV_OPEN or RECV_CLOSED): it runs with t's reply right. */
    p->recv_gate = NULL;
    p->reply_to = t;
    p->ipc_word = IPC_WORD(THREAD_READY, 0, 0, 0, 1);
    t->reply_from = p;
    t->ipc_ops = OP_CALL;
    t->state = THREAD_REPLY;
    return run_partner(t, p, words);
}

/*
 * A call of t (frame regs, tag) through gate capability c to p, which waits
 * for it, with one memory item: taken when the general path would check
 * the item (ipc.c, check_message: a UTCB, the grant right, map_item_check)
 * and find it acceptable, p takes it (a UTCB with a window and room for an
 * item), nothing would preempt p, and t would run on should the mapping
 * fail (no ready thread above it); else NULL, nothing touched.  The mapping
 * is map_item_move, the general path's own code; like the general path it
 * moves the words first, and when the mapping fails t learns why and runs
 * on (what it mapped before failing stays).  Out of line, so that plain
 * messages pay one test for it.
 */
static __attribute__((noinline)) struct arch_regs *
call_with_item(struct thread *t, const struct cap *c, struct thread *p, struct arch_regs *regs,
               uint64_t tag, uint64_t label)
{
    uint32_t words = KEEL_TAG_WORDS(tag);
    if (KEEL_TAG_ITEMS(tag) != 1 || !t->utcb || !(c->rights & CAP_RIGHT_GRANT) ||
        !p->utcb || !p->utcb->window_order || !p->utcb->accept_items ||
        sched.ready.top > (int)p->prio || sched.ready.top > (int)t->prio)
        return NULL;
    const struct keel_item *it = &t->utcb->item[0];
    if (map_item_check(t, it) != KEEL_OK)   /* a capability item too */
        return NULL;

    /* Committed. */
    copy_utcb(t, p, words);
    copy_reg_words(regs, &p->regs, words);
    uint32_t err = map_item_move(t, p, it, &p->utcb->item[0]);
    ARCH_PT_STORES_VISIBLE();
    if (err) {
        fset(regs, 0, keel_tag_with_error(err));
        t->ipc_ops = OP_CALL;
        return resume(t);
    }
    fset(&p->regs, 0, KEEL_TAG(KEEL_TAG_LABEL(tag), words, 1));
    fset(&p->regs, 2, label);
    return call_done(t, p, 0);
}

struct arch_regs *fastpath_ipc(struct arch_regs *regs)
{
    struct thread *t = sched.current;
    uint64_t tag = fw(regs, 0), opts = fw(regs, 3);
    uint32_t words = KEEL_TAG_WORDS(tag), ops = keel_opts_ops(opts);
    if (words > KEEL_MSG_WORDS || keel_opts_recv_timeout(opts) != KEEL_TIMEOUT_NEVER ||
        t->timeslice_over)
        return NULL;

    struct thread *p;   /* the partner, which runs next */
    uint64_t label;
    if (ops == OP_CALL) {
        const struct cap_table *caps = &t->task->caps;
        uint32_t slot = (uint32_t)fw(regs, 1);
        if (slot >= caps->size)
            return NULL;
        const struct cap *c = &caps->slots[slot].cap;
        if (c->type != CAP_GATE || !(c->rights & CAP_RIGHT_SEND))
            return NULL;
        const struct gate *g = c->object;
        p = g->receiver;
        if (!p)
            return NULL;
        uint64_t pw = p->ipc_word;  /* in a receive, open or from g, nothing else */
        if (pw != RECV_OPEN && (pw != RECV_CLOSED || p->recv_gate != g))
            return NULL;
        label = c->label ? c->label : g->label;
        if (tag & ITEMS_BITS)
            return call_with_item(t, c, p, regs, tag, label);
    } else if (ops == OP_REPLY_WAIT) {
        p = t->reply_to;
        if ((tag & ITEMS_BITS) || !p || p->ipc_word_low != REPLY_LOW || p->reply_from != t ||
            p->prio < t->prio ||
            (uint32_t)fw(regs, 2) != KEEL_CAP_OPEN || t->senders.head)
            return NULL;
        label = 0;
    } else {
        return NULL;
    }
    /* (t, running, is never in the ready queue: no test of t->rq; the
     * host tests' consistency() asserts it after every step.) */
    if (sched.ready.top > (int)p->prio ||
        (words > KEEL_MSG_REG_WORDS && (!t->utcb || !p->utcb)))
        return NULL;

    /* Committed: from here on this is the system call. */
    struct arch_regs *pr = &p->regs;
    copy_reg_words(regs, pr, words);
    fset(pr, 0, KEEL_TAG(KEEL_TAG_LABEL(tag), words, 0));
    fset(pr, 2, label);
    if (ops == OP_CALL)
        return call_done(t, p, words);
    fset(regs, 0, 0);       /* the reply's own result, as the general path */
    /* t, running, holds no deadline, no exception and (not in a receive) no
     * receive gate; it gave its reply right up and receives from any gate. */
    t->reply_to = NULL;
    t->ipc_word = RECV_OPEN;
    p->reply_from = NULL;
    p->state = THREAD_READY;    /* p waited in REPLY with nothing else pending */
    t->ipc_ops = KEEL_IPC_RECV;
    return run_partner(t, p, words);
}
