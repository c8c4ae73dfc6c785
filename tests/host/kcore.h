/*
 * Fixture for host tests of the kernel core's IPC path and scheduler
 * (kernel/ipc.c, sched.c, timeout.c, linked as they are): the arch hooks
 * those files call, a stub kobj_invoke (the dispatcher, invoke.c, pulls in
 * the object files, kmem, vm and the loader), pools of tasks, threads, gates and notifications built by hand,
 * and a way to play the machine:
 *
 *   run()          asks kernel_user_resume() which thread runs next (NULL
 *                  when the processor would idle: fk.idles counts idling
 *                  with a timeout pending, fk.stuck idling with none);
 *   sys(t, ...)    makes t, which must be running, issue the IPC system
 *                  call with the given words, as the trap path would.
 *
 * The ready queue's operations are counted through the linker's --wrap
 * (tools/configure.py, HOST_TEST_LDFLAGS), so a test can tell a direct
 * switch from one that went through the queue, and consistency() can walk
 * the very queue the scheduler uses.
 */
#pragma once

#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/time.h>
#include <unistd.h>
#include <keel/errors.h>
#include <keel/ipc.h>
#include <keel/kobj.h>
#include <thread.h>
#include <ticker.h>
#include "check.h"

#define KC static __attribute__((unused))

/* ---- the fake port ---- */

static struct {
    uint64_t now, hz;
    uint64_t wake;          /* earliest deadline asked for with timer_wake_at; 0 none */
    int wakes;              /* timer_wake_at calls */
    bool idle_expires;      /* idling lets the timer fire at wake */
    int idles;              /* arch_wait_for_interrupt calls */
    int stuck;              /* kernel_stuck calls: idle with nothing to wake */
    int root_stops;         /* root_thread_stopped calls */
    const struct arch_aspace *as;   /* last activated */
    struct arch_regs *frame;        /* last arch_set_user_frame */
    uint64_t fpu_reg;               /* the CPU's one FP register */
    int fpu_saves, fpu_loads;       /* arch_fpu_switch stores and loads */
    bool fpu_on;                    /* arch_fpu_access: the resumed thread may use it */
    const struct arch_regs *fpu_on_for; /* the frame it was last said for */
    bool map_model;                 /* memory items: the model below, not refused */
    int map_moves;                  /* map_item_move calls (the model) */
    uint64_t map_trace;             /* what they moved, hashed */
} fk;
static jmp_buf idle_jmp;

uint64_t arch_counter_read(void) { return fk.now; }
uint64_t arch_counter_hz(void) { return fk.hz; }
void arch_aspace_activate(const struct arch_aspace *as) { fk.as = as; }
uint32_t arch_tag_bits(void) { return 12; }
void arch_aspace_set_tag(struct arch_aspace *as, uint32_t tag) { (void)as, (void)tag; }
void arch_set_user_frame(struct arch_regs *regs) { fk.frame = regs; }
void arch_fpu_state_init(struct arch_fpu *fpu) { fpu->reg = 0; }

void arch_fpu_switch(struct arch_fpu *save, const struct arch_fpu *load)
{
    if (save) {
        save->reg = fk.fpu_reg;
        fk.fpu_saves++;
    }
    fk.fpu_reg = load->reg;
    fk.fpu_loads++;
}

void arch_fpu_access(struct arch_regs *regs, bool on)
{
    fk.fpu_on = on;
    fk.fpu_on_for = regs;
}

/* Where arch_regs_set_entry (arch.h, the frame as data) last made t's frame
 * resume: the host frame's entry register (arch_port.h), 0 if never. */
KC uintptr_t entered_at(const struct thread *t)
{
    return t->regs.r[ARCH_REGS_ENTRY_OFFSET / sizeof(uint64_t)];
}

void timer_wake_at(uint64_t deadline)
{
    fk.wakes++;
    if (!fk.wake || deadline < fk.wake)
        fk.wake = deadline;
}

/* The timer interrupt at now: what kernel_timer_interrupt does for timeouts. */
KC uint64_t timer_fires(uint64_t now)
{
    fk.now = now;
    fk.wake = timeout_expire(now);
    return fk.wake;
}

