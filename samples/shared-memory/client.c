/* The shared-memory client: asks the server (slot 3) for its region,
 * received at SHM_AT (its receive window), writes a word into it, asks the
 * server to fill it and waits for the server's signal on a notification. */
#include "shm.h"

#define SERVICE KEEL_SLOT_GIVEN
#define SHM_AT ((uintptr_t)0x0000030000000000ull)
#define N 100u

int main(void)
{
    struct keel_utcb *u = keel_utcb();
    volatile uint64_t *buf = (volatile uint64_t *)SHM_AT;
    uint32_t note = KEEL_CAP_OPEN;
    if (keel_notification_create(u, KEEL_PROGRAM_FACTORY, 0, &note))
        return 1;
    keel_cap_item(u, 0, note, KEEL_RIGHT_SEND);
    keel_set_window(u, SHM_AT, SHM_ORDER);
    u->accept_items = 1;
    struct keel_ipc_result r = keel_call(u, SERVICE, KEEL_TAG(SHM_SHARE, 0, 1), 1000000);
    if (KEEL_TAG_ERROR(r.tag) || KEEL_TAG_ITEMS(r.tag) != 1 || u->item[0].type != KEEL_ITEM_MAP ||
        u->item[0].base != SHM_AT || u->item[0].order != SHM_ORDER) {
        keel_printf("shm-client: FAILED: no region mapped (error %u)\n",
                    (unsigned)KEEL_TAG_ERROR(r.tag));
        return 2;
    }
    keel_printf("shm-client: the server's 16 KiB region is mapped at 0x%lx\n",
                (unsigned long)SHM_AT);
    buf[SHM_MAGIC_AT] = 0x5eed;
    u->mr[0] = N;
    r = keel_send(u, SERVICE, KEEL_TAG(SHM_FILL, 1, 0), 1000000);
    if (KEEL_TAG_ERROR(r.tag))
        return 3;
    r = keel_wait(u, note, 1000000);
    if (KEEL_TAG_ERROR(r.tag) || !(u->mr[0] & SHM_BIT))
        return 4;
    for (uint64_t k = 0; k < N; k++)
        if (buf[k] != k * k)
            return 5;
    if (buf[SHM_SEEN_AT] != 0x5eed)
        return 6;
    keel_printf("shm-client: the server filled %u squares in the shared region, saw our word "
                "0x%lx, and signalled our notification: done\n", N,
                (unsigned long)buf[SHM_SEEN_AT]);
    return 0;
}
