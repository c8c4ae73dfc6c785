/*
 * Host tests for the IPC primitive (kernel/ipc.c and kernel/timeout.c, with
 * the real scheduler, capability tables and ready queues): hand-offs in both
 * orders, message words and items, every error the system call reports,
 * queued senders, notifications, timeouts, exception messages, and a random
 * run checked against a model.  The fixture is tests/host/kcore.h.
 */
#include "kcore.h"

#define ALL CAP_RIGHTS_ALL
#define SG (CAP_RIGHT_SEND | CAP_RIGHT_GRANT)

/* A server thread srv (task a) with gate g (label 0x5157), and a client cli
 * (task b) holding a send+grant capability to it in slot gc; srv holds one
 * with every right in slot gs. */
static struct task *ta, *tb;
static struct thread *srv, *cli;
static struct gate *g;
static uint32_t gc, gs;

static void pair(uint8_t srv_prio, uint8_t cli_prio)
{
    reset();
    ta = mk_task(TASK_CAP_SLOTS);
    tb = mk_task(TASK_CAP_SLOTS);
    srv = mk_thread(ta, srv_prio, true);
    cli = mk_thread(tb, cli_prio, true);
    g = mk_gate(srv, 0x5157);
    gc = give(tb, CAP_GATE, g, SG);
    gs = give(ta, CAP_GATE, g, ALL);
}

/* ---- hand-offs ---- */

static void test_send_receiver_first(void)
{
    pair(10, 10);
    started(srv), started(cli);
    CHECK(run() == srv);
    sys(srv, 0, 0, OPEN, RECV_OPTS(NEVER));
    CHECK_EQ_U(srv->state, THREAD_RECV);
    CHECK(!rq_node_queued(&srv->rq));
    srv->regs.r[7] = 0xdead; /* its own register: stays after a 3-word message */
    CHECK(run() == cli);
    set_mr(cli, 0, 11), set_mr(cli, 1, 22), set_mr(cli, 2, 33), set_mr(cli, 3, 44);
    sys(cli, KEEL_TAG(7, 3, 0), gc, 0, SEND_OPTS(NEVER));
    CHECK_EQ_U(w(cli, 0), 0);
    CHECK_EQ_U(srv->state, THREAD_READY);
    CHECK_EQ_U(w(srv, 0), KEEL_TAG(7, 3, 0));
    CHECK_EQ_U(w(srv, 2), 0x5157);
    CHECK(mr(srv, 0) == 11 && mr(srv, 1) == 22 && mr(srv, 2) == 33);
    CHECK_EQ_U(mr(srv, 3), 0xdead);    /* not the sender's 44 */
    /* Equal priority: the receiver runs at once, the sender first in line. */
    CHECK(sched_current() == srv);
    CHECK(rq_node_queued(&cli->rq));
    CHECK(run() == srv);
    CHECK_EQ_U(consistency(), 0);
}

static void test_send_sender_first(void)
{
    pair(10, 10);
    started(cli), started(srv);
    CHECK(run() == cli);
    set_mr(cli, 0, 99);
    sys(cli, KEEL_TAG(3, 1, 0), gc, 0, SEND_OPTS(100));
    CHECK_EQ_U(cli->state, THREAD_SEND);
    CHECK(cli->send_gate == g);
    CHECK(srv->senders.head == cli && srv->senders.tail == cli);
    CHECK_EQ_U(cli->deadline, T0 + 100 * (HZ / 1000000) + 1);
    CHECK_EQ_U(fk.wake, cli->deadline);
    CHECK_EQ_U(consistency(), 0);
    CHECK(run() == srv);
    sys(srv, 0, 0, OPEN, RECV_OPTS(NEVER));
    CHECK_EQ_U(srv->state, THREAD_READY);
    CHECK_EQ_U(w(srv, 0), KEEL_TAG(3, 1, 0));
    CHECK_EQ_U(w(srv, 2), 0x5157);
    CHECK_EQ_U(mr(srv, 0), 99);
    CHECK_EQ_U(cli->state, THREAD_READY);
    CHECK_EQ_U(w(cli, 0), 0);
    CHECK(cli->send_gate == NULL && srv->senders.head == NULL);
    CHECK_EQ_U(cli->deadline, 0);          /* its timeout is cancelled */
    timer_fires(T0 + 10000);                /* and does not fire later */
    CHECK_EQ_U(w(cli, 0), 0);
    CHECK_EQ_U(cli->state, THREAD_READY);
    CHECK(run() == srv);                    /* the receiver keeps the processor */
    CHECK_EQ_U(consistency(), 0);
}

static void test_call_reply_receiver_first(void)
{
    pair(10, 10);
    started(srv), started(cli);
    CHECK(run() == srv);
    sys(srv, 0, 0, OPEN, RECV_OPTS(NEVER));
    CHECK(run() == cli);
    set_mr(cli, 0, 41);
    sys(cli, KEEL_TAG(1, 1, 0), gc, 0, CALL_OPTS(NEVER));
    CHECK_EQ_U(cli->state, THREAD_REPLY);
    CHECK(cli->reply_from == srv && srv->reply_to == cli);
    CHECK(!rq_node_queued(&cli->rq));
    CHECK(sched_current() == srv);
    CHECK_EQ_U(w(srv, 0), KEEL_TAG(1, 1, 0));
    CHECK_EQ_U(mr(srv, 0), 41);
    CHECK(run() == srv);
    set_mr(srv, 0, 42), set_mr(srv, 1, 43);
    sys(srv, KEEL_TAG(2, 2, 0), 0, OPEN, REPLY_WAIT_OPTS(NEVER));
    CHECK_EQ_U(cli->state, THREAD_READY);
    CHECK_EQ_U(w(cli, 0), KEEL_TAG(2, 2, 0));
    CHECK_EQ_U(w(cli, 2), 0);               /* a reply comes through no gate */
    CHECK(mr(cli, 0) == 42 && mr(cli, 1) == 43);
    CHECK(cli->reply_from == NULL && srv->reply_to == NULL);
    CHECK_EQ_U(srv->state, THREAD_RECV);    /* and waits for the next message */
    CHECK(run() == cli);
    CHECK_EQ_U(consistency(), 0);
}

static void test_call_reply_caller_first(void)
{
    pair(10, 10);
    started(cli), started(srv);
    CHECK(run() == cli);
    set_mr(cli, 0, 5);
    sys(cli, KEEL_TAG(1, 1, 0), gc, 0, CALL_OPTS(NEVER));
    CHECK_EQ_U(cli->state, THREAD_SEND);
    CHECK(run() == srv);
    sys(srv, 0, 0, gs, RECV_OPTS(NEVER));   /* receive from that very gate */
    CHECK_EQ_U(w(srv, 0), KEEL_TAG(1, 1, 0));
    CHECK_EQ_U(mr(srv, 0), 5);
    CHECK_EQ_U(cli->state, THREAD_REPLY);   /* now waits for the answer */
    CHECK(cli->reply_from == srv && srv->reply_to == cli);
    CHECK(cli->queue == NULL && cli->send_gate == NULL);
    CHECK(run() == srv);
    set_mr(srv, 0, 6);
    sys(srv, KEEL_TAG(0, 1, 0), 0, 0, OPTS(KEEL_IPC_REPLY, 0, 0));
    CHECK_EQ_U(err(srv), 0);
    CHECK_EQ_U(cli->state, THREAD_READY);
    CHECK_EQ_U(mr(cli, 0), 6);
    CHECK(sched_current() == cli);          /* equal priority: the caller runs */
    CHECK(run() == cli);
    CHECK_EQ_U(consistency(), 0);
    /* A second reply has no one to go to. */
    sys(cli, 0, 0, OPEN, RECV_OPTS(NEVER));
    CHECK(run() == srv);
    sys(srv, KEEL_TAG(0, 1, 0), 0, 0, OPTS(KEEL_IPC_REPLY, 0, 0));
    CHECK_EQ_U(err(srv), KEEL_E_CAP);
    CHECK_EQ_U(cli->state, THREAD_RECV);
}

/* Send then receive in one system call (the client half of an RPC without
 * a reply right): the send completes, then the receive blocks. */
static void test_send_then_receive(void)
{
    pair(10, 10);
    struct gate *back = mk_gate(cli, 0xb);
    uint32_t bs = give(ta, CAP_GATE, back, CAP_RIGHT_SEND);
    started(srv), started(cli);
    CHECK(run() == srv);
    sys(srv, 0, 0, OPEN, RECV_OPTS(NEVER));
    CHECK(run() == cli);
    sys(cli, KEEL_TAG(4, 0, 0), gc, OPEN, OPTS(KEEL_IPC_SEND | KEEL_IPC_RECV, NEVER, NEVER));
    CHECK_EQ_U(cli->state, THREAD_RECV);
    CHECK(!rq_node_queued(&cli->rq));
    CHECK(srv->reply_to == NULL);           /* a send grants no reply right */
    CHECK(run() == srv);
    CHECK_EQ_U(w(srv, 0), KEEL_TAG(4, 0, 0));
    set_mr(srv, 0, 77);
    sys(srv, KEEL_TAG(8, 1, 0), bs, 0, SEND_OPTS(ZERO));
    CHECK_EQ_U(err(srv), 0);
    CHECK_EQ_U(w(cli, 0), KEEL_TAG(8, 1, 0));
    CHECK_EQ_U(w(cli, 2), 0xb);
    CHECK_EQ_U(mr(cli, 0), 77);
    CHECK_EQ_U(consistency(), 0);

    /* Sender first: a queued send|receive goes on to its receive phase
     * when its message is taken. */
    CHECK(run() == cli);
    sys(cli, KEEL_TAG(4, 0, 0), gc, OPEN, OPTS(KEEL_IPC_SEND | KEEL_IPC_RECV, NEVER, 100));
    CHECK_EQ_U(cli->state, THREAD_SEND);
    CHECK(run() == srv);
    sys(srv, 0, 0, OPEN, RECV_OPTS(NEVER));
    CHECK_EQ_U(w(srv, 0), KEEL_TAG(4, 0, 0));
    CHECK_EQ_U(cli->state, THREAD_RECV);
    CHECK_EQ_U(cli->deadline, T0 + 100 * (HZ / 1000000) + 1); /* its receive timeout */
    timer_fires(cli->deadline);
    CHECK_EQ_U(cli->state, THREAD_READY);
    CHECK_EQ_U(err(cli), KEEL_E_TIMEOUT);
    CHECK_EQ_U(consistency(), 0);
}

/* ---- message words and the UTCB ---- */

/* n words from base on arrived in to, and past them to's registers and
 * UTCB hold its own values (fill), none of the sender's. */
static bool words_arrived(struct thread *to, uint32_t n, uintptr_t base)
{
    bool ok = KEEL_TAG_WORDS(w(to, 0)) == n;
    for (uint32_t i = 0; i < KEEL_MSG_REG_WORDS; i++)
        ok &= mr(to, i) == (i < n ? base + i : 0x5a5a5a5a);
    for (uint32_t i = KEEL_MSG_REG_WORDS; i < KEEL_MSG_WORDS; i++)
        ok &= to->utcb->mr[i] == (i < n ? base + i : 0x5a5a5a5a); /* nothing beyond */
    return ok;
}

static void fill(struct thread *from, struct thread *to, uint32_t n, uintptr_t base)
{
    for (uint32_t i = 0; i < KEEL_MSG_WORDS; i++) {
        set_mr(from, i, base + i);
        to->utcb->mr[i] = 0x5a5a5a5a;
        if (i < KEEL_MSG_REG_WORDS)
            to->regs.r[4 + i] = 0x5a5a5a5a;
    }
}