void arch_wait_for_interrupt(void)
{
    fk.idles++;
    if (fk.idle_expires && fk.wake) {
        timer_fires(fk.now > fk.wake ? fk.now : fk.wake);
        return;
    }
    longjmp(idle_jmp, 1); /* nothing would ever wake the machine: run() says NULL */
}

/* The kernel's verdict on an idle processor with no timeout to wait for:
 * run() says NULL. */
void kernel_stuck(void)
{
    fk.stuck++;
    longjmp(idle_jmp, 1);
}

/* The loader's check that the root task still has a thread that can run. */
void root_thread_stopped(const struct thread *t)
{
    fk.root_stops++;
}

/* kobj_invoke stand-in: records the invocation and answers one word; a
 * thread saving its own reply right (KEEL_THREAD_SAVE_REPLY) is served. */
static struct {
    int calls;
    struct thread *t;
    struct cap cap;
    uint64_t tag;
} kinv;

void kobj_invoke(struct thread *t, const struct cap *cap, uint64_t tag)
{
    if (cap->type == CAP_THREAD && cap->object == t &&
        KEEL_TAG_LABEL(tag) == KEEL_THREAD_SAVE_REPLY) { /* as invoke.c does it */
        uint32_t slot = (uint32_t)t->regs.r[4], e = ipc_save_reply(t, &slot);
        arch_syscall_set_word(&t->regs, 0, KEEL_TAG(0, e ? 0 : 1, 0) | (uint64_t)e << 16);
        arch_syscall_set_word(&t->regs, 4, e ? 0 : slot);
        return;
    }
    kinv.calls++;
    kinv.t = t;
    kinv.cap = *cap;
    kinv.tag = tag;
    arch_syscall_set_word(&t->regs, 0, KEEL_TAG(0, 1, 0));
    arch_syscall_set_word(&t->regs, 4, 0xc0ffee);
}

/* Memory delegation (kernel/mapping.c) is not part of these tests (host
 * tests of the mapping database: test_mdb.c): ipc.c's calls into it see a
 * memory item refused, unless fk.map_model: then a model that depends on
 * the item only.  The item's check is the kernel's own (map_item_check,
 * inline in mapping.h) but for a grant's look at the sender's mappings:
 * map_grant_check accepts a grant unless bit 19 of its base is set.
 * map_item_move writes *out, records the move in fk and fails by bits 14-16
 * of the base (1 KEEL_E_QUOTA, 2 KEEL_E_WINDOW, 3 KEEL_E_INVALID, else
 * success), so the IPC paths see every outcome.  map_item_deliver is the
 * two, as in mapping.c. */
uint32_t map_grant_check(const struct thread *src, const struct keel_item *it)
{
    return fk.map_model && !(it->base >> 19 & 1) ? KEEL_OK : KEEL_E_INVALID;
}

uint32_t map_item_move(struct thread *src, struct thread *dst, const struct keel_item *it,
                       struct keel_item *out)
{
    if (!fk.map_model)
        return KEEL_E_INVALID;
    fk.map_moves++;
    fk.map_trace = fk.map_trace * 31 + (uintptr_t)src * 7 + (uintptr_t)dst +
                   it->base + it->order + it->type;
    *out = (struct keel_item){ .type = it->type, .rights = it->rights, .order = it->order,
                               .base = dst->utcb ? dst->utcb->window_base : 0 };
    static const uint32_t errs[8] = { KEEL_OK, KEEL_E_QUOTA, KEEL_E_WINDOW, KEEL_E_INVALID };
    return errs[(it->base >> 14) & 7];
}

uint32_t map_item_deliver(struct thread *src, struct thread *dst, const struct keel_item *it,
                          struct keel_item *out)
{
    uint32_t err = map_item_check(src, it);
    return err ? err : map_item_move(src, dst, it, out);
}

uint32_t map_items_resolve_fault(struct thread *t, struct thread *c, uint32_t items)
{
    return KEEL_E_INVALID;
}

