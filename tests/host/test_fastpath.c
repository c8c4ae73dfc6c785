/*
 * Host test of the IPC fast path (kernel/fastpath.c) against the general
 * path it must agree with (kernel/ipc.c, then kernel_user_resume()).
 *
 * A random world of tasks, threads (with and without UTCBs, at a few
 * priorities), gates and capabilities of every kind and rights plays random
 * system calls: calls and reply_waits mostly, with random tags (0 to 127
 * words, items, stray error bits), capability slots, receive slots and
 * timeouts, plus the other operations, time slices running out and timers
 * firing.  Before each system call the whole kernel state is saved; then
 *   - the fast path runs; if it declines, nothing at all may have changed,
 *     and the general path runs on that same state;
 *   - if it takes the call, its result (the thread resumed and every byte of
 *     kernel state) is kept, the state is put back, the general path runs
 *     the same call, and both results must be identical.
 * Memory items (map and grant) go through kcore.h's model of mapping.c
 * (fk.map_model: accepted or refused by their fields, moved with success or
 * each error), so that both paths meet every outcome of a mapping; the
 * mapping itself is the same code on both (map_item_move).
 * After every step kcore.h's consistency() checks every link, and that each
 * thread's IPC word (the fast path's packed view, thread.h) agrees with the
 * fields it mirrors.
 * The fixture is tests/host/kcore.h.
 */
#include "kcore.h"

#define NT 7            /* threads */
#define NG 5            /* gates */
#define STEPS 300000

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (uint32_t)(rng % n);
}

/* Everything the two paths may touch (timeout.c's list is left alone by
 * both when the fast path applies: no timeout to arm or cancel). */
static struct snapshot {
    struct task tasks[NTASK];
    struct cap_slot slots[NTASK][TASK_CAP_SLOTS];
    struct thread threads[NTHREAD];
    struct keel_utcb utcbs[NTHREAD];
    struct gate gates[NGATE];
    struct notification notifs[NNOTIF];
    struct sched_state sched;
    __typeof__(fk) fk;
    __typeof__(kinv) kinv;
    int rq_ops;
} s0, s_fast;

static void save(struct snapshot *s)
{
    memcpy(s->tasks, tasks, sizeof(tasks));
    memcpy(s->slots, slots, sizeof(slots));
    memcpy(s->threads, threads, sizeof(threads));
    memcpy(s->utcbs, utcbs, sizeof(utcbs));
    memcpy(s->gates, gates, sizeof(gates));
    memcpy(s->notifs, notifs, sizeof(notifs));
    s->sched = sched;
    s->fk = fk;
    s->kinv = kinv;
    s->rq_ops = rqw.ops;
}

static void restore(const struct snapshot *s)
{
    memcpy(tasks, s->tasks, sizeof(tasks));
    memcpy(slots, s->slots, sizeof(slots));
    memcpy(threads, s->threads, sizeof(threads));
    memcpy(utcbs, s->utcbs, sizeof(utcbs));
    memcpy(gates, s->gates, sizeof(gates));
    memcpy(notifs, s->notifs, sizeof(notifs));
    sched = s->sched;
    fk = s->fk;
    kinv = s->kinv;
    rqw.ops = s->rq_ops;
}

/* Name the first part that differs (0 if none). */
static const char *differs(const struct snapshot *a, const struct snapshot *b)
{
    if (memcmp(a->threads, b->threads, sizeof(a->threads)))
        return "threads";
    if (memcmp(a->utcbs, b->utcbs, sizeof(a->utcbs)))
        return "UTCBs";
    if (memcmp(a->tasks, b->tasks, sizeof(a->tasks)) || memcmp(a->slots, b->slots, sizeof(a->slots)))
        return "tasks or capabilities";
    if (memcmp(a->gates, b->gates, sizeof(a->gates)) ||
        memcmp(a->notifs, b->notifs, sizeof(a->notifs)))
        return "gates or notifications";
    if (memcmp(&a->sched, &b->sched, sizeof(a->sched)))
        return "scheduler";
    if (memcmp(&a->fk, &b->fk, sizeof(a->fk)))
        return "machine (address space, FP/SIMD, user frame)";
    if (memcmp(&a->kinv, &b->kinv, sizeof(a->kinv)) || a->rq_ops != b->rq_ops)
        return "object invocations or ready-queue operations";
    return NULL;
}