static void test_message_words(void)
{
    int bad_rf = 0, bad_sf = 0, bad_reply = 0;
    for (uint32_t n = 0; n <= KEEL_MSG_WORDS; n++) {
        /* receiver first, then the reply back */
        pair(10, 10);
        started(srv), started(cli);
        run();
        sys(srv, 0, 0, OPEN, RECV_OPTS(NEVER));
        run();
        fill(cli, srv, n, 1000 * n);
        sys(cli, KEEL_TAG(1, n, 0), gc, 0, CALL_OPTS(NEVER));
        bad_rf += !words_arrived(srv, n, 1000 * n) || cli->state != THREAD_REPLY;
        run();
        fill(srv, cli, n, 7000 * n + 1);
        sys(srv, KEEL_TAG(0, n, 0), 0, 0, OPTS(KEEL_IPC_REPLY, 0, 0));
        bad_reply += !words_arrived(cli, n, 7000 * n + 1) || err(srv);
        /* sender first */
        pair(10, 10);
        started(cli), started(srv);
        run();
        fill(cli, srv, n, 3000 * n);
        sys(cli, KEEL_TAG(1, n, 0), gc, 0, SEND_OPTS(NEVER));
        /* the queued message stays in the sender's registers and UTCB */
        run();
        sys(srv, 0, 0, OPEN, RECV_OPTS(NEVER));
        bad_sf += !words_arrived(srv, n, 3000 * n) || err(cli) || cli->state != THREAD_READY;
    }
    CHECK_EQ_U(bad_rf, 0);
    CHECK_EQ_U(bad_sf, 0);
    CHECK_EQ_U(bad_reply, 0);
}

static void test_message_limits(void)
{
    /* 65 words, and the largest count the tag can hold: too long. */
    pair(10, 10);
    started(srv), started(cli);
    run();
    sys(srv, 0, 0, OPEN, RECV_OPTS(NEVER));
    run();
    sys(cli, KEEL_TAG(1, KEEL_MSG_WORDS + 1, 0), gc, 0, SEND_OPTS(NEVER));
    CHECK_EQ_U(err(cli), KEEL_E_TOO_LONG);
    sys(cli, KEEL_TAG(1, 127, 0), gc, 0, SEND_OPTS(NEVER));
    CHECK_EQ_U(err(cli), KEEL_E_TOO_LONG);
    CHECK_EQ_U(srv->state, THREAD_RECV);    /* nothing reached it */
    CHECK(sched_current() == cli);

    /* More than the registers without a UTCB to send from: invalid. */
    cli->utcb = NULL;
    sys(cli, KEEL_TAG(1, 5, 0), gc, 0, SEND_OPTS(NEVER));
    CHECK_EQ_U(err(cli), KEEL_E_INVALID);
    sys(cli, KEEL_TAG(1, 4, 0), gc, 0, SEND_OPTS(NEVER)); /* four fit in registers */
    CHECK_EQ_U(err(cli), 0);
    CHECK_EQ_U(KEEL_TAG_WORDS(w(srv, 0)), 4);

    /* A receiver without a UTCB takes at most four words.  Receiver
     * waiting: the sender is told at once. */
    pair(10, 10);
    srv->utcb = NULL;
    started(srv), started(cli);
    run();
    sys(srv, 0, 0, OPEN, RECV_OPTS(NEVER));
    run();
    sys(cli, KEEL_TAG(1, 5, 0), gc, 0, SEND_OPTS(NEVER));
    CHECK_EQ_U(err(cli), KEEL_E_TOO_LONG);
    CHECK_EQ_U(srv->state, THREAD_RECV);
    /* Sender queued: both learn it when the receiver comes. */
    pair(10, 10);
    srv->utcb = NULL;
    started(cli), started(srv);
    run();
    sys(cli, KEEL_TAG(1, 9, 0), gc, 0, SEND_OPTS(NEVER));
    CHECK_EQ_U(cli->state, THREAD_SEND);
    run();
    sys(srv, 0, 0, OPEN, RECV_OPTS(NEVER));
    CHECK_EQ_U(err(srv), KEEL_E_TOO_LONG);
    CHECK_EQ_U(err(cli), KEEL_E_TOO_LONG);
    CHECK_EQ_U(cli->state, THREAD_READY);
    CHECK(srv->senders.head == NULL && cli->send_gate == NULL);
    CHECK_EQ_U(consistency(), 0);
}

/* ---- typed items ---- */

static struct notification *nt;
static uint32_t ns; /* cli's capability to nt: send + receive */

static void items_setup(uint32_t accept)
{
    pair(10, 10);
    nt = mk_notif(0x77);
    ns = give(tb, CAP_NOTIFICATION, nt, CAP_RIGHT_SEND | CAP_RIGHT_RECV);
    srv->utcb->accept_items = accept;
    started(srv), started(cli);
    run();
    sys(srv, 0, 0, OPEN, RECV_OPTS(NEVER));
    run();
}

static void item(struct thread *t, uint32_t i, uint32_t slot, uint32_t rights)
{
    t->utcb->item[i].slot = slot;
    t->utcb->item[i].rights = rights;
}

static void test_items(void)
{
    struct cap c;
    uint32_t used;

    /* Accepted: a new capability in the receiver's table, rights as asked. */
    items_setup(1);
    used = ta->caps.used;
    item(cli, 0, ns, CAP_RIGHT_SEND);
    sys(cli, KEEL_TAG(1, 0, 1), gc, 0, SEND_OPTS(NEVER));
    CHECK_EQ_U(err(cli), 0);
    CHECK_EQ_U(KEEL_TAG_ITEMS(w(srv, 0)), 1);
    CHECK_EQ_U(ta->caps.used, used + 1);
    CHECK_EQ_U(srv->utcb->item[0].rights, CAP_RIGHT_SEND);
    CHECK_EQ_U(cap_lookup(&ta->caps, srv->utcb->item[0].slot, CAP_NOTIFICATION, 0, &c), KERR_OK);
    CHECK(c.object == nt);
    CHECK_EQ_U(c.rights, CAP_RIGHT_SEND);
    /* ... which works: the server signals through it. */
    run();
    set_mr(srv, 0, 4);
    sys(srv, KEEL_TAG(0, 1, 0), srv->utcb->item[0].slot, 0, SEND_OPTS(ZERO));
    CHECK_EQ_U(err(srv), 0);
    CHECK_EQ_U(nt->bits, 4);
    CHECK_EQ_U(consistency(), 0);

    /* Refused: accept_items = 0 drops them; the words still arrive. */
    items_setup(0);
    used = ta->caps.used;
    item(cli, 0, ns, CAP_RIGHT_SEND);
    set_mr(cli, 0, 123);
    sys(cli, KEEL_TAG(1, 1, 1), gc, 0, SEND_OPTS(NEVER));
    CHECK_EQ_U(err(cli), 0);
    CHECK_EQ_U(w(srv, 0), KEEL_TAG(1, 1, 0));
    CHECK_EQ_U(mr(srv, 0), 123);
    CHECK_EQ_U(ta->caps.used, used);

    /* One of two accepted: the first. */
    items_setup(1);
    used = ta->caps.used;
    item(cli, 0, ns, CAP_RIGHT_RECV);
    item(cli, 1, gc, CAP_RIGHT_SEND);
    sys(cli, KEEL_TAG(1, 0, 2), gc, 0, SEND_OPTS(NEVER));
    CHECK_EQ_U(KEEL_TAG_ITEMS(w(srv, 0)), 1);
    CHECK_EQ_U(ta->caps.used, used + 1);
    CHECK_EQ_U(cap_lookup(&ta->caps, srv->utcb->item[0].slot, CAP_NOTIFICATION, CAP_RIGHT_RECV, &c),
               KERR_OK);

    /* Rights must be a subset of the sender's: refused before anything moves. */
    items_setup(4);
    used = ta->caps.used;
    item(cli, 0, ns, CAP_RIGHT_SEND | CAP_RIGHT_CONTROL);
    sys(cli, KEEL_TAG(1, 0, 1), gc, 0, SEND_OPTS(NEVER));
    CHECK_EQ_U(err(cli), KEEL_E_RIGHTS);
    CHECK_EQ_U(srv->state, THREAD_RECV);
    CHECK_EQ_U(ta->caps.used, used);
    /* An empty slot as an item: bad capability. */
    item(cli, 0, 40, CAP_RIGHT_SEND);
    sys(cli, KEEL_TAG(1, 0, 1), gc, 0, SEND_OPTS(NEVER));
    CHECK_EQ_U(err(cli), KEEL_E_CAP);
    /* The second item is checked too. */
    item(cli, 0, ns, CAP_RIGHT_SEND);
    item(cli, 1, TASK_CAP_SLOTS + 3, CAP_RIGHT_SEND);
    sys(cli, KEEL_TAG(1, 0, 2), gc, 0, SEND_OPTS(NEVER));
    CHECK_EQ_U(err(cli), KEEL_E_CAP);
    /* More items than a message carries. */
    sys(cli, KEEL_TAG(1, 0, KEEL_MSG_ITEMS + 1), gc, 0, SEND_OPTS(NEVER));
    CHECK_EQ_U(err(cli), KEEL_E_INVALID);
    /* Through a capability without the grant right. */
    uint32_t nogrant = give(tb, CAP_GATE, g, CAP_RIGHT_SEND);
    sys(cli, KEEL_TAG(1, 0, 1), nogrant, 0, SEND_OPTS(NEVER));
    CHECK_EQ_U(err(cli), KEEL_E_RIGHTS);
    sys(cli, KEEL_TAG(1, 0, 0), nogrant, 0, SEND_OPTS(NEVER)); /* words alone are fine */
    CHECK_EQ_U(err(cli), 0);
    CHECK_EQ_U(srv->state, THREAD_READY);
    CHECK_EQ_U(ta->caps.used, used);
    /* Items without a UTCB to name them in. */
    items_setup(4);
    cli->utcb = NULL;
    sys(cli, KEEL_TAG(1, 0, 1), gc, 0, SEND_OPTS(NEVER));
    CHECK_EQ_U(err(cli), KEEL_E_INVALID);

    /* The receiver's table is full: the item is dropped, the message not. */
    pair(10, 10);
    struct task *small = mk_task(2);
    struct thread *r2 = mk_thread(small, 10, true);
    struct gate *g2 = mk_gate(r2, 0x22);
    uint32_t g2c = give(tb, CAP_GATE, g2, SG);
    nt = mk_notif(0);
    ns = give(tb, CAP_NOTIFICATION, nt, ALL);
    give(small, CAP_GATE, g2, ALL);          /* one of its two slots used */
    r2->utcb->accept_items = 4;
    started(r2), started(cli);
    run();
    sys(r2, 0, 0, OPEN, RECV_OPTS(NEVER));
    run();
    item(cli, 0, ns, CAP_RIGHT_SEND);
    item(cli, 1, ns, CAP_RIGHT_RECV);
    set_mr(cli, 0, 9);
    sys(cli, KEEL_TAG(1, 1, 2), g2c, 0, SEND_OPTS(NEVER));
    CHECK_EQ_U(err(cli), 0);
    CHECK_EQ_U(w(r2, 0), KEEL_TAG(1, 1, 1));  /* the one that fit */
    CHECK_EQ_U(mr(r2, 0), 9);
    CHECK_EQ_U(small->caps.used, 2);
    CHECK_EQ_U(r2->utcb->item[0].rights, CAP_RIGHT_SEND);
    run();
    sys(r2, 0, 0, OPEN, RECV_OPTS(NEVER));
    run();
    sys(cli, KEEL_TAG(1, 0, 1), g2c, 0, SEND_OPTS(NEVER));
    CHECK_EQ_U(err(cli), 0);
    CHECK_EQ_U(w(r2, 0), KEEL_TAG(1, 0, 0));  /* full now: none */
    CHECK_EQ_U(small->caps.used, 2);

    /* A reply may carry items (the caller needs no grant right for it). */
    items_setup(0);
    cli->utcb->accept_items = 1;
    uint32_t srv_n = give(ta, CAP_NOTIFICATION, nt, ALL);
    sys(cli, KEEL_TAG(1, 0, 0), give(tb, CAP_GATE, g, CAP_RIGHT_SEND), 0, CALL_OPTS(NEVER));
    CHECK_EQ_U(cli->state, THREAD_REPLY);
    run();
    item(srv, 0, srv_n, CAP_RIGHT_RECV);
    used = tb->caps.used;
    sys(srv, KEEL_TAG(0, 0, 1), 0, 0, OPTS(KEEL_IPC_REPLY, 0, 0));
    CHECK_EQ_U(err(srv), 0);
    CHECK_EQ_U(KEEL_TAG_ITEMS(w(cli, 0)), 1);
    CHECK_EQ_U(tb->caps.used, used + 1);
    CHECK_EQ_U(consistency(), 0);
}