/* irq.c is not under test here: invoking an IRQ capability answers
 * KEEL_E_NOSYS, and no line is ever bound. */
bool irq_lines_bound(void)
{
    return false;
}

void irq_invoke(struct thread *t, const struct cap *cap, uint64_t tag)
{
    arch_syscall_set_word(&t->regs, 0, (uint64_t)KEEL_E_NOSYS << 16);
}

/* ---- ready-queue operations, counted (-Wl,--wrap=...) ---- */

enum kerr __real_rq_enqueue(struct runqueue *rq, struct rq_node *n, uint8_t prio);
enum kerr __real_rq_enqueue_head(struct runqueue *rq, struct rq_node *n, uint8_t prio);
enum kerr __real_rq_remove(struct runqueue *rq, struct rq_node *n);
struct rq_node *__real_rq_pop(struct runqueue *rq);
enum kerr __wrap_rq_enqueue(struct runqueue *rq, struct rq_node *n, uint8_t prio);
enum kerr __wrap_rq_enqueue_head(struct runqueue *rq, struct rq_node *n, uint8_t prio);
enum kerr __wrap_rq_remove(struct runqueue *rq, struct rq_node *n);
struct rq_node *__wrap_rq_pop(struct runqueue *rq);

static struct {
    int ops;                /* enqueues and removals (a pop that finds nothing is none) */
    struct runqueue *rq;    /* the scheduler's queue, once seen */
    uintptr_t low_frame;    /* deepest stack frame an enqueue ran in (0: none yet) */
} rqw;

enum kerr __wrap_rq_enqueue(struct runqueue *rq, struct rq_node *n, uint8_t prio)
{
    uintptr_t frame = (uintptr_t)__builtin_frame_address(0);
    if (!rqw.low_frame || frame < rqw.low_frame)
        rqw.low_frame = frame;  /* how deep the kernel's stack went (it grows down) */
    rqw.ops++, rqw.rq = rq;
    return __real_rq_enqueue(rq, n, prio);
}

enum kerr __wrap_rq_enqueue_head(struct runqueue *rq, struct rq_node *n, uint8_t prio)
{
    rqw.ops++, rqw.rq = rq;
    return __real_rq_enqueue_head(rq, n, prio);
}

enum kerr __wrap_rq_remove(struct runqueue *rq, struct rq_node *n)
{
    rqw.ops++, rqw.rq = rq;
    return __real_rq_remove(rq, n);
}

struct rq_node *__wrap_rq_pop(struct runqueue *rq)
{
    struct rq_node *n = __real_rq_pop(rq);
    rqw.rq = rq;
    rqw.ops += n != NULL;
    return n;
}

/* ---- object pools ---- */

#define NTASK 4
#define NTHREAD 256
#define NGATE 256
#define NNOTIF 4
#define HZ 10000000u            /* 10 MHz: 10 ticks per microsecond */
#define T0 1000000u             /* the counter when a test starts */

static struct task tasks[NTASK];
static struct cap_slot slots[NTASK][TASK_CAP_SLOTS];
static struct thread threads[NTHREAD];
static struct keel_utcb utcbs[NTHREAD];
static struct gate gates[NGATE];
static struct notification notifs[NNOTIF];
static int ntask, nthread, ngate, nnotif;

KC struct task *mk_task(uint32_t nslots)
{
    if (ntask == NTASK || nslots > TASK_CAP_SLOTS)
        abort();
    struct task *tk = &tasks[ntask];
    cap_table_init(&tk->caps, slots[ntask], nslots);
    tk->vm.arch.root = 0x1000u * (uint64_t)++ntask;
    return tk;
}

/* A new inactive thread of tk at prio, with a UTCB if utcb. */
KC struct thread *mk_thread(struct task *tk, uint8_t prio, bool utcb)
{
    if (nthread == NTHREAD)
        abort();
    struct thread *t = &threads[nthread];
    t->task = tk;
    t->prio = prio;
    t->state = THREAD_INACTIVE;
    rq_node_init(&t->rq);
    t->utcb = utcb ? &utcbs[nthread] : NULL;
    nthread++;
    return t;
}

