/*
 * Threads (thread.c), and what acts on them: the scheduler (sched.c), IPC
 * (ipc.c, fastpath.c) and timeouts (timeout.c).  Each object kind has its
 * own header (task.h, gate.h, notification.h, factory.h); this one includes
 * them all, since a thread links to each.
 */
#pragma once

#include <cap.h>
#include <factory.h>
#include <gate.h>
#include <keel/errors.h>
#include <keel/kobj.h>
#include <notification.h>
#include <mapping.h>
#include <runqueue.h>
#include <task.h>
#include <waitq.h>

#define PRIO_MAX 255

enum thread_state {
    THREAD_INACTIVE,        /* created, not started */
    THREAD_READY,           /* runnable (queued, or current) */
    THREAD_SEND,            /* blocked sending through send_gate */
    THREAD_RECV,            /* blocked receiving */
    THREAD_REPLY,           /* blocked waiting for the reply of reply_from */
    THREAD_NOTIFY,          /* blocked waiting on a notification */
    THREAD_STOPPED,         /* stopped (exception without handler, or by request) */
    THREAD_DEAD,
};

struct thread {
    struct arch_regs regs;      /* user state, saved by every trap from user mode */
    struct task *task;
    struct thread *task_next;   /* the task's other threads */
    struct gate *gates;         /* gates bound to this thread */
    struct rq_node rq;          /* ready queue */
    /* The IPC word: the conditions the fast path (fastpath.c) tests on a
     * partner, in one word it reads with one load (see "The IPC word"
     * below).  state and in_exception are bytes of it; the three has_/
     * recv_closed flags mirror deadline, recv_gate and reply_to, and are
     * written only with them, by thread_set_deadline, thread_set_recv_gate
     * and thread_set_reply_to. */
    union {
        struct {
            uint8_t state;          /* enum thread_state */
            bool in_exception;      /* blocked on its handler: the frame is the fault's */
            bool has_deadline;      /* deadline != 0 */
            bool recv_closed;       /* recv_gate != NULL */
            bool has_reply_to;      /* reply_to != NULL */
            uint8_t ipc_spare[3];   /* always 0 */
        };
        uint64_t ipc_word;          /* all eight bytes */
        uint32_t ipc_word_low;      /* the first four: all but has_reply_to */
    };
    uint8_t prio;
    bool timeslice_over;
    struct keel_utcb *utcb;     /* kernel view of its UTCB page, or NULL */
    uint64_t utcb_pa;

    /* IPC */
    uint32_t ipc_ops;           /* keel_ipc_op flags of the call in progress */
    struct waitq *queue;        /* the queue this thread waits in, if any */
    struct thread *q_next, *q_prev;
    struct gate *send_gate;     /* THREAD_SEND: through which gate */
    uint64_t send_badge;        /* THREAD_SEND: what the receiver learns (badge or label) */
    struct gate *recv_gate;     /* THREAD_RECV: only from this gate; NULL = open */
    struct notification *recv_notif;
    struct waitq senders;       /* threads sending through gates bound to this one */
    struct thread *reply_to;    /* the caller its implicit reply right answers, or NULL */
    struct waitq callers;       /* callers whose rights it saved as reply capabilities */
    struct thread *reply_from;  /* THREAD_REPLY: the thread that received the call */
    uint64_t call_seq;          /* reply capabilities made for its calls: stamps them */
    uint64_t deadline;          /* counter value; 0 = none */
    struct thread *t_next;      /* timeout list */

    /* exceptions */
    struct gate *handler;       /* receives exception messages; NULL = stop and log */
    struct thread *handler_next, *handler_prev; /* the handler gate's other threads */
    /* in_exception: in the IPC word above */
    uint64_t exc_msg[1 + KEEL_EXC_WORDS]; /* tag and words of the exception message */

    /* lifetime */
    uint32_t caps;              /* thread capabilities naming it: the last going kills it */
    uint32_t refs;              /* those and the reply capabilities naming it: the last
                                   going (once it is dead) frees its page */

    /* floating point: its FP/SIMD registers while another thread's are loaded */
    struct arch_fpu fpu;
    uint8_t fpu_eager;          /* lazy ports: resumes left to load them eagerly */
};
_Static_assert(sizeof(struct thread) <= ARCH_PAGE_SIZE, "a thread fits its page");

