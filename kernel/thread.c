/*
 * Threads: creation, the operations their capability offers, and death.
 * A thread dies when its last thread capability goes (or with its task);
 * its page goes back once it is dead and no capability (thread or reply)
 * names it, or else with its task's header (task.c).
 */
#include <kernel.h>
#include <kmem.h>
#include <thread.h>

uint32_t thread_create(struct factory *f, struct task *task, struct thread **out)
{
    uint64_t pa;
    uint32_t err = factory_page(f, &pa);
    if (err)
        return err;
    struct thread *t = kmem_ptr(pa);
    t->task = task;
    t->state = THREAD_INACTIVE;
    t->prio = 0;
    rq_node_init(&t->rq);
    arch_fpu_state_init(&t->fpu);
    t->task_next = task->threads;
    task->threads = t;
    *out = t;
    return KEEL_OK;
}

void thread_discard(struct thread *t)
{
    t->task->threads = t->task_next;    /* the newest: first on its task's list */
    factory_free((uint64_t)(uintptr_t)t);
}

/* Take t off any IPC and the processor, leaving it in state why. */
static void thread_halt(struct thread *t, enum thread_state why)
{
    if (t->state != THREAD_READY && t->state != THREAD_INACTIVE && t->state != THREAD_STOPPED)
        ipc_abort(t, KEEL_E_PARTNER);
    t->in_exception = false;
    sched_block(t, why);
}

void thread_kill(struct thread *t)
{
    thread_halt(t, THREAD_DEAD);
    ipc_release(t);     /* its senders and every caller it received fail */
    gate_unbind_all(t);
    gate_remove_handler(t);
    t->utcb = NULL;     /* the page goes with the address space */
}

void thread_ref(struct thread *t, bool thread_cap, int delta)
{
    t->refs += (uint32_t)delta;
    if (thread_cap)
        t->caps += (uint32_t)delta;
    if (delta > 0)
        return;
    if (!t->caps && t->state != THREAD_DEAD)
        thread_kill(t);
    if (t->refs || t == sched_current())
        return;
    struct thread **p = &t->task->threads;
    while (*p && *p != t)
        p = &(*p)->task_next;
    if (*p) {
        *p = t->task_next;
        factory_free((uint64_t)(uintptr_t)t);
    }
}

void thread_stop(struct thread *t)
{
    thread_halt(t, THREAD_STOPPED);
}

static bool thread_idle(const struct thread *t)
{
    return t->state == THREAD_INACTIVE || t->state == THREAD_STOPPED;
}

uint32_t thread_set_regs(struct thread *t, uintptr_t ip, uintptr_t sp, uintptr_t arg)
{
    if (!thread_idle(t))
        return KEEL_E_INVALID;
    arch_regs_init_user(&t->regs, ip, sp, arg);
    return KEEL_OK;
}

uint32_t thread_set_prio(struct thread *t, const struct thread *by, uintptr_t prio)
{
    if (prio > PRIO_MAX)
        return KEEL_E_INVALID;
    if (prio > by->prio)
        return KEEL_E_RIGHTS; /* no one raises a thread above itself */
    bool queued = rq_node_queued(&t->rq);
    if (queued)
        sched_block(t, THREAD_READY);
    t->prio = (uint8_t)prio;
    if (queued)
        sched_ready(t);
    return KEEL_OK;
}

void thread_set_handler(struct thread *t, struct gate *g)
{
    gate_remove_handler(t);
    if (g)
        gate_add_handler(g, t);
}

uint32_t thread_set_utcb(struct thread *t, struct factory *f, uintptr_t va)
{
    uint64_t pa;
    if (t->utcb)
        return KEEL_E_INVALID;
    uint32_t err = task_map_page(t->task, f, va, PTE_R | PTE_W, &pa);
    if (err)
        return err;
    t->utcb = kmem_ptr(pa);
    return KEEL_OK;
}

uint32_t thread_start(struct thread *t)
{
    if (!thread_idle(t))
        return KEEL_E_INVALID;
    sched_ready(t);
    return KEEL_OK;
}