KC struct thread *started(struct thread *t)
{
    sched_ready(t);
    return t;
}

KC struct gate *mk_gate(struct thread *receiver, uint64_t label)
{
    if (ngate == NGATE)
        abort();
    struct gate *g = &gates[ngate++];
    g->receiver = receiver;
    g->label = label;
    g->next_bound = receiver->gates;
    receiver->gates = g;
    return g;
}

KC struct notification *mk_notif(uint64_t label)
{
    if (nnotif == NNOTIF)
        abort();
    struct notification *n = &notifs[nnotif++];
    n->label = label;
    return n;
}

/* A capability to obj in tk's lowest free slot; the slot. */
KC uint32_t give(struct task *tk, enum cap_type type, void *obj, uint32_t rights)
{
    struct cap c = { .object = obj, .type = type, .rights = rights };
    uint32_t slot = CAP_SLOT_ANY;
    if (cap_insert(&tk->caps, &slot, &c) != KERR_OK)
        abort();
    return slot;
}

/* ---- playing the machine ---- */

KC struct thread *thread_of_regs(struct arch_regs *regs)
{
    return (struct thread *)((char *)regs - offsetof(struct thread, regs));
}

/* Who the kernel resumes next; NULL if it would idle with nothing to wake it. */
KC struct thread *run(void)
{
    if (setjmp(idle_jmp))
        return NULL;
    return thread_of_regs(kernel_user_resume());
}

KC uintptr_t w(const struct thread *t, uint32_t i)
{
    return t->regs.r[i];
}

KC uint32_t err(const struct thread *t)
{
    return KEEL_TAG_ERROR(t->regs.r[0]);
}

/* Message word i of what t sends next (registers 4-7, then its UTCB). */
KC void set_mr(struct thread *t, uint32_t i, uintptr_t v)
{
    if (i < KEEL_MSG_REG_WORDS)
        t->regs.r[4 + i] = v;
    else
        t->utcb->mr[i] = v;
}

/* Message word i of what t received. */
KC uintptr_t mr(const struct thread *t, uint32_t i)
{
    return i < KEEL_MSG_REG_WORDS ? t->regs.r[4 + i] : t->utcb->mr[i];
}

/* t, which must be the running thread, makes the IPC system call. */
KC void sys(struct thread *t, uint64_t tag, uint32_t send_cap, uint32_t recv_cap, uint64_t opts)
{
    if (sched_current() != t || t->state != THREAD_READY) {
        check_one(0, "sys() by the running thread", __FILE__, __LINE__);
        printf("     thread %d is not running\n", (int)(t - threads));
    }
    t->regs.r[0] = tag;
    t->regs.r[1] = send_cap;
    t->regs.r[2] = recv_cap;
    t->regs.r[3] = opts;
    ipc_syscall(t);
}

#define NEVER KEEL_TIMEOUT_NEVER
#define ZERO KEEL_TIMEOUT_ZERO
#define OPTS(ops, s, r) KEEL_IPC_OPTS(ops, s, r)
#define SEND_OPTS(to) OPTS(KEEL_IPC_SEND, to, 0)
#define RECV_OPTS(to) OPTS(KEEL_IPC_RECV, 0, to)
#define CALL_OPTS(to) OPTS(KEEL_IPC_CALL, to, to)
#define REPLY_WAIT_OPTS(to) OPTS(KEEL_IPC_REPLY | KEEL_IPC_RECV, ZERO, to)
#define OPEN KEEL_CAP_OPEN

