/*
 * Kernel objects: tasks, threads, gates, notifications, factories, and the
 * scheduler.  Each object lives in kernel pages charged to the quota of the
 * factory the request named; the frame table (kmem.h) records which one
 * paid for each page, and every free gives the page back to it.
 */
#pragma once

#include <cap.h>
#include <keel/errors.h>
#include <keel/kobj.h>
#include <runqueue.h>
#include <vm.h>

#define TASK_NAME_MAX 16
#define TASK_CAP_SLOTS (ARCH_PAGE_SIZE / sizeof(struct cap_slot))

struct factory;

struct task {
    struct vm_space vm;
    struct vm_pt_alloc pt;      /* its page tables, charged to quota */
    struct cap_table caps;      /* slots in their own page */
    struct factory *pt_charge;  /* pays for the tables of the mapping being made */
    struct thread *threads;     /* list through thread.task_next */
    uint32_t refs;              /* capabilities naming the task or one of its threads */
    bool dead;
    char name[TASK_NAME_MAX];
    bool is_root;               /* the first task: may power the machine off */
};

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

/* Intrusive doubly linked queue of blocked threads. */
struct waitq {
    struct thread *head, *tail;
};

struct thread {
    struct arch_regs regs;      /* user state, saved by every trap from user mode */
    struct task *task;
    struct thread *task_next;   /* the task's other threads */
    struct gate *gates;         /* gates bound to this thread */
    struct rq_node rq;          /* ready queue */
    enum thread_state state;
    uint8_t prio;
    bool timeslice_over;
    struct keel_utcb *utcb;     /* kernel view of its UTCB page, or NULL */
    uint64_t utcb_pa;

    /* IPC */
    uint32_t ipc_ops;           /* keel_ipc_op flags of the call in progress */
    struct waitq *queue;        /* the queue this thread waits in, if any */
    struct thread *q_next, *q_prev;
    struct gate *send_gate;     /* THREAD_SEND: through which gate */
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
    bool in_exception;          /* blocked on its handler: the frame is the fault's */
    uint64_t exc_msg[1 + KEEL_EXC_WORDS]; /* tag and words of the exception message */

    /* floating point: its FP/SIMD registers while another thread's are loaded */
    struct arch_fpu fpu;
};
_Static_assert(sizeof(struct thread) <= ARCH_PAGE_SIZE, "a thread fits its page");

struct gate {
    struct thread *receiver;    /* bound thread; NULL once it is gone */
    uint64_t label;
    struct gate *next_bound;    /* gates bound to the same thread */
};

struct notification {
    uintptr_t bits;
    uint64_t label;
    struct waitq waiters;
};

struct factory {
    struct factory *parent;     /* quota comes from, and returns to, the parent */
    uint64_t pages_left;
};

/* The ABI's error for a failed cap_lookup(): a missing right, or no usable
 * capability there at all. */
static inline uint32_t cap_lookup_error(enum kerr e)
{
    return e == KERR_PERM ? KEEL_E_RIGHTS : KEEL_E_CAP;
}

/* ---- scheduler (sched.c) ---- */
void sched_ready(struct thread *t);         /* runnable, queued */
void sched_block(struct thread *t, enum thread_state why);
struct thread *sched_current(void);
void sched_switch_to(struct thread *t);     /* direct switch after an IPC hand-off */
/* Direct switch to t when the current thread is about to block (it is not
 * queued; if it does not block after all, sched_ready() queues it). */
void sched_hand_over(struct thread *t);
/* The IPC fast path: the running thread cur blocks as why and t, which no
 * ready thread outranks, runs in its place with no queue operation at all.
 * False (and nothing done) if that does not hold. */
bool sched_hand_off(struct thread *cur, enum thread_state why, struct thread *t);
void sched_tick(void);                      /* round robin */

/* ---- wait queues (ipc.c) ---- */
void waitq_push(struct waitq *q, struct thread *t);
void waitq_remove(struct thread *t);

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
/* No thread is ready and none waits for a timeout: since nothing else wakes
 * threads (no interrupt reaches user space yet), the system would idle
 * forever; report it and end the boot, failed (main.c). */
noreturn void kernel_stuck(void);

/* ---- quotas (quota.c) ---- */
/* Charge one page to f and allocate it zeroed, recording f as its payer in
 * the frame table; KEEL_E_QUOTA if f's quota or memory ran out. */
uint32_t factory_page(struct factory *f, uint64_t *pa);
/* bytes (a power-of-two number of pages) of zeroed, aligned, contiguous
 * memory charged to f page by page; 0 if quota or memory ran out. */
uint64_t factory_block(struct factory *f, size_t bytes);
/* Free a page, giving it back to the factory that paid for it. */
void factory_free(uint64_t pa);
/* Move pages of f's quota to child (a new sub-factory); KEEL_E_QUOTA if f
 * has fewer. */
uint32_t factory_split(struct factory *f, uint64_t pages, struct factory *child);

/* ---- objects (kobj.c) ---- */
/* A zeroed page charged to f, mapped at user address va of task with rights
 * (PTE_R/W/X; PTE_USER is added), tables it needs charged to f too; a
 * keel_error (QUOTA if memory or quota ran out, INVALID for a bad or taken
 * address). */
uint32_t task_map_page(struct task *task, struct factory *f, uintptr_t va, uint32_t rights,
                       uint64_t *pa);
/* pages zeroed pages at va (KEEL_MAP_* rights), all or nothing, charged to f. */
uint32_t task_map_anon(struct task *task, struct factory *f, uintptr_t va, uintptr_t pages,
                       uintptr_t rights);
/* A new task (empty address space and capability table) charged to f. */
uint32_t task_create(struct factory *f, const char *name, struct task **out);
/* A new inactive thread in task, charged to f. */
uint32_t thread_create(struct factory *f, struct task *task, struct thread **out);
/* Give thread t a UTCB page at va in its task, charged to f. */
uint32_t thread_set_utcb(struct thread *t, struct factory *f, uintptr_t va);
/* Handle a send/call to a kernel-object capability; result in t's words. */
void kobj_invoke(struct thread *t, const struct cap *cap, uint64_t tag);
/* Take a thread off everything and mark it dead.  Its page stays until its
 * task is dead and no capability names the task or a thread of it (kobj.c):
 * every kernel link to t must be cut here, since none is counted. */
void thread_kill(struct thread *t);
