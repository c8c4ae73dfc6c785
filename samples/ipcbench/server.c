/* ipcbench's partner in another task: answers every call at once with the
 * same number of words (reply_wait loop, nothing else).  It accepts one
 * page of mapped memory at BENCH_WINDOW (the map case). */
#include <keel/keel.h>

#define BENCH_WINDOW ((uintptr_t)0x0000020000000000ull)

int main(void)
{
    struct keel_utcb *u = keel_utcb();
    u->accept_items = 1;
    keel_set_window(u, BENCH_WINDOW, 12);
    struct keel_ipc_result r = keel_recv(u, KEEL_CAP_OPEN, KEEL_TIMEOUT_NEVER);
    for (;;)
        r = keel_reply_wait(u, KEEL_TAG(0, KEEL_TAG_WORDS(r.tag), 0), KEEL_CAP_OPEN,
                            KEEL_TIMEOUT_NEVER);
}