static uint32_t nslots;

static void build_world(void)
{
    reset();
    fk.map_model = true;
    struct task *tk[3] = { mk_task(TASK_CAP_SLOTS), mk_task(TASK_CAP_SLOTS),
                           mk_task(TASK_CAP_SLOTS) };
    static const uint8_t prios[] = { 10, 10, 10, 11, 9, 12 };
    for (int i = 0; i < NT; i++)
        mk_thread(tk[rnd(3)], prios[rnd(ARRAY_SIZE(prios))], rnd(5) != 0);
    struct notification *n = mk_notif(0x77);
    struct gate *gt[NG];
    for (int k = 0; k < NG; k++)
        gt[k] = mk_gate(&threads[rnd(NT)], rnd(2) ? 0x100 + (uint64_t)k : 0);
    static const uint32_t rights[] = { CAP_RIGHTS_ALL, CAP_RIGHT_SEND, CAP_RIGHT_SEND | CAP_RIGHT_GRANT,
                                       CAP_RIGHT_RECV, 0 };
    /* The same slots in every table: a random slot means something anywhere. */
    nslots = 0;
    for (int j = 0; j < 3; j++) {
        uint32_t s = 0;
        for (int k = 0; k < NG; k++)
            for (int c = 0; c < 2; c++) {
                struct cap cap = { .object = gt[k], .type = CAP_GATE,
                                   .rights = rights[rnd(ARRAY_SIZE(rights))],
                                   .label = rnd(3) ? 0 : 0xbad9e0 + (uint64_t)rnd(4) };
                if (cap.rights) {
                    uint32_t slot = s;
                    if (cap_insert(&tk[j]->caps, &slot, &cap) != KERR_OK)
                        abort();
                }
                s++;
            }
        uint32_t slot = s++;
        struct cap nc = { .object = n, .type = CAP_NOTIFICATION, .rights = CAP_RIGHTS_ALL };
        if (cap_insert(&tk[j]->caps, &slot, &nc) != KERR_OK)
            abort();
        if (s > nslots)
            nslots = s;
    }
    /* Tag each address space now: tags.c's allocator is not part of the
     * saved state, and a first activation would tag differently after the
     * state is put back. */
    for (int j = 0; j < 3; j++)
        vm_activate(&tk[j]->vm);
    for (int i = 0; i < NT; i++)
        started(&threads[i]);
}

static uint64_t random_tag(void)
{
    uint32_t words;
    switch (rnd(10)) {
    case 0: case 1: case 2: case 3: case 4: words = rnd(5); break;
    case 5: case 6: case 7: case 8: words = 5 + rnd(60); break;
    default: words = rnd(128); break;
    }
    uint32_t items = rnd(4) ? 0 : rnd(2) ? 1 : 1 + rnd(5);
    uint64_t tag = KEEL_TAG(rnd(1000), words, items);
    if (rnd(16) == 0)
        tag |= (uint64_t)rnd(256) << KEEL_TAG_ERROR_SHIFT;     /* stray bits */
    if (rnd(16) == 0)
        tag |= 1u << 7 | 1u << 12;
    return tag;
}

