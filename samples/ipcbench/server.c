/* ipcbench's partner in another task: answers every call at once with the
 * same number of words (reply_wait loop, nothing else).  It accepts one
 * page of mapped memory at BENCH_WINDOW (the map case); a call labelled
 * FORWARD first maps that page on to bench-sink (slot 3), the third task
 * of the recursive unmap case; one labelled TOUCH_FP first does an FP
 * addition (the FP/SIMD case). */
#include <keel/keel.h>

#define BENCH_WINDOW ((uintptr_t)0x0000020000000000ull)
#define SINK 3
#define FORWARD 2
#define TOUCH_FP 3          /* one FP addition before the reply (ipcbench's FP case) */

static volatile double fp_value = 0.5;

int main(void)
{
    struct keel_utcb *u = keel_utcb();
    u->accept_items = 1;
    keel_set_window(u, BENCH_WINDOW, 12);
    struct keel_ipc_result r = keel_recv(u, KEEL_CAP_OPEN, KEEL_TIMEOUT_NEVER);
    for (;;) {
        uint32_t words = KEEL_TAG_WORDS(r.tag);
        if (KEEL_TAG_LABEL(r.tag) == FORWARD) {
            keel_mem_item(u, 0, KEEL_ITEM_MAP, BENCH_WINDOW, 12, KEEL_MAP_R | KEEL_MAP_W);
            uint64_t t = keel_call(u, SINK, KEEL_TAG(0, 0, 1), KEEL_TIMEOUT_NEVER).tag;
            u->mr[0] = KEEL_TAG_ERROR(t);
            words = 1;
        }
        if (KEEL_TAG_LABEL(r.tag) == TOUCH_FP)
            fp_value = fp_value + 2.0;
        r = keel_reply_wait(u, KEEL_TAG(0, words, 0), KEEL_CAP_OPEN, KEEL_TIMEOUT_NEVER);
    }
}
