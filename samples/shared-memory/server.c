/* The shared-memory server: maps its 16 KiB region into each client that
 * asks (SHM_SHARE, with a notification capability) and, on SHM_FILL, fills
 * the region with squares, copies the client's word and signals the
 * client's notification.  Its region comes from the root task, paged in
 * (keel/system.h). */
#include "shm.h"

#define REGION KEEL_MEMORY_BASE

int main(void)
{
    struct keel_utcb *u = keel_utcb();
    volatile uint64_t *buf = (volatile uint64_t *)REGION;
    uint32_t note = KEEL_CAP_OPEN;
    keel_memory_touch(REGION, (size_t)1 << SHM_ORDER);
    u->accept_items = 1;
    struct keel_ipc_result r = keel_recv(u, KEEL_CAP_OPEN, KEEL_TIMEOUT_NEVER);
    for (;;) {
        if (KEEL_TAG_LABEL(r.tag) == SHM_SHARE && KEEL_TAG_ITEMS(r.tag) == 1) {
            note = u->item[0].slot;
            keel_mem_item(u, 0, KEEL_ITEM_MAP, REGION, SHM_ORDER, KEEL_MAP_R | KEEL_MAP_W);
            r = keel_reply_wait(u, KEEL_TAG(0, 0, 1), KEEL_CAP_OPEN, KEEL_TIMEOUT_NEVER);
            continue;
        }
        if (KEEL_TAG_LABEL(r.tag) == SHM_FILL && note != KEEL_CAP_OPEN) {
            uintptr_t n = u->mr[0] < SHM_MAGIC_AT ? u->mr[0] : SHM_MAGIC_AT;
            for (uintptr_t k = 0; k < n; k++)
                buf[k] = k * k;
            buf[SHM_SEEN_AT] = buf[SHM_MAGIC_AT];
            keel_printf("shm-server: filled %lu squares in the shared region; signalling\n",
                        (unsigned long)n);
            keel_signal(u, note, SHM_BIT);
        }
        r = keel_recv(u, KEEL_CAP_OPEN, KEEL_TIMEOUT_NEVER);
    }
}
