/* Periodic tick built on the one-shot arch timer.  Deadlines follow an
 * absolute schedule (deadline += period), so interrupt latency never
 * accumulates into drift. */
#pragma once

#include <types.h>

struct ticker_stats {
    uint64_t ticks;         /* interrupts taken since ticker_start */
    uint64_t early;         /* interrupts that arrived before their deadline */
    uint64_t missed;        /* whole periods skipped because we were late */
    uint64_t max_late;      /* worst lateness seen, in counter ticks */
    uint64_t on_time;       /* interrupts within a quarter period of their deadline */
    uint64_t period;        /* in counter ticks */
    uint64_t first_deadline;
    uint64_t last_tick;     /* counter value at the latest interrupt */
};

/* Start ticking hz times per second (interrupts must then be enabled). */
void ticker_start(uint32_t hz);
/* Make sure a timer interrupt comes no later than deadline (for timeouts). */
void timer_wake_at(uint64_t deadline);
/* Stop ticking. */
void ticker_stop(void);
/* A copy of the statistics; call with interrupts disabled so it is consistent. */
struct ticker_stats ticker_stats(void);