/* ---- errors ---- */

static void test_bad_ops(void)
{
    static const uint32_t bad_ops[] = {
        0, 0x10, 0x80 | KEEL_IPC_SEND, KEEL_IPC_CALL | KEEL_IPC_RECV,
        KEEL_IPC_CALL | KEEL_IPC_REPLY, KEEL_IPC_REPLY | KEEL_IPC_SEND,
    };
    pair(10, 10);
    started(cli);
    run();
    for (uint32_t i = 0; i < ARRAY_SIZE(bad_ops); i++) {
        sys(cli, KEEL_TAG(1, 0, 0), gc, OPEN, OPTS(bad_ops[i], NEVER, NEVER));
        CHECK_EQ_U(err(cli), KEEL_E_INVALID);
        CHECK_EQ_U(cli->state, THREAD_READY);
        CHECK(cli->queue == NULL && cli->deadline == 0);
    }
    CHECK(srv->senders.head == NULL);
    /* send|call is a call. */
    started(srv);
    sys(cli, KEEL_TAG(1, 0, 0), gc, 0, OPTS(KEEL_IPC_SEND | KEEL_IPC_CALL, NEVER, NEVER));
    CHECK_EQ_U(cli->state, THREAD_SEND);
    CHECK(cli->ipc_ops & KEEL_IPC_CALL);
    CHECK_EQ_U(consistency(), 0);
}

static void test_bad_caps(void)
{
    pair(10, 10);
    struct thread *other = mk_thread(tb, 10, true);
    struct gate *g_other = mk_gate(other, 1);
    nt = mk_notif(2);
    uint32_t recv_only = give(tb, CAP_GATE, g, CAP_RIGHT_RECV);
    uint32_t reply_cap = give(tb, CAP_REPLY, srv, ALL);
    uint32_t thread_cap = give(tb, CAP_THREAD, srv, ALL);
    uint32_t not_mine = give(tb, CAP_GATE, g_other, ALL);
    uint32_t n_send = give(tb, CAP_NOTIFICATION, nt, CAP_RIGHT_SEND);
    uint32_t gate_norecv = give(ta, CAP_GATE, g, CAP_RIGHT_SEND);
    started(cli);
    run();
    struct { uint32_t send, recv, ops, want; } cases[] = {
        { TASK_CAP_SLOTS, 0, KEEL_IPC_SEND, KEEL_E_CAP },      /* beyond the table */
        { UINT32_MAX - 1, 0, KEEL_IPC_SEND, KEEL_E_CAP },
        { 50, 0, KEEL_IPC_SEND, KEEL_E_CAP },                  /* empty */
        { recv_only, 0, KEEL_IPC_SEND, KEEL_E_RIGHTS },        /* no send right */
        { recv_only, 0, KEEL_IPC_CALL, KEEL_E_RIGHTS },
        { reply_cap, 0, KEEL_IPC_CALL, KEEL_E_INVALID },       /* a reply waits for nothing */
        { reply_cap, 0, KEEL_IPC_SEND, KEEL_E_PARTNER },       /* its call is over (used up) */
        { reply_cap, 0, KEEL_IPC_SEND, KEEL_E_CAP },           /* gone */
        { n_send, 0, KEEL_IPC_CALL, KEEL_E_INVALID },          /* calling a notification */
        { 0, TASK_CAP_SLOTS, KEEL_IPC_RECV, KEEL_E_CAP },
        { 0, 50, KEEL_IPC_RECV, KEEL_E_CAP },
        { 0, not_mine, KEEL_IPC_RECV, KEEL_E_CAP },            /* bound to someone else */
        { 0, thread_cap, KEEL_IPC_RECV, KEEL_E_CAP },          /* not a gate */
        { 0, n_send, KEEL_IPC_RECV, KEEL_E_RIGHTS },           /* no receive right */
        { 0, KEEL_CAP_OPEN - 1, KEEL_IPC_RECV, KEEL_E_CAP },
    };
    for (uint32_t i = 0; i < ARRAY_SIZE(cases); i++) {
        sys(cli, KEEL_TAG(1, 0, 0), cases[i].send, cases[i].recv, OPTS(cases[i].ops, NEVER, NEVER));
        CHECK_EQ_U(err(cli), cases[i].want);
        CHECK_EQ_U(cli->state, THREAD_READY);
    }
    CHECK_EQ_U(kinv.calls, 0);
    /* The server lacks the receive right on its copy without it. */
    started(srv);
    sys(cli, 0, 0, OPEN, RECV_OPTS(NEVER));         /* cli out of the way */
    CHECK(run() == srv);
    sys(srv, 0, 0, gate_norecv, RECV_OPTS(NEVER));
    CHECK_EQ_U(err(srv), KEEL_E_RIGHTS);
    /* A failed send phase skips the receive phase. */
    sys(srv, 0, 50, OPEN, OPTS(KEEL_IPC_SEND | KEEL_IPC_RECV, NEVER, NEVER));
    CHECK_EQ_U(err(srv), KEEL_E_CAP);
    CHECK_EQ_U(srv->state, THREAD_READY);
    /* Kernel objects are invoked, not delivered to. */
    sys(srv, KEEL_TAG(KEEL_THREAD_START, 0, 0), give(ta, CAP_THREAD, cli, ALL), 0,
        CALL_OPTS(NEVER));
    CHECK_EQ_U(kinv.calls, 1);
    CHECK(kinv.t == srv && kinv.cap.object == cli && kinv.cap.type == CAP_THREAD);
    CHECK_EQ_U(KEEL_TAG_LABEL(kinv.tag), KEEL_THREAD_START);
    CHECK_EQ_U(mr(srv, 0), 0xc0ffee);
    CHECK_EQ_U(cli->state, THREAD_RECV);
    CHECK_EQ_U(consistency(), 0);
}

static void test_timeout_zero(void)
{
    pair(10, 10);
    nt = mk_notif(1);
    uint32_t n = give(ta, CAP_NOTIFICATION, nt, ALL);
    started(srv), started(cli);
    CHECK(run() == srv);
    sys(srv, 0, 0, OPEN, RECV_OPTS(ZERO));          /* no sender */
    CHECK_EQ_U(err(srv), KEEL_E_TIMEOUT);
    sys(srv, 0, 0, gs, RECV_OPTS(ZERO));
    CHECK_EQ_U(err(srv), KEEL_E_TIMEOUT);
    sys(srv, 0, 0, n, RECV_OPTS(ZERO));             /* no bits */
    CHECK_EQ_U(err(srv), KEEL_E_TIMEOUT);
    CHECK_EQ_U(srv->state, THREAD_READY);
    CHECK(nt->waiters.head == NULL);
    CHECK_EQ_U(fk.wakes, 0);
    sys(srv, 0, 0, n, RECV_OPTS(NEVER));
    CHECK(run() == cli);
    sys(cli, KEEL_TAG(1, 0, 0), gc, 0, SEND_OPTS(ZERO)); /* receiver not waiting */
    CHECK_EQ_U(err(cli), KEEL_E_TIMEOUT);
    CHECK(srv->senders.head == NULL);
    sys(cli, KEEL_TAG(1, 0, 0), gc, 0, CALL_OPTS(ZERO));
    CHECK_EQ_U(err(cli), KEEL_E_TIMEOUT);
    CHECK_EQ_U(cli->state, THREAD_READY);
    CHECK_EQ_U(consistency(), 0);
}

static void test_reply_errors(void)
{
    pair(10, 10);
    started(srv), started(cli);
    run();
    sys(srv, 0, 0, 0, OPTS(KEEL_IPC_REPLY, 0, 0));       /* no caller */
    CHECK_EQ_U(err(srv), KEEL_E_CAP);
    sys(srv, 0, 0, OPEN, REPLY_WAIT_OPTS(ZERO));         /* nor a receive after it */
    CHECK_EQ_U(err(srv), KEEL_E_CAP);
    CHECK_EQ_U(srv->state, THREAD_READY);

    /* A reply right whose caller no longer waits for it: partner gone (the
     * kernel clears reply_to whenever it can; this forges the leftover). */
    sys(srv, 0, 0, OPEN, RECV_OPTS(NEVER));
    run();
    sys(cli, KEEL_TAG(1, 0, 0), gc, 0, CALL_OPTS(NEVER));
    run();
    cli->reply_from = NULL;
    sys(srv, 0, 0, 0, OPTS(KEEL_IPC_REPLY, 0, 0));
    CHECK_EQ_U(err(srv), KEEL_E_PARTNER);
    CHECK(srv->reply_to == NULL);                        /* the right is used up */
    CHECK_EQ_U(cli->state, THREAD_REPLY);
    ipc_abort(cli, KEEL_E_PARTNER);

    /* The reply does not fit the caller: both learn it. */
    pair(10, 10);
    cli->utcb = NULL;
    started(srv), started(cli);
    run();
    sys(srv, 0, 0, OPEN, RECV_OPTS(NEVER));
    run();
    sys(cli, KEEL_TAG(1, 0, 0), gc, 0, CALL_OPTS(NEVER));
    run();
    sys(srv, KEEL_TAG(0, 10, 0), 0, OPEN, REPLY_WAIT_OPTS(NEVER));
    CHECK_EQ_U(err(srv), KEEL_E_TOO_LONG);
    CHECK_EQ_U(srv->state, THREAD_READY);                /* no receive after a failed reply */
    CHECK_EQ_U(err(cli), KEEL_E_TOO_LONG);
    CHECK_EQ_U(cli->state, THREAD_READY);
    CHECK(cli->reply_from == NULL && srv->reply_to == NULL);
    CHECK_EQ_U(consistency(), 0);

    /* A bad item in the reply: both learn it. */
    pair(10, 10);
    started(srv), started(cli);
    run();
    sys(srv, 0, 0, OPEN, RECV_OPTS(NEVER));
    run();
    sys(cli, KEEL_TAG(1, 0, 0), gc, 0, CALL_OPTS(NEVER));
    run();
    item(srv, 0, 60, CAP_RIGHT_SEND);
    sys(srv, KEEL_TAG(0, 0, 1), 0, 0, OPTS(KEEL_IPC_REPLY, 0, 0));
    CHECK_EQ_U(err(srv), KEEL_E_CAP);
    CHECK_EQ_U(err(cli), KEEL_E_CAP);
    CHECK_EQ_U(cli->state, THREAD_READY);
    CHECK_EQ_U(consistency(), 0);
}