/*
 * The IPC word (struct thread: ipc_word).  Invariant, for every thread at
 * every kernel exit (tests/host: kcore.h's consistency check asserts it
 * after every step of the random runs):
 *   has_deadline == (deadline != 0), recv_closed == (recv_gate != NULL),
 *   has_reply_to == (reply_to != NULL), ipc_spare all 0;
 *   recv_gate != NULL only in THREAD_RECV.
 * The general path keeps it through the setters below (the only writers of
 * deadline, recv_gate and reply_to) and by writing state and in_exception,
 * which are bytes of the word; the fast path also stores whole words whose
 * value its checks determined.  IPC_WORD() builds a word's value: the bytes
 * in the order of the struct, little-endian as every port is.
 */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "IPC_WORD is little-endian");
_Static_assert(offsetof(struct thread, in_exception) == offsetof(struct thread, ipc_word) + 1 &&
               offsetof(struct thread, has_deadline) == offsetof(struct thread, ipc_word) + 2 &&
               offsetof(struct thread, recv_closed) == offsetof(struct thread, ipc_word) + 3 &&
               offsetof(struct thread, has_reply_to) == offsetof(struct thread, ipc_word) + 4,
               "the IPC word's bytes");
#define IPC_WORD(state, in_exception, has_deadline, recv_closed, has_reply_to)                  \
    ((uint64_t)(state) | (uint64_t)(in_exception) << 8 | (uint64_t)(has_deadline) << 16 |      \
     (uint64_t)(recv_closed) << 24 | (uint64_t)(has_reply_to) << 32)

static inline void thread_set_reply_to(struct thread *t, struct thread *caller)
{
    t->reply_to = caller;
    t->has_reply_to = caller != NULL;
}

static inline void thread_set_recv_gate(struct thread *t, struct gate *g)
{
    t->recv_gate = g;
    t->recv_closed = g != NULL;
}

static inline void thread_set_deadline(struct thread *t, uint64_t deadline)
{
    t->deadline = deadline;
    t->has_deadline = deadline != 0;
}

/* The invariant above holds for t (the host tests' check). */
static inline bool thread_ipc_word_ok(const struct thread *t)
{
    return t->has_deadline == (t->deadline != 0) && t->recv_closed == (t->recv_gate != NULL) &&
           t->has_reply_to == (t->reply_to != NULL) && !t->ipc_spare[0] && !t->ipc_spare[1] &&
           !t->ipc_spare[2] && (!t->recv_gate || t->state == THREAD_RECV);
}

/* The ABI's error for a failed cap_lookup(): a missing right, a revoked
 * capability, or no usable capability there at all. */
static inline uint32_t cap_lookup_error(enum kerr e)
{
    return e == KERR_PERM ? KEEL_E_RIGHTS : e == KERR_REVOKED ? KEEL_E_REVOKED : KEEL_E_CAP;
}

/* ---- scheduler (sched.c) ---- */
/* The scheduler's state: only sched.c and the IPC fast path (fastpath.c)
 * touch it.  What the fast path reads first, and the run queue last (its
 * count and top lead it): every field the fast path touches then lies
 * within 2 KiB of the start, which RISC-V's 12-bit offsets reach from one
 * base register (with ready first, Clang 14 added an instruction to each). */
struct sched_state {
    struct thread *current;
    const struct vm_space *space;   /* the address space active on the CPU */
    struct thread *fpu_owner;       /* whose FP/SIMD state the CPU's registers hold */
    struct runqueue ready;
};
extern struct sched_state sched;

/* Lazy ports: a thread that trapped for the FP/SIMD unit is resumed with
 * its registers loaded for this many of its next switches (each one spends
 * one; a new trap refills them), so that a thread that keeps using FP pays
 * one trap per FPU_EAGER_RESUMES + 1 switches, and one that stopped pays
 * at most this many needless loads (docs/design.md, "Floating point"). */
#define FPU_EAGER_RESUMES 8

/* The FP/SIMD part of resuming t, the same for kernel_user_resume() and
 * the fast path: eager ports load t's registers unless it owns them; lazy
 * ones leave the owner's in place and turn the unit on for t only if t owns
 * them (after an eager load for a thread that recently trapped for it). */
