/* Time in the runtime: a clock from the machine's counter, and sleeping as a
 * wait with a timeout on a notification nobody signals (the component's
 * own, made on first use through its factory): no kernel call of its own. */
#include <keel/keel.h>

#define SLOT_FACTORY 2              /* every component's factory (root's too) */

static uint32_t sleep_notification = KEEL_CAP_OPEN;

uint64_t keel_clock_us(void)
{
    static uint64_t hz;
    if (!hz)
        hz = keel_counter_hz();
    if (!hz)
        return 0;
    uint64_t c = keel_counter();
    return c / hz * 1000000u + c % hz * 1000000u / hz;
}

uint32_t keel_sleep_us(struct keel_utcb *u, uint64_t us)
{
    if (sleep_notification == KEEL_CAP_OPEN) {
        uint32_t slot = KEEL_CAP_OPEN;
        uint32_t e = keel_notification_create(u, SLOT_FACTORY, 0, &slot);
        if (e)
            return e;
        sleep_notification = slot;
    }
    do { /* a wait's timeout is at most KEEL_TIMEOUT_MAX_US */
        uint32_t step = us > KEEL_TIMEOUT_MAX_US ? KEEL_TIMEOUT_MAX_US : (uint32_t)us;
        uint32_t e = KEEL_TAG_ERROR(keel_wait(u, sleep_notification, step ? step : 1).tag);
        if (e != KEEL_E_TIMEOUT)
            return e ? e : KEEL_E_INVALID;  /* nobody may signal it */
        us -= step;
    } while (us);
    return KEEL_OK;
}

uint32_t keel_yield(struct keel_utcb *u)
{
    return keel_sleep_us(u, 0);
}