static void test_partner_gone(void)
{
    /* The gate's thread is gone. */
    pair(10, 10);
    started(cli);
    run();
    g->receiver = NULL;
    sys(cli, KEEL_TAG(1, 0, 0), gc, 0, SEND_OPTS(NEVER));
    CHECK_EQ_U(err(cli), KEEL_E_PARTNER);
    sys(cli, KEEL_TAG(1, 0, 0), gc, 0, CALL_OPTS(NEVER));
    CHECK_EQ_U(err(cli), KEEL_E_PARTNER);
    CHECK_EQ_U(cli->state, THREAD_READY);

    /* ipc_abort (what killing or stopping a thread does) on each kind of
     * wait: the thread is ready, off every queue, with the error. */
    pair(20, 10);
    struct thread *c2 = mk_thread(tb, 10, true), *c3 = mk_thread(tb, 10, true);
    struct thread *wt = mk_thread(tb, 10, true);
    nt = mk_notif(1);
    uint32_t n = give(tb, CAP_NOTIFICATION, nt, ALL);
    started(cli), started(c2), started(c3), started(wt);
    run();
    sys(cli, KEEL_TAG(1, 0, 0), gc, 0, SEND_OPTS(1000));
    run();
    sys(c2, KEEL_TAG(1, 0, 0), gc, 0, SEND_OPTS(NEVER));
    run();
    sys(c3, KEEL_TAG(1, 0, 0), gc, 0, CALL_OPTS(NEVER));
    run();
    sys(wt, 0, 0, n, RECV_OPTS(1000));
    CHECK(srv->senders.head == cli && cli->q_next == c2 && c2->q_next == c3);
    ipc_abort(c2, KEEL_E_PARTNER);                 /* from the middle */
    CHECK(srv->senders.head == cli && cli->q_next == c3 && c3->q_prev == cli);
    CHECK_EQ_U(c2->state, THREAD_READY);
    CHECK_EQ_U(err(c2), KEEL_E_PARTNER);
    CHECK(c2->queue == NULL && c2->send_gate == NULL);
    ipc_abort(cli, KEEL_E_PARTNER);                /* the head, with a timeout */
    CHECK(srv->senders.head == c3 && srv->senders.tail == c3);
    CHECK_EQ_U(cli->deadline, 0);
    ipc_abort(wt, KEEL_E_PARTNER);                 /* a notification waiter */
    CHECK(nt->waiters.head == NULL && wt->recv_notif == NULL && wt->deadline == 0);
    CHECK_EQ_U(err(wt), KEEL_E_PARTNER);
    CHECK_EQ_U(consistency(), 0);
    /* The server takes c3's call; then the caller is aborted while it
     * waits for the reply: the server's reply right goes with it. */
    started(srv);
    CHECK(run() == srv);
    sys(srv, 0, 0, OPEN, RECV_OPTS(NEVER));
    CHECK(srv->reply_to == c3 && c3->state == THREAD_REPLY);
    ipc_abort(c3, KEEL_E_PARTNER);
    CHECK(srv->reply_to == NULL && c3->reply_from == NULL);
    CHECK_EQ_U(err(c3), KEEL_E_PARTNER);
    CHECK_EQ_U(c3->state, THREAD_READY);
    sys(srv, 0, 0, 0, OPTS(KEEL_IPC_REPLY, 0, 0));
    CHECK_EQ_U(err(srv), KEEL_E_CAP);
    /* A receiver aborted. */
    sys(srv, 0, 0, gs, RECV_OPTS(NEVER));
    CHECK(srv->recv_gate == g);
    ipc_abort(srv, KEEL_E_PARTNER);
    CHECK_EQ_U(err(srv), KEEL_E_PARTNER);
    CHECK(srv->recv_gate == NULL && srv->state == THREAD_READY);
    /* Aborting a thread that waits for nothing changes nothing. */
    srv->regs.r[0] = 0x1234;
    ipc_abort(srv, KEEL_E_PARTNER);
    CHECK_EQ_U(w(srv, 0), 0x1234);
    CHECK_EQ_U(consistency(), 0);
}

/* ---- queued senders ---- */

static void test_fifo_and_selective_receive(void)
{
    pair(20, 10);
    struct gate *g2 = mk_gate(srv, 0x2222);
    uint32_t g2c = give(tb, CAP_GATE, g2, SG), g2s = give(ta, CAP_GATE, g2, ALL);
    struct thread *s[5];
    s[0] = cli;
    for (int i = 1; i < 5; i++)
        s[i] = mk_thread(tb, (uint8_t)(5 + i * 3), true); /* priorities do not matter */
    for (int i = 0; i < 5; i++)
        started(s[i]);
    /* s0..s4 send in order, through g, g2, g, g2, g. */
    for (int i = 0; i < 5; i++) {
        struct thread *t = run();
        set_mr(t, 0, (uintptr_t)t);
        bool second = t == s[1] || t == s[3];
        sys(t, KEEL_TAG(1, 1, 0), second ? g2c : gc, 0, SEND_OPTS(NEVER));
        CHECK_EQ_U(t->state, THREAD_SEND);
    }
    /* The queue holds them in the order they came (they ran by priority:
     * s4 s3 s2 s0 s1), whatever their priorities. */
    struct thread *order[6] = { 0 };
    int n = 0;
    for (struct thread *t = srv->senders.head; t && n < 6; t = t->q_next)
        order[n++] = t;
    CHECK_EQ_U(n, 5);
    CHECK(order[0] == s[4] && order[1] == s[3] && order[2] == s[2] && order[3] == s[0] &&
          order[4] == s[1]);
    started(srv);
    CHECK(run() == srv);
    /* From g2 only: the first g2 sender, skipping g's ahead of it. */
    sys(srv, 0, 0, g2s, RECV_OPTS(NEVER));
    CHECK_EQ_U(mr(srv, 0), (uintptr_t)s[3]);
    CHECK_EQ_U(w(srv, 2), 0x2222);
    sys(srv, 0, 0, gs, RECV_OPTS(NEVER));
    CHECK_EQ_U(mr(srv, 0), (uintptr_t)s[4]);
    CHECK_EQ_U(w(srv, 2), 0x5157);
    /* Open: the oldest of the rest, whatever the gate. */
    sys(srv, 0, 0, OPEN, RECV_OPTS(NEVER));
    CHECK_EQ_U(mr(srv, 0), (uintptr_t)s[2]);
    sys(srv, 0, 0, OPEN, RECV_OPTS(NEVER));
    CHECK_EQ_U(mr(srv, 0), (uintptr_t)s[0]);
    CHECK_EQ_U(w(srv, 2), 0x5157);
    /* Only s1 (through g2) is left: receiving from g waits ... */
    sys(srv, 0, 0, gs, RECV_OPTS(NEVER));
    CHECK_EQ_U(srv->state, THREAD_RECV);
    CHECK(srv->recv_gate == g);
    CHECK(srv->senders.head == s[1] && srv->senders.tail == s[1]);
    /* ... and a new sender through g2 is queued, not delivered ... */
    struct thread *t = run();
    CHECK(t == s[4]);
    sys(t, KEEL_TAG(1, 0, 0), g2c, 0, SEND_OPTS(NEVER));
    CHECK_EQ_U(t->state, THREAD_SEND);
    CHECK_EQ_U(srv->state, THREAD_RECV);
    CHECK(srv->senders.tail == t);
    /* ... while through g it is. */
    t = run();
    CHECK(t == s[3]);
    sys(t, KEEL_TAG(9, 0, 0), gc, 0, SEND_OPTS(NEVER));
    CHECK_EQ_U(err(t), 0);
    CHECK_EQ_U(w(srv, 0), KEEL_TAG(9, 0, 0));
    CHECK(srv->recv_gate == NULL);
    CHECK(sched_current() == srv);          /* higher priority: direct switch */
    CHECK(rq_node_queued(&t->rq));
    CHECK_EQ_U(consistency(), 0);
}

/* ---- notifications ---- */

static void test_notifications(void)
{
    pair(10, 10);
    nt = mk_notif(0xabc);
    uint32_t ncli = give(tb, CAP_NOTIFICATION, nt, CAP_RIGHT_SEND);
    uint32_t nsrv = give(ta, CAP_NOTIFICATION, nt, CAP_RIGHT_RECV);
    started(cli), started(srv);
    CHECK(run() == cli);
    /* Signals without a waiter accumulate. */
    set_mr(cli, 0, 0x1);
    sys(cli, KEEL_TAG(0, 1, 0), ncli, 0, SEND_OPTS(ZERO));
    CHECK_EQ_U(err(cli), 0);
    set_mr(cli, 0, 0x10);
    sys(cli, KEEL_TAG(0, 1, 0), ncli, 0, SEND_OPTS(ZERO));
    CHECK_EQ_U(nt->bits, 0x11);
    sys(cli, 0, 0, OPEN, RECV_OPTS(NEVER));
    CHECK(run() == srv);
    /* A wait takes them all and clears them. */
    sys(srv, 0, 0, nsrv, RECV_OPTS(NEVER));
    CHECK_EQ_U(srv->state, THREAD_READY);
    CHECK_EQ_U(w(srv, 0), KEEL_TAG(0, 1, 0));
    CHECK_EQ_U(mr(srv, 0), 0x11);
    CHECK_EQ_U(w(srv, 2), 0xabc);
    CHECK_EQ_U(nt->bits, 0);
    /* Nothing left: the waiter blocks, with its timeout. */
    sys(srv, 0, 0, nsrv, RECV_OPTS(50));
    CHECK_EQ_U(srv->state, THREAD_NOTIFY);
    CHECK(srv->recv_notif == nt && nt->waiters.head == srv);
    CHECK(srv->deadline != 0);
    /* Signalling no bits wakes no one. */
    ipc_abort(cli, KEEL_E_PARTNER);         /* get cli running again */
    CHECK(run() == cli);
    set_mr(cli, 0, 0);
    sys(cli, KEEL_TAG(0, 1, 0), ncli, 0, SEND_OPTS(ZERO));
    CHECK_EQ_U(err(cli), 0);
    CHECK_EQ_U(srv->state, THREAD_NOTIFY);
    /* A signal wakes it, with just those bits; equal priority: it runs. */
    set_mr(cli, 0, 0x4);
    sys(cli, KEEL_TAG(0, 1, 0), ncli, 0, SEND_OPTS(ZERO));
    CHECK_EQ_U(srv->state, THREAD_READY);
    CHECK_EQ_U(mr(srv, 0), 0x4);
    CHECK_EQ_U(w(srv, 2), 0xabc);
    CHECK_EQ_U(nt->bits, 0);
    CHECK_EQ_U(srv->deadline, 0);
    CHECK(nt->waiters.head == NULL && srv->recv_notif == NULL);
    CHECK(sched_current() == srv);
    CHECK(rq_node_queued(&cli->rq));
    /* Two waiters: the first one to wait is woken first. */
    struct thread *w2 = mk_thread(ta, 5, true);
    started(w2);
    CHECK(run() == srv);
    sys(srv, 0, 0, nsrv, RECV_OPTS(NEVER));
    CHECK(run() == cli);
    sys(cli, 0, 0, OPEN, RECV_OPTS(NEVER));
    CHECK(run() == w2);
    sys(w2, 0, 0, give(ta, CAP_NOTIFICATION, nt, ALL), RECV_OPTS(NEVER));
    CHECK(nt->waiters.head == srv && nt->waiters.tail == w2);
    CHECK(run() == NULL);
    ipc_abort(cli, KEEL_E_PARTNER);
    CHECK(run() == cli);
    set_mr(cli, 0, 0x8);
    sys(cli, KEEL_TAG(0, 1, 0), ncli, 0, SEND_OPTS(ZERO));
    CHECK_EQ_U(srv->state, THREAD_READY);
    CHECK_EQ_U(mr(srv, 0), 0x8);
    CHECK_EQ_U(w2->state, THREAD_NOTIFY);
    CHECK(run() == srv);
    sys(srv, 0, 0, OPEN, RECV_OPTS(NEVER));
    CHECK(run() == cli);
    set_mr(cli, 0, 0x2);
    sys(cli, KEEL_TAG(0, 1, 0), ncli, 0, SEND_OPTS(ZERO));
    /* w2 has the lower priority: woken and queued, the signaller runs on. */
    CHECK_EQ_U(w2->state, THREAD_READY);
    CHECK_EQ_U(mr(w2, 0), 0x2);
    CHECK(sched_current() == cli);
    CHECK(rq_node_queued(&w2->rq));
    CHECK_EQ_U(consistency(), 0);
}

