/* Tasks (an address space) and threads, and the scheduler that runs them. */
#pragma once

#include <runqueue.h>
#include <vm.h>

#define TASK_NAME_MAX 16

enum thread_state {
    THREAD_READY,       /* queued, or running */
    THREAD_STOPPED,     /* will not run again until restarted */
    THREAD_DEAD,        /* ended; its resources are gone */
};

struct task {
    struct vm_space vm;
    char name[TASK_NAME_MAX];
    bool is_root;           /* the first task: may power the machine off */
};

struct thread {
    struct arch_regs regs;  /* user state, saved by every trap from user mode */
    struct task *task;
    struct rq_node rq;
    enum thread_state state;
    uint8_t prio;
};

/* Make t ready to run at priority prio. */
void sched_ready(struct thread *t);
/* Take t off the processor for good (stopped or dead). */
void sched_remove(struct thread *t, enum thread_state why);
/* The thread whose system call or trap is being handled. */
struct thread *sched_current(void);
/* Round robin: the current thread goes behind its equals. */
void sched_tick(void);
/* Number of threads that can still run. */
uint32_t sched_live(void);
