/* A deadline on a countdown timer of limited range (countdown.h). */
#include <countdown.h>
#include <kernel.h>

static struct {
    uint64_t deadline;      /* counter value to interrupt at */
    bool armed;             /* a deadline is pending */
} countdown;

/* Start the countdown for the pending deadline, at most its range away;
 * a passed deadline gets the shortest countdown. */
static void start_step(void)
{
    uint64_t now = arch_counter_read();
    uint64_t delta = countdown.deadline > now ? countdown.deadline - now : 1;
    arch_countdown_start(MIN(delta, arch_countdown_max()));
}

void arch_timer_set_deadline(uint64_t deadline)
{
    countdown.deadline = deadline;
    countdown.armed = true;
    start_step();
}

void arch_timer_cancel(void)
{
    countdown.armed = false;
    arch_countdown_stop();
}

void countdown_expired(struct arch_regs *regs)
{
    if (!countdown.armed)
        return;                 /* cancelled after it fired */
    if (arch_counter_read() < countdown.deadline) {
        start_step();           /* a step of a far deadline, or early */
        return;
    }
    countdown.armed = false;
    kernel_timer_interrupt(regs);
}