/* ---- timeouts ---- */

static void test_timeouts(void)
{
    pair(10, 10);
    struct thread *t[4];
    nt = mk_notif(1);
    uint32_t us[4] = { 300, 100, 200, 100 };
    for (int i = 0; i < 4; i++) {
        t[i] = mk_thread(tb, 10, true);
        started(t[i]);
    }
    started(srv);
    /* t0 receives (300 us), t1 sends (100), t2 waits on a notification
     * (200), t3 calls (100, same deadline as t1 but later). */
    CHECK(run() == t[0]);
    sys(t[0], 0, 0, OPEN, RECV_OPTS(us[0]));
    CHECK(run() == t[1]);
    sys(t[1], KEEL_TAG(1, 0, 0), gc, 0, SEND_OPTS(us[1]));
    CHECK(run() == t[2]);
    sys(t[2], 0, 0, give(tb, CAP_NOTIFICATION, nt, ALL), RECV_OPTS(us[2]));
    CHECK(run() == t[3]);
    sys(t[3], KEEL_TAG(1, 0, 0), gc, 0, CALL_OPTS(us[3]));
    for (int i = 0; i < 4; i++)
        CHECK_EQ_U(t[i]->deadline, T0 + us[i] * (HZ / 1000000) + 1);
    CHECK_EQ_U(fk.wake, T0 + 1001);
    CHECK_EQ_U(fk.wakes, 4);
    CHECK(run() == srv);
    sys(srv, 0, 0, gs, RECV_OPTS(NEVER));   /* takes t1's message: t1's timeout goes */
    CHECK_EQ_U(t[1]->state, THREAD_READY);
    CHECK_EQ_U(t[1]->deadline, 0);
    CHECK_EQ_U(srv->deadline, 0);
    sys(srv, 0, 0, gs, RECV_OPTS(NEVER));   /* takes t3's call: it waits for the reply,
                                             * with its receive timeout, armed anew */
    CHECK_EQ_U(t[3]->state, THREAD_REPLY);
    CHECK_EQ_U(t[3]->deadline, T0 + 1001);
    fk.now = T0 + 500;
    sys(srv, 0, 0, OPEN, RECV_OPTS(NEVER));
    CHECK(run() == t[1]);
    sys(t[1], 0, 0, OPEN, RECV_OPTS(NEVER)); /* t1 sleeps for good */
    CHECK(run() == NULL);
    /* Not yet: nothing expires. */
    CHECK_EQ_U(timer_fires(T0 + 1000), T0 + 1001);
    CHECK(t[0]->state == THREAD_RECV && t[2]->state == THREAD_NOTIFY && t[3]->state == THREAD_REPLY);
    /* The timer wakes them in deadline order: t3; then t2, then t0. */
    CHECK_EQ_U(timer_fires(T0 + 2500), T0 + 3001);
    CHECK_EQ_U(t[3]->state, THREAD_READY);
    CHECK_EQ_U(err(t[3]), KEEL_E_TIMEOUT);
    CHECK(t[3]->reply_from == NULL && srv->reply_to == NULL); /* the server's right goes */
    CHECK_EQ_U(t[2]->state, THREAD_READY);
    CHECK_EQ_U(err(t[2]), KEEL_E_TIMEOUT);
    CHECK(nt->waiters.head == NULL);
    CHECK_EQ_U(t[0]->state, THREAD_RECV);
    CHECK(run() == t[3]);
    sys(t[3], 0, 0, OPEN, RECV_OPTS(NEVER));
    CHECK(run() == t[2]);
    sys(t[2], 0, 0, OPEN, RECV_OPTS(NEVER));
    CHECK(run() == NULL);
    CHECK_EQ_U(timer_fires(T0 + 3001), 0);
    CHECK_EQ_U(t[0]->state, THREAD_READY);
    CHECK_EQ_U(err(t[0]), KEEL_E_TIMEOUT);
    CHECK_EQ_U(consistency(), 0);

    /* Equal deadlines expire in the order they were armed, and the idle
     * loop lets the timer fire: the machine wakes by itself. */
    pair(10, 10);
    for (int i = 0; i < 3; i++)
        started(t[i] = mk_thread(tb, 10, false));
    for (int i = 0; i < 3; i++) {
        CHECK(run() == t[i]);
        sys(t[i], 0, 0, OPEN, RECV_OPTS(7));
    }
    fk.idle_expires = true;
    CHECK(run() == t[0]);
    CHECK_EQ_U(fk.now, T0 + 71);
    CHECK_EQ_U(fk.idles, 1);
    sys(t[0], 0, 0, OPEN, RECV_OPTS(NEVER));
    CHECK(run() == t[1]);
    sys(t[1], 0, 0, OPEN, RECV_OPTS(NEVER));
    CHECK(run() == t[2]);
    CHECK_EQ_U(err(t[2]), KEEL_E_TIMEOUT);
    sys(t[2], 0, 0, OPEN, RECV_OPTS(NEVER));
    CHECK(run() == NULL);                   /* no deadline left: it would sleep forever */
    CHECK_EQ_U(consistency(), 0);

    /* Rounding: a timeout never expires early, even of one microsecond at
     * a slow counter; the longest one does not overflow. */
    pair(10, 10);
    fk.hz = 32768;
    started(srv);
    run();
    sys(srv, 0, 0, OPEN, RECV_OPTS(1));
    CHECK_EQ_U(srv->deadline, T0 + 1);
    CHECK_EQ_U(timer_fires(T0), T0 + 1);
    CHECK_EQ_U(srv->state, THREAD_RECV);
    ipc_abort(srv, KEEL_E_PARTNER);
    run();
    fk.hz = 1000000000;
    sys(srv, 0, 0, OPEN, RECV_OPTS(KEEL_TIMEOUT_MAX_US));
    CHECK_EQ_U(srv->deadline, T0 + (uint64_t)KEEL_TIMEOUT_MAX_US * 1000 + 1);
    CHECK_EQ_U(consistency(), 0);
}

/* ---- exception messages ---- */

static const uint64_t exc_msg[1 + KEEL_EXC_WORDS] = {
    KEEL_TAG(KEEL_LABEL_EXCEPTION, KEEL_EXC_WORDS, 0), KEEL_FAULT_PAGE_READ, 0x8000001000,
    0x9000000000, 13, 0x8000ff0000,
};

static void test_exceptions(void)
{
    /* srv handles cli's exceptions through gate g. */
    pair(10, 10);
    cli->handler = g;
    started(srv), started(cli);
    run();
    sys(srv, 0, 0, OPEN, RECV_OPTS(NEVER));
    CHECK(run() == cli);
    cli->regs.r[0] = 0xa0;                  /* the faulting frame's own registers */
    CHECK(ipc_exception(cli, exc_msg));
    CHECK_EQ_U(cli->state, THREAD_REPLY);
    CHECK(cli->in_exception);
    CHECK_EQ_U(cli->deadline, 0);           /* no timeout on an exception */
    CHECK_EQ_U(w(cli, 0), 0xa0);
    CHECK_EQ_U(w(srv, 0), exc_msg[0]);
    CHECK_EQ_U(w(srv, 2), 0x5157);
    bool same = true;
    for (uint32_t i = 0; i < KEEL_EXC_WORDS; i++)
        same &= mr(srv, i) == exc_msg[1 + i];
    CHECK(same);
    /* Resume somewhere else. */
    CHECK(run() == srv);
    set_mr(srv, 0, 0x8000002000);
    sys(srv, KEEL_TAG(KEEL_EXC_RESUME, 1, 0), 0, OPEN, REPLY_WAIT_OPTS(NEVER));
    CHECK_EQ_U(cli->state, THREAD_READY);
    CHECK(!cli->in_exception);
    CHECK(entered_at(cli) == 0x8000002000 && arch_regs_ip(&cli->regs) == 0x8000002000);
    CHECK_EQ_U(w(cli, 0), 0xa0);            /* a resumed thread's registers are its own */
    /* The next fault, handler not waiting yet: queued, then "stop". */
    CHECK(run() == cli);
    cli->regs.r[ARCH_REGS_ENTRY_OFFSET / sizeof(uint64_t)] = 0;
    CHECK(ipc_exception(cli, exc_msg));
    CHECK_EQ_U(cli->state, THREAD_REPLY);   /* srv was waiting (reply_wait) */
    CHECK(run() == srv);
    sys(srv, KEEL_TAG(KEEL_EXC_STOP, 0, 0), 0, 0, OPTS(KEEL_IPC_REPLY, 0, 0));
    CHECK_EQ_U(cli->state, THREAD_STOPPED);
    CHECK(!cli->in_exception && entered_at(cli) == 0);
    CHECK(!rq_node_queued(&cli->rq));
    /* Resume with mr0 = 0 retries the same instruction. */
    sched_ready(cli);
    sys(srv, 0, 0, OPEN, RECV_OPTS(NEVER));
    CHECK(run() == cli);
    CHECK(ipc_exception(cli, exc_msg));
    CHECK(run() == srv);
    set_mr(srv, 0, 0);
    sys(srv, KEEL_TAG(KEEL_EXC_RESUME, 1, 0), 0, 0, OPTS(KEEL_IPC_REPLY, 0, 0));
    CHECK_EQ_U(cli->state, THREAD_READY);
    CHECK(entered_at(cli) == 0);
    CHECK_EQ_U(consistency(), 0);

    /* Sender first: the fault waits in the handler's queue (with no
     * timeout, whatever the frame's word 3 says). */
    pair(10, 10);
    cli->handler = g;
    started(cli), started(srv);
    run();
    cli->regs.r[3] = OPTS(0, ZERO, ZERO);
    CHECK(ipc_exception(cli, exc_msg));
    CHECK_EQ_U(cli->state, THREAD_SEND);
    CHECK_EQ_U(cli->deadline, 0);
    CHECK(run() == srv);
    sys(srv, 0, 0, OPEN, RECV_OPTS(NEVER));
    CHECK_EQ_U(w(srv, 0), exc_msg[0]);
    CHECK_EQ_U(mr(srv, KEEL_EXC_SP), exc_msg[1 + KEEL_EXC_SP]);
    CHECK_EQ_U(cli->state, THREAD_REPLY);
    /* The handler is stopped while the thread waits: it stays stopped. */
    ipc_abort(cli, KEEL_E_PARTNER);
    CHECK_EQ_U(cli->state, THREAD_STOPPED);
    CHECK(!cli->in_exception);
    CHECK(srv->reply_to == NULL);
    CHECK_EQ_U(consistency(), 0);

    /* No handler, or its thread gone: not delivered. */
    pair(10, 10);
    started(cli);
    run();
    CHECK(!ipc_exception(cli, exc_msg));
    cli->handler = g;
    g->receiver = NULL;
    CHECK(!ipc_exception(cli, exc_msg));
    CHECK(!cli->in_exception);
    CHECK_EQ_U(cli->state, THREAD_READY);
}

