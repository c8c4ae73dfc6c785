/* The timer interrupt: the periodic tick (an absolute schedule on the
 * one-shot arch timer) and, with the kernel core, IPC timeouts. */
#include <kernel.h>
#include <ticker.h>
#include <thread.h>

static struct {
    bool running;
    uint64_t deadline;      /* next tick */
    uint64_t programmed;    /* what the arch timer is set to; UINT64_MAX: off */
    struct ticker_stats st;
} ticker = { .programmed = UINT64_MAX };

static void program(uint64_t deadline)
{
    ticker.programmed = deadline;
    if (deadline == UINT64_MAX)
        arch_timer_cancel();
    else
        arch_timer_set_deadline(deadline);
}

void timer_wake_at(uint64_t deadline)
{
    if (deadline < ticker.programmed)
        program(deadline);
}

void ticker_start(uint32_t hz)
{
    uint64_t now = arch_counter_read();
    ticker.st = (struct ticker_stats){ 0 };
    ticker.st.period = arch_counter_hz() / hz;
    ticker.deadline = now + ticker.st.period;
    ticker.st.first_deadline = ticker.deadline;
    ticker.running = true;
    program(ticker.deadline);
}

void ticker_stop(void)
{
    ticker.running = false;
    program(UINT64_MAX);
}

struct ticker_stats ticker_stats(void)
{
    return ticker.st;
}

/* Account one tick at now and move the schedule past it. */
static void tick(uint64_t now)
{
    struct ticker_stats *st = &ticker.st;
    if (now - ticker.deadline > st->max_late)
        st->max_late = now - ticker.deadline;
    if (now - ticker.deadline <= st->period / 4)
        st->on_time++;
    st->ticks++;
    st->last_tick = now;
    ticker.deadline += st->period;
    while (ticker.deadline <= now) {
        ticker.deadline += st->period;
        st->missed++;
    }
    sched_tick();
}

void kernel_timer_interrupt(struct arch_regs *regs)
{
    uint64_t now = arch_counter_read();
    if (now < ticker.programmed)
        ticker.st.early++;      /* before what we asked for: a broken timer */
    uint64_t next = ticker.running ? ticker.deadline : UINT64_MAX;
    if (ticker.running && now >= ticker.deadline) {
        tick(now);
        next = ticker.deadline;
    }
    uint64_t t = timeout_expire(now);
    if (t && t < next)
        next = t;
    program(next);
}
