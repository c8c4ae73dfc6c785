/*
 * Host tests for the scheduler (kernel/sched.c, over kernel/runqueue.c):
 * priority order, round robin after sched_tick, preemption, the direct
 * switch of an IPC hand-off (with the ready-queue operations counted), the
 * idle loop, and random operations against a model.  Threads block and wake
 * through the real IPC path (kernel/ipc.c) where that is how it happens.
 * The fixture is tests/host/kcore.h.
 */
#include "kcore.h"

static struct task *tk[2];
static struct notification *nt;
static uint32_t ncap;   /* every thread's capability to nt (same slot in both tasks) */

static void setup(void)
{
    reset();
    tk[0] = mk_task(TASK_CAP_SLOTS);
    tk[1] = mk_task(TASK_CAP_SLOTS);
    nt = mk_notif(0x11);
    give(tk[0], CAP_NOTIFICATION, nt, CAP_RIGHTS_ALL);
    ncap = give(tk[1], CAP_NOTIFICATION, nt, CAP_RIGHTS_ALL);
}

static struct thread *thr(uint8_t prio)
{
    return mk_thread(tk[nthread % 2], prio, true);
}

/* The running thread t waits on the notification (with a timeout in us). */
static void park(struct thread *t, uint32_t timeout)
{
    sys(t, 0, 0, ncap, RECV_OPTS(timeout));
}

/* The running thread t signals the notification. */
static void signal_nt(struct thread *t)
{
    set_mr(t, 0, 1);
    sys(t, KEEL_TAG(0, 1, 0), ncap, 0, SEND_OPTS(ZERO));
}

static void test_priority_order(void)
{
    setup();
    struct thread *a1 = thr(1), *b5 = thr(5), *c3 = thr(3), *d5 = thr(5), *e255 = thr(255);
    struct thread *f0 = thr(0);
    struct thread *in[] = { a1, b5, c3, d5, e255, f0 };
    struct thread *want[] = { e255, b5, d5, c3, a1, f0 };
    for (uint32_t i = 0; i < ARRAY_SIZE(in); i++)
        started(in[i]);
    CHECK_EQ_U(consistency(), 0);
    int wrong = 0, frames = 0;
    for (uint32_t i = 0; i < ARRAY_SIZE(want); i++) {
        struct thread *t = run();
        wrong += t != want[i];
        /* its address space is active and its frame is the one to restore */
        frames += fk.as == &want[i]->task->vm.arch && fk.frame == &want[i]->regs;
        if (t == want[i])
            park(t, NEVER);
    }
    CHECK_EQ_U(wrong, 0);
    CHECK_EQ_U(frames, ARRAY_SIZE(want));
    CHECK(run() == NULL);                   /* all blocked, no timeout: stuck for good */
    CHECK_EQ_U(fk.stuck, 1);
    CHECK_EQ_U(fk.idles, 0);
    CHECK(sched_current() == NULL);
    CHECK_EQ_U(consistency(), 0);
}

static void test_round_robin(void)
{
    setup();
    struct thread *a = thr(7), *b = thr(7), *c = thr(7), *low = thr(3);
    started(a), started(b), started(c), started(low);
    CHECK(run() == a);
    CHECK(run() == a);                      /* no tick: it keeps the processor */
    sched_tick();
    CHECK(a->timeslice_over);
    CHECK(run() == b);
    CHECK(!a->timeslice_over && !b->timeslice_over);
    sched_tick();
    CHECK(run() == c);
    sched_tick();
    CHECK(run() == a);                      /* expired threads went to the tail */
    sched_tick();
    CHECK(run() == b);
    CHECK_EQ_U(consistency(), 0);
    /* Alone at its priority, a thread runs on after its slice. */
    park(b, NEVER);
    CHECK(run() == c);
    park(c, NEVER);
    CHECK(run() == a);
    sched_tick();
    CHECK(run() == a);
    CHECK(!a->timeslice_over);              /* and gets a fresh slice */
    park(a, NEVER);
    CHECK(run() == low);
    CHECK_EQ_U(consistency(), 0);
}

/* Two threads handing the processor back and forth by IPC must not keep a
 * third of their priority waiting forever: the expired slice goes along. */
static void test_slice_follows_handoff(void)
{
    setup();
    struct thread *a = thr(5), *b = thr(5), *c = thr(5);
    started(a), started(c);
    CHECK(run() == a);                      /* c waits its turn */
    sched_tick();                           /* a's slice is over ... */
    sched_block(a, THREAD_STOPPED);         /* ... as it hands over to b */
    sched_switch_to(b);
    CHECK(b->timeslice_over && !a->timeslice_over);
    CHECK(run() == c);                      /* so c runs next, not b */
    CHECK(run() == c);
    CHECK_EQ_U(consistency(), 0);
}