/* A handler without a UTCB cannot take the five words of an exception. */
static void test_exception_too_long(void)
{
    /* Handler waiting: refused at once, the thread left as it was. */
    pair(10, 10);
    srv->utcb = NULL;
    cli->handler = g;
    started(srv), started(cli);
    run();
    sys(srv, 0, 0, OPEN, RECV_OPTS(NEVER));
    run();
    cli->regs.r[0] = 0xa0;
    CHECK(!ipc_exception(cli, exc_msg));
    CHECK(!cli->in_exception);              /* else its next system call sends the fault */
    CHECK_EQ_U(w(cli, 0), 0xa0);            /* its registers are untouched */
    CHECK_EQ_U(srv->state, THREAD_RECV);

    /* Fault queued first: when the handler comes, the handler is told and
     * the thread stays stopped, as if it had no handler. */
    pair(10, 10);
    srv->utcb = NULL;
    cli->handler = g;
    started(cli), started(srv);
    run();
    cli->regs.r[0] = 0xa0;
    CHECK(ipc_exception(cli, exc_msg));
    CHECK(run() == srv);
    sys(srv, 0, 0, OPEN, RECV_OPTS(NEVER));
    CHECK_EQ_U(err(srv), KEEL_E_TOO_LONG);
    CHECK_EQ_U(cli->state, THREAD_STOPPED);
    CHECK(!cli->in_exception);
    CHECK_EQ_U(w(cli, 0), 0xa0);
    CHECK(cli->send_gate == NULL && srv->senders.head == NULL);
    CHECK_EQ_U(consistency(), 0);
}


/* ---- issue 7: chains, callers, reply capabilities ---- */

/* n threads of one task, each blocked in send+receive to a gate bound to
 * the one before, the first to srv's gate; then srv receives once.  Every
 * link completes; returns how deep the kernel's stack went below ours. */
static uintptr_t chain(int n)
{
    reset();
    ta = mk_task(TASK_CAP_SLOTS);
    srv = mk_thread(ta, 10, true);
    struct gate *prev = mk_gate(srv, 0x1000);
    struct thread *link[NTHREAD];
    for (int i = 1; i <= n; i++) {
        struct thread *t = link[i] = started(mk_thread(ta, 10, true));
        uint32_t slot = give(ta, CAP_GATE, prev, SG);
        CHECK(run() == t);
        set_mr(t, 0, (uintptr_t)i);
        sys(t, KEEL_TAG(1, 1, 0), slot, OPEN, OPTS(KEEL_IPC_SEND | KEEL_IPC_RECV, NEVER, NEVER));
        CHECK_EQ_U(t->state, THREAD_SEND);
        CHECK_EQ_U(cap_delete(&ta->caps, slot), KERR_OK); /* the gate stays: t sends through it */
        prev = mk_gate(t, 0x1000 + (uint64_t)i);
    }
    started(srv);
    CHECK(run() == srv);
    rqw.low_frame = 0;
    sys(srv, 0, 0, OPEN, RECV_OPTS(NEVER));
    CHECK_EQ_U(mr(srv, 0), 1);
    int wrong = 0;
    for (int i = 1; i < n; i++) /* each took the next one's message */
        wrong += link[i]->state != THREAD_READY || mr(link[i], 0) != (uintptr_t)i + 1 ||
                 w(link[i], 2) != 0x1000 + (uint64_t)i;
    CHECK_EQ_U(wrong, 0);
    CHECK_EQ_U(link[n]->state, THREAD_RECV);    /* the last one waits: no one sends to it */
    CHECK_EQ_U(consistency(), 0);
    return rqw.low_frame ? (uintptr_t)__builtin_frame_address(0) - rqw.low_frame : 0;
}

/* The completion of a chain is a loop: a long chain goes no deeper into the
 * stack than a short one (it recursed once per link, issue 7 finding 1). */
static void test_chain_iterative(void)
{
    uintptr_t short_chain = chain(3), long_chain = chain(NTHREAD - 2);
    CHECK(short_chain > 0);
    CHECK_EQ_U(long_chain, short_chain);
    printf("test_ipc: chain: %lu / %lu bytes of stack\n", (unsigned long)short_chain,
           (unsigned long)long_chain);
}

/* srv receives a call from each of c[0..n), saving the rights of the first
 * `saved` into reply capabilities (their slots in slot[]). */
static void hold_calls(struct thread **c, int n, int saved, uint32_t *slot)
{
    started(srv);
    for (int i = 0; i < n; i++)
        started(c[i]);
    CHECK(run() == srv);
    sys(srv, 0, 0, OPEN, RECV_OPTS(NEVER));
    for (int i = 0; i < n; i++) {
        CHECK(run() == c[i]);
        set_mr(c[i], 0, 0xc0 + (uintptr_t)i);
        sys(c[i], KEEL_TAG(1, 1, 0), gc, 0, CALL_OPTS(NEVER));
        CHECK_EQ_U(c[i]->state, THREAD_REPLY);
        CHECK(run() == srv);
        CHECK_EQ_U(mr(srv, 0), 0xc0 + (uintptr_t)i);
        if (i < saved) {
            slot[i] = OPEN;
            CHECK_EQ_U(ipc_save_reply(srv, &slot[i]), KEEL_OK);
            CHECK(srv->reply_to == NULL);
        }
        if (i + 1 < n)
            sys(srv, 0, 0, OPEN, RECV_OPTS(NEVER));
    }
}

static void reply_through(struct thread *t, uint32_t slot, uintptr_t word0, uint32_t ops)
{
    set_mr(t, 0, word0);
    sys(t, KEEL_TAG(9, 1, 0), slot, OPEN, OPTS(ops, ZERO, NEVER));
}

static void test_callers_fail_with_their_server(void)
{
    /* Two saved, one implicit: the server's death fails all three. */
    pair(10, 10);
    struct thread *c[3] = { cli, mk_thread(tb, 10, true), mk_thread(tb, 10, true) };
    uint32_t slot[3];
    hold_calls(c, 3, 2, slot);
    CHECK(srv->callers.head == c[0] && srv->callers.tail == c[1] && srv->reply_to == c[2]);
    CHECK_EQ_U(consistency(), 0);
    sched_block(srv, THREAD_DEAD);
    ipc_release(srv);
    for (int i = 0; i < 3; i++) {
        CHECK_EQ_U(c[i]->state, THREAD_READY);
        CHECK_EQ_U(err(c[i]), KEEL_E_PARTNER);
        CHECK(c[i]->reply_from == NULL && c[i]->queue == NULL);
    }
    CHECK(srv->callers.head == NULL && srv->reply_to == NULL);
    /* Its capabilities are stale now: using one fails, and empties it. */
    struct thread *mate = started(mk_thread(ta, 20, true));
    CHECK(run() == mate);
    reply_through(mate, slot[0], 1, KEEL_IPC_SEND);
    CHECK_EQ_U(err(mate), KEEL_E_PARTNER);
    CHECK_EQ_U(cap_lookup(&ta->caps, slot[0], CAP_TYPE_ANY, 0, NULL), KERR_NOENT);
    CHECK_EQ_U(consistency(), 0);

    /* An unsaved right is replaced by the next call: its caller is told at
     * once instead of waiting for an answer no one can give. */
    pair(10, 10);
    struct thread *d[2] = { cli, mk_thread(tb, 10, true) };
    hold_calls(d, 2, 0, slot);
    CHECK_EQ_U(d[0]->state, THREAD_READY);
    CHECK_EQ_U(err(d[0]), KEEL_E_PARTNER);
    CHECK(srv->reply_to == d[1]);
    CHECK_EQ_U(consistency(), 0);
}

static void test_reply_caps(void)
{
    /* Three held, answered in reverse order, each once. */
    pair(10, 10);
    struct thread *c[3] = { cli, mk_thread(tb, 10, true), mk_thread(tb, 10, true) };
    uint32_t slot[3];
    hold_calls(c, 3, 3, slot);
    CHECK(srv->callers.head == c[0] && srv->callers.tail == c[2] && !srv->reply_to);
    CHECK_EQ_U(consistency(), 0);
    for (int i = 2; i >= 0; i--) {
        CHECK(sched_current() == srv);
        reply_through(srv, slot[i], 0xa0 + (uintptr_t)i, KEEL_IPC_SEND);
        CHECK_EQ_U(err(srv), 0);
        CHECK_EQ_U(c[i]->state, THREAD_READY);
        CHECK_EQ_U(w(c[i], 0), KEEL_TAG(9, 1, 0));
        CHECK_EQ_U(mr(c[i], 0), 0xa0 + (uintptr_t)i);
        CHECK_EQ_U(cap_lookup(&ta->caps, slot[i], CAP_TYPE_ANY, 0, NULL), KERR_NOENT);
        CHECK(run() == srv || run() == c[i]);
        if (sched_current() != srv) { /* equal priority: the caller ran; back to srv */
            sys(c[i], 0, 0, OPEN, RECV_OPTS(NEVER));
            CHECK(run() == srv);
        }
        reply_through(srv, slot[i], 0, KEEL_IPC_SEND);
        CHECK_EQ_U(err(srv), KEEL_E_CAP);   /* used up */
    }
    CHECK(srv->callers.head == NULL);
    CHECK_EQ_U(consistency(), 0);

    /* 64 words through a capability, then a receive in the same call. */
    pair(10, 10);
    hold_calls(&cli, 1, 1, slot);
    fill(srv, cli, 64, 500);
    sys(srv, KEEL_TAG(3, 64, 0), slot[0], OPEN, OPTS(KEEL_IPC_SEND | KEEL_IPC_RECV, ZERO, NEVER));
    CHECK(words_arrived(cli, 64, 500));
    CHECK_EQ_U(srv->state, THREAD_RECV);
    CHECK_EQ_U(consistency(), 0);

    /* Stale: the caller gave up, then called again; the old capability
     * does not answer the new call, the new one does. */
    pair(10, 10);
    started(srv), started(cli);
    CHECK(run() == srv);
    sys(srv, 0, 0, OPEN, RECV_OPTS(NEVER));
    CHECK(run() == cli);
    sys(cli, KEEL_TAG(1, 0, 0), gc, 0, CALL_OPTS(100));
    CHECK(run() == srv);
    uint32_t old = OPEN, fresh = OPEN;
    CHECK_EQ_U(ipc_save_reply(srv, &old), KEEL_OK);
    sys(srv, 0, 0, OPEN, RECV_OPTS(NEVER));
    timer_fires(cli->deadline);
    CHECK_EQ_U(err(cli), KEEL_E_TIMEOUT);
    CHECK(srv->callers.head == NULL);
    CHECK(run() == cli);
    sys(cli, KEEL_TAG(1, 0, 0), gc, 0, CALL_OPTS(NEVER));
    CHECK(run() == srv);
    CHECK_EQ_U(ipc_save_reply(srv, &fresh), KEEL_OK);
    reply_through(srv, old, 1, KEEL_IPC_SEND);
    CHECK_EQ_U(err(srv), KEEL_E_PARTNER);
    CHECK_EQ_U(cli->state, THREAD_REPLY);
    CHECK_EQ_U(cap_lookup(&ta->caps, old, CAP_TYPE_ANY, 0, NULL), KERR_NOENT);
    reply_through(srv, fresh, 2, KEEL_IPC_SEND);
    CHECK_EQ_U(err(srv), 0);
    CHECK_EQ_U(mr(cli, 0), 2);
    CHECK_EQ_U(consistency(), 0);

    /* Deleting a live reply capability fails its caller (what deleting the
     * slot, or destroying the task that holds it, does in kobj.c). */
    pair(10, 10);
    hold_calls(&cli, 1, 1, slot);
    struct cap rc;
    CHECK_EQ_U(cap_lookup(&ta->caps, slot[0], CAP_REPLY, CAP_RIGHT_SEND, &rc), KERR_OK);
    CHECK_EQ_U(cap_delete(&ta->caps, slot[0]), KERR_OK);
    ipc_reply_cap_deleted(&rc);
    CHECK_EQ_U(cli->state, THREAD_READY);
    CHECK_EQ_U(err(cli), KEEL_E_PARTNER);
    CHECK(srv->callers.head == NULL);
    ipc_reply_cap_deleted(&rc);             /* stale: nothing happens */
    CHECK_EQ_U(cli->state, THREAD_READY);
    CHECK_EQ_U(consistency(), 0);

    /* Errors: nothing to save; an occupied slot; a reply capability is
     * neither called nor copied as an item. */
    pair(10, 10);
    uint32_t s0 = OPEN;
    CHECK_EQ_U(ipc_save_reply(srv, &s0), KEEL_E_CAP);
    hold_calls(&cli, 1, 0, slot);
    s0 = gs;
    CHECK_EQ_U(ipc_save_reply(srv, &s0), KEEL_E_INVALID);
    CHECK(srv->reply_to == cli);
    s0 = OPEN;
    CHECK_EQ_U(ipc_save_reply(srv, &s0), KEEL_OK);
    sys(srv, KEEL_TAG(1, 0, 0), s0, 0, CALL_OPTS(NEVER));
    CHECK_EQ_U(err(srv), KEEL_E_INVALID);
    struct gate *back = mk_gate(cli, 0xb);
    uint32_t bs = give(ta, CAP_GATE, back, SG);
    item(srv, 0, s0, CAP_RIGHT_SEND);
    sys(srv, KEEL_TAG(1, 0, 1), bs, 0, SEND_OPTS(ZERO));
    CHECK_EQ_U(err(srv), KEEL_E_CAP);
    CHECK_EQ_U(cli->state, THREAD_REPLY);   /* still waiting: the capability is intact */
    reply_through(srv, s0, 5, KEEL_IPC_SEND);
    CHECK_EQ_U(err(srv), 0);
    CHECK_EQ_U(mr(cli, 0), 5);
    CHECK_EQ_U(consistency(), 0);
}

