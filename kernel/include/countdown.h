/*
 * A deadline on a countdown timer of limited range (kernel/drivers/countdown.c):
 * the x86 LAPIC one-shot and the POWER decrementer count down from a value
 * and interrupt at zero, and reach only so far ahead.  The generic part
 * implements arch_timer_set_deadline() and arch_timer_cancel() on top of
 * them: it keeps the deadline, starts the countdown for at most its range,
 * and re-arms the countdowns that end before the deadline (a far deadline,
 * or a countdown that rounds short).  A port selects it in port.py DRIVERS
 * and implements the three hooks below.
 */
#pragma once

#include <arch.h>

/** Port hook: the most counter ticks (arch_counter_hz() units) one
 * countdown may cover. */
uint64_t arch_countdown_max(void);
/** Port hook: interrupt once, ticks counter ticks from now (1 to
 * arch_countdown_max()); replaces a countdown in progress.  Ending late by
 * less than a tick of the countdown's own clock is fine, early is too:
 * countdown_expired() re-arms. */
void arch_countdown_start(uint64_t ticks);
/** Port hook: no countdown interrupt until the next arch_countdown_start(). */
void arch_countdown_stop(void);

/** Called by the port's countdown interrupt handler (the interrupt
 * silenced): calls kernel_timer_interrupt(regs) if the deadline has passed,
 * else starts the next step towards it; nothing if it was cancelled. */
void countdown_expired(struct arch_regs *regs);