static inline __attribute__((always_inline)) void sched_fpu_resume(struct thread *t)
{
    struct thread *o = sched.fpu_owner;
#if ARCH_FPU_LAZY
    if (t != o && t->fpu_eager) {
        t->fpu_eager--;
        arch_fpu_switch(o ? &o->fpu : NULL, &t->fpu);
        sched.fpu_owner = o = t;
    }
    arch_fpu_access(&t->regs, t == o);
#else
    if (t != o) {
        arch_fpu_switch(o ? &o->fpu : NULL, &t->fpu);
        sched.fpu_owner = t;
    }
#endif
}
void sched_ready(struct thread *t);         /* runnable, queued */
void sched_block(struct thread *t, enum thread_state why);
struct thread *sched_current(void);
void sched_switch_to(struct thread *t);     /* direct switch after an IPC hand-off */
/* Direct switch to t when the current thread is about to block (it is not
 * queued; if it does not block after all, sched_ready() queues it). */
void sched_hand_over(struct thread *t);
void sched_tick(void);                      /* round robin */

/* ---- IPC (ipc.c) ---- */
void ipc_syscall(struct thread *t);
/* Unblock t from whatever IPC it waits in, its result tag carrying err. */
void ipc_abort(struct thread *t, uint32_t err);
/* Deliver a user exception of t to its handler; false if it has none. */
bool ipc_exception(struct thread *t, const uint64_t *msg);
/* t is going away: every thread waiting on it (senders, its caller, the
 * callers of its saved reply capabilities) fails with KEEL_E_PARTNER. */
void ipc_release(struct thread *t);
/* Move t's implicit reply right into a CAP_REPLY capability in slot *slot
 * of its task (KEEL_CAP_OPEN: any free one; *slot is then where it went). */
uint32_t ipc_save_reply(struct thread *t, uint32_t *slot);
/* Reply capability c was deleted unused: its caller, if it still waits for
 * that very call, fails with KEEL_E_PARTNER. */
void ipc_reply_cap_deleted(const struct cap *c);

/* ---- timeouts (timeout.c) ---- */
void timeout_arm(struct thread *t, uint64_t deadline);
void timeout_cancel(struct thread *t);
/* Wake every thread whose deadline has passed; returns the next deadline or 0. */
uint64_t timeout_expire(uint64_t now);
/* True if some thread waits with a deadline (the timer will wake it). */
bool timeout_pending(void);

/* ---- the end of the system ---- */
/* A thread of the root task was stopped or killed (sched_block calls it):
 * if none of root's threads can run again, the boot ends, failed (loader.c). */
void root_thread_stopped(const struct thread *t);
/* No thread is ready, none waits for a timeout and no interrupt line is
 * bound to a notification: nothing could wake a thread, the system would
 * idle forever; report it and end the boot, failed (main.c). */
noreturn void kernel_stuck(void);

/* ---- threads (thread.c) ---- */
/* A new inactive thread in task, charged to f. */
uint32_t thread_create(struct factory *f, struct task *task, struct thread **out);
/* Give back a thread never handed out (unlinked from its task). */
void thread_discard(struct thread *t);
/* Give thread t a UTCB page at va in its task, charged to f. */
uint32_t thread_set_utcb(struct thread *t, struct factory *f, uintptr_t va);
/* Registers for a thread that is not running (KEEL_E_INVALID otherwise). */
uint32_t thread_set_regs(struct thread *t, uintptr_t ip, uintptr_t sp, uintptr_t arg);
/* Priority prio (at most the invoker's, by): KEEL_E_INVALID above PRIO_MAX,
 * KEEL_E_RIGHTS above by's own. */
uint32_t thread_set_prio(struct thread *t, const struct thread *by, uintptr_t prio);
/* Exceptions of t go to g (NULL: none; t is then stopped and logged). */
void thread_set_handler(struct thread *t, struct gate *g);
/* Make a thread that is not running runnable (KEEL_E_INVALID otherwise). */
uint32_t thread_start(struct thread *t);
/* Take t off any IPC and the processor, stopped. */
void thread_stop(struct thread *t);
/* cap_object_ref() for a thread (thread_cap: a CAP_THREAD, else a
 * CAP_REPLY naming it): the last thread capability going kills it, and
 * once it is dead and no capability names it its page goes back (unless it
 * is the running thread: then it goes with its task's header). */
void thread_ref(struct thread *t, bool thread_cap, int delta);
/* Take a thread off everything and mark it dead.  Its page stays until its
 * task is dead and no capability names the task or a thread of it (task.c):
 * every kernel link to t must be cut here, since none is counted. */
void thread_kill(struct thread *t);

/* Kept here for the files that have always found it with the objects. */
#include <invoke.h>