static void test_preemption(void)
{
    setup();
    struct thread *a = thr(5), *b = thr(5), *h = thr(9);
    started(h), started(a), started(b);
    CHECK(run() == h);
    park(h, 10);
    CHECK(run() == a);
    /* h's timeout makes it ready: it preempts a at the next resume, and a,
     * preempted rather than expired, stays first among equals. */
    timer_fires(h->deadline);
    CHECK_EQ_U(h->state, THREAD_READY);
    CHECK(sched_current() == a);            /* nothing switches before the resume */
    CHECK(run() == h);
    park(h, NEVER);
    CHECK(run() == a);
    /* The same through a direct switch: a signals h awake. */
    rqw.ops = 0;
    signal_nt(a);
    CHECK(sched_current() == h);
    CHECK_EQ_U(rqw.ops, 1);                 /* a put back, at the head */
    CHECK(run() == h);
    park(h, NEVER);
    CHECK_EQ_U(consistency(), 0);

    /* But a thread whose slice is over goes to the tail when preempted. */
    setup();
    a = thr(5), b = thr(5), h = thr(9);
    started(h), started(a), started(b);
    CHECK(run() == h);
    park(h, 10);
    CHECK(run() == a);
    sched_tick();
    timer_fires(h->deadline);
    CHECK(run() == h);
    park(h, NEVER);
    CHECK(run() == b);                      /* a's turn was over */
    CHECK_EQ_U(consistency(), 0);
}

/* A hand-off to a partner of at least the caller's priority switches to it
 * without touching the ready queue when the caller blocks. */
static void test_direct_switch(void)
{
    static const uint8_t srv_prios[] = { 10, 20, 255 };
    for (uint32_t i = 0; i < ARRAY_SIZE(srv_prios); i++) {
        setup();
        struct thread *srv = thr(srv_prios[i]), *cli = thr(10), *x = thr(10);
        struct gate *g = mk_gate(srv, 1);
        uint32_t gc = give(cli->task, CAP_GATE, g, CAP_RIGHT_SEND);
        started(srv), started(cli), started(x);
        CHECK(run() == srv);
        sys(srv, 0, 0, OPEN, RECV_OPTS(NEVER));
        CHECK(run() == cli);
        rqw.ops = 0;
        sys(cli, KEEL_TAG(1, 0, 0), gc, 0, CALL_OPTS(NEVER));
        CHECK_EQ_U(rqw.ops, 0);
        CHECK(sched_current() == srv);      /* even ahead of x, queued at 10 */
        CHECK(!rq_node_queued(&srv->rq) && !rq_node_queued(&cli->rq));
        CHECK(run() == srv);
        CHECK_EQ_U(rqw.ops, 0);
        /* The reply hands the processor back to a caller at least the
         * server's equal; a lower caller is made ready like any other, so
         * it queues behind x when the server then waits again. */
        sys(srv, KEEL_TAG(0, 0, 0), 0, OPEN, REPLY_WAIT_OPTS(NEVER));
        CHECK_EQ_U(srv->state, THREAD_RECV);
        CHECK_EQ_U(cli->state, THREAD_READY);
        CHECK(run() == (srv->prio == cli->prio ? cli : x));
        CHECK_EQ_U(consistency(), 0);
    }

    /* A lower receiver, nothing else ready: still direct. */
    setup();
    struct thread *srv = thr(5), *cli = thr(10), *x = thr(8);
    struct gate *g = mk_gate(srv, 1);
    uint32_t gc = give(cli->task, CAP_GATE, g, CAP_RIGHT_SEND);
    started(srv);
    CHECK(run() == srv);
    sys(srv, 0, 0, OPEN, RECV_OPTS(NEVER));
    started(cli);
    CHECK(run() == cli);
    rqw.ops = 0;
    sys(cli, KEEL_TAG(1, 0, 0), gc, 0, CALL_OPTS(NEVER));
    CHECK_EQ_U(rqw.ops, 0);
    CHECK(sched_current() == srv);
    /* A lower receiver while a thread between the two is ready: that one
     * runs, the receiver waits its turn. */
    sys(srv, KEEL_TAG(0, 0, 0), 0, OPEN, REPLY_WAIT_OPTS(NEVER));
    CHECK(run() == cli);
    started(x);
    rqw.ops = 0;
    sys(cli, KEEL_TAG(1, 0, 0), gc, 0, CALL_OPTS(NEVER));
    CHECK_EQ_U(rqw.ops, 1);
    CHECK(rq_node_queued(&srv->rq));
    CHECK(sched_current() == NULL);
    CHECK(run() == x);
    park(x, NEVER);
    CHECK(run() == srv);
    CHECK_EQ_U(consistency(), 0);

    /* A send that does not block the sender: a higher receiver preempts it
     * (the sender first in line); a lower one is queued behind it. */
    setup();
    struct thread *hi = thr(20), *lo = thr(5), *s = thr(10), *s2 = thr(10);
    struct gate *ghi = mk_gate(hi, 1), *glo = mk_gate(lo, 2);
    uint32_t chi = give(s->task, CAP_GATE, ghi, CAP_RIGHT_SEND);
    uint32_t clo = give(s->task, CAP_GATE, glo, CAP_RIGHT_SEND);
    started(hi), started(lo);
    CHECK(run() == hi);
    sys(hi, 0, 0, OPEN, RECV_OPTS(NEVER));
    CHECK(run() == lo);
    sys(lo, 0, 0, OPEN, RECV_OPTS(NEVER));
    started(s), started(s2);
    CHECK(run() == s);
    rqw.ops = 0;
    sys(s, KEEL_TAG(1, 0, 0), clo, 0, SEND_OPTS(NEVER));
    CHECK_EQ_U(rqw.ops, 1);
    CHECK(sched_current() == s && rq_node_queued(&lo->rq));
    CHECK(run() == s);
    rqw.ops = 0;
    sys(s, KEEL_TAG(1, 0, 0), chi, 0, SEND_OPTS(NEVER));
    CHECK_EQ_U(rqw.ops, 1);
    CHECK(sched_current() == hi);
    CHECK(run() == hi);
    park(hi, NEVER);
    CHECK(run() == s);                      /* ahead of s2 */
    CHECK_EQ_U(consistency(), 0);
}