static const uint64_t exit_msg[1 + KEEL_EXC_WORDS] = { KEEL_TAG(KEEL_LABEL_EXIT, 1, 0), 3 };

/* srv, waiting, hears msg from cli (its handler is g). */
static void deliver(const uint64_t *msg)
{
    cli->handler = g;
    started(srv), started(cli);
    run();
    sys(srv, 0, 0, OPEN, RECV_OPTS(NEVER));
    CHECK(run() == cli);
    CHECK(ipc_exception(cli, msg));
    CHECK(run() == srv);
}

static void test_exception_verdicts(void)
{
    /* An exited thread stays stopped, even if told to resume. */
    pair(10, 10);
    deliver(exit_msg);
    CHECK_EQ_U(mr(srv, 0), 3);
    set_mr(srv, 0, 0x8000002000);
    sys(srv, KEEL_TAG(KEEL_EXC_RESUME, 1, 0), 0, 0, OPTS(KEEL_IPC_REPLY, 0, 0));
    CHECK_EQ_U(err(srv), 0);
    CHECK_EQ_U(cli->state, THREAD_STOPPED);
    CHECK(!cli->in_exception && entered_at(cli) == 0);
    CHECK_EQ_U(consistency(), 0);

    /* A handler without a UTCB takes the one-word exit message; a resume
     * of 10 words it has nowhere to hold is refused, not read from NULL. */
    pair(10, 10);
    srv->utcb = NULL;
    deliver(exit_msg);
    sys(srv, KEEL_TAG(KEEL_EXC_RESUME, 10, 0), 0, 0, OPTS(KEEL_IPC_REPLY, 0, 0));
    CHECK_EQ_U(err(srv), KEEL_E_INVALID);
    CHECK_EQ_U(cli->state, THREAD_STOPPED);
    CHECK(!cli->in_exception && entered_at(cli) == 0);
    /* Every length of resume to a fault from such a handler: up to four
     * words resume it, more are refused and leave it stopped. */
    for (uint32_t n = 0; n <= KEEL_MSG_WORDS; n++) {
        pair(10, 10);
        srv->utcb = NULL;
        deliver(exit_msg);
        cli->exc_msg[0] = exc_msg[0];   /* as if it had faulted (1 word was delivered) */
        set_mr(srv, 0, 0);
        sys(srv, KEEL_TAG(KEEL_EXC_RESUME, n, 0), 0, 0, OPTS(KEEL_IPC_REPLY, 0, 0));
        CHECK_EQ_U(err(srv), n <= KEEL_MSG_REG_WORDS ? 0 : KEEL_E_INVALID);
        CHECK_EQ_U(cli->state, n <= KEEL_MSG_REG_WORDS ? THREAD_READY : THREAD_STOPPED);
        CHECK_EQ_U(consistency(), 0);
    }

    /* A saved exception: the verdict comes through the capability. */
    pair(10, 10);
    deliver(exc_msg);
    uint32_t rs = OPEN;
    CHECK_EQ_U(ipc_save_reply(srv, &rs), KEEL_OK);
    set_mr(srv, 0, 0x8000003000);
    sys(srv, KEEL_TAG(KEEL_EXC_RESUME, 1, 0), rs, 0, SEND_OPTS(ZERO));
    CHECK_EQ_U(err(srv), 0);
    CHECK_EQ_U(cli->state, THREAD_READY);
    CHECK(entered_at(cli) == 0x8000003000 && arch_regs_ip(&cli->regs) == 0x8000003000);
    CHECK_EQ_U(consistency(), 0);
}

/* A blocking send or call to a gate only the sender receives on. */
static void test_deadlock(void)
{
    pair(10, 10);
    started(srv);
    run();
    static const uint32_t ops[] = { KEEL_IPC_CALL, KEEL_IPC_SEND, KEEL_IPC_SEND | KEEL_IPC_RECV };
    for (uint32_t i = 0; i < ARRAY_SIZE(ops); i++) {
        sys(srv, KEEL_TAG(1, 0, 0), gs, OPEN, OPTS(ops[i], NEVER, NEVER));
        CHECK_EQ_U(err(srv), KEEL_E_DEADLOCK);
        CHECK_EQ_U(srv->state, THREAD_READY);
    }
    CHECK(srv->senders.head == NULL);
    /* A thread whose handler is its own gate: not delivered (stopped). */
    srv->handler = g;
    CHECK(!ipc_exception(srv, exc_msg));
    CHECK(!srv->in_exception);
    CHECK_EQ_U(consistency(), 0);
}

/* ---- random system calls against a model ---- */

#define RT 6            /* threads */
#define RG 4            /* gates */
#define MAGIC 0x5eed0000ull

static uint64_t rng = 0x243f6a8885a308d3ull;

static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (uint32_t)(rng % n);
}

/* What the model knows about each thread's system call in progress. */
static struct {
    uint32_t ops;
    uint64_t msg;           /* the message id it sends (mr0), 0 if none */
    bool delivered;         /* someone received msg */
    uint64_t last_call;     /* id of the last call it received (its reply right) */
    bool signalled;         /* its op signals a notification */
    bool invoked;           /* its op saved its reply right (a kernel-object call) */
    uint32_t nsaved;        /* reply capabilities it saved and has not used */
    uint32_t saved_slot[4];
    uint64_t saved_id[4];   /* the call each answers */
} m[RT];
static uint32_t self_cap[RT];   /* each thread's capability to itself */
static int cap_answers, cap_stale, cap_deletes, releases;
static uintptr_t outstanding;    /* notification bits signalled and not yet taken */
static int model_errors, completions, deliveries, replies, timeouts_seen;

static void model_bad(const char *what, int i)
{
    if (model_errors++ < 5)
        printf("     model: %s (thread %d)\n", what, i);
}

static bool blocked(const struct thread *t)
{
    return t->state == THREAD_SEND || t->state == THREAD_RECV || t->state == THREAD_NOTIFY ||
           t->state == THREAD_REPLY;
}

/* Thread i received its message: check it against the model. */
static void received(int i, uint64_t tag)
{
    struct thread *t = &threads[i];
    uint64_t id = mr(t, 0);
    if (w(t, 2) == 0x99) {                          /* the notification */
        if (!id || (id & ~outstanding))
            model_bad("notification bits that were not signalled", i);
        outstanding &= ~id;
        return;
    }
    if (w(t, 2) == 0) {                             /* a reply */
        if (id != (m[i].msg ^ MAGIC))
            model_bad("a reply to another call", i);
        replies++;
        return;
    }
    int s = (int)(id >> 32) - 1;
    if (s < 0 || s >= RT || m[s].msg != id || m[s].delivered) {
        model_bad("a message no one is sending", i);
        return;
    }
    if ((w(t, 2) & ~(uint64_t)(RG - 1)) != 0x100)
        model_bad("label of no gate", i);
    m[s].delivered = true;
    deliveries++;
    if (m[s].ops & KEEL_IPC_CALL)
        m[i].last_call = id;
}

/* Thread i's system call is over (it is ready again): what it received.
 * Every completion of a step goes through here before sent() looks. */
static void completed(int i)
{
    struct thread *t = &threads[i];
    uint32_t e = err(t);
    completions++;
    timeouts_seen += e == KEEL_E_TIMEOUT;
    if (!e && !m[i].invoked && (m[i].ops & (KEEL_IPC_RECV | KEEL_IPC_CALL)))
        received(i, w(t, 0));
}

/* ... and what became of what it sent. */
static void sent(int i)
{
    uint32_t e = err(&threads[i]), ops = m[i].ops;
    if (ops == KEEL_IPC_SEND && !m[i].signalled && m[i].msg && !e != m[i].delivered)
        model_bad(e ? "a failed send was delivered" : "a successful send went nowhere", i);
    if (ops == KEEL_IPC_CALL && !e && !m[i].delivered && !m[i].invoked)
        model_bad("a call answered without being received", i);
}