static uint64_t random_opts(const struct thread *t)
{
    static const uint32_t timeouts[] = { NEVER, NEVER, NEVER, NEVER, NEVER, NEVER, NEVER, NEVER,
                                         NEVER, NEVER, ZERO, 3 };
    uint32_t ops;
    /* Mostly what a server or a client would do next, so that partners
     * often wait for one another. */
    if (rnd(4)) {
        ops = t->reply_to ? KEEL_IPC_REPLY | KEEL_IPC_RECV
            : t->gates && rnd(2) ? KEEL_IPC_RECV : KEEL_IPC_CALL;
        return OPTS(ops, timeouts[rnd(ARRAY_SIZE(timeouts))], timeouts[rnd(ARRAY_SIZE(timeouts))]);
    }
    switch (rnd(20)) {
    case 0: case 1: case 2: case 3: case 4: case 5: case 6: ops = KEEL_IPC_CALL; break;
    case 7: case 8: case 9: case 10: case 11: case 12: case 13: ops = KEEL_IPC_REPLY | KEEL_IPC_RECV; break;
    case 14: ops = KEEL_IPC_RECV; break;
    case 15: ops = KEEL_IPC_SEND; break;
    case 16: ops = KEEL_IPC_SEND | KEEL_IPC_RECV; break;
    case 17: ops = KEEL_IPC_REPLY; break;
    default: ops = rnd(256); break;
    }
    return OPTS(ops, timeouts[rnd(ARRAY_SIZE(timeouts))], timeouts[rnd(ARRAY_SIZE(timeouts))]);
}

/* t, running, issues a random IPC system call: its registers and UTCB. */
static void random_call(struct thread *t)
{
    t->regs.r[31] = rnd(32) ? KEEL_SYS_IPC : 1 + rnd(3);
    t->regs.r[0] = random_tag();
    t->regs.r[1] = rnd(8) ? rnd(nslots) : rnd(1u << 31);
    t->regs.r[2] = rnd(8) ? OPEN : rnd(nslots + 2);
    t->regs.r[3] = random_opts(t);
    for (uint32_t i = 4; i < SYSCALL_WORDS; i++)
        t->regs.r[i] = ((uint64_t)rnd(1u << 31) << 32) | rnd(1u << 31);
    if (t->utcb) {
        for (uint32_t i = KEEL_MSG_REG_WORDS; i < KEEL_MSG_WORDS; i++)
            t->utcb->mr[i] = rng;
        for (uint32_t i = 0; i < KEEL_MSG_ITEMS; i++) {
            t->utcb->item[i].type = KEEL_ITEM_CAP;
            t->utcb->item[i].slot = rnd(nslots);
            t->utcb->item[i].rights = rnd(2) ? CAP_RIGHT_SEND : 0;
        }
        t->utcb->accept_items = rnd(3);
        t->utcb->window_order = rnd(4) ? 12 + rnd(3) : 0;
        t->utcb->window_base = 0x10000000u + ((uintptr_t)rnd(16) << 16);
        if (rnd(2)) {   /* item 0 a memory item, mostly one the model accepts */
            static const uint32_t types[] = { KEEL_ITEM_MAP, KEEL_ITEM_MAP, KEEL_ITEM_GRANT, 7 };
            struct keel_item *it = &t->utcb->item[0];
            it->type = types[rnd(ARRAY_SIZE(types))];
            it->rights = rnd(8) ? 1 + rnd(7) : rnd(16);
            it->order = rnd(16) ? 12 + rnd(3) : rnd(40);
            /* In user space, aligned for its order (but now and then). */
            it->base = USER_BASE + 0x20000000u + ((uintptr_t)rnd(64) << 14) +
                       ((uintptr_t)(rnd(5) ? 0 : 1 + rnd(3)) << (rnd(2) ? 2 : 12));
        }
    }
}

static int taken, declined, mismatches, inconsistent;
static int taken_maps, taken_map_errors;   /* taken calls with a memory item; failed ones */

/* The general path: what the port's trap path does after a system call. */
static struct thread *general(struct thread *t)
{
    if (t->regs.r[31] == KEEL_SYS_IPC)
        ipc_syscall(t);
    else
        t->regs.r[0] = (uint64_t)KEEL_E_NOSYS << KEEL_TAG_ERROR_SHIFT;
    return run();
}

/* The contract of the message registers (docs/abi.md), beyond the byte
 * comparison with the general path: the partner p that runs got t's words
 * below the length, and past it kept its own (before: b, after: a). */