static void test_no_duplicates(void)
{
    setup();
    struct thread *a = thr(4), *b = thr(4);
    started(a);
    CHECK(run() == a);
    sched_ready(a);                         /* the running thread is not queued */
    CHECK(!rq_node_queued(&a->rq));
    started(b);
    sched_ready(b);                         /* nor is anyone twice */
    CHECK_EQ_U(consistency(), 0);
    sched_tick();
    CHECK(run() == b);
    sched_tick();
    CHECK(run() == a);
    sched_tick();
    CHECK(run() == b);
    park(b, NEVER);
    CHECK(run() == a);
    park(a, NEVER);
    CHECK(run() == NULL);
    /* Blocking a queued thread takes it off the queue. */
    setup();
    a = thr(4), b = thr(4);
    started(a), started(b);
    sched_block(a, THREAD_STOPPED);
    CHECK(!rq_node_queued(&a->rq));
    CHECK(run() == b);
    park(b, NEVER);
    CHECK(run() == NULL);
    CHECK_EQ_U(consistency(), 0);
}

static void test_idle(void)
{
    setup();
    struct thread *a = thr(4), *b = thr(6);
    started(a), started(b);
    CHECK(run() == b);
    park(b, 30);
    CHECK(run() == a);
    park(a, 20);
    fk.idle_expires = true;
    CHECK(run() == a);                      /* the earlier deadline */
    CHECK_EQ_U(err(a), KEEL_E_TIMEOUT);
    CHECK_EQ_U(fk.now, T0 + 201);
    CHECK_EQ_U(fk.idles, 1);
    park(a, NEVER);
    CHECK(run() == b);
    CHECK_EQ_U(fk.now, T0 + 301);
    CHECK_EQ_U(fk.idles, 2);
    CHECK_EQ_U(fk.stuck, 0);                /* waiting for a deadline is not stuck */
    park(b, NEVER);
    CHECK(run() == NULL);
    CHECK_EQ_U(fk.stuck, 1);
    CHECK_EQ_U(fk.idles, 2);
    CHECK_EQ_U(consistency(), 0);
}

/* ---- random operations against a model ---- */

#define RN 8

static uint64_t rng = 0x13198a2e03707344ull;

static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (uint32_t)(rng % n);
}

/* The model: a thread is ready or not; ready ones other than the running
 * one are ordered by (priority, key), key from a counter that grows at the
 * tail and shrinks at the head. */
static struct {
    bool ready, queued, expired;
    long key;
} s_[RN];
static int mcur = -1;
static long head_key, tail_key;

static void m_queue(int i, bool at_head)
{
    s_[i].queued = true;
    s_[i].key = at_head ? --head_key : ++tail_key;
}