/* Everything back to nothing: no thread, no timeout, an idle processor. */
KC void reset(void)
{
    for (int i = 0; i < nthread; i++) {
        timeout_cancel(&threads[i]);
        waitq_remove(&threads[i]);
        sched_block(&threads[i], THREAD_DEAD);
    }
    fk.idle_expires = false;
    if (run() != NULL || sched_current() != NULL)
        abort();
    memset(tasks, 0, sizeof(tasks));
    memset(slots, 0, sizeof(slots));
    memset(threads, 0, sizeof(threads));
    memset(utcbs, 0, sizeof(utcbs));
    memset(gates, 0, sizeof(gates));
    memset(notifs, 0, sizeof(notifs));
    ntask = nthread = ngate = nnotif = 0;
    memset(&fk, 0, sizeof(fk));
    memset(&kinv, 0, sizeof(kinv));
    fk.hz = HZ;
    fk.now = T0;
    rqw.ops = 0;
}

/* A kernel loop that never ends (timeout_expire on a thread that waits
 * for nothing, say) fails the test instead of hanging the suite. */
static void hung(int sig)
{
    static const char cpu[] = "FAIL: the test hung (a kernel loop that never ends?)\n";
    static const char wall[] = "FAIL: the test hung (blocked, using no processor time)\n";
    const char *msg = sig == SIGPROF ? cpu : wall;
    size_t len = sig == SIGPROF ? sizeof(cpu) - 1 : sizeof(wall) - 1;
    if (write(1, msg, len) < 0)
        _exit(2);
    _exit(1);
}

/* Guard against a hang: fail after seconds of processor time (the test's
 * own, user and system: a loop that never ends uses it up however slow the
 * host is, and a host loaded many times over, which stretches wall time,
 * does not), or after HANG_WALL_FACTOR times as many seconds of wall time (a
 * test blocked in a system call, which uses none). */
#define HANG_WALL_FACTOR 20u

KC void hang_guard(unsigned seconds)
{
    setvbuf(stdout, NULL, _IOLBF, 0); /* what was printed survives _exit */
    signal(SIGPROF, hung);
    signal(SIGALRM, hung);
    struct itimerval cpu = { .it_value = { .tv_sec = seconds } };
    if (setitimer(ITIMER_PROF, &cpu, NULL) != 0)
        abort();
    alarm(seconds * HANG_WALL_FACTOR);
}

/* ---- structural invariants ---- */

static int bad_count;

static void bad(const char *what, int thread)
{
    if (bad_count++ < 5)
        printf("     inconsistent: %s (thread %d)\n", what, thread);
}

static int index_of(const struct thread *t)
{
    return t >= threads && t < threads + nthread ? (int)(t - threads) : -1;
}

/*
 * Check every link the kernel keeps about the pool's threads; the number of
 * violations.  No thread is lost (READY but neither running nor queued) or
 * duplicated (on two queues, twice on one); blocked threads are on exactly
 * the wait queue their state names; only blocked threads hold deadlines;
 * reply links pair up; every IPC word agrees with its fields (thread.h).
 */
