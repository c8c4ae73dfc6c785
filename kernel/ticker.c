/* The periodic tick: kernel_timer_interrupt() re-arms the one-shot timer. */
#include <kernel.h>
#include <ticker.h>
#ifdef KEEL_KERNEL_CORE
#include <thread.h>
#endif

static struct {
    bool running;
    uint64_t deadline;
    struct ticker_stats st;
} ticker;

void ticker_start(uint32_t hz)
{
    uint64_t now = arch_counter_read();
    ticker.st = (struct ticker_stats){ 0 };
    ticker.st.period = arch_counter_hz() / hz;
    ticker.deadline = now + ticker.st.period;
    ticker.st.first_deadline = ticker.deadline;
    ticker.running = true;
    arch_timer_set_deadline(ticker.deadline);
#ifdef KEEL_KERNEL_CORE
    sched_tick();
#endif
}

void ticker_stop(void)
{
    ticker.running = false;
    arch_timer_cancel();
}

struct ticker_stats ticker_stats(void)
{
    return ticker.st;
}

void kernel_timer_interrupt(struct arch_regs *regs)
{
    uint64_t now = arch_counter_read();
    if (!ticker.running)
        return;
    struct ticker_stats *st = &ticker.st;
    if (now < ticker.deadline)
        st->early++;
    else if (now - ticker.deadline > st->max_late)
        st->max_late = now - ticker.deadline;
    if (now >= ticker.deadline && now - ticker.deadline <= st->period / 4)
        st->on_time++;
    st->ticks++;
    st->last_tick = now;
    ticker.deadline += st->period;
    while (ticker.deadline <= now) {
        ticker.deadline += st->period;
        st->missed++;
    }
    arch_timer_set_deadline(ticker.deadline);
#ifdef KEEL_KERNEL_CORE
    sched_tick();
#endif
}