static int m_top(void)
{
    int best = -1;
    for (int i = 0; i < RN; i++)
        if (s_[i].queued && (best < 0 || threads[i].prio > threads[best].prio ||
                             (threads[i].prio == threads[best].prio && s_[i].key < s_[best].key)))
            best = i;
    return best;
}

static int m_prio(int i)
{
    return i < 0 ? -1 : threads[i].prio;
}

static int m_run(void)
{
    int top = m_top();
    if (mcur >= 0 && s_[mcur].ready) {
        if (m_prio(top) < threads[mcur].prio ||
            (m_prio(top) == threads[mcur].prio && !s_[mcur].expired))
            return s_[mcur].expired = false, mcur;
        m_queue(mcur, !s_[mcur].expired && m_prio(top) > threads[mcur].prio);
    }
    if (mcur >= 0)
        s_[mcur].expired = false;
    mcur = top;
    if (top >= 0)
        s_[top].queued = false, s_[top].expired = false;
    return top;
}

static void test_random(void)
{
    enum { STEPS = 100000 };
    setup();
    for (int i = 0; i < RN; i++)
        thr((uint8_t)(rnd(4) * 3));    /* priorities 0, 3, 6, 9: many equals */
    memset(s_, 0, sizeof(s_));
    mcur = -1;
    int wrong = 0, inconsistent = 0, switches = 0;
    for (int step = 0; step < STEPS; step++) {
        int i = (int)rnd(RN);
        struct thread *t = &threads[i];
        switch (rnd(6)) {
        case 0: /* a blocked thread becomes ready (started, or woken) */
            if (!s_[i].ready) {
                sched_ready(t);
                s_[i].ready = true;
                if (i != mcur)
                    m_queue(i, false);
            }
            break;
        case 1: /* a thread blocks (stopped, or waits) */
            if (s_[i].ready) {
                sched_block(t, THREAD_STOPPED);
                s_[i].ready = s_[i].queued = false;
            }
            break;
        case 2: /* an IPC hand-off to a blocked thread */
            if (!s_[i].ready) {
                sched_switch_to(t);
                switches++;
                s_[i].ready = true;
                /* A direct switch hands an expired slice on to t. */
                if (mcur >= 0 && mcur != i && s_[mcur].ready) {
                    if (t->prio < threads[mcur].prio) {
                        m_queue(i, false);
                    } else {
                        m_queue(mcur, !s_[mcur].expired);
                        s_[i].expired = s_[mcur].expired;
                        s_[mcur].expired = false;
                        mcur = i;
                    }
                } else if (m_prio(m_top()) > t->prio) {
                    m_queue(i, false);
                    mcur = -1;
                } else {
                    if (mcur != i) {
                        s_[i].expired = mcur >= 0 && s_[mcur].expired;
                        if (mcur >= 0)
                            s_[mcur].expired = false;
                    }
                    mcur = i;
                }
            }
            break;
        case 3:
            sched_tick();
            if (mcur >= 0)
                s_[mcur].expired = true;
            break;
        default: {
            struct thread *r = run();
            int want = m_run();
            wrong += (r ? (int)(r - threads) : -1) != want;
        }
        }
        wrong += (sched_current() ? (int)(sched_current() - threads) : -1) != mcur;
        for (int k = 0; k < RN; k++)
            wrong += rq_node_queued(&threads[k].rq) != s_[k].queued;
        inconsistent += consistency() != 0;
        if (wrong + inconsistent > 20)
            break;
    }
    CHECK_EQ_U(wrong, 0);
    CHECK_EQ_U(inconsistent, 0);
    CHECK(switches > STEPS / 50);
}

/* Stopping or killing a thread of the root task asks the loader whether the
 * root task can still run; other tasks' threads and plain blocking do not. */
static void test_root_stops(void)
{
    setup();
    tk[0]->is_root = true;
    struct thread *r = mk_thread(tk[0], 5, true), *o = mk_thread(tk[1], 5, true);
    started(r), started(o);
    sched_block(o, THREAD_STOPPED);
    CHECK_EQ_U(fk.root_stops, 0);
    CHECK(run() == r);
    park(r, NEVER);
    CHECK_EQ_U(fk.root_stops, 0);
    sched_block(r, THREAD_STOPPED);
    CHECK_EQ_U(fk.root_stops, 1);
    sched_block(r, THREAD_DEAD);
    CHECK_EQ_U(fk.root_stops, 2);
    tk[0]->is_root = false;
}

