/* IPC timeouts: threads blocked with a deadline, sorted by it. */
#include <keel/errors.h>
#include <thread.h>
#include <ticker.h>

static struct thread *pending;  /* earliest deadline first, through t_next */

void timeout_arm(struct thread *t, uint64_t deadline)
{
    timeout_cancel(t);
    thread_set_deadline(t, deadline);
    struct thread **p = &pending;
    while (*p && (*p)->deadline <= deadline)
        p = &(*p)->t_next;
    t->t_next = *p;
    *p = t;
    timer_wake_at(deadline);
}

void timeout_cancel(struct thread *t)
{
    if (!t->deadline)
        return;
    for (struct thread **p = &pending; *p; p = &(*p)->t_next) {
        if (*p == t) {
            *p = t->t_next;
            break;
        }
    }
    thread_set_deadline(t, 0);
    t->t_next = NULL;
}

uint64_t timeout_expire(uint64_t now)
{
    while (pending && pending->deadline <= now)
        ipc_abort(pending, KEEL_E_TIMEOUT); /* cancels the timeout too */
    return pending ? pending->deadline : 0;
}

bool timeout_pending(void)
{
    return pending != NULL;
}
