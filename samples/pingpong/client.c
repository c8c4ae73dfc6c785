/* Ping-pong client: calls the server a few times over the gate root gave it,
 * then passes it a notification capability and waits for the signal. */
#include <keel/keel.h>

#define SERVICE 3       /* root puts the server's gate here */
#define FACTORY 2
#define PING 1
#define SIGNAL_ME 2
#define ROUNDS 3

int main(void)
{
    struct keel_utcb *u = keel_utcb();
    for (uintptr_t i = 0; i < ROUNDS; i++) {
        u->mr[0] = 10 * i;
        struct keel_ipc_result r = keel_call(u, SERVICE, KEEL_TAG(PING, 1, 0), KEEL_TIMEOUT_NEVER);
        if (KEEL_TAG_ERROR(r.tag) || u->mr[0] != 10 * i + 1)
            return 1;
        keel_printf("ping-client: pong %lu\n", (unsigned long)u->mr[0]);
    }
    uint32_t note = KEEL_CAP_OPEN;
    if (keel_notification_create(u, FACTORY, 0x77, &note))
        return 2;
    u->item[0].slot = note;
    u->item[0].rights = KEEL_RIGHT_SEND;
    struct keel_ipc_result r = keel_call(u, SERVICE, KEEL_TAG(SIGNAL_ME, 0, 1), KEEL_TIMEOUT_NEVER);
    if (KEEL_TAG_ERROR(r.tag))
        return 3;
    r = keel_wait(u, note, 1000000);
    if (KEEL_TAG_ERROR(r.tag) || u->mr[0] != 0x5)
        return 4;
    keel_printf("ping-client: the server signalled our notification (bits 0x%lx): done\n",
                (unsigned long)u->mr[0]);
    return 0;
}