static void random_op(struct thread *t, uint32_t gcap[RG], uint32_t ncap)
{
    int i = (int)(t - threads);
    static const uint32_t timeouts[] = { ZERO, NEVER, 1, 5, 20 };
    uint32_t sto = timeouts[rnd(5)], rto = timeouts[rnd(5)];
    uint32_t words = rnd(3) ? rnd(5) : rnd(KEEL_MSG_WORDS + 1);
    uint32_t ops, send = gcap[rnd(RG)], recv = rnd(3) ? OPEN : (rnd(2) ? ncap : gcap[rnd(RG)]);
    uint64_t id = ((uint64_t)(i + 1) << 32) | (uint32_t)rnd(1u << 30) << 1 | 1;
    m[i].signalled = false;
    m[i].invoked = false;
    m[i].msg = 0;
    m[i].delivered = false;
    uint32_t kind = rnd(11);
    bool save = kind == 8 || ((kind == 5 || kind == 6) && rnd(2)); /* instead of a reply */
    if (save && m[i].last_call && m[i].nsaved < 4) {
        /* Save the reply right: the fixture's kobj_invoke runs ipc_save_reply. */
        m[i].ops = KEEL_IPC_CALL;
        m[i].invoked = true;
        set_mr(t, 0, OPEN);
        sys(t, KEEL_TAG(KEEL_THREAD_SAVE_REPLY, 1, 0), self_cap[i], 0, CALL_OPTS(NEVER));
        if (!err(t)) { /* else the right stays where it was */
            m[i].saved_slot[m[i].nsaved] = (uint32_t)mr(t, 0);
            m[i].saved_id[m[i].nsaved++] = m[i].last_call;
            m[i].last_call = 0;
        }
        return;
    }
    uint32_t pick = m[i].nsaved ? rnd(m[i].nsaved) : 0;
    bool by_cap = kind >= 9 && m[i].nsaved;
    uint64_t cap_id = by_cap ? m[i].saved_id[pick] : 0;
    if (by_cap) { /* answer a saved call through its capability (used up) */
        send = m[i].saved_slot[pick];
        m[i].nsaved--;
        m[i].saved_slot[pick] = m[i].saved_slot[m[i].nsaved];
        m[i].saved_id[pick] = m[i].saved_id[m[i].nsaved];
        kind = rnd(2) ? 9 : 10;
    }
    switch (kind) {
    case 9: ops = KEEL_IPC_SEND; break;
    case 10: ops = KEEL_IPC_SEND | KEEL_IPC_RECV; break;
    case 0: ops = KEEL_IPC_SEND; break;
    case 1: ops = KEEL_IPC_SEND | KEEL_IPC_RECV; break;
    case 2: case 3: ops = KEEL_IPC_CALL; break;
    case 4: ops = KEEL_IPC_RECV; break;
    case 5: ops = KEEL_IPC_REPLY | KEEL_IPC_RECV; break;
    case 6: ops = KEEL_IPC_REPLY; break;
    default: /* signal */
        ops = KEEL_IPC_SEND;
        send = ncap;
        words = 1;
        m[i].signalled = true;
    }
    m[i].ops = ops;
    for (uint32_t k = 0; k < words; k++)
        set_mr(t, k, k * 3 + 1);
    if (m[i].signalled) {
        uintptr_t bits = (uintptr_t)1 << rnd(8);
        set_mr(t, 0, bits);
        outstanding |= bits;
    } else if (ops & KEEL_IPC_REPLY) {
        set_mr(t, 0, m[i].last_call ^ MAGIC);
        m[i].last_call = 0;     /* a reply uses the right up, whatever comes of it */
    } else if (by_cap) {
        set_mr(t, 0, cap_id ^ MAGIC);
    } else if (ops & (KEEL_IPC_SEND | KEEL_IPC_CALL)) {
        set_mr(t, 0, id);
        m[i].msg = id;
    }
    if ((ops & (KEEL_IPC_SEND | KEEL_IPC_CALL | KEEL_IPC_REPLY)) && words == 0)
        words = 1;
    t->utcb->accept_items = rnd(2);
    uint32_t items = rnd(6) == 0;
    if (items)
        item(t, 0, gcap[rnd(RG)], CAP_RIGHT_SEND);
    sys(t, KEEL_TAG(1, words, items), send, recv, OPTS(ops, sto, rto));
    if (by_cap) {
        cap_answers += !err(t);
        cap_stale += err(t) == KEEL_E_PARTNER;
        /* (a receive phase may put a received item into the freed slot) */
        if (cap_lookup(&t->task->caps, send, CAP_REPLY, 0, NULL) == KERR_OK)
            model_bad("a reply capability survived its use", i);
    }
}

/* A thread deletes one of its saved reply capabilities unused. */
static void random_delete(struct thread *t)
{
    int i = (int)(t - threads);
    if (!m[i].nsaved)
        return;
    uint32_t k = rnd(m[i].nsaved), slot = m[i].saved_slot[k];
    struct cap c;
    if (cap_lookup(&t->task->caps, slot, CAP_REPLY, 0, &c) != KERR_OK) {
        model_bad("a saved reply capability is gone", i);
        return;
    }
    cap_delete(&t->task->caps, slot);
    ipc_reply_cap_deleted(&c);
    cap_deletes++;
    m[i].nsaved--;
    m[i].saved_slot[k] = m[i].saved_slot[m[i].nsaved];
    m[i].saved_id[k] = m[i].saved_id[m[i].nsaved];
}

static void test_random(void)
{
    enum { STEPS = 200000 };
    reset();
    struct task *tk[2] = { mk_task(TASK_CAP_SLOTS), mk_task(TASK_CAP_SLOTS) };
    for (int i = 0; i < RT; i++)
        mk_thread(tk[i % 2], (uint8_t)(10 + i % 3), true);
    struct notification *n = mk_notif(0x99);
    uint32_t gcap[RG], ncap = 0;
    static const int bound[RG] = { 0, 1, 3, 4 };
    for (int k = 0; k < RG; k++) {
        struct gate *gt = mk_gate(&threads[bound[k]], 0x100 + (uint64_t)k);
        for (int j = 0; j < 2; j++)
            gcap[k] = give(tk[j], CAP_GATE, gt, ALL); /* same slot in both tables */
    }
    for (int j = 0; j < 2; j++)
        ncap = give(tk[j], CAP_NOTIFICATION, n, ALL);
    for (int i = 0; i < RT; i++)
        self_cap[i] = give(tk[i % 2], CAP_THREAD, &threads[i], ALL);
    memset(m, 0, sizeof(m));
    outstanding = 0;
    for (int i = 0; i < RT; i++)
        started(&threads[i]);
    int inconsistent = 0, idle = 0;
    enum thread_state before[RT];
    for (int step = 0; step < STEPS; step++) {
        for (int i = 0; i < RT; i++)
            before[i] = threads[i].state;
        struct thread *t = NULL;
        switch (rnd(16)) {
        case 0: /* time passes; the timer fires */
            timer_fires(fk.now + rnd(300));
            break;
        case 1:
            sched_tick();
            break;
        case 2: { /* a thread is stopped and started again */
            struct thread *x = &threads[rnd(RT)];
            if (blocked(x)) {
                ipc_abort(x, KEEL_E_PARTNER);
                if (x->state != THREAD_READY)
                    model_bad("aborted thread not ready", (int)(x - threads));
            }
            break;
        }
        case 3: /* a reply capability is deleted unused */
            random_delete(&threads[rnd(RT)]);
            break;
        case 4: /* a thread forgets everyone waiting on it, as if it died */
            if (rnd(8) == 0) {
                struct thread *x = &threads[rnd(RT)];
                ipc_release(x);
                m[x - threads].last_call = 0;
                releases++;
            }
            break;
        default:
            t = run();
            if (!t) {
                idle++;
                timer_fires(fk.wake ? fk.wake : fk.now + 1);
                break;
            }
            random_op(t, gcap, ncap);
        }
        bool done[RT];
        for (int i = 0; i < RT; i++) {
            struct thread *x = &threads[i];
            done[i] = (before[i] != THREAD_READY || x == t) && x->state == THREAD_READY;
            if (done[i])
                completed(i);
        }
        for (int i = 0; i < RT; i++)
            if (done[i])
                sent(i);
        if (n->bits != outstanding)
            model_bad("notification bits differ from what was signalled and taken", -1), outstanding = n->bits;
        if (consistency()) {
            if (inconsistent++ < 3)
                printf("     after step %d\n", step);
        }
        if (model_errors > 20)
            break;
    }
    CHECK_EQ_U(inconsistent, 0);
    CHECK_EQ_U(model_errors, 0);
    /* The run exercised what it should. */
    CHECK(deliveries > STEPS / 50 && replies > STEPS / 500 && timeouts_seen > STEPS / 100);
    CHECK(idle > 0);
    CHECK(cap_answers > 25 && cap_stale > 10 && cap_deletes > 10 && releases > 500);
    printf("test_ipc: random: %d completions, %d deliveries, %d replies, %d timeouts, %d idle\n",
           completions, deliveries, replies, timeouts_seen, idle);
    printf("test_ipc: random: %d answers through reply capabilities, %d stale, %d deleted, "
           "%d servers released\n", cap_answers, cap_stale, cap_deletes, releases);
}

/* ---- badges (issue 8) ---- */

/* A copy of gate capability slot from of tk, badged with badge. */
static uint32_t badged(struct task *tk, uint32_t from, uint64_t badge)
{
    uint32_t to = CAP_SLOT_ANY;
    if (cap_derive(&tk->caps, from, &tk->caps, &to, SG, badge) != KERR_OK)
        abort();
    return to;
}

static void test_badges(void)
{
    /* Two badged capabilities and the plain one, all to gate g: the fast
     * path (a call of register words), the general path (8 words) and a
     * queued sender each deliver the badge, the plain one the label. */
    static const uint32_t words[] = { 1, 8 };
    for (uint32_t k = 0; k < 2; k++) {
        pair(10, 10);
        uint32_t b1 = badged(tb, gc, 0xb1), b2 = badged(tb, gc, 0xb2);
        started(srv), started(cli);
        CHECK(run() == srv);
        sys(srv, 0, 0, OPEN, RECV_OPTS(NEVER));
        const uint32_t caps[] = { b1, b2, gc };
        const uint64_t want[] = { 0xb1, 0xb2, 0x5157 };
        for (uint32_t i = 0; i < 3; i++) {
            CHECK(run() == cli);
            sys(cli, KEEL_TAG(1, words[k], 0), caps[i], 0, CALL_OPTS(NEVER));
            CHECK(run() == srv);
            CHECK_EQ_U(w(srv, 2), want[i]);
            sys(srv, KEEL_TAG(2, 0, 0), 0, OPEN, REPLY_WAIT_OPTS(NEVER));
        }
        CHECK_EQ_U(consistency(), 0);
    }

    /* Queued: the sender waits, then its capability is deleted; the badge
     * it sent with still arrives. */
    pair(10, 10);
    uint32_t b = badged(tb, gc, 0xbeef);
    started(cli), started(srv);
    CHECK(run() == cli);
    sys(cli, KEEL_TAG(3, 1, 0), b, 0, SEND_OPTS(NEVER));
    CHECK_EQ_U(cli->state, THREAD_SEND);
    CHECK_EQ_U(cap_delete(&tb->caps, b), KERR_OK);
    CHECK(run() == srv);
    sys(srv, 0, 0, OPEN, RECV_OPTS(NEVER));
    CHECK_EQ_U(w(srv, 2), 0xbeef);

    /* An item keeps its badge. */
    pair(10, 10);
    b = badged(tb, gc, 0xcafe);
    srv->utcb->accept_items = 1;
    started(srv), started(cli);
    CHECK(run() == srv);
    sys(srv, 0, 0, OPEN, RECV_OPTS(NEVER));
    CHECK(run() == cli);
    item(cli, 0, b, CAP_RIGHT_SEND);
    sys(cli, KEEL_TAG(4, 0, 1), gc, 0, SEND_OPTS(NEVER));
    struct cap c;
    CHECK_EQ_U(KEEL_TAG_ITEMS(w(srv, 0)), 1);
    CHECK_EQ_U(cap_lookup(&ta->caps, srv->utcb->item[0].slot, CAP_GATE, 0, &c), KERR_OK);
    CHECK_EQ_U(c.label, 0xcafe);
    CHECK_EQ_U(consistency(), 0);
}

int main(void)
{
    hang_guard(60);
    test_send_receiver_first();
    test_send_sender_first();
    test_call_reply_receiver_first();
    test_call_reply_caller_first();
    test_send_then_receive();
    test_message_words();
    test_message_limits();
    test_items();
    test_bad_ops();
    test_bad_caps();
    test_timeout_zero();
    test_reply_errors();
    test_partner_gone();
    test_fifo_and_selective_receive();
    test_notifications();
    test_timeouts();
    test_exceptions();
    test_exception_too_long();
    test_chain_iterative();
    test_callers_fail_with_their_server();
    test_reply_caps();
    test_exception_verdicts();
    test_deadlock();
    test_badges();
    test_random();
    reset();
    return check_summary("test_ipc");
}
