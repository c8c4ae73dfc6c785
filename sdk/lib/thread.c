/* Starting a thread: the sequence of thread operations it takes. */
#include <keel/keel.h>

uint32_t keel_thread_start(struct keel_utcb *u, uint32_t thread, uint32_t factory, uintptr_t ip,
                           uintptr_t sp, uintptr_t utcb, uint8_t prio, uint32_t handler)
{
    uint32_t e;
    if ((e = keel_thread_set_utcb(u, thread, factory, utcb)) ||
        (e = keel_invoke(u, thread, KEEL_THREAD_SET_REGS, ip, sp, utcb, 0)) ||
        (e = keel_invoke(u, thread, KEEL_THREAD_SET_PRIO, prio, 0, 0, 0)) ||
        (e = keel_invoke(u, thread, KEEL_THREAD_SET_HANDLER, handler, 0, 0, 0)))
        return e;
    return keel_invoke(u, thread, KEEL_THREAD_START, 0, 0, 0, 0);
}