/* The running thread t uses the FP unit, as the hardware would let it:
 * with access off it traps first (kernel_fpu_trap), and the resume after
 * the trap turns access on.  Returns the register's value before v. */
static uint64_t fpu_use(struct thread *t, uint64_t v)
{
    CHECK(fk.fpu_on_for == &t->regs);
    if (!fk.fpu_on) {
        kernel_fpu_trap(&t->regs);
        CHECK(run() == t);
        CHECK(fk.fpu_on && fk.fpu_on_for == &t->regs);
    }
    uint64_t old = fk.fpu_reg;
    fk.fpu_reg = v;
    return old;
}

/* Lazy FP switching (sched_fpu_resume, kernel_fpu_trap): a switch moves no
 * register and resumes the thread with access off unless it owns them;
 * its first use traps and takes them over, storing the owner's; each
 * thread gets back its own values; a thread that trapped is loaded eagerly
 * on its next FPU_EAGER_RESUMES switches, then lazily again; a thread that
 * never uses FP costs nothing; a dead owner's registers are dropped, not
 * stored into its (possibly freed) page. */
static void test_fpu_follows_thread(void)
{
    setup();
    struct thread *a = started(thr(5)), *b = started(thr(5));
    CHECK(run() == a);
    CHECK(!fk.fpu_on);                      /* nobody owns them yet */
    CHECK_EQ_U(fpu_use(a, 111), 0);         /* a computes: its own zero first */
    CHECK(sched.fpu_owner == a);
    int saves = fk.fpu_saves, loads = fk.fpu_loads;
    CHECK(run() == a);                      /* a again: nothing moves */
    CHECK(fk.fpu_on);
    CHECK_EQ_U(fk.fpu_saves - saves, 0);
    CHECK_EQ_U(fk.fpu_loads - loads, 0);
    sched_tick();
    CHECK(run() == b);                      /* lazily: a's stay, b may not use them */
    CHECK(!fk.fpu_on);
    CHECK_EQ_U(fk.fpu_loads - loads, 0);
    CHECK_EQ_U(fpu_use(b, 222), 0);         /* b traps and starts from its own state */
    CHECK_EQ_U(a->fpu.reg, 111);
    CHECK(sched.fpu_owner == b);

    /* Both trapped: each is loaded eagerly for FPU_EAGER_RESUMES switches. */
    struct thread *want = a, *other = b;
    for (uint32_t i = 0; i < 2 * FPU_EAGER_RESUMES; i++) {
        sched_tick();
        CHECK(run() == want);
        CHECK(fk.fpu_on);                   /* no trap */
        CHECK_EQ_U(fpu_use(want, want == a ? 111 : 222), want == a ? 111 : 222);
        CHECK_EQ_U(other->fpu.reg, want == a ? 222 : 111);
        struct thread *x = want;
        want = other;
        other = x;
    }
    sched_tick();                           /* a's eager loads are spent */
    CHECK(run() == a && !fk.fpu_on && sched.fpu_owner == b);
    sched_tick();
    CHECK(run() == b && fk.fpu_on);         /* b still owns them */
    CHECK_EQ_U(b->fpu_eager, 0);

    /* A thread that never uses FP moves nothing. */
    struct thread *c = started(thr(5));
    saves = fk.fpu_saves, loads = fk.fpu_loads;
    for (uint32_t i = 0; i < 3; i++) {
        sched_tick();
        struct thread *r = run();
        if (r == c)
            CHECK(!fk.fpu_on);
    }
    CHECK_EQ_U(fk.fpu_saves - saves, 0);
    CHECK_EQ_U(fk.fpu_loads - loads, 0);

    /* The owner dies: nothing stored into it, the next user loads its own. */
    while (run() != a)
        sched_tick();
    fpu_use(a, 333);
    CHECK(sched.fpu_owner == a);
    saves = fk.fpu_saves;
    sched_block(a, THREAD_DEAD);
    CHECK(sched.fpu_owner == NULL);
    struct thread *r = run();
    CHECK(r == b || r == c);
    CHECK_EQ_U(fpu_use(r, 444), r == b ? 222 : 0);
    CHECK_EQ_U(fk.fpu_saves - saves, 0);    /* the dead owner is not stored */
    CHECK_EQ_U(a->fpu.reg, 111);
}

int main(void)
{
    hang_guard(60);
    test_priority_order();
    test_round_robin();
    test_slice_follows_handoff();
    test_preemption();
    test_direct_switch();
    test_no_duplicates();
    test_idle();
    test_root_stops();
    test_fpu_follows_thread();
    test_random();
    reset();
    return check_summary("test_sched");
}
