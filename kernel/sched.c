/*
 * Fixed-priority preemptive scheduling, 256 levels, round robin among
 * equals.  The running thread is not kept in the ready queue, so an IPC
 * hand-off to a partner of at least its priority switches directly, with no
 * queue operation at all (sched_switch_to).
 */
#include <irq.h>
#include <kernel.h>
#include <thread.h>

/* Not static: the IPC fast path (fastpath.c) reads and switches it inline. */
struct sched_state sched;

static struct thread *thread_of(struct rq_node *n)
{
    return (struct thread *)((char *)n - offsetof(struct thread, rq));
}

static void enqueue(struct thread *t, bool at_head)
{
    if (!rq_node_queued(&t->rq)) {
        if (at_head)
            rq_enqueue_head(&sched.ready, &t->rq, t->prio);
        else
            rq_enqueue(&sched.ready, &t->rq, t->prio);
    }
}

/* Make t current by a direct IPC switch from cur.  An expired time slice
 * moves along: a chain of hand-offs between two threads must not keep a
 * third of the same priority off the processor. */
static void switch_direct(struct thread *cur, struct thread *t)
{
    if (cur != t) {
        t->timeslice_over = cur && cur->timeslice_over;
        if (cur)
            cur->timeslice_over = false;
    }
    sched.current = t;
}

void sched_ready(struct thread *t)
{
    t->state = THREAD_READY;
    if (t != sched.current)
        enqueue(t, false);
}

void sched_block(struct thread *t, enum thread_state why)
{
    if (rq_node_queued(&t->rq))
        rq_remove(&sched.ready, &t->rq);
    t->state = why;
    if (why == THREAD_DEAD && sched.fpu_owner == t)
        sched.fpu_owner = NULL;     /* its registers are garbage now, its page may go */
    /* Every path that stops or kills a thread comes here. */
    if ((why == THREAD_STOPPED || why == THREAD_DEAD) && t->task->is_root)
        root_thread_stopped(t);
}

struct thread *sched_current(void)
{
    return sched.current;
}

/* cur is off the processor (blocked, or about to block and not queued):
 * t runs next unless a ready thread outranks it. */
static void run_next(struct thread *cur, struct thread *t)
{
    if (rq_highest_prio(&sched.ready) > (int)t->prio) {
        enqueue(t, false);          /* someone more important is waiting */
        sched.current = NULL;
    } else {
        switch_direct(cur, t);
    }
}

void sched_switch_to(struct thread *t)
{
    struct thread *cur = sched.current;
    t->state = THREAD_READY;
    if (cur && cur != t && cur->state == THREAD_READY) {
        if (t->prio < cur->prio) {
            enqueue(t, false);      /* the caller keeps the processor */
            return;
        }
        enqueue(cur, !cur->timeslice_over); /* first among equals unless expired */
        switch_direct(cur, t);
        return;
    }
    run_next(cur, t);
}

void sched_hand_over(struct thread *t)
{
    struct thread *cur = sched.current;
    if (cur && cur->state == THREAD_READY && t->prio < cur->prio) {
        sched_switch_to(t); /* the caller stays the more important */
        return;
    }
    t->state = THREAD_READY;
    run_next(cur, t);
}

void sched_tick(void)
{
    if (sched.current)
        sched.current->timeslice_over = true;
}

/* Keep the current thread, or put it back and take the best ready one. */
static struct thread *pick(void)
{
    struct thread *cur = sched.current;
    int top = rq_highest_prio(&sched.ready);
    if (cur && cur->state == THREAD_READY) {
        if (top < (int)cur->prio || (top == (int)cur->prio && !cur->timeslice_over))
            return cur;
        enqueue(cur, !cur->timeslice_over && top > (int)cur->prio);
    }
    if (cur)
        cur->timeslice_over = false;
    struct rq_node *n = rq_pop(&sched.ready);
    return n ? thread_of(n) : NULL;
}

#if ARCH_FPU_LAZY
/* The current thread used the FP/SIMD unit while another owned it (or its
 * access was off anyway, e.g. a frame made anew): give it the registers.
 * kernel_user_resume, next, turns the unit on for it. */
void kernel_fpu_trap(struct arch_regs *regs)
{
    struct thread *t = sched.current, *o = sched.fpu_owner;
    (void)regs;
    if (t != o) {
        arch_fpu_switch(o ? &o->fpu : NULL, &t->fpu);
        sched.fpu_owner = t;
    }
    t->fpu_eager = FPU_EAGER_RESUMES;
}
#endif

struct arch_regs *kernel_user_resume(void)
{
    for (;;) {
        struct thread *t = pick();
        sched.current = t;
        if (t) {
            t->timeslice_over = false;
            if (sched.space != &t->task->vm) {
                vm_activate(&t->task->vm);
                sched.space = &t->task->vm;
            }
            sched_fpu_resume(t);
            arch_set_user_frame(&t->regs);
            return &t->regs;
        }
        if (!timeout_pending() && !irq_lines_bound())
            kernel_stuck(); /* nothing could ever make a thread ready */
        arch_wait_for_interrupt(); /* timeouts and interrupts make threads ready */
    }
}