KC int consistency(void)
{
    int in_rq[NTHREAD] = { 0 }, in_wq[NTHREAD] = { 0 };
    struct thread *cur = sched_current();
    bad_count = 0;
    if (cur && index_of(cur) < 0)
        bad("current is not a thread of the pool", -1);
    if (rqw.rq) {
        uint32_t n = 0;
        for (int p = 0; p < RQ_PRIORITIES; p++) {
            struct rq_node *h = rqw.rq->head[p], *x = h;
            bool marked = (rqw.rq->bitmap[p / 64] >> (p % 64)) & 1;
            if (marked != (h != NULL))
                bad("bitmap disagrees with the queue", -1);
            if (!h)
                continue;
            do {
                struct thread *t = (struct thread *)((char *)x - offsetof(struct thread, rq));
                int i = index_of(t);
                if (i < 0 || n > RQ_PRIORITIES * 4) {
                    bad("ready queue holds a stranger", -1);
                    return bad_count;
                }
                n++;
                if (in_rq[i]++)
                    bad("thread twice in the ready queue", i);
                if (x->prio != p || t->prio != p)
                    bad("queued at another priority", i);
                if (x->next->prev != x)
                    bad("ready queue links", i);
                x = x->next;
            } while (x != h);
        }
        if (n != rqw.rq->count)
            bad("ready queue count", -1);
    }
    for (int r = 0; r < nthread; r++) {
        struct thread *prev = NULL;
        for (struct thread *s = threads[r].senders.head; s; prev = s, s = s->q_next) {
            int i = index_of(s);
            if (i < 0)
                return bad("sender queue holds a stranger", r), bad_count;
            if (in_wq[i]++)
                bad("thread twice in wait queues", i);
            if (s->queue != &threads[r].senders || s->q_prev != prev)
                bad("sender queue links", i);
            if (s->state != THREAD_SEND || !s->send_gate || s->send_gate->receiver != &threads[r])
                bad("queued sender not sending to this receiver", i);
            if (!s->q_next && threads[r].senders.tail != s)
                bad("sender queue tail", r);
        }
    }
    for (int r = 0; r < nthread; r++) {
        struct thread *prev = NULL;
        for (struct thread *s = threads[r].callers.head; s; prev = s, s = s->q_next) {
            int i = index_of(s);
            if (i < 0)
                return bad("callers queue holds a stranger", r), bad_count;
            if (in_wq[i]++)
                bad("thread twice in wait queues", i);
            if (s->queue != &threads[r].callers || s->q_prev != prev)
                bad("callers queue links", i);
            if (s->state != THREAD_REPLY || s->reply_from != &threads[r])
                bad("saved caller not waiting for this thread's reply", i);
            if (threads[r].reply_to == s)
                bad("saved caller also the implicit reply right", i);
            if (!s->q_next && threads[r].callers.tail != s)
                bad("callers queue tail", r);
        }
    }
    for (int k = 0; k < nnotif; k++) {
        struct thread *prev = NULL;
        for (struct thread *s = notifs[k].waiters.head; s; prev = s, s = s->q_next) {
            int i = index_of(s);
            if (i < 0)
                return bad("waiter queue holds a stranger", -1), bad_count;
            if (in_wq[i]++)
                bad("thread twice in wait queues", i);
            if (s->queue != &notifs[k].waiters || s->q_prev != prev)
                bad("waiter queue links", i);
            if (s->state != THREAD_NOTIFY || s->recv_notif != &notifs[k])
                bad("queued waiter not waiting on this notification", i);
            if (!s->q_next && notifs[k].waiters.tail != s)
                bad("waiter queue tail", -1);
        }
    }
    for (int i = 0; i < nthread; i++) {
        struct thread *t = &threads[i];
        bool queued = rq_node_queued(&t->rq);
        if (queued != (in_rq[i] > 0))
            bad("queued flag without being on the queue", i);
        if (t->state == THREAD_READY && !queued && t != cur)
            bad("ready thread lost: neither running nor queued", i);
        if (t->state == THREAD_READY && queued && t == cur)
            bad("running thread also queued", i);
        if (t->state != THREAD_READY && queued)
            bad("blocked thread in the ready queue", i);
        bool waits = t->state == THREAD_SEND || t->state == THREAD_NOTIFY;
        bool saved = t->state == THREAD_REPLY && t->queue; /* on its server's callers */
        if ((waits || saved) != (in_wq[i] == 1) || (!waits && !saved && t->queue))
            bad("wait queue membership does not match the state", i);
        bool blocked = waits || t->state == THREAD_RECV || t->state == THREAD_REPLY;
        if (t->deadline && !blocked)
            bad("deadline on a thread that does not wait", i);
        if (t->state == THREAD_REPLY && !t->reply_from)
            bad("waits for a reply from no one", i);
        if (t->reply_to && (t->reply_to->state != THREAD_REPLY || t->reply_to->reply_from != t ||
                            t->reply_to->queue))
            bad("reply right to a thread that does not wait for it", i);
        if (t->state == THREAD_RECV && t->recv_gate && t->recv_gate->receiver != t)
            bad("receives from a gate not bound to it", i);
        if (!thread_ipc_word_ok(t))
            bad("IPC word disagrees with the fields it mirrors", i);
        if (t == cur && t->state == THREAD_READY && (t->ipc_word_low & ~(uint32_t)0xff))
            bad("running thread with an exception, a deadline or a receive gate", i);
    }
    return bad_count;
}
