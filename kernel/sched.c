/* Fixed-priority preemptive scheduling with round robin among equals. */
#include <kernel.h>
#include <print.h>
#include <thread.h>

static struct {
    struct runqueue ready;
    struct thread *current;
    uint32_t live;
} sched;

static struct thread *thread_of(struct rq_node *n)
{
    return (struct thread *)((char *)n - offsetof(struct thread, rq));
}

void sched_ready(struct thread *t)
{
    t->state = THREAD_READY;
    if (!rq_node_queued(&t->rq)) {
        rq_enqueue(&sched.ready, &t->rq, t->prio);
        sched.live++;
    }
}

void sched_remove(struct thread *t, enum thread_state why)
{
    if (rq_node_queued(&t->rq)) {
        rq_remove(&sched.ready, &t->rq);
        sched.live--;
    }
    t->state = why;
    if (sched.current == t)
        sched.current = NULL;
}

struct thread *sched_current(void)
{
    return sched.current;
}

uint32_t sched_live(void)
{
    return sched.live;
}

void sched_tick(void)
{
    if (sched.current)
        rq_rotate(&sched.ready, sched.current->prio);
}

struct arch_regs *kernel_user_resume(void)
{
    for (;;) {
        struct rq_node *n = rq_highest(&sched.ready);
        if (n) {
            struct thread *t = thread_of(n);
            sched.current = t;
            arch_aspace_activate(&t->task->vm.arch);
            arch_set_user_frame(&t->regs);
            return &t->regs;
        }
        if (sched.live == 0)
            panic("no thread left to run");
        arch_wait_for_interrupt();
    }
}