static bool words_contract(const struct snapshot *b, const struct snapshot *a,
                           const struct thread *t, const struct thread *p)
{
    if (p == t)
        return true;    /* the call failed: t runs on with its error */
    const struct arch_regs *in = &b->threads[t - threads].regs;
    const struct arch_regs *was = &b->threads[p - threads].regs;
    const struct arch_regs *now = &a->threads[p - threads].regs;
    uint32_t words = KEEL_TAG_WORDS(now->r[0]);
    for (uint32_t i = 0; i < KEEL_MSG_REG_WORDS; i++)
        if (now->r[4 + i] != (i < words ? in->r[4 + i] : was->r[4 + i]))
            return false;
    return true;
}

static void one_call(struct thread *t, int step)
{
    save(&s0);
    /* As the ports' entries: only the IPC system call tries the fast path. */
    struct arch_regs *next = t->regs.r[31] == KEEL_SYS_IPC ? fastpath_ipc(&t->regs) : NULL;
    if (!next) {
        declined++;
        save(&s_fast);
        const char *d = differs(&s0, &s_fast);
        if (d && mismatches++ < 5)
            printf("FAIL step %d: the fast path declined but changed %s\n", step, d);
        CHECK(d == NULL);
        general(t);
        return;
    }
    taken++;
    struct thread *fast_next = thread_of_regs(next);
    if (KEEL_TAG_ITEMS(s0.threads[t - threads].regs.r[0])) {
        taken_maps++;
        taken_map_errors += fast_next == t;
    }
    save(&s_fast);
    CHECK(words_contract(&s0, &s_fast, t, fast_next));
    restore(&s0);
    struct thread *gen_next = general(t);
    struct snapshot *s_gen = &s0;       /* s0 is no longer needed */
    save(s_gen);
    const char *d = differs(&s_fast, s_gen);
    if ((d || fast_next != gen_next) && mismatches++ < 5)
        printf("FAIL step %d: fast and general paths differ in %s (thread %d vs %d)\n", step,
               d ? d : "the thread resumed", (int)(fast_next - threads),
               gen_next ? (int)(gen_next - threads) : -1);
    CHECK(d == NULL && fast_next == gen_next);
}

static void test_fast_vs_general(void)
{
    int worlds = 0, idle = 0;
    build_world();
    for (int step = 0; step < STEPS; step++) {
        switch (rnd(24)) {
        case 0:
            timer_fires(fk.now + rnd(50));
            break;
        case 1:
            sched_tick();
            break;
        case 2: {
            struct thread *x = &threads[rnd(NT)];
            if (x->state != THREAD_READY && rnd(4) == 0)
                ipc_abort(x, KEEL_E_PARTNER);
            break;
        }
        default: {
            struct thread *t = run();
            if (!t) {
                idle++;
                if (fk.wake)
                    timer_fires(fk.wake);
                else
                    build_world(), worlds++;
                break;
            }
            random_call(t);
            one_call(t, step);
        }
        }
        /* Every writer kept the IPC words (thread.h) in step, after every
         * kind of step: both paths, aborts, timers, ticks. */
        if (consistency() && inconsistent++ < 5)
            printf("FAIL step %d: inconsistent kernel state (above)\n", step);
        if (mismatches > 5 || inconsistent > 5)
            break;
        if (rnd(5000) == 0)
            build_world(), worlds++;
    }
    printf("test_fastpath: %d calls taken by the fast path (%d with a memory item, %d of them "
           "failed), %d declined, %d worlds, %d idle\n",
           taken, taken_maps, taken_map_errors, declined, worlds, idle);
    CHECK_EQ_U(mismatches, 0);
    CHECK_EQ_U(inconsistent, 0);
    /* The run exercised both outcomes often. */
    CHECK(taken > STEPS / 20 && declined > STEPS / 20);
    CHECK(taken_maps > 100 && taken_map_errors > 20 && taken_maps - taken_map_errors > 20);
}

int main(void)
{
    hang_guard(120);
    test_fast_vs_general();
    reset();
    return check_summary("test_fastpath");
}
