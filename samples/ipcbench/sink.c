/* The third task of ipcbench's recursive unmap (unmap-3-tasks): accepts
 * one page at BENCH_WINDOW from bench-server, which maps on the page
 * ipcbench mapped to it, and answers at once. */
#include <keel/keel.h>

#define BENCH_WINDOW ((uintptr_t)0x0000020000000000ull)

int main(void)
{
    struct keel_utcb *u = keel_utcb();
    u->accept_items = 1;
    keel_set_window(u, BENCH_WINDOW, 12);
    keel_recv(u, KEEL_CAP_OPEN, KEEL_TIMEOUT_NEVER);
    for (;;)
        keel_reply_wait(u, KEEL_TAG(0, 0, 0), KEEL_CAP_OPEN, KEEL_TIMEOUT_NEVER);
}
